/* tracee_tf_exec.c - an instrumented program that makes some calls, then execs another */

/*
 * Usage: tracee_tf_exec CALLS PROGRAM [ARGS...]
 *
 * main calls before_exec() CALLS times, then replaces itself with PROGRAM
 * (execv: the same pid, a new process image, which the library records as
 * PID.1, PID.2 ...). Calls: main 1, before_exec CALLS. Exit status 127 if
 * the exec fails.
 */
#include <stdlib.h>
#include <unistd.h>

static volatile long sink;

void before_exec(long i)
{
	sink += i;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	for (long i = 0, n = atol(argv[1]); i < n; i++)
		before_exec(i);
	execv(argv[2], argv + 2);
	return 127;
}
