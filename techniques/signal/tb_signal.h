/* tb_signal.h - what libtb-signal.so and tb-signal share: the environment and the sample file */
#ifndef TB_SIGNAL_H
#define TB_SIGNAL_H

#include <signal.h>
#include <stdint.h>

/*
 * tb-signal starts a command with LD_PRELOAD=libtb-signal.so and these
 * variables; the library reads them in its constructor. Without
 * TB_SIGNAL_OUT the library does nothing at all.
 */
#define TB_SIGNAL_ENV_OUT "TB_SIGNAL_OUT" /* the sample file, created 0600 by tb-signal */
#define TB_SIGNAL_ENV_RATE "TB_SIGNAL_RATE" /* samples per second per thread */
#define TB_SIGNAL_ENV_CLOCK "TB_SIGNAL_CLOCK" /* "cpu" (thread CPU time) or "wall" */
#define TB_SIGNAL_ENV_BUFFER "TB_SIGNAL_BUFFER_KB" /* per-thread buffer */
#define TB_SIGNAL_ENV_CONTROL "TB_SIGNAL_CONTROL" /* "1": answer dump and trace requests */
#define TB_SIGNAL_ENV_PARENT "TB_SIGNAL_PARENT" /* tb-signal's pid: only its child works */

/*
 * On-demand requests, rbtrace-style. The requester listens on the abstract
 * Unix socket TB_SIGNAL_REPLY_FMT (its own pid) and sends the target
 * TB_SIGNAL_CONTROL_SIGNAL with sigqueue(), the command in si_value. The
 * target acts only on a signal whose sender (si_uid, set by the kernel) is
 * its own user or root, and replies only over a connection whose listener
 * (SO_PEERCRED) is that sender's process: no other user can trigger a
 * request or read a reply. SIGURG is ignored by default, so a process
 * without the library is not harmed by one.
 */
#define TB_SIGNAL_CONTROL_SIGNAL SIGURG
#define TB_SIGNAL_REPLY_FMT "tb-signal.reply.%d"
enum tb_signal_command {
	TB_SIGNAL_DUMP = 1, /* every thread's stack now: a sample file with one sample each */
	TB_SIGNAL_TRACE_START = 2, /* count method entries and returns (the workload's hook) */
	TB_SIGNAL_TRACE_STOP = 3, /* stop, and reply with the counts as text */
};
#define TB_SIGNAL_TRACE_REPLY "tb-signal trace 1\n" /* first line of a trace reply */

#define TB_SIGNAL_MAX_FRAMES 64 /* native frames kept per sample */
#define TB_SIGNAL_MAX_METHODS 32 /* in-memory (workload) frames kept per sample */

/*
 * The sample file: one record per process image, appended by the library
 * when the image ends (its exit handlers or _exit), or just before it execs
 * (the image after the exec appends its own record; an exec that fails
 * takes its record back). A dump's reply is one record. All little-endian
 * like the machine:
 *
 *   struct tb_signal_file_header
 *   per thread: struct tb_signal_thread_header, then its samples, each a
 *     struct tb_signal_sample followed by nr_frames uint64_t instruction
 *     pointers (leaf first) and nr_methods uint32_t method ids (root first)
 *   the process's /proc/self/maps as it was at the write (maps_len bytes),
 *     so the instruction pointers can be named after the process is gone
 *   the image's executable, /proc/self/exe (exe_len bytes, no NUL)
 *
 * The header's len is written last: a record whose len is 0 was cut short
 * (the process was killed while writing it).
 */
#define TB_SIGNAL_MAGIC 0x3130676973627474ULL /* "ttbsig01" */
/*
 * 2: first_sample_ns in the per-thread header, before bytes
 * 3: one record per process image (len, written_at, exe_len in the file header)
 */
#define TB_SIGNAL_VERSION 3

/* Why a record was written (written_at). */
enum tb_signal_written_at {
	TB_SIGNAL_AT_EXIT = 0, /* the image ended: exit handlers, or _exit */
	TB_SIGNAL_AT_EXEC = 1, /* the image was about to exec another program */
	TB_SIGNAL_AT_DUMP = 2, /* a dump's reply (clock 2) */
};

struct tb_signal_file_header {
	uint64_t magic;
	uint32_t version; /* TB_SIGNAL_VERSION */
	uint32_t nr_threads;
	int32_t pid;
	uint32_t clock; /* 0 cpu, 1 wall, 2 a dump */
	double rate_hz; /* asked for, per thread */
	uint64_t start_ns, end_ns; /* CLOCK_MONOTONIC: the library's start and the write */
	uint64_t maps_len;
	uint64_t no_buffer; /* signals taken by a thread that had no buffer (counted, lost) */
	uint64_t len; /* the whole record, this header included; 0 while it is written */
	uint32_t written_at; /* enum tb_signal_written_at */
	uint32_t exe_len;
};

struct tb_signal_thread_header {
	int32_t tid;
	uint32_t fp_walks; /* samples walked by frame pointers: the thread was inside the loader */
	uint64_t nr_samples; /* samples that follow */
	uint64_t lost; /* signals taken with the buffer full */
	uint64_t overruns; /* timer expirations merged into one signal (si_overrun) */
	uint64_t torn; /* samples taken inside a push or pop of the in-memory stack */
	uint64_t cpu_ns; /* the thread's CPU time while its timer ran */
	uint64_t start_ns,
		end_ns; /* CLOCK_MONOTONIC: its timer set, and the thread's end (or the write) */
	uint64_t first_sample_ns; /* CLOCK_MONOTONIC of its first sample, 0 if none (record) */
	uint64_t bytes; /* of samples that follow */
};

struct tb_signal_sample {
	uint16_t nr_frames;
	uint16_t nr_methods; /* 0xffff: the in-memory stack was being changed (torn) */
	uint32_t pad;
};

#endif /* TB_SIGNAL_H */
