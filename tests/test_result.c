/* test_result.c - tb_result: what is set is what a reader gets back; writes are all or nothing */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "tb_json.h"
#include "tb_result.h"

static char dir[] = "/tmp/test_result.XXXXXX";

static char *path_in(const char *d, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", d, name) < 0)
		abort();
	return p;
}

/* Entries of d other than . and .., and how many look like our temporary files. */
static int count_entries(const char *d, int *tmp)
{
	struct dirent *e;
	DIR *dh = opendir(d);
	int n = 0;

	*tmp = 0;
	while (dh && (e = readdir(dh))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		if (strstr(e->d_name, ".tmp."))
			(*tmp)++;
	}
	if (dh)
		closedir(dh);
	return n;
}

static const char *weird = "b\"weird\\\nname \xc3\xa9";

static struct tb_result *build_full(void)
{
	struct tb_result *r = tb_result__new("usdt", "count", 1234);

	if (!r)
		return NULL;
	r->duration_ns = 5000000000ull;
	r->lost = 7;
	r->sampled = true;
	r->samples = 100;
	r->torn = 2;
	r->late = 3;
	r->tracer_cpu_ns = 987654321;
	r->attach_ns = 12345;
	if (tb_result__add_count(r, "method_entry", 10) ||
	    tb_result__add_count(r, "method_return", 10) ||
	    tb_result__add_count(r, "method_entry", 5) || tb_result__add_count(r, weird, 1) ||
	    tb_result__add_count(r, "big", UINT64_MAX) || tb_result__add_count(r, "zero", 0) ||
	    tb_result__add_profile(r, "escape", 0.25) || tb_result__add_profile(r, "query", 0.1) ||
	    tb_result__add_profile(r, "escape", 0.125) ||
	    tb_result__set_extra_u64(r, "probes_attached", 2) ||
	    tb_result__set_extra_str(r, "binary", "/x/y") ||
	    tb_result__set_extra_double(r, "rate_hz", 99.5) ||
	    tb_result__set_extra_i64(r, "offset", -5) ||
	    tb_result__set_extra_bool(r, "optimised", true) ||
	    tb_result__set_extra_str(r, "binary", "/z") ||
	    tb_result__set_extra_u64(r, "retyped", 1) ||
	    tb_result__set_extra_str(r, "retyped", "now a string")) {
		tb_result__free(r);
		return NULL;
	}
	return r;
}

static bool is_u64(const struct tb_json *n, uint64_t want)
{
	uint64_t v;

	return !tb_json__u64(n, &v) && v == want;
}

static bool is_double(const struct tb_json *n, double want)
{
	double v;

	return !tb_json__double(n, &v) && v == want;
}

static bool is_str(const struct tb_json *n, const char *want)
{
	return tb_json__string(n) && !strcmp(tb_json__string(n), want);
}

/* Every key in order, nothing else. */
static bool keys_are(const struct tb_json *obj, const char *const *keys, size_t nr)
{
	size_t i = 0;

	tb_json__for_each (m, obj) {
		if (i >= nr || strcmp(m->key, keys[i]))
			return false;
		i++;
	}
	return i == nr;
}

static void check_full(const char *path)
{
	static const char *const keys[] = {
		"technique",	   "mode",   "pid",	"duration_ns", "counts",	"lost",
		"samples",	   "torn",   "late",	"profile",     "tracer_cpu_ns", "attach_ns",
		"probes_attached", "binary", "rate_hz", "offset",      "optimised",	"retyped",
	};
	const char *count_keys[] = { "method_entry", "method_return", weird, "big", "zero" };
	static const char *const profile_keys[] = { "escape", "query" };
	const struct tb_json *counts, *profile;
	struct tb_json_error err;
	struct tb_json *root;
	int64_t i64 = 0;
	bool b = false;
	int ret;

	ret = tb_json__parse_file(path, &root, &err);
	if (!tap_ok(!ret, "the result file parses (%d at %u:%u: %s)", ret, err.line, err.column,
		    err.msg))
		return;
	tap_ok(keys_are(root, keys, sizeof(keys) / sizeof(keys[0])),
	       "top-level keys: the standard ones in order, then the extras in order");
	tap_ok(is_str(tb_json__get(root, "technique"), "usdt") &&
		       is_str(tb_json__get(root, "mode"), "count") &&
		       !tb_json__i64(tb_json__get(root, "pid"), &i64) && i64 == 1234,
	       "technique, mode, pid");
	tap_ok(is_u64(tb_json__get(root, "duration_ns"), 5000000000ull) &&
		       is_u64(tb_json__get(root, "lost"), 7) &&
		       is_u64(tb_json__get(root, "samples"), 100) &&
		       is_u64(tb_json__get(root, "torn"), 2) &&
		       is_u64(tb_json__get(root, "late"), 3) &&
		       is_u64(tb_json__get(root, "tracer_cpu_ns"), 987654321) &&
		       is_u64(tb_json__get(root, "attach_ns"), 12345),
	       "duration_ns, lost, samples, torn, late, tracer_cpu_ns, attach_ns");
	counts = tb_json__get(root, "counts");
	tap_ok(keys_are(counts, count_keys, 5), "counts: names in the order first added");
	tap_ok(is_u64(tb_json__get(counts, "method_entry"), 15), "a count added twice is the sum");
	tap_ok(is_u64(tb_json__get(counts, "method_return"), 10) &&
		       is_u64(tb_json__get(counts, weird), 1) &&
		       is_u64(tb_json__get(counts, "big"), UINT64_MAX) &&
		       is_u64(tb_json__get(counts, "zero"), 0),
	       "the other counts, an escaped name and 2^64 - 1 exact");
	profile = tb_json__get(root, "profile");
	tap_ok(keys_are(profile, profile_keys, 2) &&
		       is_double(tb_json__get(profile, "escape"), 0.375) &&
		       is_double(tb_json__get(profile, "query"), 0.1),
	       "profile: shares added, exact");
	tap_ok(is_u64(tb_json__get(root, "probes_attached"), 2) &&
		       is_str(tb_json__get(root, "binary"), "/z") &&
		       is_double(tb_json__get(root, "rate_hz"), 99.5) &&
		       !tb_json__i64(tb_json__get(root, "offset"), &i64) && i64 == -5 &&
		       !tb_json__bool(tb_json__get(root, "optimised"), &b) && b &&
		       is_str(tb_json__get(root, "retyped"), "now a string"),
	       "extras of every type; setting again replaces, type included");
	tb_json__free(root);
}

static void test_full(void)
{
	struct tb_result *r = build_full();
	char *path = path_in(dir, "full.json");
	int ret, tmp;

	if (!tap_ok(r != NULL, "builds a result with every kind of key"))
		return;
	ret = tb_result__write(r, path);
	tap_ok(ret == 0, "writes it (%d)", ret);
	check_full(path);
	tap_ok(count_entries(dir, &tmp) == 1 && tmp == 0, "only the result file is left");

	/* Write over an existing file: it is replaced, not appended to. */
	r->lost = 8;
	ret = tb_result__write(r, path);
	tap_ok(ret == 0, "writes over an existing result (%d)", ret);
	{
		struct tb_json *root;
		uint64_t lost = 0;
		bool ok = !tb_json__parse_file(path, &root, NULL) &&
			  !tb_json__u64(tb_json__get(root, "lost"), &lost) && lost == 8;

		tap_ok(ok, "the new content replaced the old (lost %" PRIu64 ")", lost);
		tb_json__free(root);
	}
	tap_ok(count_entries(dir, &tmp) == 1 && tmp == 0, "still one file, no temporary left");
	unlink(path);
	free(path);
	tb_result__free(r);
}

static void test_refusals(void)
{
	struct tb_result *r = tb_result__new("t", "m", 1);
	char *path = path_in(dir, "refusals.json");
	struct tb_json *root;
	uint64_t v = 0;
	int ret;

	tap_ok(!tb_result__new(NULL, "m", 1) && errno == EINVAL, "new without a technique: EINVAL");
	tap_ok(!tb_result__add_count(r, "n", UINT64_MAX - 1) &&
		       tb_result__add_count(r, "n", 2) == -EOVERFLOW &&
		       !tb_result__add_count(r, "n", 1),
	       "a count that would wrap is -EOVERFLOW and left as it was");
	tap_ok(tb_result__add_profile(r, "p", NAN) == -EINVAL &&
		       tb_result__add_profile(r, "p", INFINITY) == -EINVAL &&
		       tb_result__add_profile(r, "p", -0.5) == -EINVAL,
	       "profile shares that are NaN, infinite or negative: -EINVAL");
	tap_ok(tb_result__set_extra_double(r, "x", NAN) == -EINVAL, "a NaN extra: -EINVAL");
	tap_ok(tb_result__set_extra_u64(r, "lost", 1) == -EINVAL &&
		       tb_result__set_extra_str(r, "counts", "x") == -EINVAL &&
		       tb_result__set_extra_bool(r, "samples", true) == -EINVAL,
	       "extras named like a standard key: -EINVAL");

	ret = tb_result__write(r, path);
	tap_ok(!ret && !tb_json__parse_file(path, &root, NULL), "writes after the refusals");
	tap_ok(is_u64(tb_json__get(tb_json__get(root, "counts"), "n"), UINT64_MAX) &&
		       !tb_json__get(root, "samples") && !tb_json__get(root, "torn") &&
		       !tb_json__get(root, "late") && !tb_json__get(root, "profile") &&
		       !tb_json__get(root, "x") && tb_json__get(root, "lost") &&
		       tb_json__get(root, "attach_ns"),
	       "not sampled: no samples, torn, late or profile; lost and attach_ns present");
	tap_ok(!tb_json__u64(tb_json__get(root, "lost"), &v) && v == 0, "lost 0 is written");
	tb_json__free(root);
	unlink(path);
	free(path);
	tb_result__free(r);
}

/* Enough names to rehash the map several times; order and values must survive. */
static void test_many_names(void)
{
	struct tb_result *r = tb_result__new("ptrace", "sample", 1);
	char *path = path_in(dir, "many.json"), name[32];
	const struct tb_json *counts;
	struct tb_json *root;
	bool ok = true;
	size_t i = 0;

	for (int round = 0; round < 3; round++)
		for (int n = 0; n < 5000; n++) {
			snprintf(name, sizeof(name), "sym_%d", n);
			if (tb_result__add_count(r, name, n))
				ok = false;
		}
	tap_ok(ok && !tb_result__write(r, path) && !tb_json__parse_file(path, &root, NULL),
	       "5000 names added three times each, written, read back");
	counts = tb_json__get(root, "counts");
	tb_json__for_each (m, counts) {
		snprintf(name, sizeof(name), "sym_%zu", i);
		if (strcmp(m->key, name) || !is_u64(m, 3 * i))
			ok = false;
		i++;
	}
	tap_ok(ok && i == 5000, "every name in order with three times its value (%zu)", i);
	tb_json__free(root);
	unlink(path);
	free(path);
	tb_result__free(r);
}

static void test_failures(void)
{
	struct tb_result *r = tb_result__new("t", "m", 1);
	struct stat st;
	int ret, tmp;

	ret = tb_result__write(r, "/proc/1/nonexistent");
	tap_ok(ret < 0 && ret != -EIO, "/proc/1/nonexistent: -errno (%s)", strerror(-ret));
	ret = tb_result__write(r, "/nonexistent-dir/result.json");
	tap_ok(ret == -ENOENT, "a missing directory: -ENOENT (%s)", strerror(-ret));
	ret = tb_result__write(r, dir);
	tap_ok(ret == -EISDIR, "a directory as the path: -EISDIR (%s)", strerror(-ret));
	tap_ok(count_entries(dir, &tmp) == 0, "no temporary file left in the directory");

	ret = tb_result__write(r, "/dev/full");
	tap_ok(ret == -ENOSPC, "/dev/full: -ENOSPC (%s)", strerror(-ret));
	ret = tb_result__write(r, "/dev/null");
	tap_ok(ret == 0 && !stat("/dev/null", &st) && S_ISCHR(st.st_mode),
	       "/dev/null: written in place, still a device (%d)", ret);
	tb_result__free(r);
}

/* "-" is stdout: capture it in a file and read that. */
static void test_stdout(void)
{
	struct tb_result *r = build_full();
	char *path = path_in(dir, "stdout.json");
	int saved, fd, ret;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	ret = tb_result__write(r, "-");
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	tap_ok(ret == 0, "writes to stdout with \"-\" (%d)", ret);
	check_full(path);
	unlink(path);
	free(path);
	tb_result__free(r);
}

/*
 * Unwritable and full file systems: tmpfs mounts in a private mount namespace
 * (gone when the test exits). Without the right to mount, a read-only
 * directory stands in for the read-only file system and the full one is
 * skipped.
 */
static void test_mounts(void)
{
	char *tiny = path_in(dir, "tiny"), *path = path_in(tiny, "result.json"), name[64];
	struct tb_result *small = tb_result__new("t", "small", 1);
	struct tb_result *big = tb_result__new("t", "big", 1);
	struct tb_json *root;
	int ret, tmp;

	mkdir(tiny, 0700);
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", tiny, "tmpfs", MS_RDONLY, "size=12k")) {
		char why[128];

		snprintf(why, sizeof(why), "cannot mount a tmpfs: %s (needs root)",
			 strerror(errno));
		chmod(tiny, 0555);
		ret = tb_result__write(small, path);
		tap_ok(ret == -EACCES && count_entries(tiny, &tmp) == 0,
		       "a read-only directory: -EACCES (%s), nothing left", strerror(-ret));
		tap_skip("%s", why);
		tap_skip("%s", why);
		tap_skip("%s", why);
		goto out;
	}
	ret = tb_result__write(small, path);
	tap_ok(ret == -EROFS && count_entries(tiny, &tmp) == 0,
	       "a read-only file system: -EROFS (%s), nothing left", strerror(-ret));
	umount2(tiny, MNT_DETACH);
	if (mount("tmpfs", tiny, "tmpfs", 0, "size=12k")) {
		tap_ok(false, "mount a 12k tmpfs: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "a_rather_long_symbol_name_number_%d", i);
		tb_result__add_count(big, name, i);
	}
	ret = tb_result__write(small, path);
	tap_ok(ret == 0, "a small result fits in the tiny tmpfs (%d)", ret);
	ret = tb_result__write(big, path);
	tap_ok(ret == -ENOSPC && count_entries(tiny, &tmp) == 1 && tmp == 0,
	       "a large one: -ENOSPC (%s), temporary file removed", strerror(-ret));
	tap_ok(!tb_json__parse_file(path, &root, NULL) &&
		       is_str(tb_json__get(root, "mode"), "small"),
	       "the earlier result is intact");
	tb_json__free(root);
	unlink(path);
	umount2(tiny, MNT_DETACH);
out:
	rmdir(tiny);
	free(tiny);
	free(path);
	tb_result__free(small);
	tb_result__free(big);
}

static void test_self_cpu(void)
{
	uint64_t t0 = tb_result__self_cpu_ns(), t1;
	volatile double x = 1;

	/* Bounded, in case the clock does not move at all. */
	for (int n = 0; (t1 = tb_result__self_cpu_ns()) - t0 < 20000000 && n < 100000; n++)
		for (int i = 0; i < 100000; i++)
			x = x * 1.0000001 + 1e-9;
	tap_ok(t0 > 0 && t1 >= t0 + 20000000, "self_cpu_ns counts this process's CPU time");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		tap_ok(false, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	test_full();
	test_refusals();
	test_many_names();
	test_failures();
	test_stdout();
	test_mounts();
	test_self_cpu();
	rmdir(dir);
	return tap_done();
}
