/* tb_signal_lib.c - libtb-signal.so: a stackprof-style SIGPROF sampler preloaded into the target */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libunwind.h>
#include <link.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <ucontext.h>
#include <time.h>
#include <unistd.h>

#include "probes.h"
#include "tb_signal.h"
#include "tb_signal_timer.h"
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

/* One stack taken on demand (dump). */
struct dump_slot {
	struct tb_signal_sample sample;
	uint64_t ips[TB_SIGNAL_MAX_FRAMES];
	uint32_t methods[TB_SIGNAL_MAX_METHODS];
	uint64_t seq; /* the request it answers; set last */
};

struct thread_buf {
	pid_t tid;
	bool ended;
	struct tb_signal_timer timer;
	struct dump_slot dump;
	uint64_t stack_lo, stack_hi; /* its stack, for checking frame pointers */
	int in_loader; /* inside dlopen, dlclose or dl_iterate_phdr: libunwind would deadlock */
	uint64_t fp_walks; /* samples taken by the frame-pointer walk for that reason */
	uint32_t trace_depth; /* trace: entry times of the calls this thread is in */
	uint64_t trace_entry_ns[TB_STACK_MAX_DEPTH];
	uint64_t lost, overruns, torn, nr_samples, cpu_ns, start_ns, end_ns;
	uint64_t first_sample_ns; /* CLOCK_MONOTONIC of its first sample kept, 0 before */
	size_t used, size;
	unsigned char *data;
	struct tb_thread_stack *slot; /* the workload's stack of this thread, once found */
};

static struct {
	bool active; /* the library runs: sampling, control, or both */
	bool sampling; /* timers and the sample file (TB_SIGNAL_OUT) */
	bool control; /* dump and trace requests (TB_SIGNAL_CONTROL) */
	uint64_t dump_seq;
	int control_pipe[2];
	tb_call_hook_fn volatile *call_hook; /* the workload's, when it has one */
	bool wall;
	double rate_hz;
	size_t buffer_size;
	char out[PATH_MAX];
	uint64_t start_ns;
	struct tb_stack_root *root; /* the workload's, when the program has one */
	uint64_t no_buffer;
} cfg;

static struct thread_buf *threads[MAX_THREADS];
static unsigned int nr_threads;
static pthread_key_t thread_key;

static __thread struct thread_buf *self __attribute__((tls_model("initial-exec")));

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

/*
 * The frame-pointer chain from the interrupted registers: each frame's saved
 * %rbp and return address above it, while they stay on this thread's stack
 * and go up it. Reads only the stack: safe anywhere. Code built without
 * frame pointers (libc) shortens or ends the chain.
 */
static void fp_walk(const struct thread_buf *b, void *uc, struct tb_signal_sample *sample,
		    uint64_t *ips)
{
	const ucontext_t *ctx = uc;
	uint64_t fp = (uint64_t)ctx->uc_mcontext.gregs[REG_RBP];

	ips[sample->nr_frames++] = (uint64_t)ctx->uc_mcontext.gregs[REG_RIP];
	while (sample->nr_frames < TB_SIGNAL_MAX_FRAMES && !(fp & 7) && fp >= b->stack_lo &&
	       fp + 16 <= b->stack_hi) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)fp;

		if (!frame[1] || frame[0] <= fp)
			break;
		ips[sample->nr_frames++] = frame[1];
		fp = frame[0];
	}
}

/*
 * The interrupted thread's stack: native frames from the signal frame's
 * registers (leaf first), and the workload's method ids (root first) when
 * the program has them. Async-signal-safe.
 */
static void take_stack(struct thread_buf *b, void *uc, struct tb_signal_sample *sample,
		       uint64_t *ips, uint32_t *methods)
{
	unw_cursor_t cursor;

	*sample = (struct tb_signal_sample){ 0 };
	/*
	 * libunwind looks up every frame's unwind table with dl_iterate_phdr,
	 * which takes the dynamic loader's lock, even with its cache off: a
	 * thread interrupted while it holds that lock (inside dlopen, dlclose or
	 * dl_iterate_phdr) would wait for itself forever. Such a thread is
	 * walked by its frame pointers instead.
	 */
	if (__atomic_load_n(&b->in_loader, __ATOMIC_RELAXED)) {
		fp_walk(b, uc, sample, ips);
		b->fp_walks++;
	} else if (unw_init_local2(&cursor, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) == 0) {
		do {
			unw_word_t ip;

			if (unw_get_reg(&cursor, UNW_REG_IP, &ip) || !ip)
				break;
			ips[sample->nr_frames++] = ip;
		} while (sample->nr_frames < TB_SIGNAL_MAX_FRAMES && unw_step(&cursor) > 0);
	}
	if (cfg.root && !b->slot)
		b->slot = find_slot(b->tid);
	if (b->slot) {
		/* This thread is the only writer and it is stopped here: odd means mid-change. */
		const struct tb_thread_stack *st = b->slot;
		uint32_t depth =
			st->depth < TB_SIGNAL_MAX_METHODS ? st->depth : TB_SIGNAL_MAX_METHODS;

		if (st->seq & 1) {
			sample->nr_methods = 0xffff;
		} else {
			for (uint32_t d = 0; d < depth; d++)
				methods[d] = st->frames[d].method_id;
			sample->nr_methods = depth;
		}
	}
}

static void on_sample(int sig, siginfo_t *si, void *uc)
{
	const size_t need = sizeof(struct tb_signal_sample) + TB_SIGNAL_MAX_FRAMES * 8 +
			    TB_SIGNAL_MAX_METHODS * 4;
	struct thread_buf *b = self;
	int saved_errno = errno;
	struct tb_signal_sample *sample;
	uint64_t *ips;

	(void)sig;
	if (!b || !__atomic_load_n(&cfg.active, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&cfg.no_buffer, 1, __ATOMIC_RELAXED);
		goto out;
	}
	/* Our own control thread asking for this thread's stack (dump): not a sample. */
	if (si->si_code == SI_TKILL && si->si_pid == getpid()) {
		uint64_t seq = __atomic_load_n(&cfg.dump_seq, __ATOMIC_ACQUIRE);

		take_stack(b, uc, &b->dump.sample, b->dump.ips, b->dump.methods);
		__atomic_store_n(&b->dump.seq, seq, __ATOMIC_RELEASE);
		goto out;
	}
	if (!cfg.sampling)
		goto out;
	if (si->si_code == SI_TIMER)
		b->overruns += (unsigned int)si->si_overrun;
	if (b->size - b->used < need) {
		b->lost++;
		goto out;
	}
	sample = (struct tb_signal_sample *)(b->data + b->used);
	ips = (uint64_t *)(sample + 1);
	take_stack(b, uc, sample, ips, (uint32_t *)(ips + TB_SIGNAL_MAX_FRAMES));
	/* The method ids were written after the largest possible frame list: move them up. */
	if (sample->nr_methods != 0xffff && sample->nr_frames < TB_SIGNAL_MAX_FRAMES)
		memmove(ips + sample->nr_frames, ips + TB_SIGNAL_MAX_FRAMES,
			sample->nr_methods * sizeof(uint32_t));
	b->torn += sample->nr_methods == 0xffff;
	b->used += sizeof(*sample) + sample->nr_frames * 8 +
		   (sample->nr_methods == 0xffff ? 0 : sample->nr_methods * 4);
	b->nr_samples++;
	if (!b->first_sample_ns) /* clock_gettime is async-signal-safe */
		b->first_sample_ns = tb_signal__clock_ns(CLOCK_MONOTONIC);
out:
	errno = saved_errno;
}

/* Gives the calling thread a buffer and starts its timer. Not from a signal handler. */
static void thread_begin(void)
{
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
	b->start_ns = tb_signal__clock_ns(CLOCK_MONOTONIC);
	{
		pthread_attr_t attr;
		size_t size;
		void *lo;

		if (!pthread_getattr_np(pthread_self(), &attr)) {
			if (!pthread_attr_getstack(&attr, &lo, &size)) {
				b->stack_lo = (uint64_t)(uintptr_t)lo;
				b->stack_hi = b->stack_lo + size;
			}
			pthread_attr_destroy(&attr);
		}
	}
	__atomic_store_n(&threads[i], b, __ATOMIC_RELEASE);
	self = b;
	pthread_setspecific(thread_key, b);
	if (!cfg.sampling)
		return; /* control only: a thread record for dumps, no timer */
	tb_signal_timer__arm(&b->timer, b->tid, SAMPLE_SIGNAL, cfg.wall, cfg.rate_hz);
}

/* A thread's end (its key's destructor): its timer stops, its samples stay for the file. */
static void thread_end(void *p)
{
	struct thread_buf *b = p;

	tb_signal_timer__disarm(&b->timer);
	b->cpu_ns = tb_signal__clock_ns(CLOCK_THREAD_CPUTIME_ID);
	b->end_ns = tb_signal__clock_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&b->ended, true, __ATOMIC_RELEASE);
}

/* New threads get their buffer and timer before their start routine runs. */
static struct tb_signal_threads new_threads = { .active = &cfg.active, .begin = thread_begin };

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
	return tb_signal_threads__create(&new_threads, thread, attr, start, arg);
}

/* ---- the dynamic loader's lock, and exits that skip the destructors -------------------------- */

/* The next definitions of what is interposed here: found once, at start, never in a handler. */
static struct {
	void *(*dlopen)(const char *, int);
	int (*dlclose)(void *);
	int (*dl_iterate_phdr)(int (*)(struct dl_phdr_info *, size_t, void *), void *);
	__attribute__((noreturn)) void (*exit)(int);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execv)(const char *, char *const[]);
	int (*execvp)(const char *, char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
	pid_t pid; /* the process the library started in */
} real;

static void find_real_functions(void)
{
	real.dlopen = dlsym(RTLD_NEXT, "dlopen");
	real.dlclose = dlsym(RTLD_NEXT, "dlclose");
	real.dl_iterate_phdr = dlsym(RTLD_NEXT, "dl_iterate_phdr");
	real.exit = dlsym(RTLD_NEXT, "_exit");
	real.execve = dlsym(RTLD_NEXT, "execve");
	real.execv = dlsym(RTLD_NEXT, "execv");
	real.execvp = dlsym(RTLD_NEXT, "execvp");
	real.execvpe = dlsym(RTLD_NEXT, "execvpe");
	real.fexecve = dlsym(RTLD_NEXT, "fexecve");
	real.execveat = dlsym(RTLD_NEXT, "execveat");
	real.pid = getpid();
}

/* Marks the calling thread as inside the dynamic loader (it may hold the loader's lock). */
static void loader_enter(int delta)
{
	struct thread_buf *b = self;

	if (b)
		__atomic_add_fetch(&b->in_loader, delta, __ATOMIC_RELAXED);
}

void *dlopen(const char *file, int mode)
{
	void *h;

	if (!real.dlopen)
		find_real_functions();
	loader_enter(1);
	h = real.dlopen(file, mode);
	loader_enter(-1);
	return h;
}

int dlclose(void *handle)
{
	int ret;

	if (!real.dlclose)
		find_real_functions();
	loader_enter(1);
	ret = real.dlclose(handle);
	loader_enter(-1);
	return ret;
}

int dl_iterate_phdr(int (*callback)(struct dl_phdr_info *, size_t, void *), void *data)
{
	int ret;

	if (!real.dl_iterate_phdr)
		find_real_functions(); /* only before the constructor: no handler runs yet */
	loader_enter(1);
	ret = real.dl_iterate_phdr(callback, data);
	loader_enter(-1);
	return ret;
}

static void tb_signal_fini(void);

/*
 * A program that ends with _exit (as dash does) runs no destructor: write the
 * samples first. Only in the process the library started in: a vfork child
 * shares its memory and must not stop its timers or write its file.
 */
void _exit(int status)
{
	if (!real.exit)
		find_real_functions();
	if (getpid() == real.pid)
		tb_signal_fini();
	real.exit(status);
}

void _Exit(int status)
{
	_exit(status);
}

/* ---- on-demand requests (rbtrace-style) ----------------------------------------------------- */

struct request {
	pid_t from;
	uid_t uid;
	int command;
};

/* The control signal: checks who sent it, and hands the request to the control thread. */
static void on_control(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	uid_t me = getuid();

	(void)sig;
	(void)uc;
	/* sigqueue() only; si_uid is the sender's real uid, set by the kernel. */
	if (si->si_code == SI_QUEUE && (si->si_uid == me || si->si_uid == 0)) {
		struct request r = { si->si_pid, si->si_uid, si->si_value.sival_int };

		/* Smaller than PIPE_BUF: written whole or not at all (a full pipe drops it). */
		if (write(cfg.control_pipe[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			__atomic_fetch_add(&cfg.no_buffer, 1, __ATOMIC_RELAXED);
	}
	errno = saved_errno;
}

/* Counts of the workload's method entries and returns while tracing. */
static struct {
	uint64_t entries, returns, total_ns;
} trace_counts[TB_STACK_MAX_DEPTH * 8];

static void on_call(enum tb_hook_event event, uint32_t method_id, uint64_t arg)
{
	struct thread_buf *b = self;
	int saved_errno = errno;

	(void)arg;
	if (method_id >= sizeof(trace_counts) / sizeof(trace_counts[0]))
		goto out;
	if (event == TB_HOOK_CALL) {
		__atomic_fetch_add(&trace_counts[method_id].entries, 1, __ATOMIC_RELAXED);
		if (b && b->trace_depth < TB_STACK_MAX_DEPTH)
			b->trace_entry_ns[b->trace_depth] = tb_signal__clock_ns(CLOCK_MONOTONIC);
		if (b)
			b->trace_depth++;
	} else {
		__atomic_fetch_add(&trace_counts[method_id].returns, 1, __ATOMIC_RELAXED);
		/* A return whose entry came before the trace started has no entry time. */
		if (b && b->trace_depth > 0 && --b->trace_depth < TB_STACK_MAX_DEPTH)
			__atomic_fetch_add(&trace_counts[method_id].total_ns,
					   tb_signal__clock_ns(CLOCK_MONOTONIC) -
						   b->trace_entry_ns[b->trace_depth],
					   __ATOMIC_RELAXED);
	}
out:
	errno = saved_errno;
}

static int write_all(int fd, const void *buf, size_t len);

/* The bytes of a thread's answer to a dump: its one sample. */
static size_t dump_bytes(const struct thread_buf *b)
{
	const struct tb_signal_sample *s = &b->dump.sample;

	return sizeof(*s) + s->nr_frames * 8 + (s->nr_methods == 0xffff ? 0 : s->nr_methods * 4);
}

/* Every thread's stack now: each is sent SIGPROF, whose handler fills its dump slot. */
static void reply_dump(int fd)
{
	struct tb_signal_file_header h = {
		.magic = TB_SIGNAL_MAGIC,
		.version = TB_SIGNAL_VERSION,
		.pid = getpid(),
		.clock = 2, /* a dump */
		.written_at = TB_SIGNAL_AT_DUMP,
		.start_ns = tb_signal__clock_ns(CLOCK_MONOTONIC),
	};
	unsigned int n = __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE);
	uint64_t seq = __atomic_add_fetch(&cfg.dump_seq, 1, __ATOMIC_ACQ_REL), give_up;
	unsigned char state[MAX_THREADS]; /* 0 not listed, 1 listed, 2 answered */
	char maps[1 << 16];
	ssize_t maps_len;
	int in;

	n = n < MAX_THREADS ? n : MAX_THREADS;
	for (unsigned int i = 0; i < n; i++) {
		struct thread_buf *b = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);

		if (b && !__atomic_load_n(&b->ended, __ATOMIC_ACQUIRE))
			syscall(SYS_tgkill, getpid(), b->tid, SAMPLE_SIGNAL);
	}
	/* A thread that does not answer within 200 ms (signals blocked) is reported empty. */
	give_up = tb_signal__clock_ns(CLOCK_MONOTONIC) + 200000000ull;
	for (unsigned int i = 0; i < n; i++) {
		struct thread_buf *b = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);

		while (b && !__atomic_load_n(&b->ended, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&b->dump.seq, __ATOMIC_ACQUIRE) != seq &&
		       tb_signal__clock_ns(CLOCK_MONOTONIC) < give_up)
			nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
	in = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	maps_len = in >= 0 ? read(in, maps, sizeof(maps)) : -1;
	if (in >= 0)
		close(in);
	h.maps_len = maps_len > 0 ? (uint64_t)maps_len : 0;
	h.end_ns = tb_signal__clock_ns(CLOCK_MONOTONIC);
	/*
	 * Which threads are listed and which answered, decided once: the header
	 * gives their number and the reply's length before they are written,
	 * and a thread may end or answer late meanwhile.
	 */
	h.len = sizeof(h) + h.maps_len;
	for (unsigned int i = 0; i < n; i++) {
		struct thread_buf *b = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);

		if (!b || __atomic_load_n(&b->ended, __ATOMIC_ACQUIRE))
			state[i] = 0;
		else
			state[i] = __atomic_load_n(&b->dump.seq, __ATOMIC_ACQUIRE) == seq ? 2 : 1;
		h.nr_threads += state[i] != 0;
		h.len += state[i] ? sizeof(struct tb_signal_thread_header) : 0;
		h.len += state[i] == 2 ? dump_bytes(b) : 0;
	}
	if (write_all(fd, &h, sizeof(h)))
		return;
	for (unsigned int i = 0; i < n; i++) {
		struct thread_buf *b = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);
		bool answered = state[i] == 2;

		if (!state[i])
			continue;
		struct tb_signal_thread_header th = {
			.tid = b->tid,
			.nr_samples = answered,
			.lost = !answered,
			.bytes = answered ? dump_bytes(b) : 0,
		};
		if (write_all(fd, &th, sizeof(th)))
			return;
		if (answered && (write_all(fd, &b->dump.sample, sizeof(b->dump.sample)) ||
				 write_all(fd, b->dump.ips, b->dump.sample.nr_frames * 8) ||
				 (b->dump.sample.nr_methods != 0xffff &&
				  write_all(fd, b->dump.methods, b->dump.sample.nr_methods * 4))))
			return;
	}
	if (h.maps_len)
		write_all(fd, maps, h.maps_len);
}

/* Starts or stops counting method entries and returns through the workload's hook. */
static void reply_trace(int fd, bool start)
{
	char line[128];
	int len;

	if (!cfg.call_hook) {
		write_all(fd, "error: this program has no tb_call_hook\n", 40);
		return;
	}
	if (start) {
		memset(trace_counts, 0, sizeof(trace_counts));
		*cfg.call_hook = on_call;
		write_all(fd, TB_SIGNAL_TRACE_REPLY "started\n",
			  sizeof(TB_SIGNAL_TRACE_REPLY "started\n") - 1);
		return;
	}
	*cfg.call_hook = NULL;
	/* A call that read the pointer just before finishes its hook in moments. */
	nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	write_all(fd, TB_SIGNAL_TRACE_REPLY, sizeof(TB_SIGNAL_TRACE_REPLY) - 1);
	for (unsigned int m = 0; cfg.root && m < cfg.root->nr_methods &&
				 m < sizeof(trace_counts) / sizeof(trace_counts[0]);
	     m++) {
		const char *const *names = (const char *const *)(uintptr_t)cfg.root->method_names;

		len = snprintf(line, sizeof(line), "%s %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			       names[m], trace_counts[m].entries, trace_counts[m].returns,
			       trace_counts[m].total_ns);
		if (len > 0 && write_all(fd, line, (size_t)len))
			return;
	}
}

/*
 * Answers one request: connects to the requester's socket, checks that the
 * listener is the process that sent the signal (same pid and uid), and
 * writes the reply there.
 */
static void answer(const struct request *r)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	int fd, len;

	len = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, TB_SIGNAL_REPLY_FMT,
		       (int)r->from);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&addr,
		    offsetof(struct sockaddr_un, sun_path) + 1 + len) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) || cred.pid != r->from ||
	    cred.uid != r->uid) {
		close(fd);
		return; /* not the requester listening there: nothing is said */
	}
	switch (r->command) {
	case TB_SIGNAL_DUMP:
		reply_dump(fd);
		break;
	case TB_SIGNAL_TRACE_START:
	case TB_SIGNAL_TRACE_STOP:
		reply_trace(fd, r->command == TB_SIGNAL_TRACE_START);
		break;
	}
	close(fd);
}

/* Waits for requests; no timer, every signal blocked: it is never sampled or interrupted. */
static void *control_thread(void *arg)
{
	struct request r;
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		ssize_t n = read(cfg.control_pipe[0], &r, sizeof(r));

		if (n == (ssize_t)sizeof(r))
			answer(&r);
		else if (n < 0 && errno != EINTR)
			return NULL;
	}
}

static void start_control(void)
{
	struct sigaction sa = { .sa_sigaction = on_control, .sa_flags = SA_SIGINFO | SA_RESTART };
	pthread_attr_t attr;
	pthread_t t;

	if (pipe2(cfg.control_pipe, O_CLOEXEC | O_NONBLOCK))
		return;
	/* Blocking reads for the control thread; the handler's writes stay non-blocking. */
	fcntl(cfg.control_pipe[0], F_SETFL, 0);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (tb_signal_threads__real(&new_threads)(&t, &attr, control_thread, NULL))
		return;
	pthread_setname_np(t, "tb-signal-ctl"); /* the library's own: not in dumps */
	pthread_attr_destroy(&attr);
	sigemptyset(&sa.sa_mask);
	sigaction(TB_SIGNAL_CONTROL_SIGNAL, &sa, NULL);
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

/* Copies /proc/self/maps into fd, *len bytes. Returns 0, or -1 if fd could not take them. */
static int write_maps(int fd, uint64_t *len)
{
	char buf[8192];
	int in = open("/proc/self/maps", O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	*len = 0;
	if (in < 0)
		return 0; /* no maps: the samples stay, unnamed */
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		err = write_all(fd, buf, (size_t)n);
		if (err)
			break;
		*len += (uint64_t)n;
	}
	close(in);
	return err;
}

/*
 * Appends this image's record to the sample file fd (tb_signal.h): the
 * header with len 0, every thread's samples, the maps, the executable's
 * path, then the header again with the lengths; a write that fails leaves
 * len 0, which tb-signal reads as a record cut short. Async-signal-safe
 * system calls only. Returns where the record begins, or -1 if the file's
 * end could not be found (nothing written).
 */
static off_t write_samples(int fd, uint32_t written_at)
{
	struct tb_signal_file_header h = {
		.magic = TB_SIGNAL_MAGIC,
		.version = TB_SIGNAL_VERSION,
		.pid = getpid(),
		.clock = cfg.wall,
		.rate_hz = cfg.rate_hz,
		.start_ns = cfg.start_ns,
		.written_at = written_at,
	};
	unsigned int n = __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE);
	uint64_t now = tb_signal__clock_ns(CLOCK_MONOTONIC);
	char exe[PATH_MAX];
	ssize_t exe_len;
	off_t at = lseek(fd, 0, SEEK_END), end;

	if (at < 0)
		return -1;
	h.nr_threads = n < MAX_THREADS ? n : MAX_THREADS;
	h.no_buffer = __atomic_load_n(&cfg.no_buffer, __ATOMIC_RELAXED);
	h.end_ns = now;
	if (write_all(fd, &h, sizeof(h)))
		return at;
	for (unsigned int i = 0; i < h.nr_threads; i++) {
		struct thread_buf *b = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);
		struct tb_signal_thread_header th = { 0 };

		if (b) {
			if (!__atomic_load_n(&b->ended, __ATOMIC_ACQUIRE)) {
				b->cpu_ns =
					tb_signal__clock_ns(tb_signal__thread_cpu_clock(b->tid));
				b->end_ns = now;
			}
			th = (struct tb_signal_thread_header){
				.tid = b->tid,
				.fp_walks = (uint32_t)b->fp_walks,
				.nr_samples = b->nr_samples,
				.lost = b->lost,
				.overruns = b->overruns,
				.torn = b->torn,
				.cpu_ns = b->cpu_ns,
				.start_ns = b->start_ns,
				.end_ns = b->end_ns,
				.first_sample_ns = b->first_sample_ns,
				.bytes = b->used,
			};
		}
		if (write_all(fd, &th, sizeof(th)) || (b && write_all(fd, b->data, b->used)))
			return at;
	}
	if (write_maps(fd, &h.maps_len))
		return at;
	exe_len = readlink("/proc/self/exe", exe, sizeof(exe));
	if (exe_len > 0 && !write_all(fd, exe, (size_t)exe_len))
		h.exe_len = (uint32_t)exe_len;
	else if (exe_len > 0)
		return at;
	end = lseek(fd, 0, SEEK_CUR);
	h.len = end > at ? (uint64_t)(end - at) : 0;
	/* Last: a record whose len stays 0 reads as cut short. */
	if (h.len && pwrite(fd, &h, sizeof(h), at) != (ssize_t)sizeof(h))
		h.len = 0;
	return at;
}

/* Stops every thread's timer. */
static void stop_timers(void)
{
	unsigned int n = __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE);

	for (unsigned int i = 0; i < n && i < MAX_THREADS; i++) {
		struct thread_buf *b = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);

		if (b)
			tb_signal_timer__disarm(&b->timer);
	}
}

/* ---- exec: the image's samples appended before it is replaced ------------------------------ */

/*
 * execve replaces the image without running its exit handlers: its samples,
 * in its memory, would go with it. So every exec function of libc is
 * wrapped (libc's own call the kernel from inside, past any interposition):
 * the image's record is appended to the sample file first, and the program
 * exec'd, which keeps the pid and the environment (and so LD_PRELOAD and
 * TB_SIGNAL_OUT), appends its own. The SIGPROF handler stays: a signal still
 * on its way is taken by it, and execve resets it to the default only once
 * every timer is gone with the old image. posix_spawn, system and popen run
 * the program in a new process: they are not wrapped. If the exec fails,
 * the record is taken back (the file cut to where it began) and the timers
 * armed again, so that the record written at the end holds every sample
 * once.
 */
static struct {
	int fd; /* the sample file, open (close-on-exec) while an exec is tried */
	off_t at; /* where the record written for it begins */
} exec_try = { .fd = -1 };

/* Before an exec: returns whether this image stopped and wrote its samples. */
static bool exec_begin(void)
{
	bool active = true;
	int fd;

	if (!real.execve)
		find_real_functions();
	/* A vfork child shares this memory but is another process: it leaves it alone. */
	if (getpid() != real.pid || !cfg.sampling ||
	    !__atomic_compare_exchange_n(&cfg.active, &active, false, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	stop_timers();
	fd = open(cfg.out, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	exec_try.fd = fd;
	exec_try.at = fd >= 0 ? write_samples(fd, TB_SIGNAL_AT_EXEC) : -1;
	return true;
}

/* After an exec that failed (it returned): sampling as before, errno kept. */
static void exec_failed(bool began)
{
	int saved_errno = errno;
	unsigned int n = __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE);
	bool reset = false;

	if (!began)
		return;
	if (exec_try.fd >= 0) {
		/* Not taken back: the samples written stay there, and start again from none. */
		reset = exec_try.at >= 0 && ftruncate(exec_try.fd, exec_try.at);
		close(exec_try.fd);
		exec_try.fd = -1;
	}
	for (unsigned int i = 0; i < n && i < MAX_THREADS; i++) {
		struct thread_buf *b = __atomic_load_n(&threads[i], __ATOMIC_ACQUIRE);

		if (!b)
			continue;
		if (reset) {
			b->used = 0;
			b->nr_samples = b->lost = b->overruns = b->torn = b->fp_walks = 0;
		}
		if (!__atomic_load_n(&b->ended, __ATOMIC_ACQUIRE))
			tb_signal_timer__arm(&b->timer, b->tid, SAMPLE_SIGNAL, cfg.wall,
					     cfg.rate_hz);
	}
	if (reset)
		__atomic_store_n(&cfg.no_buffer, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&cfg.active, true, __ATOMIC_RELEASE);
	errno = saved_errno;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	bool began = exec_begin();
	int ret = real.execve(path, argv, envp);

	exec_failed(began);
	return ret;
}

int execv(const char *path, char *const argv[])
{
	bool began = exec_begin();
	int ret = real.execv(path, argv);

	exec_failed(began);
	return ret;
}

int execvp(const char *file, char *const argv[])
{
	bool began = exec_begin();
	int ret = real.execvp(file, argv);

	exec_failed(began);
	return ret;
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	bool began = exec_begin();
	int ret = real.execvpe(file, argv, envp);

	exec_failed(began);
	return ret;
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	bool began = exec_begin();
	int ret = real.fexecve(fd, argv, envp);

	exec_failed(began);
	return ret;
}

int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	bool began = exec_begin();
	int ret = real.execveat ? real.execveat(dirfd, path, argv, envp, flags)
				: (int)syscall(SYS_execveat, dirfd, path, argv, envp, flags);

	exec_failed(began);
	return ret;
}

/* Which exec function an execl-style call becomes. */
enum exec_list_kind { EXEC_LIST_V, EXEC_LIST_VP, EXEC_LIST_VE };

/* How many arguments an execl-style call has: arg and those in ap before the NULL. */
static size_t exec_list_length(const char *arg, va_list ap)
{
	size_t n = 0;

	for (const char *a = arg; a; a = va_arg(ap, const char *))
		n++;
	return n;
}

/*
 * An execl-style call of n arguments (arg, then ap up to the NULL, then for
 * execle the environment): its argv on the stack (no malloc: this may be a
 * vfork child), then execv, execvp or execve, wrapped above.
 */
static int exec_list(enum exec_list_kind kind, const char *file, const char *arg, size_t n,
		     va_list ap)
{
	char *argv[n + 1];

	argv[0] = (char *)arg;
	for (size_t i = 1; i <= n; i++)
		argv[i] = va_arg(ap, char *); /* the last one read is the NULL */
	switch (kind) {
	case EXEC_LIST_VP:
		return execvp(file, argv);
	case EXEC_LIST_VE:
		return execve(file, argv, va_arg(ap, char *const *));
	default:
		return execv(file, argv);
	}
}

/* The body of an execl-style wrapper: its argument list counted, then passed on as KIND. */
#define EXEC_LIST(kind, file, arg)                       \
	({                                               \
		va_list ap;                              \
		size_t n;                                \
		int ret;                                 \
                                                         \
		va_start(ap, arg);                       \
		n = exec_list_length(arg, ap);           \
		va_end(ap);                              \
		va_start(ap, arg);                       \
		ret = exec_list(kind, file, arg, n, ap); \
		va_end(ap);                              \
		ret;                                     \
	})

int execl(const char *path, const char *arg, ...)
{
	return EXEC_LIST(EXEC_LIST_V, path, arg);
}

int execlp(const char *file, const char *arg, ...)
{
	return EXEC_LIST(EXEC_LIST_VP, file, arg);
}

/* execle(path, arg, ..., NULL, envp): the environment follows the NULL. */
int execle(const char *path, const char *arg, ...)
{
	return EXEC_LIST(EXEC_LIST_VE, path, arg);
}

/* In a forked child: no timers were inherited, and the sample file is the parent's. */
static void after_fork_in_child(void)
{
	__atomic_store_n(&cfg.active, false, __ATOMIC_RELEASE);
	/* Nor its control thread: a request to the child is ignored, as without the library. */
	if (cfg.control)
		signal(TB_SIGNAL_CONTROL_SIGNAL, SIG_DFL);
}

__attribute__((constructor)) static void tb_signal_init(void)
{
	const char *out = getenv(TB_SIGNAL_ENV_OUT), *rate = getenv(TB_SIGNAL_ENV_RATE);
	const char *clock = getenv(TB_SIGNAL_ENV_CLOCK), *kb = getenv(TB_SIGNAL_ENV_BUFFER);
	const char *control = getenv(TB_SIGNAL_ENV_CONTROL);
	struct sigaction sa = { .sa_sigaction = on_sample, .sa_flags = SA_SIGINFO | SA_RESTART };

	const char *parent = getenv(TB_SIGNAL_ENV_PARENT);
	char num[32];

	/* Now, not later in an exec wrapper: a vfork child must not look symbols up. */
	find_real_functions();
	cfg.sampling = out && *out && strlen(out) < sizeof(cfg.out);
	cfg.control = control && !strcmp(control, "1");
	/*
	 * Only the command tb-signal started, and the programs it execs (each
	 * keeps its pid and parent, and appends its own record to the sample
	 * file): its children inherit the environment, and must neither write
	 * the sample file nor answer requests. Without TB_SIGNAL_PARENT (the
	 * library preloaded by hand) the parent is this process's, from now on.
	 */
	if (parent && getppid() != (pid_t)strtol(parent, NULL, 10))
		cfg.sampling = cfg.control = false;
	if (!cfg.sampling && !cfg.control)
		return;
	if (!parent) {
		snprintf(num, sizeof(num), "%d", (int)getppid());
		setenv(TB_SIGNAL_ENV_PARENT, num, 1);
	}
	if (cfg.sampling)
		strcpy(cfg.out, out);
	cfg.rate_hz = rate ? strtod(rate, NULL) : 99;
	if (!(cfg.rate_hz >= 1 && cfg.rate_hz <= 100000))
		cfg.rate_hz = 99;
	cfg.wall = clock && !strcmp(clock, "wall");
	cfg.buffer_size = cfg.sampling ? (kb ? strtoul(kb, NULL, 10) : 4096) * 1024 : 0;
	if (cfg.sampling && cfg.buffer_size < 4096)
		cfg.buffer_size = 4096;
	cfg.root = dlsym(RTLD_DEFAULT, TB_STACK_ROOT_SYMBOL);
	if (cfg.root &&
	    (cfg.root->magic != TB_STACK_MAGIC || cfg.root->version != TB_STACK_VERSION))
		cfg.root = NULL;
	cfg.call_hook = dlsym(RTLD_DEFAULT, "tb_call_hook");
	/* No cache: unwinding while another thread runs dlopen could deadlock on it. */
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_NONE);
	if (!tb_signal_threads__real(&new_threads) || pthread_key_create(&thread_key, thread_end))
		return;
	pthread_atfork(NULL, NULL, after_fork_in_child);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SAMPLE_SIGNAL, &sa, NULL))
		return;
	cfg.start_ns = tb_signal__clock_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&cfg.active, true, __ATOMIC_RELEASE);
	thread_begin();
	if (cfg.control)
		start_control();
}

__attribute__((destructor)) static void tb_signal_fini(void)
{
	bool active = true;
	int fd;

	/* Once, and not while an exec is being tried (its record is written). */
	if (!__atomic_compare_exchange_n(&cfg.active, &active, false, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	stop_timers();
	/* Ignored, not the default: a signal already queued would otherwise end the process. */
	signal(SAMPLE_SIGNAL, SIG_IGN);
	if (!cfg.sampling)
		return;
	fd = open(cfg.out, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		write_samples(fd, TB_SIGNAL_AT_EXIT);
		close(fd);
	}
}
