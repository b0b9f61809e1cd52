/* tracee_tf_nap.c - an instrumented program whose functions take known times */

/*
 * Usage: tracee_tf_nap CALLS MS
 *
 * outer() calls nap() CALLS times, each sleeping MS milliseconds
 * (nanosleep, so at least that long), and quick() CALLS times, which does
 * next to nothing. A latency recording must see nap last at least MS ms on
 * average, quick far less, and outer at least CALLS * MS ms.
 */
#include <stdlib.h>
#include <time.h>

static volatile long sink;
static long ms;

void nap(void)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	while (nanosleep(&ts, &ts))
		;
}

void quick(void)
{
	sink++;
}

void outer(long calls)
{
	for (long i = 0; i < calls; i++) {
		nap();
		quick();
	}
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	ms = atol(argv[2]);
	outer(atol(argv[1]));
	return 0;
}
