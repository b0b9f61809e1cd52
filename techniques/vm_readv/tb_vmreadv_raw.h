/* tb_vmreadv_raw.h - tb-vmreadv's profile, and the raw recording `report` reads back */
#ifndef TB_VMREADV_RAW_H
#define TB_VMREADV_RAW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "tb_stack_reader.h"
#include "tb_tally.h"

#define RAW_MAGIC "# tb-vmreadv raw recording 1"
#define TRUNCATED_FRAME "(truncated)"

/* What a recording saw: every consistent stack, and every sample it could not use. */
struct profile {
	struct tb_tally stacks; /* folded method stacks, root first */
	struct tb_tally self; /* leaf method */
	struct tb_tally total; /* every method on the stack, once per sample */
	uint64_t samples; /* consistent stacks with at least one method */
	uint64_t idle; /* consistent stacks with no method: between requests, or thread gone */
	uint64_t torn; /* still torn after the retries: excluded */
	uint64_t invalid; /* stable counters, impossible content: excluded */
	uint64_t truncated; /* deeper than the stored frames: leaf unknown */
	uint64_t ticks; /* sampling instants */
	uint64_t late; /* instants skipped because the sampler fell a period or more behind */
	uint64_t retries; /* re-reads of torn stacks */
	uint64_t failed_reads; /* reads that came back short: nothing used */
	uint64_t system_calls; /* reads made (process_vm_readv, or preads of /proc/PID/mem) */
	uint64_t paused_ns; /* --blocking: time the target spent paused, summed */
	uint64_t unpaused; /* --blocking: ticks lost because another tracer held the target */
	uint64_t sampling_ns; /* time spent taking samples (reading, recording), summed */
	uint64_t duration_ns, tracer_cpu_ns, attach_ns;
	/*
	 * 0 when not measured: main's start to the first stack recorded, and the
	 * stop request (a signal, -d) to the sampling loop's end
	 */
	uint64_t first_event_ns, detach_ns;
	uint32_t max_threads_seen; /* most threads with a stack in one sample */
	double rate_hz;
	int retries_max;
	bool blocking;
	bool realtime; /* --realtime: the sampler ran SCHED_FIFO */
	pid_t pid;
	const char *reader; /* "process_vm_readv" or "/proc/PID/mem" */
};

/*
 * Adds one consistent stack: names root first, depth of them. A stack
 * deeper than was stored ends in TRUNCATED_FRAME. Returns 0 or -ENOMEM.
 */
int profile_add(struct profile *p, const char *const *names, uint32_t depth);

void profile_free(struct profile *p);

/*
 * A line-oriented text file that `report` turns into any of the outputs
 * later: a header (pid, mode, rate, the method table), one "s" line per
 * consistent stack (time since the start in ns, tid, method ids root first,
 * "-" for none, "+" at the end when truncated), and an "end" line with the
 * counts of what was lost. Method names are the reader's (safe: no blanks
 * or ';').
 */
void raw_header(FILE *f, const struct profile *p, const struct tb_stack_reader *r);
void raw_sample(FILE *f, uint64_t t_ns, const struct tb_thread_stack *st);
void raw_end(FILE *f, const struct profile *p);

/*
 * Reads a raw recording from f (path names it in messages) into p. Returns
 * 0, or -1 after saying what is wrong and where (tb_fail).
 */
int read_raw(FILE *f, const char *path, struct profile *p);

#endif /* TB_VMREADV_RAW_H */
