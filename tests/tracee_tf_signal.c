/* tracee_tf_signal.c - an instrumented signal handler that interrupts instrumented code */

/*
 * Usage: tracee_tf_signal hot SECONDS [USEC]
 *        tracee_tf_signal fork FORKS [USEC]
 *
 * SIGALRM every USEC microseconds (default 50) of real time; its handler,
 * on_alarm (instrumented), calls in_handler and hot (instrumented too).
 *
 * hot: main calls hot() as fast as it can for SECONDS, so most signals
 * land inside a hook or between two. Prints "hot N" (every call of hot,
 * the handler's included) and "handler N" (calls of on_alarm, each of
 * which calls in_handler once and hot once).
 *
 * fork: the handler also calls one of 1,024 functions it never called
 * before (fresh0 ... fresh1023, in turn: the library adds each to its
 * table), while main forks FORKS children one after the other (each
 * _exit(0)s at once) and waits for them: signals land in the middle of
 * fork, between the library's fork handlers. Prints "forks N" and
 * "handler N"; exit 0 when every child exited 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUMP(n) __atomic_fetch_add(&(n), 1, __ATOMIC_RELAXED)

static long n_hot, n_handler;
static volatile long sink;
static int fresh_calls; /* fork mode: call a new function in each handler */

void hot(void)
{
	BUMP(n_hot);
}

void in_handler(void)
{
	sink++;
}

#define FRESH(n)            \
	void fresh##n(void) \
	{                   \
		sink++;     \
	}
#define FRESH4(n) FRESH(n##0) FRESH(n##1) FRESH(n##2) FRESH(n##3)
#define FRESH16(n) FRESH4(n##0) FRESH4(n##1) FRESH4(n##2) FRESH4(n##3)
#define FRESH64(n) FRESH16(n##0) FRESH16(n##1) FRESH16(n##2) FRESH16(n##3)
#define FRESH256(n) FRESH64(n##0) FRESH64(n##1) FRESH64(n##2) FRESH64(n##3)
FRESH256(0)
FRESH256(1) FRESH256(2) FRESH256(3)

#define REF(n) fresh##n,
#define REF4(n) REF(n##0) REF(n##1) REF(n##2) REF(n##3)
#define REF16(n) REF4(n##0) REF4(n##1) REF4(n##2) REF4(n##3)
#define REF64(n) REF16(n##0) REF16(n##1) REF16(n##2) REF16(n##3)
#define REF256(n) REF64(n##0) REF64(n##1) REF64(n##2) REF64(n##3)
	static void (*const fresh[1024])(void) = { REF256(0) REF256(1) REF256(2) REF256(3) };

void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	if (fresh_calls)
		fresh[n_handler % 1024]();
	BUMP(n_handler);
	in_handler();
	hot();
	errno = saved;
}

static __attribute__((no_instrument_function)) double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void timer(long usec)
{
	struct itimerval it = { { 0, usec }, { 0, usec } };
	sigset_t block;

	if (!usec) {
		sigemptyset(&block);
		sigaddset(&block, SIGALRM);
		sigprocmask(SIG_BLOCK, &block, NULL);
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	long usec = argc > 3 ? atol(argv[3]) : 50, forks = 0;
	int ok = 1;

	if (argc < 3)
		return 2;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		return 2;
	if (!strcmp(argv[1], "hot")) {
		double end = now() + atof(argv[2]);

		timer(usec);
		while (now() < end)
			for (int i = 0; i < 1000; i++)
				hot();
		timer(0);
		printf("hot %ld\nhandler %ld\n", n_hot, n_handler);
		return 0;
	}
	if (strcmp(argv[1], "fork"))
		return 2;
	fresh_calls = 1;
	timer(usec);
	for (long n = atol(argv[2]); forks < n; forks++) {
		pid_t pid = fork();
		int status;

		if (pid == 0)
			_exit(0);
		while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		ok &= pid > 0 && WIFEXITED(status) && !WEXITSTATUS(status);
	}
	timer(0);
	printf("forks %ld\nhandler %ld\n", forks, n_handler);
	return ok ? 0 : 1;
}
