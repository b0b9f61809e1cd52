/* test_truth.c - tb_truth: read real truth files from $OUT/workload, refuse damaged ones */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "methods.h"
#include "tap.h"
#include "tb_truth.h"

#define REQUESTS 400

static char dir[] = "/tmp/test_truth.XXXXXX";
static char workload[4096];

static char *path_in_dir(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

/* Runs the workload with argv (NULL-terminated, argv[0] ignored); 0 if it exited 0. */
static int run_workload(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execv(workload, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

static char *read_text(const char *path)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = fopen(path, "r"), *m = open_memstream(&buf, &n);
	int c;

	while (f && (c = fgetc(f)) != EOF)
		fputc(c, m);
	if (f)
		fclose(f);
	fclose(m);
	return buf;
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f))
		abort();
}

/* Writes a copy of src with the first `from` replaced by `to`. */
static char *edited_copy(const char *src, const char *name, const char *from, const char *to)
{
	char *text = read_text(src), *at = strstr(text, from), *out, *path = path_in_dir(name);

	if (!at)
		abort();
	if (asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) < 0)
		abort();
	write_text(path, out, strlen(out));
	free(out);
	free(text);
	return path;
}

/* Reads path with stderr captured into *msg (caller frees). */
static int read_captured(const char *path, struct tb_truth *t, char **msg)
{
	char *log = path_in_dir("stderr.log");
	int saved = dup(STDERR_FILENO), fd, ret;

	fflush(stderr);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	close(fd);
	ret = tb_truth__read(path, t);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	*msg = read_text(log);
	unlink(log);
	free(log);
	return ret;
}

static void test_requests(const char *path)
{
	static const struct {
		const char *name;
		uint32_t id;
		uint64_t calls;
	} want[] = {
		{ "handle_request", TB_M_handle_request, REQUESTS },
		{ "parse", TB_M_parse, REQUESTS },
		{ "parse_header", TB_M_parse_header, REQUESTS * 8 },
		{ "route", TB_M_route, REQUESTS },
		{ "query", TB_M_query, REQUESTS },
		{ "render", TB_M_render, REQUESTS },
		{ "render_row", TB_M_render_row, REQUESTS * 4 },
		{ "escape", TB_M_escape, REQUESTS * 16 },
		{ "respond", TB_M_respond, REQUESTS },
		{ "loop_leaf_method", TB_M_loop_leaf_method, 0 },
	};
	const struct tb_truth_method *m;
	uint64_t escape_sum = 0, total = 0, result = 0;
	double share = 0, tolerance = 0;
	struct tb_truth t;
	char *text, *at;
	int ret, calibrated = 0;
	bool ok = true;

	ret = tb_truth__read(path, &t);
	if (!tap_ok(ret == 0, "reads the truth of a calibrated request run (%d)", ret))
		return;
	tap_ok(!strcmp(t.program, "workload") && !strcmp(t.variant, "plain") &&
		       !strcmp(t.run_mode, "requests") && t.pid > 0 && t.threads == 2 &&
		       t.scale == 1.0,
	       "program %s, variant %s, run_mode %s, pid %d, threads %u, scale %g", t.program,
	       t.variant, t.run_mode, t.pid, t.threads, t.scale);
	tap_is_u64(t.requests, REQUESTS, "requests");
	tap_ok(t.hot_wall_ns > 0 && t.hot_cpu_ns > 0,
	       "hot phase wall %" PRIu64 " ns, cpu %" PRIu64 " ns", t.hot_wall_ns, t.hot_cpu_ns);
	tap_is_u64(t.nr_methods, TB_NR_METHODS, "one entry per method of methods.h");

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		m = tb_truth__method(&t, want[i].name);
		if (!tap_ok(m != NULL, "method %s present", want[i].name))
			continue;
		tap_ok(m->id == want[i].id && m->calls == want[i].calls &&
			       m->calibrated == (want[i].calls > 0),
		       "%s: id %u, calls %" PRIu64 " (want %" PRIu64 "), calibrated %d",
		       want[i].name, m->id, m->calls, want[i].calls, m->calibrated);
		total += m->calls;
	}
	tap_is_u64(t.method_calls, total, "method_calls is the sum of the calls");
	tap_ok(!tb_truth__method(&t, "no_such_method"), "unknown method: NULL");

	m = tb_truth__method(&t, "handle_request");
	tap_is_u64(m ? m->arg_sum : 0, (uint64_t)REQUESTS * (REQUESTS - 1) / 2,
		   "arg_sum of handle_request");
	for (uint64_t i = 0; i < REQUESTS * 16; i++)
		escape_sum += i;
	m = tb_truth__method(&t, "escape");
	tap_is_u64(m ? m->arg_sum : 0, escape_sum, "arg_sum of escape");

	for (size_t i = 0; i < t.nr_methods; i++) {
		m = &t.methods[i];
		if (!m->calibrated)
			continue;
		calibrated++;
		share += m->self_share;
		/* Doubles are written to round-trip; allow for the product's rounding only. */
		if (fabs(m->self_ns - m->calls * m->self_ns_per_call) > m->self_ns * 1e-12 ||
		    m->self_share < 0 || m->self_share > 1 || m->self_ns_per_call <= 0)
			ok = false;
	}
	tap_ok(ok, "self_ns = calls x self_ns_per_call, shares in [0, 1]");
	/* Each share is written to round-trip: only summation error remains. */
	tolerance = calibrated * 1e-15 + 1e-12;
	tap_ok(calibrated == 9 && fabs(share - 1) <= tolerance,
	       "self_share over %d calibrated methods sums to 1 (%.9f, tolerance %.1e)", calibrated,
	       share, tolerance);

	tap_is_u64(t.nr_syscalls, 2, "two system calls listed");
	tap_is_u64(tb_truth__syscall(&t, "pread64"), REQUESTS, "pread64 count");
	tap_is_u64(tb_truth__syscall(&t, "writev"), REQUESTS, "writev count");
	tap_is_u64(tb_truth__syscall(&t, "nosuch"), 0, "unlisted system call counts 0");
	tap_is_u64(t.syscall_errors, 0, "no system call errors");
	tap_ok(!t.has_loop && !t.loop_leaf, "no loop section in a request run");

	/* The checksum is above 2^53 more often than not: compare with the file's own digits. */
	text = read_text(path);
	at = strstr(text, "\"result\": ");
	if (at)
		result = strtoull(at + 10, NULL, 10);
	tap_ok(at && t.result == result, "result %" PRIu64 " read exactly", t.result);
	free(text);

	tb_truth__free(&t);
	tap_ok(!t.methods && !t.nr_methods && !t.program, "free zeroes the struct");
}

/*
 * The call tree as methods.h tabulates it (fan-out per parent call) must be the
 * tree methods.c runs: calls(m) = per_parent(m) x calls(parent(m)).
 */
static void test_table(const char *path)
{
	static const int parent[] = {
#define PARENT(id, name, base_units, per_parent, parent) [id] = TB_M_##parent,
		TB_METHODS(PARENT)
#undef PARENT
	};
	static const uint64_t per_parent[] = {
#define FANOUT(id, name, base_units, per_parent, parent) [id] = per_parent,
		TB_METHODS(FANOUT)
#undef FANOUT
	};
	uint64_t want[TB_NR_METHODS];
	struct tb_truth t;
	bool ok = true;

	if (!tap_ok(tb_truth__read(path, &t) == 0, "reads the truth again"))
		return;
	for (int m = 0; m < TB_NR_METHODS; m++) {
		uint64_t n = per_parent[m];

		/* Walk up to the root, which is its own parent. */
		for (int up = m; parent[up] != up; up = parent[up])
			n *= per_parent[parent[up]];
		want[m] = n * t.requests; /* loop_leaf_method: fan-out 0 */
	}
	for (size_t i = 0; i < t.nr_methods; i++) {
		const struct tb_truth_method *m = &t.methods[i];

		if (m->id >= TB_NR_METHODS || m->calls != want[m->id]) {
			tap_diag("%s: %" PRIu64 " calls, the table says %" PRIu64, m->name,
				 m->calls, m->id < TB_NR_METHODS ? want[m->id] : 0);
			ok = false;
		}
	}
	tap_ok(ok && t.nr_methods == TB_NR_METHODS,
	       "every method's calls follow the call tree of methods.h");
	tb_truth__free(&t);
}

static void test_loop(const char *path)
{
	struct tb_truth t;
	int ret;

	ret = tb_truth__read(path, &t);
	if (!tap_ok(ret == 0, "reads the truth of a probe-loop run (%d)", ret))
		return;
	tap_ok(t.has_loop && t.loop_leaf && !strcmp(t.loop_leaf, "probe"), "loop leaf %s",
	       t.loop_leaf ? t.loop_leaf : "(none)");
	tap_is_u64(t.loop_calls_per_thread, 1000, "loop calls per thread");
	tap_ok(t.loop_ns_per_call > 0 && !strcmp(t.run_mode, "loop") && t.requests == 0,
	       "run_mode loop, no requests, %.3f ns per call", t.loop_ns_per_call);
	tap_ok(tb_truth__method(&t, "escape") && !tb_truth__method(&t, "escape")->calibrated,
	       "no calibration without -c");
	tb_truth__free(&t);
}

static void test_damaged(const char *good)
{
	static const struct {
		const char *name, *from, *to, *says;
	} edits[] = {
		{ "missing required key", "\"hot_cpu_ns\"", "\"hot_cpu_nx\"", "\"hot_cpu_ns\"" },
		{ "missing method key", "\"calls\"", "\"callz\"", "\"calls\" in method" },
		{ "missing syscalls", "\"syscalls\"", "\"syscallz\"", "\"syscalls\"" },
		{ "string for a number", "\"threads\": 2", "\"threads\": \"2\"", "found string" },
		{ "negative count", "\"requests\": 400", "\"requests\": -400", "found -400" },
		{ "fraction for a count", "\"requests\": 400", "\"requests\": 400.5", "400.5" },
		{ "partial calibration", "\"self_share\"", "\"self_sharx\"", "\"self_share\"" },
		{ "method not an object", "\"loop_leaf_method\": {",
		  "\"loop_leaf_method\": 1, \"x\": {", "expected an object" },
	};
	char *text = read_text(good), *path = path_in_dir("truncated.json"), *msg;
	struct tb_truth t;
	int ret;

	write_text(path, text, strlen(text) / 2);
	ret = read_captured(path, &t, &msg);
	tap_ok(ret == -EINVAL && strstr(msg, path) && strstr(msg, "end of input") && !t.methods,
	       "a truncated file is -EINVAL (%d), message: %.*s", ret, (int)strcspn(msg, "\n"),
	       msg);
	free(msg);
	unlink(path);
	free(path);
	free(text);

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		path = edited_copy(good, "edited.json", edits[i].from, edits[i].to);
		ret = read_captured(path, &t, &msg);
		tap_ok(ret == -EINVAL && strstr(msg, path) && strstr(msg, edits[i].says) &&
			       !t.methods && !t.program,
		       "%s: %d, message: %.*s", edits[i].name, ret, (int)strcspn(msg, "\n"), msg);
		free(msg);
		unlink(path);
		free(path);
	}

	path = path_in_dir("array.json");
	write_text(path, "[1]\n", 4);
	ret = read_captured(path, &t, &msg);
	tap_ok(ret == -EINVAL && strstr(msg, "expected an object at the top level"),
	       "a top level that is not an object: %d, message: %.*s", ret, (int)strcspn(msg, "\n"),
	       msg);
	free(msg);
	unlink(path);
	free(path);

	ret = read_captured("/nonexistent/truth.json", &t, &msg);
	tap_ok(ret == -ENOENT && strstr(msg, "/nonexistent/truth.json"),
	       "a missing file is -ENOENT, message: %.*s", (int)strcspn(msg, "\n"), msg);
	free(msg);
}

int main(void)
{
	const char *out = getenv("OUT");
	char *requests = NULL, *loop = NULL;

	snprintf(workload, sizeof(workload), "%s/workload", out && *out ? out : "build");
	if (!mkdtemp(dir)) {
		tap_ok(false, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	if (!tap_ok(access(workload, X_OK) == 0, "%s is built (set OUT to the build directory)",
		    workload))
		goto out;
	requests = path_in_dir("requests.json");
	loop = path_in_dir("loop.json");
	if (tap_ok(!run_workload((char *[]){ "workload", "-q", "-r", "400", "-t", "2", "-c", "-o",
					     requests, NULL }),
		   "workload -r 400 -t 2 -c runs")) {
		test_requests(requests);
		test_table(requests);
		test_damaged(requests);
	}
	if (tap_ok(!run_workload((char *[]){ "workload", "-q", "-L", "1000", "-k", "probe", "-o",
					     loop, NULL }),
		   "workload -L 1000 -k probe runs"))
		test_loop(loop);
	unlink(requests);
	unlink(loop);
out:
	free(requests);
	free(loop);
	rmdir(dir);
	return tap_done();
}
