/* tracee_tf_end.c - an instrumented program that makes a known number of calls, then ends as asked
 */

/*
 * Usage: tracee_tf_end HOW CALLS [STATUS]
 *
 * main calls outer(), which calls work() CALLS times; each work() calls
 * leaf() once. Then, still inside outer() (so main and outer never return,
 * except for "return"), the program ends by HOW:
 *
 *   return  outer returns, main returns STATUS
 *   exit    exit(STATUS): exit handlers run
 *   _exit   _exit(STATUS): no exit handler, no destructor
 *   segv    a store through a null pointer (SIGSEGV)
 *   abort   abort() (SIGABRT)
 *   kill    SIGKILL to itself
 *
 * Built with -finstrument-functions: main 1, outer 1, work CALLS and leaf
 * CALLS calls. Prints nothing, so it also runs with stdout closed.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile long sink;
static int status;

long leaf(long x)
{
	return x * 3 + 1;
}

void work(long i)
{
	sink += leaf(i);
}

void outer(const char *how, long calls)
{
	for (long i = 0; i < calls; i++)
		work(i);
	if (!strcmp(how, "exit"))
		exit(status);
	if (!strcmp(how, "_exit"))
		_exit(status);
	if (!strcmp(how,
		    "segv")) /* a null pointer the compiler cannot see: the crash is the point */
		*(volatile int *)(sink - sink) = 1; /* cppcheck-suppress nullPointer */
	if (!strcmp(how, "abort"))
		abort();
	if (!strcmp(how, "kill"))
		kill(getpid(), SIGKILL);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	status = argc > 3 ? atoi(argv[3]) : 0;
	outer(argv[1], atol(argv[2]));
	return strcmp(argv[1], "return") ? 2 : status;
}
