/* signal_floor_lib.c - libtb-signal-floor.so: tb-signal's timers and signals, an empty handler */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "signal_floor.h"
#include "tb_signal_timer.h"

/*
 * make bench's floor under tb-signal's per-sample cost. build/signal_floor
 * preloads this library into the command it starts, as tb-signal preloads
 * libtb-signal.so, and it does what libtb-signal.so does up to the handler:
 * the constructor installs a SIGPROF handler (SA_SIGINFO | SA_RESTART) and
 * gives the main thread a timer, an interposed pthread_create gives every
 * new thread one in the thread itself, each a POSIX timer on the thread's
 * CPU-time clock (or CLOCK_MONOTONIC) that sends SIGPROF to that thread
 * alone (SIGEV_THREAD_ID), at the same period. The handler only counts the
 * signal and its overruns: no unwinding, no copying. What the workload pays
 * under this library is what any sampler of this kind pays per signal; what
 * it pays beyond that under tb-signal is the sampling.
 *
 * At exit the destructor deletes the timers, ignores SIGPROF (a signal still
 * in flight must not kill the process), and writes one line per thread to
 * the file in $TB_SIGNAL_FLOOR_OUT (signal_floor.h says how).
 */

#define MAX_THREADS 4096
#define FLOOR_SIGNAL SIGPROF

struct thread_rec {
	pid_t tid;
	bool ended;
	struct tb_signal_timer timer;
	uint64_t signals, overruns, cpu_ns, start_ns, end_ns;
};

static struct {
	bool active;
	bool wall;
	double rate_hz;
	char out[4096];
	uint64_t start_ns;
	uint64_t no_record; /* signals taken by a thread without a record */
} cfg;

static struct thread_rec *threads[MAX_THREADS];
static unsigned int nr_threads;
static pthread_key_t thread_key;

static __thread struct thread_rec *self __attribute__((tls_model("initial-exec")));

/* The empty handler: counts, and returns. */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	struct thread_rec *t = self;

	(void)sig;
	(void)uc;
	if (!t) {
		__atomic_fetch_add(&cfg.no_record, 1, __ATOMIC_RELAXED);
		return;
	}
	t->signals++;
	if (si->si_code == SI_TIMER)
		t->overruns += (unsigned int)si->si_overrun;
}

/* Gives the calling thread a record and starts its timer, as libtb-signal.so's thread_begin. */
static void thread_begin(void)
{
	struct thread_rec *t;
	unsigned int i;
	void *mem;

	mem = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return; /* this thread's signals are counted as no_record */
	t = mem;
	t->tid = (pid_t)syscall(SYS_gettid);
	i = __atomic_fetch_add(&nr_threads, 1, __ATOMIC_ACQ_REL);
	if (i >= MAX_THREADS) {
		munmap(mem, sizeof(*t));
		return;
	}
	t->start_ns = tb_signal__clock_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&threads[i], t, __ATOMIC_RELEASE);
	self = t;
	pthread_setspecific(thread_key, t);
	tb_signal_timer__arm(&t->timer, t->tid, FLOOR_SIGNAL, cfg.wall, cfg.rate_hz);
}

/* A thread's end (its key's destructor): its timer stops, its counts stay for the file. */
static void thread_end(void *p)
{
	struct thread_rec *t = p;

	tb_signal_timer__disarm(&t->timer);
	t->cpu_ns = tb_signal__clock_ns(CLOCK_THREAD_CPUTIME_ID);
	t->end_ns = tb_signal__clock_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&t->ended, true, __ATOMIC_RELEASE);
}

/* New threads get their record and timer before their start routine runs, as in libtb-signal.so. */
static struct tb_signal_threads new_threads = { .active = &cfg.active, .begin = thread_begin };

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
	return tb_signal_threads__create(&new_threads, thread, attr, start, arg);
}

static void write_counts(void)
{
	unsigned int n = __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE);
	uint64_t now = tb_signal__clock_ns(CLOCK_MONOTONIC);
	FILE *f;

	f = fopen(cfg.out, "we");
	if (!f)
		return;
	fprintf(f,
		"floor rate_hz=%.17g clock=%s start_ns=%" PRIu64 " end_ns=%" PRIu64
		" no_record=%" PRIu64 "\n",
		cfg.rate_hz, cfg.wall ? "wall" : "cpu", cfg.start_ns, now,
		__atomic_load_n(&cfg.no_record, __ATOMIC_RELAXED));
	for (unsigned int i = 0; i < n && i < MAX_THREADS; i++) {
		struct thread_rec *t = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);

		if (!t)
			continue;
		if (!__atomic_load_n(&t->ended, __ATOMIC_ACQUIRE)) {
			t->cpu_ns = tb_signal__clock_ns(tb_signal__thread_cpu_clock(t->tid));
			t->end_ns = now;
		}
		fprintf(f,
			"thread tid=%d signals=%" PRIu64 " overruns=%" PRIu64 " cpu_ns=%" PRIu64
			" start_ns=%" PRIu64 " end_ns=%" PRIu64 "\n",
			(int)t->tid, t->signals, t->overruns, t->cpu_ns, t->start_ns, t->end_ns);
	}
	fclose(f);
}

/* In a forked child: no timers were inherited, and the file is the parent's. */
static void after_fork_in_child(void)
{
	__atomic_store_n(&cfg.active, false, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void signal_floor_init(void)
{
	const char *out = getenv(SIGNAL_FLOOR_ENV_OUT), *rate = getenv(SIGNAL_FLOOR_ENV_RATE);
	const char *clock = getenv(SIGNAL_FLOOR_ENV_CLOCK);
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };

	if (!out || !*out || strlen(out) >= sizeof(cfg.out))
		return;
	strcpy(cfg.out, out);
	/* A program this one execs is not counted into the same file. */
	unsetenv(SIGNAL_FLOOR_ENV_OUT);
	cfg.rate_hz = rate ? strtod(rate, NULL) : 0;
	if (!(cfg.rate_hz >= 1 && cfg.rate_hz <= 100000))
		return;
	cfg.wall = clock && !strcmp(clock, "wall");
	if (!tb_signal_threads__real(&new_threads) || pthread_key_create(&thread_key, thread_end))
		return;
	pthread_atfork(NULL, NULL, after_fork_in_child);
	sigemptyset(&sa.sa_mask);
	if (sigaction(FLOOR_SIGNAL, &sa, NULL))
		return;
	cfg.start_ns = tb_signal__clock_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&cfg.active, true, __ATOMIC_RELEASE);
	thread_begin();
}

__attribute__((destructor)) static void signal_floor_fini(void)
{
	unsigned int n;

	if (!__atomic_load_n(&cfg.active, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&cfg.active, false, __ATOMIC_RELEASE);
	n = __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE);
	for (unsigned int i = 0; i < n && i < MAX_THREADS; i++) {
		struct thread_rec *t = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);

		if (t)
			tb_signal_timer__disarm(&t->timer);
	}
	/* Ignored, not the default: a signal already queued would otherwise end the process. */
	signal(FLOOR_SIGNAL, SIG_IGN);
	write_counts();
}
