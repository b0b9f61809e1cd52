/* tb_signal_lib.c - libtb-signal.so: a stackprof-style SIGPROF sampler preloaded into the target */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libunwind.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tb_signal.h"
#include "tb_stack.h"

/*
 * What runs where:
 *   the constructor    reads the configuration tb-signal left in the
 *                      environment, installs the SIGPROF handler, and gives
 *                      the main thread a buffer and a timer
 *   pthread_create     (interposed) does the same for every new thread,
 *                      in the thread, before its start routine
 *   the handler        async-signal-safe only: unwinds the interrupted
 *                      thread with libunwind (no caching: RELIABILITY.md's
 *                      dlopen deadlock), copies the workload's in-memory
 *                      stack when there is one, appends both to the
 *                      thread's preallocated buffer, or counts a loss
 *   the destructor     stops every timer, ignores SIGPROF (a signal still
 *                      in flight must not kill the process), and writes
 *                      the sample file (tb_signal.h)
 * Symbols are resolved later, by tb-signal, from the maps written with the
 * samples.
 */

#define MAX_THREADS 4096
#define SAMPLE_SIGNAL SIGPROF

struct thread_buf {
	pid_t tid;
	bool has_timer, ended;
	timer_t timer;
	uint64_t lost, overruns, torn, nr_samples, cpu_ns, start_ns, end_ns;
	size_t used, size;
	unsigned char *data;
	struct tb_thread_stack *slot; /* the workload's stack of this thread, once found */
};

static struct {
	bool active;
	bool wall;
	double rate_hz;
	size_t buffer_size;
	char out[PATH_MAX];
	uint64_t start_ns;
	struct tb_stack_root *root; /* the workload's, when the program has one */
	uint64_t no_buffer;
	int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
} cfg;

static struct thread_buf *threads[MAX_THREADS];
static unsigned int nr_threads;
static pthread_key_t thread_key;

static __thread struct thread_buf *self __attribute__((tls_model("initial-exec")));

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The CPU clock of any thread of this process (what pthread_getcpuclockid computes). */
static clockid_t thread_cpu_clock(pid_t tid)
{
	return (clockid_t)((~(unsigned int)tid << 3) | 6); /* CPUCLOCK_SCHED, per thread */
}

/* Finds this thread's slot in the workload's stack root (the workload fills in tids). */
static struct tb_thread_stack *find_slot(pid_t tid)
{
	struct tb_thread_stack *stacks;
	uint32_t n;

	if (!cfg.root)
		return NULL;
	stacks = (struct tb_thread_stack *)(uintptr_t)cfg.root->threads;
	n = __atomic_load_n(&cfg.root->nr_threads, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n && i < cfg.root->max_threads; i++)
		if (__atomic_load_n(&stacks[i].tid, __ATOMIC_ACQUIRE) == (uint32_t)tid)
			return &stacks[i];
	return NULL;
}

static void on_sample(int sig, siginfo_t *si, void *uc)
{
	const size_t need = sizeof(struct tb_signal_sample) + TB_SIGNAL_MAX_FRAMES * 8 +
			    TB_SIGNAL_MAX_METHODS * 4;
	struct thread_buf *b = self;
	int saved_errno = errno;
	struct tb_signal_sample *sample;
	uint64_t *ips;
	uint32_t *methods;
	unw_cursor_t cursor;

	(void)sig;
	if (!b || !__atomic_load_n(&cfg.active, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&cfg.no_buffer, 1, __ATOMIC_RELAXED);
		goto out;
	}
	if (si->si_code == SI_TIMER)
		b->overruns += (unsigned int)si->si_overrun;
	if (b->size - b->used < need) {
		b->lost++;
		goto out;
	}
	sample = (struct tb_signal_sample *)(b->data + b->used);
	ips = (uint64_t *)(sample + 1);
	*sample = (struct tb_signal_sample){ 0 };
	/* From the interrupted context, not from here: the handler's own frames are not sampled. */
	if (unw_init_local2(&cursor, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) == 0) {
		do {
			unw_word_t ip;

			if (unw_get_reg(&cursor, UNW_REG_IP, &ip) || !ip)
				break;
			ips[sample->nr_frames++] = ip;
		} while (sample->nr_frames < TB_SIGNAL_MAX_FRAMES && unw_step(&cursor) > 0);
	}
	methods = (uint32_t *)(ips + sample->nr_frames);
	if (cfg.root && !b->slot)
		b->slot = find_slot(b->tid);
	if (b->slot) {
		/* This thread is the only writer and it is stopped here: odd means mid-change. */
		const struct tb_thread_stack *st = b->slot;
		uint32_t depth =
			st->depth < TB_SIGNAL_MAX_METHODS ? st->depth : TB_SIGNAL_MAX_METHODS;

		if (st->seq & 1) {
			sample->nr_methods = 0xffff;
			b->torn++;
		} else {
			for (uint32_t d = 0; d < depth; d++)
				methods[d] = st->frames[d].method_id;
			sample->nr_methods = depth;
		}
	}
	b->used += sizeof(*sample) + sample->nr_frames * 8 +
		   (sample->nr_methods == 0xffff ? 0 : sample->nr_methods * 4);
	b->nr_samples++;
out:
	errno = saved_errno;
}

/* Gives the calling thread a buffer and starts its timer. Not from a signal handler. */
static void thread_begin(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SAMPLE_SIGNAL };
	uint64_t period = (uint64_t)(1e9 / cfg.rate_hz);
	struct itimerspec its = {
		.it_interval = { (time_t)(period / 1000000000ull), (long)(period % 1000000000ull) },
		.it_value = { (time_t)(period / 1000000000ull), (long)(period % 1000000000ull) },
	};
	struct thread_buf *b;
	unsigned int i;
	void *mem;

	mem = mmap(NULL, sizeof(*b) + cfg.buffer_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return; /* this thread's signals are counted as no_buffer */
	b = mem;
	b->data = (unsigned char *)(b + 1);
	b->size = cfg.buffer_size;
	b->tid = (pid_t)syscall(SYS_gettid);
	i = __atomic_fetch_add(&nr_threads, 1, __ATOMIC_ACQ_REL);
	if (i >= MAX_THREADS) {
		munmap(mem, sizeof(*b) + cfg.buffer_size);
		return;
	}
	b->start_ns = clock_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&threads[i], b, __ATOMIC_RELEASE);
	self = b;
	pthread_setspecific(thread_key, b);
	sev._sigev_un._tid = b->tid; /* sigev_notify_thread_id, which glibc 2.36 does not name */
	if (timer_create(cfg.wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &sev, &b->timer))
		return;
	b->has_timer = true;
	timer_settime(b->timer, 0, &its, NULL);
}

/* A thread's end (its key's destructor): its timer stops, its samples stay for the file. */
static void thread_end(void *p)
{
	struct thread_buf *b = p;

	if (b->has_timer) {
		timer_delete(b->timer);
		b->has_timer = false;
	}
	b->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	b->end_ns = clock_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&b->ended, true, __ATOMIC_RELEASE);
}

struct start_args {
	void *(*start)(void *);
	void *arg;
};

static void *thread_start(void *p)
{
	struct start_args a = *(struct start_args *)p;

	free(p);
	if (__atomic_load_n(&cfg.active, __ATOMIC_ACQUIRE))
		thread_begin();
	return a.start(a.arg);
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
	struct start_args *a;
	int err;

	if (!cfg.real_pthread_create)
		cfg.real_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
	if (!cfg.real_pthread_create)
		return EAGAIN;
	if (!__atomic_load_n(&cfg.active, __ATOMIC_ACQUIRE))
		return cfg.real_pthread_create(thread, attr, start, arg);
	a = malloc(sizeof(*a));
	if (!a)
		return EAGAIN;
	*a = (struct start_args){ start, arg };
	err = cfg.real_pthread_create(thread, attr, thread_start, a);
	if (err)
		free(a);
	return err;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies /proc/self/maps into fd; returns its length, or 0 if it could not be read. */
static uint64_t write_maps(int fd)
{
	char buf[8192];
	uint64_t total = 0;
	int in = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (in < 0)
		return 0;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write_all(fd, buf, (size_t)n))
			break;
		total += (uint64_t)n;
	}
	close(in);
	return total;
}

static void write_samples(void)
{
	struct tb_signal_file_header h = {
		.magic = TB_SIGNAL_MAGIC,
		.version = 1,
		.pid = getpid(),
		.clock = cfg.wall,
		.rate_hz = cfg.rate_hz,
		.start_ns = cfg.start_ns,
	};
	unsigned int n = __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE);
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	off_t maps_at;
	int fd;

	fd = open(cfg.out, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	h.nr_threads = n < MAX_THREADS ? n : MAX_THREADS;
	h.no_buffer = __atomic_load_n(&cfg.no_buffer, __ATOMIC_RELAXED);
	h.end_ns = now;
	if (write_all(fd, &h, sizeof(h)))
		goto out;
	for (unsigned int i = 0; i < h.nr_threads; i++) {
		struct thread_buf *b = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);
		struct tb_signal_thread_header th = { 0 };

		if (b) {
			if (!__atomic_load_n(&b->ended, __ATOMIC_ACQUIRE)) {
				b->cpu_ns = clock_ns(thread_cpu_clock(b->tid));
				b->end_ns = now;
			}
			th = (struct tb_signal_thread_header){
				.tid = b->tid,
				.nr_samples = b->nr_samples,
				.lost = b->lost,
				.overruns = b->overruns,
				.torn = b->torn,
				.cpu_ns = b->cpu_ns,
				.start_ns = b->start_ns,
				.end_ns = b->end_ns,
				.bytes = b->used,
			};
		}
		if (write_all(fd, &th, sizeof(th)) || (b && write_all(fd, b->data, b->used)))
			goto out;
	}
	maps_at = lseek(fd, 0, SEEK_CUR);
	h.maps_len = write_maps(fd);
	if (maps_at > 0 && pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		h.maps_len = 0;
out:
	close(fd);
}

/* In a forked child: no timers were inherited, and the sample file is the parent's. */
static void after_fork_in_child(void)
{
	__atomic_store_n(&cfg.active, false, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void tb_signal_init(void)
{
	const char *out = getenv(TB_SIGNAL_ENV_OUT), *rate = getenv(TB_SIGNAL_ENV_RATE);
	const char *clock = getenv(TB_SIGNAL_ENV_CLOCK), *kb = getenv(TB_SIGNAL_ENV_BUFFER);
	struct sigaction sa = { .sa_sigaction = on_sample, .sa_flags = SA_SIGINFO | SA_RESTART };

	if (!out || !*out || strlen(out) >= sizeof(cfg.out))
		return;
	strcpy(cfg.out, out);
	/* A program this one execs is not sampled into the same file. */
	unsetenv(TB_SIGNAL_ENV_OUT);
	cfg.rate_hz = rate ? strtod(rate, NULL) : 99;
	if (!(cfg.rate_hz >= 1 && cfg.rate_hz <= 100000))
		cfg.rate_hz = 99;
	cfg.wall = clock && !strcmp(clock, "wall");
	cfg.buffer_size = (kb ? strtoul(kb, NULL, 10) : 4096) * 1024;
	if (cfg.buffer_size < 4096)
		cfg.buffer_size = 4096;
	cfg.real_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
	cfg.root = dlsym(RTLD_DEFAULT, TB_STACK_ROOT_SYMBOL);
	if (cfg.root &&
	    (cfg.root->magic != TB_STACK_MAGIC || cfg.root->version != TB_STACK_VERSION))
		cfg.root = NULL;
	/* No cache: unwinding while another thread runs dlopen could deadlock on it. */
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_NONE);
	if (pthread_key_create(&thread_key, thread_end))
		return;
	pthread_atfork(NULL, NULL, after_fork_in_child);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SAMPLE_SIGNAL, &sa, NULL))
		return;
	cfg.start_ns = clock_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&cfg.active, true, __ATOMIC_RELEASE);
	thread_begin();
}

__attribute__((destructor)) static void tb_signal_fini(void)
{
	unsigned int n;

	if (!__atomic_load_n(&cfg.active, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&cfg.active, false, __ATOMIC_RELEASE);
	n = __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE);
	for (unsigned int i = 0; i < n && i < MAX_THREADS; i++) {
		struct thread_buf *b = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);

		if (b && b->has_timer) {
			timer_delete(b->timer);
			b->has_timer = false;
		}
	}
	/* Ignored, not the default: a signal already queued would otherwise end the process. */
	signal(SAMPLE_SIGNAL, SIG_IGN);
	write_samples();
}
