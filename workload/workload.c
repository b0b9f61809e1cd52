/* workload.c - the workload's driver: options, worker threads, start gate, timing and the truth
 * file */
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probes.h"
#include "workload.h"

#ifndef TB_VARIANT
#define TB_VARIANT "plain"
#endif

#define TB_GATE_ENV "TB_GATE_FD"
#define TB_MAX_SCALE 1e6

enum run_mode {
	MODE_REQUESTS,
	MODE_LOOP,
};

enum loop_leaf {
	LEAF_PLAIN,
	LEAF_PROBE,
	LEAF_GUARDED,
	LEAF_METHOD,
};

static const char *const loop_leaf_names[] = {
	[LEAF_PLAIN] = "plain",
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
	uint64_t loop_iterations;
	enum loop_leaf leaf;
	bool quiet;
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
	.leaf = LEAF_PLAIN,
};

static pthread_barrier_t start_barrier;
static uint64_t deadline_ns; /* duration mode: workers stop at the first request after it */
static const char *progname = "workload";

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
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
		"  -L, --loop N         probe-loop mode: each thread calls one leaf N times\n"
		"  -k, --leaf KIND      probe-loop leaf: plain, probe (bare USDT site), guarded\n"
		"                       (semaphore-guarded USDT site) or method (default plain)\n"
		"  -q, --quiet          no summary on stdout\n"
		"  -h, --help           this text\n"
		"\n"
		"Exit status: 0 done, 1 a system call failed, 2 bad usage, 3 start gate closed.\n",
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
		{},
	};
	bool have_requests = false, have_leaf = false;
	const char *env;
	int c;

	opterr = 0; /* our own one-line messages */
	while ((c = getopt_long(argc, argv, ":r:d:t:s:g:o:cL:k:qh", longopts, NULL)) != -1) {
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
			opts.loop_iterations = parse_u64("--loop", optarg, 1, UINT64_MAX / 2);
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
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (opts.mode == MODE_LOOP && (have_requests || opts.duration_s > 0 || opts.calibrate))
		usage_error("--loop cannot be combined with --requests, --duration or --calibrate");
	if (opts.mode != MODE_LOOP && have_leaf)
		usage_error("--leaf needs --loop");
	if (have_requests && opts.duration_s > 0)
		usage_error("--requests and --duration exclude each other");
	if (opts.requests < opts.threads && opts.duration_s == 0 && opts.mode == MODE_REQUESTS)
		usage_error("--requests %" PRIu64 " is fewer than --threads %u", opts.requests,
			    opts.threads);
	if (opts.gate_fd < 0 && (env = getenv(TB_GATE_ENV)) && *env)
		opts.gate_fd = parse_u64("$" TB_GATE_ENV, env, 0, INT_MAX);
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
	uint64_t n = opts.loop_iterations, acc = 0;

	/* One loop per leaf, so each iteration is a direct call and nothing else. */
	switch (opts.leaf) {
	case LEAF_PLAIN:
		for (uint64_t i = 0; i < n; i++)
			acc += loop_leaf_plain(i);
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

static void run_requests(unsigned int index)
{
	uint64_t id;

	if (opts.duration_s > 0) {
		for (id = index; clock_ns(CLOCK_MONOTONIC) < deadline_ns; id += opts.threads)
			handle_request(id);
		return;
	}
	/* Request i goes to thread i % threads: the same counts and checksums in every run. */
	for (id = index; id < opts.requests; id += opts.threads)
		handle_request(id);
}

static void *worker_main(void *p)
{
	struct worker_arg *arg = p;
	struct tb_worker *w = &arg->counts;
	struct tb_thread_stack *stacks = (struct tb_thread_stack *)(uintptr_t)tb_stack_root.threads;

	w->stack = &stacks[arg->index];
	__atomic_store_n(&w->stack->tid, (uint32_t)gettid(), __ATOMIC_RELEASE);
	tb_self = w;
	pthread_barrier_wait(&start_barrier);
	if (opts.mode == MODE_LOOP)
		w->result = run_loop();
	else
		run_requests(arg->index);
	return NULL;
}

/*
 * Tells the tracer we are ready (only if the gate is a socket, as tracebench's
 * tracers make it), then blocks until it writes one byte. EOF means the
 * tracer went away before releasing us.
 */
static int wait_gate(int fd)
{
	char go;
	ssize_t n;

	n = send(fd, "r", 1, MSG_NOSIGNAL);
	(void)n; /* a pipe cannot carry it: ENOTSOCK, and the tracer does not wait for it */
	do
		n = read(fd, &go, 1);
	while (n < 0 && errno == EINTR);
	/* A tracer that closes the gate with our 'r' unread resets the socket pair: gone too. */
	if (n < 0 && errno == ECONNRESET)
		n = 0;
	if (n < 0) {
		fprintf(stderr,
			"%s: cannot read start gate fd %d: %s (pass a readable descriptor with "
			"--gate)\n",
			progname, fd, strerror(errno));
		exit(1);
	}
	if (n == 0) {
		fprintf(stderr,
			"%s: start gate fd %d closed before release: the tracer exited; not "
			"running\n",
			progname, fd);
		exit(3);
	}
	close(fd);
	return 0;
}

struct calibration {
	double self_ns_per_call[TB_NR_METHODS];
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Times each method's self work (and its system call) alone: the median of 7 batches. */
static void calibrate(const struct tb_worker *total, struct calibration *cal)
{
	struct tb_worker scratch = {};
	uint64_t sink = 0;

	tb_self = &scratch;
	for (int m = 0; m < TB_NR_METHODS; m++) {
		double batch_ns[7];
		uint64_t reps = 1;

		if (!total->calls[m])
			continue;
		/* Grow the batch until it takes at least 2 ms. */
		for (;;) {
			uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);

			for (uint64_t i = 0; i < reps; i++)
				sink += tb_method_self(m, i);
			if (clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0 >= 2000000 ||
			    reps >= (1ULL << 30))
				break;
			reps *= 2;
		}
		for (int b = 0; b < 7; b++) {
			uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);

			for (uint64_t i = 0; i < reps; i++)
				sink += tb_method_self(m, i);
			batch_ns[b] = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / reps;
		}
		qsort(batch_ns, 7, sizeof(batch_ns[0]), cmp_double);
		cal->self_ns_per_call[m] = batch_ns[3];
	}
	__asm__ volatile("" : : "r"(sink));
	tb_self = NULL;
}

static void print_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int write_truth(const char *path, const char *program, const struct tb_worker *total,
		       uint64_t wall_ns, uint64_t cpu_ns, const struct calibration *cal)
{
	uint64_t method_calls = 0;
	double self_total_ns = 0;
	FILE *f;

	for (int m = 0; m < TB_NR_METHODS; m++) {
		method_calls += total->calls[m];
		if (cal)
			self_total_ns += total->calls[m] * cal->self_ns_per_call[m];
	}
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: cannot write truth file %s: %s\n", progname, path,
			strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"program\": ");
	print_json_string(f, program);
	fprintf(f, ",\n  \"variant\": \"%s\",\n  \"pid\": %d,\n", TB_VARIANT, (int)getpid());
	fprintf(f, "  \"mode\": \"%s\",\n", opts.mode == MODE_LOOP ? "loop" : "requests");
	fprintf(f, "  \"threads\": %u,\n  \"scale\": %.17g,\n", opts.threads, opts.scale);
	fprintf(f, "  \"requests\": %" PRIu64 ",\n", total->requests);
	fprintf(f, "  \"hot_wall_ns\": %" PRIu64 ",\n  \"hot_cpu_ns\": %" PRIu64 ",\n", wall_ns,
		cpu_ns);
	fprintf(f, "  \"method_calls\": %" PRIu64 ",\n", method_calls);
	fprintf(f, "  \"method_calls_per_s\": %.1f,\n",
		wall_ns ? method_calls * 1e9 / (double)wall_ns : 0.0);
	fprintf(f, "  \"self_units\": %" PRIu64 ",\n", total->self_units_done);
	fprintf(f, "  \"result\": %" PRIu64 ",\n", total->result);
	fprintf(f, "  \"syscalls\": { \"pread64\": %" PRIu64 ", \"writev\": %" PRIu64 " },\n",
		total->pread64_calls, total->writev_calls);
	fprintf(f, "  \"syscall_errors\": %" PRIu64 ",\n", total->syscall_errors);
	if (opts.mode == MODE_LOOP)
		fprintf(f,
			"  \"loop\": { \"leaf\": \"%s\", \"iterations\": %" PRIu64
			", \"ns_per_iteration\": %.3f },\n",
			loop_leaf_names[opts.leaf], opts.loop_iterations,
			(double)wall_ns / (double)opts.loop_iterations);
	fprintf(f, "  \"methods\": {");
	for (int m = 0; m < TB_NR_METHODS; m++) {
		fprintf(f,
			"%s\n    \"%s\": { \"id\": %d, \"calls\": %" PRIu64
			", \"arg_sum\": %" PRIu64 ", \"self_units\": %" PRIu64,
			m ? "," : "", tb_method_names[m], m, total->calls[m], total->arg_sum[m],
			tb_method_units[m]);
		if (cal && total->calls[m]) {
			double self_ns = total->calls[m] * cal->self_ns_per_call[m];

			fprintf(f,
				", \"self_ns_per_call\": %.3f, \"self_ns\": %.0f, \"self_share\": "
				"%.6f",
				cal->self_ns_per_call[m], self_ns,
				self_total_ns > 0 ? self_ns / self_total_ns : 0.0);
		}
		fprintf(f, " }");
	}
	fprintf(f, "\n  }\n}\n");
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "%s: cannot write truth file %s: %s\n", progname, path,
			strerror(errno));
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
		tb_method_units[m] = (uint64_t)llround(tb_method_self_units[m] * opts.scale);
	if (open_files())
		return 1;

	workers = calloc(opts.threads, sizeof(*workers));
	if (!workers) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return 1;
	}
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

	/* Every thread exists and is waiting: now a tracer may attach, then release us. */
	if (opts.gate_fd >= 0)
		wait_gate(opts.gate_fd);

	if (opts.duration_s > 0)
		deadline_ns = clock_ns(CLOCK_MONOTONIC) + (uint64_t)(opts.duration_s * 1e9);
	wall0 = clock_ns(CLOCK_MONOTONIC);
	cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	pthread_barrier_wait(&start_barrier);
	for (unsigned int i = 0; i < opts.threads; i++)
		pthread_join(workers[i].thread, NULL);
	wall_ns = clock_ns(CLOCK_MONOTONIC) - wall0;
	cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;

	for (unsigned int i = 0; i < opts.threads; i++) {
		const struct tb_worker *w = &workers[i].counts;

		for (int m = 0; m < TB_NR_METHODS; m++) {
			total.calls[m] += w->calls[m];
			total.arg_sum[m] += w->arg_sum[m];
			total.self_units_done += w->calls[m] * tb_method_units[m];
		}
		total.pread64_calls += w->pread64_calls;
		total.writev_calls += w->writev_calls;
		total.syscall_errors += w->syscall_errors;
		total.requests += w->requests;
		total.result += w->result;
	}

	if (opts.calibrate)
		calibrate(&total, &cal);
	if (opts.truth_path && write_truth(opts.truth_path, progname, &total, wall_ns, cpu_ns,
					   opts.calibrate ? &cal : NULL))
		return 1;

	if (!opts.quiet) {
		if (opts.mode == MODE_LOOP) {
			printf("%s: loop_leaf_%s x %" PRIu64
			       " on %u thread%s: %.3f ns per iteration\n",
			       progname, loop_leaf_names[opts.leaf], opts.loop_iterations,
			       opts.threads, opts.threads == 1 ? "" : "s",
			       (double)wall_ns / (double)opts.loop_iterations);
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
		fprintf(stderr, "%s: %" PRIu64 " system calls in query/respond failed\n", progname,
			total.syscall_errors);
		return 1;
	}
	free(workers);
	return 0;
}
