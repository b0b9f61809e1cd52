/* tracee_signal_dlopen.c - one thread dlopens and dlcloses a library in a loop, others burn CPU */

/*
 * Usage: tracee_signal_dlopen SECONDS THREADS LIBRARY [SYMBOL]
 *
 * For SECONDS of real time, the main thread loads LIBRARY (RTLD_NOW |
 * RTLD_LOCAL), calls SYMBOL in it when given (a function taking and
 * returning a long: some work inside the library, so samples land in code
 * that is about to be unmapped), and unloads it, over and over; THREADS - 1
 * other threads spin in burn(). An unwinder in a signal handler that takes
 * the loader's locks, or caches what it read from a library since unloaded,
 * deadlocks or crashes here. Prints "dlopens N" and exits 0, or 1 when
 * LIBRARY or SYMBOL cannot be found.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds;
static volatile int stop;
static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void burn(void)
{
	uint64_t x = sink;

	for (int i = 0; i < 100000; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}

static void *burner(void *arg)
{
	(void)arg;
	while (!stop)
		burn();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc >= 4 ? atoi(argv[2]) : 0, ret = 0;
	const char *lib = argc >= 4 ? argv[3] : NULL, *sym = argc >= 5 ? argv[4] : NULL;
	unsigned long long loads = 0;
	pthread_t t[64];
	double end;

	seconds = argc >= 4 ? strtod(argv[1], NULL) : 0;
	if (!(seconds > 0) || n < 1 || n > 64) {
		fprintf(stderr, "usage: tracee_signal_dlopen SECONDS THREADS LIBRARY [SYMBOL]\n");
		return 2;
	}
	for (int i = 1; i < n; i++)
		if (pthread_create(&t[i], NULL, burner, NULL)) {
			fprintf(stderr, "tracee_signal_dlopen: cannot start thread %d\n", i);
			return 1;
		}
	for (end = now() + seconds; now() < end; loads++) {
		void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
		long (*f)(long);

		if (!h) {
			fprintf(stderr, "tracee_signal_dlopen: %s\n", dlerror());
			ret = 1;
			break;
		}
		if (sym) {
			f = (long (*)(long))dlsym(h, sym);
			if (!f) {
				fprintf(stderr, "tracee_signal_dlopen: %s\n", dlerror());
				ret = 1;
				dlclose(h);
				break;
			}
			sink += (uint64_t)f((long)loads);
		}
		dlclose(h);
	}
	stop = 1;
	for (int i = 1; i < n; i++)
		pthread_join(t[i], NULL);
	printf("dlopens %llu\n", loads);
	return ret;
}
