/* vmreadv_floor.c - make bench's floors for tb-vmreadv: one process_vm_readv, one timer tick */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floor.h"
#include "tb_child.h"
#include "tb_gate.h"
#include "tb_schedule.h"

#define PROG "vmreadv_floor"
#define MAX_BYTES 65536
#define MAX_BATCHES 1000
#define MAX_RATE_HZ 100000
/* As long as tb-vmreadv gives a started command to reach its start gate. */
#define READY_TIMEOUT_MS 5000

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " read [-n CALLS] [-b BATCHES] [-s BYTES]\n"
		"       " PROG " timer -F HZ [--realtime] [-d SECS] [-- COMMAND [ARGS]]\n"
		"\n"
		"The two floors under tb-vmreadv's cost, measured on this machine.\n"
		"\n"
		"read: the cheapest read a sampler can make. A child writes a pattern into\n"
		"a buffer and waits; the parent copies BYTES of it out with process_vm_readv\n"
		"(one local and one remote iovec), BATCHES batches of CALLS calls, and\n"
		"checks the bytes. Prints the median [p25, p75] over the batches of the\n"
		"batch's mean ns per call, as key=value on one line starting \"read\".\n"
		"  -n, --calls N        calls per batch (default 20000)\n"
		"  -b, --batches N      batches, 1 to %d (default 21)\n"
		"  -s, --bytes N        bytes per call, 1 to %d (default 64)\n"
		"\n"
		"timer: the cheapest sampler, which takes no samples. Sleeps on the same\n"
		"absolute schedule as tb-vmreadv's record loop (clock_nanosleep with\n"
		"TIMER_ABSTIME, timer slack 1 ns, a tick a period or more late skips the\n"
		"ticks it missed and counts them as late) and does nothing at each tick.\n"
		"Prints its ticks and its own CPU time per tick as key=value on one line\n"
		"starting \"timer\". With -- COMMAND it starts the command as tb-vmreadv\n"
		"does: through the workload's start gate ($" TB_GATE_ENV "), released\n"
		"when the ticking starts, and ticks until the command exits (or -d), then\n"
		"exits with the command's status.\n"
		"  -F, --frequency HZ   ticks per second, 1 to %d\n"
		"      --realtime       tick SCHED_FIFO, as tb-vmreadv --realtime does\n"
		"  -d, --duration SECS  stop after SECS seconds\n"
		"\n"
		"  -h, --help           this text\n",
		MAX_BATCHES, MAX_BYTES, MAX_RATE_HZ);
}

/* The process's own CPU time, as tb-vmreadv measures its own (tb_result__self_cpu_ns). */
static uint64_t self_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		return 0;
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- read: process_vm_readv of a few bytes from a child ------------------------------------ */

/* The same address in the child, which fills it after the fork: what we read is the child's. */
static unsigned char buffer[MAX_BYTES];

static unsigned char pattern(long i)
{
	return (unsigned char)(i * 131 + 7);
}

static int read_floor(long calls, long batches, long bytes)
{
	static unsigned char copy[MAX_BYTES];
	struct iovec local = { copy, bytes }, remote = { buffer, bytes };
	double per_call[MAX_BATCHES];
	int ready[2], ret = 1, status;
	char byte;
	pid_t child;

	if (pipe2(ready, O_CLOEXEC)) {
		fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
		return 1;
	}
	child = fork();
	if (child < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		/* Waits (not running) until the parent is done or dies. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (long i = 0; i < bytes; i++)
			buffer[i] = pattern(i);
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1) {
		fprintf(stderr, PROG ": the child died before it was ready\n");
		goto out;
	}
	/* Warm-up: the first calls fault in the pages and the kernel's paths. */
	for (long i = 0; i < calls / 10 + 1; i++) {
		ssize_t n = process_vm_readv(child, &local, 1, &remote, 1, 0);

		if (n != bytes) {
			fprintf(stderr,
				PROG ": process_vm_readv(%d, %ld bytes): %s — the reads a sampler "
				     "needs are not allowed here (seccomp, or the ptrace access "
				     "check: kernel.yama.ptrace_scope, CAP_SYS_PTRACE)\n",
				(int)child, bytes, n < 0 ? strerror(errno) : "short read");
			goto out;
		}
	}
	for (long i = 0; i < bytes; i++) {
		if (copy[i] != pattern(i)) {
			fprintf(stderr,
				PROG ": process_vm_readv copied the wrong bytes (offset %ld)\n", i);
			goto out;
		}
	}
	for (long b = 0; b < batches; b++) {
		uint64_t start = tb_schedule__now_ns();

		for (long i = 0; i < calls; i++) {
			if (process_vm_readv(child, &local, 1, &remote, 1, 0) != bytes) {
				fprintf(stderr, PROG ": process_vm_readv(%d): %s\n", (int)child,
					strerror(errno));
				goto out;
			}
		}
		per_call[b] = (double)(tb_schedule__now_ns() - start) / calls;
	}
	qsort(per_call, batches, sizeof(per_call[0]), floor__cmp_double);
	printf("read ns_per_read=%.1f p25_ns_per_read=%.1f p75_ns_per_read=%.1f "
	       "min_ns_per_read=%.1f bytes=%ld calls_per_batch=%ld batches=%ld cpu_at_end=%d\n",
	       floor__quantile(per_call, batches, 0.5), floor__quantile(per_call, batches, 0.25),
	       floor__quantile(per_call, batches, 0.75), per_call[0], bytes, calls, batches,
	       sched_getcpu());
	ret = fflush(stdout) ? 1 : 0;
out:
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return ret;
}

/* ---- timer: tb-vmreadv's schedule with nothing in it --------------------------------------- */

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

/*
 * Starts argv held at the workload's start gate: a socket pair, one end in
 * $TB_GATE_FD. Returns the child's pid with *gate our end once the program
 * said it is ready, or -1 after saying why not.
 */
static pid_t start_gated(char **argv, int *gate)
{
	struct pollfd pfd = { .events = POLLIN };
	int sv[2], ret;
	char fd[16], ready = 0;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		fprintf(stderr, PROG ": socketpair: %s\n", strerror(errno));
		return -1;
	}
	child = fork();
	if (child < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return -1;
	}
	if (child == 0) {
		/* The program's end survives exec; ours does not (SOCK_CLOEXEC). */
		int keep = dup(sv[1]);

		snprintf(fd, sizeof(fd), "%d", keep);
		if (keep < 0 || setenv(TB_GATE_ENV, fd, 1))
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, PROG ": cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	pfd.fd = sv[0];
	do
		ret = poll(&pfd, 1, READY_TIMEOUT_MS);
	while (ret < 0 && errno == EINTR && !exiting);
	if (ret > 0 && read(sv[0], &ready, 1) == 1 && ready == TB_GATE_READY) {
		*gate = sv[0];
		return child;
	}
	fprintf(stderr,
		PROG ": %s did not reach its start gate (%s): a tracebench workload started "
		     "without -g says so on $" TB_GATE_ENV "\n",
		argv[0], ret == 0 ? "not within 5 s" : "it exited first");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(sv[0]);
	return -1;
}

static int timer_floor(double rate_hz, double duration, bool realtime, char **command)
{
	uint64_t start, cpu0, cpu, elapsed, ticks = 0, late = 0;
	struct tb_schedule sched;
	struct sigaction sa = { .sa_handler = on_signal };
	int gate = -1, status = 0, ret = 0, due;
	pid_t child = -1;

	/* No SA_RESTART: the command's exit (SIGCHLD) or a signal cuts the sleep short. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (command) {
		sigaction(SIGCHLD, &sa, NULL);
		child = start_gated(command, &gate);
		if (child < 0)
			return 1;
	}

	/* tb-vmreadv's record_loop without take_sample(): the same schedule (tb_schedule.h). */
	if (realtime && sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){ 1 })) {
		fprintf(stderr, PROG ": --realtime: sched_setscheduler: %s\n", strerror(errno));
		ret = 1;
		exiting = 1;
	}
	cpu0 = self_cpu_ns();
	tb_schedule__start(&sched, rate_hz, duration);
	start = sched.start_ns;
	if (command && send(gate, &(char){ TB_GATE_GO }, 1, MSG_NOSIGNAL) != 1) {
		fprintf(stderr, PROG ": cannot release %s at its start gate: %s\n", command[0],
			strerror(errno));
		ret = 1;
		exiting = 1;
	}
	while (!exiting && (due = tb_schedule__wait(&sched)) != 0)
		ticks += due > 0;
	late = sched.late;
	elapsed = tb_schedule__now_ns() - start;
	cpu = self_cpu_ns() - cpu0;
	if (gate >= 0)
		close(gate);

	printf("timer rate_hz=%.0f ticks=%" PRIu64 " late=%" PRIu64 " duration_ns=%" PRIu64
	       " achieved_hz=%.1f cpu_ns=%" PRIu64 " cpu_ns_per_tick=%.1f\n",
	       rate_hz, ticks, late, elapsed, elapsed ? ticks * 1e9 / elapsed : 0.0, cpu,
	       ticks ? (double)cpu / ticks : 0.0);
	if (fflush(stdout))
		ret = 1;
	if (child > 0) {
		/* After -d the command goes on to its end, as under tb-vmreadv. */
		while (waitpid(child, &status, 0) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, PROG ": waitpid(%d): %s\n", (int)child,
					strerror(errno));
				return 1;
			}
		}
		if (!ret)
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "calls", required_argument, NULL, 'n' },
		{ "batches", required_argument, NULL, 'b' },
		{ "bytes", required_argument, NULL, 's' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'd' },
		{ "realtime", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	long calls = 20000, batches = 21, bytes = 64;
	double rate_hz = 0, duration = 0;
	char **command = NULL, *end;
	int argc_opts = argc, c;
	bool timer, realtime = false;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || (strcmp(argv[1], "read") && strcmp(argv[1], "timer"))) {
		usage(stderr);
		return 2;
	}
	timer = !strcmp(argv[1], "timer");
	argc_opts = tb_child__split_argv(argc, argv, &command);
	optind = 2;
	while ((c = getopt_long(argc_opts, argv, "n:b:s:F:d:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (floor__parse_long(PROG, "-n", optarg, 1, 1000000000, &calls))
				return 2;
			break;
		case 'b':
			if (floor__parse_long(PROG, "-b", optarg, 1, MAX_BATCHES, &batches))
				return 2;
			break;
		case 's':
			if (floor__parse_long(PROG, "-s", optarg, 1, MAX_BYTES, &bytes))
				return 2;
			break;
		case 'F':
			rate_hz = strtod(optarg, &end);
			if (*end || !(rate_hz >= 1 && rate_hz <= MAX_RATE_HZ)) {
				fprintf(stderr, PROG ": -F %s: give 1 to %d ticks per second\n",
					optarg, MAX_RATE_HZ);
				return 2;
			}
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || !(duration >= 1e-3 && duration <= 1e7)) {
				fprintf(stderr, PROG ": -d %s: give 0.001 to 1e7 seconds\n",
					optarg);
				return 2;
			}
			break;
		case 'T':
			realtime = true;
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
		if (command || rate_hz || duration || realtime) {
			fprintf(stderr, PROG ": read takes -n, -b and -s only\n");
			return 2;
		}
		return read_floor(calls, batches, bytes);
	}
	if (!rate_hz || (!duration && !command)) {
		fprintf(stderr, PROG ": timer needs -F HZ, and -d SECS or -- COMMAND\n");
		return 2;
	}
	return timer_floor(rate_hz, duration, realtime, command);
}
