/* tracee_signal_short.c - a few milliseconds of CPU in several threads, then exit from main */

/*
 * Usage: tracee_signal_short MS THREADS
 *
 * The main thread and THREADS - 1 others spin on their own CPU clock; the
 * main thread for MS ms, the others for 2 MS ms, and main returns while
 * they still run (not joined): the process exits with every thread's timer
 * armed and signals in flight. Exit status 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

__attribute__((noinline)) void spin(double ms)
{
	uint64_t end = cpu_ns() + (uint64_t)(ms * 1e6), x = sink;

	while (cpu_ns() < end)
		for (int i = 0; i < 1000; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}

static double ms;

static void *run(void *arg)
{
	(void)arg;
	spin(2 * ms);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc == 3 ? atoi(argv[2]) : 0;
	pthread_t t;

	ms = argc == 3 ? strtod(argv[1], NULL) : 0;
	if (!(ms > 0) || n < 1) {
		fprintf(stderr, "usage: tracee_signal_short MS THREADS\n");
		return 2;
	}
	for (int i = 1; i < n; i++)
		if (pthread_create(&t, NULL, run, NULL))
			return 1;
	spin(ms);
	return 0;
}
