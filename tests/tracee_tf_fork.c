/* tracee_tf_fork.c - an instrumented program that forks children and grandchildren mid-run */

/*
 * Usage: tracee_tf_fork CHILDREN CALLS
 *
 * A second thread calls thread_work() CALLS times, spread over the whole
 * run (it is running, and may be inside a hook, while the main thread
 * forks). The main thread calls parent_work() CALLS times, then forks
 * CHILDREN children one after the other; each child (child_main) calls
 * child_work() CALLS times, forks a grandchild (grandchild_main) that calls
 * grandchild_work() CALLS times and exits, waits for it and exits. Then the
 * main thread calls parent_work() CALLS times more and joins the thread.
 *
 * Calls per process: the parent main 1, fork_children 1, wait_ok
 * CHILDREN, parent_work 2 CALLS, thread_main 1, thread_work CALLS; each
 * child child_main 1, child_work CALLS, wait_ok 1; each grandchild
 * grandchild_main 1, grandchild_work CALLS. Exit status 0 when every child
 * and grandchild exited 0.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long sink;
static volatile int forking = 1;
static long calls;

void parent_work(long i)
{
	sink += i;
}

void child_work(long i)
{
	sink += i;
}

void grandchild_work(long i)
{
	sink += i;
}

void thread_work(long i)
{
	sink += i;
}

void *thread_main(void *arg)
{
	long i = 0;

	(void)arg;
	/* Busy while the main thread forks, then the rest. */
	while (forking && i < calls)
		thread_work(i++);
	while (i < calls)
		thread_work(i++);
	return NULL;
}

static int wait_ok(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

void grandchild_main(void)
{
	for (long i = 0; i < calls; i++)
		grandchild_work(i);
	exit(0);
}

void child_main(void)
{
	pid_t pid;

	for (long i = 0; i < calls; i++)
		child_work(i);
	pid = fork();
	if (pid == 0)
		grandchild_main();
	exit(wait_ok(pid) ? 0 : 1);
}

int fork_children(int children)
{
	int ok = 1;

	for (int c = 0; c < children; c++) {
		pid_t pid = fork();

		if (pid == 0)
			child_main();
		ok &= wait_ok(pid);
	}
	return ok;
}

int main(int argc, char **argv)
{
	int children = argc > 1 ? atoi(argv[1]) : 3, ok;
	pthread_t th;

	calls = argc > 2 ? atol(argv[2]) : 1000;
	if (pthread_create(&th, NULL, thread_main, NULL))
		return 2;
	for (long i = 0; i < calls; i++)
		parent_work(i);
	ok = fork_children(children);
	forking = 0;
	for (long i = 0; i < calls; i++)
		parent_work(i);
	pthread_join(th, NULL);
	return ok ? 0 : 1;
}
