/* tb_stack.h - the workload's in-memory call stack, laid out for readers in other processes */
#ifndef TB_STACK_H
#define TB_STACK_H

#include <stdint.h>

/*
 * The workload keeps its own call stack the way an interpreter keeps control
 * frames: one array of frames per thread, all reachable from the exported
 * global symbol TB_STACK_ROOT_SYMBOL. Every field has a fixed size and
 * pointers are stored as 64-bit addresses in the target's address space, so
 * a reader in another process (process_vm_readv, ptrace) can use this header
 * as it is.
 *
 * Torn reads: each thread's stack carries a sequence counter. The owning
 * thread makes it odd before it changes depth or a frame and even again
 * afterwards. A reader copies seq, the stack, then seq again; the copy is
 * consistent only if both reads are equal and even.
 */

#define TB_STACK_ROOT_SYMBOL "tb_stack_root"
#define TB_STACK_MAGIC 0x316b636174736274ULL /* "tbstack1", little endian */
#define TB_STACK_VERSION 1
#define TB_STACK_MAX_DEPTH 32
#define TB_STACK_MAX_THREADS 64

struct tb_frame {
	uint32_t method_id;
	uint32_t reserved;
	uint64_t arg;
	uint64_t entry_ns; /* CLOCK_MONOTONIC at method entry */
};

struct tb_thread_stack {
	uint64_t seq; /* odd while the owner is writing */
	uint32_t tid; /* kernel thread id, 0 while the slot is unused */
	uint32_t depth; /* frames in use; may exceed max_depth, frames beyond it are not stored */
	struct tb_frame frames[TB_STACK_MAX_DEPTH];
} __attribute__((aligned(64))); /* one cache line boundary per thread: no false sharing */

struct tb_stack_root {
	uint64_t magic; /* TB_STACK_MAGIC */
	uint32_t version; /* TB_STACK_VERSION */
	uint32_t nr_methods; /* entries in method_names */
	uint64_t method_names; /* address of a const char *[nr_methods], NUL-terminated names */
	uint64_t threads; /* address of struct tb_thread_stack[max_threads] */
	uint32_t max_threads; /* TB_STACK_MAX_THREADS */
	uint32_t max_depth; /* TB_STACK_MAX_DEPTH */
	uint32_t nr_threads; /* slots handed out so far (written before a slot is used) */
	uint32_t thread_stack_size; /* sizeof(struct tb_thread_stack) */
};

#endif /* TB_STACK_H */
