// SPDX-License-Identifier: GPL-2.0
/* tb_usdt.bpf.c - BPF programs for USDT probes: empty, count, latency, stream */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

#include "tb_usdt.h"

/*
 * Every program is SEC("?usdt"): nothing loads unless the loader asks for it,
 * so one skeleton carries every mode and each run loads exactly the program
 * it measures. A probe's index into the maps below is its USDT cookie, set
 * by the loader when it attaches.
 *
 * No kernel structure is read, only registers (struct pt_regs, whose layout
 * is the user ABI) and user memory: there are no CO-RE relocations and the
 * programs load without kernel BTF.
 */

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader between open and load. -1: not used. */
const volatile int count_by_arg = -1; /* count mode: one count per value of this argument */
const volatile int count_sum_arg = -1; /* count mode: sum this argument per count */
/* hist mode: one histogram per value of this argument of the entry probe */
const volatile int hist_key_arg = -1;
/*
 * Stream mode: wake the reader only once this much is waiting. A wakeup per
 * event would cost the traced thread a cross-CPU wakeup at every hit; the
 * reader also reads whatever waits every 10 to 100 ms.
 */
const volatile __u64 wakeup_bytes = 0;
/* One probe attached: its index is 0, and the cookie's map lookup can be skipped. */
const volatile bool single_probe = false;

/*
 * Set by the loader once every probe is attached, cleared before the first is
 * detached: the probes' sites attach and detach one at a time, so without it
 * the first probe would count longer than the last, and an entry probe would
 * push calls no return probe pops yet.
 */
bool tracing;

/*
 * bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the first hit counted while tracing,
 * 0 until then: user space reads it for the result's first_event_ns. Two CPUs
 * may both see 0 and write: the later write is a few ns off, no more.
 */
__u64 first_hit_ns;

/* Records the time of the first hit traced. */
static __always_inline void note_hit(void)
{
	if (!first_hit_ns)
		first_hit_ns = bpf_ktime_get_ns();
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TB_USDT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct tb_usdt_probe_stats);
} probe_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* resized by the loader (--max-keys) */
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory for the keys seen, not for -k */
	__type(key, struct tb_usdt_value_key);
	__type(value, struct tb_usdt_value_stats);
} value_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* threads with open calls; an entry goes at depth 0 */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct tb_usdt_thread_calls);
} thread_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* resized by the loader (--max-keys) */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __s64);
	__type(value, struct tb_usdt_hist);
} histograms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by the loader (--ringbuf-size) */
} events SEC(".maps");

/* New map entries start from these (they are too large for the 512-byte BPF stack). */
static const struct tb_usdt_value_stats zero_value_stats;
static const struct tb_usdt_thread_calls zero_thread_calls;
static const struct tb_usdt_hist zero_hist;

static __always_inline __u32 probe_of(struct pt_regs *ctx)
{
	return single_probe ? 0 : bpf_usdt_cookie(ctx);
}

static __always_inline struct tb_usdt_probe_stats *stats_of(__u32 probe)
{
	return bpf_map_lookup_elem(&probe_stats, &probe);
}

/*
 * Counters are per CPU, but a uprobe's program runs with preemption enabled:
 * another thread on the same CPU may run the same program in between a load
 * and a store, so increments are atomic.
 */
#define INC(x) __sync_fetch_and_add(&(x), 1)
#define ADD(x, v) __sync_fetch_and_add(&(x), (v))

/* The entry for key in a hash map, created from zero if absent; NULL if the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	/* EEXIST from a racing CPU is fine: the second lookup finds its entry. */
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* floor(log2(v)) + 1, and 0 for 0: the histogram bucket of v nanoseconds. */
static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 b = 0;

	if (v >> 32) {
		v >>= 32;
		b += 32;
	}
	if (v >> 16) {
		v >>= 16;
		b += 16;
	}
	if (v >> 8) {
		v >>= 8;
		b += 8;
	}
	if (v >> 4) {
		v >>= 4;
		b += 4;
	}
	if (v >> 2) {
		v >>= 2;
		b += 2;
	}
	if (v >> 1) {
		v >>= 1;
		b += 1;
	}
	return b + (__u32)v;
}

/* The baseline: what attaching any program at all costs per hit. */
SEC("?usdt")
int tb_usdt_empty(struct pt_regs *ctx)
{
	return 0;
}

SEC("?usdt")
int tb_usdt_count(struct pt_regs *ctx)
{
	struct tb_usdt_value_key key = {};
	struct tb_usdt_probe_stats *s;
	struct tb_usdt_value_stats *v;
	long arg;

	if (!tracing)
		return 0;
	note_hit();
	key.probe = probe_of(ctx);
	s = stats_of(key.probe);
	if (!s)
		return 0;
	INC(s->hits);
	if (count_by_arg < 0 && count_sum_arg < 0)
		return 0;

	if (count_by_arg >= 0) {
		if (bpf_usdt_arg(ctx, count_by_arg, &arg)) {
			INC(s->arg_errors);
			INC(s->lost_arg);
			return 0;
		}
		key.value = arg;
	}
	v = lookup_or_init(&value_stats, &key, &zero_value_stats);
	if (!v) {
		INC(s->lost_map);
		return 0;
	}
	INC(v->count);
	if (count_sum_arg >= 0) {
		if (bpf_usdt_arg(ctx, count_sum_arg, &arg))
			INC(s->arg_errors); /* counted, but missing from the sum */
		else
			ADD(v->sum, arg);
	}
	return 0;
}

/* Histogram mode, at the entry probe: push the time (and key) on the thread's call stack. */
SEC("?usdt")
int tb_usdt_entry(struct pt_regs *ctx)
{
	__u32 probe, tid = (__u32)bpf_get_current_pid_tgid();
	struct tb_usdt_thread_calls *calls;
	struct tb_usdt_probe_stats *s;
	bool key_lost = false;
	long key = 0;
	__u32 depth;

	if (!tracing)
		return 0;
	note_hit();
	probe = bpf_usdt_cookie(ctx);
	s = stats_of(probe);
	if (!s)
		return 0;
	INC(s->hits);
	if (hist_key_arg >= 0 && bpf_usdt_arg(ctx, hist_key_arg, &key)) {
		INC(s->arg_errors);
		key_lost = true; /* still pushed, so that its return pops the right level */
	}
	calls = lookup_or_init(&thread_calls, &tid, &zero_thread_calls);
	if (!calls) {
		INC(s->lost_map);
		return 0;
	}
	depth = calls->depth;
	if (depth < TB_USDT_MAX_DEPTH) {
		calls->entry_ns[depth & (TB_USDT_MAX_DEPTH - 1)] =
			key_lost ? 0 : bpf_ktime_get_ns();
		calls->key[depth & (TB_USDT_MAX_DEPTH - 1)] = key;
		if (key_lost)
			INC(s->lost_arg);
	} else {
		INC(s->lost_depth); /* its return is not timed; it still pops a level */
	}
	calls->depth = depth + 1;
	return 0;
}

/* Histogram mode, at the return probe: pop the entry and count the latency in its bucket. */
SEC("?usdt")
int tb_usdt_return(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 probe, tid = (__u32)bpf_get_current_pid_tgid();
	struct tb_usdt_thread_calls *calls;
	struct tb_usdt_probe_stats *s;
	struct tb_usdt_hist *h;
	__u32 depth, slot;
	__u64 ns, entry_ns;
	__s64 key;

	if (!tracing)
		return 0;
	note_hit();
	probe = bpf_usdt_cookie(ctx);
	s = stats_of(probe);
	if (!s)
		return 0;
	INC(s->hits);
	calls = bpf_map_lookup_elem(&thread_calls, &tid);
	if (!calls || calls->depth == 0) {
		INC(s->unpaired);
		return 0;
	}
	depth = calls->depth - 1;
	calls->depth = depth;
	if (depth >= TB_USDT_MAX_DEPTH) {
		INC(s->lost_depth); /* its entry was not recorded */
		return 0;
	}
	/* The mask is what the verifier needs; keep the compiler from dropping it. */
	barrier_var(depth);
	depth &= TB_USDT_MAX_DEPTH - 1;
	entry_ns = calls->entry_ns[depth];
	key = calls->key[depth];
	if (depth == 0)
		bpf_map_delete_elem(&thread_calls, &tid); /* a reused tid starts clean */
	if (!entry_ns) {
		INC(s->lost_arg); /* the entry's key could not be read */
		return 0;
	}
	ns = now - entry_ns;
	h = lookup_or_init(&histograms, &key, &zero_hist);
	if (!h) {
		INC(s->lost_map);
		return 0;
	}
	slot = log2_bucket(ns);
	if (slot >= TB_USDT_HIST_SLOTS)
		slot = TB_USDT_HIST_SLOTS - 1;
	INC(h->slots[slot]);
	INC(h->count);
	ADD(h->sum_ns, ns);
	return 0;
}

SEC("?usdt")
int tb_usdt_stream(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tb_usdt_probe_stats *s;
	struct tb_usdt_event *e;
	__u32 probe;
	int nr_args;
	long arg;

	if (!tracing)
		return 0;
	note_hit();
	probe = probe_of(ctx);
	s = stats_of(probe);
	if (!s)
		return 0;
	INC(s->hits);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		INC(s->lost_ringbuf);
		return 0;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->probe = probe;
	e->cpu = bpf_get_smp_processor_id();
	nr_args = bpf_usdt_arg_cnt(ctx);
	if (nr_args < 0)
		nr_args = 0;
	if (nr_args > TB_USDT_EVENT_ARGS)
		nr_args = TB_USDT_EVENT_ARGS;
	e->nr_args = nr_args;
	for (int i = 0; i < TB_USDT_EVENT_ARGS; i++) {
		e->args[i] = 0;
		if (i >= nr_args)
			continue;
		if (bpf_usdt_arg(ctx, i, &arg))
			INC(s->arg_errors); /* the event still goes out, that argument 0 */
		e->args[i] = arg;
	}
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes
				      ? BPF_RB_FORCE_WAKEUP
				      : BPF_RB_NO_WAKEUP);
	return 0;
}
