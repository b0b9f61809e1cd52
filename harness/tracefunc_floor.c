/* tracefunc_floor.c - libtb-tracefunc-floor.so: per-call hooks that only read the TSC; and the
 * cost of one clock read (tracefunc_floor clocks) */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "floor.h"

/*
 * make bench's floor under tb-tracefunc's timed modes (latency, log). Built
 * as a library, it replaces the -finstrument-functions hooks of
 * workload-finstrument by symbol interposition, preloaded as
 * libtb-tracefunc.so is, and each hook does nothing but store __rdtsc() in a
 * thread-local variable: two TSC reads per call, which latency and log mode
 * must make (the entry's time and the exit's), and nothing else — no
 * function table, no record, no check. What the workload pays under it beyond
 * the empty hooks of libtb-tracefunc-noop.so is the least any hook that times
 * every call with the TSC can cost here.
 *
 * Built as a program (TB_TRACEFUNC_FLOOR_PROGRAM), `tracefunc_floor clocks`
 * prints the cost of one __rdtsc() and of one clock_gettime(CLOCK_MONOTONIC)
 * (the vDSO: what uftrace reads at every entry and exit), each the median
 * over 21 batches of N reads (-n, default 1000000) after a warm-up batch:
 *
 *   clocks rdtsc_ns=R clock_gettime_ns=C batches=21 reads_per_batch=N
 *
 * A read's result is stored each time, as a hook stores it, so the reads
 * cannot be merged or dropped; the loop around them (an increment, a compare
 * and a branch, about a cycle) is included.
 */

#define NOHOOK __attribute__((no_instrument_function))
#define EXPORT __attribute__((visibility("default"), no_instrument_function))

#ifndef TB_TRACEFUNC_FLOOR_PROGRAM

/* Initial-exec: a thread-local store is one instruction, as in libtb-tracefunc.so. */
static __thread uint64_t last_tsc __attribute__((tls_model("initial-exec"), used));

EXPORT void __cyg_profile_func_enter(void *fn, void *call_site);
EXPORT void __cyg_profile_func_exit(void *fn, void *call_site);

EXPORT void __cyg_profile_func_enter(void *fn, void *call_site)
{
	(void)fn;
	(void)call_site;
	last_tsc = __rdtsc();
}

EXPORT void __cyg_profile_func_exit(void *fn, void *call_site)
{
	(void)fn;
	(void)call_site;
	last_tsc = __rdtsc();
}

#else /* TB_TRACEFUNC_FLOOR_PROGRAM */

#define BATCHES 21

static volatile uint64_t sink;

/* ns per read of one batch of n __rdtsc() */
static NOHOOK double batch_rdtsc(unsigned long n)
{
	uint64_t t0 = tb_schedule__now_ns();

	for (unsigned long i = 0; i < n; i++)
		sink = __rdtsc();
	return (double)(tb_schedule__now_ns() - t0) / (double)n;
}

/* ns per read of one batch of n clock_gettime(CLOCK_MONOTONIC) */
static NOHOOK double batch_clock_gettime(unsigned long n)
{
	struct timespec ts;
	uint64_t t0 = tb_schedule__now_ns();

	for (unsigned long i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		sink = (uint64_t)ts.tv_nsec;
	}
	return (double)(tb_schedule__now_ns() - t0) / (double)n;
}

/* The median over BATCHES batches of fn(n), after one batch to warm up. */
static NOHOOK double median_of(double (*fn)(unsigned long), unsigned long n)
{
	double v[BATCHES];

	fn(n);
	for (int i = 0; i < BATCHES; i++)
		v[i] = fn(n);
	qsort(v, BATCHES, sizeof(v[0]), floor__cmp_double);
	return v[BATCHES / 2];
}

static NOHOOK void usage(FILE *f)
{
	fprintf(f,
		"Usage: tracefunc_floor clocks [-n READS]\n"
		"Prints the ns of one __rdtsc() and of one clock_gettime(CLOCK_MONOTONIC):\n"
		"the median over %d batches of READS reads (default 1000000).\n",
		BATCHES);
}

int main(int argc, char **argv)
{
	unsigned long n = 1000000;
	double rdtsc_ns, clock_ns;
	char *end;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "clocks")) {
		usage(stderr);
		return 2;
	}
	if (argc == 4 && !strcmp(argv[2], "-n")) {
		n = strtoul(argv[3], &end, 10);
		if (*end || !*argv[3] || *argv[3] == '-' || n == 0 || n > 1000000000) {
			fprintf(stderr, "tracefunc_floor: -n %s: give 1 to 1000000000 reads\n",
				argv[3]);
			return 2;
		}
	} else if (argc != 2) {
		usage(stderr);
		return 2;
	}
	rdtsc_ns = median_of(batch_rdtsc, n);
	clock_ns = median_of(batch_clock_gettime, n);
	printf("clocks rdtsc_ns=%.3f clock_gettime_ns=%.3f batches=%d reads_per_batch=%lu\n",
	       rdtsc_ns, clock_ns, BATCHES, n);
	return fflush(stdout) ? 1 : 0;
}

#endif /* TB_TRACEFUNC_FLOOR_PROGRAM */
