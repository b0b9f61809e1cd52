#!/usr/bin/env bash
# bench.sh - make bench: idle cost of instrumentation points, per-hit cost of traced probes, ptrace stops
#
# Idle cost: runs the workload's probe loop in every build variant,
# interleaved, pinned to one CPU, and reports the median time per call of each
# instrumentation point minus its baseline's in the same round (the plain
# build's, or for a method the plain build's method), plus hyperfine timings of
# the whole commands.
#
# Per-hit cost: runs the probe loop of workload-usdt (int3 site) and
# workload-usdt5 (nop5 site) untraced, under tb-usdt -m empty and -m count, and
# under bpftrace counting, interleaved; each traced run's time per call minus
# the untraced one of the same variant in the same round is the cost of a hit.
#
# ptrace: the floor (an int3 stop, PTRACE_GETREGS, PTRACE_CONT: build/ptrace_floor)
# with tracer and tracee on one CPU and on two; tb-ptrace's breakpoint per hit in
# both placements against that floor and against gdb's; tb-ptrace's system call
# stops against strace -c; and what --seccomp leaves of the untraced calls' cost.
#
# Writes results/<host>/<timestamp>/ (see results/README.md).
#
# Environment: OUT (build dir, default build), FULL=1 (more rounds and calls),
# SECTIONS (which sections to run, of "idle hit ptrace", default all),
# BENCH_CPU (CPU to pin the workload to, default the last one), TRACER_CPU
# (CPU for the tracers, default another one), RESULTS_DIR, and to override the
# presets ROUNDS, CALLS, HYPERFINE_RUNS, HIT_ROUNDS, HIT_CALLS, PTRACE_ROUNDS,
# PTRACE_HITS, PTRACE_HITS_CROSS, PTRACE_HITS_GDB, PTRACE_REQUESTS.
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
	COMMAND="make bench FULL=1"
else
	ROUNDS=${ROUNDS:-11}
	CALLS=${CALLS:-50000000}
	HYPERFINE_RUNS=${HYPERFINE_RUNS:-10}
	HIT_ROUNDS=${HIT_ROUNDS:-7}
	HIT_CALLS=${HIT_CALLS:-1000000}
	PTRACE_ROUNDS=${PTRACE_ROUNDS:-11}
	PTRACE_HITS=${PTRACE_HITS:-50000}
	PTRACE_HITS_CROSS=${PTRACE_HITS_CROSS:-5000}
	PTRACE_HITS_GDB=${PTRACE_HITS_GDB:-2000}
	PTRACE_REQUESTS=${PTRACE_REQUESTS:-20000}
	COMMAND="make bench"
fi
SECTIONS=$(tr ',' ' ' <<<"${SECTIONS:-idle hit ptrace}" | xargs)
[ -n "$SECTIONS" ] || SECTIONS="idle hit ptrace"
for name in $SECTIONS; do
	case $name in
	idle | hit | ptrace) ;;
	*) echo "bench: SECTIONS=$SECTIONS: no section $name; give some of: idle hit ptrace" >&2; exit 1 ;;
	esac
done
[ "$SECTIONS" != "idle hit ptrace" ] && COMMAND="SECTIONS='$SECTIONS' $COMMAND"
# section NAME: whether this run measures section NAME
section() { [[ " $SECTIONS " == *" $1 "* ]]; }
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

# awk functions the summaries share: the q-quantile of list[1..n] (linear interpolation; an
# insertion sort, portable to mawk, and n is small), and the verdict of a paired ratio.
AWK_STATS='
function quantile(list, n, q,    sorted, i, j, x, pos, lo) {
	for (i = 1; i <= n; i++) {
		x = list[i]
		for (j = i - 1; j >= 1 && sorted[j] > x; j--) sorted[j + 1] = sorted[j]
		sorted[j + 1] = x
	}
	pos = 1 + (n - 1) * q; lo = int(pos)
	return lo >= n ? sorted[n] : sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo])
}
function meets(v, cmp, target) { return cmp == "<" ? v < target : v <= target }
# paired_verdict(Q, N, CMP, TARGET): sets pm, p25 and p75 (formatted) from the paired ratios
# Q[1..N]; PASS if even p75 meets "CMP TARGET", FAIL if even p25 misses it, else within noise
function paired_verdict(q, n, cmp, target) {
	pm = sprintf("%.3f", quantile(q, n, 0.5))
	p25 = sprintf("%.3f", quantile(q, n, 0.25))
	p75 = sprintf("%.3f", quantile(q, n, 0.75))
	if (meets(p75 + 0, cmp, target + 0)) return "PASS"
	if (!meets(p25 + 0, cmp, target + 0)) return "FAIL"
	return "within noise: the paired median is " pm
}'

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

# run_rounds ROUNDS LIST NAMED FN: ROUNDS rounds over the configurations of LIST (one a line,
# fields separated by |), their order rotated each round; FN ROUND FIELD... runs one. The
# progress line names a configuration by its first NAMED fields that are not empty.
run_rounds()
{
	local rounds=$1 list=$2 named=$3 fn=$4 round line name i
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
		done < <(rotated "$list" "$round")
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

# Per-hit cost: variant|tracer|mode|what it measures. Every configuration runs the probe loop
# (-k probe) and is compared with its variant's untraced run in the same round.
HIT_CONFIGS="usdt|untraced||the baseline: bare 1-byte-nop site (int3 when traced) and nobody attached
usdt|tb-usdt|empty|int3 path: the uprobe trap and tb-usdt's empty BPF program
usdt|tb-usdt|count|int3 path: the uprobe trap and tb-usdt's counting program
usdt|bpftrace|count|int3 path: the uprobe trap and bpftrace's @c = count()
usdt5|untraced||the baseline: bare 5-byte-nop site (optimisable) and nobody attached
usdt5|tb-usdt|empty|nop5 path: the uprobe (optimised if the kernel can) and tb-usdt's empty BPF program
usdt5|tb-usdt|count|nop5 path: the uprobe (optimised if the kernel can) and tb-usdt's counting program
usdt5|bpftrace|count|nop5 path: the uprobe (optimised if the kernel can) and bpftrace's @c = count()"

# The per-hit section's targets, from the medians of its run:
# numerator|denominator|comparison|target|name.
HIT_RATIOS="usdt/tb-usdt/count|usdt/tb-usdt/empty|<=|1.1|count vs empty program (int3)
usdt5/tb-usdt/count|usdt5/tb-usdt/empty|<=|1.1|count vs empty program (nop5)
usdt/tb-usdt/count|usdt/bpftrace/count|<=|1|tb-usdt vs bpftrace counting (int3)
usdt5/tb-usdt/count|usdt5/bpftrace/count|<=|1|tb-usdt vs bpftrace counting (nop5)
usdt5/tb-usdt/count|usdt/tb-usdt/count|<|1|nop5 vs int3 (tb-usdt counting)"

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

program_of() { [ "$1" = plain ] && echo workload || echo "workload-$1"; }

needed="tests/uprobe_count tests/json_get"
section idle && needed+=" $(cut -d'|' -f1 <<<"$CONFIGS" | sort -u | while read -r v; do program_of "$v"; done)"
section hit && needed+=" workload-usdt workload-usdt5 tb-usdt"
section ptrace && needed+=" workload tb-ptrace ptrace_floor"
for bin in $needed; do
	[ -x "$OUT/$bin" ] || die "$OUT/$bin is missing: run make first"
done
section idle && { command -v hyperfine >/dev/null || die "hyperfine is missing: run ./setup.sh as root"; }

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
trap 'rm -rf "$TMP"' EXIT

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
optimised=$("$OUT/tests/uprobe_count" tracebench:loop_probe -- "$OUT/workload-usdt5" -q -L 200000 \
	-k probe 2>/dev/null | sed -n 's/.*trampoline=\([a-z]*\).*/\1/p')
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
		echo "ptrace_scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo none)"
		echo "gdb=${skip_gdb:-$(gdb --version | sed -n '1s/.* //p')}"
		echo "strace=${skip_strace:-$(strace -V | sed -n '1s/.* //p')}"
	fi
	echo "gcc=$(gcc -dumpfullversion 2>/dev/null || echo none)"
	echo "hyperfine=$(command -v hyperfine >/dev/null && hyperfine --version | cut -d' ' -f2 || echo none)"
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
	run_error=
	while [ -z "$target" ]; do
		for c in "$pid" $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
			if [ "$(readlink /proc/"$c"/exe 2>/dev/null)" = "$program" ] && at_gate "$c"; then
				target=$c
			fi
		done
		if [ -n "$target" ]; then
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
	rm -f "$TMP/gate"
}

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
	echo "bench: hyperfine, whole commands, $HYPERFINE_RUNS runs each ($HF_CALLS calls per run)" >&2
	hyperfine -N --style basic --warmup 2 --runs "$HYPERFINE_RUNS" \
		--export-json "$RESULTS_DIR/hyperfine_idle.json" "${hf_args[@]}" >"$RESULTS_DIR/hyperfine_idle.txt" 2>&1 ||
		die "hyperfine failed: see $RESULTS_DIR/hyperfine_idle.txt"
fi

# ---- per-hit cost of a traced USDT probe ---------------------------------------------------

# hit_run ROUND VARIANT TRACER MODE: one probe-loop run, appended to hit_raw.csv. A run whose
# tracer counted other than HIT_CALLS hits failed: its row says so and no summary uses it.
hit_run()
{
	local round=$1 variant=$2 tracer=$3 mode=${4:-} program status=ok ns='' counted='' optimised='' cpu=''
	local args=(-q -L "$HIT_CALLS" -k probe -o "$TMP/truth.json" -g 3) log=$TMP/run
	program=$(realpath "$OUT/workload-$variant")
	rm -f "$TMP/truth.json" "$TMP/result.json"
	case $tracer in
	untraced) run_gated "$program" "$log" "$program" "${args[@]}" ;;
	tb-usdt)
		run_gated "$program" "$log" "$OUT/tb-usdt" -m "$mode" -o "$TMP/result.json" \
			tracebench:loop_probe -- "$program" "${args[@]}"
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
		optimised=$("$OUT/tests/json_get" "$TMP/result.json" \
			'probes.tracebench:loop_probe.sites_optimised' 2>/dev/null) || optimised=
		cpu=$("$OUT/tests/json_get" "$TMP/result.json" tracer_cpu_ns 2>/dev/null) || cpu=
		if [ "$mode" = count ]; then
			counted=$("$OUT/tests/json_get" "$TMP/result.json" \
				'counts.tracebench:loop_probe' 2>/dev/null) || counted=
		fi
	elif [ "$tracer" = bpftrace ]; then
		counted=$(sed -n 's/^@c: //p' "$log.out")
	fi
	if [ "$status" = ok ] && [ "$mode" = count ] && [ "$counted" != "$HIT_CALLS" ]; then
		status="failed: $tracer counted ${counted:-nothing} of $HIT_CALLS hits"
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $variant/$tracer${mode:+/$mode}: $status"
			cat "$log.out" "$log.err"
		} >>"$RESULTS_DIR/hit_failures.txt"
	fi
	echo "$round,$variant,$tracer,$mode,workload-$variant,$HIT_CALLS,$ns,$counted,$optimised,$cpu,$status" \
		>>"$RESULTS_DIR/hit_raw.csv"
}

if section hit; then
	GATE_TRACER_CPU=$TRACER_CPU
	GATE_TARGET_CPU=$BENCH_CPU
	# Configurations whose tracer cannot run here are not run; the summary says why.
	HIT_RUN=$(cut -d'|' -f1-3 <<<"$HIT_CONFIGS")
	[ -n "$skip_tb_usdt" ] && HIT_RUN=$(grep -v '^[^|]*|tb-usdt|' <<<"$HIT_RUN")
	[ -n "$skip_bpftrace" ] && HIT_RUN=$(grep -v '^[^|]*|bpftrace|' <<<"$HIT_RUN")
	nhit=$(wc -l <<<"$HIT_RUN")
	total=$((HIT_ROUNDS * nhit))
	echo "round,variant,tracer,mode,program,calls_per_thread,ns_per_call,probe_hits_counted," \
		"sites_optimised,tracer_cpu_ns,status" | tr -d ' ' >"$RESULTS_DIR/hit_raw.csv"
	echo "bench: per-hit cost of a traced USDT probe: $HIT_ROUNDS interleaved rounds of $nhit" \
		"configurations, $HIT_CALLS hits each, workload on CPU $BENCH_CPU, tracers on CPU $TRACER_CPU" >&2
	run_rounds "$HIT_ROUNDS" "$HIT_RUN" 3 hit_run

	# Summary: per configuration, its ns per call and its per-hit cost (minus its variant's untraced
	# run of the same round), over the rounds where both runs succeeded.
	awk -F, -v configs="$HIT_CONFIGS" -v skip_tb_usdt="$skip_tb_usdt" -v skip_bpftrace="$skip_bpftrace" "$AWK_STATS"'
	NR == 1 { next }
	{
		name = $2 "/" $3 "/" $4
		runs[name]++
		if ($1 > nround) nround = $1
		if ($11 != "ok") { failed[name]++; next }
		ns[name, $1] = $7
		if ($9 != "" && $9 + 0 > 0) optimised[name]++
	}
	END {
		nconf = split(configs, lines, "\n")
		print "variant,tracer,mode,program,runs,runs_failed,median_ns_per_call,p25_ns_per_call," \
		      "p75_ns_per_call,per_hit_cost_ns,per_hit_cost_p25_ns,per_hit_cost_p75_ns," \
		      "runs_sites_optimised,status,description"
		for (c = 1; c <= nconf; c++) {
			split(lines[c], f, "|")
			name = f[1] "/" f[2] "/" f[3]
			base = f[1] "/untraced/"
			skip = f[2] == "tb-usdt" ? skip_tb_usdt : f[2] == "bpftrace" ? skip_bpftrace : ""
			if (skip != "") {
				printf "%s,%s,%s,workload-%s,0,0,,,,,,,,%s,\"%s\"\n", f[1], f[2], f[3], f[1], skip, f[4]
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
				       quantile(v, n, 0.75), quantile(d, n, 0.5), quantile(d, n, 0.25),
				       quantile(d, n, 0.75)
			else
				printf ",,,,,,"
			printf "%s,%s,\"%s\"\n", f[2] == "tb-usdt" ? optimised[name] + 0 : "", status, f[4]
		}
	}' "$RESULTS_DIR/hit_raw.csv" >"$RESULTS_DIR/hit_summary.csv"

	# Each ratio twice: of the two medians, and paired — the median over the rounds of the ratio of
	# the two per-hit costs measured in the same round, which cancels drift between rounds. The
	# verdict comes from the paired ratio's interquartile range: PASS if even its p75 meets the
	# target, FAIL if even its p25 misses it, otherwise "within noise".
	awk -F, -v ratios="$HIT_RATIOS" "$AWK_STATS"'
	FNR == 1 { next }
	FILENAME ~ /hit_summary/ {
		name = $1 "/" $2 "/" $3
		cost[name] = $10
		why[name] = $10 == "" ? ($14 ~ /^skipped/ ? $14 : "no data: " name " " $14) : ""
		next
	}
	$11 == "ok" {
		ns[$2 "/" $3 "/" $4, $1] = $7
		if ($1 > nround) nround = $1
	}
	END {
		print "ratio,numerator,denominator,numerator_per_hit_cost_ns,denominator_per_hit_cost_ns," \
		      "value,paired_median,paired_p25,paired_p75,rounds_paired,target,verdict"
		nratio = split(ratios, lines, "\n")
		for (i = 1; i <= nratio; i++) {
			split(lines[i], f, "|")
			num = f[1]; den = f[2]
			split(num, a, "/"); split(den, b, "/")
			nbase = a[1] "/untraced/"; dbase = b[1] "/untraced/"
			n = 0
			for (r = 1; r <= nround; r++) {
				if (!((num, r) in ns) || !((den, r) in ns) || !((nbase, r) in ns) || !((dbase, r) in ns))
					continue
				dc = ns[den, r] - ns[dbase, r]
				if (dc <= 0) continue
				q[++n] = (ns[num, r] - ns[nbase, r]) / dc
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
	esac
	[ "$3" != cross-cpu ] || echo "$skip_cross"
}

# ptrace_run ROUND MEASURE TRACER PLACEMENT: one run of the ptrace section, appended to
# ptrace_raw.csv. A breakpoint run whose tracer counted other than its calls, or a system call
# run whose tracer saw fewer than the hot phase made, failed: its row says so and no summary
# uses it.
ptrace_run()
{
	local round=$1 measure=$2 tracer=$3 placement=$4 status=ok events='' counted='' wall='' ns=''
	local cpu='' tracer_cpu=$BENCH_CPU log=$TMP/pt program args=() reads writes
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
	tb-ptrace | tb-ptrace-seccomp)
		if [ -s "$TMP/result.json" ]; then
			cpu=$("$OUT/tests/json_get" "$TMP/result.json" tracer_cpu_ns 2>/dev/null) || cpu=
			case $measure/$tracer in
			break/*)
				counted=$("$OUT/tests/json_get" "$TMP/result.json" \
					counts.loop_leaf_empty 2>/dev/null) || counted=
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
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $measure/$tracer/$placement: $status"
			cat "$log".* 2>/dev/null
		} >>"$RESULTS_DIR/ptrace_failures.txt"
	fi
	[ "$tracer" != untraced ] || tracer_cpu=
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$round" "$measure" "$tracer" "$placement" \
		"$tracer_cpu" "$BENCH_CPU" "$events" "$counted" "$wall" "$ns" "$cpu" "$status" \
		>>"$RESULTS_DIR/ptrace_raw.csv"
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
		"hot_wall_ns,ns_per_event,tracer_cpu_ns,status" | tr -d ' ' >"$RESULTS_DIR/ptrace_raw.csv"
	echo "bench: ptrace stops: $PTRACE_ROUNDS interleaved rounds of $nptrace configurations," \
		"tracee on CPU $BENCH_CPU, tracer on the same CPU or on CPU $TRACER_CPU" >&2
	run_rounds "$PTRACE_ROUNDS" "$PTRACE_RUN" 3 ptrace_run

	# Summary: per configuration, its ns per event and its cost per event (minus its baseline's
	# run of the same round, over the rounds where both succeeded; the floor's cost is its time).
	awk -F, -v configs="$PTRACE_CONFIGS" -v skips="$PTRACE_SKIPS" "$AWK_STATS"'
	NR == 1 { next }
	{
		name = $2 "/" $3 "/" $4
		runs[name]++
		if ($1 > nround) nround = $1
		tcpu[name] = $5; wcpu[name] = $6
		if ($12 != "ok") { failed[name]++; next }
		ns[name, $1] = $10
		events[name] = $7
		if ($11 != "") tracer_ns[name, $1] = $11 / $7
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
		      "tracer_cpu_ns_per_event,status,description"
		for (c = 1; c <= nconf; c++) {
			split(lines[c], f, "|")
			name = f[1] "/" f[2] "/" f[3]; base = f[4]
			if (name in skipped) {
				printf "%s,%s,%s,,,0,0,,,,,%s,,,,,%s,\"%s\"\n", f[1], f[2], f[3], base,
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
			printf "%s,%s,\"%s\"\n", m ? sprintf("%.1f", quantile(t, m, 0.5)) : "", status, f[5]
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
		why[name] = $9 == "" ? ($17 ~ /^skipped/ ? $17 : "no data: " name " " $17) : ""
		next
	}
	$12 == "ok" {
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
	echo "$HIT_ROUNDS interleaved rounds (the order rotated each round) of $HIT_CALLS hits of"
	echo "\`tracebench:loop_probe\`: \`workload-usdt -q -L $HIT_CALLS -k probe\` (int3 site) and the same on"
	echo "\`workload-usdt5\` (nop5 site), untraced, under \`tb-usdt -m empty\` and \`-m count\`, and under"
	echo "bpftrace's \`@c = count()\` (bpftrace $(sed -n 's/^bpftrace=//p' "$RESULTS_DIR/env.txt"))."
	echo "The workload ran on CPU $BENCH_CPU, the tracers on CPU $TRACER_CPU: the workload starts there,"
	echo "waits at its start gate until the tracer has attached, is moved to CPU $BENCH_CPU and released."
	echo "Per-hit cost = a traced run's ns per call minus the untraced run's of the same variant in the"
	echo "same round; median and interquartile range over the rounds. Every counting run's count was"
	echo "checked against $HIT_CALLS: a failed run is left out and listed in \`hit_failures.txt\`."
	echo
	echo "| configuration | runs ok | ns per call (median) | per-hit cost, ns (median [p25, p75]) | site optimised | what it is |"
	echo "|---|---:|---:|---:|---|---|"
	awk -F, 'NR > 1 {
		desc = $0; sub(/^[^"]*"/, "", desc); sub(/"$/, "", desc)
		name = $1 "/" $2 ($3 == "" ? "" : "/" $3)
		if ($14 ~ /^skipped/) { printf "| %s | %s | | | | %s |\n", name, $14, desc; next }
		opt = $2 == "tb-usdt" ? $13 " of " ($5 - $6) " runs" : $2 == "untraced" ? "-" : "not reported"
		if ($7 == "") { printf "| %s | 0 of %d (%s) | | | %s | %s |\n", name, $5, $14, opt, desc; next }
		printf "| %s | %d of %d | %.2f | %+.2f [%+.2f, %+.2f] | %s | %s |\n", name, $5 - $6, $5,
		       $7, $10, $11, $12, opt, desc
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
	echo "  counted must equal N. \`tb-ptrace break loop_leaf_empty -- COMMAND\`; gdb:"
	echo "  \`gdb -batch\` with \`break *loop_leaf_empty\`, \`commands\` / \`silent\` / \`continue\` / \`end\`, \`run\`."
	echo "- syscall: \`workload -q -r $PTRACE_REQUESTS -s 0\`, $((2 * PTRACE_REQUESTS)) system calls in its hot"
	echo "  phase (a \`pread64\` and a \`writev\` per request); \`tb-ptrace syscall -- COMMAND\`,"
	echo "  \`strace -c -f\`, \`tb-ptrace syscall --seccomp -e openat\` (no \`openat\` in the hot phase)."
	echo
	echo "ns per event = the workload's hot-phase wall time / events (the floor: its own timing of the"
	echo "stops). Cost per event = that minus the baseline's (\`alone\`) in the same round; the"
	echo "floor's cost is its time. Median and interquartile range over the rounds; failed runs are"
	echo "left out and listed in \`ptrace_failures.txt\`. Tracer CPU: tb-ptrace's own CPU time per event."
	echo
	echo "| configuration | CPUs (tracer, tracee) | runs ok | events per run | ns per event (median) | cost per event, ns (median [p25, p75]) | tracer CPU, ns per event | what it is |"
	echo "|---|---|---:|---:|---:|---:|---:|---|"
	awk -F, 'NR > 1 {
		desc = $0; sub(/^[^"]*"/, "", desc); sub(/"$/, "", desc)
		name = $1 "/" $2 "/" $3
		cpus = $4 == "" ? ($5 == "" ? "-" : "-, " $5) : $4 ", " $5
		if ($17 ~ /^skipped/) { printf "| %s | - | %s | | | | | %s |\n", name, $17, desc; next }
		if ($9 == "") { printf "| %s | %s | 0 of %d (%s) | | | | | %s |\n", name, cpus, $6, $17, desc; next }
		printf "| %s | %s | %d of %d | %s | %.1f | %+.1f [%+.1f, %+.1f] | %s | %s |\n", name, cpus,
		       $6 - $7, $6, $8, $9, $13, $14, $15, $16 == "" ? "-" : $16, desc
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

report()
{
	local titles=() title
	section idle && titles+=("idle cost of instrumentation points")
	section hit && titles+=("per-hit cost of a traced USDT probe")
	section ptrace && titles+=("ptrace stops")
	title=$(IFS=';' && echo "${titles[*]}")
	echo "# tracebench: ${title//;/, }"
	echo
	echo "Run $STAMP on $(sed -n 's/^cpu=//p' "$RESULTS_DIR/env.txt"), kernel $(uname -r)." \
		"Command: \`$COMMAND\`."
	echo
	if section idle; then report_idle; fi
	if section hit; then report_hit; fi
	if section ptrace; then report_ptrace; fi
}
report >"$RESULTS_DIR/REPORT.md"
cat "$RESULTS_DIR/REPORT.md"
echo
echo "bench: results in $RESULTS_DIR" >&2
