/* tracee_signal_malloc.c - threads that malloc, realloc and free in a tight loop */

/*
 * Usage: tracee_signal_malloc SECONDS THREADS [check]
 *
 * Every thread (the main thread too) keeps 64 live blocks of 16 bytes to
 * 64 KiB and replaces one at random, by malloc, realloc or free, as fast as
 * it can for SECONDS of real time, touching what it allocates: a signal
 * handler that allocated would meet the allocator's locks held here almost
 * every time. Prints "ops N" and exits 0, or 1 when an allocation failed.
 *
 * The program's own malloc, calloc, realloc and free (which every library
 * in the process calls, a preloaded one too) pass the calls on to the C
 * library's. With "check" they also count the calls made inside a SIGPROF
 * handler: with SIGPROF blocked and SIGUSR2 not (a handler installed
 * without SA_NODEFER and with an empty sa_mask blocks its own signal only;
 * glibc's blocked sections and threads that block signals block them all),
 * one rt_sigprocmask per call; then it also prints "allocator_calls N" and
 * "in_sigprof_handler N".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LIVE 64

static double seconds;
static volatile int failed;
static int checking;
static uint64_t allocator_calls, in_handler;

extern void *__libc_malloc(size_t n), *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static void check(void)
{
	unsigned long long mask = 0;

	if (!checking)
		return;
	__atomic_fetch_add(&allocator_calls, 1, __ATOMIC_RELAXED);
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, sizeof(mask)) == 0 &&
	    (mask & (1ull << (SIGPROF - 1))) && !(mask & (1ull << (SIGUSR2 - 1))))
		__atomic_fetch_add(&in_handler, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t n)
{
	check();
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	check();
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	check();
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p)
		check();
	__libc_free(p);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Not inlined: a leaf the samples can name. */
__attribute__((noinline)) uint64_t churn(void *live[LIVE], uint64_t *seed, int n)
{
	uint64_t ops = 0;

	for (int i = 0; i < n; i++) {
		unsigned int k, size;

		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		k = (unsigned int)(*seed >> 33) % LIVE;
		size = 16u << ((*seed >> 20) % 13);
		switch ((*seed >> 40) % 3) {
		case 0:
			free(live[k]);
			live[k] = malloc(size);
			break;
		case 1: {
			void *p = realloc(live[k], size);

			if (p)
				live[k] = p;
			else
				failed = 1;
			break;
		}
		default:
			free(live[k]);
			live[k] = NULL;
			continue;
		}
		if (!live[k]) {
			failed = 1;
			continue;
		}
		memset(live[k], (int)k, 16);
		ops++;
	}
	return ops;
}

static void *run(void *arg)
{
	void *live[LIVE] = { 0 };
	uint64_t seed = (uintptr_t)arg * 2654435761u + 1, ops = 0;
	double end = now() + seconds;

	while (now() < end)
		ops += churn(live, &seed, 256);
	for (int k = 0; k < LIVE; k++)
		free(live[k]);
	return (void *)(uintptr_t)ops;
}

int main(int argc, char **argv)
{
	int n = argc >= 3 ? atoi(argv[2]) : 0;
	pthread_t t[64];
	uint64_t ops;

	seconds = argc >= 3 ? strtod(argv[1], NULL) : 0;
	if (!(seconds > 0) || n < 1 || n > 64 || (argc == 4 && strcmp(argv[3], "check")) ||
	    argc > 4) {
		fprintf(stderr, "usage: tracee_signal_malloc SECONDS THREADS (1 to 64) [check]\n");
		return 2;
	}
	checking = argc == 4;
	for (int i = 1; i < n; i++)
		if (pthread_create(&t[i], NULL, run, (void *)(uintptr_t)i)) {
			fprintf(stderr, "tracee_signal_malloc: cannot start thread %d\n", i);
			return 1;
		}
	ops = (uintptr_t)run(0);
	for (int i = 1; i < n; i++) {
		void *r;

		pthread_join(t[i], &r);
		ops += (uintptr_t)r;
	}
	printf("ops %llu\n", (unsigned long long)ops);
	if (checking)
		printf("allocator_calls %llu\nin_sigprof_handler %llu\n",
		       (unsigned long long)__atomic_load_n(&allocator_calls, __ATOMIC_RELAXED),
		       (unsigned long long)__atomic_load_n(&in_handler, __ATOMIC_RELAXED));
	return failed;
}
