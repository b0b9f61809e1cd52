/* tb_truth.h - read the workload's truth file: what really happened in a run */
#ifndef TB_TRUTH_H
#define TB_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The truth file is written by workload/workload.c (write_truth) at exit.
 * Every key it always writes is required here; "loop" (probe-loop mode) and
 * the calibration keys of a method (-c, only for methods that were called)
 * are optional. Keys this reader does not know are ignored, so the workload
 * may add some without breaking older readers.
 */

struct tb_truth_method {
	char *name;
	uint32_t id;
	uint64_t calls, arg_sum, self_units_per_call;
	bool calibrated; /* the three fields below are set */
	double self_ns_per_call, self_ns, self_share;
};

struct tb_truth_syscall {
	char *name;
	uint64_t count;
};

struct tb_truth {
	char *program, *variant, *run_mode;
	int pid;
	unsigned int threads;
	double scale;
	uint64_t requests, hot_wall_ns, hot_cpu_ns, method_calls, result, syscall_errors;
	struct tb_truth_method *methods; /* in file order */
	size_t nr_methods;
	struct tb_truth_syscall *syscalls;
	size_t nr_syscalls;
	bool has_loop; /* the loop fields below are set */
	char *loop_leaf;
	uint64_t loop_calls_per_thread;
	double loop_ns_per_call;
};

/*
 * Reads path into *truth. Returns 0; -errno if the file cannot be read
 * (-EFBIG above TB_JSON_MAX_SIZE); -EINVAL if it is not valid JSON, lacks a
 * required key or has a value of the wrong type; -ENOMEM. Every failure
 * prints one line on stderr naming the file and, for -EINVAL, the line:column
 * and what was expected there. On failure *truth is zeroed (tb_truth__free on
 * it is harmless).
 */
int tb_truth__read(const char *path, struct tb_truth *truth);

/* The same from a copy of a truth file's text (len bytes); name is what messages call it. */
int tb_truth__parse(const char *name, const char *text, size_t len, struct tb_truth *truth);

/* The method called name, or NULL. */
const struct tb_truth_method *tb_truth__method(const struct tb_truth *t, const char *name);

/* The count of the system call called name; 0 if the file does not list it. */
uint64_t tb_truth__syscall(const struct tb_truth *t, const char *name);

/* Frees what tb_truth__read allocated and zeroes *t. Accepts a zeroed struct. */
void tb_truth__free(struct tb_truth *t);

#endif /* TB_TRUTH_H */
