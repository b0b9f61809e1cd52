/* workload.c - the workload's driver: options, threads, start gate, timing, truth file */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probes.h"
#include "tb_gate.h"
#include "tb_json.h"
#include "workload.h"

#ifndef TB_VARIANT
#define TB_VARIANT "plain"
#endif

#define TB_MAX_SCALE 1e6

enum run_mode {
	MODE_REQUESTS,
	MODE_LOOP,
};

enum loop_leaf {
	LEAF_EMPTY,
	LEAF_PROBE,
	LEAF_GUARDED,
	LEAF_METHOD,
};

static const char *const loop_leaf_names[] = {
	[LEAF_EMPTY] = "empty",
	[LEAF_PROBE] = "probe",
	[LEAF_GUARDED] = "guarded",
	[LEAF_METHOD] = "method",
};

struct options {
	enum run_mode mode;
	uint64_t requests;
	double duration_s;
	unsigned int threads;
	double scale;
	int gate_fd;
	const char *truth_path;
	bool calibrate;
	uint64_t loop_calls;
	enum loop_leaf leaf;
	bool quiet;
	uint64_t signal_every; /* every Nth request: the thread sends itself SIGUSR1 */
	uint64_t fork_every; /* every Nth request: a child repeats it and checks the result */
	char **exec_argv; /* when done, this process becomes this command */
};

struct worker_arg {
	struct tb_worker counts;
	unsigned int index;
	pthread_t thread;
};

static struct options opts = {
	.mode = MODE_REQUESTS,
	.requests = 10000,
	.threads = 1,
	.scale = 1.0,
	.gate_fd = -1,
	.leaf = LEAF_EMPTY,
};

static pthread_barrier_t registered_barrier; /* every worker's stack slot is filled in */
static pthread_barrier_t start_barrier; /* the hot phase begins */
static uint64_t deadline_ns; /* duration mode: workers stop at the first request after it */
static const char *progname = "workload";
static uint64_t signals_received; /* SIGUSR1s handled, counted by the handler */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [OPTIONS] [-- COMMAND [ARGS]]\n"
		"The tracebench workload (%s build): a request handler whose methods every\n"
		"technique observes, and which writes down exactly what it did.\n"
		"\n"
		"  -r, --requests N     requests to handle, split over the threads (default "
		"10000)\n"
		"  -d, --duration SEC   handle requests for SEC seconds instead of a fixed count\n"
		"  -t, --threads N      worker threads, 1 to %d (default 1)\n"
		"  -s, --scale F        multiply every method's self work by F, 0 to %g (default "
		"1);\n"
		"                       0 gives the highest call rate, 10000 about 10^3 calls/s\n"
		"  -g, --gate FD        wait for one byte on FD before the hot phase\n"
		"                       (default: the descriptor in $%s, if set)\n"
		"  -o, --truth FILE     write the ground truth as JSON to FILE at exit\n"
		"  -c, --calibrate      also measure each method's true self time (after the run)\n"
		"  -L, --loop CALLS     probe-loop mode: each thread calls one leaf CALLS times\n"
		"  -k, --leaf KIND      probe-loop leaf: empty, probe (bare USDT site), guarded\n"
		"                       (semaphore-guarded USDT site) or method (default empty)\n"
		"  -q, --quiet          no summary on stdout\n"
		"  -h, --help           this text\n"
		"\n"
		"What a server does besides its requests, for the fault tests (tests/faults.t):\n"
		"  -S, --signal-every N every Nth request, the thread sends itself SIGUSR1; the\n"
		"                       truth counts those sent and those the handler received\n"
		"  -F, --fork-every N   every Nth request, a child process handles it again and\n"
		"                       exits 0 if its result is the same; the truth counts the\n"
		"                       children and those that did not exit 0\n"
		"  -- COMMAND [ARGS]    when done (truth written), exec COMMAND in this process\n"
		"\n"
		"Exit status: 0 done, 1 a system call or the start gate failed, 2 bad usage,\n"
		"3 start gate closed before release.\n",
		progname, TB_VARIANT, TB_STACK_MAX_THREADS, TB_MAX_SCALE, TB_GATE_ENV);
}

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", progname);
	exit(2);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s == '-' || *s == '\0')
		usage_error("invalid %s '%s': expected an integer from %" PRIu64 " to %" PRIu64,
			    opt, s, min, max);
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		usage_error("invalid %s '%s': expected an integer from %" PRIu64 " to %" PRIu64,
			    opt, s, min, max);
	return v;
}

static double parse_double(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		usage_error("invalid %s '%s': expected a number from %g to %g", opt, s, min, max);
	return v;
}

static void parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "requests", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 't' },
		{ "scale", required_argument, NULL, 's' },
		{ "gate", required_argument, NULL, 'g' },
		{ "truth", required_argument, NULL, 'o' },
		{ "calibrate", no_argument, NULL, 'c' },
		{ "loop", required_argument, NULL, 'L' },
		{ "leaf", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "signal-every", required_argument, NULL, 'S' },
		{ "fork-every", required_argument, NULL, 'F' },
		{},
	};
	bool have_requests = false, have_leaf = false;
	const char *env, *gate_from = "--gate";
	int c;

	opterr = 0; /* our own one-line messages */
	/* '+': stop at the first operand, so that a stray one is refused, not moved behind "--" */
	while ((c = getopt_long(argc, argv, "+:r:d:t:s:g:o:cL:k:qhS:F:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			opts.requests = parse_u64("--requests", optarg, 1, UINT64_MAX / 64);
			have_requests = true;
			break;
		case 'd':
			opts.duration_s = parse_double("--duration", optarg, 0.001, 86400);
			break;
		case 't':
			opts.threads = parse_u64("--threads", optarg, 1, TB_STACK_MAX_THREADS);
			break;
		case 's':
			opts.scale = parse_double("--scale", optarg, 0, TB_MAX_SCALE);
			break;
		case 'g':
			opts.gate_fd = parse_u64("--gate", optarg, 0, INT_MAX);
			break;
		case 'o':
			opts.truth_path = optarg;
			break;
		case 'c':
			opts.calibrate = true;
			break;
		case 'L':
			opts.mode = MODE_LOOP;
			opts.loop_calls = parse_u64("--loop", optarg, 1, UINT64_MAX / 2);
			break;
		case 'k': {
			size_t i;

			for (i = 0; i < sizeof(loop_leaf_names) / sizeof(loop_leaf_names[0]); i++)
				if (!strcmp(optarg, loop_leaf_names[i]))
					break;
			if (i == sizeof(loop_leaf_names) / sizeof(loop_leaf_names[0]))
				usage_error("invalid --leaf '%s': expected plain, probe, guarded "
					    "or method",
					    optarg);
			opts.leaf = i;
			have_leaf = true;
			break;
		}
		case 'q':
			opts.quiet = true;
			break;
		case 'S':
			opts.signal_every = parse_u64("--signal-every", optarg, 1, UINT64_MAX);
			break;
		case 'F':
			opts.fork_every = parse_u64("--fork-every", optarg, 1, UINT64_MAX);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--"))
			usage_error("unexpected argument '%s'", argv[optind]);
		opts.exec_argv = &argv[optind];
	}
	if (opts.mode == MODE_LOOP && (opts.signal_every || opts.fork_every))
		usage_error("--signal-every and --fork-every need requests, not --loop");
	if (opts.mode == MODE_LOOP && (have_requests || opts.duration_s > 0 || opts.calibrate))
		usage_error("--loop cannot be combined with --requests, --duration or --calibrate");
	if (opts.mode != MODE_LOOP && have_leaf)
		usage_error("--leaf needs --loop");
	if (have_requests && opts.duration_s > 0)
		usage_error("--requests and --duration exclude each other");
	if (opts.requests < opts.threads && opts.duration_s == 0 && opts.mode == MODE_REQUESTS)
		usage_error("--requests %" PRIu64 " is fewer than --threads %u", opts.requests,
			    opts.threads);
	if (opts.gate_fd < 0 && (env = getenv(TB_GATE_ENV)) && *env) {
		gate_from = "$" TB_GATE_ENV;
		opts.gate_fd = parse_u64(gate_from, env, 0, INT_MAX);
	}
	if (opts.gate_fd >= 0 && fcntl(opts.gate_fd, F_GETFD) < 0)
		usage_error("invalid %s %d: not an open file descriptor", gate_from, opts.gate_fd);
}

static int open_files(void)
{
	unsigned char row[64];

	tb_devnull_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (tb_devnull_fd < 0) {
		fprintf(stderr, "%s: cannot open /dev/null: %s\n", progname, strerror(errno));
		return -1;
	}
	/* The "database": 1024 rows of 64 bytes in an anonymous file, read by query. */
	tb_db_fd = memfd_create("tracebench-db", MFD_CLOEXEC);
	if (tb_db_fd < 0) {
		fprintf(stderr, "%s: cannot create the database file: memfd_create: %s\n", progname,
			strerror(errno));
		return -1;
	}
	for (unsigned int r = 0; r < 1024; r++) {
		for (unsigned int i = 0; i < sizeof(row); i++)
			row[i] = (unsigned char)(r * 131 + i * 7);
		if (write(tb_db_fd, row, sizeof(row)) != (ssize_t)sizeof(row)) {
			fprintf(stderr, "%s: cannot fill the database file: %s\n", progname,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

static uint64_t run_loop(void)
{
	uint64_t n = opts.loop_calls, acc = 0;

	/* One loop per leaf, so each iteration is a direct call and nothing else. */
	switch (opts.leaf) {
	case LEAF_EMPTY:
		for (uint64_t i = 0; i < n; i++)
			acc += loop_leaf_empty(i);
		break;
	case LEAF_PROBE:
		for (uint64_t i = 0; i < n; i++)
			acc += loop_leaf_probe(i);
		break;
	case LEAF_GUARDED:
		for (uint64_t i = 0; i < n; i++)
			acc += loop_leaf_guarded(i);
		break;
	case LEAF_METHOD:
		for (uint64_t i = 0; i < n; i++)
			acc += loop_leaf_method(i);
		break;
	}
	return acc;
}

static void on_sigusr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&signals_received, 1, __ATOMIC_RELAXED);
}

/* A child handles request id again; it must get the same result as the parent did. */
static void fork_request(struct tb_worker *w, uint64_t id, uint64_t parent_result)
{
	uint64_t before;
	int status = 0;
	pid_t pid, got;

	w->forks++;
	pid = fork();
	if (pid < 0) {
		w->fork_failures++;
		return;
	}
	if (pid == 0) {
		before = w->result;
		handle_request(id);
		_exit(w->result - before == parent_result ? 0 : 1);
	}
	do
		got = waitpid(pid, &status, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		w->fork_failures++; /* a child we cannot wait for is one we cannot check */
}

/*
 * One request and what the options add to it: a signal to itself, a child repeating it.
 * Inlined: the native stacks stay worker_main;handle_request;... as the tests expect.
 */
static inline __attribute__((always_inline)) void handle_one(struct tb_worker *w, uint64_t id)
{
	uint64_t before = w->result;

	handle_request(id);
	if (opts.signal_every && id % opts.signal_every == 0) {
		w->signals_sent++;
		tgkill(getpid(), gettid(), SIGUSR1); /* handled before tgkill returns */
	}
	if (opts.fork_every && id % opts.fork_every == 0)
		fork_request(w, id, w->result - before);
}

static void run_requests(struct tb_worker *w, unsigned int index)
{
	uint64_t id;

	if (opts.duration_s > 0) {
		for (id = index; tb_clock_ns(CLOCK_MONOTONIC) < deadline_ns; id += opts.threads)
			handle_one(w, id);
		return;
	}
	/* Request i goes to thread i % threads: the same counts and checksums in every run. */
	for (id = index; id < opts.requests; id += opts.threads)
		handle_one(w, id);
}

static void *worker_main(void *p)
{
	struct worker_arg *arg = p;
	struct tb_worker *w = &arg->counts;
	struct tb_thread_stack *stacks = (struct tb_thread_stack *)(uintptr_t)tb_stack_root.threads;

	w->stack = &stacks[arg->index];
	__atomic_store_n(&w->stack->tid, (uint32_t)gettid(), __ATOMIC_RELEASE);
	tb_self = w;
	pthread_barrier_wait(&registered_barrier);
	pthread_barrier_wait(&start_barrier);
	if (opts.mode == MODE_LOOP)
		w->result = run_loop();
	else
		run_requests(w, arg->index);
	return NULL;
}

/* Waits at the start gate; a tracer that went away means: do not run untraced. */
static void wait_gate(int fd)
{
	int err = tb_gate__wait(fd);

	if (err == -EPIPE) {
		fprintf(stderr,
			"%s: start gate fd %d closed before release: the tracer exited; not "
			"running\n",
			progname, fd);
		exit(3);
	}
	if (err == -EPROTO) {
		fprintf(stderr,
			"%s: start gate fd %d: expected '%c': not a tracebench start gate\n",
			progname, fd, TB_GATE_GO);
		exit(1);
	}
	if (err) {
		fprintf(stderr,
			"%s: cannot read start gate fd %d: %s (pass a readable descriptor)\n",
			progname, fd, strerror(-err));
		exit(1);
	}
	close(fd);
}

struct calibration {
	double bookkeeping_ns; /* per call, every method alike */
	double self_work_ns[TB_NR_METHODS]; /* per call: self work and system call */
};

/* A method's true self time per call: what a profiler sees in the method. */
static double self_ns_per_call(const struct calibration *cal, int m)
{
	return cal->self_work_ns[m] + cal->bookkeeping_ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Thread CPU time per call of fn(m, i): batches grown to at least 5 ms, then
 * the median of 7 batches.
 */
static double time_per_call(uint64_t (*fn)(int m, uint64_t i), int m)
{
	double batch_ns[7];
	uint64_t reps = 1, sink = 0;

	for (;;) {
		uint64_t t0 = tb_clock_ns(CLOCK_THREAD_CPUTIME_ID);

		for (uint64_t i = 0; i < reps; i++)
			sink += fn(m, i);
		if (tb_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0 >= 5000000 || reps >= (1ULL << 30))
			break;
		reps *= 2;
	}
	for (int b = 0; b < 7; b++) {
		uint64_t t0 = tb_clock_ns(CLOCK_THREAD_CPUTIME_ID);

		for (uint64_t i = 0; i < reps; i++)
			sink += fn(m, i);
		batch_ns[b] = (double)(tb_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / reps;
	}
	__asm__ volatile("" : : "r"(sink));
	qsort(batch_ns, 7, sizeof(batch_ns[0]), cmp_double);
	return batch_ns[3];
}

static uint64_t call_self_work(int m, uint64_t i)
{
	return tb_method_self_work(m, i);
}

static uint64_t call_bookkeeping(int m, uint64_t i)
{
	(void)m;
	return loop_leaf_method(i);
}

/*
 * A method's true self time: its own work and system call, timed alone, plus
 * what every method pays to be a method (entry timestamp, frame push and pop,
 * hook and probe checks), timed on loop_leaf_method, which does nothing else.
 */
static void calibrate(const struct tb_worker *total, struct calibration *cal)
{
	static struct tb_thread_stack scratch_stack;
	struct tb_worker scratch = { .stack = &scratch_stack };

	tb_self = &scratch;
	cal->bookkeeping_ns = time_per_call(call_bookkeeping, TB_M_loop_leaf_method);
	for (int m = 0; m < TB_NR_METHODS; m++) {
		if (!total->calls[m])
			continue;
		cal->self_work_ns[m] = time_per_call(call_self_work, m);
	}
	tb_self = NULL;
}

static void write_truth_methods(struct tb_json_writer *w, const struct tb_worker *total,
				const struct calibration *cal)
{
	double self_total_ns = 0;

	for (int m = 0; cal && m < TB_NR_METHODS; m++)
		self_total_ns += total->calls[m] * self_ns_per_call(cal, m);
	tb_json_writer__key(w, "methods");
	tb_json_writer__begin_object(w);
	for (int m = 0; m < TB_NR_METHODS; m++) {
		tb_json_writer__key(w, tb_method_names[m]);
		tb_json_writer__begin_object(w);
		tb_json_writer__key(w, "id");
		tb_json_writer__u64(w, m);
		tb_json_writer__key(w, "calls");
		tb_json_writer__u64(w, total->calls[m]);
		tb_json_writer__key(w, "arg_sum");
		tb_json_writer__u64(w, total->arg_sum[m]);
		tb_json_writer__key(w, "self_units_per_call");
		tb_json_writer__u64(w, tb_method_units[m]);
		if (cal && total->calls[m]) {
			double self_ns = total->calls[m] * self_ns_per_call(cal, m);

			tb_json_writer__key(w, "self_ns_per_call");
			tb_json_writer__double(w, self_ns_per_call(cal, m));
			tb_json_writer__key(w, "self_work_ns_per_call");
			tb_json_writer__double(w, cal->self_work_ns[m]);
			tb_json_writer__key(w, "self_ns");
			tb_json_writer__double(w, self_ns);
			tb_json_writer__key(w, "self_share");
			tb_json_writer__double(w,
					       self_total_ns > 0 ? self_ns / self_total_ns : 0.0);
		}
		tb_json_writer__end_object(w);
	}
	tb_json_writer__end_object(w);
}

static int write_truth(const char *path, const char *program, const struct tb_worker *total,
		       uint64_t wall_ns, uint64_t cpu_ns, const struct calibration *cal)
{
	struct tb_json_writer w;
	uint64_t method_calls = 0, self_units_total = 0;
	FILE *f;
	int err;

	for (int m = 0; m < TB_NR_METHODS; m++) {
		method_calls += total->calls[m];
		self_units_total += total->calls[m] * tb_method_units[m];
	}
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr,
			"%s: cannot write truth file %s: %s (choose a writable path with -o)\n",
			progname, path, strerror(errno));
		return -1;
	}
	tb_json_writer__init(&w, f, 2);
	tb_json_writer__begin_object(&w);
	tb_json_writer__key(&w, "program");
	tb_json_writer__string(&w, program);
	tb_json_writer__key(&w, "variant");
	tb_json_writer__string(&w, TB_VARIANT);
	tb_json_writer__key(&w, "pid");
	tb_json_writer__u64(&w, getpid());
	tb_json_writer__key(&w, "run_mode");
	tb_json_writer__string(&w, opts.mode == MODE_LOOP ? "loop" : "requests");
	tb_json_writer__key(&w, "threads");
	tb_json_writer__u64(&w, opts.threads);
	tb_json_writer__key(&w, "scale");
	tb_json_writer__double(&w, opts.scale);
	tb_json_writer__key(&w, "requests");
	tb_json_writer__u64(&w, total->requests);
	tb_json_writer__key(&w, "hot_wall_ns");
	tb_json_writer__u64(&w, wall_ns);
	tb_json_writer__key(&w, "hot_cpu_ns");
	tb_json_writer__u64(&w, cpu_ns);
	tb_json_writer__key(&w, "method_calls");
	tb_json_writer__u64(&w, method_calls);
	tb_json_writer__key(&w, "method_calls_per_s");
	tb_json_writer__double(&w, wall_ns ? method_calls * 1e9 / (double)wall_ns : 0.0);
	tb_json_writer__key(&w, "self_units_total");
	tb_json_writer__u64(&w, self_units_total);
	tb_json_writer__key(&w, "result");
	tb_json_writer__u64(&w, total->result);
	tb_json_writer__key(&w, "syscalls");
	tb_json_writer__begin_object(&w);
	tb_json_writer__key(&w, "pread64");
	tb_json_writer__u64(&w, total->pread64_calls);
	tb_json_writer__key(&w, "writev");
	tb_json_writer__u64(&w, total->writev_calls);
	tb_json_writer__end_object(&w);
	tb_json_writer__key(&w, "syscall_errors");
	tb_json_writer__u64(&w, total->syscall_errors);
	if (opts.signal_every) {
		tb_json_writer__key(&w, "signals_sent");
		tb_json_writer__u64(&w, total->signals_sent);
		tb_json_writer__key(&w, "signals_received");
		tb_json_writer__u64(&w, __atomic_load_n(&signals_received, __ATOMIC_RELAXED));
	}
	if (opts.fork_every) {
		tb_json_writer__key(&w, "forks");
		tb_json_writer__u64(&w, total->forks);
		tb_json_writer__key(&w, "fork_failures");
		tb_json_writer__u64(&w, total->fork_failures);
	}
	if (opts.mode == MODE_LOOP) {
		tb_json_writer__key(&w, "loop");
		tb_json_writer__begin_object(&w);
		tb_json_writer__key(&w, "leaf");
		tb_json_writer__string(&w, loop_leaf_names[opts.leaf]);
		tb_json_writer__key(&w, "calls_per_thread");
		tb_json_writer__u64(&w, opts.loop_calls);
		tb_json_writer__key(&w, "ns_per_call");
		tb_json_writer__double(&w, (double)wall_ns / (double)opts.loop_calls);
		tb_json_writer__end_object(&w);
	}
	if (cal) {
		tb_json_writer__key(&w, "bookkeeping_ns_per_call");
		tb_json_writer__double(&w, cal->bookkeeping_ns);
	}
	write_truth_methods(&w, total, cal);
	tb_json_writer__end_object(&w);
	err = tb_json_writer__finish(&w);
	if (err && w.io_errno)
		err = -w.io_errno;
	if (fclose(f) && !err)
		err = -errno;
	if (err) {
		fprintf(stderr, "%s: cannot write truth file %s: %s\n", progname, path,
			strerror(-err));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct worker_arg *workers;
	struct tb_worker total = {};
	struct calibration cal = {};
	uint64_t wall0, cpu0, wall_ns, cpu_ns;
	const char *base = strrchr(argv[0], '/');
	int err;

	progname = base ? base + 1 : argv[0];
	parse_options(argc, argv);

	for (int m = 0; m < TB_NR_METHODS; m++)
		tb_method_units[m] = (uint64_t)llround(tb_method_base_units[m] * opts.scale);
	if (open_files())
		return 1;
	if (opts.signal_every) {
		struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}

	workers = calloc(opts.threads, sizeof(*workers));
	if (!workers) {
		fprintf(stderr, "%s: cannot allocate %u worker records: out of memory\n", progname,
			opts.threads);
		return 1;
	}
	pthread_barrier_init(&registered_barrier, NULL, opts.threads + 1);
	pthread_barrier_init(&start_barrier, NULL, opts.threads + 1);
	__atomic_store_n(&tb_stack_root.nr_threads, opts.threads, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < opts.threads; i++) {
		workers[i].index = i;
		err = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
		if (err) {
			fprintf(stderr, "%s: cannot start thread %u: %s (try fewer --threads)\n",
				progname, i, strerror(err));
			return 1;
		}
	}

	/* Every thread exists and has filled in its stack slot: a tracer may attach now. */
	pthread_barrier_wait(&registered_barrier);
	if (opts.gate_fd >= 0)
		wait_gate(opts.gate_fd);

	if (opts.duration_s > 0)
		deadline_ns = tb_clock_ns(CLOCK_MONOTONIC) + (uint64_t)(opts.duration_s * 1e9);
	wall0 = tb_clock_ns(CLOCK_MONOTONIC);
	cpu0 = tb_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	pthread_barrier_wait(&start_barrier);
	for (unsigned int i = 0; i < opts.threads; i++)
		pthread_join(workers[i].thread, NULL);
	wall_ns = tb_clock_ns(CLOCK_MONOTONIC) - wall0;
	cpu_ns = tb_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;

	for (unsigned int i = 0; i < opts.threads; i++) {
		const struct tb_worker *w = &workers[i].counts;

		for (int m = 0; m < TB_NR_METHODS; m++) {
			total.calls[m] += w->calls[m];
			total.arg_sum[m] += w->arg_sum[m];
		}
		total.pread64_calls += w->pread64_calls;
		total.writev_calls += w->writev_calls;
		total.syscall_errors += w->syscall_errors;
		total.requests += w->requests;
		total.result += w->result;
		total.signals_sent += w->signals_sent;
		total.forks += w->forks;
		total.fork_failures += w->fork_failures;
	}

	if (opts.calibrate)
		calibrate(&total, &cal);
	if (opts.truth_path && write_truth(opts.truth_path, progname, &total, wall_ns, cpu_ns,
					   opts.calibrate ? &cal : NULL))
		return 1;

	if (!opts.quiet) {
		if (opts.mode == MODE_LOOP) {
			printf("%s: loop_leaf_%s x %" PRIu64 " on %u thread%s: %.3f ns per call\n",
			       progname, loop_leaf_names[opts.leaf], opts.loop_calls, opts.threads,
			       opts.threads == 1 ? "" : "s",
			       (double)wall_ns / (double)opts.loop_calls);
		} else {
			uint64_t calls = 0;

			for (int m = 0; m < TB_NR_METHODS; m++)
				calls += total.calls[m];
			printf("%s: %" PRIu64 " requests on %u thread%s, scale %g: %" PRIu64
			       " method calls in %.3f ms (%.3g calls/s), cpu %.3f ms\n",
			       progname, total.requests, opts.threads, opts.threads == 1 ? "" : "s",
			       opts.scale, calls, wall_ns / 1e6, calls * 1e9 / (double)wall_ns,
			       cpu_ns / 1e6);
		}
	}
	if (total.syscall_errors) {
		fprintf(stderr,
			"%s: %" PRIu64
			" of the pread64/writev calls of query and respond failed or came"
			" up short (a tracer that fails system calls?)\n",
			progname, total.syscall_errors);
		return 1;
	}
	free(workers);
	if (opts.exec_argv) {
		/* A new image must not wait at a start gate that was already opened. */
		if (opts.gate_fd >= 0)
			close(opts.gate_fd);
		unsetenv(TB_GATE_ENV);
		fflush(stdout);
		execvp(opts.exec_argv[0], opts.exec_argv);
		fprintf(stderr, "%s: cannot exec %s: %s (check the command after --)\n", progname,
			opts.exec_argv[0], strerror(errno));
		return 1;
	}
	return 0;
}
