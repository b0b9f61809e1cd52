/* workload.h - state shared by the workload's driver (workload.c) and methods (methods.c) */
#ifndef TB_WORKLOAD_H
#define TB_WORKLOAD_H

#include <stdint.h>
#include <time.h>

#include "methods.h"
#include "tb_stack.h"

/* Everything one worker thread counts; merged into the truth at exit. */
struct tb_worker {
	struct tb_thread_stack *stack; /* this thread's slot in tb_stack_root */
	uint64_t calls[TB_NR_METHODS];
	uint64_t arg_sum[TB_NR_METHODS]; /* sum of arguments, modulo 2^64 */
	uint64_t pread64_calls;
	uint64_t writev_calls;
	uint64_t syscall_errors;
	uint64_t requests;
	uint64_t result; /* sum of request results: changes if a computation goes wrong */
	uint64_t signals_sent; /* --signal-every */
	uint64_t forks, fork_failures; /* --fork-every */
};

/* Per-method self work in units at scale 1: the base_units column of TB_METHODS. */
extern const unsigned int tb_method_base_units[TB_NR_METHODS];
extern const char *const tb_method_names[TB_NR_METHODS];

/* Set once before any worker starts: base_units times --scale, rounded. */
extern uint64_t tb_method_units[TB_NR_METHODS];
extern int tb_db_fd; /* read by query */
extern int tb_devnull_fd; /* written by respond */

extern __thread struct tb_worker *tb_self;

/* The exported root of the in-memory call stack (tb_stack.h). */
extern struct tb_stack_root tb_stack_root;

uint64_t handle_request(uint64_t request_id);

/* The probe-loop leaves, one per kind of instrumentation point. */
uint64_t loop_leaf_empty(uint64_t i);
uint64_t loop_leaf_probe(uint64_t i);
uint64_t loop_leaf_guarded(uint64_t i);
uint64_t loop_leaf_method(uint64_t i);

/* Self work of a method's body (with its system call), timed on its own by calibration. */
uint64_t tb_method_self_work(enum tb_method m, uint64_t seed);

/* Never instrumented: -finstrument-functions hooks belong to methods only. */
#define TB_NO_HOOKS __attribute__((no_instrument_function))

static inline __attribute__((always_inline)) TB_NO_HOOKS uint64_t tb_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif /* TB_WORKLOAD_H */
