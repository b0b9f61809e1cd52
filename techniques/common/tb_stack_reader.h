/* tb_stack_reader.h - read the workload's in-memory call stacks (tb_stack.h) from another process
 */
#ifndef TB_STACK_READER_H
#define TB_STACK_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "tb_stack.h"

/*
 * An out-of-process reader of the per-thread stacks the workload keeps in
 * memory, the way rbspy reads a Ruby VM's control frames:
 *
 *   tb_stack_reader__open()   finds the root by its ELF symbol through
 *                             /proc/PID/maps (PIE and ASLR: no address is
 *                             known in advance)
 *   tb_stack_reader__load()   reads and checks the root and copies the
 *                             method names out of the target
 *   tb_stack_reader__read()   copies threads' stacks, each checked against
 *                             its sequence counter
 *
 * Memory is read with process_vm_readv, one system call per read: the
 * thread count, every wanted slot's counter, the slots, and the counters
 * again, as one list of remote ranges that the kernel copies in order. A
 * slot is consistent only if both counters are equal and even and match the
 * copy's own. A short read (a range that is not mapped) fails the whole read:
 * nothing after the gap is used. Where process_vm_readv does not exist
 * (ENOSYS) the same ranges are read from /proc/PID/mem, one pread each.
 */

enum tb_slot_state {
	TB_SLOT_UNUSED, /* not read, or no thread owns it yet (tid 0) */
	TB_SLOT_OK, /* a consistent copy */
	TB_SLOT_TORN, /* the owner was writing: counters odd or different */
	TB_SLOT_INVALID, /* counters stable but the content impossible (method id out of range) */
};

struct tb_stack_reader {
	pid_t pid;
	uint64_t root_addr;
	struct tb_stack_root root; /* as tb_stack_reader__load read it */
	char **method_names; /* root.nr_methods names, after load */
	uint32_t nr_slots; /* slots handed out (root.nr_threads) at the last read, capped */
	struct tb_thread_stack *stacks; /* [TB_STACK_MAX_THREADS]: the last copies */
	enum tb_slot_state state[TB_STACK_MAX_THREADS]; /* of each slot's last copy */
	bool use_mem_file; /* reading through /proc/PID/mem: no process_vm_readv */
	uint64_t system_calls; /* reads made, for the cost per sample */
	/* private */
	int mem_fd;
	uint64_t *seq_before, *seq_after;
	struct iovec *local, *remote;
};

#define TB_STACK_READER_INIT ((struct tb_stack_reader){ .mem_fd = -1 })

/*
 * Finds TB_STACK_ROOT_SYMBOL in pid's executable. Returns 0, -ENOENT if the
 * executable has no such symbol (the process is not a workload), -ESRCH, or
 * another -errno from /proc or the ELF file.
 */
int tb_stack_reader__open(struct tb_stack_reader *r, pid_t pid);

/*
 * Reads the root and the method names. Returns 0; -EAGAIN if the root is
 * there but its pointers do not lead to readable memory yet (a program
 * started moments ago, before its dynamic loader relocated them: try again
 * later); -EPROTO if the root has the wrong magic, version or sizes (a
 * different build, or not a workload); -EPERM (not allowed to read the
 * process: ptrace access mode); -ESRCH (gone); -ENOMEM.
 */
int tb_stack_reader__load(struct tb_stack_reader *r);

/*
 * Copies the stacks of the slots in mask (bit i for slot i; ~0 for every slot
 * handed out) and sets their state[]. The thread count is read in the same
 * call, so slots handed out meanwhile are read from the next call on.
 * Returns 0, -ESRCH (the process is gone), -EFAULT (a short read: no slot
 * marked OK), -EPERM, or -errno.
 */
int tb_stack_reader__read(struct tb_stack_reader *r, uint64_t mask);

/* The name of method id m, "?" when out of range. */
const char *tb_stack_reader__method_name(const struct tb_stack_reader *r, uint32_t m);

/* Accepts TB_STACK_READER_INIT. */
void tb_stack_reader__close(struct tb_stack_reader *r);

#endif /* TB_STACK_READER_H */
