/* tracee_hard_cases.c - programs that break naive breakpoint tracers: a faulting site, a leader
 * that exits, exec */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * hard_cases_load: its first instruction is a load, which faults for a NULL
 * pointer. A breakpoint there takes the single-step path (a load is not
 * emulated), and the step faults: the program's SIGSEGV handler must run.
 */
int hard_cases_load(const int *p);
__asm__(".text\n"
	".globl hard_cases_load\n"
	".type hard_cases_load, @function\n"
	"hard_cases_load:\n"
	"	movl (%rdi), %eax\n"
	"	ret\n"
	".size hard_cases_load, .-hard_cases_load\n");

/* The breakpoint target of the other cases; first instruction emulated or not, it is called. */
__attribute__((noinline)) int hard_cases_work(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 7 + 3;
}

static sigjmp_buf recover;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(recover, 1);
}

/* fault N: N calls that fault in hard_cases_load, each recovered by the handler. */
static int faults(int n)
{
	struct sigaction sa = { .sa_handler = on_segv };
	volatile int recovered = 0, i;
	int ok = 42;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	for (i = 0; i < n; i++) {
		if (sigsetjmp(recover, 1)) {
			recovered++;
			continue;
		}
		hard_cases_load(i % 2 ? NULL : &ok);
	}
	printf("calls %d recovered %d\n", n, recovered);
	return recovered != n / 2;
}

struct worker {
	int calls;
	long sum;
};

static void *work_thread(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < w->calls; i++) {
		w->sum += hard_cases_work(i);
		usleep(200);
	}
	printf("worker calls %d sum %ld\n", w->calls, w->sum);
	fflush(stdout);
	return NULL;
}

/* leader N: the main thread starts a worker (N calls) and calls pthread_exit: a zombie leader. */
static int leader_exits(int n)
{
	static struct worker w;
	pthread_t th;

	w.calls = n;
	if (pthread_create(&th, NULL, work_thread, &w))
		return 1;
	pthread_exit(NULL);
}

/* exec N: N calls, each followed by a vfork + exec of /bin/true, then exec of /bin/true itself. */
static int vfork_exec(int n)
{
	volatile long sum = 0; /* volatile: vfork's child runs on this stack until it execs */
	volatile int i;

	for (i = 0; i < n; i++) {
		pid_t pid;
		int status;

		sum += hard_cases_work(i);
		pid = vfork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return 1;
	}
	printf("calls %d sum %ld\n", n, sum);
	fflush(stdout);
	execl("/bin/true", "true", (char *)NULL);
	return 1;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 100;

	if (argc > 1 && !strcmp(argv[1], "fault"))
		return faults(n);
	if (argc > 1 && !strcmp(argv[1], "leader"))
		return leader_exits(n);
	if (argc > 1 && !strcmp(argv[1], "exec"))
		return vfork_exec(n);
	fprintf(stderr, "usage: tracee_hard_cases fault|leader|exec [N]\n");
	return 2;
}
