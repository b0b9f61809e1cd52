/* tb_truth.c - read the workload's truth file: what really happened in a run */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb_json.h"
#include "tb_truth.h"

/* The first error wins; later lookups become no-ops so the caller can read straight through. */
struct truth_reader {
	const char *path;
	int ret;
};

static void __attribute__((format(printf, 3, 4)))
truth_fail(struct truth_reader *rd, const struct tb_json *at, const char *fmt, ...)
{
	va_list ap;

	if (rd->ret)
		return;
	rd->ret = -EINVAL;
	fprintf(stderr, "%s:%u:%u: malformed truth file: ", rd->path, at->line, at->column);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (was it written by this version of the workload?)\n", stderr);
}

static const struct tb_json *truth_get(struct truth_reader *rd, const struct tb_json *obj,
				       const char *key, const char *where, bool required)
{
	const struct tb_json *node;

	if (rd->ret)
		return NULL;
	node = tb_json__get(obj, key);
	if (!node && required)
		truth_fail(rd, obj, "missing required key \"%s\" in %s", key, where);
	return node;
}

static const struct tb_json *truth_get_type(struct truth_reader *rd, const struct tb_json *obj,
					    const char *key, const char *where,
					    enum tb_json_type type, bool required)
{
	const struct tb_json *node = truth_get(rd, obj, key, where, required);

	if (node && node->type != type) {
		truth_fail(rd, node, "\"%s\" in %s: expected %s %s, found %s", key, where,
			   type == TB_JSON_OBJECT ? "an" : "a", tb_json__type_name(type),
			   tb_json__type_name(node->type));
		return NULL;
	}
	return node;
}

static void truth_number_fail(struct truth_reader *rd, const struct tb_json *node, const char *key,
			      const char *where, const char *expected, int err)
{
	if (node->type != TB_JSON_NUMBER)
		truth_fail(rd, node, "\"%s\" in %s: expected %s, found %s", key, where, expected,
			   tb_json__type_name(node->type));
	else
		truth_fail(rd, node, "\"%s\" in %s: expected %s, found %s%s", key, where, expected,
			   node->number, err == -ERANGE ? " (out of range)" : "");
}

/* Reads an unsigned integer no larger than max. */
static void truth_u64(struct truth_reader *rd, const struct tb_json *obj, const char *key,
		      const char *where, uint64_t max, uint64_t *v)
{
	const struct tb_json *node = truth_get(rd, obj, key, where, true);
	uint64_t x;
	int err;

	if (!node)
		return;
	err = tb_json__u64(node, &x);
	if (!err && x > max)
		err = -ERANGE;
	if (err) {
		truth_number_fail(rd, node, key, where, "an unsigned integer", err);
		return;
	}
	*v = x;
}

static void truth_double(struct truth_reader *rd, const struct tb_json *obj, const char *key,
			 const char *where, double *v)
{
	const struct tb_json *node = truth_get(rd, obj, key, where, true);
	int err;

	if (node && (err = tb_json__double(node, v)))
		truth_number_fail(rd, node, key, where, "a finite number", err);
}

static void truth_string(struct truth_reader *rd, const struct tb_json *obj, const char *key,
			 const char *where, char **v)
{
	const struct tb_json *node = truth_get_type(rd, obj, key, where, TB_JSON_STRING, true);

	if (!node)
		return;
	*v = strdup(node->str);
	if (!*v) {
		fprintf(stderr, "%s: cannot read truth file: out of memory\n", rd->path);
		rd->ret = -ENOMEM;
	}
}

static void *truth_calloc(struct truth_reader *rd, size_t n, size_t size)
{
	void *p;

	if (rd->ret)
		return NULL;
	p = calloc(n ? n : 1, size);
	if (!p) {
		fprintf(stderr, "%s: cannot read truth file: out of memory\n", rd->path);
		rd->ret = -ENOMEM;
	}
	return p;
}

static void truth_read_method(struct truth_reader *rd, const struct tb_json *node,
			      struct tb_truth_method *m)
{
	char where[96];
	uint64_t id = 0;

	snprintf(where, sizeof(where), "method \"%.64s\"", node->key);
	if (node->type != TB_JSON_OBJECT) {
		truth_fail(rd, node, "%s: expected an object, found %s", where,
			   tb_json__type_name(node->type));
		return;
	}
	/* A C string cannot hold it: two methods could end up with one name. */
	if (strlen(node->key) != node->key_len) {
		truth_fail(rd, node, "%s: a name with a NUL (\\u0000) in it", where);
		return;
	}
	m->name = strdup(node->key);
	if (!m->name) {
		fprintf(stderr, "%s: cannot read truth file: out of memory\n", rd->path);
		rd->ret = -ENOMEM;
		return;
	}
	truth_u64(rd, node, "id", where, UINT32_MAX, &id);
	m->id = id;
	truth_u64(rd, node, "calls", where, UINT64_MAX, &m->calls);
	truth_u64(rd, node, "arg_sum", where, UINT64_MAX, &m->arg_sum);
	truth_u64(rd, node, "self_units_per_call", where, UINT64_MAX, &m->self_units_per_call);
	/* Calibration is optional, but all or nothing. */
	if (!truth_get(rd, node, "self_ns_per_call", where, false))
		return;
	truth_double(rd, node, "self_ns_per_call", where, &m->self_ns_per_call);
	truth_double(rd, node, "self_ns", where, &m->self_ns);
	truth_double(rd, node, "self_share", where, &m->self_share);
	m->calibrated = !rd->ret;
}

static void truth_read_methods(struct truth_reader *rd, const struct tb_json *root,
			       struct tb_truth *t)
{
	const struct tb_json *methods;
	size_t i = 0;

	methods = truth_get_type(rd, root, "methods", "the top-level object", TB_JSON_OBJECT, true);
	if (!methods)
		return;
	t->methods = truth_calloc(rd, methods->nr, sizeof(*t->methods));
	if (!t->methods)
		return;
	tb_json__for_each (node, methods) {
		truth_read_method(rd, node, &t->methods[i++]);
		t->nr_methods = i;
		if (rd->ret)
			return;
	}
}

static void truth_read_syscalls(struct truth_reader *rd, const struct tb_json *root,
				struct tb_truth *t)
{
	const struct tb_json *syscalls;
	size_t i = 0;

	syscalls =
		truth_get_type(rd, root, "syscalls", "the top-level object", TB_JSON_OBJECT, true);
	if (!syscalls)
		return;
	t->syscalls = truth_calloc(rd, syscalls->nr, sizeof(*t->syscalls));
	if (!t->syscalls)
		return;
	tb_json__for_each (node, syscalls) {
		struct tb_truth_syscall *s = &t->syscalls[i];
		int err = tb_json__u64(node, &s->count);

		if (strlen(node->key) != node->key_len) {
			truth_fail(rd, node,
				   "system call \"%s\": a name with a NUL (\\u0000) in it",
				   node->key);
			return;
		}
		if (err) {
			truth_number_fail(rd, node, node->key, "\"syscalls\"",
					  "an unsigned integer", err);
			return;
		}
		s->name = strdup(node->key);
		if (!s->name) {
			fprintf(stderr, "%s: cannot read truth file: out of memory\n", rd->path);
			rd->ret = -ENOMEM;
			return;
		}
		t->nr_syscalls = ++i;
	}
}

static void truth_read_loop(struct truth_reader *rd, const struct tb_json *root, struct tb_truth *t)
{
	const struct tb_json *loop;

	loop = truth_get_type(rd, root, "loop", "the top-level object", TB_JSON_OBJECT, false);
	if (!loop)
		return;
	truth_string(rd, loop, "leaf", "\"loop\"", &t->loop_leaf);
	truth_u64(rd, loop, "calls_per_thread", "\"loop\"", UINT64_MAX, &t->loop_calls_per_thread);
	truth_double(rd, loop, "ns_per_call", "\"loop\"", &t->loop_ns_per_call);
	t->has_loop = !rd->ret;
}

/* The truth from the file's parse: its result ret, and (ret 0) the tree, which this frees. */
static int truth_from_tree(const char *path, int ret, struct tb_json *root,
			   const struct tb_json_error *jerr, struct tb_truth *truth)
{
	static const char top[] = "the top-level object";
	struct truth_reader rd = { .path = path, .ret = ret };
	uint64_t pid = 0, threads = 0;

	if (rd.ret == -EINVAL) {
		fprintf(stderr, "%s:%u:%u: malformed truth file: %s\n", path, jerr->line,
			jerr->column, jerr->msg);
		return rd.ret;
	}
	if (rd.ret) {
		fprintf(stderr, "%s: cannot read truth file: %s\n", path,
			rd.ret == -EFBIG ? "larger than the JSON size limit" : strerror(-rd.ret));
		return rd.ret;
	}
	if (root->type != TB_JSON_OBJECT) {
		truth_fail(&rd, root, "expected an object at the top level, found %s",
			   tb_json__type_name(root->type));
		goto out;
	}
	truth_string(&rd, root, "program", top, &truth->program);
	truth_string(&rd, root, "variant", top, &truth->variant);
	truth_string(&rd, root, "run_mode", top, &truth->run_mode);
	truth_u64(&rd, root, "pid", top, INT_MAX, &pid);
	truth->pid = pid;
	truth_u64(&rd, root, "threads", top, UINT_MAX, &threads);
	truth->threads = threads;
	truth_double(&rd, root, "scale", top, &truth->scale);
	truth_u64(&rd, root, "requests", top, UINT64_MAX, &truth->requests);
	truth_u64(&rd, root, "hot_wall_ns", top, UINT64_MAX, &truth->hot_wall_ns);
	truth_u64(&rd, root, "hot_cpu_ns", top, UINT64_MAX, &truth->hot_cpu_ns);
	truth_u64(&rd, root, "method_calls", top, UINT64_MAX, &truth->method_calls);
	truth_u64(&rd, root, "result", top, UINT64_MAX, &truth->result);
	truth_u64(&rd, root, "syscall_errors", top, UINT64_MAX, &truth->syscall_errors);
	truth_read_syscalls(&rd, root, truth);
	truth_read_loop(&rd, root, truth);
	truth_read_methods(&rd, root, truth);
out:
	tb_json__free(root);
	if (rd.ret)
		tb_truth__free(truth);
	return rd.ret;
}

int tb_truth__read(const char *path, struct tb_truth *truth)
{
	struct tb_json_error jerr;
	struct tb_json *root;
	int ret;

	memset(truth, 0, sizeof(*truth));
	ret = tb_json__parse_file(path, &root, &jerr);
	return truth_from_tree(path, ret, root, &jerr, truth);
}

int tb_truth__parse(const char *name, const char *text, size_t len, struct tb_truth *truth)
{
	struct tb_json_error jerr;
	struct tb_json *root;
	int ret;

	memset(truth, 0, sizeof(*truth));
	ret = tb_json__parse(text, len, &root, &jerr);
	return truth_from_tree(name, ret, root, &jerr, truth);
}

const struct tb_truth_method *tb_truth__method(const struct tb_truth *t, const char *name)
{
	for (size_t i = 0; i < t->nr_methods; i++)
		if (!strcmp(t->methods[i].name, name))
			return &t->methods[i];
	return NULL;
}

uint64_t tb_truth__syscall(const struct tb_truth *t, const char *name)
{
	for (size_t i = 0; i < t->nr_syscalls; i++)
		if (!strcmp(t->syscalls[i].name, name))
			return t->syscalls[i].count;
	return 0;
}

void tb_truth__free(struct tb_truth *t)
{
	for (size_t i = 0; i < t->nr_methods; i++)
		free(t->methods[i].name);
	for (size_t i = 0; i < t->nr_syscalls; i++)
		free(t->syscalls[i].name);
	free(t->methods);
	free(t->syscalls);
	free(t->program);
	free(t->variant);
	free(t->run_mode);
	free(t->loop_leaf);
	memset(t, 0, sizeof(*t));
}
