/* reaper.c - run a command as a child subreaper and record how every descendant ended */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Usage: reaper FILE -- COMMAND [ARGS]
 *
 * Runs COMMAND as its child and becomes the subreaper of everything COMMAND
 * starts: a process whose parent dies (a workload whose tracer was killed) is
 * reparented here instead of to init, so its exit status is still known.
 * Appends one line per process reaped to FILE, "PID exit CODE" or "PID signal
 * N", as it happens, and exits when no descendant is left: with COMMAND's
 * status (128+N for a signal). The fault tests run every started tracer
 * under it (tests/faults_lib.sh).
 */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGKILL to every child; orphaned grandchildren are our children too, so all are reached. */
static void kill_descendants(void)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
	}
}

int main(int argc, char **argv)
{
	int status, command_status = 0;
	pid_t command, pid;
	FILE *log;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: reaper FILE -- COMMAND [ARGS]\n");
		return 2;
	}
	log = fopen(argv[1], "a");
	if (!log) {
		fprintf(stderr, "reaper: cannot open %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	setvbuf(log, NULL, _IOLBF, 0);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		fprintf(stderr, "reaper: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		fclose(log);
		return 2;
	}
	command = fork();
	if (command < 0) {
		fprintf(stderr, "reaper: fork: %s\n", strerror(errno));
		fclose(log);
		return 2;
	}
	if (command == 0) {
		fclose(log);
		execvp(argv[3], &argv[3]);
		fprintf(stderr, "reaper: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	/*
	 * The tests signal the command, not us. SIGTERM or SIGHUP to us (a test that
	 * ends and kills its jobs) kills every descendant, so nothing is left running.
	 */
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if (stop_requested)
			kill_descendants();
		pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left */
		}
		if (WIFEXITED(status))
			fprintf(log, "%d exit %d\n", (int)pid, WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			fprintf(log, "%d signal %d\n", (int)pid, WTERMSIG(status));
		if (pid == command)
			command_status =
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	fclose(log);
	return command_status;
}
