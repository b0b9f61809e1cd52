/* test_stack_reader.c - another process reads the workload's call stack (by hand and with
 * tb_stack_reader) */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "methods.h"
#include "tap.h"
#include "tb_child.h"
#include "tb_maps.h"
#include "tb_stack.h"
#include "tb_stack_reader.h"

/* The call tree as methods.h states it: what a consistent stack must look like. */
static const char *const method_names[TB_NR_METHODS] = {
#define NAME(id, name, base_units, per_parent, parent) [id] = #name,
	TB_METHODS(NAME)
#undef NAME
};
static const int method_parent[TB_NR_METHODS] = {
#define PARENT(id, name, base_units, per_parent, parent) [id] = TB_M_##parent,
	TB_METHODS(PARENT)
#undef PARENT
};
static const int method_fanout[TB_NR_METHODS] = {
#define FANOUT(id, name, base_units, per_parent, parent) [id] = per_parent,
	TB_METHODS(FANOUT)
#undef FANOUT
};

static int read_remote(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* Is this a stack the call tree can produce? Root first; each child called by its parent. */
static bool stack_is_valid(const struct tb_thread_stack *s, const char **why)
{
	if (s->depth > TB_STACK_MAX_DEPTH) {
		*why = "deeper than the call tree";
		return false;
	}
	for (uint32_t i = 0; i < s->depth; i++) {
		const struct tb_frame *f = &s->frames[i], *up = i ? &s->frames[i - 1] : NULL;
		uint32_t m = f->method_id;

		if (m >= TB_NR_METHODS || m == TB_M_loop_leaf_method) {
			*why = "unknown method";
			return false;
		}
		if (!up) {
			if (m != TB_M_handle_request) {
				*why = "root frame is not handle_request";
				return false;
			}
			continue;
		}
		if ((int)up->method_id != method_parent[m] || m == TB_M_handle_request) {
			*why = "frame not called by its parent";
			return false;
		}
		/* A child's argument derives from its parent's (methods.c): fan-out times index. */
		if (method_fanout[m] > 1 ? f->arg / method_fanout[m] != up->arg
					 : f->arg != up->arg) {
			*why = "argument does not derive from the parent's";
			return false;
		}
		if (f->entry_ns < up->entry_ns) {
			*why = "child entered before its parent";
			return false;
		}
	}
	return true;
}

struct reader_stats {
	unsigned long samples, valid, torn, torn_impossible, wrong, empty, max_depth;
	const char *why; /* why the last wrong stack was impossible */
};

/*
 * Reads every thread's stack `rounds` times as an out-of-process profiler
 * does: the sequence counter, the header (depth), then the frames in use with
 * a second read, then the counter again. The frames arrive a system call after
 * the depth, so a stack that changes meanwhile tears.
 */
static void sample_stacks(pid_t pid, const struct tb_stack_root *root, int rounds, long pause_ns,
			  struct reader_stats *st)
{
	struct tb_thread_stack stack;
	const char *why;

	for (int round = 0; round < rounds; round++) {
		for (uint32_t t = 0; t < root->nr_threads; t++) {
			uint64_t addr = root->threads + t * root->thread_stack_size, seq_before,
				 seq_after;

			size_t header = offsetof(struct tb_thread_stack, frames), frames;

			if (read_remote(pid, addr, &seq_before, sizeof(seq_before)) ||
			    read_remote(pid, addr, &stack, header))
				return; /* the workload has exited */
			frames = (stack.depth < TB_STACK_MAX_DEPTH ? stack.depth
								   : TB_STACK_MAX_DEPTH) *
				 sizeof(struct tb_frame);
			if ((frames && read_remote(pid, addr + header, stack.frames, frames)) ||
			    read_remote(pid, addr, &seq_after, sizeof(seq_after)))
				return;
			st->samples++;
			if ((seq_before & 1) || seq_before != seq_after ||
			    stack.seq != seq_before) {
				st->torn++;
				/* What a reader without the sequence check would have accepted. */
				if (stack.depth && !stack_is_valid(&stack, &why))
					st->torn_impossible++;
				continue;
			}
			if (!stack.depth) {
				st->empty++;
			} else if (stack_is_valid(&stack, &why)) {
				st->valid++;
				if (stack.depth > st->max_depth)
					st->max_depth = stack.depth;
			} else {
				st->wrong++;
				st->why = why;
			}
		}
		if (pause_ns)
			nanosleep(&(struct timespec){ .tv_nsec = pause_ns }, NULL);
	}
}

/* Starts the workload behind its gate and reads its stack root; 0 or -1 (reported). */
static int start_and_find_root(struct tb_child *child, char *argv[], struct tb_stack_root *root)
{
	uint64_t root_addr = 0;
	int err;

	if (!tap_ok(tb_child__spawn(child, argv) == 0 && tb_child__exec(child) == 0,
		    "start %s %s %s %s %s behind its gate", argv[2], argv[3], argv[4], argv[5],
		    argv[6]))
		return -1;
	/* Before this, the loader may not have relocated the pointers in the root yet. */
	tap_ok(tb_child__wait_ready(child, 10000) == 0, "the workload reports it is at the gate");
	/* Found by symbol through /proc/PID/maps: PIE and ASLR, no address known in advance. */
	err = tb_maps__resolve_symbol(child->pid, NULL, TB_STACK_ROOT_SYMBOL, &root_addr);
	tap_ok(err == 0, "resolve %s in the running workload (0x%llx)", TB_STACK_ROOT_SYMBOL,
	       (unsigned long long)root_addr);
	if (!tap_ok(read_remote(child->pid, root_addr, root, sizeof(*root)) == 0,
		    "read the stack root with process_vm_readv"))
		return -1;
	return 0;
}

static bool is_thread_of(pid_t pid, uint32_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%u", pid, tid);
	return tid && access(path, F_OK) == 0;
}

/*
 * The shared reader on a workload held at its gate (4 threads, no method
 * running): the same root as read by hand, the names, one consistent empty
 * stack per thread, through process_vm_readv and through /proc/PID/mem.
 */
static void test_reader_at_gate(pid_t pid, const struct tb_stack_root *root)
{
	struct tb_stack_reader r = TB_STACK_READER_INIT;
	bool names_ok = true;
	int err;

	err = tb_stack_reader__open(&r, getpid());
	tap_is_u64(-err, ENOENT, "tb_stack_reader__open on a program without the root: -ENOENT");
	tb_stack_reader__close(&r);
	if (!tap_ok(tb_stack_reader__open(&r, pid) == 0, "tb_stack_reader__open on the workload"))
		return;
	tap_ok(tb_stack_reader__load(&r) == 0, "tb_stack_reader__load reads and checks the root");
	tap_is_u64(r.root.threads, root->threads, "... the same thread array as read by hand");
	for (uint32_t m = 0; m < TB_NR_METHODS; m++)
		names_ok &= !strcmp(tb_stack_reader__method_name(&r, m), method_names[m]);
	tap_ok(names_ok, "... every method name as methods.h has it");
	tap_ok(!strcmp(tb_stack_reader__method_name(&r, TB_NR_METHODS), "?"),
	       "... an id out of range is named '?'");
	for (int pass = 0; pass < 2; pass++) {
		const char *how = pass ? "/proc/PID/mem" : "process_vm_readv";
		uint64_t calls = r.system_calls;
		unsigned int ok = 0, empty = 0;

		r.use_mem_file = pass; /* what happens where process_vm_readv is ENOSYS */
		tap_ok(tb_stack_reader__read(&r, ~0ull) == 0, "read every slot through %s", how);
		for (uint32_t i = 0; i < r.nr_slots; i++) {
			ok += r.state[i] == TB_SLOT_OK;
			empty += r.stacks[i].depth == 0 && is_thread_of(pid, r.stacks[i].tid);
		}
		tap_is_u64(ok, 4, "... 4 consistent slots");
		tap_is_u64(empty, 4, "... each an empty stack of a live thread (at the gate)");
		tap_ok(r.system_calls - calls == (pass ? 1 + 3 * 4 : 1), "... in %s (%llu)",
		       pass ? "one pread per range" : "one system call",
		       (unsigned long long)(r.system_calls - calls));
	}
	tap_ok(tb_stack_reader__read(&r, 1) == 0 && r.state[0] == TB_SLOT_OK &&
		       r.state[1] == TB_SLOT_UNUSED,
	       "a mask reads only the slots in it");
	tb_stack_reader__close(&r);
}

/* A slowly changing stack: the layout, the names, and only possible stacks accepted. */
static void test_layout_and_stacks(const char *workload)
{
	char *argv[] = { (char *)workload, "-q", "-t", "4", "-s", "5", "-d", "2", NULL };
	struct tb_child child = TB_CHILD_INIT;
	struct reader_stats st = { 0 };
	struct tb_stack_root root;
	uint64_t names[TB_NR_METHODS];
	bool names_ok = true, tids_ok = true;
	int status = -1;

	if (start_and_find_root(&child, argv, &root))
		goto out;
	tap_ok(root.magic == TB_STACK_MAGIC && root.version == TB_STACK_VERSION,
	       "root has the magic and version");
	tap_is_u64(root.nr_methods, TB_NR_METHODS, "root counts the methods");
	tap_is_u64(root.thread_stack_size, sizeof(struct tb_thread_stack),
		   "root states the per-thread stack size");
	tap_is_u64(root.nr_threads, 4, "all 4 worker threads have slots before the gate");
	for (uint32_t t = 0; t < root.nr_threads; t++) {
		uint32_t tid = 0;

		if (read_remote(child.pid,
				root.threads + t * root.thread_stack_size +
					offsetof(struct tb_thread_stack, tid),
				&tid, sizeof(tid)) ||
		    !is_thread_of(child.pid, tid))
			tids_ok = false;
	}
	tap_ok(tids_ok, "at the gate, every slot names a live thread of the workload");

	/* Method names: an array of pointers, then each string, all in the target's memory. */
	if (read_remote(child.pid, root.method_names, names, sizeof(names)))
		names_ok = false;
	for (int m = 0; names_ok && m < TB_NR_METHODS; m++) {
		char name[64] = "";

		if (read_remote(child.pid, names[m], name, sizeof(name) - 1) ||
		    strcmp(name, method_names[m]))
			names_ok = false;
	}
	tap_ok(names_ok, "every method name read from the target matches methods.h");
	test_reader_at_gate(child.pid, &root);

	tb_child__release(&child);
	sample_stacks(child.pid, &root, 2000, 200000, &st);
	tap_diag("%lu reads: %lu consistent stacks, %lu torn (rejected), %lu empty", st.samples,
		 st.valid, st.torn, st.empty);
	tap_ok(st.valid >= 1000,
	       "at least 1000 consistent stacks read while the workload ran (%lu)", st.valid);
	tap_ok(st.wrong == 0, "no consistent read is an impossible stack (%lu wrong%s%s)", st.wrong,
	       st.why ? ": " : "", st.why ? st.why : "");
	tap_is_u64(st.max_depth, 4,
		   "the deepest stack seen is handle_request > render > render_row > escape");
	tb_child__wait(&child, &status);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the workload exits 0 after being read");
out:
	tb_child__kill(&child);
}

/*
 * A stack that changes every few nanoseconds (scale 0), read back to back:
 * reads do tear, the sequence counter catches them, and what it rejects
 * includes stacks no program could have had.
 */
static void test_torn_reads(const char *workload)
{
	char *argv[] = { (char *)workload, "-q", "-t", "2", "-s", "0", "-d", "1", NULL };
	struct tb_child child = TB_CHILD_INIT;
	struct reader_stats st = { 0 };
	struct tb_stack_root root;
	int status = -1;

	if (start_and_find_root(&child, argv, &root))
		goto out;
	tb_child__release(&child);
	sample_stacks(child.pid, &root, 20000, 0, &st);
	tap_diag("%lu reads: %lu consistent, %lu torn, of which %lu impossible stacks", st.samples,
		 st.valid, st.torn, st.torn_impossible);
	tap_ok(st.torn > 0, "a fast-changing stack tears some reads (%lu of %lu)", st.torn,
	       st.samples);
	tap_ok(st.torn_impossible > 0,
	       "without the sequence check, a reader would accept impossible stacks (%lu)",
	       st.torn_impossible);
	tap_ok(st.wrong == 0, "with it, no accepted stack is impossible (%lu wrong%s%s)", st.wrong,
	       st.why ? ": " : "", st.why ? st.why : "");
	tb_child__wait(&child, &status);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the workload exits 0");
out:
	tb_child__kill(&child);
}

int main(void)
{
	const char *out = getenv("OUT") ? getenv("OUT") : "build";
	char workload[PATH_MAX + 16], dir[PATH_MAX];

	if (!tap_ok(realpath(out, dir) != NULL, "build directory %s exists", out))
		return tap_done();
	snprintf(workload, sizeof(workload), "%s/workload", dir);
	test_layout_and_stacks(workload);
	test_torn_reads(workload);
	return tap_done();
}
