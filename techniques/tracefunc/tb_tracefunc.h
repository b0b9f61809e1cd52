/* tb_tracefunc.h - the files libtb-tracefunc.so records into and tb-tracefunc reads */
#ifndef TB_TRACEFUNC_H
#define TB_TRACEFUNC_H

#include <stdint.h>

/*
 * The library writes everything it records straight into files mapped
 * MAP_SHARED, on tmpfs by default, so a record is in the file the moment the
 * hook stores it: a program that crashes, calls _exit or is killed loses
 * nothing that was recorded, and nothing has to be written at exit.
 *
 * One directory per process image (a fork or an exec starts a new one):
 *
 *   DIR/PID            the image of process PID (PID.1, PID.2 ... after execs)
 *   DIR/PID/functions  struct tb_tf_image: the modules and the function table
 *   DIR/PID/thread.TID struct tb_tf_thread, then the thread's data from
 *                      TB_TF_DATA_OFFSET: counts, latency rows or log records
 *   DIR/PID/log.TID    log mode: the records tb-tracefunc moved out of the
 *                      thread's ring while the program ran
 *
 * Log records go into a ring in the thread file: the hook writes at head,
 * tb-tracefunc copies [tail, head) to log.TID and advances tail, every
 * millisecond, so the program never pays for new pages. Records that find the
 * ring full are dropped and counted. Without tb-tracefunc (the library loaded
 * by hand) nobody drains: the ring is one long buffer that grows as it fills,
 * up to its limit.
 *
 * A function gets a dense id, its index in the image's table, the first time
 * it is called; per-thread counts and latency rows are indexed by it and log
 * records carry it.
 */

/* Environment the library reads (tb-tracefunc sets it). */
#define TB_TF_ENV_DIR "TB_TRACEFUNC_DIR" /* where the image directories go */
#define TB_TF_ENV_MODE "TB_TRACEFUNC_MODE" /* count, latency, log or noop */
#define TB_TF_ENV_HOOK "TB_TRACEFUNC_HOOK" /* cyg (the compiler's hooks) or method */
#define TB_TF_ENV_FILTER "TB_TRACEFUNC_FILTER" /* comma-separated fnmatch patterns */
#define TB_TF_ENV_BUFFER "TB_TRACEFUNC_BUFFER_KB" /* log mode: per-thread limit */
#define TB_TF_ENV_RING "TB_TRACEFUNC_RING_KB" /* log mode: a drained ring of this size */

#define TB_TF_IMAGE_MAGIC 0x54424654494d4731ULL /* "1GMITFBT" */
#define TB_TF_THREAD_MAGIC 0x5442465454485231ULL /* "1RHTTFBT" */
#define TB_TF_VERSION 1

enum tb_tf_mode {
	TB_TF_MODE_OFF = 0, /* the hooks return at once: the cost of being called */
	TB_TF_MODE_COUNT = 1,
	TB_TF_MODE_LATENCY = 2,
	TB_TF_MODE_LOG = 3,
};

enum tb_tf_hook {
	TB_TF_HOOK_CYG = 0, /* __cyg_profile_func_enter/exit, from -finstrument-functions */
	TB_TF_HOOK_METHOD = 1, /* the workload's tb_call_hook pointer (TracePoint-style) */
};

#define TB_TF_MAX_MODULES 256
#define TB_TF_MAX_FUNCTIONS 16384
#define TB_TF_PATH_MAX 248
#define TB_TF_NAME_MAX 48
#define TB_TF_DATA_OFFSET 4096

/* Function flags. */
#define TB_TF_FILTERED_OUT 1u /* called, but not recorded: the filter left it out */
#define TB_TF_METHOD 2u /* a workload method (hook method): address is the method id */

struct tb_tf_module {
	uint64_t bias; /* load bias: run-time address minus link-time address */
	char path[TB_TF_PATH_MAX];
};

struct tb_tf_function {
	uint64_t address; /* run-time entry address, or the method id */
	uint32_t module; /* index in modules[], UINT32_MAX if in none */
	uint32_t flags;
	char name[TB_TF_NAME_MAX]; /* methods only; others are named after the run */
};

/* Image states. */
#define TB_TF_RUNNING 1
#define TB_TF_EXITED 2 /* exit handlers ran (thread: the thread ended) */

struct tb_tf_image {
	uint64_t magic;
	uint32_t version, mode;
	uint32_t hook, state;
	int32_t pid, parent_pid; /* parent_pid: the image this one forked from, 0 if none */
	/* Clock: ns = ns0 + (tsc - tsc0) * mult >> shift; mult 0: stamps are already ns. */
	uint64_t tsc0, ns0, mult;
	uint32_t shift, stop; /* stop: set by tb-tracefunc -d, the hooks stop recording */
	uint64_t end_ns; /* CLOCK_MONOTONIC when the exit handlers ran */
	uint64_t nr_functions; /* entries of functions[] in use */
	uint64_t nr_modules;
	/* Losses of the whole image, besides each thread's own. */
	uint64_t lost_table_full; /* calls to functions found after the table filled */
	uint64_t lost_no_thread; /* calls in threads whose file could not be made */
	uint64_t lost_after_exit; /* calls in a thread after its state was torn down */
	uint64_t buffer_bytes; /* log mode: each thread's limit */
	char exe[TB_TF_PATH_MAX];
	char filter[256];
	struct tb_tf_module modules[TB_TF_MAX_MODULES];
	struct tb_tf_function functions[TB_TF_MAX_FUNCTIONS];
};

struct tb_tf_thread {
	uint64_t magic;
	uint32_t version, mode;
	int32_t tid;
	uint32_t state;
	uint64_t data_bytes; /* bytes from TB_TF_DATA_OFFSET the file holds */
	/* Losses: calls or records this thread did not record. */
	uint64_t lost; /* log: records dropped (ring full, or no room on the file system);
			  count, latency: events that found no room for their counter */
	uint64_t reentered; /* hook called from inside the hook (a signal handler): skipped */
	uint64_t unmatched; /* latency: exits without their entry, or entries never exited */
	uint64_t too_deep; /* latency: calls deeper than TB_TF_MAX_DEPTH, not timed */
	uint64_t filtered_out; /* calls of functions the filter left out (not a loss) */
	uint64_t stopped; /* calls after tb-tracefunc -d stopped recording (not a loss) */
	/* Log mode. */
	uint64_t ring_records; /* a power of two; 0: a buffer that grows, never drained */
	uint64_t head; /* records written (the hook) */
	uint64_t tail; /* records moved to log.TID (tb-tracefunc) */
	uint64_t opened_ns; /* CLOCK_MONOTONIC: the file opened, at the thread's first hook call */
};

#define TB_TF_MAX_DEPTH 1024

/* Latency mode: one row per function id. Bucket b: see tb_hist.h. */
#define TB_TF_BUCKETS 45
struct tb_tf_latency {
	uint64_t calls, sum_ns, max_ns;
	uint64_t buckets[TB_TF_BUCKETS];
};

/*
 * Log mode: one 64-bit record per event, in order, until the first 0.
 *   bits 0-1   kind (below)
 *   enter/exit bits 2-23 function id, bits 24-63 the low 40 bits of the time stamp
 *   time base  bits 2-63 the time stamp's bits 40 and up, for the records after it
 * A thread starts with a time base record, and writes one whenever the high bits change.
 */
#define TB_TF_REC_ENTER 1u
#define TB_TF_REC_EXIT 2u
#define TB_TF_REC_BASE 3u
#define TB_TF_REC_ID_BITS 22
#define TB_TF_REC_TIME_SHIFT 24
#define TB_TF_REC_LOW_BITS 40

#endif /* TB_TRACEFUNC_H */
