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
/* log2 latency buckets: bucket b holds [2^(b-1), 2^b - 1] ns, bucket 0 holds 0. */
#define TB_USDT_HIST_SLOTS 64
/* Arguments copied into a ring-buffer event. */
#define TB_USDT_EVENT_ARGS 6

/*
 * What happened at each probe, per CPU, indexed by probe. Every event the BPF
 * side could not record is counted in one of the loss fields, so that
 * hits = recorded + lost for every mode.
 */
struct tb_usdt_probe_stats {
	uint64_t hits; /* times the program ran for this probe */
	uint64_t lost_full; /* ring buffer full, or a map (keys, threads) full */
	uint64_t lost_depth; /* histogram: nesting deeper than TB_USDT_MAX_DEPTH */
	uint64_t arg_errors; /* an argument could not be read (bad spec or a faulting address) */
	uint64_t unpaired; /* histogram: a return with no entry seen (the call began before attach)
			    */
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
