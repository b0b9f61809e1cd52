/* tb_tracefunc_read.h - tb-tracefunc: a recording (the library's files) read back into a report */
#ifndef TB_TRACEFUNC_READ_H
#define TB_TRACEFUNC_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "tb_tracefunc.h"

/* What is known of one function, summed over every thread and process that called it. */
struct function {
	char *name;
	uint64_t calls; /* entries (count, log) or timed calls (latency) */
	uint64_t sum_ns, max_ns;
	uint64_t buckets[TB_TF_BUCKETS];
};

/* One process image: a process, or what it became after an exec. */
struct image_summary {
	pid_t pid, parent_pid;
	char exe[TB_TF_PATH_MAX];
	unsigned int threads;
	uint64_t calls;
	bool exited; /* its exit handlers ran */
};

/* The whole recording, read back. */
struct report {
	enum tb_tf_mode mode;
	enum tb_tf_hook hook;
	char filter[256];
	unsigned int images, threads, crashed_threads;
	pid_t pid; /* the first image's */
	uint64_t duration_ns;
	struct function *functions;
	size_t nr_functions, cap_functions;
	/* Losses and skips, summed. */
	uint64_t lost_buffer, reentered, lost_table_full, lost_no_thread, lost_after_exit;
	uint64_t unmatched, too_deep, filtered_out, stopped;
	/* Log mode. */
	uint64_t records, misnested, exits_before_start, max_depth;
	/* Files left incomplete (the file system was full when they were made): skipped. */
	unsigned int unreadable_images, unreadable_threads;
	bool stopped_early; /* -d or a signal: the command still runs */
	uint64_t first_call_ns; /* CLOCK_MONOTONIC: the first hook call of any thread, 0 if none */
	FILE *trace;
	struct image_summary *image_list;
};

/* The recording read so far: read_recording adds to it, report_free empties it. */
extern struct report rep;

/* Reads every image under root. Returns 0, -ENOENT (nothing recorded) or -errno. */
int read_recording(const char *root);

/* scandir's filter and order for the image directories of a recording: pids, then pid.N */
struct dirent;
int is_image(const struct dirent *de);
int image_order(const struct dirent **a, const struct dirent **b);

/* Calls of every function in rep. */
uint64_t total_calls(void);

/* Frees what reading allocated (and the files opened to name functions), and zeroes rep. */
void report_free(void);

#endif /* TB_TRACEFUNC_READ_H */
