/* call_floor.c - make bench's floors under every in-process hook: a function call, a system call */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "floor.h"

/*
 * call: the cheapest hook there is, the call of an empty function. The
 * function is noinline and called through a volatile function pointer, so
 * the compiler can neither inline it nor drop the call: every iteration
 * loads the pointer and makes an indirect call, as a call through
 * tb_call_hook or a PLT entry does. The loop around it (an increment, a
 * compare and a branch) is included.
 *
 * syscall: the cheapest way into the kernel and back, syscall(SYS_getppid):
 * a real system call (getppid has no vDSO entry), which does nothing but read
 * one field. Each result is checked against the parent's pid.
 *
 * Both: BATCHES batches of CALLS after a warm-up batch; the median [p25, p75]
 * over the batches of the batch's mean ns per call, interpolated as bench.sh's
 * quantile() does.
 */

#define PROG "call_floor"
#define MAX_BATCHES 1000

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " call [-n CALLS] [-b BATCHES]\n"
		"       " PROG " syscall [-n CALLS] [-b BATCHES]\n"
		"\n"
		"The floors under every in-process hook, measured on this machine.\n"
		"\n"
		"call: an empty noinline function called through a volatile function\n"
		"pointer (an indirect call the compiler cannot remove), in a loop.\n"
		"syscall: syscall(SYS_getppid), a real system call (no vDSO), in a loop.\n"
		"\n"
		"BATCHES batches of CALLS calls after a warm-up batch; prints the median\n"
		"[p25, p75] over the batches of the batch's mean ns per call, as\n"
		"key=value on one line starting \"call\" or \"syscall\".\n"
		"  -n, --calls N        calls per batch (default 1000000 for call,\n"
		"                       20000 for syscall)\n"
		"  -b, --batches N      batches, 1 to %d (default 21)\n"
		"  -h, --help           this text\n",
		MAX_BATCHES);
}

/* The empty function: the asm keeps it from being treated as having no effect. */
static __attribute__((noinline)) void empty_function(void)
{
	__asm__ volatile("" ::: "memory");
}

static void (*volatile call_target)(void) = empty_function;

/* ns per call of one batch of n calls of empty_function through call_target */
static double batch_call(long n)
{
	uint64_t start = tb_schedule__now_ns();

	for (long i = 0; i < n; i++)
		call_target();
	return (double)(tb_schedule__now_ns() - start) / (double)n;
}

static pid_t parent;
static long wrong_results;

/* ns per call of one batch of n syscall(SYS_getppid); counts results that are not parent */
static double batch_syscall(long n)
{
	uint64_t start = tb_schedule__now_ns();

	for (long i = 0; i < n; i++) {
		if (syscall(SYS_getppid) != parent)
			wrong_results++;
	}
	return (double)(tb_schedule__now_ns() - start) / (double)n;
}

/* Runs a warm-up batch and then batches of fn(calls); prints NAME's line. */
static int measure(const char *name, const char *unit, double (*fn)(long), long calls, long batches)
{
	double per_call[MAX_BATCHES];

	fn(calls);
	for (long b = 0; b < batches; b++)
		per_call[b] = fn(calls);
	if (wrong_results) {
		fprintf(stderr, PROG ": syscall(SYS_getppid) returned other than %d %ld times\n",
			(int)parent, wrong_results);
		return 1;
	}
	qsort(per_call, batches, sizeof(per_call[0]), floor__cmp_double);
	printf("%s ns_per_%s=%.3f p25_ns_per_%s=%.3f p75_ns_per_%s=%.3f min_ns_per_%s=%.3f "
	       "calls_per_batch=%ld batches=%ld cpu_at_end=%d\n",
	       name, unit, floor__quantile(per_call, batches, 0.5), unit,
	       floor__quantile(per_call, batches, 0.25), unit,
	       floor__quantile(per_call, batches, 0.75), unit, per_call[0], calls, batches,
	       sched_getcpu());
	return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "calls", required_argument, NULL, 'n' },
		{ "batches", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	long calls = -1, batches = 21;
	int c;
	bool call;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || (strcmp(argv[1], "call") && strcmp(argv[1], "syscall"))) {
		usage(stderr);
		return 2;
	}
	call = !strcmp(argv[1], "call");
	optind = 2;
	while ((c = getopt_long(argc, argv, "n:b:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (floor__parse_long(PROG, "-n", optarg, 1, 1000000000, &calls))
				return 2;
			break;
		case 'b':
			if (floor__parse_long(PROG, "-b", optarg, 1, MAX_BATCHES, &batches))
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
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (call)
		return measure("call", "call", batch_call, calls < 0 ? 1000000 : calls, batches);
	parent = getppid();
	return measure("syscall", "syscall", batch_syscall, calls < 0 ? 20000 : calls, batches);
}
