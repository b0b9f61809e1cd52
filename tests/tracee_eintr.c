/* tracee_eintr.c - blocks in epoll_wait and nanosleep and counts the calls a tracer interrupts */

/*
 * Usage: tracee_eintr SECONDS COUNTER_FILE
 *
 * For at most SECONDS, one thread loops on epoll_wait (an empty set, 20 ms
 * timeout) and another on nanosleep (20 ms), neither restarting an
 * interrupted call. COUNTER_FILE is created and shared (MAP_SHARED) so the
 * test can read the counts while the program runs, as unsigned 64-bit words
 * in this order:
 *
 *   epoll_wait calls, epoll_wait EINTR, nanosleep calls, nanosleep EINTR,
 *   other errors, early returns (a call that said its full time had passed
 *   when it had not), stop
 *
 * The test ends the loops early by writing a non-zero byte into the stop
 * word (no signal: a signal would count as an EINTR of its own, which is also
 * why no handler is installed). The counts are printed at exit as
 * "NAME VALUE" lines, followed by "elapsed_ms VALUE". Exit status 0, or 1 if
 * the set-up failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PERIOD_MS 20

enum counter {
	EPOLL_CALLS,
	EPOLL_EINTR,
	SLEEP_CALLS,
	SLEEP_EINTR,
	OTHER_ERRORS,
	EARLY,
	STOP,
	NR_COUNTERS,
};

static const char *const counter_names[NR_COUNTERS] = {
	[EPOLL_CALLS] = "epoll_wait_calls",
	[EPOLL_EINTR] = "epoll_wait_eintr",
	[SLEEP_CALLS] = "nanosleep_calls",
	[SLEEP_EINTR] = "nanosleep_eintr",
	[OTHER_ERRORS] = "other_errors",
	[EARLY] = "early_returns",
	[STOP] = "stop",
};

static uint64_t *counters;
static uint64_t deadline_ns;
static int epfd = -1;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static bool running(uint64_t *start)
{
	*start = now_ns();
	return *start < deadline_ns && !__atomic_load_n(&counters[STOP], __ATOMIC_RELAXED);
}

static void count(enum counter c)
{
	__atomic_fetch_add(&counters[c], 1, __ATOMIC_RELAXED);
}

/* One call's outcome: ret < 0 with errno, or a return that claims the timeout passed. */
static void account(int ret, uint64_t start, enum counter calls, enum counter eintr)
{
	count(calls);
	if (ret < 0)
		count(errno == EINTR ? eintr : OTHER_ERRORS);
	else if (ret == 0 && now_ns() - start < (PERIOD_MS - 1) * 1000000ull)
		count(EARLY);
}

static void *epoll_loop(void *arg)
{
	struct epoll_event ev;
	uint64_t start;

	(void)arg;
	while (running(&start))
		account(epoll_wait(epfd, &ev, 1, PERIOD_MS), start, EPOLL_CALLS, EPOLL_EINTR);
	return NULL;
}

static void *sleep_loop(void *arg)
{
	const struct timespec period = { 0, PERIOD_MS * 1000000L };
	uint64_t start;

	(void)arg;
	while (running(&start))
		account(nanosleep(&period, NULL), start, SLEEP_CALLS, SLEEP_EINTR);
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc == 3 ? strtod(argv[1], NULL) : 0;
	size_t size = NR_COUNTERS * sizeof(uint64_t);
	uint64_t begin;
	pthread_t te, ts;
	int fd;

	if (!(seconds > 0)) {
		fprintf(stderr, "usage: tracee_eintr SECONDS COUNTER_FILE\n");
		return 2;
	}
	fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, size)) {
		perror(argv[2]);
		return 1;
	}
	counters = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (counters == MAP_FAILED || epfd < 0) {
		perror("tracee_eintr: set-up");
		return 1;
	}
	begin = now_ns();
	deadline_ns = begin + (uint64_t)(seconds * 1e9);
	if (pthread_create(&te, NULL, epoll_loop, NULL) ||
	    pthread_create(&ts, NULL, sleep_loop, NULL)) {
		fprintf(stderr, "tracee_eintr: cannot start the threads\n");
		return 1;
	}
	pthread_join(te, NULL);
	pthread_join(ts, NULL);
	for (int i = 0; i < STOP; i++)
		printf("%s %llu\n", counter_names[i],
		       (unsigned long long)__atomic_load_n(&counters[i], __ATOMIC_RELAXED));
	printf("elapsed_ms %llu\n", (unsigned long long)((now_ns() - begin) / 1000000));
	return 0;
}
