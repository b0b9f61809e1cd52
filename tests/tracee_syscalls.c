/* tracee_syscalls.c - makes known numbers of getppid, write and nanosleep calls in 2 threads */

/*
 * Usage: tracee_syscalls N [fork]
 *
 * Thread A makes N getppid, N/2 write (one byte to /dev/null) and 5
 * nanosleep (1 ms) calls; thread B makes 2N getppid, N write and 3
 * nanosleep; the main thread, after joining both, N/4 getppid. In all:
 * getppid 3N + N/4, write N + N/2, nanosleep 8, each through syscall(2)
 * so that the C library cannot substitute another call. With "fork", the
 * main thread then forks a child that makes N/2 getppid, N/4 write and 2
 * nanosleep calls, and waits for it. Under a tracer
 * that passes a start gate (TB_GATE_FD, workload/tb_gate.h), both threads
 * exist before the gate opens, and none of those calls is made before.
 * Exit status 0, or 1 when a call failed or the child did not exit 0 (a
 * breakpoint left in its copy of make_calls kills it with SIGTRAP).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tb_gate.h"

struct share {
	long getppid, write, nanosleep;
};

static pthread_barrier_t start;
static int devnull = -1;
static volatile int failed;

/* Not static, not inlined: a site for tb-ptrace break, hit once per thread and by the child. */
__attribute__((noinline)) void make_calls(const struct share *n)
{
	const struct timespec ms = { 0, 1000000 };

	for (long i = 0; i < n->getppid; i++)
		if (syscall(SYS_getppid) <= 0)
			failed = 1;
	for (long i = 0; i < n->write; i++)
		if (syscall(SYS_write, devnull, "x", 1) != 1)
			failed = 1;
	for (long i = 0; i < n->nanosleep; i++)
		if (syscall(SYS_nanosleep, &ms, NULL))
			failed = 1;
}

static void *thread_main(void *arg)
{
	pthread_barrier_wait(&start);
	make_calls(arg);
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc >= 2 ? strtol(argv[1], NULL, 10) : -1;
	bool fork_child = argc == 3 && !strcmp(argv[2], "fork");
	struct share a, b, m, c;
	pthread_t ta, tb;
	const char *gate = getenv(TB_GATE_ENV);
	pid_t child;
	int status;

	if (n < 0 || argc > 3 || (argc == 3 && !fork_child)) {
		fprintf(stderr, "usage: tracee_syscalls N [fork]\n");
		return 2;
	}
	a = (struct share){ .getppid = n, .write = n / 2, .nanosleep = 5 };
	b = (struct share){ .getppid = 2 * n, .write = n, .nanosleep = 3 };
	m = (struct share){ .getppid = n / 4 };
	c = (struct share){ .getppid = n / 2, .write = n / 4, .nanosleep = 2 };
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0 || pthread_barrier_init(&start, NULL, 3) ||
	    pthread_create(&ta, NULL, thread_main, &a) ||
	    pthread_create(&tb, NULL, thread_main, &b)) {
		perror("tracee_syscalls: set-up");
		return 1;
	}
	if (gate && *gate && tb_gate__wait(atoi(gate))) {
		fprintf(stderr, "tracee_syscalls: the start gate closed before release\n");
		return 1;
	}
	pthread_barrier_wait(&start);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	make_calls(&m);
	if (!fork_child)
		return failed;
	child = fork();
	if (child == 0) {
		make_calls(&c);
		_exit(failed);
	}
	if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "tracee_syscalls: the forked child failed (status 0x%x)\n",
			child < 0 ? 0 : status);
		return 1;
	}
	return failed;
}
