/* tracee_fork_calls.c - calls a function, then forks and vforks children that call it too: break
 * mode must let them live */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* The breakpoint target: its copy in a forked child must not keep the int3. */
__attribute__((noinline)) int fork_calls_work(int x)
{
	return x * 3 + 1;
}

int main(int argc, char **argv)
{
	/* volatile: vfork's child runs on the parent's stack until it exits */
	volatile int rounds = argc > 1 ? atoi(argv[1]) : 50, failed = 0, i;
	volatile long sum = 0;

	for (i = 0; i < rounds; i++) {
		pid_t pid;
		int status;

		sum += fork_calls_work(i);
		pid = i % 2 ? vfork() : fork();
		if (pid < 0) {
			perror("fork_calls: fork");
			return 1;
		}
		if (pid == 0) /* the fork child calls it again; the vfork child only exits */
			_exit(i % 2 ? 0 : fork_calls_work(i) == i * 3 + 1 ? 0 : 1);
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	printf("calls %d sum %ld children failed %d\n", rounds, sum, failed);
	return failed != 0;
}
