/* tb_result.c - build and write a tracer's result file (DESIGN.md section 4, "-o FILE") */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tb_json.h"
#include "tb_msg.h"
#include "tb_result.h"

enum value_type {
	VALUE_U64,
	VALUE_I64,
	VALUE_DOUBLE,
	VALUE_STR,
	VALUE_BOOL,
	VALUE_EMIT,
};

struct map_entry {
	char *name;
	enum value_type type;
	union {
		uint64_t u64;
		int64_t i64;
		double dbl;
		char *str;
		bool boolean;
		struct {
			tb_result_emit_fn fn;
			void *ctx;
		} emit;
	};
};

/*
 * An insertion-ordered map. A sampler may add a count per sample over
 * thousands of names, so lookups go through an open-addressing hash of
 * indices rather than a scan.
 */
struct tb_result_map {
	struct map_entry *entries;
	size_t nr, cap;
	size_t *slots; /* index + 1, 0 = empty */
	size_t nr_slots; /* a power of two, at least twice nr */
};

static const char *const standard_keys[] = {
	"technique", "mode", "pid",  "duration_ns", "counts",	     "lost",
	"samples",   "torn", "late", "profile",	    "tracer_cpu_ns", "attach_ns",
};

static size_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static size_t *map_slot(const struct tb_result_map *map, const char *name)
{
	size_t i = name_hash(name) & (map->nr_slots - 1);

	while (map->slots[i] && strcmp(map->entries[map->slots[i] - 1].name, name))
		i = (i + 1) & (map->nr_slots - 1);
	return &map->slots[i];
}

static int map_grow(struct tb_result_map *map)
{
	size_t nr_slots = map->nr_slots ? map->nr_slots * 2 : 16, cap = nr_slots / 2, *slots;
	struct map_entry *entries;

	/* Slots first: if either allocation fails, the map is left as it was. */
	slots = calloc(nr_slots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	entries = realloc(map->entries, cap * sizeof(*entries));
	if (!entries) {
		free(slots);
		return -ENOMEM;
	}
	map->entries = entries;
	map->cap = cap;
	free(map->slots);
	map->slots = slots;
	map->nr_slots = nr_slots;
	for (size_t i = 0; i < map->nr; i++)
		*map_slot(map, map->entries[i].name) = i + 1;
	return 0;
}

/* The entry for name, created zeroed with the given type if absent. NULL for ENOMEM. */
static struct map_entry *map_get(struct tb_result_map *map, const char *name, enum value_type type)
{
	struct map_entry *e;
	size_t *slot;
	char *copy;

	if (map->nr_slots) {
		slot = map_slot(map, name);
		if (*slot)
			return &map->entries[*slot - 1];
	}
	if (map->nr == map->cap && map_grow(map))
		return NULL;
	copy = strdup(name);
	if (!copy)
		return NULL;
	e = &map->entries[map->nr];
	*e = (struct map_entry){ .name = copy, .type = type };
	*map_slot(map, name) = ++map->nr;
	return e;
}

static void map_free(struct tb_result_map *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->nr; i++) {
		if (map->entries[i].type == VALUE_STR)
			free(map->entries[i].str);
		free(map->entries[i].name);
	}
	free(map->entries);
	free(map->slots);
	free(map);
}

struct tb_result *tb_result__new(const char *technique, const char *mode, int pid)
{
	struct tb_result *r;

	if (!technique || !mode) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->pid = pid;
	r->technique = strdup(technique);
	r->mode = strdup(mode);
	r->counts = calloc(1, sizeof(*r->counts));
	r->profile = calloc(1, sizeof(*r->profile));
	r->extra = calloc(1, sizeof(*r->extra));
	if (!r->technique || !r->mode || !r->counts || !r->profile || !r->extra) {
		tb_result__free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

void tb_result__free(struct tb_result *r)
{
	if (!r)
		return;
	free(r->technique);
	free(r->mode);
	map_free(r->counts);
	map_free(r->profile);
	map_free(r->extra);
	free(r);
}

int tb_result__add_count(struct tb_result *r, const char *name, uint64_t n)
{
	struct map_entry *e = map_get(r->counts, name, VALUE_U64);

	if (!e)
		return -ENOMEM;
	if (e->u64 + n < e->u64)
		return -EOVERFLOW;
	e->u64 += n;
	return 0;
}

int tb_result__add_profile(struct tb_result *r, const char *name, double share)
{
	struct map_entry *e;

	if (!isfinite(share) || share < 0)
		return -EINVAL;
	e = map_get(r->profile, name, VALUE_DOUBLE);
	if (!e)
		return -ENOMEM;
	e->dbl += share;
	return 0;
}

/* The extra entry for key, emptied and retyped; NULL with *err set. */
static struct map_entry *extra_entry(struct tb_result *r, const char *key, enum value_type type,
				     int *err)
{
	struct map_entry *e;

	for (size_t i = 0; i < sizeof(standard_keys) / sizeof(standard_keys[0]); i++) {
		if (!strcmp(key, standard_keys[i])) {
			*err = -EINVAL;
			return NULL;
		}
	}
	e = map_get(r->extra, key, type);
	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	if (e->type == VALUE_STR)
		free(e->str);
	e->type = type;
	memset(&e->emit, 0, sizeof(e->emit));
	return e;
}

int tb_result__set_extra_u64(struct tb_result *r, const char *key, uint64_t v)
{
	int err = 0;
	struct map_entry *e = extra_entry(r, key, VALUE_U64, &err);

	if (e)
		e->u64 = v;
	return err;
}

int tb_result__set_extra_i64(struct tb_result *r, const char *key, int64_t v)
{
	int err = 0;
	struct map_entry *e = extra_entry(r, key, VALUE_I64, &err);

	if (e)
		e->i64 = v;
	return err;
}

int tb_result__set_extra_double(struct tb_result *r, const char *key, double v)
{
	struct map_entry *e;
	int err = 0;

	if (!isfinite(v))
		return -EINVAL;
	e = extra_entry(r, key, VALUE_DOUBLE, &err);
	if (e)
		e->dbl = v;
	return err;
}

int tb_result__set_extra_str(struct tb_result *r, const char *key, const char *v)
{
	char *copy = strdup(v);
	struct map_entry *e;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	e = extra_entry(r, key, VALUE_STR, &err);
	if (!e) {
		free(copy);
		return err;
	}
	e->str = copy;
	return 0;
}

int tb_result__set_extra_bool(struct tb_result *r, const char *key, bool v)
{
	int err = 0;
	struct map_entry *e = extra_entry(r, key, VALUE_BOOL, &err);

	if (e)
		e->boolean = v;
	return err;
}

int tb_result__set_extra_emit(struct tb_result *r, const char *key, tb_result_emit_fn fn, void *ctx)
{
	int err = 0;
	struct map_entry *e = extra_entry(r, key, VALUE_EMIT, &err);

	if (e) {
		e->emit.fn = fn;
		e->emit.ctx = ctx;
	}
	return err;
}

static void emit_value(struct tb_json_writer *w, const struct map_entry *e)
{
	switch (e->type) {
	case VALUE_U64:
		tb_json_writer__u64(w, e->u64);
		break;
	case VALUE_I64:
		tb_json_writer__i64(w, e->i64);
		break;
	case VALUE_DOUBLE:
		tb_json_writer__double(w, e->dbl);
		break;
	case VALUE_STR:
		tb_json_writer__string(w, e->str);
		break;
	case VALUE_BOOL:
		tb_json_writer__bool(w, e->boolean);
		break;
	case VALUE_EMIT:
		e->emit.fn(w, e->emit.ctx);
		break;
	}
}

static void emit_map(struct tb_json_writer *w, const char *key, const struct tb_result_map *map)
{
	if (key) {
		tb_json_writer__key(w, key);
		tb_json_writer__begin_object(w);
	}
	for (size_t i = 0; i < map->nr; i++) {
		tb_json_writer__key(w, map->entries[i].name);
		emit_value(w, &map->entries[i]);
	}
	if (key)
		tb_json_writer__end_object(w);
}

static void emit_u64(struct tb_json_writer *w, const char *key, uint64_t v)
{
	tb_json_writer__key(w, key);
	tb_json_writer__u64(w, v);
}

/* Writes the whole object and flushes f. Returns 0 or -errno. */
static int result_emit(const struct tb_result *r, FILE *f)
{
	struct tb_json_writer w;
	int err;

	/* The writer's errors stick: one check at the end covers every call. */
	tb_json_writer__init(&w, f, 2);
	tb_json_writer__begin_object(&w);
	tb_json_writer__key(&w, "technique");
	tb_json_writer__string(&w, r->technique);
	tb_json_writer__key(&w, "mode");
	tb_json_writer__string(&w, r->mode);
	tb_json_writer__key(&w, "pid");
	tb_json_writer__i64(&w, r->pid);
	emit_u64(&w, "duration_ns", r->duration_ns);
	emit_map(&w, "counts", r->counts);
	emit_u64(&w, "lost", r->lost);
	if (r->sampled) {
		emit_u64(&w, "samples", r->samples);
		emit_u64(&w, "torn", r->torn);
		emit_u64(&w, "late", r->late);
		emit_map(&w, "profile", r->profile);
	}
	emit_u64(&w, "tracer_cpu_ns", r->tracer_cpu_ns);
	emit_u64(&w, "attach_ns", r->attach_ns);
	emit_map(&w, NULL, r->extra);
	tb_json_writer__end_object(&w);
	err = tb_json_writer__finish(&w);
	if (err == -EIO && w.io_errno)
		err = -w.io_errno;
	return err;
}

/* Writes to an open descriptor and closes it. Returns 0 or -errno. */
static int result_write_fd(const struct tb_result *r, int fd, bool sync)
{
	FILE *f = fdopen(fd, "w");
	int err;

	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	err = result_emit(r, f);
	/* Durable before the rename, or a crash could leave an empty file under the final name. */
	if (!err && sync && fsync(fileno(f)) && errno != EINVAL && errno != ENOTSUP)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int tb_result__write(const struct tb_result *r, const char *path)
{
	static unsigned int counter;
	char tmp[PATH_MAX];
	struct stat st;
	int fd, err;

	if (!strcmp(path, "-"))
		return result_emit(r, stdout);

	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -errno;
		return result_write_fd(r, fd, false);
	}

	for (int tries = 0;; tries++) {
		unsigned int n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);

		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d.%u", path, (int)getpid(), n) >=
		    sizeof(tmp))
			return -ENAMETOOLONG;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries == 100)
			return -errno;
	}
	err = result_write_fd(r, fd, true);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

uint64_t tb_result__self_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int tb_result__check_output(const char *path, const char *what, const char *option)
{
	int err = path ? tb_result__check_path(path) : 0;

	if (err)
		tb_fail("cannot write %s to %s: %s — choose a writable %s path", what, path,
			strerror(-err), option);
	return err;
}

int tb_result__check_path(const char *path)
{
	char *copy;
	struct stat st;
	int err = 0;

	if (!strcmp(path, "-"))
		return 0;
	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (access(path, W_OK))
			return -errno;
		if (!S_ISREG(st.st_mode))
			return 0; /* written in place */
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	if (access(dirname(copy), W_OK | X_OK))
		err = -errno;
	free(copy);
	return err;
}
