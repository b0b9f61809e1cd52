/* tracee_signal_restart.c - blocks in read, epoll_wait and nanosleep and counts each EINTR */

/*
 * Usage: tracee_signal_restart SECONDS
 *
 * For SECONDS of real time: one thread blocks in read() on an empty pipe,
 * which another thread writes a byte into every 5 ms (absolute
 * clock_nanosleep deadlines, so its own interruptions do not matter); one
 * thread loops on epoll_wait (an empty set, 20 ms timeout); one on nanosleep
 * (20 ms). No call is restarted by this program, so each interruption the
 * kernel does not restart itself is counted. SA_RESTART restarts read() on
 * a pipe; epoll_wait and nanosleep return EINTR whatever the flags
 * (signal(7)). At exit it prints "NAME VALUE" lines:
 *
 *   read_calls read_eintr epoll_wait_calls epoll_wait_eintr
 *   nanosleep_calls nanosleep_eintr other_errors
 *
 * Exit status 0, or 1 if the set-up failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

enum counter {
	READ_CALLS,
	READ_EINTR,
	EPOLL_CALLS,
	EPOLL_EINTR,
	SLEEP_CALLS,
	SLEEP_EINTR,
	OTHER_ERRORS,
	NR_COUNTERS,
};

static const char *const names[NR_COUNTERS] = {
	"read_calls",	   "read_eintr",      "epoll_wait_calls", "epoll_wait_eintr",
	"nanosleep_calls", "nanosleep_eintr", "other_errors",
};

static uint64_t counters[NR_COUNTERS];
static struct timespec deadline;
static int pipefd[2], epfd;

static void count(enum counter c)
{
	__atomic_fetch_add(&counters[c], 1, __ATOMIC_RELAXED);
}

static int running(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec < deadline.tv_sec ||
	       (ts.tv_sec == deadline.tv_sec && ts.tv_nsec < deadline.tv_nsec);
}

static void *reader(void *arg)
{
	char c = 0;

	(void)arg;
	while (c != 'q') {
		ssize_t n = read(pipefd[0], &c, 1);

		count(READ_CALLS);
		if (n < 0)
			count(errno == EINTR ? READ_EINTR : OTHER_ERRORS);
		else if (n == 0)
			break;
	}
	return NULL;
}

static void *writer(void *arg)
{
	struct timespec next;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (running()) {
		next.tv_nsec += 5000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		if (write(pipefd[1], "x", 1) != 1 && errno != EINTR)
			count(OTHER_ERRORS);
	}
	while (write(pipefd[1], "q", 1) != 1)
		;
	return NULL;
}

static void *epoll_loop(void *arg)
{
	struct epoll_event ev;

	(void)arg;
	while (running()) {
		int n = epoll_wait(epfd, &ev, 1, 20);

		count(EPOLL_CALLS);
		if (n < 0)
			count(errno == EINTR ? EPOLL_EINTR : OTHER_ERRORS);
	}
	return NULL;
}

static void *sleep_loop(void *arg)
{
	const struct timespec period = { 0, 20000000 };

	(void)arg;
	while (running()) {
		count(SLEEP_CALLS);
		if (nanosleep(&period, NULL))
			count(errno == EINTR ? SLEEP_EINTR : OTHER_ERRORS);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	void *(*const loops[])(void *) = { reader, writer, epoll_loop, sleep_loop };
	double seconds = argc == 2 ? strtod(argv[1], NULL) : 0;
	pthread_t t[4];

	if (!(seconds > 0)) {
		fprintf(stderr, "usage: tracee_signal_restart SECONDS\n");
		return 2;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || pipe(pipefd)) {
		perror("tracee_signal_restart: set-up");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)seconds;
	deadline.tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, loops[i], NULL)) {
			fprintf(stderr, "tracee_signal_restart: cannot start the threads\n");
			return 1;
		}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NR_COUNTERS; i++)
		printf("%s %llu\n", names[i], (unsigned long long)counters[i]);
	return 0;
}
