/* json.c - fuzz target: tb_json__parse (result and truth files), its accessors, and the writer */
#include "fuzz.h"

#include <errno.h>
#include <math.h>

#include "tb_json.h"

/* Every accessor on every node: none may read past what the parser built. */
static void walk(const struct tb_json *node, unsigned int depth)
{
	uint64_t u;
	int64_t i;
	double d;
	bool b;

	fuzz_assert(depth <= TB_JSON_MAX_DEPTH);
	fuzz_assert(strcmp(tb_json__type_name(node->type), "?"));
	fuzz_assert(node->line >= 1 && node->column >= 1);
	fuzz_assert(!tb_json__string(node) == (node->type != TB_JSON_STRING));
	fuzz_assert(!tb_json__bool(node, &b) == (node->type == TB_JSON_BOOL));
	if (!tb_json__u64(node, &u) || !tb_json__i64(node, &i) || !tb_json__double(node, &d))
		fuzz_assert(node->type == TB_JSON_NUMBER);
	if (node->type == TB_JSON_STRING)
		fuzz_assert(node->str[node->len] == '\0');
	tb_json__for_each (child, node) {
		if (node->type == TB_JSON_OBJECT) {
			fuzz_assert(child->key && child->key[child->key_len] == '\0');
			/* A key without a NUL inside finds its member: keys are unique. */
			if (strlen(child->key) == child->key_len)
				fuzz_assert(tb_json__get(node, child->key) == child);
		} else {
			fuzz_assert(!child->key);
		}
		walk(child, depth + 1);
	}
}

/* How a number is written back: as the integer it is, else as a finite double, else null. */
static int write_number(struct tb_json_writer *w, const struct tb_json *node)
{
	uint64_t u;
	int64_t i;
	double d;

	if (!tb_json__u64(node, &u))
		return tb_json_writer__u64(w, u);
	if (!tb_json__i64(node, &i))
		return tb_json_writer__i64(w, i);
	if (!tb_json__double(node, &d))
		return tb_json_writer__double(w, d);
	return tb_json_writer__null(w);
}

static void write_node(struct tb_json_writer *w, const struct tb_json *node)
{
	switch (node->type) {
	case TB_JSON_NULL:
		tb_json_writer__null(w);
		break;
	case TB_JSON_BOOL:
		tb_json_writer__bool(w, node->boolean);
		break;
	case TB_JSON_NUMBER:
		write_number(w, node);
		break;
	case TB_JSON_STRING:
		tb_json_writer__string_len(w, node->str, node->len);
		break;
	case TB_JSON_ARRAY:
	case TB_JSON_OBJECT:
		if (node->type == TB_JSON_ARRAY)
			tb_json_writer__begin_array(w);
		else
			tb_json_writer__begin_object(w);
		tb_json__for_each (child, node) {
			if (node->type == TB_JSON_OBJECT)
				tb_json_writer__key_len(w, child->key, child->key_len);
			write_node(w, child);
		}
		if (node->type == TB_JSON_ARRAY)
			tb_json_writer__end_array(w);
		else
			tb_json_writer__end_object(w);
		break;
	}
}

/* The same values (numbers: the same value, or null where none was representable). */
static bool same(const struct tb_json *a, const struct tb_json *b)
{
	const struct tb_json *x, *y;
	uint64_t ua, ub;
	int64_t ia, ib;
	double da, db;

	if (a->type == TB_JSON_NUMBER && b->type == TB_JSON_NULL)
		return tb_json__u64(a, &ua) && tb_json__i64(a, &ia) && tb_json__double(a, &da);
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case TB_JSON_NULL:
		return true;
	case TB_JSON_BOOL:
		return a->boolean == b->boolean;
	case TB_JSON_NUMBER:
		if (!tb_json__u64(a, &ua))
			return !tb_json__u64(b, &ub) && ua == ub;
		if (!tb_json__i64(a, &ia))
			return !tb_json__i64(b, &ib) && ia == ib;
		return !tb_json__double(a, &da) && !tb_json__double(b, &db) && da == db;
	case TB_JSON_STRING:
		return a->len == b->len && !memcmp(a->str, b->str, a->len);
	case TB_JSON_ARRAY:
	case TB_JSON_OBJECT:
		if (a->nr != b->nr)
			return false;
		for (x = a->first, y = b->first; x && y; x = x->next, y = y->next)
			if ((a->type == TB_JSON_OBJECT &&
			     (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len))) ||
			    !same(x, y))
				return false;
		return !x && !y;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tb_json *root, *again;
	struct tb_json_error err;
	struct tb_json_writer w;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	ret = tb_json__parse((const char *)data, size, &root, &err);
	if (ret) {
		fuzz_assert(!root && (ret == -EINVAL || ret == -EFBIG || ret == -ENOMEM));
		fuzz_assert(memchr(err.msg, '\0', sizeof(err.msg)) && err.msg[0]);
		return 0;
	}
	walk(root, 0);

	/* What the writer makes of the tree, the reader takes back unchanged. */
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	tb_json_writer__init(&w, f, size & 1 ? 2 : 0);
	write_node(&w, root);
	ret = tb_json_writer__finish(&w);
	fclose(f);
	if (ret)
		fprintf(stderr, "the writer refused the tree: %s\n", strerror(-ret));
	fuzz_assert(!ret);
	ret = tb_json__parse(text, len, &again, &err);
	if (ret)
		fprintf(stderr, "written back: %u:%u: %s\n", err.line, err.column, err.msg);
	fuzz_assert(!ret);
	fuzz_assert(same(root, again));
	tb_json__free(again);
	free(text);
	tb_json__free(root);
	return 0;
}
