/* floor.h - what the floor programs (ptrace_floor, vmreadv_floor, signal_floor, tracefunc_floor)
 * share */
#ifndef TB_FLOOR_H
#define TB_FLOOR_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tb_schedule.h" /* tb_schedule__now_ns(): CLOCK_MONOTONIC in ns */

/*
 * A floor is measured in batches and reported as the median and quartiles
 * of the batches' ns per event, interpolated as bench.sh's quantile() does,
 * so the floor and the tracer it is set against are read the same way.
 */

/* Parses a whole number from min to max for option opt; one line and -EINVAL if not. */
static inline int floor__parse_long(const char *prog, const char *opt, const char *arg, long min,
				    long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "%s: %s %s: give a whole number from %ld to %ld\n", prog, opt, arg,
			min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* For qsort of doubles, ascending. */
static inline int floor__cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of sorted[0..n-1], interpolated between neighbours. */
static inline double floor__quantile(const double *sorted, long n, double q)
{
	double pos = (double)(n - 1) * q;
	long lo = (long)pos;

	return lo + 1 >= n ? sorted[n - 1]
			   : sorted[lo] + (pos - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

#endif /* TB_FLOOR_H */
