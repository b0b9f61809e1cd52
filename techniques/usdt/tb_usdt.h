/* tb_usdt.h - types and limits shared by the BPF side (tb_usdt.bpf.c) and the loader (tb_usdt.c) */
#ifndef TB_USDT_H
#define TB_USDT_H

#ifdef __bpf__
/* The BPF target cannot include the C library's <stdint.h>; the kernel's types are the same. */
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
typedef __s64 int64_t;
#else
#include <stdint.h>
#endif

/* Probes traced at once; a probe's index is its libbpf USDT cookie. */
#define TB_USDT_MAX_PROBES 64
/* Nested entry timestamps kept per thread in histogram mode. A power of two. */
#define TB_USDT_MAX_DEPTH 32
/* log2 latency buckets as in tb_hist.h; the last one also holds everything above it. */
#define TB_USDT_HIST_SLOTS 64
/* Arguments copied into a ring-buffer event. */
#define TB_USDT_EVENT_ARGS 6

/*
 * What happened at each probe while tracing was on, per CPU, indexed by
 * probe. An event the mode could not record is counted in exactly one lost_*
 * field, so that recorded = hits - lost_* - unpaired.
 */
struct tb_usdt_probe_stats {
	uint64_t hits; /* times the program ran for this probe with tracing on */
	uint64_t lost_ringbuf; /* stream: the ring buffer was full */
	uint64_t lost_map; /* count -a, hist: a map (values, threads, histograms) was full */
	uint64_t lost_depth; /* hist: nesting deeper than TB_USDT_MAX_DEPTH */
	uint64_t lost_arg; /* count -a, hist -a: the key argument could not be read */
	uint64_t arg_errors; /* arguments that could not be read (those above included) */
	uint64_t unpaired; /* hist: a return with no entry seen (the call began before tracing) */
};

/* Count mode with an argument: one entry per (probe, value of the chosen argument). */
struct tb_usdt_value_key {
	uint32_t probe;
	uint32_t pad;
	int64_t value; /* 0 when counts are not split by an argument */
};

struct tb_usdt_value_stats {
	uint64_t count;
	uint64_t sum; /* of the summed argument, wrapping like the workload's checksums */
};

/* Histogram mode: the open calls of one thread. */
struct tb_usdt_thread_calls {
	uint32_t depth; /* may pass TB_USDT_MAX_DEPTH: those calls are counted as lost_depth */
	uint32_t pad;
	uint64_t entry_ns[TB_USDT_MAX_DEPTH];
	int64_t key[TB_USDT_MAX_DEPTH];
};

struct tb_usdt_hist {
	uint64_t slots[TB_USDT_HIST_SLOTS];
	uint64_t count;
	uint64_t sum_ns;
};

/* Stream mode: one ring-buffer record per hit. */
struct tb_usdt_event {
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	uint32_t pid; /* process (thread group) id */
	uint32_t tid;
	uint32_t probe;
	uint16_t cpu;
	uint16_t nr_args; /* how many of args[] are set */
	int64_t args[TB_USDT_EVENT_ARGS];
};

#endif /* TB_USDT_H */
