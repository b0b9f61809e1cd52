#!/usr/bin/env bash
# bench.sh - make bench: the idle cost of each instrumentation point, and the per-hit cost of a traced USDT probe
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
# Writes results/<host>/<timestamp>/ (see results/README.md).
#
# Environment: OUT (build dir, default build), FULL=1 (more rounds and calls),
# BENCH_CPU (CPU to pin the workload to, default the last one), TRACER_CPU
# (CPU for tb-usdt and bpftrace, default another one), RESULTS_DIR, and to
# override the presets ROUNDS, CALLS, HYPERFINE_RUNS, HIT_ROUNDS, HIT_CALLS.
set -euo pipefail

OUT=${OUT:-build}
if [ "${FULL:-0}" = 1 ]; then
	ROUNDS=${ROUNDS:-31}
	CALLS=${CALLS:-200000000}
	HYPERFINE_RUNS=${HYPERFINE_RUNS:-20}
	HIT_ROUNDS=${HIT_ROUNDS:-21}
	HIT_CALLS=${HIT_CALLS:-5000000}
	COMMAND="make bench FULL=1"
else
	ROUNDS=${ROUNDS:-11}
	CALLS=${CALLS:-50000000}
	HYPERFINE_RUNS=${HYPERFINE_RUNS:-10}
	HIT_ROUNDS=${HIT_ROUNDS:-7}
	HIT_CALLS=${HIT_CALLS:-1000000}
	COMMAND="make bench"
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

# The q-quantile of list[1..n] (linear interpolation), for the summaries' awk programs: an
# insertion sort, portable to mawk, and n is small.
AWK_QUANTILE='
function quantile(list, n, q,    sorted, i, j, x, pos, lo) {
	for (i = 1; i <= n; i++) {
		x = list[i]
		for (j = i - 1; j >= 1 && sorted[j] > x; j--) sorted[j + 1] = sorted[j]
		sorted[j + 1] = x
	}
	pos = 1 + (n - 1) * q; lo = int(pos)
	return lo >= n ? sorted[n] : sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo])
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

program_of() { [ "$1" = plain ] && echo workload || echo "workload-$1"; }

for bin in $(cut -d'|' -f1 <<<"$CONFIGS" | sort -u | while read -r v; do program_of "$v"; done) \
	tests/uprobe_count tests/json_get tb-usdt; do
	[ -x "$OUT/$bin" ] || die "$OUT/$bin is missing: run make first"
done
command -v hyperfine >/dev/null || die "hyperfine is missing: run ./setup.sh as root"

# Who can trace here. A tracer that cannot run gives "skipped: why" rows, never numbers.
skip_tb_usdt=
if ! why=$("$OUT/tb-usdt" --check 2>&1); then
	skip_tb_usdt="skipped: tb-usdt --check says: $(tr '\n,' ' ;' <<<"$why" | sed 's/ *$//')"
fi
# bpftrace 0.17 detaches uprobes through tracefs; it gets its own, in a private mount namespace,
# so the machine's mounts stay as they are.
BPFTRACE_MOUNT='mount -t tracefs nodev /sys/kernel/tracing'
skip_bpftrace=
if ! command -v bpftrace >/dev/null; then
	skip_bpftrace="skipped: bpftrace not installed"
elif ! command -v unshare >/dev/null || ! unshare -m sh -c "$BPFTRACE_MOUNT" 2>/dev/null; then
	skip_bpftrace="skipped: cannot mount tracefs in a private mount namespace (unshare -m)"
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
	echo "placement=workload pinned to CPU $BENCH_CPU (taskset); nothing else pinned"
	echo "rounds=$ROUNDS"
	echo "calls_per_thread=$CALLS"
	echo "hit_placement=workload started on CPU $TRACER_CPU, moved to CPU $BENCH_CPU" \
		"(taskset -a -p) while it waits at its start gate, then released; tb-usdt and bpftrace" \
		"pinned to CPU $TRACER_CPU (taskset)"
	echo "hit_rounds=$HIT_ROUNDS"
	echo "hit_calls_per_thread=$HIT_CALLS"
	echo "tb_usdt=${skip_tb_usdt:-$("$OUT/tb-usdt" --check 2>&1 | head -n1)}"
	echo "bpftrace=${skip_bpftrace:-$(bpftrace --version | cut -d' ' -f2), in unshare -m with a private tracefs}"
	echo "gcc=$(gcc -dumpfullversion 2>/dev/null || echo none)"
	echo "hyperfine=$(hyperfine --version | cut -d' ' -f2)"
	echo "git=$(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet 2>/dev/null || echo -dirty)"
} >"$RESULTS_DIR/env.txt"

# ---- interleaved probe-loop runs ----------------------------------------------------------

nconf=$(wc -l <<<"$CONFIGS")
total=$((ROUNDS * nconf))
echo "round,variant,leaf,program,calls_per_thread,ns_per_call" >"$RESULTS_DIR/idle_raw.csv"
echo "bench: idle cost of instrumentation points: $ROUNDS interleaved rounds of $nconf configurations," \
	"$CALLS calls each, on CPU $BENCH_CPU" >&2
start=$(date +%s)
k=0
for round in $(seq 1 "$ROUNDS"); do
	while IFS='|' read -r variant leaf _; do
		k=$((k + 1))
		program=$(program_of "$variant")
		taskset -c "$BENCH_CPU" "$OUT/$program" -q -L "$CALLS" -k "$leaf" -o "$TMP/t.json" ||
			die "$program -L $CALLS -k $leaf failed"
		ns=$("$OUT/tests/json_get" "$TMP/t.json" loop.ns_per_call) ||
			die "$TMP/t.json has no loop.ns_per_call"
		echo "$round,$variant,$leaf,$program,$CALLS,$ns" >>"$RESULTS_DIR/idle_raw.csv"
		progress "$variant/$leaf" "$round" "$ROUNDS"
	done < <(rotated "$CONFIGS" "$round")
done
echo >&2

# ---- summary: medians and paired differences against the baseline of the same round ------

awk -F, -v configs="$CONFIGS" "$AWK_QUANTILE"'
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

# ---- per-hit cost of a traced USDT probe ---------------------------------------------------

# x86-64: the workload waits at its start gate in read(2), system call 0, on descriptor 3.
at_gate()
{
	local nr fd
	read -r nr fd _ 2>/dev/null <"/proc/$1/syscall" || return 1
	[ "$nr" = 0 ] && [ "$fd" = 0x3 ]
}

pinned_to_bench_cpu()
{
	local f
	for f in /proc/"$1"/task/*/status; do
		[ "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$f" 2>/dev/null)" = "$BENCH_CPU" ] ||
			return 1
	done
}

# run_gated PROGRAM LOG COMMAND...: runs COMMAND on TRACER_CPU with a new FIFO as descriptor 3,
# which the workload PROGRAM (COMMAND itself, or its child) reads as its start gate (-g 3). A
# tracer started with it attaches before it lets the program exec, so once the program waits at
# the gate the probes are in place: it is moved to BENCH_CPU, every thread, and released. Attach,
# exec and the move lie outside its timed loop, and the tracer never shares its CPU. Sets
# run_status (COMMAND's exit status) and run_error (empty, or why the loop never started).
run_gated()
{
	local program=$1 log=$2 pid target='' c tries=0
	shift 2
	rm -f "$TMP/gate"
	mkfifo "$TMP/gate"
	exec 4<>"$TMP/gate"
	taskset -c "$TRACER_CPU" "$@" 3<"$TMP/gate" 4>&- >"$log.out" 2>"$log.err" &
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
	if [ -n "$target" ] && ! { taskset -a -p -c "$BENCH_CPU" "$target" >/dev/null &&
		pinned_to_bench_cpu "$target"; }; then
		run_error="cannot move the workload to CPU $BENCH_CPU"
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

# hit_run ROUND VARIANT TRACER MODE: one probe-loop run, appended to hit_raw.csv. A run whose
# tracer counted other than HIT_CALLS hits failed: its row says so and no summary uses it.
hit_run()
{
	local round=$1 variant=$2 tracer=$3 mode=$4 program status=ok ns='' counted='' optimised='' cpu=''
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
start=$(date +%s)
k=0
for round in $(seq 1 "$HIT_ROUNDS"); do
	while IFS='|' read -r variant tracer mode; do
		k=$((k + 1))
		hit_run "$round" "$variant" "$tracer" "$mode"
		progress "$variant/$tracer${mode:+/$mode}" "$round" "$HIT_ROUNDS"
	done < <(rotated "$HIT_RUN" "$round")
done
echo >&2

# Summary: per configuration, its ns per call and its per-hit cost (minus its variant's untraced
# run of the same round), over the rounds where both runs succeeded.
awk -F, -v configs="$HIT_CONFIGS" -v skip_tb_usdt="$skip_tb_usdt" -v skip_bpftrace="$skip_bpftrace" "$AWK_QUANTILE"'
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

# The targets, from the medians of this run: numerator|denominator|comparison|target|name.
HIT_RATIOS="usdt/tb-usdt/count|usdt/tb-usdt/empty|<=|1.1|count vs empty program (int3)
usdt5/tb-usdt/count|usdt5/tb-usdt/empty|<=|1.1|count vs empty program (nop5)
usdt/tb-usdt/count|usdt/bpftrace/count|<=|1|tb-usdt vs bpftrace counting (int3)
usdt5/tb-usdt/count|usdt5/bpftrace/count|<=|1|tb-usdt vs bpftrace counting (nop5)
usdt5/tb-usdt/count|usdt/tb-usdt/count|<|1|nop5 vs int3 (tb-usdt counting)"

# Each ratio twice: of the two medians, and paired — the median over the rounds of the ratio of
# the two per-hit costs measured in the same round, which cancels drift between rounds. The
# verdict comes from the paired ratio's interquartile range: PASS if even its p75 meets the
# target, FAIL if even its p25 misses it, otherwise "within noise".
awk -F, -v ratios="$HIT_RATIOS" "$AWK_QUANTILE"'
function meets(v, cmp, target) { return cmp == "<" ? v < target : v <= target }
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
			pm = sprintf("%.3f", quantile(q, n, 0.5))
			p25 = sprintf("%.3f", quantile(q, n, 0.25))
			p75 = sprintf("%.3f", quantile(q, n, 0.75))
			if (meets(p75 + 0, f[3], f[4] + 0)) verdict = "PASS"
			else if (!meets(p25 + 0, f[3], f[4] + 0)) verdict = "FAIL"
			else verdict = "within noise: the paired median is " pm
		}
		printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%s %s,%s\n", f[5], num, den, cost[num], cost[den],
		       value, pm, p25, p75, n, f[3], f[4], verdict
	}
}' "$RESULTS_DIR/hit_summary.csv" "$RESULTS_DIR/hit_raw.csv" >"$RESULTS_DIR/hit_ratios.csv"

# ---- report --------------------------------------------------------------------------------

report()
{
	echo "# tracebench: idle cost of instrumentation points, per-hit cost of a traced USDT probe"
	echo
	echo "## Idle cost of instrumentation points"
	echo
	echo "Run $STAMP on $(sed -n 's/^cpu=//p' "$RESULTS_DIR/env.txt"), kernel $(uname -r)," \
		"$ROUNDS interleaved rounds of $CALLS calls, workload pinned to CPU $BENCH_CPU."
	echo "Idle cost = this configuration's ns per call minus its baseline's in the same round;"
	echo "median and interquartile range over the rounds. Command: \`$COMMAND\`."
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
}
report >"$RESULTS_DIR/REPORT.md"
cat "$RESULTS_DIR/REPORT.md"
echo
echo "bench: results in $RESULTS_DIR" >&2
