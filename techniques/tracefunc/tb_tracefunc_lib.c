/* tb_tracefunc_lib.c - libtb-tracefunc.so: per-call hooks that count, time or log every call */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "probes.h"
#include "tb_stack.h"
#include "tb_elf.h"
#include "tb_tracefunc.h"

/*
 * Two kinds of hook feed the same recorder:
 *
 *   __cyg_profile_func_enter/exit  which GCC and clang call at the entry and
 *                                  exit of every function compiled with
 *                                  -finstrument-functions; this library
 *                                  replaces them by symbol interposition.
 *   tb_call_hook                   the workload's TracePoint-style pointer,
 *                                  which the constructor sets (hook method).
 *
 * Rules from ../../../shared/RELIABILITY.md: records go straight into files
 * mapped MAP_SHARED (nothing to lose at a crash or _exit); a fork starts a new
 * image in the child (pthread_atfork), so the child's calls are its own; no
 * function here is instrumented, and a per-thread flag turns a hook called
 * from inside the hook (a signal handler, an instrumented function the hook
 * reached) into a counted skip; each thread's state is closed when the thread
 * ends. The hot paths touch no errno; the slow ones restore it.
 */

#define NOHOOK __attribute__((no_instrument_function))
#define HOT __attribute__((no_instrument_function, always_inline)) inline
/* Slow paths, kept out of the hooks so that the hot path needs few registers. */
#define COLD __attribute__((no_instrument_function, noinline, cold))
#define EXPORT __attribute__((visibility("default"), no_instrument_function))
#define unlikely(x) __builtin_expect(!!(x), 0)

#define INDEX_SLOTS (2 * TB_TF_MAX_FUNCTIONS) /* a power of two, at most half full */
#define LOG_CHUNK (2u << 20) /* log files grow by this much */
#define DEFAULT_BUFFER_KB (256u << 10)
#define METHOD_KEY (1ULL << 63) /* hook method: key = METHOD_KEY | method id */
#define FORGOTTEN_KEY 1 /* an index slot whose function was unloaded: never an address */
#define CLOCK_SHIFT 32

struct call {
	uint32_t id;
	uint64_t start;
};

struct thread_state {
	struct tb_tf_thread *hdr; /* the file's first page */
	char *data; /* reserved for limit bytes; mapped bytes of them backed by the file */
	uint64_t mapped, limit, reserved; /* limit: 0 < reserved once the file cannot grow */
	/* Log: record head goes to ring[head & mask]; at limit_head, look for room. */
	uint64_t *ring;
	uint64_t head, limit_head, mask;
	uint64_t time_high; /* high bits of the last time base written */
	char path[PATH_MAX]; /* the thread's file, opened again to grow it */
	pid_t tid;
	unsigned int depth; /* latency: enabled calls open, even past TB_TF_MAX_DEPTH */
	unsigned int end_passes; /* pthread key destructor rounds seen */
	struct thread_state *next;
	struct call stack[TB_TF_MAX_DEPTH];
};

static struct {
	enum tb_tf_mode mode;
	enum tb_tf_hook hook;
	bool on; /* the hooks record (set once at start) */
	struct tb_tf_image *image; /* made at the first call, so programs that never call a hook
				      (a shell, taskset) leave no files */
	uint64_t tsc0, ns0, mult; /* the clock, see struct tb_tf_image */
	bool use_tsc;
	bool filtering;
	/* Sized so that every file name below them fits in PATH_MAX. */
	char root[PATH_MAX - 96]; /* TB_TRACEFUNC_DIR */
	char dir[PATH_MAX - 64]; /* this image's directory */
	uint64_t buffer_bytes; /* log: the growing buffer's limit, or the ring's size */
	bool ring; /* log: tb-tracefunc drains a ring */
	char *patterns[64];
	unsigned int nr_patterns;
	const char *const *method_names;
	uint32_t nr_methods;
	pthread_key_t key;
	uint64_t nr_functions_at_fork; /* the table as the forking thread left it */
	unsigned int nr_index; /* index slots in use (under lock) */
	struct thread_state *threads; /* every live state, under lock */
	/* The function index: key -> dense id, written under lock, read without. */
	struct {
		uint64_t key; /* 0: empty */
		uint32_t id;
		uint32_t filtered_out; /* a copy of the function's flag, in the same cache line */
	} index[INDEX_SLOTS];
	struct tb_elf *elves[TB_TF_MAX_MODULES]; /* opened only to match the filter */
	bool announce; /* not run by tb-tracefunc: say where the records are */
	uint64_t early_lost; /* hook calls skipped while the image's files were being made */
} tf;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The hook is running in this thread. Initial-exec: a load, no call to __tls_get_addr. */
static __thread int busy __attribute__((tls_model("initial-exec")));
static __thread struct thread_state *self __attribute__((tls_model("initial-exec")));
/* self after the thread's state was closed (thread exit): calls are counted lost. */
#define CLOSED ((struct thread_state *)1)
/* self when the thread's file could not be made: calls are counted lost, not retried. */
#define NO_FILE ((struct thread_state *)2)
#define NO_STATE(st) ((uintptr_t)(st) <= (uintptr_t)NO_FILE)

/* ---- clock -------------------------------------------------------------------------------- */

static NOHOOK uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static HOT uint64_t stamp(void)
{
	return tf.use_tsc ? __rdtsc() : mono_ns();
}

static HOT uint64_t stamp_to_ns(uint64_t delta)
{
	return tf.use_tsc ? (uint64_t)(((unsigned __int128)delta * tf.mult) >> CLOCK_SHIFT) : delta;
}

/*
 * The TSC when it ticks at one rate whatever the CPU does (CPUID invariant
 * TSC): 13 ns here against 28 for clock_gettime. Its rate is measured against
 * CLOCK_MONOTONIC over 2 ms at start.
 */
static NOHOOK void clock_init(void)
{
	unsigned int a, b, c, d;
	uint64_t t1, n1;

	tf.use_tsc = tf.mode != TB_TF_MODE_COUNT && __get_cpuid(0x80000007, &a, &b, &c, &d) &&
		     (d & (1u << 8));
	tf.ns0 = mono_ns();
	tf.tsc0 = tf.use_tsc ? __rdtsc() : tf.ns0;
	tf.mult = 0;
	if (!tf.use_tsc)
		return;
	do
		n1 = mono_ns();
	while (n1 - tf.ns0 < 2000000);
	t1 = __rdtsc();
	if (t1 <= tf.tsc0) {
		tf.use_tsc = false;
		tf.tsc0 = tf.ns0;
		return;
	}
	tf.mult = (uint64_t)(((unsigned __int128)(n1 - tf.ns0) << CLOCK_SHIFT) / (t1 - tf.tsc0));
}

/* ---- files -------------------------------------------------------------------------------- */

/*
 * Extends fd to offset + len with its blocks allocated, so that a full tmpfs
 * fails here and never as a SIGBUS in the program later, and maps that part
 * at addr (anywhere if NULL), populated. Returns the mapping or NULL with
 * errno set.
 */
static NOHOOK void *map_more(int fd, void *addr, uint64_t offset, uint64_t len)
{
	void *p;

	if (fallocate(fd, 0, (off_t)offset, (off_t)len))
		return NULL;
	p = mmap(addr, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE | (addr ? MAP_FIXED : 0), fd, (off_t)offset);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * Opens one of the library's files. The descriptors are the program's: the
 * library keeps none open (a program may close every descriptor and reuse
 * the number for a file of its own, which the library would then write
 * into), and never takes 0, 1 or 2 even for a moment's use (a program that
 * closed its stdout would print into the record). Returns fd or -1 (errno).
 */
static NOHOOK int open_private(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600), high, err;

	if (fd < 0 || fd > 2)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	err = errno;
	close(fd);
	errno = err;
	return high;
}

/* The directory of a new image: ROOT/PID, or ROOT/PID.N after an exec reused the pid. */
static NOHOOK int image_dir(pid_t pid)
{
	for (int n = 0; n < 1000; n++) {
		if (n)
			snprintf(tf.dir, sizeof(tf.dir), "%s/%d.%d", tf.root, (int)pid, n);
		else
			snprintf(tf.dir, sizeof(tf.dir), "%s/%d", tf.root, (int)pid);
		if (!mkdir(tf.dir, 0700))
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/*
 * Creates this image's function file. With from, the image forked from: its
 * modules and functions are copied, so ids stay valid in the child.
 */
static NOHOOK struct tb_tf_image *image_create(const struct tb_tf_image *from, void *at)
{
	struct tb_tf_image *im = NULL;
	char path[PATH_MAX + 16];
	int fd, err;

	if ((err = image_dir(getpid()))) {
		errno = -err;
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/functions", tf.dir);
	fd = open_private(path, O_RDWR | O_CREAT | O_EXCL);
	if (fd >= 0 && (!from || write(fd, from, sizeof(*from)) == (ssize_t)sizeof(*from)))
		im = map_more(fd, NULL, 0, sizeof(*im));
	err = errno;
	if (fd >= 0)
		close(fd);
	/* The child's copy takes the place of the parent's mapping in one step. */
	if (im && at &&
	    mremap(im, sizeof(*im), sizeof(*im), MREMAP_MAYMOVE | MREMAP_FIXED, at) == MAP_FAILED) {
		err = errno;
		munmap(im, sizeof(*im));
		im = NULL;
	}
	if (!im) {
		/* Nothing half made is left for the report to trip on. */
		unlink(path);
		rmdir(tf.dir);
		errno = err;
		return NULL;
	}
	im = at ? at : im;
	if (from) {
		im->parent_pid = from->pid;
		im->lost_table_full = im->lost_no_thread = im->lost_after_exit = 0;
	}
	im->pid = getpid();
	im->state = TB_TF_RUNNING;
	return im;
}

/* ---- threads ------------------------------------------------------------------------------ */

static NOHOOK uint64_t data_limit(void)
{
	switch (tf.mode) {
	case TB_TF_MODE_COUNT:
		return TB_TF_MAX_FUNCTIONS * sizeof(uint64_t);
	case TB_TF_MODE_LATENCY:
		return TB_TF_MAX_FUNCTIONS * sizeof(struct tb_tf_latency);
	default:
		return tf.buffer_bytes;
	}
}

/* Grows the thread's data to hold at least want bytes. Returns 0 or -errno. */
static COLD int thread_grow(struct thread_state *st, uint64_t want)
{
	uint64_t step = tf.mode == TB_TF_MODE_LOG ? LOG_CHUNK : 4096 * 3, len;
	int saved = errno, err;

	len = (want + step - 1) / step * step;
	if (len < st->mapped + step)
		len = st->mapped + step;
	if (len > st->limit)
		len = st->limit;
	if (len <= st->mapped)
		err = -ENOBUFS;
	else {
		int fd = open_private(st->path, O_RDWR);

		err = fd >= 0 && map_more(fd, st->data + st->mapped, TB_TF_DATA_OFFSET + st->mapped,
					  len - st->mapped)
			      ? 0
			      : -errno;
		if (fd >= 0)
			close(fd);
	}
	if (!err) {
		st->mapped = len;
		st->hdr->data_bytes = len;
		if (!tf.ring)
			st->limit_head = len / sizeof(uint64_t);
	} else {
		st->limit = st->mapped; /* no room on the file system: stop trying */
	}
	errno = saved;
	return err;
}

/* Opens the thread's file in the current image. Returns 0 or -errno. */
static NOHOOK int thread_open(struct thread_state *st)
{
	void *hdr;
	int fd = -1, err;

	/* A thread id used again in one image (threads come and go) gets thread.TID.N. */
	for (int n = 0; n < 100 && fd < 0; n++) {
		if (n)
			snprintf(st->path, sizeof(st->path), "%s/thread.%d.%d", tf.dir,
				 (int)st->tid, n);
		else
			snprintf(st->path, sizeof(st->path), "%s/thread.%d", tf.dir, (int)st->tid);
		fd = open_private(st->path, O_RDWR | O_CREAT | O_EXCL);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	hdr = map_more(fd, NULL, 0, TB_TF_DATA_OFFSET);
	err = errno;
	close(fd);
	st->limit = st->reserved = data_limit();
	/* Address space for the whole limit, so the data stays contiguous as the file grows. */
	st->data = mmap(NULL, st->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			-1, 0);
	if (!hdr || st->data == MAP_FAILED) {
		err = hdr ? errno : err;
		if (hdr)
			munmap(hdr, TB_TF_DATA_OFFSET);
		if (st->data != MAP_FAILED)
			munmap(st->data, st->reserved);
		unlink(st->path); /* nothing half made is left for the report to trip on */
		return -err;
	}
	st->hdr = hdr;
	st->mapped = 0;
	st->ring = (uint64_t *)st->data;
	st->head = st->limit_head = 0;
	st->mask = tf.ring ? st->limit / sizeof(uint64_t) - 1 : UINT64_MAX;
	st->time_high = UINT64_MAX;
	st->hdr->magic = TB_TF_THREAD_MAGIC;
	st->hdr->version = TB_TF_VERSION;
	st->hdr->mode = tf.mode;
	st->hdr->tid = st->tid;
	st->hdr->state = TB_TF_RUNNING;
	st->hdr->opened_ns = mono_ns();
	if (tf.mode == TB_TF_MODE_LOG && tf.ring) {
		/* All of the ring now: the hook never waits for a page. */
		if (thread_grow(st, st->limit))
			st->mask = 0;
		st->hdr->ring_records = st->limit / sizeof(uint64_t);
		st->limit_head = st->mapped / sizeof(uint64_t);
	} else {
		thread_grow(st, 1); /* a first chunk; a failure is counted at the first record */
	}
	return 0;
}

static NOHOOK void thread_unmap(struct thread_state *st)
{
	munmap(st->data, st->reserved);
	munmap(st->hdr, TB_TF_DATA_OFFSET);
}

/* The calling thread's state, made at its first call. NULL: counted lost. */
static COLD struct thread_state *thread_start(void)
{
	struct thread_state *st;
	int saved = errno;

	if (self == CLOSED) {
		__atomic_fetch_add(&tf.image->lost_after_exit, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	if (self == NO_FILE)
		goto fail;
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		goto fail;
	st->tid = gettid();
	if (thread_open(st)) {
		munmap(st, sizeof(*st));
		self = NO_FILE; /* once: trying again at every call would cost the program */
		goto fail;
	}
	pthread_mutex_lock(&lock);
	st->next = tf.threads;
	tf.threads = st;
	pthread_mutex_unlock(&lock);
	pthread_setspecific(tf.key, st); /* its destructor closes the state at thread exit */
	self = st;
	errno = saved;
	return st;
fail:
	__atomic_fetch_add(&tf.image->lost_no_thread, 1, __ATOMIC_RELAXED);
	errno = saved;
	return NULL;
}

/* Thread exit (pthread key destructor): the state is closed, the file stays. */
static NOHOOK void thread_end(void *arg)
{
	struct thread_state *st = arg, **p;

	/*
	 * Keys are destroyed in the order they were made, ours (made at load) first.
	 * Setting it again asks for another round, so the program's own key
	 * destructors run while the state is still open, and their calls are recorded.
	 */
	if (!st->end_passes++) {
		pthread_setspecific(tf.key, st);
		return;
	}
	/* A signal handler's calls from here on are counted (busy, then CLOSED), not recorded,
	 * and never wait for the lock this thread is about to hold. */
	busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* Latency: calls still open now never return (pthread_exit, a cancelled thread). */
	st->hdr->unmatched += st->depth < TB_TF_MAX_DEPTH ? st->depth : TB_TF_MAX_DEPTH;
	pthread_mutex_lock(&lock);
	for (p = &tf.threads; *p && *p != st; p = &(*p)->next)
		;
	if (*p)
		*p = st->next;
	pthread_mutex_unlock(&lock);
	self = CLOSED;
	/* After the thread's last record: tb-tracefunc reads the state, then the ring's head. */
	__atomic_store_n(&st->hdr->state, TB_TF_EXITED, __ATOMIC_RELEASE);
	thread_unmap(st);
	munmap(st, sizeof(*st));
	busy = 0;
}

/* ---- the function table ------------------------------------------------------------------- */

struct module_search {
	uint64_t address, bias;
	const char *name;
	bool found;
};

static NOHOOK int module_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct module_search *s = arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && s->address >= start &&
		    s->address < start + ph->p_memsz) {
			s->bias = info->dlpi_addr;
			s->name = info->dlpi_name;
			s->found = true;
			return 1;
		}
	}
	return 0;
}

/* The module index of address, registered on first sight. UINT32_MAX if in none. */
static NOHOOK uint32_t module_index(uint64_t address)
{
	struct tb_tf_image *im = tf.image;
	struct module_search s = { .address = address };
	const char *path;
	uint32_t i;

	dl_iterate_phdr(module_of, &s);
	if (!s.found)
		return UINT32_MAX;
	path = s.name && *s.name ? s.name : im->exe; /* the main program has no name */
	for (i = 0; i < im->nr_modules; i++)
		if (im->modules[i].bias == s.bias &&
		    !strncmp(im->modules[i].path, path, TB_TF_PATH_MAX - 1))
			return i;
	if (i == TB_TF_MAX_MODULES)
		return UINT32_MAX;
	im->modules[i].bias = s.bias;
	snprintf(im->modules[i].path, TB_TF_PATH_MAX, "%s", path);
	im->nr_modules = i + 1;
	return i;
}

static NOHOOK bool filter_keeps(const char *name)
{
	for (unsigned int i = 0; i < tf.nr_patterns; i++)
		if (!fnmatch(tf.patterns[i], name, 0))
			return true;
	return false;
}

/* The name of function f, for the filter: from the module's symbol table. */
static NOHOOK const char *function_name(struct tb_tf_function *f)
{
	struct tb_tf_image *im = tf.image;
	struct tb_elf_symbol sym;
	struct tb_elf **elf;

	if (f->flags & TB_TF_METHOD)
		return f->name;
	if (f->module == UINT32_MAX)
		return NULL;
	elf = &tf.elves[f->module];
	/* Read whole at once: no descriptor of the program's is kept. */
	if (!*elf && !tb_elf__open(im->modules[f->module].path, elf) && tb_elf__read_all(*elf)) {
		tb_elf__close(*elf);
		*elf = NULL;
	}
	if (!*elf || tb_elf__symbol_at(*elf, f->address - im->modules[f->module].bias, &sym))
		return NULL;
	return sym.name;
}

static NOHOOK unsigned int index_slot(uint64_t key)
{
	return (unsigned int)((key * 0x9e3779b97f4a7c15ULL) >> 40) & (INDEX_SLOTS - 1);
}

#define FILTERED_OUT_ID (1 << 30) /* function_id's flag: the filter left the function out */
#define TABLE_FULL_ID UINT32_MAX /* an index slot's id: first called after the table filled */

/* Adds key to the table. Returns its id (with FILTERED_OUT_ID), or -1 when the table is full. */
static COLD int function_add(uint64_t key)
{
	struct tb_tf_image *im = tf.image;
	struct tb_tf_function *f;
	unsigned int h = index_slot(key);
	int saved = errno, id = -1;

	pthread_mutex_lock(&lock);
	for (;; h = (h + 1) & (INDEX_SLOTS - 1)) {
		if (tf.index[h].key == key) {
			id = tf.index[h].id == TABLE_FULL_ID
				     ? -1
				     : (int)tf.index[h].id |
					       (tf.index[h].filtered_out ? FILTERED_OUT_ID : 0);
			goto out;
		}
		if (!tf.index[h].key)
			break;
	}
	if (im->nr_functions >= TB_TF_MAX_FUNCTIONS) {
		/* Remembered as lost, so its next calls find it without the lock; while the
		 * index has room (it holds twice the table). */
		if (tf.nr_index < INDEX_SLOTS - 1) {
			tf.nr_index++;
			tf.index[h].id = TABLE_FULL_ID;
			tf.index[h].filtered_out = 0;
			__atomic_store_n(&tf.index[h].key, key, __ATOMIC_RELEASE);
		}
		goto out;
	}
	id = (int)im->nr_functions;
	f = &im->functions[id];
	if (key & METHOD_KEY) {
		uint32_t method = (uint32_t)key;

		f->address = method;
		f->module = UINT32_MAX;
		f->flags = TB_TF_METHOD;
		snprintf(f->name, sizeof(f->name), "%s",
			 method < tf.nr_methods && tf.method_names[method] ? tf.method_names[method]
									   : "?");
	} else {
		f->address = key;
		f->module = module_index(key);
	}
	if (tf.filtering) {
		const char *name = function_name(f);

		if (!name || !filter_keeps(name))
			f->flags |= TB_TF_FILTERED_OUT;
	}
	im->nr_functions = (uint64_t)id + 1;
	tf.nr_index++;
	tf.index[h].id = (uint32_t)id;
	tf.index[h].filtered_out = f->flags & TB_TF_FILTERED_OUT;
	if (f->flags & TB_TF_FILTERED_OUT)
		id |= FILTERED_OUT_ID;
	__atomic_store_n(&tf.index[h].key, key, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&lock);
	errno = saved;
	return id;
}

/*
 * The id of key's function, added on its first call, with FILTERED_OUT_ID if
 * the filter left it out. -1: the table is full.
 */
static HOT int function_id(uint64_t key)
{
	unsigned int h = index_slot(key);

	for (;; h = (h + 1) & (INDEX_SLOTS - 1)) {
		uint64_t k = __atomic_load_n(&tf.index[h].key, __ATOMIC_ACQUIRE);

		if (k == key)
			return tf.index[h].id == TABLE_FULL_ID
				       ? -1
				       : (int)tf.index[h].id |
						 (tf.index[h].filtered_out ? FILTERED_OUT_ID : 0);
		if (!k)
			return function_add(key);
	}
}

/* ---- unloading ---------------------------------------------------------------------------- */

struct module_range {
	uint64_t bias;
	const char *name;
	uint64_t start, end;
	bool found;
};

static NOHOOK int module_range_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct module_range *r = arg;

	(void)size;
	if (info->dlpi_addr != r->bias || strcmp(info->dlpi_name, r->name))
		return 0;
	r->start = UINT64_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < r->start)
			r->start = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > r->end)
			r->end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	r->found = true;
	return 1;
}

/*
 * Another library may be loaded where an unloaded one was: the functions at
 * its addresses are forgotten (their index slots can match nothing any more),
 * so a call there makes a new entry, named after the run from the new module.
 */
static COLD void forget_module(const struct module_range *unloaded)
{
	struct module_range still = { .bias = unloaded->bias, .name = unloaded->name };
	int saved = errno;

	busy++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* dlclose only drops a reference: a library still loaded keeps its functions. */
	dl_iterate_phdr(module_range_of, &still);
	if (!still.found) {
		pthread_mutex_lock(&lock);
		for (unsigned int h = 0; h < INDEX_SLOTS; h++) {
			uint64_t k = tf.index[h].key;

			if (k != FORGOTTEN_KEY && !(k & METHOD_KEY) && k >= unloaded->start &&
			    k < unloaded->end)
				__atomic_store_n(&tf.index[h].key, FORGOTTEN_KEY, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&lock);
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	busy--;
	errno = saved;
}

EXPORT int dlclose(void *handle)
{
	static int (*real_dlclose)(void *);
	struct module_range r = { 0 };
	struct link_map *map;
	char name[PATH_MAX];
	int ret;

	if (!real_dlclose)
		real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	/* Its range now; forgotten once it is gone (its destructors may still call hooks). */
	if (tf.on && tf.image && !dlinfo(handle, RTLD_DI_LINKMAP, &map)) {
		snprintf(name, sizeof(name), "%s", map->l_name ? map->l_name : "");
		r.bias = map->l_addr;
		r.name = name;
		dl_iterate_phdr(module_range_of, &r);
	}
	ret = real_dlclose(handle);
	if (!ret && r.found)
		forget_module(&r);
	return ret;
}

/* ---- recording ---------------------------------------------------------------------------- */

/* Is there room for the record at head? Ring: has tb-tracefunc moved the tail on? */
static COLD bool log_room(struct thread_state *st)
{
	if (tf.ring) {
		if (st->mapped < st->limit)
			return false; /* the ring could not be made */
		st->limit_head = __atomic_load_n(&st->hdr->tail, __ATOMIC_ACQUIRE) +
				 st->limit / sizeof(uint64_t);
	} else if (st->mapped < st->limit) {
		thread_grow(st, st->mapped + 1);
	}
	return st->head < st->limit_head;
}

static HOT bool log_put(struct thread_state *st, uint64_t rec)
{
	if (unlikely(st->head == st->limit_head) && !log_room(st)) {
		st->hdr->lost++;
		return false;
	}
	st->ring[st->head & st->mask] = rec;
	__atomic_store_n(&st->hdr->head, ++st->head, __ATOMIC_RELEASE);
	return true;
}

static HOT void log_event(struct thread_state *st, unsigned int kind, int id)
{
	uint64_t t = stamp(), high = t >> TB_TF_REC_LOW_BITS;

	/* An event without its time base would be read with the wrong high bits: both go. */
	if (unlikely(high != st->time_high)) {
		if (!log_put(st, TB_TF_REC_BASE | high << 2)) {
			st->hdr->lost++;
			return;
		}
		st->time_high = high;
	}
	log_put(st, kind | (uint64_t)id << 2 |
			    (t & ((1ULL << TB_TF_REC_LOW_BITS) - 1)) << TB_TF_REC_TIME_SHIFT);
}

static HOT void count_call(struct thread_state *st, int id)
{
	uint64_t *counts = (uint64_t *)st->data;

	if (unlikely((uint64_t)(id + 1) * sizeof(*counts) > st->mapped) &&
	    thread_grow(st, (uint64_t)(id + 1) * sizeof(*counts))) {
		st->hdr->lost++;
		return;
	}
	counts[id]++;
}

static HOT void latency_enter(struct thread_state *st, int id)
{
	if (st->depth < TB_TF_MAX_DEPTH) {
		st->stack[st->depth].id = (uint32_t)id;
		st->stack[st->depth].start = stamp();
	} else {
		st->hdr->too_deep++;
	}
	st->depth++;
}

static NOHOOK void latency_exit(struct thread_state *st, int id)
{
	uint64_t now = stamp(), ns;
	struct tb_tf_latency *row;
	unsigned int d;

	if (!st->depth) {
		st->hdr->unmatched++; /* entered before this image began (a fork) */
		return;
	}
	if (st->depth > TB_TF_MAX_DEPTH) {
		st->depth--;
		return;
	}
	/* A longjmp skipped exits: drop the calls it left open, counted. */
	for (d = st->depth; d > 0 && st->stack[d - 1].id != (uint32_t)id; d--)
		;
	if (!d) {
		st->hdr->unmatched++;
		return;
	}
	st->hdr->unmatched += st->depth - d;
	st->depth = d - 1;
	ns = stamp_to_ns(now - st->stack[d - 1].start);
	if ((uint64_t)(id + 1) * sizeof(*row) > st->mapped &&
	    thread_grow(st, (uint64_t)(id + 1) * sizeof(*row))) {
		st->hdr->lost++;
		return;
	}
	row = (struct tb_tf_latency *)st->data + id;
	row->calls++;
	row->sum_ns += ns;
	if (ns > row->max_ns)
		row->max_ns = ns;
	row->buckets[ns ? (unsigned int)(64 - __builtin_clzll(ns)) < TB_TF_BUCKETS
				     ? 64 - __builtin_clzll(ns)
				     : TB_TF_BUCKETS - 1
			: 0]++;
}

/* The image's files, at the first call. Returns false if they cannot be made. */
static COLD bool image_start(void)
{
	struct tb_tf_image *im;
	int saved = errno;
	ssize_t n;

	pthread_mutex_lock(&lock);
	if (tf.image || !tf.on)
		goto out;
	im = image_create(NULL, NULL);
	if (!im) {
		/* ENOENT: tb-tracefunc -d removed the directory, recording is over. */
		if (errno != ENOENT)
			fprintf(stderr,
				"libtb-tracefunc: cannot create the record files in %s: "
				"%s — not recording\n",
				tf.root, strerror(errno));
		tf.on = false;
		goto out;
	}
	im->magic = TB_TF_IMAGE_MAGIC;
	im->version = TB_TF_VERSION;
	im->mode = tf.mode;
	im->hook = tf.hook;
	im->buffer_bytes = tf.mode == TB_TF_MODE_LOG ? tf.buffer_bytes : 0;
	im->tsc0 = tf.tsc0;
	im->ns0 = tf.ns0;
	im->mult = tf.mult;
	im->shift = CLOCK_SHIFT;
	n = readlink("/proc/self/exe", im->exe, sizeof(im->exe) - 1);
	im->exe[n > 0 ? n : 0] = 0;
	snprintf(im->filter, sizeof(im->filter), "%s",
		 getenv(TB_TF_ENV_FILTER) ? getenv(TB_TF_ENV_FILTER) : "");
	__atomic_store_n(&tf.image, im, __ATOMIC_RELEASE);
	__atomic_fetch_add(&im->lost_no_thread,
			   __atomic_exchange_n(&tf.early_lost, 0, __ATOMIC_RELAXED),
			   __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&lock);
	errno = saved;
	return tf.image != NULL;
}

static HOT void on_call(uint64_t key, unsigned int kind)
{
	struct thread_state *st;
	int id;

	if (unlikely(busy)) {
		st = self;
		if (!NO_STATE(st))
			st->hdr->reentered++;
		else if (tf.image)
			__atomic_fetch_add(&tf.image->lost_no_thread, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&tf.early_lost, 1, __ATOMIC_RELAXED);
		return;
	}
	busy = 1;
	/* No store of the hook's may move outside busy: a signal handler's hook checks it. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (unlikely(!__atomic_load_n(&tf.image, __ATOMIC_ACQUIRE)) && !image_start())
		goto out;
	st = self;
	/* After -d nothing more is made, not even a new thread's file. */
	if (unlikely(tf.image->stop)) {
		if (!NO_STATE(st))
			st->hdr->stopped += kind == TB_TF_REC_ENTER;
		goto out;
	}
	if (unlikely(NO_STATE(st)) && !(st = thread_start()))
		goto out;
	id = function_id(key);
	if (unlikely(id < 0)) {
		__atomic_fetch_add(&tf.image->lost_table_full, 1, __ATOMIC_RELAXED);
		goto out;
	}
	if (unlikely(id & FILTERED_OUT_ID)) {
		st->hdr->filtered_out += kind == TB_TF_REC_ENTER;
		goto out;
	}
	switch (tf.mode) {
	case TB_TF_MODE_COUNT:
		if (kind == TB_TF_REC_ENTER)
			count_call(st, id);
		break;
	case TB_TF_MODE_LATENCY:
		if (kind == TB_TF_REC_ENTER)
			latency_enter(st, id);
		else
			latency_exit(st, id);
		break;
	default:
		log_event(st, kind, id);
		break;
	}
out:
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	busy = 0;
}

EXPORT void __cyg_profile_func_enter(void *fn, void *call_site)
{
	(void)call_site;
	if (tf.on && tf.hook == TB_TF_HOOK_CYG)
		on_call((uint64_t)(uintptr_t)fn, TB_TF_REC_ENTER);
}

EXPORT void __cyg_profile_func_exit(void *fn, void *call_site)
{
	(void)call_site;
	/* Counting needs the entries only. */
	if (tf.on && tf.hook == TB_TF_HOOK_CYG && tf.mode != TB_TF_MODE_COUNT)
		on_call((uint64_t)(uintptr_t)fn, TB_TF_REC_EXIT);
}

/* Stored in the workload's tb_call_hook. */
static NOHOOK void method_hook(enum tb_hook_event event, uint32_t method_id, uint64_t arg)
{
	(void)arg;
	if (tf.on && (event == TB_HOOK_CALL || tf.mode != TB_TF_MODE_COUNT))
		on_call(METHOD_KEY | method_id,
			event == TB_HOOK_CALL ? TB_TF_REC_ENTER : TB_TF_REC_EXIT);
}

/* -m noop with the method hook: the cost of the call alone. */
static NOHOOK void method_hook_noop(enum tb_hook_event event, uint32_t method_id, uint64_t arg)
{
	(void)event;
	(void)method_id;
	(void)arg;
}

/* ---- fork and exit ------------------------------------------------------------------------ */

/* busy as it was before fork, restored after it in parent and child. */
static __thread int busy_at_fork __attribute__((tls_model("initial-exec")));

/*
 * No function may be added or thread made during fork (the child would get
 * the lock held). While this thread holds the lock its hooks are skipped,
 * counted: a signal handler's hook would otherwise wait for the lock forever.
 */
static NOHOOK void before_fork(void)
{
	busy_at_fork = busy;
	busy = 1;
	pthread_mutex_lock(&lock);
	if (tf.image)
		tf.nr_functions_at_fork = tf.image->nr_functions;
}

static NOHOOK void after_fork_parent(void)
{
	pthread_mutex_unlock(&lock);
	busy = busy_at_fork;
}

/*
 * In the child: every mapping of the parent's files is still shared with the
 * parent. The child gets an image of its own, a copy of the function table at
 * the same address, and files for its one thread; the other threads' states
 * (they do not exist here) are dropped. Its records start from nothing.
 */
static NOHOOK void after_fork_child(void)
{
	struct thread_state *st, *next, *me = self;
	int saved = errno;

	pthread_mutex_init(&lock, NULL);
	if (!tf.image) {
		busy = busy_at_fork;
		errno = saved;
		return;
	}
	self = NULL; /* its file is about to go: a signal handler's calls are counted meanwhile */
	for (st = tf.threads; st; st = next) {
		next = st->next;
		thread_unmap(st);
		if (st != me)
			munmap(st, sizeof(*st));
	}
	tf.threads = NULL;
	if (!image_create(tf.image, tf.image)) {
		/* Cannot record in the child: stop recording there, leave the parent's files. */
		munmap(tf.image, sizeof(*tf.image));
		tf.image = NULL;
		tf.on = false;
		self = NULL;
		busy = busy_at_fork;
		errno = saved;
		return;
	}
	/* The parent's threads went on adding functions to the file the child copied. */
	tf.image->nr_functions = tf.nr_functions_at_fork;
	if (!NO_STATE(me)) {
		me->tid = gettid();
		if (thread_open(me)) {
			munmap(me, sizeof(*me));
			self = NULL; /* retried at the next call, counted if it fails */
		} else {
			me->next = NULL;
			tf.threads = me;
			pthread_setspecific(tf.key, me);
			self = me;
		}
	} else {
		self = me == NO_FILE ? NULL
				     : me; /* CLOSED in a thread that already ended its state */
	}
	busy = busy_at_fork;
	errno = saved;
}

__attribute__((destructor, no_instrument_function)) static void tracefunc_fini(void)
{
	if (!tf.image)
		return;
	tf.image->end_ns = mono_ns();
	tf.image->state = TB_TF_EXITED;
	if (tf.announce && tf.image->parent_pid == 0)
		fprintf(stderr,
			"libtb-tracefunc: recorded into %s; read it with: tb-tracefunc report %s\n",
			tf.root, tf.root);
}

/* ---- start -------------------------------------------------------------------------------- */

static NOHOOK int parse_env(void)
{
	const char *mode = getenv(TB_TF_ENV_MODE), *hook = getenv(TB_TF_ENV_HOOK);
	const char *dir = getenv(TB_TF_ENV_DIR), *filter = getenv(TB_TF_ENV_FILTER);
	const char *buffer = getenv(TB_TF_ENV_BUFFER);
	char *copy, *tok, *save;

	if (!mode || !strcmp(mode, "count"))
		tf.mode = TB_TF_MODE_COUNT;
	else if (!strcmp(mode, "latency"))
		tf.mode = TB_TF_MODE_LATENCY;
	else if (!strcmp(mode, "log"))
		tf.mode = TB_TF_MODE_LOG;
	else if (!strcmp(mode, "noop"))
		tf.mode = TB_TF_MODE_OFF;
	else
		return fprintf(stderr, "libtb-tracefunc: %s=%s: give count, latency, log or noop\n",
			       TB_TF_ENV_MODE, mode),
		       -EINVAL;
	if (!hook || !strcmp(hook, "cyg"))
		tf.hook = TB_TF_HOOK_CYG;
	else if (!strcmp(hook, "method"))
		tf.hook = TB_TF_HOOK_METHOD;
	else
		return fprintf(stderr, "libtb-tracefunc: %s=%s: give cyg or method\n",
			       TB_TF_ENV_HOOK, hook),
		       -EINVAL;
	tf.buffer_bytes = (uint64_t)DEFAULT_BUFFER_KB << 10;
	if (buffer) {
		char *end;
		unsigned long long kb = strtoull(buffer, &end, 10);

		if (*end || kb < 4 || kb > (1ULL << 30))
			return fprintf(stderr, "libtb-tracefunc: %s=%s: give 4 to %llu KiB\n",
				       TB_TF_ENV_BUFFER, buffer, 1ULL << 30),
			       -EINVAL;
		tf.buffer_bytes = kb << 10;
	}
	if (getenv(TB_TF_ENV_RING)) {
		char *end;
		const char *ring = getenv(TB_TF_ENV_RING);
		unsigned long long kb = strtoull(ring, &end, 10);

		if (*end || kb < 4 || kb > (1ULL << 30) || (kb & (kb - 1)))
			return fprintf(stderr,
				       "libtb-tracefunc: %s=%s: give a power of two, 4 to "
				       "%llu KiB\n",
				       TB_TF_ENV_RING, ring, 1ULL << 30),
			       -EINVAL;
		tf.buffer_bytes = kb << 10;
		tf.ring = true;
	}
	if (filter && *filter) {
		copy = strdup(filter);
		if (!copy)
			return -ENOMEM;
		for (tok = strtok_r(copy, ",", &save); tok && tf.nr_patterns < 64;
		     tok = strtok_r(NULL, ",", &save))
			tf.patterns[tf.nr_patterns++] = tok;
		tf.filtering = true;
	}
	if (!dir || !*dir) {
		/* Loaded by hand: a directory of our own, named for later images too. */
		snprintf(tf.root, sizeof(tf.root), "/dev/shm/tb-tracefunc.%d", (int)getpid());
		setenv(TB_TF_ENV_DIR, tf.root, 1);
		tf.announce = true;
	} else if (strlen(dir) >= sizeof(tf.root)) {
		return fprintf(stderr, "libtb-tracefunc: %s is too long — not recording\n",
			       TB_TF_ENV_DIR),
		       -ENAMETOOLONG;
	} else {
		snprintf(tf.root, sizeof(tf.root), "%s", dir);
	}
	/*
	 * Run by tb-tracefunc (it sets the ring's size), the directory is its:
	 * gone means the run is over (-d, or its report is written), and a program
	 * started later must not make it again and record where nobody reads.
	 */
	if (tf.ring)
		return access(tf.root, W_OK) ? -errno : 0;
	if (mkdir(tf.root, 0700) && errno != EEXIST)
		return fprintf(stderr, "libtb-tracefunc: cannot create %s: %s — not recording\n",
			       tf.root, strerror(errno)),
		       -errno;
	return 0;
}

__attribute__((constructor, no_instrument_function)) static void tracefunc_init(void)
{
	tb_call_hook_fn volatile *call_hook = NULL;
	int saved = errno;

	if (parse_env())
		goto out;
	if (tf.hook == TB_TF_HOOK_METHOD) {
		const struct tb_stack_root *root = dlsym(RTLD_DEFAULT, "tb_stack_root");

		call_hook = dlsym(RTLD_DEFAULT, "tb_call_hook");
		if (root && root->magic == TB_STACK_MAGIC) {
			tf.method_names = (const char *const *)(uintptr_t)root->method_names;
			tf.nr_methods = root->nr_methods;
		}
		if (!call_hook) {
			fprintf(stderr,
				"libtb-tracefunc: this program has no tb_call_hook: the "
				"method hook needs the tracebench workload — not recording\n");
			goto out;
		}
		if (tf.mode == TB_TF_MODE_OFF) {
			*call_hook = method_hook_noop;
			goto out;
		}
	}
	if (tf.mode == TB_TF_MODE_OFF)
		goto out;
	if (pthread_key_create(&tf.key, thread_end))
		goto out;
	clock_init();
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
	tf.on = true;
	if (tf.hook == TB_TF_HOOK_METHOD)
		*call_hook = method_hook;
out:
	errno = saved;
}
