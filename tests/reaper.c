/* reaper.c - run a command as a child subreaper and record how every descendant ended */
#define _GNU_SOURCE
#include <errno.h>
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
		return 2;
	}
	command = fork();
	if (command < 0) {
		fprintf(stderr, "reaper: fork: %s\n", strerror(errno));
		return 2;
	}
	if (command == 0) {
		fclose(log);
		execvp(argv[3], &argv[3]);
		fprintf(stderr, "reaper: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	/* The tests signal the command, not us; a stray Ctrl-C must not orphan anything. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
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
			command_status = WIFEXITED(status) ? WEXITSTATUS(status) :
							     128 + WTERMSIG(status);
	}
	fclose(log);
	return command_status;
}
