/* tb_signal_samples.h - tb-signal: the sample file (or a dump's reply) read back into a report */
#ifndef TB_SIGNAL_SAMPLES_H
#define TB_SIGNAL_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tb_tally.h"

/* One process image's record: the command, or what it became after an exec. */
struct report_image {
	int pid;
	uint32_t written_at; /* enum tb_signal_written_at: at its exit, or before its exec */
	uint32_t threads; /* threads that took a sample */
	uint64_t samples;
	char exe[256]; /* its executable, cut to fit */
};

#define REPORT_MAX_IMAGES 32 /* images listed; more are counted (nr_images) */

/* What the samples came to. */
struct report {
	struct tb_tally leaves, stacks; /* native: leaf function, folded stack */
	struct tb_tally method_leaves, method_stacks; /* the workload's in-memory stack */
	uint64_t samples, lost, overruns, torn, no_buffer, method_samples;
	uint64_t cpu_ns, alive_ns; /* summed over the threads */
	uint32_t threads;
	bool wall;
	double rate_hz;
	uint64_t duration_ns;
	uint64_t first_sample_ns; /* CLOCK_MONOTONIC of the first sample of any thread, 0 if none */
	int pid;
	struct report_image images[REPORT_MAX_IMAGES]; /* the first ones, in the order they ran */
	uint32_t nr_images; /* records read: process images that wrote their samples */
	uint32_t last_written_at; /* the last record's written_at */
	bool cut_short; /* the last record was left unfinished (its process died writing it) */
};

/*
 * Reads samples (the library's sample file: one record per process image,
 * or a dump's reply: what names it in messages) into r, or with dump set
 * prints each thread's stack. The workload's method names come from its
 * methods (known to this build). A last record left unfinished sets
 * r->cut_short and is not read. Returns 0, or -1 after saying what is wrong.
 */
int read_samples(const char *data, size_t len, const char *what, struct report *r,
		 char *const *method_names, uint32_t nr_names, bool dump);

/* Closes the files read_samples opened to name instruction pointers. */
void close_modules(void);

#endif /* TB_SIGNAL_SAMPLES_H */
