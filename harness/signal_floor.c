/* signal_floor.c - make bench's floors for tb-signal: a signal round trip, a timer signal */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "signal_floor.h"
#include "floor.h"
#include "tb_child.h"

#define PROG "signal_floor"
#define LIBRARY "libtb-signal-floor.so"
#define MAX_BATCHES 1000
/* tb-signal record's limit. */
#define MAX_RATE_HZ 10000

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " raise [-n CALLS] [-b BATCHES]\n"
		"       " PROG " timer -F HZ [--wall] -- COMMAND [ARGS]\n"
		"\n"
		"The floors under tb-signal's per-sample cost, measured on this machine.\n"
		"\n"
		"raise: the plain signal round trip. The thread sends itself SIGPROF\n"
		"(tgkill: what raise() does, without its two signal-mask calls), the\n"
		"kernel builds the signal frame, an empty handler (SA_SIGINFO |\n"
		"SA_RESTART, as tb-signal's) returns, rt_sigreturn restores the thread.\n"
		"BATCHES batches of CALLS signals after a warm-up; prints the median\n"
		"[p25, p75] over the batches of the batch's mean ns per signal, as\n"
		"key=value on one line starting \"raise\".\n"
		"  -n, --calls N        signals per batch (default 20000)\n"
		"  -b, --batches N      batches, 1 to %d (default 21)\n"
		"\n"
		"timer: tb-signal record without the sampling. Runs COMMAND, started and\n"
		"released at its start gate as tb-signal starts it, with the library\n"
		"beside this program preloaded (" LIBRARY "): every thread\n"
		"gets the timer tb-signal gives it (SIGPROF to that thread, HZ times a second\n"
		"of its CPU time, --wall: of real time) and the handler does nothing but\n"
		"count. Prints the signals taken as key=value on one line starting\n"
		"\"timer\", and exits with the command's status.\n"
		"  -F, --frequency HZ   signals per second of each thread, 1 to %d\n"
		"      --wall           real-time timers instead of CPU-time ones\n"
		"\n"
		"  -h, --help           this text\n",
		MAX_BATCHES, MAX_RATE_HZ);
}

/* ---- raise: a signal to oneself and an empty handler ---------------------------------------- */

static volatile uint64_t handled;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	handled = handled + 1;
}

static int raise_floor(long calls, long batches)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
	double per_signal[MAX_BATCHES];
	pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
	uint64_t expected;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, NULL)) {
		fprintf(stderr, PROG ": sigaction(SIGPROF): %s\n", strerror(errno));
		return 1;
	}
	/* Warm-up: the first signals fault in the signal stack's pages and the kernel's paths. */
	for (long i = 0; i < calls / 10 + 1; i++) {
		if (syscall(SYS_tgkill, pid, tid, SIGPROF)) {
			fprintf(stderr, PROG ": tgkill(%d, %d, SIGPROF): %s\n", (int)pid, (int)tid,
				strerror(errno));
			return 1;
		}
	}
	expected = handled;
	for (long b = 0; b < batches; b++) {
		uint64_t start = tb_schedule__now_ns();

		for (long i = 0; i < calls; i++)
			syscall(SYS_tgkill, pid, tid, SIGPROF);
		per_signal[b] = (double)(tb_schedule__now_ns() - start) / calls;
	}
	/* A signal to oneself is delivered before tgkill returns: every one ran the handler. */
	expected += (uint64_t)calls * batches;
	if (handled != expected) {
		fprintf(stderr,
			PROG ": the handler ran %" PRIu64 " times for %" PRIu64 " signals\n",
			handled, expected);
		return 1;
	}
	qsort(per_signal, batches, sizeof(per_signal[0]), floor__cmp_double);
	printf("raise ns_per_signal=%.1f p25_ns_per_signal=%.1f p75_ns_per_signal=%.1f "
	       "min_ns_per_signal=%.1f calls_per_batch=%ld batches=%ld cpu_at_end=%d\n",
	       floor__quantile(per_signal, batches, 0.5),
	       floor__quantile(per_signal, batches, 0.25),
	       floor__quantile(per_signal, batches, 0.75), per_signal[0], calls, batches,
	       sched_getcpu());
	return fflush(stdout) ? 1 : 0;
}

/* ---- timer: tb-signal's timers with an empty handler, in the command ------------------------- */

struct floor_counts {
	uint64_t signals, overruns, no_record, cpu_ns, alive_ns, duration_ns;
	unsigned int threads; /* that took at least one signal, as tb-signal counts them */
	bool wall, seen;
};

/* Reads the counts file the library wrote (signal_floor.h). Returns 0, or -1 if it has none. */
static int read_counts(const char *path, struct floor_counts *c)
{
	uint64_t start = 0, end = 0, signals, overruns, cpu, t0, t1;
	char line[512], clock[8];
	FILE *f = fopen(path, "re");
	int tid;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line,
			   "floor rate_hz=%*s clock=%7s start_ns=%" SCNu64 " end_ns=%" SCNu64
			   " no_record=%" SCNu64,
			   clock, &start, &end, &c->no_record) == 4) {
			c->seen = true;
			c->wall = !strcmp(clock, "wall");
			c->duration_ns = end - start;
		} else if (sscanf(line,
				  "thread tid=%d signals=%" SCNu64 " overruns=%" SCNu64
				  " cpu_ns=%" SCNu64 " start_ns=%" SCNu64 " end_ns=%" SCNu64,
				  &tid, &signals, &overruns, &cpu, &t0, &t1) == 6) {
			c->signals += signals;
			c->overruns += overruns;
			c->cpu_ns += cpu;
			c->alive_ns += t1 > t0 ? t1 - t0 : 0;
			c->threads += signals > 0;
		}
	}
	fclose(f);
	return c->seen ? 0 : -1;
}

static int timer_floor(double rate_hz, bool wall, char **command)
{
	char lib[PATH_MAX], counts[] = "/tmp/signal_floor.XXXXXX", num[32];
	struct tb_child child = TB_CHILD_INIT;
	struct floor_counts c = { 0 };
	int err, fd, status = 0, ret = 1;
	uint64_t ns;

	if ((err = tb_child__preload(LIBRARY, lib, sizeof(lib)))) {
		fprintf(stderr, PROG ": cannot find %s: %s — build it with make\n", lib,
			strerror(-err));
		return 1;
	}
	fd = mkstemp(counts); /* 0600 */
	if (fd < 0) {
		fprintf(stderr, PROG ": cannot create a counts file in /tmp: %s\n",
			strerror(errno));
		return 1;
	}
	close(fd);
	/* The environment tb-signal record sets up, with this library's names. */
	setenv(SIGNAL_FLOOR_ENV_OUT, counts, 1);
	snprintf(num, sizeof(num), "%.17g", rate_hz);
	setenv(SIGNAL_FLOOR_ENV_RATE, num, 1);
	setenv(SIGNAL_FLOOR_ENV_CLOCK, wall ? "wall" : "cpu", 1);
	/* Started, released and waited for as tb-signal record does it. */
	err = tb_child__start_foreground(&child, command);
	if (err) {
		fprintf(stderr, PROG ": cannot run %s: %s\n", command[0], strerror(-err));
		goto out;
	}
	if (tb_child__wait(&child, &status)) {
		fprintf(stderr, PROG ": cannot wait for %s: %s\n", command[0], strerror(errno));
		goto out;
	}
	tb_child__close(&child);
	if (read_counts(counts, &c)) {
		fprintf(stderr,
			PROG
			": %s wrote no counts: a statically linked program ignores "
			"LD_PRELOAD, and one that ends by _exit or a signal never writes them\n",
			command[0]);
		goto out;
	}
	/* Achieved as tb-signal computes it: per second of the threads' real or CPU time. */
	ns = c.wall ? c.alive_ns : c.cpu_ns;
	printf("timer rate_hz=%.0f clock=%s signals=%" PRIu64 " threads=%u overruns=%" PRIu64
	       " no_record=%" PRIu64 " duration_ns=%" PRIu64
	       " achieved_hz=%.1f thread_cpu_ns=%" PRIu64 "\n",
	       rate_hz, c.wall ? "wall" : "cpu", c.signals, c.threads, c.overruns, c.no_record,
	       c.duration_ns, ns ? c.signals / (ns / 1e9) : 0.0, c.cpu_ns);
	ret = fflush(stdout) ? 1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	unlink(counts);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "calls", required_argument, NULL, 'n' },
		{ "batches", required_argument, NULL, 'b' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "wall", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	long calls = 20000, batches = 21;
	double rate_hz = 0;
	char **command = NULL, *end;
	int argc_opts = argc, c;
	bool timer, wall = false;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || (strcmp(argv[1], "raise") && strcmp(argv[1], "timer"))) {
		usage(stderr);
		return 2;
	}
	timer = !strcmp(argv[1], "timer");
	argc_opts = tb_child__split_argv(argc, argv, &command);
	optind = 2;
	while ((c = getopt_long(argc_opts, argv, "n:b:F:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (floor__parse_long(PROG, "-n", optarg, 1, 1000000000, &calls))
				return 2;
			break;
		case 'b':
			if (floor__parse_long(PROG, "-b", optarg, 1, MAX_BATCHES, &batches))
				return 2;
			break;
		case 'F':
			rate_hz = strtod(optarg, &end);
			if (*end || !(rate_hz >= 1 && rate_hz <= MAX_RATE_HZ)) {
				fprintf(stderr, PROG ": -F %s: give 1 to %d signals per second\n",
					optarg, MAX_RATE_HZ);
				return 2;
			}
			break;
		case 'W':
			wall = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc_opts || (command && !command[0])) {
		usage(stderr);
		return 2;
	}
	if (!timer) {
		if (command || rate_hz || wall) {
			fprintf(stderr, PROG ": raise takes -n and -b only\n");
			return 2;
		}
		return raise_floor(calls, batches);
	}
	if (!rate_hz || !command) {
		fprintf(stderr, PROG ": timer needs -F HZ and -- COMMAND\n");
		return 2;
	}
	return timer_floor(rate_hz, wall, command);
}
