/* ptrace_floor.c - make bench's ptrace floor: one int3 stop, PTRACE_GETREGS and PTRACE_CONT */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floor.h"

#define PROG "ptrace_floor"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [-n STOPS] [-w WARMUP] [-t CPU] [-c CPU]\n"
		   "\n"
		   "The cheapest breakpoint a ptrace tracer can have: a child executes int3\n"
		   "WARMUP + STOPS times; for each trap the parent returns from waitpid, reads\n"
		   "the registers (PTRACE_GETREGS) and resumes it (PTRACE_CONT). Prints the\n"
		   "mean time of one such round trip over the STOPS after the warm-up, as\n"
		   "key=value on one line (ns_per_stop, elapsed_ns, ...).\n"
		   "\n"
		   "  -n, --stops N        timed round trips (default 100000)\n"
		   "  -w, --warmup N       untimed round trips first (default 1000)\n"
		   "  -t, --tracer-cpu N   pin the tracer (this process) to CPU N\n"
		   "  -c, --tracee-cpu N   pin the tracee (the child) to CPU N\n"
		   "  -h, --help           this text\n"
		   "\n"
		   "Without -t and -c both run where they were started (taskset decides).\n");
}

/* Pins the calling thread to cpu; -1 leaves it as it is. Returns 0 or -errno. */
static int pin_to(long cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The tracee: stops for its tracer, then traps total times and exits. Never returns. */
static void tracee(long cpu, long total)
{
	if (pin_to(cpu)) {
		fprintf(stderr, PROG ": cannot pin the tracee to CPU %ld: %s\n", cpu,
			strerror(errno));
		_exit(1);
	}
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL)) {
		fprintf(stderr, PROG ": ptrace(PTRACE_TRACEME): %s\n", strerror(errno));
		_exit(1);
	}
	raise(SIGSTOP);
	for (long i = 0; i < total; i++)
		__asm__ volatile("int3" ::: "memory");
	_exit(0);
}

/* One round trip: wait for the child's trap, read its registers, resume it. */
static int round_trip(pid_t child)
{
	struct user_regs_struct regs;
	int status;

	if (waitpid(child, &status, 0) != child) {
		fprintf(stderr, PROG ": waitpid(%d): %s\n", (int)child, strerror(errno));
		return -1;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
		fprintf(stderr, PROG ": the tracee did not stop with SIGTRAP (status 0x%x)\n",
			status);
		return -1;
	}
	if (ptrace(PTRACE_GETREGS, child, NULL, &regs) || ptrace(PTRACE_CONT, child, NULL, NULL)) {
		fprintf(stderr, PROG ": ptrace(%d): %s\n", (int)child, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "stops", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "tracer-cpu", required_argument, NULL, 't' },
		{ "tracee-cpu", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	long stops = 100000, warmup = 1000, tracer_cpu = -1, tracee_cpu = -1;
	uint64_t start, elapsed;
	int c, status;
	pid_t child;

	while ((c = getopt_long(argc, argv, "n:w:t:c:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (floor__parse_long(PROG, "-n", optarg, 0, 1000000000, &stops))
				return 2;
			break;
		case 'w':
			if (floor__parse_long(PROG, "-w", optarg, 0, 1000000000, &warmup))
				return 2;
			break;
		case 't':
			if (floor__parse_long(PROG, "-t", optarg, 0, CPU_SETSIZE - 1, &tracer_cpu))
				return 2;
			break;
		case 'c':
			if (floor__parse_long(PROG, "-c", optarg, 0, CPU_SETSIZE - 1, &tracee_cpu))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || stops < 1) {
		usage(stderr);
		return 2;
	}
	if (pin_to(tracer_cpu)) {
		fprintf(stderr, PROG ": cannot pin the tracer to CPU %ld: %s\n", tracer_cpu,
			strerror(errno));
		return 1;
	}

	child = fork();
	if (child < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0)
		tracee(tracee_cpu, warmup + stops);

	/* The child's SIGSTOP: it is traced now; it dies with us if we die. */
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status) ||
	    WSTOPSIG(status) != SIGSTOP) {
		fprintf(stderr, PROG ": the tracee did not stop for its tracer\n");
		kill(child, SIGKILL);
		return 1;
	}
	if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)PTRACE_O_EXITKILL) ||
	    ptrace(PTRACE_CONT, child, NULL, NULL)) {
		fprintf(stderr, PROG ": ptrace(%d): %s\n", (int)child, strerror(errno));
		kill(child, SIGKILL);
		return 1;
	}
	for (long i = 0; i < warmup; i++)
		if (round_trip(child))
			goto fail;
	start = tb_schedule__now_ns();
	for (long i = 0; i < stops; i++)
		if (round_trip(child))
			goto fail;
	elapsed = tb_schedule__now_ns() - start;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, PROG ": the tracee did not exit cleanly (status 0x%x)\n", status);
		return 1;
	}
	/* sched_getcpu: where the tracer ended up, as a check that the pinning held. */
	printf("ns_per_stop=%.1f elapsed_ns=%" PRIu64 " stops=%ld warmup=%ld tracer_cpu=%ld "
	       "tracee_cpu=%ld tracer_cpu_at_end=%d\n",
	       (double)elapsed / stops, elapsed, stops, warmup, tracer_cpu, tracee_cpu,
	       sched_getcpu());
	return 0;
fail:
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return 1;
}
