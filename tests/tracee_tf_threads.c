/* tracee_tf_threads.c - an instrumented program whose threads end before it does, in several ways
 */

/*
 * Usage: tracee_tf_threads JOINED DETACHED CALLS
 *
 * JOINED threads are joined, DETACHED threads are detached; each calls
 * work() CALLS times from thread_main and ends: even-numbered ones by
 * returning, odd-numbered ones by pthread_exit from inside deeper(), called
 * by deep() (two instrumented frames that never return). Every thread also
 * sets a pthread key whose destructor, run after the thread's own code,
 * calls in_destructor() once: a call after the library closed the thread's
 * state if its destructor ran first. main waits for every thread to have
 * ended (joined, or the detached ones' count of ended threads, taken in the
 * key destructor after its call), then returns 0.
 *
 * Calls: main 1; per thread: thread_main 1, work CALLS, in_destructor 1,
 * and deep 1 and deeper 1 for the odd-numbered ones.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

static volatile long sink;
static long calls;
static pthread_key_t key;
static int ended;

void work(long i)
{
	sink += i;
}

void in_destructor(void)
{
	sink++;
}

static __attribute__((no_instrument_function)) void destructor(void *arg)
{
	(void)arg;
	in_destructor();
	__atomic_fetch_add(&ended, 1, __ATOMIC_RELEASE);
}

void deeper(void)
{
	pthread_exit(NULL);
}

void deep(void)
{
	deeper();
	sink++;
}

void *thread_main(void *arg)
{
	long n = (long)arg;

	pthread_setspecific(key, (void *)1);
	for (long i = 0; i < calls; i++)
		work(i);
	if (n % 2)
		deep();
	return NULL;
}

int main(int argc, char **argv)
{
	int joined, detached;
	pthread_t th[128];
	pthread_attr_t attr;

	if (argc < 4)
		return 2;
	joined = atoi(argv[1]);
	detached = atoi(argv[2]);
	calls = atol(argv[3]);
	if (joined < 0 || detached < 0 || joined + detached > 128)
		return 2;
	if (pthread_key_create(&key, destructor))
		return 2;
	for (int i = 0; i < joined; i++)
		if (pthread_create(&th[i], NULL, thread_main, (void *)(long)i))
			return 2;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < detached; i++) {
		pthread_t t;

		if (pthread_create(&t, &attr, thread_main, (void *)(long)(joined + i)))
			return 2;
	}
	for (int i = 0; i < joined; i++)
		pthread_join(th[i], NULL);
	while (__atomic_load_n(&ended, __ATOMIC_ACQUIRE) < joined + detached)
		sched_yield();
	return 0;
}
