/* tracee_signal_fork.c - a sampled program that forks children which run and exit normally */

/*
 * Usage: tracee_signal_fork CHILDREN
 *
 * A second thread spins in parent_work all along (its timer keeps firing
 * while the main thread forks). The main thread, CHILDREN times: spins in
 * parent_work for 100 ms of CPU, forks a child that starts a thread of its
 * own, spins in child_work for 100 ms of CPU in both and exits normally
 * (exit 0, running the destructors), and waits for it. Then it stops the
 * second thread. Exit status 0 when every child exited 0, else 1 (a child
 * killed by a signal, SIGPROF say, is a failure).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;
static volatile int stop;

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Inlined, so that the samples' leaf is parent_work or child_work; the clock is read every
   50,000 iterations (some 50 us), so few samples fall in clock_gettime. */
static inline __attribute__((always_inline)) void spin_for(double ms)
{
	uint64_t end = cpu_ns() + (uint64_t)(ms * 1e6), x = sink;

	while (cpu_ns() < end && !stop)
		for (int i = 0; i < 50000; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}

__attribute__((noinline)) void parent_work(double ms)
{
	spin_for(ms);
}

__attribute__((noinline)) void child_work(double ms)
{
	spin_for(ms);
}

static void *parent_thread(void *arg)
{
	(void)arg;
	while (!stop)
		parent_work(10);
	return NULL;
}

static void *child_thread(void *arg)
{
	(void)arg;
	child_work(100);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc == 2 ? atoi(argv[1]) : 0, bad = 0;
	pthread_t t;

	if (n < 1) {
		fprintf(stderr, "usage: tracee_signal_fork CHILDREN\n");
		return 2;
	}
	if (pthread_create(&t, NULL, parent_thread, NULL))
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t pid;
		int status;

		parent_work(100);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			bad = 1;
			break;
		}
		if (pid == 0) {
			pthread_t ct;

			if (pthread_create(&ct, NULL, child_thread, NULL))
				exit(1);
			child_work(100);
			pthread_join(ct, NULL);
			exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "tracee_signal_fork: child %d: status 0x%x\n", (int)pid,
				status);
			bad = 1;
		}
	}
	stop = 1;
	pthread_join(t, NULL);
	return bad;
}
