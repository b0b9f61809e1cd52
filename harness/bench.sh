#!/usr/bin/env bash
# bench.sh - make bench: the idle cost of each instrumentation point, measured against the plain build
#
# Runs the workload's probe loop in every build variant, interleaved, pinned to
# one CPU, and reports the median time per call of each instrumentation point
# minus its baseline's in the same round (the plain build's, or for a method
# the plain build's method), plus hyperfine timings of the whole commands.
# Writes results/<host>/<timestamp>/ (see results/README.md).
#
# Environment: OUT (build dir, default build), FULL=1 (more rounds and calls),
# BENCH_CPU (CPU to pin to, default the last one), RESULTS_DIR, and to override
# the presets ROUNDS, CALLS, HYPERFINE_RUNS.
set -euo pipefail

OUT=${OUT:-build}
if [ "${FULL:-0}" = 1 ]; then
	ROUNDS=${ROUNDS:-31}
	CALLS=${CALLS:-200000000}
	HYPERFINE_RUNS=${HYPERFINE_RUNS:-20}
	COMMAND="make bench FULL=1"
else
	ROUNDS=${ROUNDS:-11}
	CALLS=${CALLS:-50000000}
	HYPERFINE_RUNS=${HYPERFINE_RUNS:-10}
	COMMAND="make bench"
fi
NCPU=$(nproc)
BENCH_CPU=${BENCH_CPU:-$((NCPU - 1))}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR=${RESULTS_DIR:-results/$(hostname -s)/$STAMP}

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

program_of() { [ "$1" = plain ] && echo workload || echo "workload-$1"; }

for bin in $(cut -d'|' -f1 <<<"$CONFIGS" | sort -u | while read -r v; do program_of "$v"; done) \
	tests/uprobe_count tests/json_get; do
	[ -x "$OUT/$bin" ] || die "$OUT/$bin is missing: run make first"
done
command -v hyperfine >/dev/null || die "hyperfine is missing: run ./setup.sh as root"
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
	# Rotate the order each round so no configuration always runs first or last.
	while IFS='|' read -r variant leaf _; do
		k=$((k + 1))
		program=$(program_of "$variant")
		taskset -c "$BENCH_CPU" "$OUT/$program" -q -L "$CALLS" -k "$leaf" -o "$TMP/t.json" ||
			die "$program -L $CALLS -k $leaf failed"
		ns=$("$OUT/tests/json_get" "$TMP/t.json" loop.ns_per_call) ||
			die "$TMP/t.json has no loop.ns_per_call"
		echo "$round,$variant,$leaf,$program,$CALLS,$ns" >>"$RESULTS_DIR/idle_raw.csv"
		elapsed=$(($(date +%s) - start))
		printf '\r[%d/%d] %-18s round %d/%d  ETA %ds   ' "$k" "$total" "$variant/$leaf" "$round" "$ROUNDS" \
			$((elapsed * (total - k) / k)) >&2
	done < <(tail -n +$((round % nconf + 1)) <<<"$CONFIGS"; head -n $((round % nconf)) <<<"$CONFIGS")
done
echo >&2

# ---- summary: medians and paired differences against the baseline of the same round ------

awk -F, -v configs="$CONFIGS" '
function quantile(list, n, q,    sorted, i, j, x, pos, lo) {
	for (i = 1; i <= n; i++) {	# insertion sort: portable to mawk, n is small
		x = list[i]
		for (j = i - 1; j >= 1 && sorted[j] > x; j--) sorted[j + 1] = sorted[j]
		sorted[j + 1] = x
	}
	pos = 1 + (n - 1) * q; lo = int(pos)
	return lo >= n ? sorted[n] : sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo])
}
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

# ---- report --------------------------------------------------------------------------------

report()
{
	echo "# tracebench: idle cost of instrumentation points"
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
}
report >"$RESULTS_DIR/REPORT.md"
cat "$RESULTS_DIR/REPORT.md"
echo
echo "bench: results in $RESULTS_DIR" >&2
