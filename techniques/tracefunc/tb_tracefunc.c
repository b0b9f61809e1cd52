/* tb_tracefunc.c - tb-tracefunc: run a program with libtb-tracefunc.so and report what it recorded
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tb_child.h"
#include "tb_elf.h"
#include "tb_hist.h"
#include "tb_json.h"
#include "tb_msg.h"
#include "tb_result.h"
#include "tb_schedule.h"
#include "tb_tally.h"
#include "tb_target.h"
#include "tb_tracefunc.h"
#include "tb_tracefunc_read.h"

#define PROG "tb-tracefunc"
#define LIBRARY "libtb-tracefunc.so"
#define NOOP_LIBRARY "libtb-tracefunc-noop.so"
#define TOP_DEFAULT 20
#define DEFAULT_RING_KB 8192ULL

static const char *const mode_names[] = {
	[TB_TF_MODE_OFF] = "noop",
	[TB_TF_MODE_COUNT] = "count",
	[TB_TF_MODE_LATENCY] = "latency",
	[TB_TF_MODE_LOG] = "log",
};

/* ---- output ------------------------------------------------------------------------------- */

static uint64_t total_lost(void)
{
	return rep.lost_buffer + rep.reentered + rep.lost_table_full + rep.lost_no_thread +
	       rep.lost_after_exit;
}

static int by_calls(const void *a, const void *b)
{
	const struct function *x = a, *y = b;

	if (x->calls != y->calls)
		return x->calls < y->calls ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void print_summary(unsigned int top)
{
	const char *unit = rep.mode == TB_TF_MODE_LATENCY ? "timed calls" : "calls";

	if (rep.nr_functions) /* none recorded (a filter that matched nothing): no table at all */
		qsort(rep.functions, rep.nr_functions, sizeof(*rep.functions), by_calls);
	printf("%zu function%s, %" PRIu64 " %s in %u thread%s of %u process image%s (%s, hook "
	       "%s%s%s)\n",
	       rep.nr_functions, rep.nr_functions == 1 ? "" : "s", total_calls(), unit, rep.threads,
	       rep.threads == 1 ? "" : "s", rep.images, rep.images == 1 ? "" : "s",
	       mode_names[rep.mode], rep.hook == TB_TF_HOOK_METHOD ? "method" : "cyg",
	       *rep.filter ? ", filter " : "", rep.filter);
	printf("lost: %" PRIu64 " (%s %" PRIu64 ", reentered %" PRIu64 ", table full %" PRIu64
	       ", no thread file %" PRIu64 ", after thread exit %" PRIu64 ")\n",
	       total_lost(), rep.mode == TB_TF_MODE_LOG ? "log buffer full" : "no room",
	       rep.lost_buffer, rep.reentered, rep.lost_table_full, rep.lost_no_thread,
	       rep.lost_after_exit);
	if (rep.filtered_out || rep.stopped)
		printf("not recorded, by choice: %" PRIu64 " calls filtered out, %" PRIu64
		       " after -d stopped recording\n",
		       rep.filtered_out, rep.stopped);
	if (rep.mode == TB_TF_MODE_LATENCY)
		printf("not timed: %" PRIu64
		       " calls left by longjmp or begun before the image, %" PRIu64
		       " deeper than %d\n",
		       rep.unmatched, rep.too_deep, TB_TF_MAX_DEPTH);
	if (rep.mode == TB_TF_MODE_LOG)
		printf("records: %" PRIu64 "; deepest %" PRIu64 "; exits of calls begun before the "
		       "image %" PRIu64 "; misnested %" PRIu64 "\n",
		       rep.records, rep.max_depth, rep.exits_before_start, rep.misnested);
	if (rep.unreadable_images || rep.unreadable_threads)
		printf("unreadable, skipped: %u process images, %u thread files (incomplete: was "
		       "the "
		       "file system full?); their calls, except those already in a log file, are "
		       "not counted\n",
		       rep.unreadable_images, rep.unreadable_threads);
	if (rep.crashed_threads && rep.stopped_early)
		printf("threads still running when recording stopped: %u\n", rep.crashed_threads);
	else if (rep.crashed_threads)
		printf("threads that did not end before their process did (the main thread, a "
		       "crash, an exec): %u; their records are complete\n",
		       rep.crashed_threads);
	if (!rep.nr_functions)
		return;
	putchar('\n');
	if (rep.mode == TB_TF_MODE_LATENCY)
		printf("%14s %12s %12s  %s\n", "CALLS", "MEAN_NS", "MAX_NS", "FUNCTION");
	else
		printf("%14s  %s\n", "CALLS", "FUNCTION");
	for (size_t i = 0; i < rep.nr_functions && i < top; i++) {
		const struct function *f = &rep.functions[i];

		if (rep.mode == TB_TF_MODE_LATENCY)
			printf("%14" PRIu64 " %12.0f %12" PRIu64 "  %s\n", f->calls,
			       f->calls ? (double)f->sum_ns / f->calls : 0.0, f->max_ns, f->name);
		else
			printf("%14" PRIu64 "  %s\n", f->calls, f->name);
	}
	if (rep.nr_functions > top)
		printf("%14s  (%zu more; -n to show them)\n", "...", rep.nr_functions - top);
}

static void print_histograms(void)
{
	for (size_t i = 0; i < rep.nr_functions; i++) {
		const struct function *f = &rep.functions[i];

		printf("\n%s: %" PRIu64 " calls, mean %.0f ns\n", f->name, f->calls,
		       f->calls ? (double)f->sum_ns / f->calls : 0.0);
		tb_hist__print(stdout, f->buckets, TB_TF_BUCKETS, "nsecs");
	}
}

/* {pid, parent_pid, exe, threads, calls, exited} per process image, in pid order. */
static void emit_images(struct tb_json_writer *w, void *ctx)
{
	(void)ctx;
	tb_json_writer__begin_array(w);
	for (unsigned int i = 0; i < rep.images; i++) {
		const struct image_summary *im = &rep.image_list[i];

		tb_json_writer__begin_object(w);
		tb_json_writer__key(w, "pid");
		tb_json_writer__i64(w, im->pid);
		tb_json_writer__key(w, "parent_pid");
		tb_json_writer__i64(w, im->parent_pid);
		tb_json_writer__key(w, "exe");
		tb_json_writer__string(w, im->exe);
		tb_json_writer__key(w, "threads");
		tb_json_writer__u64(w, im->threads);
		tb_json_writer__key(w, "calls");
		tb_json_writer__u64(w, im->calls);
		tb_json_writer__key(w, "exited");
		tb_json_writer__bool(w, im->exited);
		tb_json_writer__end_object(w);
	}
	tb_json_writer__end_array(w);
}

static void emit_latency(struct tb_json_writer *w, void *ctx)
{
	(void)ctx;
	tb_json_writer__begin_object(w);
	for (size_t i = 0; i < rep.nr_functions; i++) {
		const struct function *f = &rep.functions[i];

		tb_json_writer__key(w, f->name);
		tb_json_writer__begin_object(w);
		tb_hist__write_json(w, f->calls, f->sum_ns, f->buckets, TB_TF_BUCKETS);
		tb_json_writer__key(w, "max_ns");
		tb_json_writer__u64(w, f->max_ns);
		tb_json_writer__end_object(w);
	}
	tb_json_writer__end_object(w);
}

/* CLOCK_MONOTONIC of main's start: first_event_ns counts from it (0 in report mode) */
static uint64_t tool_start_ns;

static int write_result(const char *path, uint64_t attach_ns)
{
	struct tb_result *r = tb_result__new("tracefunc", mode_names[rep.mode], rep.pid);
	int err = r ? 0 : -errno;

	if (err)
		return err;
	r->duration_ns = rep.duration_ns;
	r->lost = total_lost();
	r->attach_ns = attach_ns;
	for (size_t i = 0; !err && i < rep.nr_functions; i++)
		err = tb_result__add_count(r, rep.functions[i].name, rep.functions[i].calls);
	if (!err) {
		tb_result__set_extra_str(r, "hook",
					 rep.hook == TB_TF_HOOK_METHOD ? "method" : "cyg");
		tb_result__set_extra_str(r, "filter", rep.filter);
		tb_result__set_extra_u64(r, "processes", rep.images);
		tb_result__set_extra_emit(r, "images", emit_images, NULL);
		tb_result__set_extra_u64(r, "threads", rep.threads);
		tb_result__set_extra_u64(r, "lost_buffer", rep.lost_buffer);
		tb_result__set_extra_u64(r, "reentered", rep.reentered);
		tb_result__set_extra_u64(r, "lost_table_full", rep.lost_table_full);
		tb_result__set_extra_u64(r, "lost_no_thread", rep.lost_no_thread);
		tb_result__set_extra_u64(r, "lost_after_exit", rep.lost_after_exit);
		tb_result__set_extra_u64(r, "filtered_out", rep.filtered_out);
		tb_result__set_extra_u64(r, "stopped", rep.stopped);
		tb_result__set_extra_u64(r, "unreadable_images", rep.unreadable_images);
		/* A live run: from the launch to the hook's first call (a thread's file opened) */
		if (tool_start_ns && rep.first_call_ns > tool_start_ns)
			tb_result__set_extra_u64(r, "first_event_ns",
						 rep.first_call_ns - tool_start_ns);
		tb_result__set_extra_u64(r, "unreadable_threads", rep.unreadable_threads);
		if (rep.mode == TB_TF_MODE_LATENCY) {
			tb_result__set_extra_emit(r, "latency", emit_latency, NULL);
			tb_result__set_extra_u64(r, "latency_lost", rep.unmatched + rep.too_deep);
		}
		if (rep.mode == TB_TF_MODE_LOG) {
			tb_result__set_extra_u64(r, "records", rep.records);
			tb_result__set_extra_u64(r, "max_depth", rep.max_depth);
			tb_result__set_extra_u64(r, "misnested", rep.misnested);
			tb_result__set_extra_u64(r, "exits_before_start", rep.exits_before_start);
		}
		r->tracer_cpu_ns = tb_result__self_cpu_ns();
		err = tb_result__write(r, path);
	}
	tb_result__free(r);
	return err;
}

/* ---- running a command -------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) && errno != ENOENT ? -1 : 0;
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Is the program dynamically linked (LD_PRELOAD can reach it)? Has it tb_call_hook? */
static int inspect_command(const char *cmd, bool *is_static, bool *has_call_hook)
{
	char path[PATH_MAX];
	struct tb_elf_symbol sym;
	struct tb_elf *elf;
	int err = tb_target__which(cmd, path, sizeof(path));

	if (err)
		return err;
	err = tb_elf__open(path, &elf);
	if (err)
		return err;
	*has_call_hook = !tb_elf__find_symbol(elf, "tb_call_hook", &sym);
	*is_static = !tb_elf__is_dynamic(elf);
	tb_elf__close(elf);
	return 0;
}

/* Sets stop in every image's function file: the hooks record nothing more. */
static void stop_recording(const char *root)
{
	struct dirent **names;
	int n = scandir(root, &names, is_image, image_order);

	for (int i = 0; i < n; i++) {
		char path[PATH_MAX + 300];
		int fd;

		snprintf(path, sizeof(path), "%s/%s/functions", root, names[i]->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			struct tb_tf_image *im =
				mmap(NULL, sizeof(*im), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

			if (im != MAP_FAILED) {
				__atomic_store_n(&im->stop, 1, __ATOMIC_RELEASE);
				munmap(im, sizeof(*im));
			}
			close(fd);
		}
		free(names[i]);
	}
	if (n > 0)
		free(names);
}

/* ---- draining the log rings while the program runs ---------------------------------------- */

/* One thread's ring, mapped, and the file its records move to. */
struct drain {
	char *path; /* the thread file */
	struct tb_tf_thread *hdr;
	size_t len;
	uint64_t ring_records; /* read once: the program could change the header */
	int out_fd; /* log.TID, -1 once the thread ended and all was moved */
	bool broken; /* its log file ends in a piece of a record: no more is added */
};

static struct drain *drains;
static size_t nr_drains;
static int drain_err; /* the first failure to save records, reported once */

static bool drain_known(const char *path)
{
	for (size_t i = 0; i < nr_drains; i++)
		if (!strcmp(drains[i].path, path))
			return true;
	return false;
}

/* Starts draining a thread file, once its ring exists. */
static void drain_add(const char *image_dir, const char *name)
{
	char path[PATH_MAX + 600], out[PATH_MAX + 600];
	struct tb_tf_thread *hdr;
	uint64_t ring_records;
	struct stat st;
	void *grown;
	int fd, out_fd;

	snprintf(path, sizeof(path), "%s/%s", image_dir, name);
	if (drain_known(path))
		return;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) || (size_t)st.st_size < TB_TF_DATA_OFFSET) {
		close(fd);
		return;
	}
	hdr = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (hdr == MAP_FAILED)
		return;
	/* Not yet a ring (being made), or not one at all: look again later. */
	ring_records = hdr->ring_records;
	if (hdr->magic != TB_TF_THREAD_MAGIC || !ring_records ||
	    (ring_records & (ring_records - 1)) ||
	    ring_records > ((uint64_t)st.st_size - TB_TF_DATA_OFFSET) / sizeof(uint64_t)) {
		munmap(hdr, (size_t)st.st_size);
		return;
	}
	snprintf(out, sizeof(out), "%s/log.%s", image_dir, name + sizeof("thread.") - 1);
	out_fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	grown = out_fd < 0 ? NULL : realloc(drains, (nr_drains + 1) * sizeof(*drains));
	if (!grown) {
		if (!drain_err)
			drain_err = out_fd < 0 ? errno : ENOMEM;
		if (out_fd >= 0)
			close(out_fd);
		munmap(hdr, (size_t)st.st_size);
		return;
	}
	drains = grown;
	drains[nr_drains] = (struct drain){ .path = strdup(path),
					    .hdr = hdr,
					    .len = (size_t)st.st_size,
					    .ring_records = ring_records,
					    .out_fd = out_fd };
	if (!drains[nr_drains].path) {
		if (!drain_err)
			drain_err = ENOMEM;
		close(out_fd);
		munmap(hdr, (size_t)st.st_size);
		return;
	}
	nr_drains++;
}

/*
 * A thread that ended and whose records are all in its log file: its ring's
 * pages go back to tmpfs (a program that makes a thread per request would
 * otherwise hold 8 MiB of it per thread until the end).
 */
static void drain_release(struct drain *dr)
{
	int fd = open(dr->path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, TB_TF_DATA_OFFSET,
		  (off_t)(dr->ring_records * sizeof(uint64_t)));
	close(fd);
}

/* Finds thread files that appeared since the last look (new threads, forks, execs). */
static void drain_scan(const char *root)
{
	struct dirent **images;
	int n = scandir(root, &images, is_image, image_order);

	for (int i = 0; i < n; i++) {
		char dir[PATH_MAX + 300];
		struct dirent *de;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/%s", root, images[i]->d_name);
		d = opendir(dir);
		while (d && (de = readdir(d)))
			if (!strncmp(de->d_name, "thread.", 7))
				drain_add(dir, de->d_name);
		if (d)
			closedir(d);
		free(images[i]);
	}
	if (n > 0)
		free(images);
}

/* Moves every ring's records to its log file, and frees the hook's room. */
/*
 * Appends records [from, from + n) of a ring to its log file. Returns how
 * many are in the file whole: after a short write (a full file system) a
 * piece of a record is cut off again, so no record is ever in both the file
 * and the ring.
 */
static uint64_t drain_copy(struct drain *dr, const uint64_t *from, uint64_t n)
{
	const char *p = (const char *)from;
	size_t left = n * sizeof(*from), done = 0;

	while (left) {
		ssize_t w = write(dr->out_fd, p + done, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!drain_err)
				drain_err = w < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)w;
		left -= (size_t)w;
	}
	if (done % sizeof(*from)) {
		off_t end = lseek(dr->out_fd, 0, SEEK_END);

		if (end < 0 || ftruncate(dr->out_fd, end - (off_t)(done % sizeof(*from))))
			dr->broken = true; /* a torn record in the file: stop drawing from it */
	}
	return done / sizeof(*from);
}

/* Moves every ring's records to its log file, and frees the hook's room. */
static void drain_all(void)
{
	for (size_t i = 0; i < nr_drains; i++) {
		struct drain *dr = &drains[i];
		const uint64_t *ring;
		uint64_t head, tail, mask, first, n, moved;
		bool ended;

		if (dr->out_fd < 0 || dr->broken)
			continue;
		/* Read the state first: a thread that ended wrote its last record before. */
		ended = __atomic_load_n(&dr->hdr->state, __ATOMIC_ACQUIRE) == TB_TF_EXITED;
		head = __atomic_load_n(&dr->hdr->head, __ATOMIC_ACQUIRE);
		tail = dr->hdr->tail;
		mask = dr->ring_records - 1;
		n = head - tail;
		if (head < tail || n > dr->ring_records)
			continue; /* damaged: left for the report to name */
		ring = (const uint64_t *)((const char *)dr->hdr + TB_TF_DATA_OFFSET);
		first = n < dr->ring_records - (tail & mask) ? n : dr->ring_records - (tail & mask);
		moved = drain_copy(dr, ring + (tail & mask), first);
		if (moved == first && !dr->broken)
			moved += drain_copy(dr, ring, n - first);
		if (dr->broken)
			continue;
		/* What did not fit stays in the ring: the report reads it there. */
		__atomic_store_n(&dr->hdr->tail, tail + moved, __ATOMIC_RELEASE);
		if (ended && moved == n) {
			close(dr->out_fd);
			dr->out_fd = -1;
			drain_release(dr);
		}
	}
}

static void drain_free(void)
{
	for (size_t i = 0; i < nr_drains; i++) {
		if (drains[i].out_fd >= 0)
			close(drains[i].out_fd);
		munmap(drains[i].hdr, drains[i].len);
		free(drains[i].path);
	}
	free(drains);
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/*
 * Waits for the child, until duration (0: none) has passed, or until this
 * program is asked to stop; drains the log rings (root) meanwhile, every
 * millisecond. Returns 1 if the child ended (*status set), 0 if it runs on,
 * -errno on failure.
 */
static int wait_child(struct tb_child *child, double duration, const char *root, int *status)
{
	uint64_t deadline =
		duration > 0 ? tb_schedule__now_ns() + (uint64_t)(duration * 1e9) : UINT64_MAX;
	int pidfd = (int)syscall(SYS_pidfd_open, child->pid, 0), ret = 0;
	unsigned int tick = 0;

	if (pidfd < 0)
		return -errno;
	for (;;) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		uint64_t now = tb_schedule__now_ns();
		int r, timeout = root ? 1 : 100;

		if (root) {
			if (tick++ % 10 == 0)
				drain_scan(root);
			drain_all();
		}
		if (now >= deadline || interrupted)
			break;
		if (deadline - now < (uint64_t)timeout * 1000000)
			timeout = (int)((deadline - now + 999999) / 1000000);
		r = poll(&p, 1, timeout);
		if (r > 0) {
			ret = tb_child__wait(child, status);
			ret = ret ? ret : 1;
			break;
		}
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
	}
	close(pidfd);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [-m count|latency|log|noop] [--hook cyg|method] [-f PATTERNS]\n"
		"                    [-b KB] [--trace FILE] [-D DIR] [-d SECS] [-o FILE] [-n N]\n"
		"                    [-v] -- COMMAND [ARGS]\n"
		"       " PROG " report [--trace FILE] [-o FILE] [-n N] [-v] DIR\n"
		"\n"
		"Runs COMMAND with " LIBRARY " preloaded. It replaces the hooks that a\n"
		"program built with -finstrument-functions calls at the entry and exit of\n"
		"every function (__cyg_profile_func_enter/exit), or with --hook method sets\n"
		"the tracebench workload's TracePoint-style tb_call_hook. Every call pays\n"
		"for the hook, traced or not; -p is impossible: hooks are there from exec.\n"
		"\n"
		"  -m, --mode MODE      count: calls per function (default)\n"
		"                       latency: a log2 histogram of each function's time\n"
		"                       log: every entry and exit with its time, per thread\n"
		"                       noop: empty hooks, the cost of being called\n"
		"      --hook HOOK      cyg (compiler hooks, default) or method (tb_call_hook)\n"
		"  -f, --filter PATTERNS  record only functions matching one of these\n"
		"                       comma-separated shell patterns (fnmatch); the rest\n"
		"                       still call the hook (needs symbols to match)\n"
		"  -b, --buffer-kb KB   log: each thread's ring, a power of two (default %llu);\n"
		"                       emptied every millisecond, records that find it\n"
		"                       full are dropped and counted as lost\n"
		"      --trace FILE     log: write every record as 'TIME_NS TID DEPTH\n"
		"                       enter|exit FUNCTION', thread by thread\n"
		"  -D, --dir DIR        record into DIR, a new or empty directory, and keep\n"
		"                       it (default: a temporary directory on /dev/shm,\n"
		"                       removed after the report)\n"
		"  -d, --duration SECS  stop recording after SECS; COMMAND runs on\n"
		"  -u, --user USER      run COMMAND as USER (a name or uid, optionally :GROUP),\n"
		"                       recording into a directory of that user's; only as\n"
		"                       root\n"
		"  -o, --output FILE    write the result as JSON (results/README.md)\n"
		"  -n, --top N          functions to list (default %d)\n"
		"  -v, --verbose        latency: every function's histogram\n"
		"  -h, --help           this text\n"
		"\n"
		"report DIR: reads a recording kept with -D (or made by loading " LIBRARY "\n"
		"  by hand: LD_PRELOAD=" LIBRARY " TB_TRACEFUNC_MODE=MODE COMMAND).\n"
		"Exit status: COMMAND's (0 when -d or a signal stopped recording and it runs\n"
		"on); 1 if tracing failed, 2 for bad usage.\n",
		DEFAULT_RING_KB, TOP_DEFAULT);
}

/*
 * With -u, switches to the command's user (become) or back (tb_child__as_user);
 * prints why it could not. Returns 0 or -errno.
 */
static int as_user(bool become)
{
	uid_t uid = 0;
	int err = tb_child__as_user(become);

	if (err && tb_child__user(&uid, NULL))
		tb_fail("cannot switch to %s uid %u: %s", become ? "-u's" : "root from -u's",
			(unsigned int)uid, strerror(-err));
	return err;
}

static int run_report(const char *dir, const char *output, const char *trace, unsigned int top,
		      bool verbose, uint64_t attach_ns)
{
	struct statvfs fs;
	struct stat st;
	int err, ret = 0;

	if (trace) {
		rep.trace = fopen(trace, "we");
		if (!rep.trace) {
			tb_fail("cannot write the trace to %s: %s — choose a writable --trace path",
				trace, strerror(errno));
			return 1;
		}
	}
	err = as_user(true) ? -EPERM : read_recording(dir);
	if (as_user(false)) {
		ret = 1;
		goto out;
	}
	if (err == -ENOENT && rep.unreadable_images) {
		tb_fail("cannot read %s: its %u process image%s damaged or incomplete (not a "
			"tb-tracefunc recording, or the file system was full)",
			dir, rep.unreadable_images, rep.unreadable_images == 1 ? " is" : "s are");
		ret = 1;
		goto out;
	}
	if (err == -ENOENT && stat(dir, &st)) {
		tb_fail("cannot read %s: %s", dir, strerror(errno));
		ret = 1;
		goto out;
	}
	if (err == -ENOENT && !statvfs(dir, &fs) && fs.f_bavail == 0) {
		tb_fail("%s holds no recording: No space left on device there (free some, or "
			"record elsewhere with -D DIR)",
			dir);
		ret = 1;
		goto out;
	}
	if (err == -ENOENT) {
		tb_fail("%s holds no recording: the library recorded nothing (a static program, a "
			"program that never called a hook, or the wrong directory)",
			dir);
		ret = 1;
		goto out;
	}
	if (err) {
		if (err == -ENOMEM)
			tb_fail("cannot read %s: out of memory", dir);
		else if (err != -EBADMSG && err != -EXDEV)
			tb_fail("cannot read %s: %s", dir, strerror(-err));
		ret = 1;
		goto out;
	}
	print_summary(top);
	if (verbose && rep.mode == TB_TF_MODE_LATENCY)
		print_histograms();
	if (!rep.nr_functions && !rep.filtered_out && rep.mode != TB_TF_MODE_OFF)
		printf("no calls recorded: is the program built with -finstrument-functions?\n");
	if (output && (err = write_result(output, attach_ns))) {
		tb_fail("cannot write the result to %s: %s", output, strerror(-err));
		ret = 1;
	}
out:
	if (rep.trace && fclose(rep.trace)) {
		tb_fail("cannot write the trace to %s: %s", trace, strerror(errno));
		ret = 1;
	}
	rep.trace = NULL;
	if (tb_msg__check_stdout("the report"))
		ret = 1;
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "hook", required_argument, NULL, 'H' },
		{ "filter", required_argument, NULL, 'f' },
		{ "buffer-kb", required_argument, NULL, 'b' },
		{ "trace", required_argument, NULL, 'T' },
		{ "dir", required_argument, NULL, 'D' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *output = NULL, *trace = NULL, *keep_dir = NULL, *filter = NULL, *user = NULL;
	const char *mode = "count", *hook = "cyg";
	const char *recording_only = NULL; /* an option report has no use for, given */
	char lib[PATH_MAX], tmpdir[] = "/dev/shm/tb-tracefunc.XXXXXX";
	char dir[PATH_MAX], num[32], *end, **command = NULL;
	struct tb_child child = TB_CHILD_INIT;
	unsigned long long buffer_kb = 0;
	unsigned long top = TOP_DEFAULT;
	bool verbose = false, report = false, is_static = false, has_call_hook = false;
	int argc_opts = argc, c, err, status = 0, ret = 1, ended;
	double duration = 0;
	uint64_t attach_ns, now_at_start = tb_schedule__now_ns();

	tb_msg__hold_std_fds();
	argc_opts = tb_child__split_argv(argc, argv, &command);
	if (argc_opts >= 2 && !strcmp(argv[1], "report")) {
		report = true;
		optind = 2;
	}
	while ((c = getopt_long(argc_opts, argv, ":m:f:b:D:d:o:n:p:u:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "count") && strcmp(optarg, "latency") &&
			    strcmp(optarg, "log") && strcmp(optarg, "noop")) {
				tb_fail("-m %s: give count, latency, log or noop", optarg);
				return 2;
			}
			mode = optarg;
			recording_only = "-m";
			break;
		case 'H':
			if (strcmp(optarg, "cyg") && strcmp(optarg, "method")) {
				tb_fail("--hook %s: give cyg (the compiler's hooks) or method (the "
					"workload's tb_call_hook)",
					optarg);
				return 2;
			}
			hook = optarg;
			recording_only = "--hook";
			break;
		case 'f':
			if (!*optarg || strlen(optarg) > 255) {
				tb_fail("-f: give 1 to 255 characters of comma-separated patterns");
				return 2;
			}
			if (!optarg[strspn(optarg, ",")]) {
				tb_fail("-f %s: no pattern in it; give comma-separated shell "
					"patterns, e.g. -f 'parse*,escape'",
					optarg);
				return 2;
			}
			filter = optarg;
			recording_only = "-f";
			break;
		case 'b':
			buffer_kb = strtoull(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-' || buffer_kb < 4 ||
			    buffer_kb > (1ULL << 30) || (buffer_kb & (buffer_kb - 1))) {
				tb_fail("-b %s: give a power of two from 4 to 1073741824 KiB",
					optarg);
				return 2;
			}
			recording_only = "-b";
			break;
		case 'T':
			trace = optarg;
			break;
		case 'D':
			keep_dir = optarg;
			recording_only = "-D";
			break;
		case 'd':
			if (tb_target__parse_seconds(optarg, &duration)) {
				tb_fail("-d %s: the duration must be " TB_DURATION_RANGE, optarg);
				return 2;
			}
			recording_only = "-d";
			break;
		case 'o':
			output = optarg;
			break;
		case 'n':
			top = strtoul(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-' || top == 0 || top > 1000000) {
				tb_fail("-n %s: give 1 to 1000000 functions", optarg);
				return 2;
			}
			break;
		case 'p':
			tb_fail("-p: the hooks are called from the program's own code and loaded "
				"when it starts; run it under " PROG " -- COMMAND instead");
			return 2;
		case 'u':
			user = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			tb_fail("option '%s' needs a value (-h for help)", argv[optind - 1]);
			return 2;
		default:
			tb_fail("unknown option '%s' (-h for help)", argv[optind - 1]);
			return 2;
		}
	}
	if (tb_result__check_output(output, "the result", "-o") ||
	    tb_result__check_output(trace, "the trace", "--trace"))
		return 2;
	if (tb_child__user_option(user, command))
		return 2;
	if (report) {
		if (command || optind != argc_opts - 1) {
			tb_fail("give report DIR, one recording directory (-h for help)");
			return 2;
		}
		if (recording_only) {
			tb_fail("%s is for recording: report reads what was recorded (-h for help)",
				recording_only);
			return 2;
		}
		return run_report(argv[optind], output, trace, (unsigned int)top, verbose, 0);
	}
	if (!command || !command[0] || optind != argc_opts) {
		tb_fail("give -- COMMAND: the hooks are loaded when the program starts (-h for "
			"help)");
		return 2;
	}
	if (trace && strcmp(mode, "log")) {
		tb_fail("--trace needs -m log: only the log keeps every call");
		return 2;
	}
	if (buffer_kb && strcmp(mode, "log")) {
		tb_fail("-b sizes the log: it needs -m log");
		return 2;
	}
	err = inspect_command(command[0], &is_static, &has_call_hook);
	if (err == -ENOENT) {
		tb_fail("%s: command not found", command[0]);
		return 2;
	}
	if (err == -ENOEXEC) {
		tb_fail("%s is not an x86-64 ELF program: LD_PRELOAD cannot load " LIBRARY
			" into it (a script? trace the interpreter)",
			command[0]);
		return 2;
	}
	if (err) {
		tb_fail("cannot read %s: %s", command[0], strerror(-err));
		return 2;
	}
	if (is_static) {
		tb_fail("%s is statically linked: LD_PRELOAD cannot load " LIBRARY
			" into it (link it dynamically, or link the hooks in)",
			command[0]);
		return 2;
	}
	if (!strcmp(hook, "method") && !has_call_hook) {
		tb_fail("%s has no tb_call_hook: --hook method needs the tracebench workload",
			command[0]);
		return 2;
	}
	err = tb_child__preload(!strcmp(mode, "noop") && !strcmp(hook, "cyg") ? NOOP_LIBRARY
									      : LIBRARY,
				lib, sizeof(lib));
	if (err) {
		tb_fail("cannot find %s: %s — build it with make", lib, strerror(-err));
		return 1;
	}
	/*
	 * With -u the recording directory is the command's: made, read, drained
	 * and removed with its user's rights (the command could put links in it),
	 * while -o and --trace are written with this program's.
	 */
	if (as_user(true))
		return 1;
	if (keep_dir) {
		struct dirent **old;
		int n;

		if (mkdir(keep_dir, 0700) && errno != EEXIST) {
			tb_fail("cannot create %s: %s — choose a writable -D directory%s", keep_dir,
				strerror(errno), user ? " (writable by -u's user)" : "");
			as_user(false);
			return 2;
		}
		/* Absolute: the command may change its directory before it records. */
		if (!realpath(keep_dir, dir) || faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS)) {
			tb_fail("cannot record into %s: %s — choose a writable -D directory%s",
				keep_dir, strerror(errno), user ? " (writable by -u's user)" : "");
			as_user(false);
			return 2;
		}
		n = scandir(dir, &old, is_image, image_order);
		for (int i = 0; i < n; i++)
			free(old[i]);
		if (n > 0)
			free(old);
		if (n != 0) {
			tb_fail(n > 0 ? "-D %s holds a recording already: choose a new or empty "
					"directory"
				      : "cannot record into %s: not a directory — choose a new or "
					"empty "
					"-D directory",
				keep_dir);
			as_user(false);
			return 2;
		}
	} else {
		if (!mkdtemp(tmpdir)) {
			snprintf(tmpdir, sizeof(tmpdir), "/tmp/tb-tracefunc.XXXXXX");
			if (!mkdtemp(tmpdir)) {
				tb_fail("cannot create a directory for the records in /dev/shm or "
					"/tmp: %s",
					strerror(errno));
				as_user(false);
				return 1;
			}
		}
		snprintf(dir, sizeof(dir), "%s", tmpdir);
	}
	if (as_user(false))
		return 1;
	setenv(TB_TF_ENV_DIR, dir, 1);
	setenv(TB_TF_ENV_MODE, mode, 1);
	setenv(TB_TF_ENV_HOOK, hook, 1);
	if (filter)
		setenv(TB_TF_ENV_FILTER, filter, 1);
	else
		unsetenv(TB_TF_ENV_FILTER);
	/* Log: a ring this program drains (-b sizes it); the library alone grows a buffer. */
	unsetenv(TB_TF_ENV_BUFFER);
	snprintf(num, sizeof(num), "%llu", buffer_kb ? buffer_kb : DEFAULT_RING_KB);
	setenv(TB_TF_ENV_RING, num, 1);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	/* A closed pipe on stdout is a write error to report, not a death that leaves files. */
	signal(SIGPIPE, SIG_IGN);
	tool_start_ns = now_at_start;
	/* Ctrl-C is for the command; this program waits for it and reports. */
	err = tb_child__start_foreground(&child, command);
	if (err) {
		tb_fail("cannot run %s: %s", command[0], tb_child__strerror(err));
		goto out;
	}
	/* set-up and launch, from main's start */
	attach_ns = tb_schedule__now_ns() - tool_start_ns;
	if (as_user(true))
		goto out;
	ended = wait_child(&child, duration, !strcmp(mode, "log") ? dir : NULL, &status);
	if (ended < 0) {
		as_user(false);
		tb_fail("cannot wait for %s: %s", command[0], strerror(-ended));
		goto out;
	}
	if (!ended) {
		rep.stopped_early = true;
		stop_recording(dir);
		if (interrupted)
			fprintf(stderr, PROG ": %s: stopped recording; %s (pid %d) runs on\n",
				strsignal(interrupted), command[0], (int)child.pid);
		else
			fprintf(stderr,
				PROG ": stopped recording after %g s; %s (pid %d) runs on\n",
				duration, command[0], (int)child.pid);
	}
	/* The command ended, but what it forked may run on: that records nothing more either. */
	if (ended)
		stop_recording(dir);
	/* Whatever the rings still hold is read from them. */
	if (!strcmp(mode, "log")) {
		drain_scan(dir);
		drain_all();
		drain_free();
		if (drain_err)
			tb_fail("could not save every log record (%s): the rings filled, and the "
				"records dropped are counted as lost",
				strerror(drain_err));
	}
	if (as_user(false))
		goto out;
	if (!strcmp(mode, "noop")) {
		ret = 0;
		printf("noop: the hooks ran and recorded nothing\n");
	} else {
		ret = run_report(dir, output, trace, (unsigned int)top, verbose, attach_ns);
	}
	if (ended) {
		tb_child__close(&child);
		if (!ret)
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
out:
	if (!keep_dir && !as_user(true)) {
		remove_tree(dir);
		as_user(false);
	}
	report_free();
	return ret;
}
