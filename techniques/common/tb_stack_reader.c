/* tb_stack_reader.c - read the workload's in-memory call stacks from another process */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tb_maps.h"
#include "tb_stack_reader.h"

/* Longest method name copied; a longer one is cut. */
#define NAME_MAX_LEN 64
/* More methods than this is not a root we understand. */
#define MAX_METHODS 4096

/*
 * Reads each remote range into the matching local one, in order. Returns 0,
 * -EFAULT if fewer bytes than asked came back (a range, or part of one, is
 * not mapped), or -errno.
 */
static int read_ranges(struct tb_stack_reader *r, const struct iovec *local,
		       const struct iovec *remote, size_t nr)
{
	size_t want = 0;
	ssize_t n;

	for (size_t i = 0; i < nr; i++)
		want += local[i].iov_len;
	if (!r->use_mem_file) {
		r->system_calls++;
		n = process_vm_readv(r->pid, local, nr, remote, nr, 0);
		if (n >= 0)
			return (size_t)n == want ? 0 : -EFAULT;
		if (errno != ENOSYS)
			return -errno;
		r->use_mem_file = true;
	}
	if (r->mem_fd < 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/mem", (int)r->pid);
		r->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->mem_fd < 0)
			return errno == ENOENT ? -ESRCH : -errno;
	}
	for (size_t i = 0; i < nr; i++) {
		r->system_calls++;
		n = pread(r->mem_fd, local[i].iov_base, local[i].iov_len,
			  (off_t)(uintptr_t)remote[i].iov_base);
		if (n < 0)
			return errno == EIO ? -EFAULT : -errno;
		if ((size_t)n != local[i].iov_len)
			return n == 0 ? -ESRCH : -EFAULT; /* 0: the process has no memory left */
	}
	return 0;
}

static int read_one(struct tb_stack_reader *r, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	return read_ranges(r, &local, &remote, 1);
}

int tb_stack_reader__open(struct tb_stack_reader *r, pid_t pid)
{
	int err;

	*r = TB_STACK_READER_INIT;
	r->pid = pid;
	err = tb_maps__resolve_symbol(pid, NULL, TB_STACK_ROOT_SYMBOL, &r->root_addr);
	if (err)
		return err;
	r->stacks = calloc(TB_STACK_MAX_THREADS, sizeof(*r->stacks));
	r->seq_before = calloc(TB_STACK_MAX_THREADS, sizeof(*r->seq_before));
	r->seq_after = calloc(TB_STACK_MAX_THREADS, sizeof(*r->seq_after));
	/* The thread count, then three ranges per slot. */
	r->local = calloc(1 + 3 * TB_STACK_MAX_THREADS, sizeof(*r->local));
	r->remote = calloc(1 + 3 * TB_STACK_MAX_THREADS, sizeof(*r->remote));
	if (!r->stacks || !r->seq_before || !r->seq_after || !r->local || !r->remote) {
		tb_stack_reader__close(r);
		return -ENOMEM;
	}
	return 0;
}

static void free_names(struct tb_stack_reader *r)
{
	if (r->method_names)
		for (uint32_t m = 0; m < r->root.nr_methods; m++)
			free(r->method_names[m]);
	free(r->method_names);
	r->method_names = NULL;
}

int tb_stack_reader__load(struct tb_stack_reader *r)
{
	struct tb_stack_root *root = &r->root;
	uint64_t *addrs = NULL;
	int err;

	free_names(r);
	err = read_one(r, r->root_addr, root, sizeof(*root));
	if (err)
		return err == -EFAULT ? -EPROTO : err;
	if (root->magic != TB_STACK_MAGIC || root->version != TB_STACK_VERSION ||
	    root->thread_stack_size != sizeof(struct tb_thread_stack) ||
	    root->max_threads != TB_STACK_MAX_THREADS || root->max_depth != TB_STACK_MAX_DEPTH ||
	    root->nr_methods == 0 || root->nr_methods > MAX_METHODS)
		return -EPROTO;
	addrs = calloc(root->nr_methods, sizeof(*addrs));
	r->method_names = calloc(root->nr_methods, sizeof(*r->method_names));
	if (!addrs || !r->method_names) {
		err = -ENOMEM;
		goto fail;
	}
	/* Unrelocated pointers (a program not yet started) lead nowhere: try again later. */
	err = read_one(r, root->method_names, addrs, root->nr_methods * sizeof(*addrs));
	if (!err)
		err = read_one(r, root->threads, r->stacks, sizeof(*r->stacks));
	if (err)
		goto fail;
	for (uint32_t m = 0; m < root->nr_methods; m++) {
		char name[NAME_MAX_LEN] = "";

		/*
		 * At once, or where that read runs into an unmapped page (a name
		 * just before the end of a mapping), byte by byte until the NUL.
		 */
		if (read_one(r, addrs[m], name, sizeof(name) - 1)) {
			memset(name, 0, sizeof(name));
			for (size_t i = 0; i < sizeof(name) - 1; i++) {
				err = read_one(r, addrs[m] + i, &name[i], 1);
				if (err)
					goto fail;
				if (!name[i])
					break;
			}
		}
		/* Safe for folded stacks and line formats: no blanks, no ';', printable. */
		for (char *c = name; *c; c++)
			if (*c <= ' ' || *c > '~' || *c == ';')
				*c = '_';
		r->method_names[m] = strdup(name[0] ? name : "_");
		if (!r->method_names[m]) {
			err = -ENOMEM;
			goto fail;
		}
	}
	free(addrs);
	r->nr_slots = root->nr_threads < root->max_threads ? root->nr_threads : root->max_threads;
	return 0;
fail:
	free(addrs);
	free_names(r);
	return err == -EFAULT ? -EAGAIN : err;
}

/* Is a copy with stable counters also a stack the workload could have? */
static bool stack_is_possible(const struct tb_stack_reader *r, const struct tb_thread_stack *st)
{
	uint32_t depth = st->depth < TB_STACK_MAX_DEPTH ? st->depth : TB_STACK_MAX_DEPTH;

	for (uint32_t d = 0; d < depth; d++)
		if (st->frames[d].method_id >= r->root.nr_methods)
			return false;
	return true;
}

int tb_stack_reader__read(struct tb_stack_reader *r, uint64_t mask)
{
	struct iovec *local = r->local, *remote = r->remote;
	uint32_t nr_threads, slot[TB_STACK_MAX_THREADS], nr = 0;
	size_t n = 0;
	int err;

	for (uint32_t i = 0; i < TB_STACK_MAX_THREADS; i++) {
		r->state[i] = TB_SLOT_UNUSED;
		if (i < r->nr_slots && (mask >> i & 1))
			slot[nr++] = i;
	}
	local[n] = (struct iovec){ &nr_threads, sizeof(nr_threads) };
	remote[n++] = (struct iovec){
		(void *)(uintptr_t)(r->root_addr + offsetof(struct tb_stack_root, nr_threads)),
		sizeof(nr_threads)
	};
	/* Counters, copies, counters: the kernel copies the ranges in this order. */
	for (uint32_t k = 0; k < 3; k++) {
		for (uint32_t j = 0; j < nr; j++) {
			uint64_t at = r->root.threads + (uint64_t)slot[j] * sizeof(*r->stacks);

			remote[n].iov_base = (void *)(uintptr_t)at;
			if (k == 1) {
				local[n] =
					(struct iovec){ &r->stacks[slot[j]], sizeof(*r->stacks) };
			} else {
				local[n] = (struct iovec){ k ? &r->seq_after[slot[j]]
							     : &r->seq_before[slot[j]],
							   sizeof(uint64_t) };
			}
			remote[n].iov_len = local[n].iov_len;
			n++;
		}
	}
	err = read_ranges(r, local, remote, n);
	if (err)
		return err;
	for (uint32_t j = 0; j < nr; j++) {
		uint32_t i = slot[j];
		const struct tb_thread_stack *st = &r->stacks[i];

		if (!st->tid)
			r->state[i] = TB_SLOT_UNUSED;
		else if ((r->seq_before[i] & 1) || r->seq_before[i] != r->seq_after[i] ||
			 st->seq != r->seq_before[i])
			r->state[i] = TB_SLOT_TORN;
		else if (!stack_is_possible(r, st))
			r->state[i] = TB_SLOT_INVALID;
		else
			r->state[i] = TB_SLOT_OK;
	}
	r->nr_slots = nr_threads < r->root.max_threads ? nr_threads : r->root.max_threads;
	return 0;
}

const char *tb_stack_reader__method_name(const struct tb_stack_reader *r, uint32_t m)
{
	return r->method_names && m < r->root.nr_methods && r->method_names[m] ? r->method_names[m]
									       : "?";
}

void tb_stack_reader__close(struct tb_stack_reader *r)
{
	free_names(r);
	free(r->stacks);
	free(r->seq_before);
	free(r->seq_after);
	free(r->local);
	free(r->remote);
	if (r->mem_fd >= 0)
		close(r->mem_fd);
	*r = TB_STACK_READER_INIT;
}
