/* tracee_tf_errno.c - an instrumented program that checks errno across every hook */

/*
 * Usage: tracee_tf_errno THREADS ROUNDS
 *
 * THREADS threads besides main. Each checks that errno is 0 when it starts
 * (its first hook, the entry of worker, made its files: system calls inside
 * the hook), sets errno to a value of its own and, ROUNDS times, calls f0 to
 * f39: in the first round each is new to the library (added to its table,
 * named for the filter, a latency row grown). Each function checks errno on
 * entry (the enter hook ran just before) and sets another value, which the
 * caller checks after the return (the exit hook ran in between). try_open
 * fails with ENOENT, as a caller that reads errno after a failed call
 * expects. main does the same rounds once.
 *
 * Prints "checks N" and "changed N"; exit 1 if errno ever changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long rounds, checks, changed;
static __thread int want;

#define CHECK(v)                                                           \
	do {                                                               \
		__atomic_fetch_add(&checks, 1, __ATOMIC_RELAXED);          \
		if (errno != (v))                                          \
			__atomic_fetch_add(&changed, 1, __ATOMIC_RELAXED); \
	} while (0)

#define F(n)                             \
	void f##n(void)                  \
	{                                \
		CHECK(want);             \
		errno = want + 1000 + n; \
	}
#define F10(t) F(t##0) F(t##1) F(t##2) F(t##3) F(t##4) F(t##5) F(t##6) F(t##7) F(t##8) F(t##9)
F(0)
F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F10(1) F10(2) F10(3)

	static void (*const fns[40])(void) = {
		f0,  f1,  f2,  f3,  f4,	 f5,  f6,  f7,	f8,  f9,  f10, f11, f12, f13,
		f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27,
		f28, f29, f30, f31, f32, f33, f34, f35, f36, f37, f38, f39,
	};

int try_open(void)
{
	return open("/nonexistent-tracebench/x", O_RDONLY);
}

void run(int value, long n)
{
	want = value;
	errno = want;
	for (long r = 0; r < n; r++) {
		for (int i = 0; i < 40; i++) {
			fns[i]();
			CHECK(want + 1000 + i);
			errno = want;
		}
		if (try_open() >= 0)
			abort();
		CHECK(ENOENT);
		errno = want;
	}
	CHECK(want);
}

void *worker(void *arg)
{
	CHECK(0); /* a new thread's errno, after the hook that made its files */
	run((int)(long)arg, rounds);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2;
	pthread_t th[64];

	rounds = argc > 2 ? atol(argv[2]) : 100;
	if (threads < 0 || threads > 64)
		return 2;
	run(100, 1);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)(long)(200 + 100 * i)))
			return 2;
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	printf("checks %ld\nchanged %ld\n", checks, changed);
	return changed ? 1 : 0;
}
