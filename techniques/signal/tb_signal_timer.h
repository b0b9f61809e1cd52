/* tb_signal_timer.h - per-thread timer signals and the pthread_create wrapper, for libtb-signal.so
 * and the bench's floor */
#ifndef TB_SIGNAL_TIMER_H
#define TB_SIGNAL_TIMER_H

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>

/*
 * libtb-signal.so samples with these timers; libtb-signal-floor.so, the
 * floor make bench sets it against, arms exactly the same ones with a handler
 * that only counts. Both include this header, so the two cannot drift apart.
 */

static inline uint64_t tb_signal__clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The CPU clock of any thread of this process (what pthread_getcpuclockid computes). */
static inline clockid_t tb_signal__thread_cpu_clock(pid_t tid)
{
	return (clockid_t)((~(unsigned int)tid << 3) | 6); /* CPUCLOCK_SCHED, per thread */
}

struct tb_signal_timer {
	timer_t timer;
	bool armed;
};

/*
 * Arms a timer that sends signo to thread tid (and no other) rate_hz times a
 * second of that thread's CPU time, or with wall of real time. CPU-time
 * timers are checked at the scheduler tick: they fire at most CONFIG_HZ
 * times a second. Returns 0 or -errno.
 */
static inline int tb_signal_timer__arm(struct tb_signal_timer *t, pid_t tid, int signo, bool wall,
				       double rate_hz)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = signo };
	uint64_t period = (uint64_t)(1e9 / rate_hz);
	struct itimerspec its = {
		.it_interval = { (time_t)(period / 1000000000ull), (long)(period % 1000000000ull) },
		.it_value = { (time_t)(period / 1000000000ull), (long)(period % 1000000000ull) },
	};

	sev._sigev_un._tid = tid; /* sigev_notify_thread_id, which glibc 2.36 does not name */
	if (timer_create(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &sev, &t->timer))
		return -errno;
	__atomic_store_n(&t->armed, true, __ATOMIC_RELEASE);
	timer_settime(t->timer, 0, &its, NULL);
	return 0;
}

/*
 * Accepts a timer never armed, or disarmed meanwhile: an exec's stop_timers
 * and the thread's own end may both disarm it, and only one may delete it
 * (the id may already name a new thread's timer).
 */
static inline void tb_signal_timer__disarm(struct tb_signal_timer *t)
{
	if (__atomic_exchange_n(&t->armed, false, __ATOMIC_ACQ_REL))
		timer_delete(t->timer);
}

/*
 * New threads get their timer before their start routine runs: the library
 * defines pthread_create as
 *
 *	return tb_signal_threads__create(&threads, thread, attr, start, arg);
 *
 * and while *threads.active is set, each new thread calls threads.begin()
 * first (to make its record and arm its timer).
 */
struct tb_signal_threads {
	const bool *active;
	void (*begin)(void);
	int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
};

struct tb_signal_start {
	struct tb_signal_threads *threads;
	void *(*start)(void *);
	void *arg;
};

static inline void *tb_signal_threads__start(void *p)
{
	struct tb_signal_start a = *(struct tb_signal_start *)p;

	free(p);
	if (__atomic_load_n(a.threads->active, __ATOMIC_ACQUIRE))
		a.threads->begin();
	return a.start(a.arg);
}

/* The libc pthread_create, found once. NULL if it cannot be found. */
static inline int (*tb_signal_threads__real(struct tb_signal_threads *s))(pthread_t *,
									  const pthread_attr_t *,
									  void *(*)(void *), void *)
{
	if (!s->real_pthread_create)
		s->real_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
	return s->real_pthread_create;
}

static inline int tb_signal_threads__create(struct tb_signal_threads *s, pthread_t *thread,
					    const pthread_attr_t *attr, void *(*start)(void *),
					    void *arg)
{
	struct tb_signal_start *a;
	int err;

	if (!tb_signal_threads__real(s))
		return EAGAIN;
	if (!__atomic_load_n(s->active, __ATOMIC_ACQUIRE))
		return s->real_pthread_create(thread, attr, start, arg);
	a = malloc(sizeof(*a));
	if (!a)
		return EAGAIN;
	*a = (struct tb_signal_start){ s, start, arg };
	err = s->real_pthread_create(thread, attr, tb_signal_threads__start, a);
	if (err)
		free(a);
	return err;
}

#endif /* TB_SIGNAL_TIMER_H */
