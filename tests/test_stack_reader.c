/* test_stack_reader.c - another process reads the workload's call stack; torn reads rejected */
#define _GNU_SOURCE
#include <errno.h>
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

/* The call tree as methods.h states it: what a consistent stack must look like. */
static const char *const method_names[TB_NR_METHODS] = {
#define NAME(id, name, self_units, per_parent, parent) [id] = #name,
	TB_METHODS(NAME)
#undef NAME
};
static const int method_parent[TB_NR_METHODS] = {
#define PARENT(id, name, self_units, per_parent, parent) [id] = TB_M_##parent,
	TB_METHODS(PARENT)
#undef PARENT
};
static const int method_fanout[TB_NR_METHODS] = {
#define FANOUT(id, name, self_units, per_parent, parent) [id] = per_parent,
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

int main(void)
{
	const char *out = getenv("OUT") ? getenv("OUT") : "build";
	char workload[PATH_MAX + 16], dir[PATH_MAX];
	char *argv[] = { workload, "-q", "-t", "2", "-s", "5", "-d", "2", NULL };
	struct tb_child child = TB_CHILD_INIT;
	struct tb_stack_root root;
	struct tb_thread_stack stack;
	uint64_t root_addr = 0, names[TB_NR_METHODS];
	unsigned long samples = 0, valid = 0, torn = 0, wrong = 0, max_depth_seen = 0, empty = 0;
	const char *why = NULL;
	bool names_ok = true;
	int status, err;

	if (!tap_ok(realpath(out, dir) != NULL, "build directory %s exists", out))
		return tap_done();
	snprintf(workload, sizeof(workload), "%s/workload", dir);
	if (!tap_ok(tb_child__spawn(&child, argv) == 0 && tb_child__exec(&child) == 0,
		    "start the workload behind its gate"))
		goto out;
	/* Before this, the loader may not have relocated the pointers in the root yet. */
	tap_ok(tb_child__wait_ready(&child, 10000) == 0, "the workload reports it is at the gate");

	/* Found by symbol through /proc/PID/maps: PIE and ASLR, no address known in advance. */
	err = tb_maps__resolve_symbol(child.pid, NULL, TB_STACK_ROOT_SYMBOL, &root_addr);
	tap_ok(err == 0, "resolve %s in the running workload (0x%llx)", TB_STACK_ROOT_SYMBOL,
	       (unsigned long long)root_addr);
	if (!tap_ok(read_remote(child.pid, root_addr, &root, sizeof(root)) == 0,
		    "read the stack root with process_vm_readv"))
		goto out;
	tap_ok(root.magic == TB_STACK_MAGIC && root.version == TB_STACK_VERSION,
	       "root has the magic and version");
	tap_is_u64(root.nr_methods, TB_NR_METHODS, "root counts the methods");
	tap_is_u64(root.thread_stack_size, sizeof(struct tb_thread_stack),
		   "root states the per-thread stack size");
	tap_is_u64(root.nr_threads, 2, "both worker threads registered before the gate");

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

	tb_child__release(&child);
	/* Sample both threads for about a second while the workload runs. */
	for (int round = 0; round < 4000; round++) {
		for (uint32_t t = 0; t < root.nr_threads; t++) {
			uint64_t addr = root.threads + t * root.thread_stack_size, seq_before,
				 seq_after;

			if (read_remote(child.pid, addr, &seq_before, sizeof(seq_before)) ||
			    read_remote(child.pid, addr, &stack, sizeof(stack)) ||
			    read_remote(child.pid, addr, &seq_after, sizeof(seq_after)))
				goto done;
			samples++;
			if ((seq_before & 1) || seq_before != seq_after ||
			    stack.seq != seq_before) {
				torn++;
				continue;
			}
			if (!stack.depth) {
				empty++;
				continue;
			}
			if (stack_is_valid(&stack, &why)) {
				valid++;
				if (stack.depth > max_depth_seen)
					max_depth_seen = stack.depth;
			} else {
				wrong++;
			}
		}
		nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	}
done:
	tap_diag("%lu reads: %lu consistent stacks, %lu torn (rejected), %lu empty", samples, valid,
		 torn, empty);
	tap_ok(valid >= 1000, "at least 1000 consistent stacks read while the workload ran (%lu)",
	       valid);
	tap_ok(wrong == 0, "no consistent read is an impossible stack (%lu wrong%s%s)", wrong,
	       why ? ": " : "", why ? why : "");
	tap_is_u64(max_depth_seen, 4,
		   "the deepest stack seen is handle_request > render > render_row > escape");
	tb_child__wait(&child, &status);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the workload exits 0 after being read");
out:
	tb_child__kill(&child);
	return tap_done();
}
