/* tracee_signal_errno.c - threads that set errno and check it is still theirs, in tight loops */

/*
 * Usage: tracee_signal_errno SECONDS THREADS
 *
 * Every thread (the main one too) sets errno to 1000 + its index and checks
 * it after each short spin, for SECONDS of real time. Half of the spins are
 * in C (spin_c); half in errno_spin, assembly without unwind information
 * that keeps a bad frame pointer (0xdead0000, unmapped) in %rbp while it
 * runs: an unwinder that falls back to the frame-pointer chain there has to
 * read an invalid address, and the validation of that read (msync, mincore
 * or a write to a pipe) fails and sets errno inside the signal handler. A
 * handler that does not restore errno shows up as a changed value (a build
 * of libtb-signal.so without the restore: about 12,000 in 2 s, 2 threads, at
 * 5 kHz). Prints "checks N" and "clobbered N" (how many checks found another
 * value) and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* errno_spin(n): n iterations with %rbp = 0xdead0000; no CFI, so no unwind entry for it. */
__asm__(".text\n"
	".globl errno_spin\n"
	".type errno_spin, @function\n"
	"errno_spin:\n"
	"	push %rbp\n"
	"	mov $0xdead0000, %rbp\n"
	"1:	sub $1, %rdi\n"
	"	jnz 1b\n"
	"	pop %rbp\n"
	"	ret\n"
	".size errno_spin, .-errno_spin\n");
void errno_spin(long n);

static volatile uint64_t sink;
static double seconds;
static uint64_t checks, clobbered;

__attribute__((noinline)) void spin_c(long n)
{
	uint64_t x = sink;

	for (long i = 0; i < n; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	volatile int *e = &errno;
	const int mine = 1000 + (int)(uintptr_t)arg;
	uint64_t n = 0, bad = 0;
	double end = now() + seconds;

	*e = mine;
	while (now() < end) {
		for (int i = 0; i < 100; i++, n++) {
			if (i & 1)
				errno_spin(20000);
			else
				spin_c(5000);
			if (*e != mine) {
				bad++;
				*e = mine;
			}
		}
		*e = mine; /* now() may set errno legitimately; it is not what is checked */
	}
	__atomic_fetch_add(&checks, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&clobbered, bad, __ATOMIC_RELAXED);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc == 3 ? atoi(argv[2]) : 0;
	pthread_t t[64];

	seconds = argc == 3 ? strtod(argv[1], NULL) : 0;
	if (!(seconds > 0) || n < 1 || n > 64) {
		fprintf(stderr, "usage: tracee_signal_errno SECONDS THREADS (1 to 64)\n");
		return 2;
	}
	for (int i = 1; i < n; i++)
		if (pthread_create(&t[i], NULL, run, (void *)(uintptr_t)i))
			return 1;
	run(0);
	for (int i = 1; i < n; i++)
		pthread_join(t[i], NULL);
	printf("checks %llu\nclobbered %llu\n", (unsigned long long)checks,
	       (unsigned long long)clobbered);
	return 0;
}
