#!/usr/bin/env bash
# bench.sh - make bench: idle cost of instrumentation points, per-hit cost of traced probes, ptrace
# stops, process_vm_readv sampling, signal sampling, per-call hooks
#
# Idle cost: runs the workload's probe loop in every build variant,
# interleaved, pinned to one CPU, and reports the median time per call of each
# instrumentation point minus its baseline's in the same round (the plain
# build's, or for a method the plain build's method), plus hyperfine timings of
# the whole commands.
#
# Per-hit cost: runs the probe loop of workload-usdt (int3 site) and
# workload-usdt5 (nop5 site) untraced, under tb-usdt -m empty, -m count and
# -m stream, and under bpftrace counting, and the loop's method (two sites a
# call) untraced and under tb-usdt -m hist, interleaved; each traced run's time
# per call minus the untraced one of the same variant and leaf in the same round
# is the cost of a call, and over its sites, of a hit.
#
# ptrace: the floor (an int3 stop, PTRACE_GETREGS, PTRACE_CONT: build/ptrace_floor)
# with tracer and tracee on one CPU and on two; tb-ptrace's breakpoint per hit in
# both placements against that floor and against gdb's, and on one CPU with the
# replaced instruction emulated and single-stepped; tb-ptrace's system call
# stops against strace -c; and what --seccomp leaves of the untraced calls' cost.
#
# vmreadv: a 4-thread workload's slowdown under tb-vmreadv at 2500 ticks per second (10,000
# samples/s) and 10000, non-blocking, and at 2500 blocking, beside the slowdown from the timer
# alone (build/vmreadv_floor timer: the same sleep schedule, no reads); the samples per second
# achieved, the sampler's CPU per sample, and one process_vm_readv (vmreadv_floor read) as the floor.
#
# signal: tb-signal's cost per sample on a pinned one-thread loop against the same timers with an
# empty handler (build/signal_floor timer, libtb-signal-floor.so preloaded as tb-signal's library
# is) and against a plain signal round trip (signal_floor raise); the slowdown of a 2-thread
# workload under tb-signal at 250 Hz of CPU time; the rates achieved against those asked for.
#
# tracefunc: tb-tracefunc's cost per call (count, latency, log, count with the call filtered out)
# beyond the empty hooks workload-finstrument links, on a pinned probe loop, beside the TSC floor
# (hooks that only read the TSC: libtb-tracefunc-floor.so) and uftrace record on the same binary;
# the same through the workload's method hook; the request workload's slowdown per mode, with
# tb-tracefunc's counts checked against the workload's truth.
#
# Writes results/<host>/<timestamp>/ (see results/README.md).
#
# floors, rates, precision, commands, peers, threads, attach and placement are in files of their
# own: harness/bench_floors.sh (the floors, and cost_per_event.csv: every technique's cost per
# event against its floor), harness/bench_rates.sh (overhead against event rate, one method vs
# every method), harness/bench_precision.sh (completeness, argument fidelity, profile distance,
# latency error), harness/bench_commands.sh (whole commands under hyperfine: attach and detach
# included), harness/bench_peers.sh (bpftrace, perf, strace, gdb, ltrace and uftrace beside the
# tracers), harness/bench_threads.sh (1 to 8 threads), harness/bench_attach.sh (attach, first
# event and detach on a running process) and harness/bench_placement.sh (the tracer on the
# workload's CPU or another).
# plot.sh draws the plots at the end.
#
# Environment: OUT (build dir, default build), FULL=1 (more rounds and calls), TINY=1 (a check
# that every part runs, about two minutes), SECTIONS (which sections to run, of "floors idle hit
# ptrace vmreadv signal tracefunc rates precision commands peers threads attach placement", default
# all),
# BENCH_CPU (CPU to pin the workload to, default the last one), TRACER_CPU
# (CPU for the tracers, default another one), RESULTS_DIR, and to override the
# presets ROUNDS, CALLS, HYPERFINE_RUNS, HIT_ROUNDS, HIT_CALLS, PTRACE_ROUNDS,
# PTRACE_HITS, PTRACE_HITS_CROSS, PTRACE_HITS_GDB, PTRACE_REQUESTS, VMREADV_ROUNDS,
# VMREADV_REQUESTS, VMREADV_SCALE, SIGNAL_ROUNDS, SIGNAL_CALLS, SIGNAL_REQUESTS, SIGNAL_SCALE,
# TRACEFUNC_ROUNDS, TRACEFUNC_CALLS, TRACEFUNC_METHOD_CALLS, TRACEFUNC_REQUESTS, TRACEFUNC_SCALE,
# TRACEFUNC_SCALED_REQUESTS, and those of the section files (FLOORS_*, RATES_*, PRECISION_*,
# COMMANDS_*, PEERS_*, THREADS_*, ATTACH_*, PLACEMENT_*: see each file's head).
# The whole script is one compound command, read in full before any of it runs: editing this file
# (or a section file, sourced at the start) during a run cannot change that run.
{
set -euo pipefail

OUT=${OUT:-build}
if [ "${FULL:-0}" = 1 ]; then
	ROUNDS=${ROUNDS:-31}
	CALLS=${CALLS:-200000000}
	HYPERFINE_RUNS=${HYPERFINE_RUNS:-20}
	HIT_ROUNDS=${HIT_ROUNDS:-21}
	HIT_CALLS=${HIT_CALLS:-5000000}
	PTRACE_ROUNDS=${PTRACE_ROUNDS:-21}
	PTRACE_HITS=${PTRACE_HITS:-200000}
	PTRACE_HITS_CROSS=${PTRACE_HITS_CROSS:-20000}
	PTRACE_HITS_GDB=${PTRACE_HITS_GDB:-5000}
	PTRACE_REQUESTS=${PTRACE_REQUESTS:-50000}
	VMREADV_ROUNDS=${VMREADV_ROUNDS:-21}
	VMREADV_REQUESTS=${VMREADV_REQUESTS:-300000}
	VMREADV_SCALE=${VMREADV_SCALE:-10}
	SIGNAL_ROUNDS=${SIGNAL_ROUNDS:-21}
	SIGNAL_CALLS=${SIGNAL_CALLS:-500000000}
	SIGNAL_REQUESTS=${SIGNAL_REQUESTS:-300000}
	SIGNAL_SCALE=${SIGNAL_SCALE:-10}
	TRACEFUNC_ROUNDS=${TRACEFUNC_ROUNDS:-21}
	TRACEFUNC_CALLS=${TRACEFUNC_CALLS:-20000000}
	TRACEFUNC_METHOD_CALLS=${TRACEFUNC_METHOD_CALLS:-10000000}
	TRACEFUNC_REQUESTS=${TRACEFUNC_REQUESTS:-200000}
	TRACEFUNC_SCALE=${TRACEFUNC_SCALE:-10}
	TRACEFUNC_SCALED_REQUESTS=${TRACEFUNC_SCALED_REQUESTS:-50000}
	COMMAND="make bench FULL=1"
elif [ "${TINY:-0}" = 1 ]; then
	ROUNDS=${ROUNDS:-3}
	CALLS=${CALLS:-2000000}
	HYPERFINE_RUNS=${HYPERFINE_RUNS:-3}
	HIT_ROUNDS=${HIT_ROUNDS:-1}
	HIT_CALLS=${HIT_CALLS:-100000}
	PTRACE_ROUNDS=${PTRACE_ROUNDS:-1}
	PTRACE_HITS=${PTRACE_HITS:-2000}
	PTRACE_HITS_CROSS=${PTRACE_HITS_CROSS:-500}
	PTRACE_HITS_GDB=${PTRACE_HITS_GDB:-200}
	PTRACE_REQUESTS=${PTRACE_REQUESTS:-2000}
	VMREADV_ROUNDS=${VMREADV_ROUNDS:-1}
	VMREADV_REQUESTS=${VMREADV_REQUESTS:-10000}
	VMREADV_SCALE=${VMREADV_SCALE:-10}
	SIGNAL_ROUNDS=${SIGNAL_ROUNDS:-1}
	SIGNAL_CALLS=${SIGNAL_CALLS:-20000000}
	SIGNAL_REQUESTS=${SIGNAL_REQUESTS:-10000}
	SIGNAL_SCALE=${SIGNAL_SCALE:-10}
	TRACEFUNC_ROUNDS=${TRACEFUNC_ROUNDS:-1}
	TRACEFUNC_CALLS=${TRACEFUNC_CALLS:-500000}
	TRACEFUNC_METHOD_CALLS=${TRACEFUNC_METHOD_CALLS:-200000}
	TRACEFUNC_REQUESTS=${TRACEFUNC_REQUESTS:-5000}
	TRACEFUNC_SCALE=${TRACEFUNC_SCALE:-10}
	TRACEFUNC_SCALED_REQUESTS=${TRACEFUNC_SCALED_REQUESTS:-1000}
	COMMAND="make bench TINY=1"
else
	ROUNDS=${ROUNDS:-7}
	CALLS=${CALLS:-30000000}
	HYPERFINE_RUNS=${HYPERFINE_RUNS:-5}
	HIT_ROUNDS=${HIT_ROUNDS:-5}
	HIT_CALLS=${HIT_CALLS:-500000}
	PTRACE_ROUNDS=${PTRACE_ROUNDS:-7}
	PTRACE_HITS=${PTRACE_HITS:-50000}
	PTRACE_HITS_CROSS=${PTRACE_HITS_CROSS:-5000}
	PTRACE_HITS_GDB=${PTRACE_HITS_GDB:-2000}
	PTRACE_REQUESTS=${PTRACE_REQUESTS:-20000}
	VMREADV_ROUNDS=${VMREADV_ROUNDS:-5}
	VMREADV_REQUESTS=${VMREADV_REQUESTS:-60000}
	VMREADV_SCALE=${VMREADV_SCALE:-10}
	SIGNAL_ROUNDS=${SIGNAL_ROUNDS:-5}
	SIGNAL_CALLS=${SIGNAL_CALLS:-150000000}
	SIGNAL_REQUESTS=${SIGNAL_REQUESTS:-80000}
	SIGNAL_SCALE=${SIGNAL_SCALE:-10}
	TRACEFUNC_ROUNDS=${TRACEFUNC_ROUNDS:-5}
	TRACEFUNC_CALLS=${TRACEFUNC_CALLS:-10000000}
	TRACEFUNC_METHOD_CALLS=${TRACEFUNC_METHOD_CALLS:-5000000}
	TRACEFUNC_REQUESTS=${TRACEFUNC_REQUESTS:-100000}
	TRACEFUNC_SCALE=${TRACEFUNC_SCALE:-10}
	TRACEFUNC_SCALED_REQUESTS=${TRACEFUNC_SCALED_REQUESTS:-20000}
	COMMAND="make bench"
fi
# The sections kept in files of their own (harness/bench_NAME.sh) define their presets (from FULL
# and TINY) and NAME_needed (programs), NAME_probe (sets their skip_* reasons), NAME_env (their
# env.txt lines), NAME_run (measures, writes their CSVs) and NAME_report (their REPORT.md part).
HARNESS=$(dirname "$0")
SECTION_FILES="floors rates precision commands peers threads attach placement"
for name in $SECTION_FILES; do
	# shellcheck source=/dev/null
	. "$HARNESS/bench_$name.sh"
done
ALL_SECTIONS="floors idle hit ptrace vmreadv signal tracefunc rates precision commands"
ALL_SECTIONS+=" peers threads attach placement"
SECTIONS=$(tr ',' ' ' <<<"${SECTIONS:-$ALL_SECTIONS}" | xargs)
[ -n "$SECTIONS" ] || SECTIONS=$ALL_SECTIONS
for name in $SECTIONS; do
	case $name in
	floors | idle | hit | ptrace | vmreadv | signal | tracefunc | rates | precision | commands | peers | \
		threads | attach | placement) ;;
	*) echo "bench: SECTIONS=$SECTIONS: no section $name; give some of: $ALL_SECTIONS" >&2; exit 1 ;;
	esac
done
[ "$SECTIONS" != "$ALL_SECTIONS" ] && COMMAND="SECTIONS='$SECTIONS' $COMMAND"
# TB_BUNDLE: the unpacked bundle (make bundle) whose run-bench started this run, on a host that
# may have no compiler, no git and no package manager: its VERSION file says how it was built.
[ -z "${TB_BUNDLE:-}" ] || COMMAND=${COMMAND/make bench/.\/run-bench}
# section NAME: whether this run measures section NAME
section() { [[ " $SECTIONS " == *" $1 "* ]]; }
# The tracefunc section measures scale 0 and TRACEFUNC_SCALE: two scales, two names.
if section tracefunc && ! awk -v s="$TRACEFUNC_SCALE" 'BEGIN { exit !(s + 0 > 0) }'; then
	echo "bench: TRACEFUNC_SCALE=$TRACEFUNC_SCALE: give a scale above 0 (scale 0 is measured anyway)" >&2
	exit 1
fi
NCPU=$(nproc)
BENCH_CPU=${BENCH_CPU:-$((NCPU - 1))}
# The tracers on a CPU of their own: their wake-ups must not take time from the measured loop.
if [ "$NCPU" -gt 1 ]; then
	TRACER_CPU=${TRACER_CPU:-$([ "$BENCH_CPU" = 0 ] && echo 1 || echo 0)}
else
	TRACER_CPU=${TRACER_CPU:-$BENCH_CPU}
fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR=${RESULTS_DIR:-results/$(hostname -s)/$STAMP}

# awk functions the summaries share (harness/stats.awk): quantile, median, meets, paired_verdict,
# tvd. Each summary's program is "$AWK_STATS" followed by its own text.
AWK_STATS=$(cat "$HARNESS/stats.awk")

# rotated LINES ROUND: the lines, starting at line ROUND mod N + 1, so that no configuration
# always runs first or last
rotated()
{
	local n
	n=$(wc -l <<<"$1")
	tail -n +$(($2 % n + 1)) <<<"$1"
	head -n $(($2 % n)) <<<"$1"
}

# progress NAME ROUND ROUNDS: "[k/N] name round r/R ETA" on stderr, from $k, $total and $start
progress()
{
	local elapsed=$(($(date +%s) - start))
	printf '\r[%d/%d] %-20s round %d/%d  ETA %ds   ' "$k" "$total" "$1" "$2" "$3" \
		$((elapsed * (total - k) / k)) >&2
}

# rotated_blocks LINES ROUND FIELD: the lines in blocks of the same value of field FIELD (fields
# separated by |), the blocks' order and the order within each block rotated by ROUND: every
# configuration moves, but a block's runs (a baseline and the runs set against it) stay together
rotated_blocks()
{
	awk -F'|' -v r="$2" -v k="$3" '
	{
		if (!($k in idx)) { idx[$k] = ++nb; order[nb] = $k }
		line[$k, ++n[$k]] = $0
	}
	END {
		for (b = 0; b < nb; b++) {
			key = order[(b + r) % nb + 1]
			for (i = 0; i < n[key]; i++) print line[key, (i + r) % n[key] + 1]
		}
	}' <<<"$1"
}

# run_rounds ROUNDS LIST NAMED FN [BLOCK]: ROUNDS rounds over the configurations of LIST (one a
# line, fields separated by |), their order rotated each round (with BLOCK, a field number: in
# blocks, rotated_blocks); FN ROUND FIELD... runs one. The progress line names a configuration by
# its first NAMED fields that are not empty.
run_rounds()
{
	local rounds=$1 list=$2 named=$3 fn=$4 block=${5:-} round line name i
	local -a f
	start=$(date +%s)
	k=0
	for round in $(seq 1 "$rounds"); do
		while IFS= read -r line; do
			k=$((k + 1))
			IFS='|' read -r -a f <<<"$line"
			"$fn" "$round" "${f[@]}"
			name=
			for ((i = 0; i < named && i < ${#f[@]}; i++)); do
				[ -n "${f[i]}" ] && name=${name:+$name/}${f[i]}
			done
			progress "$name" "$round" "$rounds"
		done < <(if [ -n "$block" ]; then rotated_blocks "$list" "$round" "$block"
		else rotated "$list" "$round"; fi)
	done
	echo >&2
}

die() { echo "bench: $*" >&2; exit 1; }

# variant|leaf|baseline (variant/leaf run in the same round)|what it measures
CONFIGS="plain|empty|plain/empty|the baseline: plain build, uninstrumented leaf
plain|probe|plain/empty|A/A control: the plain build has no probe, so this is the same code
usdt|probe|plain/empty|bare USDT site, 1-byte nop (90)
usdt5|empty|plain/empty|no probe, but built -mno-red-zone as the nop5 build must be
usdt5|probe|plain/empty|bare USDT site, 5-byte nop (0f 1f 44 00 00), built -mno-red-zone
usdt|guarded|plain/empty|semaphore-guarded USDT site: load, test, branch not taken
finstrument|empty|plain/empty|-finstrument-functions: two calls to empty hooks in a shared library
plain|method|plain/empty|a method's bookkeeping: entry time, frame push and pop, hook check
usdt|method|plain/method|the same method with its two semaphore-guarded USDT sites"

# Per-hit cost: variant|tracer|mode|leaf|what it measures. Every configuration runs the probe loop
# on its leaf (-k LEAF) and is compared with its variant's untraced run of the same leaf in the
# same round. The probe leaf has one USDT site (tracebench:loop_probe), the method leaf two
# (tracebench:method_entry and method_return of the loop's method): a call is one hit or two.
HIT_CONFIGS="usdt|untraced||probe|the baseline: bare 1-byte-nop site (int3 when traced) and nobody attached
usdt|tb-usdt|empty|probe|int3 path: the uprobe trap and tb-usdt's empty BPF program
usdt|tb-usdt|count|probe|int3 path: the uprobe trap and tb-usdt's counting program
usdt|bpftrace|count|probe|int3 path: the uprobe trap and bpftrace's @c = count()
usdt|tb-usdt|stream|probe|int3 path: the uprobe trap and tb-usdt -m stream -q: one event per hit through the BPF ring buffer, read by tb-usdt
usdt|untraced||method|the baseline of hist: the loop's method (its two 1-byte-nop sites, entry and return) and nobody attached
usdt|tb-usdt|hist|method|int3 path: two traps per call and tb-usdt -m hist: method_entry stores the time, method_return adds the latency to a log2 histogram
usdt5|untraced||probe|the baseline: bare 5-byte-nop site (optimisable) and nobody attached
usdt5|tb-usdt|empty|probe|nop5 path: the uprobe (optimised if the kernel can) and tb-usdt's empty BPF program
usdt5|tb-usdt|count|probe|nop5 path: the uprobe (optimised if the kernel can) and tb-usdt's counting program
usdt5|bpftrace|count|probe|nop5 path: the uprobe (optimised if the kernel can) and bpftrace's @c = count()
usdt5|tb-usdt|stream|probe|nop5 path: the uprobe (optimised if the kernel can) and tb-usdt -m stream -q: one event per hit through the BPF ring buffer, read by tb-usdt
usdt5|untraced||method|the baseline of hist: the loop's method (its two 5-byte-nop sites, entry and return) and nobody attached
usdt5|tb-usdt|hist|method|nop5 path: two uprobes per call (optimised if the kernel can) and tb-usdt -m hist: method_entry stores the time, method_return adds the latency to a log2 histogram"

# The per-hit section's targets, from the medians of its run:
# numerator|denominator|comparison|target|name.
HIT_RATIOS="usdt/tb-usdt/count|usdt/tb-usdt/empty|<=|1.1|count vs empty program (int3)
usdt5/tb-usdt/count|usdt5/tb-usdt/empty|<=|1.1|count vs empty program (nop5)
usdt/tb-usdt/count|usdt/bpftrace/count|<=|1|tb-usdt vs bpftrace counting (int3)
usdt5/tb-usdt/count|usdt5/bpftrace/count|<=|1|tb-usdt vs bpftrace counting (nop5)
usdt5/tb-usdt/count|usdt/tb-usdt/count|<|1|nop5 vs int3 (tb-usdt counting)"

# The single-step row's site: loop_leaf_empty's second instruction (lea (%rdi,%rdi,2),%rdx after
# push %rbp in this build), which tb-ptrace neither runs out of line nor emulates. A short run at
# the start checks that it takes the single-step path here, and every run's result says so again.
PTRACE_STEP_SITE=loop_leaf_empty+1

# ptrace section: measure|tracer|placement|baseline|what it measures. A configuration is named
# measure/tracer/placement; same-cpu puts tracer and tracee on BENCH_CPU, cross-cpu the tracer
# on TRACER_CPU and the tracee on BENCH_CPU, alone is the untraced workload on BENCH_CPU. Its
# cost per event is its ns per event minus its baseline's in the same round (an untraced run is
# its own baseline, so its cost is 0; the floor has none, so its cost is its time).
PTRACE_CONFIGS="floor|ptrace_floor|same-cpu||the floor: an int3 stop, PTRACE_GETREGS, PTRACE_CONT (build/ptrace_floor)
floor|ptrace_floor|cross-cpu||the same floor, tracer and tracee on two CPUs: every stop and resume wakes the other CPU
break|untraced|alone|break/untraced/alone|the baseline: the probe loop of loop_leaf_empty, nobody attached
break|tb-ptrace|same-cpu|break/untraced/alone|tb-ptrace break loop_leaf_empty: a hit stops, is counted, its push %rbp run out of line
break|tb-ptrace|cross-cpu|break/untraced/alone|the same, tb-ptrace on another CPU
break|tb-ptrace-emulated|same-cpu|break/untraced/alone|tb-ptrace break --no-xol loop_leaf_empty: the same hit, its push %rbp emulated in the tracer (rsp lowered, the word written, the registers set)
break|tb-ptrace-single-step|same-cpu|break/untraced/alone|tb-ptrace break --no-xol $PTRACE_STEP_SITE: a hit on an instruction tb-ptrace can neither run out of line nor emulate, so it is put back, single-stepped with every other thread stopped, and the int3 re-inserted
break|gdb|same-cpu|break/untraced/alone|gdb -batch: break *loop_leaf_empty with commands silent / continue / end
break|gdb|cross-cpu|break/untraced/alone|the same, gdb on another CPU
syscall|untraced|alone|syscall/untraced/alone|the baseline: workload -s 0 requests, a pread64 and a writev each, nobody attached
syscall|tb-ptrace|same-cpu|syscall/untraced/alone|tb-ptrace syscall: a stop at the entry and the exit of every system call
syscall|strace|same-cpu|syscall/untraced/alone|strace -c -f: the same stops, strace's summary table
syscall|tb-ptrace-seccomp|same-cpu|syscall/untraced/alone|tb-ptrace syscall --seccomp -e openat: a seccomp filter stops only openat, pread64 and writev run on"

# Its targets: numerator|quantity|denominator|quantity|comparison|target|name. The quantity is
# cost (ns per event minus the baseline's) or time (ns per event as measured).
PTRACE_RATIOS="break/tb-ptrace/same-cpu|cost|floor/ptrace_floor/same-cpu|cost|<=|1.3|tb-ptrace break vs the ptrace floor (same CPU)
break/tb-ptrace/cross-cpu|cost|floor/ptrace_floor/cross-cpu|cost|<=|1.3|tb-ptrace break vs the ptrace floor (two CPUs)
break/tb-ptrace/same-cpu|cost|break/gdb/same-cpu|cost|<=|0.1|tb-ptrace break vs gdb break (same CPU)
break/tb-ptrace/cross-cpu|cost|break/gdb/cross-cpu|cost|<=|0.1|tb-ptrace break vs gdb break (two CPUs)
syscall/tb-ptrace/same-cpu|cost|syscall/strace/same-cpu|cost|<=|1|tb-ptrace syscall vs strace -c (per system call)
syscall/tb-ptrace-seccomp/same-cpu|time|syscall/untraced/alone|time|<=|1.5|untraced system calls under tb-ptrace --seccomp vs no tracer"

# vmreadv section: tracer|mode|rate_hz|what it measures. A configuration is named by its fields
# that are not empty (tb-vmreadv/nonblocking/2500). The workload runs VMREADV_THREADS threads
# unpinned; a sample is one thread's stack, so -F 2500 asks for 10,000 samples per second.
VMREADV_THREADS=4
VMREADV_CONFIGS="untraced|||the baseline: the workload alone, nobody watching
timer_floor||2500|vmreadv_floor timer -F 2500: tb-vmreadv's sleep schedule (clock_nanosleep TIMER_ABSTIME, timer slack 1 ns) with nothing done at a tick
tb-vmreadv|nonblocking|2500|tb-vmreadv -F 2500: every thread's stack copied out with process_vm_readv 2500 times a second (10,000 samples/s)
timer_floor|realtime|2500|vmreadv_floor timer --realtime -F 2500: the timer floor with the sampler SCHED_FIFO
tb-vmreadv|realtime|2500|tb-vmreadv --realtime -F 2500: non-blocking with the sampler SCHED_FIFO, so that the workload's threads cannot delay its ticks
tb-vmreadv|nonblocking|10000|tb-vmreadv -F 10000: the same 10000 times a second (40,000 samples/s)
tb-vmreadv|blocking|2500|tb-vmreadv --blocking -F 2500: every thread seized and interrupted (PTRACE_SEIZE, PTRACE_INTERRUPT) for each read, then detached
read_floor|||vmreadv_floor read: one process_vm_readv of 64 bytes from a waiting child (the median of 21 batches of 20000; no workload)"

# Its targets: configuration|quantity|reference|comparison|target|name (no commas: a CSV field).
# slowdown_pct is the workload's hot phase against the reference's in the same round, in %;
# samples_per_s is measured per run (samples / the sampling window).
VMREADV_TARGETS="tb-vmreadv/nonblocking/2500|slowdown_pct|untraced|<|1|target slowed by tb-vmreadv at 10000 samples/s (non-blocking)
tb-vmreadv/nonblocking/2500|slowdown_pct|timer_floor/2500|<|1|the same beyond the timer floor (tb-vmreadv vs vmreadv_floor timer)
tb-vmreadv/realtime/2500|slowdown_pct|untraced|<|1|target slowed by tb-vmreadv --realtime at 10000 samples/s
tb-vmreadv/realtime/2500|slowdown_pct|timer_floor/realtime/2500|<|1|the same beyond its timer floor (both SCHED_FIFO)
tb-vmreadv/nonblocking/2500|achieved_hz||>=|2475|10000 samples/s sustained: ticks/s of 4 threads at -F 2500 (99%)
tb-vmreadv/realtime/2500|achieved_hz||>=|2475|the same with --realtime
tb-vmreadv/nonblocking/2500|samples_per_s||>=|10000|samples per second sustained at -F 2500 (non-blocking)
tb-vmreadv/nonblocking/10000|samples_per_s||>=|40000|samples per second at -F 10000 (non-blocking; the second point)"

# signal section: measure|tracer|clock|rate_hz|what it measures. A configuration is named by its
# fields that are not empty (probe/tb-signal/wall/10000, raise/signal_floor). probe runs the probe
# loop, one worker thread and the main thread waiting for it, pinned to BENCH_CPU: a sample's cost
# is the hot phase's time beyond the untraced run's of the same round, per signal taken in it.
# requests runs SIGNAL_THREADS threads of requests unpinned: the overhead at 250 Hz.
SIGNAL_THREADS=2
SIGNAL_CONFIGS="probe|untraced|||the baseline: the probe loop alone (one worker thread; the main thread waits for it)
probe|signal_floor|wall|10000|signal_floor timer --wall -F 10000: tb-signal's per-thread timers (CLOCK_MONOTONIC; SIGPROF to the thread) with an empty handler
probe|tb-signal|wall|10000|tb-signal record --wall -F 10000: the same timers; the handler unwinds with libunwind and records the stack
probe|signal_floor|wall|1000|signal_floor timer --wall -F 1000: the timer floor at the rate of the per-sample target
probe|tb-signal|wall|1000|tb-signal record --wall -F 1000
raise|signal_floor|||signal_floor raise: SIGPROF sent to itself (tgkill) and an empty handler: a plain signal round trip with no timer (the median of 21 batches of 20000; no workload)
requests|untraced|||the baseline: the $SIGNAL_THREADS-thread request workload alone
requests|signal_floor|cpu|250|signal_floor timer -F 250: tb-signal's CPU-time timers (CLOCK_THREAD_CPUTIME_ID) with an empty handler
requests|tb-signal|cpu|250|tb-signal record -F 250: CPU-time timers; the handler unwinds and records"

# Its targets: configuration|quantity|reference|comparison|target|name (no commas: a CSV field).
# per_signal_ratio: the configuration's cost per signal / the reference's (a floor's cost per
# signal, or the raise floor's ns per signal) in the same round; slowdown_pct: its hot phase
# against the reference's in the same round, in %; achieved_hz: per run, reported against the rate
# asked (no comparison: no target, a statement of what was achieved).
SIGNAL_TARGETS="probe/tb-signal/wall/10000|per_signal_ratio|probe/signal_floor/wall/10000|<=|1.3|per-sample cost vs the timer-signal floor (--wall -F 10000)
probe/tb-signal/wall/1000|per_signal_ratio|probe/signal_floor/wall/1000|<=|1.3|the same at --wall -F 1000
probe/tb-signal/wall/10000|per_signal_ratio|raise/signal_floor|||per-sample cost as a multiple of a plain signal round trip (no timer; context)
requests/tb-signal/cpu/250|slowdown_pct|requests/untraced|<|1|overhead at 250 Hz (CPU-time timers)
requests/tb-signal/cpu/250|slowdown_pct|requests/signal_floor/cpu/250|<|1|the same beyond the timer floor
requests/tb-signal/cpu/250|achieved_hz||||achieved rate at -F 250 of CPU time
probe/tb-signal/wall/1000|achieved_hz||||achieved rate at --wall -F 1000
probe/tb-signal/wall/10000|achieved_hz||||achieved rate at --wall -F 10000"

# tracefunc section: measure|tracer|mode|baseline|noop|what it measures. A configuration is named
# by its fields that are not empty (probe/tb-tracefunc/log, probe/noop). probe runs the empty-leaf
# probe loop (-L TRACEFUNC_CALLS -k empty), method the method leaf (-k method) through the
# workload's tb_call_hook, requests-sS the request workload at scale S; every workload on BENCH_CPU,
# every tracer on TRACER_CPU. Cost per call = (hot_wall_ns - the baseline's of the same round) /
# calls; "beyond the no-op" the same against the noop configuration (method rows: the empty hook).
TRACEFUNC_CONFIGS="probe|plain||||the plain build (workload): the empty leaf, no hooks
probe|noop||probe/plain||workload-finstrument: the empty leaf calls the empty hooks of libtb-tracefunc-noop.so at entry and exit (the no-op baseline)
probe|floor||probe/noop||the TSC floor: libtb-tracefunc-floor.so preloaded; each hook only stores __rdtsc() in a thread-local (two TSC reads per call)
probe|tb-tracefunc|count|probe/noop||tb-tracefunc -m count: the entry hook counts the call per function; the exit hook returns
probe|tb-tracefunc|count-filtered|probe/noop||tb-tracefunc -m count -f 'nothing*': the filter leaves the leaf out; what a call left out still pays
probe|tb-tracefunc|latency|probe/noop||tb-tracefunc -m latency: a TSC stamp at entry and exit; a log2 histogram per function
probe|tb-tracefunc|log|probe/noop||tb-tracefunc -m log: a time-stamped record per entry and exit into a ring that tb-tracefunc drains every ms
probe|uftrace|record|probe/noop||uftrace record --no-libcall --no-event -d /dev/shm/...: libmcount's hooks; a record per entry and exit (clock_gettime)
method|plain||||the plain build's method leaf (-k method: frame push with clock_gettime; pop); tb_call_hook unset
method|tb-tracefunc|noop|method/plain||tb-tracefunc --hook method -m noop: tb_call_hook set to an empty function (the cost of being called)
method|tb-tracefunc|count|method/plain|method/tb-tracefunc/noop|tb-tracefunc --hook method -m count
method|tb-tracefunc|latency|method/plain|method/tb-tracefunc/noop|tb-tracefunc --hook method -m latency
method|tb-tracefunc|log|method/plain|method/tb-tracefunc/noop|tb-tracefunc --hook method -m log
requests-s0|plain||||the plain build: workload -r $TRACEFUNC_REQUESTS -s 0 (34 method calls a request; the highest call rate)
requests-s0|noop||requests-s0/plain||workload-finstrument -r $TRACEFUNC_REQUESTS -s 0: the empty hooks (the no-op baseline)
requests-s0|tb-tracefunc|count|requests-s0/noop||tb-tracefunc -m count; its counts checked against the workload's truth
requests-s0|tb-tracefunc|latency|requests-s0/noop||tb-tracefunc -m latency; its counts checked against the truth
requests-s0|tb-tracefunc|log|requests-s0/noop||tb-tracefunc -m log; its counts checked against the truth
requests-s0|uftrace|record|requests-s0/noop||uftrace record --no-libcall --no-event; its records checked against the truth's calls
requests-s$TRACEFUNC_SCALE|plain||||the plain build: workload -r $TRACEFUNC_SCALED_REQUESTS -s $TRACEFUNC_SCALE
requests-s$TRACEFUNC_SCALE|noop||requests-s$TRACEFUNC_SCALE/plain||workload-finstrument -r $TRACEFUNC_SCALED_REQUESTS -s $TRACEFUNC_SCALE: the empty hooks (the no-op baseline)
requests-s$TRACEFUNC_SCALE|tb-tracefunc|count|requests-s$TRACEFUNC_SCALE/noop||tb-tracefunc -m count; counts checked
requests-s$TRACEFUNC_SCALE|tb-tracefunc|latency|requests-s$TRACEFUNC_SCALE/noop||tb-tracefunc -m latency; counts checked
requests-s$TRACEFUNC_SCALE|tb-tracefunc|log|requests-s$TRACEFUNC_SCALE/noop||tb-tracefunc -m log; counts checked
requests-s$TRACEFUNC_SCALE|uftrace|record|requests-s$TRACEFUNC_SCALE/noop||uftrace record --no-libcall --no-event; records checked
clocks|tracefunc_floor||||tracefunc_floor clocks: one __rdtsc() and one clock_gettime(CLOCK_MONOTONIC) (the median of 21 batches of 10^6; no workload)"

# Its targets: configuration|quantity|reference|comparison|target|name (no commas: a CSV field).
# cost_ns_per_call: (the configuration's hot phase - the reference's of the same round) / calls;
# times_cheaper: the reference's cost per call / the configuration's (each against its baseline),
# paired by round; x_tsc_floor: the configuration's cost per call / the TSC floor's; counts_match:
# every run of the configurations named CONFIGURATION/* counted what the workload's truth says.
# No comparison: a statement without a target.
TRACEFUNC_TARGETS="probe/tb-tracefunc/count|cost_ns_per_call|probe/noop|<=|10|count mode per call beyond the no-op hooks (compiler hooks)
probe/tb-tracefunc/log|cost_ns_per_call|probe/noop|<=|25|log mode per call beyond the no-op hooks (compiler hooks)
method/tb-tracefunc/count|cost_ns_per_call|method/tb-tracefunc/noop|<=|10|count mode per call beyond the no-op hook (method hook)
method/tb-tracefunc/log|cost_ns_per_call|method/tb-tracefunc/noop|<=|25|log mode per call beyond the no-op hook (method hook)
probe/tb-tracefunc/log|times_cheaper|probe/uftrace/record|>=|3|tb-tracefunc log at least 3x cheaper per call than uftrace record
probe/tb-tracefunc/count|times_cheaper|probe/uftrace/record|>=|3|tb-tracefunc count at least 3x cheaper per call than uftrace record
requests-s0/tb-tracefunc|counts_match||>=|1|tb-tracefunc's counts equal the truth on requests -s 0 (count latency log)
requests-s$TRACEFUNC_SCALE/tb-tracefunc|counts_match||>=|1|tb-tracefunc's counts equal the truth on requests -s $TRACEFUNC_SCALE (count latency log)
probe/floor|cost_ns_per_call|probe/noop|||the TSC floor: two rdtsc per call beyond the no-op hooks
probe/tb-tracefunc/log|x_tsc_floor|probe/floor|||log mode's cost per call as a multiple of the TSC floor
probe/tb-tracefunc/latency|x_tsc_floor|probe/floor|||latency mode's cost per call as a multiple of the TSC floor
probe/tb-tracefunc/count-filtered|cost_ns_per_call|probe/noop|||a call the filter leaves out (count -f 'nothing*') beyond the no-op hooks
probe/noop|cost_ns_per_call|probe/plain|||the cost of being called: two empty hooks against the plain build
method/tb-tracefunc/noop|cost_ns_per_call|method/plain|||the cost of being called through tb_call_hook (an empty hook)
requests-s0/tb-tracefunc/log|times_cheaper|requests-s0/uftrace/record|||tb-tracefunc log vs uftrace record per method call on requests -s 0"

# uftrace record as the peer, made as like tb-tracefunc log as its options allow: no library calls
# (tb-tracefunc sees only the instrumented functions), no scheduling or other events (tb-tracefunc
# records none), its data on tmpfs (-d, in TRACEFUNC_SHM on /dev/shm, as tb-tracefunc's files).
UFTRACE_OPTS=(--no-libcall --no-event)

program_of() { [ "$1" = plain ] && echo workload || echo "workload-$1"; }

needed="tests/uprobe_count tests/json_get"
section idle && needed+=" $(cut -d'|' -f1 <<<"$CONFIGS" | sort -u | while read -r v; do program_of "$v"; done)"
section hit && needed+=" workload-usdt workload-usdt5 tb-usdt"
section ptrace && needed+=" workload tb-ptrace ptrace_floor"
section vmreadv && needed+=" workload tb-vmreadv vmreadv_floor"
section signal && needed+=" workload tb-signal libtb-signal.so signal_floor libtb-signal-floor.so"
section tracefunc && needed+=" workload workload-finstrument tb-tracefunc libtb-tracefunc.so
	libtb-tracefunc-noop.so libtb-tracefunc-floor.so tracefunc_floor"
for name in $SECTION_FILES; do
	section "$name" && needed+=" $("${name}_needed")"
done
for bin in $needed; do
	[ -x "$OUT/$bin" ] || die "$OUT/$bin is missing: $([ -z "${TB_BUNDLE:-}" ] && echo "run make first" ||
		echo "this bundle lacks it: make a new one (make bundle) with every section's programs")"
done
# The idle section's whole commands need hyperfine; without it they are skipped, said in REPORT.md.
skip_hyperfine=
command -v hyperfine >/dev/null || skip_hyperfine="skipped: hyperfine not installed"

# Who can trace here. A tracer that cannot run gives "skipped: why" rows, never numbers.
skip_tb_usdt=
if section hit && ! why=$("$OUT/tb-usdt" --check 2>&1); then
	skip_tb_usdt="skipped: tb-usdt --check says: $(tr '\n,' ' ;' <<<"$why" | sed 's/ *$//')"
fi
# bpftrace 0.17 detaches uprobes through tracefs; it gets its own, in a private mount namespace,
# so the machine's mounts stay as they are.
BPFTRACE_MOUNT='mount -t tracefs nodev /sys/kernel/tracing'
skip_bpftrace=
if ! command -v bpftrace >/dev/null; then
	skip_bpftrace="skipped: bpftrace not installed"
elif section hit && { ! command -v unshare >/dev/null || ! unshare -m sh -c "$BPFTRACE_MOUNT" 2>/dev/null; }; then
	skip_bpftrace="skipped: cannot mount tracefs in a private mount namespace (unshare -m)"
fi
# The ptrace section's peers, and its second placement (tracer and tracee on two CPUs).
skip_gdb=
command -v gdb >/dev/null || skip_gdb="skipped: gdb not installed (apt-get install gdb)"
skip_strace=
command -v strace >/dev/null || skip_strace="skipped: strace not installed (apt-get install strace)"
skip_cross=
if [ "$NCPU" -lt 2 ]; then
	skip_cross="skipped: one CPU only"
elif [ "$TRACER_CPU" = "$BENCH_CPU" ]; then
	skip_cross="skipped: TRACER_CPU = BENCH_CPU = $BENCH_CPU"
fi

[ -e "$RESULTS_DIR" ] && die "$RESULTS_DIR exists already: results are never overwritten"
mkdir -p "$RESULTS_DIR"
TMP=$(mktemp -d /tmp/tracebench-bench.XXXXXX)
TRACEFUNC_SHM=
GATED_PID=
GATED_TARGET=
# Processes a section starts in the background outside run_gated (a running target, a tool
# attached to it), in the order started: a section adds a pid with bench_pid_add and removes it
# with bench_pid_drop once it has reaped it. Background jobs ignore SIGINT: only
# bench_cleanup ends them on an interrupt.
BENCH_PIDS=()
# bench_pid_add PID: bench_cleanup ends PID if the run stops before PID was reaped
bench_pid_add() { BENCH_PIDS+=("$1"); }
# bench_pid_drop PID: PID was reaped (or never started): forget it
bench_pid_drop()
{
	local p keep=()
	for p in "${BENCH_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	BENCH_PIDS=("${keep[@]}")
}
# bench_gone PID: true once PID has exited (no such process, or a zombie)
bench_gone()
{
	local s
	s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$s" ] || [ "$s" = Z ]
}
# bench_cleanup: at any exit (an interrupted run too), the gated command running now and its
# workload, and BENCH_PIDS, are stopped (SIGTERM: a tracer takes its probes out) and the scratch
# files removed. BENCH_PIDS go last started first (a tool before its target: a tracer must
# detach before its target is signalled), each waited for up to 2 s.
bench_cleanup()
{
	local p i n
	for p in $GATED_PID $GATED_TARGET; do
		kill -TERM "$p" 2>/dev/null || true
	done
	[ -z "$GATED_PID" ] || wait "$GATED_PID" 2>/dev/null || true
	for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
		p=${BENCH_PIDS[i]}
		kill -TERM "$p" 2>/dev/null || continue
		for ((n = 0; n < 200; n++)); do
			! bench_gone "$p" || break
			sleep 0.01
		done
		! bench_gone "$p" || wait "$p" 2>/dev/null || true
	done
	rm -rf "$TMP" ${TRACEFUNC_SHM:+"$TRACEFUNC_SHM"}
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Whether tb-vmreadv can read the workload here (the ptrace access check, seccomp), pause it
# (--blocking: PTRACE_SEIZE), and whether the floor can make its read: a short run of each.
# oneline: a message as one CSV-safe line
oneline() { tr '\n,' ' ;' | sed 's/ *$//'; }
skip_vmreadv=
skip_vmreadv_blocking=
skip_vmreadv_realtime=
skip_read_floor=
if section vmreadv; then
	if ! why=$("$OUT/tb-vmreadv" -F 100 -o "$TMP/probe.json" -- "$OUT/workload" -q -r 100 \
		2>&1 >/dev/null); then
		skip_vmreadv="skipped: tb-vmreadv cannot sample the workload here: $(oneline <<<"$why")"
		skip_vmreadv_blocking=$skip_vmreadv
	elif ! why=$("$OUT/tb-vmreadv" --blocking -F 100 -o "$TMP/probe.json" -- "$OUT/workload" -q \
		-r 100 2>&1 >/dev/null); then
		skip_vmreadv_blocking="skipped: tb-vmreadv --blocking cannot pause the workload here:"
		skip_vmreadv_blocking+=" $(oneline <<<"$why")"
	fi
	if [ -z "$skip_vmreadv" ] && ! why=$("$OUT/tb-vmreadv" --realtime -F 100 -o "$TMP/probe.json" \
		-- "$OUT/workload" -q -r 100 2>&1 >/dev/null); then
		skip_vmreadv_realtime="skipped: tb-vmreadv --realtime cannot run SCHED_FIFO here:"
		skip_vmreadv_realtime+=" $(oneline <<<"$why")"
	fi
	why=$("$OUT/vmreadv_floor" read -n 100 -b 1 2>&1 >/dev/null) ||
		skip_read_floor="skipped: $(oneline <<<"$why")"
fi

# Whether tb-ptrace's hits on PTRACE_STEP_SITE take the single-step path here: a short run.
skip_single_step=
if section ptrace; then
	if ! why=$("$OUT/tb-ptrace" break --no-xol -o "$TMP/probe.json" "$PTRACE_STEP_SITE" \
		-- "$OUT/workload" -q -L 10 -k empty 2>&1 >/dev/null); then
		skip_single_step="skipped: tb-ptrace break --no-xol $PTRACE_STEP_SITE cannot run here:"
		skip_single_step+=" $(oneline <<<"$why")"
	elif step=$("$OUT/tests/json_get" "$TMP/probe.json" "sites.$PTRACE_STEP_SITE.step") &&
		[ "$step" != single-step ]; then
		skip_single_step="skipped: $PTRACE_STEP_SITE is stepped over as '$step' here, not"
		skip_single_step+=" single-stepped: another site is needed (objdump -d build/workload)"
	fi
fi

# Whether tb-signal can sample the workload here with each clock (LD_PRELOAD, timer_create on a
# thread's CPU-time clock or CLOCK_MONOTONIC, seccomp), whether the timer floor can run the same,
# and whether a signal to oneself works: a short run of each. signal_skip TRACER CLOCK says which
# applies.
skip_tb_signal_cpu=
skip_tb_signal_wall=
skip_signal_floor_cpu=
skip_signal_floor_wall=
skip_raise_floor=
# signal_probe CLOCK PROGRAM ARGS...: empty if PROGRAM (tb-signal record or signal_floor timer)
# runs the workload briefly with timers on CLOCK, else why not
signal_probe()
{
	local clock=$1 why wallopt=()
	shift
	[ "$clock" = wall ] && wallopt=(--wall)
	if ! why=$("$@" -F 100 "${wallopt[@]}" -- "$OUT/workload" -q -r 100 2>&1 >/dev/null); then
		echo "skipped: $(basename "$1") $2${wallopt:+ --wall} cannot run the workload here:" \
			"$(oneline <<<"${why:-it failed without saying why}")"
	fi
}
if section signal; then
	skip_tb_signal_cpu=$(signal_probe cpu "$OUT/tb-signal" record -o "$TMP/probe.json")
	skip_tb_signal_wall=$(signal_probe wall "$OUT/tb-signal" record -o "$TMP/probe.json")
	skip_signal_floor_cpu=$(signal_probe cpu "$OUT/signal_floor" timer)
	skip_signal_floor_wall=$(signal_probe wall "$OUT/signal_floor" timer)
	why=$("$OUT/signal_floor" raise -n 100 -b 1 2>&1 >/dev/null) ||
		skip_raise_floor="skipped: $(oneline <<<"$why")"
fi

# Whether tb-tracefunc can trace the workload here (LD_PRELOAD, its record files on /dev/shm or
# /tmp) with each hook, whether the TSC floor library loads, whether the clock floor runs, and
# whether uftrace can record the workload: a short run of each. uftrace records into
# TRACEFUNC_SHM, a directory of this run's on /dev/shm that the exit removes.
skip_tracefunc_cyg=
skip_tracefunc_method=
skip_tracefunc_floor=
skip_tracefunc_clocks=
skip_uftrace=
if section tracefunc; then
	TRACEFUNC_SHM=$(mktemp -d /dev/shm/tracebench-bench.XXXXXX 2>/dev/null) ||
		TRACEFUNC_SHM=$(mktemp -d "$TMP/shm.XXXXXX")
	if ! why=$("$OUT/tb-tracefunc" -m count -o "$TMP/probe.json" -D "$TRACEFUNC_SHM/probe" \
		-- "$OUT/workload-finstrument" -q -L 1000 -k empty 2>&1 >/dev/null); then
		skip_tracefunc_cyg="skipped: tb-tracefunc cannot trace workload-finstrument here:"
		skip_tracefunc_cyg+=" $(oneline <<<"${why:-it failed without saying why}")"
	fi
	rm -rf "$TRACEFUNC_SHM/probe"
	if ! why=$("$OUT/tb-tracefunc" --hook method -m count -o "$TMP/probe.json" \
		-D "$TRACEFUNC_SHM/probe" -- "$OUT/workload" -q -L 1000 -k method 2>&1 >/dev/null); then
		skip_tracefunc_method="skipped: tb-tracefunc --hook method cannot trace the workload here:"
		skip_tracefunc_method+=" $(oneline <<<"${why:-it failed without saying why}")"
	fi
	if ! why=$(env LD_PRELOAD="$(realpath "$OUT/libtb-tracefunc-floor.so")" \
		"$OUT/workload-finstrument" -q -L 1000 -k empty 2>&1 >/dev/null); then
		skip_tracefunc_floor="skipped: libtb-tracefunc-floor.so cannot be preloaded here:"
		skip_tracefunc_floor+=" $(oneline <<<"${why:-it failed without saying why}")"
	fi
	why=$("$OUT/tracefunc_floor" clocks -n 100 2>&1 >/dev/null) ||
		skip_tracefunc_clocks="skipped: $(oneline <<<"${why:-tracefunc_floor failed}")"
	if ! command -v uftrace >/dev/null; then
		skip_uftrace="skipped: uftrace not installed (./setup.sh installs it: apt-get install uftrace)"
	elif ! why=$(uftrace record "${UFTRACE_OPTS[@]}" -d "$TRACEFUNC_SHM/probe.data" \
		"$OUT/workload-finstrument" -q -L 1000 -k empty 2>&1 >/dev/null); then
		skip_uftrace="skipped: uftrace record cannot record workload-finstrument here:"
		skip_uftrace+=" $(oneline <<<"${why:-it failed without saying why}")"
	fi
	rm -rf "$TRACEFUNC_SHM/probe" "$TRACEFUNC_SHM/probe.data"
fi

for name in $SECTION_FILES; do
	if section "$name"; then "${name}_probe"; fi
done

# ---- environment fingerprint --------------------------------------------------------------

kconfig()
{
	local f=/boot/config-$(uname -r)
	if [ -r "$f" ]; then grep -m1 "^$1=" "$f" | cut -d= -f2; elif [ -r /proc/config.gz ]; then
		zcat /proc/config.gz | grep -m1 "^$1=" | cut -d= -f2
	else echo unknown; fi
}

vm=$(systemd-detect-virt --vm 2>/dev/null || true)
[ "${vm:-none}" = none ] && grep -qw hypervisor /proc/cpuinfo && vm="yes (hypervisor flag)"
container=$(systemd-detect-virt --container 2>/dev/null || true)
# Long enough for uprobe_count, polling every millisecond, to see the trampoline appear.
# (Not root, or no uprobes: unknown, not the end of the run.)
optimised=$("$OUT/tests/uprobe_count" tracebench:loop_probe -- "$OUT/workload-usdt5" -q -L 200000 \
	-k probe 2>/dev/null | sed -n 's/.*trampoline=\([a-z]*\).*/\1/p') || optimised=
{
	echo "date=$(date -u +%FT%TZ)"
	echo "host=$(hostname -s)"
	echo "kernel=$(uname -r)"
	echo "cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
	echo "cpus=$NCPU"
	echo "virtualisation=${vm:-none}"
	echo "container=${container:-none}"
	echo "config_hz=$(kconfig CONFIG_HZ)"
	echo "btf=$([ -e /sys/kernel/btf/vmlinux ] && echo yes || echo no)"
	echo "uprobe_pmu=$([ -e /sys/bus/event_source/devices/uprobe/type ] && echo yes || echo no)"
	echo "optimised_uprobes_nop5=${optimised:-unknown}"
	echo "sections=$SECTIONS"
	if section idle; then
		echo "placement=workload pinned to CPU $BENCH_CPU (taskset); nothing else pinned"
		echo "rounds=$ROUNDS"
		echo "calls_per_thread=$CALLS"
	fi
	if section hit; then
		echo "hit_placement=workload started on CPU $TRACER_CPU, moved to CPU $BENCH_CPU" \
			"(taskset -a -p) while it waits at its start gate, then released; tb-usdt and" \
			"bpftrace pinned to CPU $TRACER_CPU (taskset)"
		echo "hit_rounds=$HIT_ROUNDS"
		echo "hit_calls_per_thread=$HIT_CALLS"
		echo "tb_usdt=${skip_tb_usdt:-$("$OUT/tb-usdt" --check 2>&1 | head -n1)}"
		echo "bpftrace=${skip_bpftrace:-$(bpftrace --version | cut -d' ' -f2), in unshare -m with a private tracefs}"
	fi
	if section ptrace; then
		echo "ptrace_placement=same-cpu: tracer and tracee both on CPU $BENCH_CPU;" \
			"cross-cpu: ${skip_cross:-tracer on CPU $TRACER_CPU, tracee on CPU $BENCH_CPU};" \
			"alone: the untraced workload on CPU $BENCH_CPU (taskset; the workload moved with" \
			"taskset -a -p while it waits at its start gate; ptrace_floor pins itself)"
		echo "ptrace_rounds=$PTRACE_ROUNDS"
		echo "ptrace_hits=$PTRACE_HITS"
		echo "ptrace_hits_cross=$PTRACE_HITS_CROSS"
		echo "ptrace_hits_gdb=$PTRACE_HITS_GDB"
		echo "ptrace_requests=$PTRACE_REQUESTS"
		echo "ptrace_single_step_site=$PTRACE_STEP_SITE:" \
			"${skip_single_step:-single-stepped (a short run said so)}"
		echo "ptrace_scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo none)"
		echo "gdb=${skip_gdb:-$(gdb --version | sed -n '1s/.* //p')}"
		echo "strace=${skip_strace:-$(strace -V | sed -n '1s/.* //p')}"
	fi
	if section vmreadv; then
		echo "vmreadv_placement=unpinned: the workload's $VMREADV_THREADS threads need all $NCPU CPUs," \
			"so the workload, tb-vmreadv and vmreadv_floor run wherever the scheduler puts them;" \
			"tb-vmreadv and vmreadv_floor timer start the workload themselves (-- COMMAND) and" \
			"release it at its start gate as their sampling schedule starts"
		echo "vmreadv_rounds=$VMREADV_ROUNDS"
		echo "vmreadv_threads=$VMREADV_THREADS"
		echo "vmreadv_requests=$VMREADV_REQUESTS"
		echo "vmreadv_scale=$VMREADV_SCALE"
		echo "vmreadv_clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource \
			2>/dev/null || echo unknown)"
		echo "vmreadv_ptrace_scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo none)"
		echo "tb_vmreadv=${skip_vmreadv:-ok}"
		echo "tb_vmreadv_blocking=${skip_vmreadv_blocking:-ok}"
		echo "process_vm_readv_floor=${skip_read_floor:-ok}"
	fi
	if section signal; then
		echo "signal_placement=probe and raise: pinned to CPU $BENCH_CPU (taskset on the whole" \
			"command: tb-signal or signal_floor and the workload's every thread); requests:" \
			"unpinned, the workload's $SIGNAL_THREADS threads on $NCPU CPUs wherever the" \
			"scheduler puts them; tb-signal and signal_floor timer start the workload themselves" \
			"(-- COMMAND) and release it at its start gate right after exec"
		echo "signal_rounds=$SIGNAL_ROUNDS"
		echo "signal_calls_per_thread=$SIGNAL_CALLS"
		echo "signal_threads=$SIGNAL_THREADS"
		echo "signal_requests=$SIGNAL_REQUESTS"
		echo "signal_scale=$SIGNAL_SCALE"
		echo "signal_clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource \
			2>/dev/null || echo unknown)"
		echo "tb_signal_cpu=${skip_tb_signal_cpu:-ok}"
		echo "tb_signal_wall=${skip_tb_signal_wall:-ok}"
		echo "signal_floor_cpu=${skip_signal_floor_cpu:-ok}"
		echo "signal_floor_wall=${skip_signal_floor_wall:-ok}"
		echo "signal_raise_floor=${skip_raise_floor:-ok}"
	fi
	if section tracefunc; then
		echo "tracefunc_placement=the workload on CPU $BENCH_CPU, tb-tracefunc and uftrace record" \
			"(with its recorder threads) on CPU $TRACER_CPU: each is started there (taskset)" \
			"with the workload, which waits at its start gate (-g 3) until it is moved to CPU" \
			"$BENCH_CPU (taskset -a -p) and released; untraced runs start the same way;" \
			"tb-tracefunc -m log drains its rings every ms from CPU $TRACER_CPU;" \
			"tracefunc_floor clocks pinned to CPU $BENCH_CPU"
		echo "tracefunc_rounds=$TRACEFUNC_ROUNDS"
		echo "tracefunc_calls_per_thread=$TRACEFUNC_CALLS"
		echo "tracefunc_method_calls_per_thread=$TRACEFUNC_METHOD_CALLS"
		echo "tracefunc_requests=$TRACEFUNC_REQUESTS"
		echo "tracefunc_scale=$TRACEFUNC_SCALE"
		echo "tracefunc_scaled_requests=$TRACEFUNC_SCALED_REQUESTS"
		echo "tracefunc_clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource \
			2>/dev/null || echo unknown)"
		echo "tracefunc_invariant_tsc=$(grep -qw nonstop_tsc /proc/cpuinfo &&
			grep -qw constant_tsc /proc/cpuinfo && echo yes || echo no)"
		echo "tb_tracefunc=${skip_tracefunc_cyg:-ok}"
		echo "tb_tracefunc_method=${skip_tracefunc_method:-ok}"
		echo "tracefunc_floor_library=${skip_tracefunc_floor:-ok}"
		echo "tracefunc_clocks_floor=${skip_tracefunc_clocks:-ok}"
		if [ -z "$skip_uftrace" ]; then
			echo "uftrace=$(uftrace --version 2>&1 | sed -n '1s/^uftrace \(v[^ ]*\).*/\1/p');" \
				"uftrace record ${UFTRACE_OPTS[*]} -d DIR; DIR on" \
				"$(df --output=fstype "$TRACEFUNC_SHM" 2>/dev/null | sed -n 2p)"
		else
			echo "uftrace=$skip_uftrace"
		fi
	fi
	for name in $SECTION_FILES; do
		if section "$name"; then "${name}_env"; fi
	done
	if [ -n "${TB_BUNDLE:-}" ]; then
		# the bundle's build machine's, from its VERSION file; and which bundle this is
		sed -n '/^\(gcc\|clang\|libbpf\|bpftool\|libunwind\|git\)=/p' "$TB_BUNDLE/VERSION"
		echo "bundle=$(sed -n 's/^bundle=//p' "$TB_BUNDLE/VERSION"), built" \
			"$(sed -n 's/^built=//p' "$TB_BUNDLE/VERSION"); the lines above are its build machine's"
	else
		echo "gcc=$(gcc -dumpfullversion 2>/dev/null || echo none)"
		echo "clang=$(clang -dumpversion 2>/dev/null || echo none)"
		echo "libbpf=$(dpkg-query -W -f='${Version}' libbpf1 2>/dev/null || echo unknown)"
		echo "bpftool=$(bpftool version 2>/dev/null | sed -n '1s/.* v\{0,1\}\([0-9][^ ]*\).*/\1/p' |
			grep . || echo none)"
		echo "libunwind=$(dpkg-query -W -f='${Version}' libunwind8 2>/dev/null || echo unknown)"
	fi
	echo "hyperfine=$(command -v hyperfine >/dev/null && hyperfine --version | cut -d' ' -f2 || echo none)"
	[ -n "${TB_BUNDLE:-}" ] ||
		echo "git=$(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet 2>/dev/null || echo -dirty)"
} >"$RESULTS_DIR/env.txt"

# ---- gated runs: attach before the workload's timed loop, then place it and release it ----

# Where run_gated starts COMMAND (and its tracer) and where it moves the workload; each section
# sets them before its runs.
GATE_TRACER_CPU=$TRACER_CPU
GATE_TARGET_CPU=$BENCH_CPU

# x86-64: the workload waits at its start gate in read(2), system call 0, on descriptor 3.
at_gate()
{
	local nr fd
	read -r nr fd _ 2>/dev/null <"/proc/$1/syscall" || return 1
	[ "$nr" = 0 ] && [ "$fd" = 0x3 ]
}

# pinned_to PID CPU: every thread of PID may run on CPU only
pinned_to()
{
	local f
	for f in /proc/"$1"/task/*/status; do
		[ "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$f" 2>/dev/null)" = "$2" ] ||
			return 1
	done
}

# run_gated PROGRAM LOG COMMAND...: runs COMMAND on GATE_TRACER_CPU with a new FIFO as
# descriptor 3, which the workload PROGRAM (COMMAND itself, or its child) reads as its start gate
# (-g 3). A tracer started with it attaches before it lets the program exec, so once the program
# waits at the gate the probes are in place: it is moved to GATE_TARGET_CPU, every thread, and
# released. Attach, exec and the move lie outside its timed loop, and the tracer shares the
# workload's CPU only when the two CPUs are the same. Sets run_status (COMMAND's exit status)
# and run_error (empty, or why the loop never started).
run_gated()
{
	local program=$1 log=$2 pid target='' c tries=0
	shift 2
	rm -f "$TMP/gate"
	mkfifo "$TMP/gate"
	exec 4<>"$TMP/gate"
	taskset -c "$GATE_TRACER_CPU" "$@" 3<"$TMP/gate" 4>&- >"$log.out" 2>"$log.err" &
	pid=$!
	GATED_PID=$pid
	run_error=
	while [ -z "$target" ]; do
		for c in "$pid" $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
			if [ "$(readlink /proc/"$c"/exe 2>/dev/null)" = "$program" ] && at_gate "$c"; then
				target=$c
			fi
		done
		if [ -n "$target" ]; then
			GATED_TARGET=$target
			break
		elif ! kill -0 "$pid" 2>/dev/null; then
			run_error="exited before the workload reached its start gate"
			break
		elif [ $((tries += 1)) -gt 3000 ]; then
			run_error="the workload was not at its start gate after 30 s"
			break
		fi
		sleep 0.01
	done
	if [ -n "$target" ] && ! { taskset -a -p -c "$GATE_TARGET_CPU" "$target" >/dev/null &&
		pinned_to "$target" "$GATE_TARGET_CPU"; }; then
		run_error="cannot move the workload to CPU $GATE_TARGET_CPU"
	fi
	# Without the byte the workload reads EOF at its gate and exits with status 3, unmeasured.
	if [ -z "$run_error" ]; then
		printf g >&4
	fi
	exec 4>&-
	if [ -n "$run_error" ]; then
		kill "$pid" 2>/dev/null || true
	fi
	run_status=0
	wait "$pid" || run_status=$?
	# A tracer that stopped early leaves its target running: the next run must not meet it.
	while [ -n "$target" ] && [ "$target" != "$pid" ] && kill -0 "$target" 2>/dev/null; do
		sleep 0.01
	done
	GATED_PID= GATED_TARGET=
	rm -f "$TMP/gate"
}

if section floors; then floors_run; fi

# ---- idle cost of instrumentation points: interleaved probe-loop runs -------------------

if section idle; then
	nconf=$(wc -l <<<"$CONFIGS")
	total=$((ROUNDS * nconf))
	echo "round,variant,leaf,program,calls_per_thread,ns_per_call" >"$RESULTS_DIR/idle_raw.csv"
	echo "bench: idle cost of instrumentation points: $ROUNDS interleaved rounds of $nconf configurations," \
		"$CALLS calls each, on CPU $BENCH_CPU" >&2
	# idle_run ROUND VARIANT LEAF: one probe-loop run, pinned, into idle_raw.csv
	idle_run()
	{
		local round=$1 variant=$2 leaf=$3 program ns
		program=$(program_of "$variant")
		taskset -c "$BENCH_CPU" "$OUT/$program" -q -L "$CALLS" -k "$leaf" -o "$TMP/t.json" ||
			die "$program -L $CALLS -k $leaf failed"
		ns=$("$OUT/tests/json_get" "$TMP/t.json" loop.ns_per_call) ||
			die "$TMP/t.json has no loop.ns_per_call"
		echo "$round,$variant,$leaf,$program,$CALLS,$ns" >>"$RESULTS_DIR/idle_raw.csv"
	}
	run_rounds "$ROUNDS" "$CONFIGS" 2 idle_run

	# ---- summary: medians and paired differences against the baseline of the same round ------

	awk -F, -v configs="$CONFIGS" "$AWK_STATS"'
	NR == 1 { next }
	{ ns[$2 "/" $3, $1] = $6; rounds[$1] = 1; program[$2 "/" $3] = $4 }
	END {
		nconf = split(configs, lines, "\n")
		for (r in rounds) nround++
		print "variant,leaf,program,rounds,median_ns_per_call,p25_ns_per_call,p75_ns_per_call," \
		      "baseline,idle_cost_ns_per_call,idle_cost_p25_ns_per_call,idle_cost_p75_ns_per_call," \
		      "description"
		for (c = 1; c <= nconf; c++) {
			split(lines[c], f, "|")
			name = f[1] "/" f[2]
			n = 0
			for (r = 1; r <= nround; r++) {
				v[++n] = ns[name, r]
				d[n] = ns[name, r] - ns[f[3], r]
			}
			printf "%s,%s,%s,%d,%.3f,%.3f,%.3f,%s,%.3f,%.3f,%.3f,\"%s\"\n", f[1], f[2],
			       program[name], n, quantile(v, n, 0.5), quantile(v, n, 0.25), quantile(v, n, 0.75),
			       f[3], quantile(d, n, 0.5), quantile(d, n, 0.25), quantile(d, n, 0.75), f[4]
		}
	}' "$RESULTS_DIR/idle_raw.csv" >"$RESULTS_DIR/idle_summary.csv"

	# ---- whole commands with hyperfine (process start and exit included) ---------------------

	HF_CALLS=$((CALLS / 10))
	hf_args=()
	while IFS='|' read -r variant leaf _; do
		hf_args+=(-n "$variant/$leaf" "taskset -c $BENCH_CPU $OUT/$(program_of "$variant") -q -L $HF_CALLS -k $leaf")
	done <<<"$CONFIGS"
	if [ -n "$skip_hyperfine" ]; then
		echo "bench: idle: whole commands $skip_hyperfine (the per-call costs above are measured)" >&2
	else
		echo "bench: hyperfine, whole commands, $HYPERFINE_RUNS runs each ($HF_CALLS calls per run)" >&2
		hyperfine -N --style basic --warmup 2 --runs "$HYPERFINE_RUNS" --export-json \
			"$RESULTS_DIR/hyperfine_idle.json" "${hf_args[@]}" >"$RESULTS_DIR/hyperfine_idle.txt" 2>&1 ||
			die "hyperfine failed: see $RESULTS_DIR/hyperfine_idle.txt"
	fi
fi

# ---- per-hit cost of a traced USDT probe ---------------------------------------------------

# hit_run ROUND VARIANT TRACER MODE LEAF: one probe-loop run on LEAF, appended to hit_raw.csv. A
# run whose tracer recorded other than HIT_CALLS calls failed (count: hits counted; stream: events
# seen + lost; hist: entry-return pairs): its row says so and no summary uses it.
hit_run()
{
	local round=$1 variant=$2 tracer=$3 mode=${4:-} leaf=$5 program status=ok ns='' counted=''
	local optimised='' cpu='' lost='' probe get=("$OUT/tests/json_get" "$TMP/result.json")
	local args=(-q -L "$HIT_CALLS" -k "$leaf" -o "$TMP/truth.json" -g 3) log=$TMP/run
	local probes quiet=()
	program=$(realpath "$OUT/workload-$variant")
	probes=(tracebench:loop_probe)
	[ "$leaf" = method ] && probes=(tracebench:method_entry tracebench:method_return)
	# stream prints every event unless -q: the cost of the ring buffer, not of a terminal
	[ "$mode" = stream ] && quiet=(-q)
	rm -f "$TMP/truth.json" "$TMP/result.json"
	case $tracer in
	untraced) run_gated "$program" "$log" "$program" "${args[@]}" ;;
	tb-usdt)
		run_gated "$program" "$log" "$OUT/tb-usdt" -m "$mode" "${quiet[@]}" -o "$TMP/result.json" \
			"${probes[@]}" -- "$program" "${args[@]}"
		;;
	bpftrace)
		# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
		run_gated "$program" "$log" unshare -m sh -c \
			"$BPFTRACE_MOUNT"' && exec bpftrace -e "$1" -c "$2"' sh \
			"usdt:$program:tracebench:loop_probe { @c = count(); }" "$program ${args[*]}"
		;;
	esac
	if [ -n "$run_error" ]; then
		status="failed: $tracer $run_error"
	elif [ "$run_status" != 0 ]; then
		status="failed: $tracer exited with status $run_status"
	elif ! ns=$("$OUT/tests/json_get" "$TMP/truth.json" loop.ns_per_call 2>/dev/null); then
		status="failed: the workload wrote no loop.ns_per_call"
	fi
	if [ "$tracer" = tb-usdt ] && [ -s "$TMP/result.json" ]; then
		# The probes' sites that ran optimised, summed (hist: the loop method's entry and return).
		for probe in "${probes[@]}"; do
			optimised=$((${optimised:-0} + $("${get[@]}" "probes.$probe.sites_optimised" \
				2>/dev/null || echo 0)))
		done
		cpu=$("${get[@]}" tracer_cpu_ns 2>/dev/null) || cpu=
		lost=$("${get[@]}" lost 2>/dev/null) || lost=
		case $mode in
		count | stream)
			counted=$("${get[@]}" 'counts.tracebench:loop_probe' 2>/dev/null) || counted=
			;;
		hist) counted=$("${get[@]}" histograms.all.count 2>/dev/null) || counted= ;;
		esac
	elif [ "$tracer" = bpftrace ]; then
		counted=$(sed -n 's/^@c: //p' "$log.out")
	fi
	if [ "$status" = ok ]; then
		case $mode in
		count)
			[ "$counted" = "$HIT_CALLS" ] ||
				status="failed: $tracer counted ${counted:-nothing} of $HIT_CALLS hits"
			;;
		stream)
			[ -n "$counted" ] && [ -n "$lost" ] && [ $((counted + lost)) = "$HIT_CALLS" ] ||
				status="failed: $tracer saw ${counted:-no} events and lost ${lost:-?} of $HIT_CALLS"
			;;
		hist)
			[ "$counted" = "$HIT_CALLS" ] ||
				status="failed: $tracer recorded ${counted:-no} pairs of $HIT_CALLS calls (lost ${lost:-?})"
			;;
		esac
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $variant/$tracer${mode:+/$mode}/$leaf: $status"
			cat "$log.out" "$log.err"
		} >>"$RESULTS_DIR/hit_failures.txt"
	fi
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$round" "$variant" "$tracer" "$mode" \
		"workload-$variant" "$HIT_CALLS" "$ns" "$counted" "$optimised" "$cpu" "$leaf" "$lost" \
		"$status" >>"$RESULTS_DIR/hit_raw.csv"
}

if section hit; then
	GATE_TRACER_CPU=$TRACER_CPU
	GATE_TARGET_CPU=$BENCH_CPU
	# Configurations whose tracer cannot run here are not run; the summary says why.
	HIT_RUN=$(cut -d'|' -f1-4 <<<"$HIT_CONFIGS")
	[ -n "$skip_tb_usdt" ] && HIT_RUN=$(grep -v '^[^|]*|tb-usdt|' <<<"$HIT_RUN")
	[ -n "$skip_bpftrace" ] && HIT_RUN=$(grep -v '^[^|]*|bpftrace|' <<<"$HIT_RUN")
	nhit=$(wc -l <<<"$HIT_RUN")
	total=$((HIT_ROUNDS * nhit))
	echo "round,variant,tracer,mode,program,calls_per_thread,ns_per_call,probe_hits_counted," \
		"sites_optimised,tracer_cpu_ns,leaf,events_lost,status" | tr -d ' ' >"$RESULTS_DIR/hit_raw.csv"
	echo "bench: per-hit cost of a traced USDT probe: $HIT_ROUNDS interleaved rounds of $nhit" \
		"configurations, $HIT_CALLS calls each, workload on CPU $BENCH_CPU, tracers on CPU $TRACER_CPU" >&2
	run_rounds "$HIT_ROUNDS" "$HIT_RUN" 4 hit_run

	# Summary: per configuration, its ns per call and its cost per call (minus its variant's
	# untraced run of the same leaf in the same round, over the rounds where both runs succeeded)
	# and per hit (the cost per call over the leaf's sites: one for probe, two for method).
	awk -F, -v configs="$HIT_CONFIGS" -v skip_tb_usdt="$skip_tb_usdt" -v skip_bpftrace="$skip_bpftrace" "$AWK_STATS"'
	NR == 1 { next }
	{
		name = $2 "/" $3 "/" $4 "/" $11
		runs[name]++
		if ($1 > nround) nround = $1
		if ($13 != "ok") { failed[name]++; next }
		ns[name, $1] = $7
		if ($9 != "" && $9 + 0 > 0) optimised[name]++
		if ($12 != "") lost[name] += $12
	}
	END {
		nconf = split(configs, lines, "\n")
		print "variant,tracer,mode,program,runs,runs_failed,median_ns_per_call,p25_ns_per_call," \
		      "p75_ns_per_call,per_hit_cost_ns,per_hit_cost_p25_ns,per_hit_cost_p75_ns," \
		      "runs_sites_optimised,leaf,hits_per_call,per_call_cost_ns,per_call_cost_p25_ns," \
		      "per_call_cost_p75_ns,events_lost,status,description"
		for (c = 1; c <= nconf; c++) {
			split(lines[c], f, "|")
			name = f[1] "/" f[2] "/" f[3] "/" f[4]
			base = f[1] "/untraced//" f[4]
			hits = f[4] == "method" ? 2 : 1
			skip = f[2] == "tb-usdt" ? skip_tb_usdt : f[2] == "bpftrace" ? skip_bpftrace : ""
			if (skip != "") {
				printf "%s,%s,%s,workload-%s,0,0,,,,,,,,%s,%d,,,,,%s,\"%s\"\n", f[1], f[2], f[3],
				       f[1], f[4], hits, skip, f[5]
				continue
			}
			n = 0
			for (r = 1; r <= nround; r++) {
				if (!((name, r) in ns) || !((base, r) in ns)) continue
				v[++n] = ns[name, r]
				d[n] = ns[name, r] - ns[base, r]
			}
			status = failed[name] ? "failed: " failed[name] " of " runs[name] " runs" : "ok"
			printf "%s,%s,%s,workload-%s,%d,%d,", f[1], f[2], f[3], f[1], runs[name], failed[name]
			if (n)
				printf "%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,", quantile(v, n, 0.5), quantile(v, n, 0.25),
				       quantile(v, n, 0.75), quantile(d, n, 0.5) / hits,
				       quantile(d, n, 0.25) / hits, quantile(d, n, 0.75) / hits
			else
				printf ",,,,,,"
			printf "%s,%s,%d,", f[2] == "tb-usdt" ? optimised[name] + 0 : "", f[4], hits
			if (n)
				printf "%.3f,%.3f,%.3f,", quantile(d, n, 0.5), quantile(d, n, 0.25),
				       quantile(d, n, 0.75)
			else
				printf ",,,"
			printf "%s,%s,\"%s\"\n", f[2] == "tb-usdt" ? lost[name] + 0 : "", status, f[5]
		}
	}' "$RESULTS_DIR/hit_raw.csv" >"$RESULTS_DIR/hit_summary.csv"

	# Each ratio twice: of the two medians, and paired — the median over the rounds of the ratio of
	# the two per-hit costs measured in the same round, which cancels drift between rounds. The
	# verdict comes from the paired ratio's interquartile range: PASS if even its p75 meets the
	# target, FAIL if even its p25 misses it, otherwise "within noise". A ratio names a
	# configuration variant/tracer/mode; its leaf and baseline come from the configurations.
	awk -F, -v ratios="$HIT_RATIOS" -v configs="$HIT_CONFIGS" "$AWK_STATS"'
	# hit_cost(NAME, ROUND): the per-hit cost of NAME (variant/tracer/mode) in ROUND; sets ok to 0
	# if that round lacks a run it needs
	function hit_cost(name, r,    key, base) {
		key = name "/" leaf[name]; base = variant[name] "/untraced//" leaf[name]
		if (!((key, r) in ns) || !((base, r) in ns)) { ok = 0; return 0 }
		return (ns[key, r] - ns[base, r]) / (leaf[name] == "method" ? 2 : 1)
	}
	FNR == 1 { next }
	FILENAME ~ /hit_summary/ {
		name = $1 "/" $2 "/" $3
		cost[name] = $10
		why[name] = $10 == "" ? ($20 ~ /^skipped/ ? $20 : "no data: " name " " $20) : ""
		next
	}
	$13 == "ok" {
		ns[$2 "/" $3 "/" $4 "/" $11, $1] = $7
		if ($1 > nround) nround = $1
	}
	END {
		nconf = split(configs, cl, "\n")
		for (c = 1; c <= nconf; c++) {
			split(cl[c], f, "|")
			leaf[f[1] "/" f[2] "/" f[3]] = f[4]; variant[f[1] "/" f[2] "/" f[3]] = f[1]
		}
		print "ratio,numerator,denominator,numerator_per_hit_cost_ns,denominator_per_hit_cost_ns," \
		      "value,paired_median,paired_p25,paired_p75,rounds_paired,target,verdict"
		nratio = split(ratios, lines, "\n")
		for (i = 1; i <= nratio; i++) {
			split(lines[i], f, "|")
			num = f[1]; den = f[2]
			n = 0
			for (r = 1; r <= nround; r++) {
				ok = 1
				a = hit_cost(num, r); b = hit_cost(den, r)
				if (!ok || b <= 0) continue
				q[++n] = a / b
			}
			value = ""; pm = ""; p25 = ""; p75 = ""
			if (why[num] != "") verdict = why[num]
			else if (why[den] != "") verdict = why[den]
			else if (cost[den] <= 0 || !n) verdict = "undefined: " den " costs " cost[den] " ns (noise)"
			else {
				value = sprintf("%.3f", cost[num] / cost[den])
				verdict = paired_verdict(q, n, f[3], f[4])
			}
			printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%s %s,%s\n", f[5], num, den, cost[num], cost[den],
			       value, pm, p25, p75, n, f[3], f[4], verdict
		}
	}' "$RESULTS_DIR/hit_summary.csv" "$RESULTS_DIR/hit_raw.csv" >"$RESULTS_DIR/hit_ratios.csv"
fi

# ---- ptrace: the stop floor, tb-ptrace breakpoints and system call stops, gdb, strace --------

# gdb's breakpoint with commands, as a person would set it: stop, say nothing, continue; at the
# end "info breakpoints" prints how many times it was hit.
PTRACE_GDB_SCRIPT='set pagination off
set confirm off
set startup-with-shell off
break *loop_leaf_empty
commands
silent
continue
end
run
info breakpoints'

# ptrace_skip MEASURE TRACER PLACEMENT: why that configuration cannot run here (empty if it can)
ptrace_skip()
{
	case $2 in
	gdb) [ -z "$skip_gdb" ] || { echo "$skip_gdb"; return; } ;;
	strace) [ -z "$skip_strace" ] || { echo "$skip_strace"; return; } ;;
	tb-ptrace-single-step) [ -z "$skip_single_step" ] || { echo "$skip_single_step"; return; } ;;
	esac
	[ "$3" != cross-cpu ] || echo "$skip_cross"
}

# ptrace_run ROUND MEASURE TRACER PLACEMENT: one run of the ptrace section, appended to
# ptrace_raw.csv. A breakpoint run whose tracer counted other than its calls or stepped over its
# site another way than its configuration says (tb-ptrace: out of line; -emulated: emulated;
# -single-step: every hit single-stepped), or a system call run whose tracer saw fewer than the
# hot phase made, failed: its row says so and no summary uses it.
ptrace_run()
{
	local round=$1 measure=$2 tracer=$3 placement=$4 status=ok events='' counted='' wall='' ns=''
	local cpu='' tracer_cpu=$BENCH_CPU log=$TMP/pt program args=() reads writes step='' steps=''
	local site=loop_leaf_empty get=("$OUT/tests/json_get" "$TMP/result.json")
	[ "$tracer" = tb-ptrace-single-step ] && site=$PTRACE_STEP_SITE
	program=$(realpath "$OUT/workload")
	[ "$placement" = cross-cpu ] && tracer_cpu=$TRACER_CPU
	GATE_TRACER_CPU=$tracer_cpu
	GATE_TARGET_CPU=$BENCH_CPU
	run_error=
	run_status=0
	rm -f "$TMP/truth.json" "$TMP/result.json" "$log".*
	case $measure in
	floor)
		events=$PTRACE_HITS
		[ "$placement" = cross-cpu ] && events=$PTRACE_HITS_CROSS
		"$OUT/ptrace_floor" -n "$events" -t "$tracer_cpu" -c "$BENCH_CPU" >"$log.out" \
			2>"$log.err" || run_status=$?
		;;
	break)
		case $tracer/$placement in
		gdb/*) events=$PTRACE_HITS_GDB ;;
		*/cross-cpu) events=$PTRACE_HITS_CROSS ;;
		*) events=$PTRACE_HITS ;;
		esac
		args=(-q -L "$events" -k empty -o "$TMP/truth.json" -g 3)
		;;
	syscall) args=(-q -r "$PTRACE_REQUESTS" -s 0 -o "$TMP/truth.json" -g 3) ;;
	esac
	case $measure/$tracer in
	floor/*) ;;
	*/untraced) run_gated "$program" "$log" "$program" "${args[@]}" ;;
	break/tb-ptrace)
		run_gated "$program" "$log" "$OUT/tb-ptrace" break -o "$TMP/result.json" loop_leaf_empty \
			-- "$program" "${args[@]}"
		;;
	break/tb-ptrace-emulated | break/tb-ptrace-single-step)
		run_gated "$program" "$log" "$OUT/tb-ptrace" break --no-xol -o "$TMP/result.json" "$site" \
			-- "$program" "${args[@]}"
		;;
	syscall/tb-ptrace)
		run_gated "$program" "$log" "$OUT/tb-ptrace" syscall -o "$TMP/result.json" \
			-- "$program" "${args[@]}"
		;;
	break/gdb)
		run_gated "$program" "$log" gdb -nx -batch -x "$TMP/break.gdb" --args "$program" \
			"${args[@]}"
		;;
	syscall/strace)
		run_gated "$program" "$log" strace -c -f -o "$log.strace" -- "$program" "${args[@]}"
		;;
	syscall/tb-ptrace-seccomp)
		run_gated "$program" "$log" "$OUT/tb-ptrace" syscall --seccomp -e openat \
			-o "$TMP/result.json" -- "$program" "${args[@]}"
		;;
	esac

	if [ -n "$run_error" ]; then
		status="failed: $tracer $run_error"
	elif [ "$run_status" != 0 ]; then
		status="failed: $tracer exited with status $run_status"
	fi
	if [ "$measure" = floor ]; then
		ns=$(sed -n 's/.*ns_per_stop=\([0-9.]*\).*/\1/p' "$log.out")
		wall=$(sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p' "$log.out")
		[ "$status" != ok ] || [ -n "$ns" ] || status="failed: ptrace_floor printed no ns_per_stop"
	elif ! wall=$("$OUT/tests/json_get" "$TMP/truth.json" hot_wall_ns 2>/dev/null); then
		wall=
		[ "$status" != ok ] || status="failed: the workload wrote no hot_wall_ns"
	else
		if [ "$measure" = syscall ]; then
			reads=$("$OUT/tests/json_get" "$TMP/truth.json" syscalls.pread64) || reads=0
			writes=$("$OUT/tests/json_get" "$TMP/truth.json" syscalls.writev) || writes=0
			events=$((reads + writes))
			[ "$status" != ok ] || [ "$events" = $((2 * PTRACE_REQUESTS)) ] ||
				status="failed: the workload made $events system calls, not $((2 * PTRACE_REQUESTS))"
		fi
		ns=$(awk -v w="$wall" -v n="$events" 'BEGIN { if (n > 0) printf "%.3f", w / n }')
	fi
	case $tracer in
	tb-ptrace*)
		if [ -s "$TMP/result.json" ]; then
			cpu=$("$OUT/tests/json_get" "$TMP/result.json" tracer_cpu_ns 2>/dev/null) || cpu=
			case $measure/$tracer in
			break/*)
				counted=$("${get[@]}" "counts.$site" 2>/dev/null) || counted=
				step=$("${get[@]}" "sites.$site.step" 2>/dev/null) || step=
				steps=$("${get[@]}" single_steps 2>/dev/null) || steps=
				;;
			syscall/tb-ptrace)
				reads=$("$OUT/tests/json_get" "$TMP/result.json" counts.pread64 2>/dev/null) ||
					reads=0
				writes=$("$OUT/tests/json_get" "$TMP/result.json" counts.writev 2>/dev/null) ||
					writes=0
				counted=$((reads + writes))
				;;
			*)
				counted=$("$OUT/tests/json_get" "$TMP/result.json" counts.openat 2>/dev/null) ||
					counted=0
				;;
			esac
		fi
		;;
	gdb) counted=$(sed -n 's/.*breakpoint already hit \([0-9]*\) time.*/\1/p' "$log.out") ;;
	strace)
		[ ! -s "$log.strace" ] || counted=$(awk '$NF == "pread64" || $NF == "writev" { n += $4 }
			END { print n + 0 }' "$log.strace")
		;;
	esac
	if [ "$status" = ok ]; then
		case $measure/$tracer in
		break/untraced | syscall/untraced | floor/*) ;;
		break/*)
			[ "$counted" = "$events" ] ||
				status="failed: $tracer counted ${counted:-nothing} of $events hits"
			;;
		syscall/tb-ptrace-seccomp)
			[ -n "$counted" ] || status="failed: $tracer wrote no result"
			;;
		syscall/*)
			[ -n "$counted" ] && [ "$counted" -ge "$events" ] ||
				status="failed: $tracer counted ${counted:-no} pread64 and writev calls of $events"
			;;
		esac
	fi
	# How the hits got past the replaced byte, from tb-ptrace's result: the path the
	# configuration is named for, or the run failed.
	if [ "$status" = ok ] && [ "$measure" = break ]; then
		case $tracer in
		tb-ptrace)
			[[ "$step" == "out of line: "* ]] && [ "$steps" = 0 ] ||
				status="failed: $tracer stepped over $site as '$step' ($steps single steps), not out of line"
			;;
		tb-ptrace-emulated)
			[[ "$step" == "emulated "* ]] && [ "$steps" = 0 ] ||
				status="failed: $tracer stepped over $site as '$step' ($steps single steps), not emulated"
			;;
		tb-ptrace-single-step)
			[ "$step" = single-step ] && [ "$steps" = "$events" ] ||
				status="failed: $tracer stepped over $site as '$step' with $steps single steps of $events hits"
			;;
		esac
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $measure/$tracer/$placement: $status"
			cat "$log".* 2>/dev/null
		} >>"$RESULTS_DIR/ptrace_failures.txt"
	fi
	[ "$tracer" != untraced ] || tracer_cpu=
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$round" "$measure" "$tracer" \
		"$placement" "$tracer_cpu" "$BENCH_CPU" "$events" "$counted" "$wall" "$ns" "$cpu" \
		"${step//,/;}" "$steps" "$status" >>"$RESULTS_DIR/ptrace_raw.csv"
}

if section ptrace; then
	printf '%s\n' "$PTRACE_GDB_SCRIPT" >"$TMP/break.gdb"
	# Configurations that cannot run here are not run; the summary says why (name|why).
	PTRACE_RUN=
	PTRACE_SKIPS=
	while IFS='|' read -r measure tracer placement _; do
		why=$(ptrace_skip "$measure" "$tracer" "$placement")
		if [ -n "$why" ]; then
			PTRACE_SKIPS+="$measure/$tracer/$placement|$why"$'\n'
		else
			PTRACE_RUN+="$measure|$tracer|$placement"$'\n'
		fi
	done <<<"$PTRACE_CONFIGS"
	PTRACE_RUN=${PTRACE_RUN%$'\n'}
	nptrace=$(wc -l <<<"$PTRACE_RUN")
	total=$((PTRACE_ROUNDS * nptrace))
	echo "round,measure,tracer,placement,tracer_cpu,target_cpu,events,events_counted," \
		"hot_wall_ns,ns_per_event,tracer_cpu_ns,step,single_steps,status" | tr -d ' ' \
		>"$RESULTS_DIR/ptrace_raw.csv"
	echo "bench: ptrace stops: $PTRACE_ROUNDS interleaved rounds of $nptrace configurations," \
		"tracee on CPU $BENCH_CPU, tracer on the same CPU or on CPU $TRACER_CPU" >&2
	run_rounds "$PTRACE_ROUNDS" "$PTRACE_RUN" 3 ptrace_run

	# Summary: per configuration, its ns per event and its cost per event (minus its baseline's
	# run of the same round, over the rounds where both succeeded; the floor's cost is its time),
	# and how tb-ptrace's hits got past the replaced byte.
	awk -F, -v configs="$PTRACE_CONFIGS" -v skips="$PTRACE_SKIPS" "$AWK_STATS"'
	NR == 1 { next }
	{
		name = $2 "/" $3 "/" $4
		runs[name]++
		if ($1 > nround) nround = $1
		tcpu[name] = $5; wcpu[name] = $6
		if ($14 != "ok") { failed[name]++; next }
		ns[name, $1] = $10
		events[name] = $7
		if ($11 != "") tracer_ns[name, $1] = $11 / $7
		if ($12 != "") step[name] = step[name] == "" || step[name] == $12 ? $12 : "mixed"
	}
	END {
		nskip = split(skips, s, "\n")
		for (i = 1; i <= nskip; i++) if (s[i] != "") {
			split(s[i], f, "|"); skipped[f[1]] = f[2]
		}
		nconf = split(configs, lines, "\n")
		print "measure,tracer,placement,tracer_cpu,target_cpu,runs,runs_failed,events_per_run," \
		      "median_ns_per_event,p25_ns_per_event,p75_ns_per_event,baseline," \
		      "cost_ns_per_event,cost_p25_ns_per_event,cost_p75_ns_per_event," \
		      "tracer_cpu_ns_per_event,step,status,description"
		for (c = 1; c <= nconf; c++) {
			split(lines[c], f, "|")
			name = f[1] "/" f[2] "/" f[3]; base = f[4]
			if (name in skipped) {
				printf "%s,%s,%s,,,0,0,,,,,%s,,,,,,%s,\"%s\"\n", f[1], f[2], f[3], base,
				       skipped[name], f[5]
				continue
			}
			n = 0; m = 0
			for (r = 1; r <= nround; r++) {
				if ((name, r) in tracer_ns) t[++m] = tracer_ns[name, r]
				if (!((name, r) in ns) || (base != "" && !((base, r) in ns))) continue
				v[++n] = ns[name, r]
				d[n] = ns[name, r] - (base == "" ? 0 : ns[base, r])
			}
			status = failed[name] ? "failed: " failed[name] " of " runs[name] " runs" : "ok"
			printf "%s,%s,%s,%s,%s,%d,%d,%s,", f[1], f[2], f[3], tcpu[name], wcpu[name],
			       runs[name], failed[name], events[name]
			if (n)
				printf "%.3f,%.3f,%.3f,%s,%.3f,%.3f,%.3f,", quantile(v, n, 0.5),
				       quantile(v, n, 0.25), quantile(v, n, 0.75), base, quantile(d, n, 0.5),
				       quantile(d, n, 0.25), quantile(d, n, 0.75)
			else
				printf ",,,%s,,,,", base
			printf "%s,%s,%s,\"%s\"\n", m ? sprintf("%.1f", quantile(t, m, 0.5)) : "", step[name],
			       status, f[5]
		}
	}' "$RESULTS_DIR/ptrace_raw.csv" >"$RESULTS_DIR/ptrace_summary.csv"

	# The targets, as in the per-hit section: the ratio of the two medians, and paired (the
	# median [p25, p75] over the rounds of the ratio measured within one round); PASS if even
	# the paired p75 meets the target, FAIL if even its p25 misses it, else "within noise".
	awk -F, -v ratios="$PTRACE_RATIOS" -v configs="$PTRACE_CONFIGS" "$AWK_STATS"'
	# value(NAME, QUANTITY, ROUND): the ns per event ("time") or the cost per event ("cost") of
	# NAME in ROUND; sets ok to 0 if that round lacks a run it needs
	function value(name, quantity, r) {
		if (!((name, r) in ns) || (quantity == "cost" && base[name] != "" &&
		    !((base[name], r) in ns))) {
			ok = 0
			return 0
		}
		return ns[name, r] - (quantity == "cost" && base[name] != "" ? ns[base[name], r] : 0)
	}
	FNR == 1 { next }
	FILENAME ~ /ptrace_summary/ {
		name = $1 "/" $2 "/" $3
		tm[name] = $9; cost[name] = $13
		why[name] = $9 == "" ? ($18 ~ /^skipped/ ? $18 : "no data: " name " " $18) : ""
		next
	}
	$14 == "ok" {
		ns[$2 "/" $3 "/" $4, $1] = $10
		if ($1 > nround) nround = $1
	}
	END {
		nconf = split(configs, lines, "\n")
		for (c = 1; c <= nconf; c++) {
			split(lines[c], f, "|")
			base[f[1] "/" f[2] "/" f[3]] = f[4]
		}
		print "ratio,numerator,numerator_quantity,denominator,denominator_quantity,numerator_ns," \
		      "denominator_ns,value,paired_median,paired_p25,paired_p75,rounds_paired,target,verdict"
		nratio = split(ratios, rl, "\n")
		for (i = 1; i <= nratio; i++) {
			split(rl[i], f, "|")
			num = f[1]; nq = f[2]; den = f[3]; dq = f[4]
			numv = nq == "cost" ? cost[num] : tm[num]
			denv = dq == "cost" ? cost[den] : tm[den]
			n = 0
			for (r = 1; r <= nround; r++) {
				ok = 1
				a = value(num, nq, r); b = value(den, dq, r)
				if (!ok || b <= 0) continue
				q[++n] = a / b
			}
			v = ""; pm = ""; p25 = ""; p75 = ""
			if (why[num] != "") verdict = why[num]
			else if (why[den] != "") verdict = why[den]
			else if (denv <= 0 || !n) verdict = "undefined: " den " is " denv " ns (noise)"
			else {
				v = sprintf("%.3f", numv / denv)
				verdict = paired_verdict(q, n, f[5], f[6])
			}
			printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%s %s,%s\n", f[7], num, nq, den, dq,
			       numv, denv, v, pm, p25, p75, n, f[5], f[6], verdict
		}
	}' "$RESULTS_DIR/ptrace_summary.csv" "$RESULTS_DIR/ptrace_raw.csv" >"$RESULTS_DIR/ptrace_ratios.csv"
fi

# ---- vmreadv: tb-vmreadv's cost to a 4-thread workload, beside the timer's and a read's ------

# vmreadv_skip TRACER MODE: why that configuration cannot run here (empty if it can)
vmreadv_skip()
{
	case $1/$2 in
	tb-vmreadv/blocking) echo "$skip_vmreadv_blocking" ;;
	tb-vmreadv/realtime | timer_floor/realtime) echo "${skip_vmreadv:-$skip_vmreadv_realtime}" ;;
	tb-vmreadv/*) echo "$skip_vmreadv" ;;
	read_floor/*) echo "$skip_read_floor" ;;
	esac
}

# vmreadv_run ROUND TRACER MODE RATE: one run of the vmreadv section, appended to
# vmreadv_raw.csv. The workload (every configuration but the read floor) runs unpinned; a
# sampler or the timer floor starts it itself and releases it at its start gate as its
# schedule starts, so attaching lies outside the timed hot phase.
vmreadv_run()
{
	local round=$1 tracer=$2 mode=${3:-} rate=${4:-} status=ok log=$TMP/vr program line
	local wall='' duration='' ticks='' late='' hz='' samples='' idle='' torn='' retries=''
	local sps='' cpu='' cpu_tick='' cpu_sample='' sampling='' paused='' read_ns=''
	local threads=$VMREADV_THREADS requests=$VMREADV_REQUESTS scale=$VMREADV_SCALE
	local args=(-q -t "$VMREADV_THREADS" -r "$VMREADV_REQUESTS" -s "$VMREADV_SCALE"
		-o "$TMP/truth.json") blocking=() realtime=() v=()
	program=$(realpath "$OUT/workload")
	rm -f "$TMP/truth.json" "$TMP/result.json" "$log".*
	run_status=0
	[ "$mode" = blocking ] && blocking=(--blocking)
	[ "$mode" = realtime ] && realtime=(--realtime)
	case $tracer in
	untraced) "$program" "${args[@]}" >"$log.out" 2>"$log.err" || run_status=$? ;;
	timer_floor)
		"$OUT/vmreadv_floor" timer -F "$rate" "${realtime[@]}" -- "$program" "${args[@]}" \
			>"$log.out" 2>"$log.err" || run_status=$?
		;;
	tb-vmreadv)
		"$OUT/tb-vmreadv" -F "$rate" "${blocking[@]}" "${realtime[@]}" -o "$TMP/result.json" \
			-- "$program" "${args[@]}" >"$log.out" 2>"$log.err" || run_status=$?
		;;
	read_floor)
		threads='' requests='' scale=''
		"$OUT/vmreadv_floor" read >"$log.out" 2>"$log.err" || run_status=$?
		;;
	esac
	[ "$run_status" = 0 ] || status="failed: $tracer exited with status $run_status"
	if [ "$tracer" = read_floor ]; then
		read_ns=$(sed -n 's/^read .*ns_per_read=\([0-9.]*\) .*/\1/p' "$log.out")
		[ "$status" != ok ] || [ -n "$read_ns" ] ||
			status="failed: vmreadv_floor read printed no ns_per_read"
	elif ! wall=$("$OUT/tests/json_get" "$TMP/truth.json" hot_wall_ns 2>/dev/null); then
		wall=
		[ "$status" != ok ] || status="failed: the workload wrote no hot_wall_ns"
	fi
	case $tracer in
	timer_floor)
		line=$(sed -n 's/^timer //p' "$log.out")
		duration=$(sed -n 's/.*duration_ns=\([0-9]*\).*/\1/p' <<<"$line")
		ticks=$(sed -n 's/.*ticks=\([0-9]*\).*/\1/p' <<<"$line")
		late=$(sed -n 's/.*late=\([0-9]*\).*/\1/p' <<<"$line")
		hz=$(sed -n 's/.*achieved_hz=\([0-9.]*\).*/\1/p' <<<"$line")
		cpu=$(sed -n 's/.*cpu_ns=\([0-9]*\).*/\1/p' <<<"$line")
		cpu_tick=$(sed -n 's/.*cpu_ns_per_tick=\([0-9.]*\).*/\1/p' <<<"$line")
		[ "$status" != ok ] || [ -n "$cpu_tick" ] ||
			status="failed: vmreadv_floor timer printed no cpu_ns_per_tick"
		;;
	tb-vmreadv)
		if [ -s "$TMP/result.json" ] && mapfile -t v < <("$OUT/tests/json_get" \
			"$TMP/result.json" duration_ns ticks late achieved_hz samples idle torn retries \
			tracer_cpu_ns tracer_cpu_ns_per_tick sampling_ns_per_tick \
			${blocking:+paused_ns_per_tick} 2>/dev/null) && [ "${#v[@]}" -ge 11 ]; then
			duration=${v[0]} ticks=${v[1]} late=${v[2]} hz=${v[3]} samples=${v[4]}
			idle=${v[5]} torn=${v[6]} retries=${v[7]} cpu=${v[8]} cpu_tick=${v[9]}
			sampling=${v[10]} paused=${v[11]:-}
			# Per second and per sample; the rates and times per tick to 0.1 as well.
			read -r sps cpu_sample hz cpu_tick sampling paused < <(awk -v n="$samples" \
				-v d="$duration" -v c="$cpu" -v hz="$hz" -v t="$cpu_tick" -v s="$sampling" \
				-v p="$paused" 'BEGIN {
				printf "%.1f %s %.1f %.1f %.1f %s\n", (d > 0 ? n * 1e9 / d : 0),
				       (n > 0 ? sprintf("%.1f", c / n) : "-"), hz, t, s,
				       (p == "" ? "-" : sprintf("%.1f", p))
			}')
			[ "$cpu_sample" != - ] || cpu_sample=
			[ "$paused" != - ] || paused=
			[ "$status" != ok ] || [ "$samples" -gt 0 ] ||
				status="failed: tb-vmreadv took no samples"
		elif [ "$status" = ok ]; then
			status="failed: tb-vmreadv wrote no result"
		fi
		;;
	esac
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $tracer${mode:+/$mode}${rate:+/$rate}: $status"
			cat "$log".* 2>/dev/null
		} >>"$RESULTS_DIR/vmreadv_failures.txt"
	fi
	printf '%s,' "$round" "$tracer" "$mode" "$rate" unpinned "$threads" "$requests" "$scale" \
		"$wall" "$duration" "$ticks" "$late" "$hz" "$samples" "$idle" "$torn" "$retries" \
		"$sps" "$cpu" "$cpu_tick" "$cpu_sample" "$sampling" "$paused" "$read_ns" \
		>>"$RESULTS_DIR/vmreadv_raw.csv"
	echo "$status" >>"$RESULTS_DIR/vmreadv_raw.csv"
}

if section vmreadv; then
	# Configurations that cannot run here are not run; the summary says why (name|why).
	VMREADV_RUN=
	VMREADV_SKIPS=
	while IFS='|' read -r tracer mode rate _; do
		why=$(vmreadv_skip "$tracer" "$mode")
		if [ -n "$why" ]; then
			name=$tracer${mode:+/$mode}${rate:+/$rate}
			VMREADV_SKIPS+="$name|$why"$'\n'
		else
			VMREADV_RUN+="$tracer|$mode|$rate"$'\n'
		fi
	done <<<"$VMREADV_CONFIGS"
	VMREADV_RUN=${VMREADV_RUN%$'\n'}
	nvmreadv=$(wc -l <<<"$VMREADV_RUN")
	total=$((VMREADV_ROUNDS * nvmreadv))
	echo "round,tracer,mode,rate_hz,placement,threads,requests,scale,hot_wall_ns,duration_ns," \
		"ticks,late,achieved_hz,samples,idle,torn,retries,samples_per_s,tracer_cpu_ns," \
		"tracer_cpu_ns_per_tick,tracer_cpu_ns_per_sample,sampling_ns_per_tick," \
		"paused_ns_per_tick,ns_per_read,status" | tr -d ' ' >"$RESULTS_DIR/vmreadv_raw.csv"
	echo "bench: process_vm_readv sampling: $VMREADV_ROUNDS interleaved rounds of $nvmreadv" \
		"configurations, workload -t $VMREADV_THREADS -r $VMREADV_REQUESTS -s $VMREADV_SCALE," \
		"unpinned" >&2
	run_rounds "$VMREADV_ROUNDS" "$VMREADV_RUN" 3 vmreadv_run

	# Summary: per configuration, its hot phase and its slowdown against the untraced run of the
	# same round (and against the timer floor at its rate, if there is one), the sampler's rate,
	# losses and CPU (medians over its runs), and the read floor; only successful runs count.
	awk -F, -v configs="$VMREADV_CONFIGS" -v skips="$VMREADV_SKIPS" "$AWK_STATS"'
	function name_of(t, m, r) { return t (m == "" ? "" : "/" m) (r == "" ? "" : "/" r) }
	# med(A, NAME): the median over the rounds of A[NAME, round] (empty if none); sets q25, q75
	function med(a, name) { return over_rounds(a, name, nround) }
	function f(v, fmt) { return v == "" ? "" : sprintf(fmt, v) }
	NR == 1 { next }
	{
		name = name_of($2, $3, $4)
		runs[name]++
		if ($1 > nround) nround = $1
		if ($25 != "ok") { failed[name]++; next }
		if ($9 != "") wall[name, $1] = $9
		if ($13 != "") hz[name, $1] = $13
		if ($12 != "") late[name, $1] = $12
		if ($16 != "") torn[name, $1] = $16
		if ($18 != "") sps[name, $1] = $18
		if ($20 != "") cpu_tick[name, $1] = $20
		if ($21 != "") cpu_sample[name, $1] = $21
		if ($22 != "") sampling[name, $1] = $22
		if ($23 != "") paused[name, $1] = $23
		if ($24 != "") read_ns[name, $1] = $24
	}
	END {
		nskip = split(skips, s, "\n")
		for (i = 1; i <= nskip; i++) if (s[i] != "") {
			split(s[i], g, "|"); skipped[g[1]] = g[2]
		}
		# Paired per round: the slowdown in %, against the untraced run and the timer floor at
		# the same rate, and the sampling time per tick as a multiple of the read floor.
		for (k in wall) {
			split(k, kk, SUBSEP); name = kk[1]; r = kk[2]
			if (("untraced", r) in wall) slow[name, r] = 100 * (wall[k] / wall["untraced", r] - 1)
			split(name, nn, "/")
			floor = "timer_floor/" (nn[2] == "realtime" ? "realtime/" : "") nn[3]
			if (nn[1] == "tb-vmreadv" && (floor, r) in wall)
				beyond[name, r] = 100 * (wall[k] / wall[floor, r] - 1)
		}
		for (k in sampling) {
			split(k, kk, SUBSEP)
			if (("read_floor", kk[2]) in read_ns)
				vs_floor[k] = sampling[k] / read_ns["read_floor", kk[2]]
		}
		print "tracer,mode,rate_hz,runs,runs_failed,median_hot_wall_ns,p25_hot_wall_ns," \
		      "p75_hot_wall_ns,slowdown_pct,slowdown_p25_pct,slowdown_p75_pct," \
		      "beyond_timer_floor_pct,beyond_timer_floor_p25_pct,beyond_timer_floor_p75_pct," \
		      "achieved_hz,late_per_run,torn_per_run,samples_per_s,samples_per_s_p25," \
		      "samples_per_s_p75,tracer_cpu_ns_per_tick,tracer_cpu_ns_per_sample," \
		      "sampling_ns_per_tick,sampling_vs_read_floor,paused_ns_per_tick,ns_per_read," \
		      "p25_ns_per_read,p75_ns_per_read,status,description"
		nconf = split(configs, lines, "\n")
		for (c = 1; c <= nconf; c++) {
			split(lines[c], g, "|")
			name = name_of(g[1], g[2], g[3])
			printf "%s,%s,%s,", g[1], g[2], g[3]
			if (name in skipped) {
				printf "0,0"
				for (i = 6; i <= 28; i++) printf ","  # the numbers: empty, never 0
				printf ",%s,\"%s\"\n", skipped[name], g[4]
				continue
			}
			printf "%d,%d,", runs[name], failed[name]
			m = med(wall, name); printf "%s,%s,%s,", f(m, "%.0f"), f(q25, "%.0f"), f(q75, "%.0f")
			m = med(slow, name); printf "%s,%s,%s,", f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
			m = med(beyond, name); printf "%s,%s,%s,", f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
			printf "%s,", f(med(hz, name), "%.1f")
			printf "%s,", f(med(late, name), "%.1f")
			printf "%s,", f(med(torn, name), "%.1f")
			m = med(sps, name); printf "%s,%s,%s,", f(m, "%.1f"), f(q25, "%.1f"), f(q75, "%.1f")
			printf "%s,", f(med(cpu_tick, name), "%.1f")
			printf "%s,", f(med(cpu_sample, name), "%.1f")
			printf "%s,", f(med(sampling, name), "%.1f")
			printf "%s,", f(med(vs_floor, name), "%.2f")
			printf "%s,", f(med(paused, name), "%.1f")
			m = med(read_ns, name); printf "%s,%s,%s,", f(m, "%.1f"), f(q25, "%.1f"), f(q75, "%.1f")
			status = failed[name] ? "failed: " failed[name] " of " runs[name] " runs" : "ok"
			printf "%s,\"%s\"\n", status, g[4]
		}
	}' "$RESULTS_DIR/vmreadv_raw.csv" >"$RESULTS_DIR/vmreadv_summary.csv"

	# The targets: the slowdowns paired by round (median [p25, p75] over the rounds), the samples
	# per second over the runs; PASS if even the quartile farther from the target meets it, FAIL
	# if even the nearer one misses it, else "within noise".
	awk -F, -v targets="$VMREADV_TARGETS" -v skips="$VMREADV_SKIPS" "$AWK_STATS"'
	function name_of(t, m, r) { return t (m == "" ? "" : "/" m) (r == "" ? "" : "/" r) }
	NR == 1 { next }
	{
		name = name_of($2, $3, $4)
		if ($1 > nround) nround = $1
		if ($25 != "ok") next
		if ($9 != "") wall[name, $1] = $9
		if ($18 != "") sps[name, $1] = $18
		if ($13 != "") hz[name, $1] = $13
		seen[name] = 1
	}
	END {
		nskip = split(skips, s, "\n")
		for (i = 1; i <= nskip; i++) if (s[i] != "") {
			split(s[i], g, "|"); skipped[g[1]] = g[2]
		}
		print "target,configuration,quantity,reference,median,p25,p75,runs,comparison,verdict"
		ntarget = split(targets, lines, "\n")
		for (i = 1; i <= ntarget; i++) {
			split(lines[i], g, "|")
			num = g[1]; quantity = g[2]; ref = g[3]
			n = 0
			for (r = 1; r <= nround; r++) {
				if (quantity == "samples_per_s") {
					if ((num, r) in sps) q[++n] = sps[num, r]
				} else if (quantity == "achieved_hz") {
					if ((num, r) in hz) q[++n] = hz[num, r]
				} else if ((num, r) in wall && (ref, r) in wall) {
					q[++n] = 100 * (wall[num, r] / wall[ref, r] - 1)
				}
			}
			pm = ""; p25 = ""; p75 = ""
			if (num in skipped) verdict = skipped[num]
			else if (ref != "" && ref in skipped) verdict = skipped[ref]
			else if (!n) verdict = "no data: no successful run" (ref == "" ? " of " num : \
				"s of " num " and " ref " in one round")
			else {
				verdict = paired_verdict(q, n, g[4], g[5])
				if (quantity != "slowdown_pct") sub(/paired median/, "median", verdict)
			}
			printf "%s,%s,%s,%s,%s,%s,%s,%d,%s %s,%s\n", g[6], num, quantity, ref, pm, p25, p75,
			       n, g[4], g[5], verdict
		}
	}' "$RESULTS_DIR/vmreadv_raw.csv" >"$RESULTS_DIR/vmreadv_targets.csv"
fi

# ---- signal: tb-signal's cost per sample against its timer floor, its overhead at 250 Hz -----

# signal_skip TRACER CLOCK: why that configuration cannot run here (empty if it can)
signal_skip()
{
	case $1/$2 in
	tb-signal/cpu) echo "$skip_tb_signal_cpu" ;;
	tb-signal/wall) echo "$skip_tb_signal_wall" ;;
	signal_floor/cpu) echo "$skip_signal_floor_cpu" ;;
	signal_floor/wall) echo "$skip_signal_floor_wall" ;;
	signal_floor/) echo "$skip_raise_floor" ;;
	esac
}

# signal_run ROUND MEASURE TRACER CLOCK RATE: one run of the signal section, appended to
# signal_raw.csv. probe and raise run pinned to BENCH_CPU (taskset on the whole command, so the
# sampler's handler and the main thread's signals take their time from the measured CPU),
# requests unpinned. tb-signal and the timer floor start the workload themselves and release it
# at its start gate right after exec: their timers run from the library's start to the exit, the
# hot phase is nearly all of it.
signal_run()
{
	local round=$1 measure=$2 tracer=$3 clock=${4:-} rate=${5:-} status=ok log=$TMP/sg line
	local placement=pinned cpu=$BENCH_CPU threads='' calls='' requests='' scale='' wall=''
	local hot_cpu='' duration='' signals='' samples='' lost='' overruns='' hz='' sampled=''
	local hot_signals='' tracer_cpu='' raise_ns='' program args=() pin=() wallopt=() v=()
	program=$(realpath "$OUT/workload")
	rm -f "$TMP/truth.json" "$TMP/result.json" "$log".*
	run_status=0
	case $measure in
	probe)
		threads=1 calls=$SIGNAL_CALLS
		args=(-q -L "$SIGNAL_CALLS" -k empty -t 1 -o "$TMP/truth.json")
		;;
	requests)
		placement=unpinned cpu='' threads=$SIGNAL_THREADS requests=$SIGNAL_REQUESTS
		scale=$SIGNAL_SCALE
		args=(-q -t "$SIGNAL_THREADS" -r "$SIGNAL_REQUESTS" -s "$SIGNAL_SCALE" -o "$TMP/truth.json")
		;;
	esac
	[ "$placement" = pinned ] && pin=(taskset -c "$BENCH_CPU")
	[ "$clock" = wall ] && wallopt=(--wall)
	case $measure/$tracer in
	raise/*) "${pin[@]}" "$OUT/signal_floor" raise >"$log.out" 2>"$log.err" || run_status=$? ;;
	*/untraced) "${pin[@]}" "$program" "${args[@]}" >"$log.out" 2>"$log.err" || run_status=$? ;;
	*/signal_floor)
		"${pin[@]}" "$OUT/signal_floor" timer -F "$rate" "${wallopt[@]}" -- "$program" \
			"${args[@]}" >"$log.out" 2>"$log.err" || run_status=$?
		;;
	*/tb-signal)
		"${pin[@]}" "$OUT/tb-signal" record -F "$rate" "${wallopt[@]}" -o "$TMP/result.json" \
			-- "$program" "${args[@]}" >"$log.out" 2>"$log.err" || run_status=$?
		;;
	esac
	[ "$run_status" = 0 ] || status="failed: $tracer exited with status $run_status"
	if [ "$measure" = raise ]; then
		raise_ns=$(sed -n 's/^raise .*ns_per_signal=\([0-9.]*\) .*/\1/p' "$log.out")
		[ "$status" != ok ] || [ -n "$raise_ns" ] ||
			status="failed: signal_floor raise printed no ns_per_signal"
	elif ! mapfile -t v < <("$OUT/tests/json_get" "$TMP/truth.json" hot_wall_ns hot_cpu_ns \
		2>/dev/null) || [ "${#v[@]}" -lt 2 ]; then
		[ "$status" != ok ] || status="failed: the workload wrote no hot_wall_ns"
	else
		wall=${v[0]} hot_cpu=${v[1]}
	fi
	case $tracer in
	signal_floor)
		line=$(sed -n 's/^timer //p' "$log.out")
		if [ -n "$line" ]; then
			signals=$(sed -n 's/.*signals=\([0-9]*\).*/\1/p' <<<"$line")
			sampled=$(sed -n 's/.*threads=\([0-9]*\).*/\1/p' <<<"$line")
			overruns=$(sed -n 's/.*overruns=\([0-9]*\).*/\1/p' <<<"$line")
			lost=$(sed -n 's/.*no_record=\([0-9]*\).*/\1/p' <<<"$line")
			duration=$(sed -n 's/.*duration_ns=\([0-9]*\).*/\1/p' <<<"$line")
			hz=$(sed -n 's/.*achieved_hz=\([0-9.]*\).*/\1/p' <<<"$line")
		fi
		[ "$measure" = raise ] || [ "$status" != ok ] || [ "${signals:-0}" -gt 0 ] ||
			status="failed: signal_floor timer took no signals"
		;;
	tb-signal)
		if [ -s "$TMP/result.json" ] && mapfile -t v < <("$OUT/tests/json_get" \
			"$TMP/result.json" samples lost late duration_ns achieved_hz threads \
			tracer_cpu_ns 2>/dev/null) && [ "${#v[@]}" -ge 7 ]; then
			samples=${v[0]} lost=${v[1]} overruns=${v[2]} duration=${v[3]} hz=${v[4]}
			sampled=${v[5]} tracer_cpu=${v[6]}
			# Signals taken: every sample, and every signal the handler could not record.
			signals=$((samples + lost))
			hz=$(awk -v h="$hz" 'BEGIN { printf "%.1f", h }')
			[ "$status" != ok ] || [ "$samples" -gt 0 ] ||
				status="failed: tb-signal took no samples"
		elif [ "$status" = ok ]; then
			status="failed: tb-signal wrote no result"
		fi
		;;
	esac
	# The signals of the hot phase: the window's, in the share of it the hot phase took.
	if [ -n "$signals" ] && [ -n "$wall" ] && [ "${duration:-0}" -gt 0 ]; then
		hot_signals=$(awk -v s="$signals" -v w="$wall" -v d="$duration" \
			'BEGIN { x = s * w / d; printf "%.1f", (x > s ? s : x) }')
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $measure/$tracer${clock:+/$clock}${rate:+/$rate}: $status"
			cat "$log".* 2>/dev/null
		} >>"$RESULTS_DIR/signal_failures.txt"
	fi
	printf '%s,' "$round" "$measure" "$tracer" "$clock" "$rate" "$placement" "$cpu" "$threads" \
		"$calls" "$requests" "$scale" "$wall" "$hot_cpu" "$duration" "$signals" "$samples" \
		"$lost" "$overruns" "$hz" "$sampled" "$hot_signals" "$tracer_cpu" "$raise_ns" \
		>>"$RESULTS_DIR/signal_raw.csv"
	echo "$status" >>"$RESULTS_DIR/signal_raw.csv"
}

if section signal; then
	# Configurations that cannot run here are not run; the summary says why (name|why).
	SIGNAL_RUN=
	SIGNAL_SKIPS=
	while IFS='|' read -r measure tracer clock rate _; do
		why=$(signal_skip "$tracer" "$clock")
		if [ -n "$why" ]; then
			name=$measure/$tracer${clock:+/$clock}${rate:+/$rate}
			SIGNAL_SKIPS+="$name|$why"$'\n'
		else
			SIGNAL_RUN+="$measure|$tracer|$clock|$rate"$'\n'
		fi
	done <<<"$SIGNAL_CONFIGS"
	SIGNAL_RUN=${SIGNAL_RUN%$'\n'}
	nsignal=$(wc -l <<<"$SIGNAL_RUN")
	total=$((SIGNAL_ROUNDS * nsignal))
	echo "round,measure,tracer,clock,rate_hz,placement,cpu,threads,calls_per_thread,requests," \
		"scale,hot_wall_ns,hot_cpu_ns,duration_ns,signals,samples,lost,overruns,achieved_hz," \
		"threads_sampled,signals_in_hot_phase,tracer_cpu_ns,ns_per_signal,status" |
		tr -d ' ' >"$RESULTS_DIR/signal_raw.csv"
	echo "bench: signal sampling: $SIGNAL_ROUNDS interleaved rounds of $nsignal configurations;" \
		"probe loop -L $SIGNAL_CALLS on CPU $BENCH_CPU; workload -t $SIGNAL_THREADS" \
		"-r $SIGNAL_REQUESTS -s $SIGNAL_SCALE unpinned" >&2
	run_rounds "$SIGNAL_ROUNDS" "$SIGNAL_RUN" 4 signal_run

	# Summary: per configuration, its hot phase, its slowdown against the untraced run of the same
	# measure and round (and a sampler's against the timer floor at its clock and rate), the
	# signals and rates (medians over the runs), the cost per signal of the probe loop's runs
	# (paired by round), and the raise floor; only successful runs count.
	awk -F, -v configs="$SIGNAL_CONFIGS" -v skips="$SIGNAL_SKIPS" "$AWK_STATS"'
	function name_of(m, t, c, r) { return m "/" t (c == "" ? "" : "/" c) (r == "" ? "" : "/" r) }
	# med(A, NAME): the median over the rounds of A[NAME, round] (empty if none); sets q25, q75
	function med(a, name) { return over_rounds(a, name, nround) }
	function f(v, fmt) { return v == "" ? "" : sprintf(fmt, v) }
	NR == 1 { next }
	{
		name = name_of($2, $3, $4, $5)
		runs[name]++
		if ($1 > nround) nround = $1
		placement[name] = $6; cpu[name] = $7
		if ($24 != "ok") { failed[name]++; next }
		if ($12 != "") wall[name, $1] = $12
		if ($15 != "") signals[name, $1] = $15
		if ($21 != "") hot_signals[name, $1] = $21
		if ($19 != "") hz[name, $1] = $19
		if ($18 != "") overruns[name, $1] = $18
		if ($17 != "") lost[name, $1] = $17
		if ($22 != "") tracer_cpu[name, $1] = $22
		if ($23 != "") raise_ns[name, $1] = $23
	}
	END {
		nskip = split(skips, s, "\n")
		for (i = 1; i <= nskip; i++) if (s[i] != "") {
			split(s[i], g, "|"); skipped[g[1]] = g[2]
		}
		# Paired per round: the slowdown in % against the untraced run of the same measure and
		# against the timer floor of the same clock and rate; and on the probe loop the cost per
		# signal: the hot phase beyond the untraced one, per signal taken in it.
		for (k in wall) {
			split(k, kk, SUBSEP); name = kk[1]; r = kk[2]
			split(name, nn, "/")
			base = nn[1] "/untraced"
			if (!((base, r) in wall)) continue
			slow[name, r] = 100 * (wall[k] / wall[base, r] - 1)
			if (nn[1] == "probe" && nn[2] != "untraced" && hot_signals[name, r] > 0)
				cost[name, r] = (wall[k] - wall[base, r]) / hot_signals[name, r]
			floor = nn[1] "/signal_floor/" nn[3] "/" nn[4]
			if (nn[2] == "tb-signal" && (floor, r) in wall)
				beyond[name, r] = 100 * (wall[k] / wall[floor, r] - 1)
		}
		print "measure,tracer,clock,rate_hz,placement,cpu,runs,runs_failed,median_hot_wall_ns," \
		      "p25_hot_wall_ns,p75_hot_wall_ns,slowdown_pct,slowdown_p25_pct,slowdown_p75_pct," \
		      "beyond_timer_floor_pct,beyond_timer_floor_p25_pct,beyond_timer_floor_p75_pct," \
		      "signals_per_run,signals_in_hot_phase_per_run,achieved_hz,overruns_per_run," \
		      "lost_per_run,cost_ns_per_signal,cost_p25_ns_per_signal,cost_p75_ns_per_signal," \
		      "tracer_cpu_ns,ns_per_signal,p25_ns_per_signal,p75_ns_per_signal,status,description"
		nconf = split(configs, lines, "\n")
		for (c = 1; c <= nconf; c++) {
			split(lines[c], g, "|")
			name = name_of(g[1], g[2], g[3], g[4])
			printf "%s,%s,%s,%s,", g[1], g[2], g[3], g[4]
			if (name in skipped) {
				printf ",,0,0"
				for (i = 9; i <= 29; i++) printf ","  # the numbers: empty, never 0
				printf ",%s,\"%s\"\n", skipped[name], g[5]
				continue
			}
			printf "%s,%s,%d,%d,", placement[name], cpu[name], runs[name], failed[name]
			m = med(wall, name); printf "%s,%s,%s,", f(m, "%.0f"), f(q25, "%.0f"), f(q75, "%.0f")
			m = med(slow, name); printf "%s,%s,%s,", f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
			m = med(beyond, name); printf "%s,%s,%s,", f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
			printf "%s,", f(med(signals, name), "%.0f")
			printf "%s,", f(med(hot_signals, name), "%.0f")
			printf "%s,", f(med(hz, name), "%.1f")
			printf "%s,", f(med(overruns, name), "%.0f")
			printf "%s,", f(med(lost, name), "%.0f")
			m = med(cost, name); printf "%s,%s,%s,", f(m, "%.1f"), f(q25, "%.1f"), f(q75, "%.1f")
			printf "%s,", f(med(tracer_cpu, name), "%.0f")
			m = med(raise_ns, name); printf "%s,%s,%s,", f(m, "%.1f"), f(q25, "%.1f"), f(q75, "%.1f")
			status = failed[name] ? "failed: " failed[name] " of " runs[name] " runs" : "ok"
			printf "%s,\"%s\"\n", status, g[5]
		}
	}' "$RESULTS_DIR/signal_raw.csv" >"$RESULTS_DIR/signal_summary.csv"

	# The targets: per-signal ratios and slowdowns paired by round (median [p25, p75] over the
	# rounds), achieved rates over the runs; PASS if even the quartile farther from the target
	# meets it, FAIL if even the nearer one misses it, else "within noise". A row without a
	# comparison is a statement with no target: a ratio given as context, a rate as achieved.
	awk -F, -v targets="$SIGNAL_TARGETS" "$AWK_STATS"'
	function name_of(m, t, c, r) { return m "/" t (c == "" ? "" : "/" c) (r == "" ? "" : "/" r) }
	FNR == 1 { next }
	FILENAME ~ /signal_summary/ {
		name = name_of($1, $2, $3, $4)
		med_cost[name] = $23; p25_cost[name] = $24; p75_cost[name] = $25; med_raise[name] = $27
		why[name] = $30 ~ /^skipped/ ? $30 : ($9 == "" && $27 == "") ? "no data: " name " " $30 : ""
		next
	}
	{
		name = name_of($2, $3, $4, $5)
		if ($1 > nround) nround = $1
		if ($24 != "ok") next
		if ($12 != "") wall[name, $1] = $12
		if ($19 != "") hz[name, $1] = $19
		if ($21 != "") hot_signals[name, $1] = $21
		if ($23 != "") raise_ns[name, $1] = $23
		rate[name] = $5
	}
	# cost(NAME, R): the cost per signal of NAME in round R (the raise floor: its ns per
	# signal); sets ok to 0 if that round lacks a run it needs
	function cost(name, r,    base) {
		if ((name, r) in raise_ns) return raise_ns[name, r]
		split(name, nn, "/"); base = nn[1] "/untraced"
		if (!((name, r) in wall) || !((base, r) in wall) || hot_signals[name, r] <= 0) {
			ok = 0
			return 0
		}
		return (wall[name, r] - wall[base, r]) / hot_signals[name, r]
	}
	# unmeasured(NAME): whether the cost per signal of NAME is not above the noise (its p25 is not
	# above 0: a ratio of it would be a ratio of noise); sets noise to say so. The raise floor is
	# measured directly.
	function unmeasured(name) {
		if (med_raise[name] != "") return 0
		if (med_cost[name] != "" && p25_cost[name] > 0) return 0
		noise = name " costs " (med_cost[name] == "" ? "nothing measurable per signal" : \
			med_cost[name] " ns per signal with a p25 of " p25_cost[name] " ns") \
			": not above the noise"
		return 1
	}
	END {
		print "target,configuration,quantity,reference,value,median,p25,p75,runs,comparison,verdict"
		ntarget = split(targets, lines, "\n")
		for (i = 1; i <= ntarget; i++) {
			split(lines[i], g, "|")
			num = g[1]; quantity = g[2]; ref = g[3]; cmp = g[4]; goal = g[5]
			n = 0
			for (r = 1; r <= nround; r++) {
				if (quantity == "achieved_hz") {
					if ((num, r) in hz) q[++n] = hz[num, r]
				} else if (quantity == "slowdown_pct") {
					if ((num, r) in wall && (ref, r) in wall)
						q[++n] = 100 * (wall[num, r] / wall[ref, r] - 1)
				} else {
					ok = 1
					a = cost(num, r); b = cost(ref, r)
					if (ok && b > 0) q[++n] = a / b
				}
			}
			value = ""; pm = ""; p25 = ""; p75 = ""
			refcost = ref in med_raise && med_raise[ref] != "" ? med_raise[ref] : med_cost[ref]
			if (why[num] != "") verdict = why[num]
			else if (ref != "" && why[ref] != "") verdict = why[ref]
			else if (quantity == "per_signal_ratio" && (unmeasured(num) || unmeasured(ref)))
				verdict = "undefined: " noise
			else if (quantity == "per_signal_ratio" && !n)
				verdict = "undefined: no round where " ref " cost more than 0 ns per signal"
			else if (!n) verdict = "no data: no successful run" (ref == "" ? " of " num : \
				"s of " num " and " ref " in one round")
			else {
				if (quantity == "per_signal_ratio")
					value = sprintf("%.3f", med_cost[num] / refcost)
				if (cmp != "") {
					verdict = paired_verdict(q, n, cmp, goal)
					if (quantity == "achieved_hz") sub(/paired median/, "median", verdict)
				} else {
					pm = sprintf("%.3f", quantile(q, n, 0.5))
					p25 = sprintf("%.3f", quantile(q, n, 0.25))
					p75 = sprintf("%.3f", quantile(q, n, 0.75))
					verdict = quantity == "achieved_hz" ? \
						sprintf("reported: %.1f%% of the %s asked", 100 * pm / rate[num], rate[num]) : \
						"context: no target"
				}
			}
			printf "%s,%s,%s,%s,%s,%s,%s,%s,%d,%s,%s\n", g[6], num, quantity, ref, value, pm,
			       p25, p75, n, cmp == "" ? "" : cmp " " goal, verdict
		}
	}' "$RESULTS_DIR/signal_summary.csv" "$RESULTS_DIR/signal_raw.csv" >"$RESULTS_DIR/signal_targets.csv"
fi

# ---- tracefunc: per-call hooks — tb-tracefunc's modes, the TSC floor, uftrace record ---------

# tracefunc_skip MEASURE TRACER: why that configuration cannot run here (empty if it can)
tracefunc_skip()
{
	case $1/$2 in
	method/tb-tracefunc) echo "$skip_tracefunc_method" ;;
	*/tb-tracefunc) echo "$skip_tracefunc_cyg" ;;
	*/uftrace) echo "$skip_uftrace" ;;
	*/floor) echo "$skip_tracefunc_floor" ;;
	clocks/*) echo "$skip_tracefunc_clocks" ;;
	esac
}

# tracefunc_run ROUND MEASURE TRACER MODE: one run of the tracefunc section, appended to
# tracefunc_raw.csv. Every workload run starts at its start gate on TRACER_CPU (with its tracer,
# if any), is moved to BENCH_CPU and released there (run_gated), so the tracer — tb-tracefunc,
# which drains the log rings every ms, or uftrace's recorder — keeps TRACER_CPU. A run whose
# tracer recorded other than the calls the workload made (its truth file), or lost any, failed.
tracefunc_run()
{
	local round=$1 measure=$2 tracer=$3 mode=${4:-} status=ok log=$TMP/tf program hook=cyg
	local tracer_cpu='' target_cpu=$BENCH_CPU per_thread='' requests='' scale='' wall='' calls=''
	local ns='' recorded='' lost='' completeness='' match='' filtered='' cpu='' cmd_wall=''
	local uft_records='' rdtsc_ns='' cgt_ns='' leaf=empty fn t0 m want got line
	local args=() tf=() v=()
	rm -f "$TMP/truth.json" "$TMP/result.json" "$log".*
	run_error=
	run_status=0
	case $measure in
	probe | method)
		[ "$measure" = method ] && leaf=method hook=method
		per_thread=$TRACEFUNC_CALLS
		[ "$measure" = method ] && per_thread=$TRACEFUNC_METHOD_CALLS
		args=(-q -L "$per_thread" -k "$leaf" -o "$TMP/truth.json" -g 3)
		;;
	requests-s*)
		scale=${measure#requests-s}
		requests=$TRACEFUNC_REQUESTS
		[ "$scale" = 0 ] || requests=$TRACEFUNC_SCALED_REQUESTS
		args=(-q -r "$requests" -s "$scale" -o "$TMP/truth.json" -g 3)
		;;
	clocks) hook='' ;;
	esac
	program=$(realpath "$OUT/workload-finstrument")
	if [ "$tracer" = plain ] || [ "$measure" = method ]; then
		program=$(realpath "$OUT/workload")
	fi
	[ "$tracer" != plain ] || hook=
	GATE_TRACER_CPU=$TRACER_CPU
	GATE_TARGET_CPU=$BENCH_CPU
	t0=$(date +%s%N)
	case $tracer in
	plain | noop) run_gated "$program" "$log" "$program" "${args[@]}" ;;
	floor)
		run_gated "$program" "$log" env LD_PRELOAD="$(realpath "$OUT/libtb-tracefunc-floor.so")" \
			"$program" "${args[@]}"
		;;
	tb-tracefunc)
		tracer_cpu=$TRACER_CPU
		tf=(-m "${mode%-filtered}" --hook "$hook")
		[ "$mode" != count-filtered ] || tf+=(-f 'nothing*')
		[ "$mode" = noop ] || tf+=(-o "$TMP/result.json")
		# Its record files in a directory of ours on /dev/shm, as its default temporary one
		# would be, but removed by the bench even if a run is interrupted.
		rm -rf "$TRACEFUNC_SHM/tb-tracefunc"
		run_gated "$program" "$log" "$OUT/tb-tracefunc" "${tf[@]}" -D "$TRACEFUNC_SHM/tb-tracefunc" \
			-- "$program" "${args[@]}"
		cmd_wall=$(($(date +%s%N) - t0))
		rm -rf "$TRACEFUNC_SHM/tb-tracefunc"
		;;
	uftrace)
		tracer_cpu=$TRACER_CPU
		rm -rf "$TRACEFUNC_SHM/uftrace.data"
		run_gated "$program" "$log" uftrace record "${UFTRACE_OPTS[@]}" \
			-d "$TRACEFUNC_SHM/uftrace.data" "$program" "${args[@]}"
		cmd_wall=$(($(date +%s%N) - t0))
		# A record is 16 bytes: an entry and an exit per call.
		uft_records=$(find "$TRACEFUNC_SHM/uftrace.data" -name '*.dat' -printf '%s\n' \
			2>/dev/null | awk '{ n += $1 } END { printf "%d", n / 16 }')
		rm -rf "$TRACEFUNC_SHM/uftrace.data"
		;;
	tracefunc_floor)
		target_cpu=$BENCH_CPU
		taskset -c "$BENCH_CPU" "$OUT/tracefunc_floor" clocks >"$log.out" 2>"$log.err" ||
			run_status=$?
		;;
	esac
	[ -n "$cmd_wall" ] || cmd_wall=$(($(date +%s%N) - t0))

	if [ -n "$run_error" ]; then
		status="failed: $tracer $run_error"
	elif [ "$run_status" != 0 ]; then
		status="failed: $tracer exited with status $run_status"
	fi
	if [ "$measure" = clocks ]; then
		cmd_wall=
		line=$(sed -n 's/^clocks //p' "$log.out")
		rdtsc_ns=$(sed -n 's/.*rdtsc_ns=\([0-9.]*\).*/\1/p' <<<"$line")
		cgt_ns=$(sed -n 's/.*clock_gettime_ns=\([0-9.]*\).*/\1/p' <<<"$line")
		if [ "$status" = ok ] && { [ -z "$rdtsc_ns" ] || [ -z "$cgt_ns" ]; }; then
			status="failed: tracefunc_floor clocks printed no rdtsc_ns or clock_gettime_ns"
		fi
	elif ! mapfile -t v < <("$OUT/tests/json_get" "$TMP/truth.json" hot_wall_ns method_calls \
		2>/dev/null) || [ "${#v[@]}" -lt 2 ]; then
		[ "$status" != ok ] || status="failed: the workload wrote no hot_wall_ns"
	else
		wall=${v[0]}
		calls=$per_thread
		[ "$measure" = probe ] || calls=${v[1]}
		ns=$(awk -v w="$wall" -v n="$calls" 'BEGIN { if (n > 0) printf "%.3f", w / n }')
	fi

	# What the tracer recorded, against what the workload did.
	if [ "$tracer" = tb-tracefunc ] && [ "$mode" != noop ] && [ -n "$calls" ]; then
		if [ -s "$TMP/result.json" ] && mapfile -t v < <("$OUT/tests/json_get" \
			"$TMP/result.json" lost filtered_out tracer_cpu_ns 2>/dev/null) &&
			[ "${#v[@]}" -ge 3 ]; then
			lost=${v[0]} filtered=${v[1]} cpu=${v[2]}
			match=yes
			case $measure in
			probe | method)
				fn=loop_leaf_$leaf
				recorded=$("$OUT/tests/json_get" "$TMP/result.json" "counts.$fn" 2>/dev/null) ||
					recorded=0
				if [ "$mode" = count-filtered ]; then
					[ "$recorded" = 0 ] && [ "$filtered" = "$calls" ] || match=no
				else
					[ "$recorded" = "$calls" ] || match=no
				fi
				;;
			*)
				recorded=0
				for m in $("$OUT/tests/json_get" "$TMP/truth.json" methods); do
					want=$("$OUT/tests/json_get" "$TMP/truth.json" "methods.$m.calls")
					got=$("$OUT/tests/json_get" "$TMP/result.json" "counts.$m" \
						2>/dev/null) || got=0
					[ "$got" = "$want" ] || match=no
					recorded=$((recorded + got))
				done
				;;
			esac
			[ "$mode" = count-filtered ] ||
				completeness=$(awk -v r="$recorded" -v n="$calls" \
					'BEGIN { if (n > 0) printf "%.6f", r / n }')
			if [ "$status" = ok ] && [ "$lost" != 0 ]; then
				status="failed: tb-tracefunc -m $mode lost $lost records or calls"
			elif [ "$status" = ok ] && [ "$match" != yes ]; then
				if [ "$mode" = count-filtered ]; then
					status="failed: tb-tracefunc -f recorded $recorded calls and left out"
					status+=" $filtered of $calls"
				else
					status="failed: tb-tracefunc recorded $recorded calls; the truth differs"
					status+=" (it made $calls)"
				fi
			fi
		elif [ "$status" = ok ]; then
			status="failed: tb-tracefunc wrote no result"
		fi
	fi
	if [ "$tracer" = uftrace ] && [ -n "$calls" ]; then
		recorded=$((uft_records / 2))
		completeness=$(awk -v r="$uft_records" -v n="$calls" \
			'BEGIN { if (n > 0) printf "%.6f", r / 2 / n }')
		match=no
		[ "$uft_records" -lt $((2 * calls)) ] || match=yes
		[ "$status" != ok ] || [ "$match" = yes ] ||
			status="failed: uftrace recorded $uft_records records for $calls calls (two each)"
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $measure/$tracer${mode:+/$mode}: $status"
			cat "$log".* 2>/dev/null
		} >>"$RESULTS_DIR/tracefunc_failures.txt"
	fi
	printf '%s,' "$round" "$measure" "$tracer" "$mode" "${program##*/}" "$hook" "$tracer_cpu" \
		"$target_cpu" "$per_thread" "$requests" "$scale" "$wall" "$calls" "$ns" "$recorded" \
		"$lost" "$completeness" "$match" "$filtered" "$cpu" "$cmd_wall" "$uft_records" \
		"$rdtsc_ns" "$cgt_ns" >>"$RESULTS_DIR/tracefunc_raw.csv"
	echo "$status" >>"$RESULTS_DIR/tracefunc_raw.csv"
}

if section tracefunc; then
	# Configurations that cannot run here are not run; the summary says why (name|why).
	TRACEFUNC_RUN=
	TRACEFUNC_SKIPS=
	while IFS='|' read -r measure tracer mode _; do
		why=$(tracefunc_skip "$measure" "$tracer")
		if [ -n "$why" ]; then
			TRACEFUNC_SKIPS+="$measure/$tracer${mode:+/$mode}|$why"$'\n'
		else
			TRACEFUNC_RUN+="$measure|$tracer|$mode"$'\n'
		fi
	done <<<"$TRACEFUNC_CONFIGS"
	TRACEFUNC_RUN=${TRACEFUNC_RUN%$'\n'}
	ntracefunc=$(wc -l <<<"$TRACEFUNC_RUN")
	total=$((TRACEFUNC_ROUNDS * ntracefunc))
	echo "round,measure,tracer,mode,program,hook,tracer_cpu,target_cpu,calls_per_thread,requests," \
		"scale,hot_wall_ns,calls,ns_per_call,recorded_calls,lost,completeness,counts_match," \
		"filtered_out,tracer_cpu_ns,command_wall_ns,uftrace_records,rdtsc_ns,clock_gettime_ns," \
		"status" | tr -d ' ' >"$RESULTS_DIR/tracefunc_raw.csv"
	echo "bench: per-call hooks: $TRACEFUNC_ROUNDS interleaved rounds of $ntracefunc configurations;" \
		"probe loops -L $TRACEFUNC_CALLS (-k empty) and -L $TRACEFUNC_METHOD_CALLS (-k method)," \
		"requests -r $TRACEFUNC_REQUESTS -s 0 and -r $TRACEFUNC_SCALED_REQUESTS -s $TRACEFUNC_SCALE;" \
		"workload on CPU $BENCH_CPU, tracers on CPU $TRACER_CPU" >&2
	run_rounds "$TRACEFUNC_ROUNDS" "$TRACEFUNC_RUN" 3 tracefunc_run

	# Summary: per configuration, its hot phase and ns per call; its cost per call and slowdown
	# against its baseline in the same round, beyond the no-op (method rows), as a multiple of
	# the TSC floor (probe rows); what it recorded; the clock reads. Only successful runs count,
	# but completeness is over every run that recorded (a count that differs fails the run).
	awk -F, -v configs="$TRACEFUNC_CONFIGS" -v skips="$TRACEFUNC_SKIPS" "$AWK_STATS"'
	function name_of(m, t, o) { return m "/" t (o == "" ? "" : "/" o) }
	# med(A, NAME): the median over the rounds of A[NAME, round] (empty if none); sets q25, q75
	function med(a, name) { return over_rounds(a, name, nround) }
	function f(v, fmt) { return v == "" ? "" : sprintf(fmt, v) }
	NR == 1 { next }
	{
		name = name_of($2, $3, $4)
		runs[name]++
		if ($1 > nround) nround = $1
		program[name] = $5; hook[name] = $6; tcpu[name] = $7; wcpu[name] = $8
		if ($17 != "") {
			if (!(name in cmin) || $17 < cmin[name]) cmin[name] = $17
			nmatch[name] += $18 == "yes"; nrec[name]++
		}
		if ($25 != "ok") { failed[name]++; next }
		if ($12 != "") { wall[name, $1] = $12; ncalls[name, $1] = $13; calls[name] = $13 }
		if ($14 != "") ns[name, $1] = $14
		if ($16 != "") lost[name, $1] = $16
		if ($20 != "") tracer_cpu[name, $1] = $20
		if ($21 != "") cmd_wall[name, $1] = $21
		if ($23 != "") rdtsc[name, $1] = $23
		if ($24 != "") cgt[name, $1] = $24
	}
	END {
		nskip = split(skips, s, "\n")
		for (i = 1; i <= nskip; i++) if (s[i] != "") {
			split(s[i], g, "|"); skipped[g[1]] = g[2]
		}
		nconf = split(configs, lines, "\n")
		for (c = 1; c <= nconf; c++) {
			split(lines[c], g, "|")
			name = name_of(g[1], g[2], g[3]); base[name] = g[4]; noop[name] = g[5]
		}
		# Paired per round: cost per call and slowdown against the baseline, beyond the no-op,
		# and the cost as a multiple of the TSC floor of the same round.
		for (k in wall) {
			split(k, kk, SUBSEP); name = kk[1]; r = kk[2]
			b = base[name]
			if (b != "" && (b, r) in wall) {
				cost[name, r] = (wall[k] - wall[b, r]) / ncalls[k]
				slow[name, r] = 100 * (wall[k] / wall[b, r] - 1)
			}
			o = noop[name]
			if (o != "" && (o, r) in wall) beyond[name, r] = (wall[k] - wall[o, r]) / ncalls[k]
		}
		for (k in cost) {
			split(k, kk, SUBSEP); name = kk[1]; r = kk[2]
			split(name, nn, "/")
			if (nn[1] == "probe" && (nn[3] == "latency" || nn[3] == "log" || nn[2] == "uftrace") &&
			    ("probe/floor", r) in cost && cost["probe/floor", r] > 0)
				xfloor[name, r] = cost[k] / cost["probe/floor", r]
		}
		print "measure,tracer,mode,program,hook,tracer_cpu,target_cpu,runs,runs_failed," \
		      "calls_per_run,median_hot_wall_ns,p25_hot_wall_ns,p75_hot_wall_ns,ns_per_call," \
		      "baseline,cost_ns_per_call,cost_p25_ns_per_call,cost_p75_ns_per_call," \
		      "slowdown_pct,slowdown_p25_pct,slowdown_p75_pct,noop_reference," \
		      "beyond_noop_ns_per_call,beyond_noop_p25_ns_per_call,beyond_noop_p75_ns_per_call," \
		      "x_tsc_floor,completeness_min,runs_counts_match,lost_per_run,tracer_cpu_ns," \
		      "command_wall_ns,rdtsc_ns,rdtsc_p25_ns,rdtsc_p75_ns,clock_gettime_ns," \
		      "clock_gettime_p25_ns,clock_gettime_p75_ns,status,description"
		for (c = 1; c <= nconf; c++) {
			split(lines[c], g, "|")
			name = name_of(g[1], g[2], g[3])
			printf "%s,%s,%s,", g[1], g[2], g[3]
			if (name in skipped) {
				printf ",,,,0,0"
				for (i = 10; i <= 37; i++) printf ","  # the numbers: empty, never 0
				printf ",%s,\"%s\"\n", skipped[name], g[6]
				continue
			}
			printf "%s,%s,%s,%s,%d,%d,%s,", program[name], hook[name], tcpu[name], wcpu[name],
			       runs[name], failed[name], calls[name]
			m = med(wall, name); printf "%s,%s,%s,", f(m, "%.0f"), f(q25, "%.0f"), f(q75, "%.0f")
			printf "%s,%s,", f(med(ns, name), "%.3f"), g[4]
			m = med(cost, name); printf "%s,%s,%s,", f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
			m = med(slow, name); printf "%s,%s,%s,", f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
			printf "%s,", g[5]
			m = med(beyond, name); printf "%s,%s,%s,", f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
			printf "%s,", f(med(xfloor, name), "%.3f")
			printf "%s,%s,", (name in cmin) ? sprintf("%.6f", cmin[name]) : "",
			       (name in nrec) ? nmatch[name] + 0 : ""
			printf "%s,", f(med(lost, name), "%.0f")
			printf "%s,", f(med(tracer_cpu, name), "%.0f")
			printf "%s,", f(med(cmd_wall, name), "%.0f")
			m = med(rdtsc, name); printf "%s,%s,%s,", f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
			m = med(cgt, name); printf "%s,%s,%s,", f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
			status = failed[name] ? "failed: " failed[name] " of " runs[name] " runs" : "ok"
			printf "%s,\"%s\"\n", status, g[6]
		}
	}' "$RESULTS_DIR/tracefunc_raw.csv" >"$RESULTS_DIR/tracefunc_summary.csv"

	# The targets: costs per call and ratios paired by round (median [p25, p75] over the
	# rounds); PASS if even the quartile farther from the target meets it, FAIL if even the
	# nearer one misses it, else "within noise". A missed target says by how much, and a timed
	# mode's row gives the TSC floor of the same run beside it. counts_match: every run of the
	# configurations named must have counted exactly what the workload did.
	awk -F, -v targets="$TRACEFUNC_TARGETS" -v configs="$TRACEFUNC_CONFIGS" \
		-v skips="$TRACEFUNC_SKIPS" "$AWK_STATS"'
	function name_of(m, t, o) { return m "/" t (o == "" ? "" : "/" o) }
	# diff(NAME, REF, R): (the hot phase of NAME - that of REF) / the calls of NAME in round R;
	# sets ok to 0 if that round lacks either run
	function diff(name, ref, r) {
		if (!((name, r) in wall) || !((ref, r) in wall)) { ok = 0; return 0 }
		return (wall[name, r] - wall[ref, r]) / ncalls[name, r]
	}
	FNR == 1 { next }
	{
		name = name_of($2, $3, $4)
		if ($1 > nround) nround = $1
		if ($17 != "") {
			nrec[name]++; nmatch[name] += $18 == "yes"
			comp[name, nrec[name]] = $17
			# A count that differs, with the loss reported (lost > 0) or silent.
			if ($18 != "yes") { if ($16 + 0 > 0) nlost[name]++; else nsilent[name]++ }
		}
		if ($25 != "ok") next
		if ($12 != "") { wall[name, $1] = $12; ncalls[name, $1] = $13 }
	}
	END {
		nskip = split(skips, s, "\n")
		for (i = 1; i <= nskip; i++) if (s[i] != "") {
			split(s[i], g, "|"); skipped[g[1]] = g[2]
		}
		nconf = split(configs, lines, "\n")
		for (c = 1; c <= nconf; c++) {
			split(lines[c], g, "|")
			cname[c] = name_of(g[1], g[2], g[3]); base[cname[c]] = g[4]
		}
		# The TSC floor per call in each round, and its median: shown beside the timed modes.
		nf = 0
		for (r = 1; r <= nround; r++) {
			ok = 1; x = diff("probe/floor", "probe/noop", r)
			if (ok) fl[++nf] = x
		}
		floor_ns = nf ? sprintf("%.2f", quantile(fl, nf, 0.5)) : ""
		print "target,configuration,quantity,reference,value,median,p25,p75,runs,comparison," \
		      "tsc_floor_ns_per_call,verdict"
		ntarget = split(targets, tl, "\n")
		for (i = 1; i <= ntarget; i++) {
			split(tl[i], g, "|")
			num = g[1]; quantity = g[2]; ref = g[3]; cmp = g[4]; goal = g[5]
			n = 0; na = 0; value = ""; pm = ""; p25 = ""; p75 = ""; verdict = ""
			split(num, nn, "/")
			timed = (nn[3] == "log" || nn[3] == "latency" || num == "probe/floor") &&
				quantity != "times_cheaper"
			if (quantity == "counts_match") {
				runs = 0; good = 0; worst = ""; reported = 0; silent = 0
				for (c = 1; c <= nconf; c++) {
					if (index(cname[c], num "/") != 1 || cname[c] ~ /\/noop$/) continue
					if (cname[c] in skipped) { verdict = skipped[cname[c]]; continue }
					for (j = 1; j <= nrec[cname[c]]; j++) {
						q[++n] = comp[cname[c], j]
						if (worst == "" || q[n] < worst) worst = q[n]
					}
					runs += nrec[cname[c]]; good += nmatch[cname[c]]
					reported += nlost[cname[c]]; silent += nsilent[cname[c]]
				}
				if (n) {
					pm = sprintf("%.6f", quantile(q, n, 0.5))
					p25 = sprintf("%.6f", quantile(q, n, 0.25))
					p75 = sprintf("%.6f", quantile(q, n, 0.75))
					value = sprintf("%.6f", worst)
					verdict = good == runs ? "PASS: every run counted each method exactly" : \
						sprintf("FAIL: %d of %d runs counted other than the truth" \
							" (lowest completeness %s): %d reported the loss (lost > 0)" \
							" and %d did not", runs - good, runs, worst, reported, silent)
				} else if (verdict == "") verdict = "no data: no run of " num "/* recorded"
				printf "%s,%s,%s,%s,%s,%s,%s,%s,%d,%s,,%s\n", g[6], num, quantity, ref, value, pm,
				       p25, p75, n, cmp " " goal, verdict
				continue
			}
			for (r = 1; r <= nround; r++) {
				ok = 1
				if (quantity == "cost_ns_per_call") {
					x = diff(num, ref, r)
					if (ok) q[++n] = x
				} else {
					a = diff(num, base[num], r); b = diff(ref, base[ref], r)
					if (!ok) continue
					A[++na] = a; B[na] = b
					if (quantity == "times_cheaper" && a > 0) q[++n] = b / a
					if (quantity == "x_tsc_floor" && b > 0) q[++n] = a / b
				}
			}
			# The value of a ratio: the ratio of the two median costs per call.
			if (na) {
				ma = quantile(A, na, 0.5); mb = quantile(B, na, 0.5)
				if (quantity == "times_cheaper" && ma > 0) value = sprintf("%.3f", mb / ma)
				if (quantity == "x_tsc_floor" && mb > 0) value = sprintf("%.3f", ma / mb)
			}
			if (num in skipped) verdict = skipped[num]
			else if (ref != "" && ref in skipped) verdict = skipped[ref]
			else if (!n && quantity == "cost_ns_per_call")
				verdict = "no data: no round with successful runs of " num " and " ref
			else if (!n) verdict = "undefined: no round where the divisor cost more than 0 ns per call"
			else if (cmp != "") {
				verdict = paired_verdict(q, n, cmp, goal)
				if (verdict == "FAIL" && quantity == "cost_ns_per_call")
					verdict = sprintf("FAIL: %s ns per call; %.1f ns (%.0f%%) over the target", pm,
						pm - goal, 100 * (pm - goal) / goal)
				else if (verdict == "FAIL")
					verdict = sprintf("FAIL: uftrace costs %sx as much per call; %.2fx short" \
						" of the target", pm, goal - pm)
				if (timed && floor_ns != "" && verdict !~ /^PASS/)
					verdict = verdict sprintf("; the TSC floor alone is %s ns (two rdtsc)" \
						" leaving %.1f ns of the target beyond it", floor_ns, goal - floor_ns)
			} else {
				pm = sprintf("%.3f", quantile(q, n, 0.5))
				p25 = sprintf("%.3f", quantile(q, n, 0.25))
				p75 = sprintf("%.3f", quantile(q, n, 0.75))
				verdict = "context: no target"
			}
			printf "%s,%s,%s,%s,%s,%s,%s,%s,%d,%s,%s,%s\n", g[6], num, quantity, ref, value, pm,
			       p25, p75, n, cmp == "" ? "" : cmp " " goal, timed ? floor_ns : "", verdict
		}
	}' "$RESULTS_DIR/tracefunc_raw.csv" >"$RESULTS_DIR/tracefunc_targets.csv"
fi

if section rates; then rates_run; fi
if section precision; then precision_run; fi
if section commands; then commands_run; fi
if section peers; then peers_run; fi
if section threads; then threads_run; fi
if section attach; then attach_run; fi
if section placement; then placement_run; fi

# Every cost per event this run measured in one table, each against its floor (bench_floors.sh),
# and the plots of whatever CSVs the run wrote (plot.sh; make plot DIR=... redraws them).
costs_write
plot_error=
if ! command -v gnuplot >/dev/null; then
	plot_error="gnuplot is missing: install it (./setup.sh) and run make plot DIR=$RESULTS_DIR"
	if [ -n "${TB_BUNDLE:-}" ]; then
		plot_error="gnuplot is missing here: bring this folder back and run make plot"
		plot_error+=" DIR=results/$(basename "$(dirname "$RESULTS_DIR")")/$(basename "$RESULTS_DIR") in a checkout"
	fi
elif ! "$HARNESS/plot.sh" "$RESULTS_DIR" 2>"$TMP/plot.err"; then
	plot_error="plot.sh failed: $(oneline <"$TMP/plot.err")"
fi

# ---- report --------------------------------------------------------------------------------

report_idle()
{
	echo "## Idle cost of instrumentation points"
	echo
	echo "$ROUNDS interleaved rounds of $CALLS calls, workload pinned to CPU $BENCH_CPU."
	echo "Idle cost = this configuration's ns per call minus its baseline's in the same round;"
	echo "median and interquartile range over the rounds."
	echo
	echo "| variant/leaf | ns per call (median) | baseline | idle cost, ns per call (median [p25, p75]) | what it is |"
	echo "|---|---:|---|---:|---|"
	awk -F, 'NR > 1 {
		desc = $0; sub(/^[^"]*"/, "", desc); sub(/"$/, "", desc)
		printf "| %s/%s | %.2f | %s | %+.2f [%+.2f, %+.2f] | %s |\n", $1, $2, $5, $8, $9, $10,
		       $11, desc
	}' "$RESULTS_DIR/idle_summary.csv"
	echo
	echo "Whole commands (hyperfine, $HF_CALLS calls, process start and exit included):"
	echo
	if [ -n "$skip_hyperfine" ]; then
		echo "$skip_hyperfine: not measured here."
		echo
		return
	fi
	echo "| variant/leaf | mean ms | stddev ms | median ms |"
	echo "|---|---:|---:|---:|"
	awk '
	function value(line) { sub(/^[^:]*: */, "", line); sub(/,$/, "", line); return line }
	/^      "command":/ { name = value($0); gsub(/"/, "", name) }
	/^      "mean":/ { mean = value($0) }
	/^      "stddev":/ { sd = value($0) }
	/^      "median":/ { printf "| %s | %.2f | %.2f | %.2f |\n", name, mean * 1e3, sd * 1e3, value($0) * 1e3 }
	' "$RESULTS_DIR/hyperfine_idle.json"
	echo
}

report_hit()
{
	echo "## Per-hit cost of a USDT probe traced by tb-usdt"
	echo
	echo "$HIT_ROUNDS interleaved rounds (the order rotated each round) of $HIT_CALLS calls of a probe-loop"
	echo "leaf, on \`workload-usdt\` (int3 sites) and \`workload-usdt5\` (nop5 sites):"
	echo
	echo "- **probe**: \`workload-VARIANT -q -L $HIT_CALLS -k probe\`, one hit of \`tracebench:loop_probe\` per"
	echo "  call: untraced, under \`tb-usdt -m empty\`, \`-m count\` and \`-m stream -q\` (one event per hit"
	echo "  through the BPF ring buffer, read by tb-usdt), and under bpftrace's \`@c = count()\`"
	echo "  (bpftrace $(sed -n 's/^bpftrace=//p' "$RESULTS_DIR/env.txt"))."
	echo "- **method**: \`-k method\`, the loop's method with its two sites, \`tracebench:method_entry\` and"
	echo "  \`method_return\`, two hits per call: untraced, and under \`tb-usdt -m hist\` (the entry stores"
	echo "  the time, the return adds the latency to a log2 histogram)."
	echo
	echo "The workload ran on CPU $BENCH_CPU, the tracers on CPU $TRACER_CPU: the workload starts there,"
	echo "waits at its start gate until the tracer has attached, is moved to CPU $BENCH_CPU and released."
	echo "Cost per call = a traced run's ns per call minus the untraced run's of the same variant and"
	echo "leaf in the same round; per-hit cost = that over the leaf's hits per call (1 or 2); median and"
	echo "interquartile range over the rounds. Every run's record was checked against $HIT_CALLS: the"
	echo "hits counted (count), the events seen plus those tb-usdt reports lost (stream; the lost ones"
	echo "are summed in the last column), the entry-return pairs (hist). A failed run is left out and"
	echo "listed in \`hit_failures.txt\`."
	echo
	echo "| configuration | runs ok | ns per call (median) | cost per call, ns (median [p25, p75]) | per-hit cost, ns (median [p25, p75]) | sites optimised | events lost | what it is |"
	echo "|---|---:|---:|---:|---:|---|---:|---|"
	awk -F, 'NR > 1 {
		desc = $0; sub(/^[^"]*"/, "", desc); sub(/"$/, "", desc)
		name = $1 "/" $2 ($3 == "" ? "" : "/" $3) "/" $14
		if ($20 ~ /^skipped/) { printf "| %s | %s | | | | | | %s |\n", name, $20, desc; next }
		opt = $2 == "tb-usdt" ? $13 " of " ($5 - $6) " runs" : $2 == "untraced" ? "-" : "not reported"
		lost = $19 == "" ? "-" : $19
		if ($7 == "") { printf "| %s | 0 of %d (%s) | | | | %s | %s | %s |\n", name, $5, $20, opt, lost, desc; next }
		printf "| %s | %d of %d | %.2f | %+.2f [%+.2f, %+.2f] | %+.2f [%+.2f, %+.2f] | %s | %s | %s |\n",
		       name, $5 - $6, $5, $7, $16, $17, $18, $10, $11, $12, opt, lost, desc
	}' "$RESULTS_DIR/hit_summary.csv"
	echo
	echo "Targets. \"ratio\" divides the two medians above; \"paired\" is the median [p25, p75]"
	echo "over the rounds of the ratio of the two per-hit costs measured in the same round. The"
	echo "verdict is PASS when even the paired p75 meets the target, FAIL when even its p25 misses"
	echo "it, and \"within noise\" in between."
	echo
	echo "| ratio of per-hit costs | numerator / denominator, ns | ratio | paired ratio | target | result |"
	echo "|---|---:|---:|---:|---|---|"
	awk -F, 'NR > 1 {
		costs = $4 == "" || $5 == "" ? "-" : sprintf("%.2f / %.2f", $4, $5)
		paired = $7 == "" ? "-" : sprintf("%.3f [%.3f, %.3f]", $7, $8, $9)
		printf "| %s (%s / %s) | %s | %s | %s | %s | %s |\n", $1, $2, $3, costs,
		       $6 == "" ? "-" : $6, paired, $11, $12
	}' "$RESULTS_DIR/hit_ratios.csv"
	echo
}

report_ptrace()
{
	echo "## ptrace: the stop floor, tb-ptrace breakpoints and system call stops, gdb, strace"
	echo
	echo "$PTRACE_ROUNDS interleaved rounds (the order rotated each round). Placement: **same-cpu**,"
	echo "tracer and tracee both on CPU $BENCH_CPU; **cross-cpu**, the tracer on CPU $TRACER_CPU and the"
	echo "tracee on CPU $BENCH_CPU; **alone**, the untraced workload on CPU $BENCH_CPU. Every tracer starts"
	echo "the workload (\`-- COMMAND\`) and is attached from its execve on; the workload waits at its"
	echo "start gate (\`-g 3\`), is moved to CPU $BENCH_CPU (\`taskset -a -p\`) and released: attaching"
	echo "is outside the timed hot phase. \`build/ptrace_floor\` pins itself."
	echo
	echo "- floor: \`ptrace_floor -n N\`, N int3 stops, each \`waitpid\` + \`PTRACE_GETREGS\` +"
	echo "  \`PTRACE_CONT\` (N = $PTRACE_HITS same-cpu, $PTRACE_HITS_CROSS cross-cpu)."
	echo "- break: \`workload -q -L N -k empty\`, N calls of \`loop_leaf_empty\`, each a hit when traced"
	echo "  (N = $PTRACE_HITS same-cpu, $PTRACE_HITS_CROSS cross-cpu, $PTRACE_HITS_GDB under gdb); the hits"
	echo "  counted must equal N. \`tb-ptrace break loop_leaf_empty -- COMMAND\` (its default: the"
	echo "  replaced \`push %rbp\` run out of line, in a page mapped into the workload);"
	echo "  \`tb-ptrace-emulated\`: \`tb-ptrace break --no-xol loop_leaf_empty\`, the \`push %rbp\`"
	echo "  emulated in the tracer; \`tb-ptrace-single-step\`: \`tb-ptrace break --no-xol $PTRACE_STEP_SITE\`,"
	echo "  an instruction it can neither run out of line nor emulate, so each hit puts the byte back,"
	echo "  single-steps with every other thread stopped and re-inserts the int3. Each tb-ptrace run's"
	echo "  result must show the path it is named for (\`sites.SITE.step\`; \`single_steps\` = 0, or = N"
	echo "  for single-step). gdb: \`gdb -batch\` with \`break *loop_leaf_empty\`, \`commands\` /"
	echo "  \`silent\` / \`continue\` / \`end\`, \`run\`."
	echo "- syscall: \`workload -q -r $PTRACE_REQUESTS -s 0\`, $((2 * PTRACE_REQUESTS)) system calls in its hot"
	echo "  phase (a \`pread64\` and a \`writev\` per request); \`tb-ptrace syscall -- COMMAND\`,"
	echo "  \`strace -c -f\`, \`tb-ptrace syscall --seccomp -e openat\` (no \`openat\` in the hot phase)."
	echo
	echo "ns per event = the workload's hot-phase wall time / events (the floor: its own timing of the"
	echo "stops). Cost per event = that minus the baseline's (\`alone\`) in the same round; the"
	echo "floor's cost is its time. Median and interquartile range over the rounds; failed runs are"
	echo "left out and listed in \`ptrace_failures.txt\`. Tracer CPU: tb-ptrace's own CPU time per event."
	echo "Step over the site: how tb-ptrace's hits got past the replaced instruction (its result's"
	echo "\`sites.SITE.step\`)."
	echo
	echo "| configuration | CPUs (tracer, tracee) | runs ok | events per run | ns per event (median) | cost per event, ns (median [p25, p75]) | tracer CPU, ns per event | step over the site | what it is |"
	echo "|---|---|---:|---:|---:|---:|---:|---|---|"
	awk -F, 'NR > 1 {
		desc = $0; sub(/^[^"]*"/, "", desc); sub(/"$/, "", desc)
		name = $1 "/" $2 "/" $3
		cpus = $4 == "" ? ($5 == "" ? "-" : "-, " $5) : $4 ", " $5
		step = $17 == "" ? "-" : $17
		if ($18 ~ /^skipped/) { printf "| %s | - | %s | | | | | | %s |\n", name, $18, desc; next }
		if ($9 == "") { printf "| %s | %s | 0 of %d (%s) | | | | | %s | %s |\n", name, cpus, $6, $18, step, desc; next }
		printf "| %s | %s | %d of %d | %s | %.1f | %+.1f [%+.1f, %+.1f] | %s | %s | %s |\n", name, cpus,
		       $6 - $7, $6, $8, $9, $13, $14, $15, $16 == "" ? "-" : $16, step, desc
	}' "$RESULTS_DIR/ptrace_summary.csv"
	echo
	echo "Targets. \"ratio\" divides the two medians above (costs, or for the seccomp row the ns per"
	echo "system call as measured); \"paired\" is the median [p25, p75] over the rounds of the ratio"
	echo "measured within one round. PASS when even the paired p75 meets the target, FAIL when even"
	echo "its p25 misses it, \"within noise\" in between."
	echo
	echo "| ratio | numerator / denominator, ns | ratio | paired ratio | target | result |"
	echo "|---|---:|---:|---:|---|---|"
	awk -F, 'NR > 1 {
		ns = $6 == "" || $7 == "" ? "-" : sprintf("%.1f / %.1f", $6, $7)
		paired = $9 == "" ? "-" : sprintf("%.3f [%.3f, %.3f]", $9, $10, $11)
		printf "| %s (%s %s / %s %s) | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, ns,
		       $8 == "" ? "-" : $8, paired, $13, $14
	}' "$RESULTS_DIR/ptrace_ratios.csv"
	echo
}

report_vmreadv()
{
	echo "## process_vm_readv sampling: tb-vmreadv's cost to a $VMREADV_THREADS-thread workload"
	echo
	echo "$VMREADV_ROUNDS interleaved rounds (the order rotated each round) of"
	echo "\`workload -q -t $VMREADV_THREADS -r $VMREADV_REQUESTS -s $VMREADV_SCALE\`: untraced; beside"
	echo "\`vmreadv_floor timer -F 2500\` (tb-vmreadv's sleep schedule with nothing done at a tick: the"
	echo "timer's own cost); under \`tb-vmreadv -F 2500\` and \`-F 10000\` (every thread's stack each"
	echo "tick: $((2500 * VMREADV_THREADS)) and $((10000 * VMREADV_THREADS)) samples per second asked for)"
	echo "and \`tb-vmreadv --blocking -F 2500\`; and \`--realtime\` (SCHED_FIFO) versions of the"
	echo "timer floor and of \`tb-vmreadv -F 2500\`, whose ticks the workload's threads cannot delay."
	echo "The timer floor and tb-vmreadv start the workload"
	echo "(\`-- COMMAND\`) and release it at its start gate as their schedule starts. Placement: unpinned"
	echo "($NCPU CPUs; the workload's $VMREADV_THREADS threads need them all, and the sampler takes its"
	echo "CPU time from them). Slowdown = the workload's hot phase (its truth file's \`hot_wall_ns\`, a"
	echo "fixed $VMREADV_REQUESTS requests) against the untraced run of the same round, in %; beyond the"
	echo "timer floor = against the timer floor's run of the same round. Median [p25, p75] over the"
	echo "rounds; failed runs are left out and listed in \`vmreadv_failures.txt\`."
	echo
	echo "| configuration | runs ok | hot phase, ms (median) | slowdown, % (median [p25, p75]) | beyond the timer floor, % | what it is |"
	echo "|---|---:|---:|---:|---:|---|"
	awk -F, 'NR > 1 {
		desc = $0; sub(/^[^"]*"/, "", desc); sub(/"$/, "", desc)
		name = $1 ($2 == "" ? "" : "/" $2) ($3 == "" ? "" : "/" $3)
		if ($29 ~ /^skipped/) { printf "| %s | %s | | | | %s |\n", name, $29, desc; next }
		if ($1 == "read_floor") next
		if ($6 == "") { printf "| %s | 0 of %d (%s) | | | | %s |\n", name, $4, $29, desc; next }
		printf "| %s | %d of %d | %.1f | %+.2f [%+.2f, %+.2f] | %s | %s |\n", name, $4 - $5, $4,
		       $6 / 1e6, $9, $10, $11,
		       $12 == "" ? "-" : sprintf("%+.2f [%+.2f, %+.2f]", $12, $13, $14), desc
	}' "$RESULTS_DIR/vmreadv_summary.csv"
	echo
	echo "The sampler, medians over the runs: ticks per second achieved (of those asked for; a tick"
	echo "that comes a period or more late skips the ones it missed, counted as late), samples per"
	echo "second (consistent stacks with a method on them / the sampling window), stacks still torn"
	echo "after 3 re-reads, its own CPU time per tick and per sample, the wall time of taking a tick's"
	echo "samples (reading, re-reading, recording; blocking: pausing the target too) and that as a"
	echo "multiple of the read floor below (paired by round), and how long the target was paused per tick."
	echo
	echo "| configuration | ticks/s achieved (asked) | late ticks per run | samples/s (median [p25, p75]) | torn per run | CPU per tick, µs | CPU per sample, µs | sampling per tick, µs (x read floor) | paused per tick, µs |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 && ($1 == "timer_floor" || $1 == "tb-vmreadv") {
		name = $1 ($2 == "" ? "" : "/" $2) ($3 == "" ? "" : "/" $3)
		if ($29 ~ /^skipped/) { printf "| %s | %s | | | | | | | |\n", name, $29; next }
		if ($15 == "") { printf "| %s | no data (%s) | | | | | | | |\n", name, $29; next }
		printf "| %s | %.0f (%s) | %.0f | %s | %s | %.1f | %s | %s | %s |\n", name, $15, $3, $16,
		       $18 == "" ? "-" : sprintf("%.0f [%.0f, %.0f]", $18, $19, $20),
		       $17 == "" ? "-" : sprintf("%.0f", $17), $21 / 1e3,
		       $22 == "" ? "-" : sprintf("%.2f", $22 / 1e3),
		       $23 == "" ? "-" : sprintf("%.2f (%sx)", $23 / 1e3, $24 == "" ? "?" : $24),
		       $25 == "" ? "-" : sprintf("%.1f", $25 / 1e3)
	}' "$RESULTS_DIR/vmreadv_summary.csv"
	echo
	awk -F, 'NR > 1 && $1 == "read_floor" {
		if ($29 ~ /^skipped/) { print "The read floor (`vmreadv_floor read`): " $29 "."; next }
		if ($26 == "") { print "The read floor (`vmreadv_floor read`): no data (" $29 ")."; next }
		printf "The read floor (`vmreadv_floor read`): one `process_vm_readv` of 64 bytes from a waiting\n"
		printf "child takes %.1f ns [%.1f, %.1f] (median over the rounds of each run'"'"'s median of 21\n", $26, $27, $28
		printf "batches of 20000 calls; %d of %d runs ok).\n", $4 - $5, $4
	}' "$RESULTS_DIR/vmreadv_summary.csv"
	echo
	echo "Targets: slowdowns paired by round, median [p25, p75] over the rounds; ticks and samples per"
	echo "second over the runs. PASS when even the quartile farther from the target meets it, FAIL when even"
	echo "the nearer one misses it, \"within noise\" in between."
	echo
	echo "| target | configuration (against) | median [p25, p75] | target | result |"
	echo "|---|---|---:|---|---|"
	awk -F, 'NR > 1 {
		unit = $3 == "slowdown_pct" ? " %" : $3 == "achieved_hz" ? " ticks/s" : " samples/s"
		fmt = $3 == "slowdown_pct" ? "%+.2f [%+.2f, %+.2f]" : "%.0f [%.0f, %.0f]"
		value = $5 == "" ? "-" : sprintf(fmt, $5, $6, $7) unit
		printf "| %s | %s%s | %s | %s%s | %s |\n", $1, $2, $4 == "" ? "" : " (" $4 ")", value, $9,
		       unit, $10
	}' "$RESULTS_DIR/vmreadv_targets.csv"
	echo
}

report_signal()
{
	echo "## Signal sampling: tb-signal's cost per sample and its overhead"
	echo
	echo "$SIGNAL_ROUNDS interleaved rounds (the order rotated each round)."
	echo
	echo "- **Per sample**: the probe loop \`workload -q -L $SIGNAL_CALLS -k empty -t 1\` (one worker"
	echo "  thread; the main thread waits for it), the whole command pinned to CPU $BENCH_CPU (taskset):"
	echo "  untraced; under \`signal_floor timer --wall -F HZ\`, which preloads \`libtb-signal-floor.so\`:"
	echo "  tb-signal's per-thread timers (\`SIGEV_THREAD_ID\`, SIGPROF, \`CLOCK_MONOTONIC\`) with a"
	echo "  handler that only counts; and under \`tb-signal record --wall -F HZ\`; at 10000 and 1000 Hz."
	echo "  Cost per signal = the hot phase (\`hot_wall_ns\`) beyond the untraced run's of the same round,"
	echo "  per signal taken in it (the sampling window's signals in the share of the window the hot"
	echo "  phase took; tb-signal: its samples and losses); the main thread's signals, which wake it"
	echo "  in \`pthread_join\`, are paid on the same CPU."
	echo "- **Round trip**: \`signal_floor raise\`, pinned there too: SIGPROF sent to itself (\`tgkill\`)"
	echo "  and an empty handler, no timer."
	echo "- **Overhead**: \`workload -q -t $SIGNAL_THREADS -r $SIGNAL_REQUESTS -s $SIGNAL_SCALE\`, unpinned"
	echo "  on $NCPU CPUs: untraced, beside \`signal_floor timer -F 250\` and under"
	echo "  \`tb-signal record -F 250\` (CPU-time timers, \`CLOCK_THREAD_CPUTIME_ID\`). Slowdown = the hot"
	echo "  phase against the untraced run of the same round, in %; beyond the timer floor = against"
	echo "  the timer floor's run of the same round."
	echo
	echo "tb-signal and the floor start the workload and release it at its start gate right after"
	echo "exec. Median [p25, p75] over the rounds; failed runs are left out and listed in"
	echo "\`signal_failures.txt\`."
	echo
	echo "| configuration | placement | runs ok | hot phase, ms (median) | slowdown, % (median [p25, p75]) | beyond the timer floor, % | cost per signal, µs (median [p25, p75]) | what it is |"
	echo "|---|---|---:|---:|---:|---:|---:|---|"
	awk -F, 'NR > 1 {
		desc = $0; sub(/^[^"]*"/, "", desc); sub(/"$/, "", desc)
		name = $1 "/" $2 ($3 == "" ? "" : "/" $3) ($4 == "" ? "" : "/" $4)
		if ($30 ~ /^skipped/) { printf "| %s | - | %s | | | | | %s |\n", name, $30, desc; next }
		if ($1 == "raise") next
		where = $5 == "pinned" ? "CPU " $6 : $5
		if ($9 == "") { printf "| %s | %s | 0 of %d (%s) | | | | | %s |\n", name, where, $7, $30, desc; next }
		printf "| %s | %s | %d of %d | %.1f | %+.2f [%+.2f, %+.2f] | %s | %s | %s |\n", name, where,
		       $7 - $8, $7, $9 / 1e6, $12, $13, $14,
		       $15 == "" ? "-" : sprintf("%+.2f [%+.2f, %+.2f]", $15, $16, $17),
		       $23 == "" ? "-" : sprintf("%.1f [%.1f, %.1f]", $23 / 1e3, $24 / 1e3, $25 / 1e3), desc
	}' "$RESULTS_DIR/signal_summary.csv"
	echo
	echo "The timers, medians over the runs: signals taken per run (and in the hot phase), the rate"
	echo "achieved per thread (tb-signal's \`achieved_hz\`: signals per second of the threads' real"
	echo "time with \`--wall\`, of their CPU time without; the floor computes it the same way) against"
	echo "the rate asked, timer overruns (expirations merged into one signal), signals lost (tb-signal:"
	echo "buffer full or no buffer), and tb-signal's own CPU time (naming the samples after the exit)."
	echo
	echo "| configuration | signals per run (in the hot phase) | achieved Hz (asked) | overruns per run | lost per run | tb-signal CPU, ms |"
	echo "|---|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 && ($2 == "signal_floor" || $2 == "tb-signal") && $1 != "raise" {
		name = $1 "/" $2 "/" $3 "/" $4
		if ($30 ~ /^skipped/) { printf "| %s | %s | | | | |\n", name, $30; next }
		if ($18 == "") { printf "| %s | no data (%s) | | | | |\n", name, $30; next }
		printf "| %s | %d (%s) | %.1f (%s) | %s | %s | %s |\n", name, $18, $19 == "" ? "-" : $19,
		       $20, $4, $21 == "" ? "-" : $21, $22 == "" ? "-" : $22,
		       $26 == "" ? "-" : sprintf("%.0f", $26 / 1e6)
	}' "$RESULTS_DIR/signal_summary.csv"
	echo
	awk -F, 'NR > 1 && $1 == "raise" {
		if ($30 ~ /^skipped/) { print "The round-trip floor (`signal_floor raise`): " $30 "."; next }
		if ($27 == "") { print "The round-trip floor (`signal_floor raise`): no data (" $30 ")."; next }
		printf "The round-trip floor (`signal_floor raise`, CPU %s): a signal sent to oneself and an empty\n", $6
		printf "handler take %.1f ns [%.1f, %.1f] (median over the rounds of each run'"'"'s median of 21\n", $27, $28, $29
		printf "batches of 20000 signals; %d of %d runs ok).\n", $7 - $8, $7
	}' "$RESULTS_DIR/signal_summary.csv"
	echo
	echo "Targets: per-signal ratios and slowdowns paired by round, median [p25, p75] over the rounds;"
	echo "achieved rates over the runs. \"ratio of medians\" divides the two costs per signal above."
	echo "PASS when even the quartile farther from the target meets it, FAIL when even the nearer one"
	echo "misses it, \"within noise\" in between; a row without a target states what was measured."
	echo
	echo "| target | configuration (against) | ratio of medians | median [p25, p75] | target | result |"
	echo "|---|---|---:|---:|---|---|"
	awk -F, 'NR > 1 {
		unit = $3 == "slowdown_pct" ? " %" : $3 == "achieved_hz" ? " Hz" : "x"
		fmt = $3 == "slowdown_pct" ? "%+.2f [%+.2f, %+.2f]" : $3 == "achieved_hz" ? \
		      "%.1f [%.1f, %.1f]" : "%.2f [%.2f, %.2f]"
		value = $6 == "" ? "-" : sprintf(fmt, $6, $7, $8) unit
		printf "| %s | %s%s | %s | %s | %s | %s |\n", $1, $2, $4 == "" ? "" : " (" $4 ")",
		       $5 == "" ? "-" : sprintf("%.2fx", $5), value, $10 == "" ? "-" : $10 unit, $11
	}' "$RESULTS_DIR/signal_targets.csv"
	echo
}

report_tracefunc()
{
	echo "## Per-call hooks: tb-tracefunc's cost per call, the TSC floor, uftrace record"
	echo
	echo "$TRACEFUNC_ROUNDS interleaved rounds (the order rotated each round). Placement: every workload"
	echo "on CPU $BENCH_CPU; tb-tracefunc (which in log mode drains the rings every millisecond) and"
	echo "\`uftrace record\` (with its recorder threads) on CPU $TRACER_CPU. Each starts the workload, which"
	echo "waits at its start gate (\`-g 3\`) until it is moved to CPU $BENCH_CPU (\`taskset -a -p\`) and"
	echo "released; untraced runs start the same way, so starting and attaching lie outside the timed"
	echo "hot phase (\`hot_wall_ns\` of the workload's truth file)."
	echo
	echo "- **probe**: \`workload-finstrument -q -L $TRACEFUNC_CALLS -k empty\`: one thread calls the empty"
	echo "  leaf, which calls the hooks at entry and exit. \`noop\` is the binary as built (the empty"
	echo "  hooks of \`libtb-tracefunc-noop.so\`), the baseline of every other row; \`plain\` is"
	echo "  \`build/workload\`, no hooks at all; \`floor\` preloads \`libtb-tracefunc-floor.so\`, whose hooks"
	echo "  only store \`__rdtsc()\` in a thread-local: the two TSC reads per call that latency and log"
	echo "  must make. uftrace: \`uftrace record ${UFTRACE_OPTS[*]} -d DIR\` on the same binary, DIR on"
	echo "  /dev/shm (no library calls and no events: tb-tracefunc records neither; tmpfs, like"
	echo "  tb-tracefunc's record files)."
	echo "- **method**: \`workload -q -L $TRACEFUNC_METHOD_CALLS -k method\` (the plain build) under"
	echo "  \`tb-tracefunc --hook method\`: the workload's \`tb_call_hook\`; the baseline is the untraced run,"
	echo "  \"beyond the no-op\" is against \`-m noop\` (an empty hook function installed)."
	echo "- **requests**: \`workload-finstrument -q -r $TRACEFUNC_REQUESTS -s 0\` and"
	echo "  \`-r $TRACEFUNC_SCALED_REQUESTS -s $TRACEFUNC_SCALE\`: slowdown against the no-op run of the same round."
	echo "  Every tb-tracefunc run's count of each method is checked against the workload's truth, every"
	echo "  uftrace run's records against two per method call; a run that differs, or that lost"
	echo "  anything, failed."
	echo
	echo "Cost per call = (the hot phase − the baseline's of the same round) / calls; median [p25, p75]"
	echo "over the rounds. Failed runs are left out and listed in \`tracefunc_failures.txt\`. Tracer CPU:"
	echo "tb-tracefunc's own CPU time per run (median), on CPU $TRACER_CPU."
	echo
	echo "| configuration | runs ok | ns per call (median) | cost per call, ns (median [p25, p75]) | against | beyond the no-op, ns | x TSC floor | tracer CPU, ms | what it is |"
	echo "|---|---:|---:|---:|---|---:|---:|---:|---|"
	awk -F, 'NR > 1 && ($1 == "probe" || $1 == "method") {
		desc = $0; sub(/^[^"]*"/, "", desc); sub(/"$/, "", desc)
		name = $1 "/" $2 ($3 == "" ? "" : "/" $3)
		if ($38 ~ /^skipped/) { printf "| %s | %s | | | | | | | %s |\n", name, $38, desc; next }
		if ($11 == "") { printf "| %s | 0 of %d (%s) | | | | | | | %s |\n", name, $8, $38, desc; next }
		printf "| %s | %d of %d | %.2f | %s | %s | %s | %s | %s | %s |\n", name, $8 - $9, $8, $14,
		       $16 == "" ? "-" : sprintf("%+.2f [%+.2f, %+.2f]", $16, $17, $18),
		       $15 == "" ? "-" : $15,
		       $23 == "" ? "-" : sprintf("%+.2f [%+.2f, %+.2f]", $23, $24, $25),
		       $26 == "" ? "-" : sprintf("%.2fx", $26),
		       $30 == "" ? "-" : sprintf("%.1f", $30 / 1e6), desc
	}' "$RESULTS_DIR/tracefunc_summary.csv"
	echo
	echo "The request workload: the hot phase, its slowdown against the baseline of the same round, the"
	echo "cost per method call that makes, what was recorded (the lowest completeness over the runs:"
	echo "calls recorded / calls made; runs whose counts equal the truth), tb-tracefunc's own CPU time,"
	echo "and the whole command's wall time (start, the run, tb-tracefunc's report or uftrace's writing)."
	echo
	echo "| configuration | runs ok | hot phase, ms (median) | slowdown, % (median [p25, p75]) | cost per method call, ns | completeness (runs matching) | tracer CPU, ms | command, ms | what it is |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
	awk -F, 'NR > 1 && $1 ~ /^requests/ {
		desc = $0; sub(/^[^"]*"/, "", desc); sub(/"$/, "", desc)
		name = $1 "/" $2 ($3 == "" ? "" : "/" $3)
		if ($38 ~ /^skipped/) { printf "| %s | %s | | | | | | | %s |\n", name, $38, desc; next }
		if ($11 == "") { printf "| %s | 0 of %d (%s) | | | | | | | %s |\n", name, $8, $38, desc; next }
		printf "| %s | %d of %d | %.1f | %s | %s | %s | %s | %s | %s |\n", name, $8 - $9, $8,
		       $11 / 1e6, $19 == "" ? "-" : sprintf("%+.2f [%+.2f, %+.2f]", $19, $20, $21),
		       $16 == "" ? "-" : sprintf("%+.2f", $16),
		       $27 == "" ? "-" : sprintf("%s (%d of %d)", $27, $28, $8),
		       $30 == "" ? "-" : sprintf("%.1f", $30 / 1e6),
		       $31 == "" ? "-" : sprintf("%.0f", $31 / 1e6), desc
	}' "$RESULTS_DIR/tracefunc_summary.csv"
	echo
	awk -F, 'NR > 1 && $1 == "clocks" {
		if ($38 ~ /^skipped/) { print "The clock floor (`tracefunc_floor clocks`): " $38 "."; next }
		if ($32 == "") { print "The clock floor (`tracefunc_floor clocks`): no data (" $38 ")."; next }
		printf "The clock floor (`tracefunc_floor clocks`, CPU %s): one `__rdtsc()` takes %.2f ns [%.2f, %.2f]\n", $7, $32, $33, $34
		printf "and one `clock_gettime(CLOCK_MONOTONIC)` %.2f ns [%.2f, %.2f] (median over the rounds of each\n", $35, $36, $37
		printf "run'"'"'s median of 21 batches of 10^6; %d of %d runs ok): back to back, two TSC reads take\n", $8 - $9, $8
		printf "%.1f ns. latency and log read the TSC at the entry and at the exit of every call; the floor\n", 2 * $32
		printf "row above (`probe/floor`, hooks that do nothing else) is what those two reads cost a call in\n"
		printf "the workload, and no timed mode can cost less. uftrace reads `clock_gettime` instead, twice\n"
		printf "per call.\n"
	}' "$RESULTS_DIR/tracefunc_summary.csv"
	echo
	echo "Targets: costs per call and ratios paired by round, median [p25, p75] over the rounds;"
	echo "\"value\" is the ratio of the two median costs (ratios) or the lowest completeness (counts)."
	echo "PASS when even the quartile farther from the target meets it, FAIL when even the nearer one"
	echo "misses it, \"within noise\" in between; a row without a target states what was measured. The"
	echo "TSC floor (two \`rdtsc\` per call, measured in the same run) stands beside the timed modes."
	echo
	echo "| target | configuration (against) | value | median [p25, p75] | target | TSC floor, ns per call | result |"
	echo "|---|---|---:|---:|---|---:|---|"
	awk -F, 'NR > 1 {
		unit = $3 == "cost_ns_per_call" ? " ns" : $3 == "counts_match" ? "" : "x"
		fmt = $3 == "counts_match" ? "%s [%s, %s]" : $3 == "cost_ns_per_call" ? \
		      "%+.2f [%+.2f, %+.2f]" : "%.2f [%.2f, %.2f]"
		value = $6 == "" ? "-" : sprintf(fmt, $6, $7, $8) unit
		printf "| %s | %s%s | %s | %s | %s | %s | %s |\n", $1, $2, $4 == "" ? "" : " (" $4 ")",
		       $5 == "" ? "-" : $5 ($3 == "counts_match" ? "" : "x"), value,
		       $10 == "" ? "-" : $10 unit, $11 == "" ? "-" : $11, $12
	}' "$RESULTS_DIR/tracefunc_targets.csv"
	echo
}

# The plots plot.sh draws: name|what it shows and how to read it (the caption under it in REPORT.md)
PLOTS="cost_per_event|**What one event costs**: each technique's time per event (median, bars p25 to p75, log scale) beside its floor measured in the same run; lower is better
overhead_vs_rate|**Overhead against event rate**: how much slower the workload runs traced, in %, as its event rate rises, one line per technique and target (log-log); lower is better
precision|**Precision**: a sampled profile's distance to the true one against the samples taken (TVD), the error of measured latencies, and what the exact tracers saw of the calls and their arguments
frontier|**Overhead against precision**: one point per technique and mode (per rate for samplers); up and to the left is better"
# and those of the section files: NAME_PLOTS, in the same form
for name in $SECTION_FILES; do
	v=${name^^}_PLOTS
	[ -z "${!v:-}" ] || PLOTS+=$'\n'"${!v}"
done

# plots_report: each plot plot.sh drew, as an image with its caption; those not drawn and why
plots_report()
{
	local name caption missing
	echo "## Plots"
	echo
	if [ -n "$plot_error" ]; then
		echo "Not all drawn: $plot_error."
		echo
	fi
	while IFS='|' read -r name caption; do
		[ -e "$RESULTS_DIR/$name.svg" ] || continue
		echo "![$name]($name.svg)"
		echo
		echo "$caption. ([PNG]($name.png))"
		echo
	done <<<"$PLOTS"
	missing=$(sed -n 's/^plot.sh: \(.* not drawn: \)/- \1/p' "$TMP/plot.err" 2>/dev/null || true)
	if [ -n "$missing" ]; then
		echo "Not drawn (this run wrote no data for them):"
		echo
		echo "$missing"
		echo
	fi
}

report()
{
	local titles=() title
	section floors && titles+=("floors")
	section idle && titles+=("idle cost of instrumentation points")
	section hit && titles+=("per-hit cost of a traced USDT probe")
	section ptrace && titles+=("ptrace stops")
	section vmreadv && titles+=("process_vm_readv sampling")
	section signal && titles+=("signal sampling")
	section tracefunc && titles+=("per-call hooks")
	section rates && titles+=("overhead against event rate")
	section precision && titles+=("precision")
	section commands && titles+=("whole commands")
	section peers && titles+=("peers side by side")
	section threads && titles+=("thread scaling")
	section attach && titles+=("attach and detach")
	section placement && titles+=("CPU placement")
	title=$(IFS=';' && echo "${titles[*]}")
	echo "# tracebench: ${title//;/, }"
	echo
	echo "Run $STAMP on $(sed -n 's/^cpu=//p' "$RESULTS_DIR/env.txt"), kernel $(uname -r)." \
		"Command: \`$COMMAND\`."
	echo
	costs_report
	plots_report
	if section floors; then floors_report; fi
	if section idle; then report_idle; fi
	if section hit; then report_hit; fi
	if section ptrace; then report_ptrace; fi
	if section vmreadv; then report_vmreadv; fi
	if section signal; then report_signal; fi
	if section tracefunc; then report_tracefunc; fi
	if section rates; then rates_report; fi
	if section precision; then precision_report; fi
	if section commands; then commands_report; fi
	if section peers; then peers_report; fi
	if section threads; then threads_report; fi
	if section attach; then attach_report; fi
	if section placement; then placement_report; fi
}
report >"$RESULTS_DIR/REPORT.md"
cat "$RESULTS_DIR/REPORT.md"
echo
echo "bench: results in $RESULTS_DIR" >&2
exit
}
