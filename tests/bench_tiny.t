#!/usr/bin/env bash
# bench_tiny.t - `TINY=1 harness/bench.sh` end to end, every section, into a temporary folder: every
# file there, the plots drawn and in REPORT.md, and values that make sense
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench_lib.sh"

# The tiny bench took about 50 s on the reference machine (2 CPUs, quiet) before the peers,
# threads, attach and placement sections; each of those adds 5 to 15 s. Timing is not asserted
# tightly on a shared machine: the check is that it stays within about twice that (a section whose
# tiny preset grew, or a hang), and the time is printed.
TINY_LIMIT_S=240

not_for_sanitizers "bench_tiny.t" && { done_testing; exit; }
tiny_run
is "$BENCH_RC" 0 "TINY=1 harness/bench.sh exits 0 ($BENCH_DIR)"
[ "$BENCH_RC" = 0 ] || sed 's/^/#   /' "$BENCH_LOG" | tr '\r' '\n' | tail -n 20
if [ -n "$BENCH_SECONDS" ]; then
	awk -v t="$BENCH_SECONDS" -v l="$TINY_LIMIT_S" 'BEGIN { exit !(t < l) }'
	ok $? "the tiny bench takes under $TINY_LIMIT_S s (took $BENCH_SECONDS s)"
fi
[ -d "$BENCH_DIR" ] || { done_testing; exit; }
D=$BENCH_DIR

# env.txt: the fingerprint, every key with a value, every section named
for key in date host kernel cpu cpus virtualisation container config_hz btf uprobe_pmu \
	optimised_uprobes_nop5 sections gcc clang libbpf bpftool libunwind hyperfine git; do
	grep -qE "^$key=.+" "$D/env.txt"
	ok $? "env.txt: $key"
done
is "$(sed -n 's/^sections=//p' "$D/env.txt")" \
	"floors idle hit ptrace vmreadv signal tracefunc rates precision commands peers threads attach placement" \
	"env.txt: every section"

# Every section's raw and summary files, and the costs against the floors
FILES="floors_raw.csv floors_summary.csv idle_raw.csv idle_summary.csv hyperfine_idle.json
	hyperfine_idle.txt hit_raw.csv hit_summary.csv hit_ratios.csv ptrace_raw.csv
	ptrace_summary.csv ptrace_ratios.csv vmreadv_raw.csv vmreadv_summary.csv vmreadv_targets.csv
	signal_raw.csv signal_summary.csv signal_targets.csv tracefunc_raw.csv tracefunc_summary.csv
	tracefunc_targets.csv rates_raw.csv rates_summary.csv precision_raw.csv
	precision_summary.csv commands_summary.csv hyperfine_commands.json peers_raw.csv
	peers_summary.csv peers_ratios.csv threads_raw.csv threads_summary.csv attach_raw.csv
	attach_summary.csv placement_raw.csv placement_summary.csv placement_ratios.csv
	cost_per_event.csv REPORT.md"
for f in $FILES; do
	[ -s "$D/$f" ] && { [[ $f != *.csv ]] || [ "$(wc -l <"$D/$f")" -ge 2 ]; }
	ok $? "$f is there (a CSV with rows)"
done

# The plots, SVG and PNG, each in REPORT.md with its caption
for p in cost_per_event overhead_vs_rate precision frontier peers threads attach placement; do
	head -c 300 "$D/$p.svg" 2>/dev/null | grep -q '<svg' &&
		[ "$(head -c 4 "$D/$p.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e47 ]
	ok $? "$p.svg and $p.png drawn"
	grep -A 2 "^!\[$p\]($p.svg)$" "$D/REPORT.md" | grep -q '^\*\*.*\*\*: '
	ok $? "REPORT.md shows $p.svg with its caption"
done
! grep -qE '^Not (all )?drawn' "$D/REPORT.md"
ok $? "REPORT.md lists no plot as not drawn"

# REPORT.md: a part per section
while IFS='|' read -r section heading; do
	grep -qE "^## $heading" "$D/REPORT.md"
	ok $? "REPORT.md has the $section section ($heading)"
done <<'EOF'
cost per event|Cost per event
floors|Floors
idle|Idle cost
hit|Per-hit cost
ptrace|ptrace
vmreadv|process_vm_readv sampling
signal|Signal sampling
tracefunc|Per-call hooks
rates|Overhead against event rate
precision|Precision
commands|Whole commands
peers|Peers side by side
threads|Thread scaling
attach|Attach and detach
placement|Placement
plots|Plots
EOF

# Every number finite: no nan or inf anywhere in a CSV
is "$(grep -HniE '(^|,)"?[-+]?(nan|inf|infinity)"?(,|$)' "$D"/*.csv | cut -c1-120 | head -n 5)" "" \
	"every number in the CSVs is finite (no nan, no inf)"

# Nothing skipped as root on this machine; nothing failed (a run fails on a wrong count, or, for a
# timed latency, when another process took the workload's CPU)
if [ "$(id -u)" = 0 ]; then
	is "$(for f in "$D"/*.csv; do
		csv_rows "$f" '("status" in COL) && get("status") ~ /^skipped/' \
			'"'"$(basename "$f")"': " get("status")'
	done | head -n 5)" "" "as root, nothing skipped"
else
	skip "not root: tracers that need root give skipped rows" "as root, nothing skipped"
fi
# (The precision, peers and placement sections leave out a run whose workload thread did not have
# its CPU, and fail the row, or give no data, when no run is left: "contended" is the harness
# noticing another process, not a tracer's error, and is only reported here.)
is "$(for f in "$D"/*_summary.csv "$D/cost_per_event.csv"; do
	csv_rows "$f" '("status" in COL) && get("status") != "ok" && get("status") !~ /^skipped/ &&
		get("status") !~ /contended/' '"'"$(basename "$f")"': " get("status")'
done | head -n 5)" "" "every summary row (and cost) ok: nothing failed"
contended=$(cat "$D"/*_summary.csv | grep -c 'contended' || true)
[ "$contended" = 0 ] || diag "$contended summary rows left out runs as contended (another process had the CPU)"
is "$(contended_excess "$D")" "" "no summary has more than half its rows contended"

# Traced is not faster than untraced where the difference is far above the noise: a uprobe hit, a
# ptrace stop, a timer signal cost microseconds. (A tiny run has one round: one disturbed baseline
# moves every overhead of its round, so smaller differences are not checked.)
none "$D/hit_summary.csv" 'get("tracer") != "untraced" && !(num("per_hit_cost_ns") > 100)' \
	'get("variant") "/" get("tracer") "/" get("mode") " " get("per_hit_cost_ns")' \
	"hit: every traced configuration costs over 100 ns per hit"
none "$D/ptrace_summary.csv" '(get("measure") == "break" || get("tracer") ~ /^(tb-ptrace|strace)$/) &&
	get("tracer") != "untraced" && !(num("cost_ns_per_event") > 1000)' \
	'get("measure") "/" get("tracer") "/" get("placement") " " get("cost_ns_per_event")' \
	"ptrace: every breakpoint and system call stop costs over 1 µs"
none "$D/signal_summary.csv" 'get("measure") == "probe" && num("rate_hz") >= 10000 &&
	!(num("cost_ns_per_signal") > 1000)' 'get("tracer") "/" get("rate_hz") " " get("cost_ns_per_signal")' \
	"signal: at 10000 Hz every timer signal costs over 1 µs"
none "$D/rates_summary.csv" 'get("technique") ~ /^(usdt|ptrace)$/ && get("target") == "every" &&
	num("events_per_s") > 1e6 && !(num("median_overhead_pct") > 50)' \
	'get("technique") " s" get("scale") " " get("median_overhead_pct")' \
	"rates: tb-usdt or tb-ptrace on every method at over 10^6 calls/s: over 50 % slower"
# The floors: each above 0, and in the order of what they do (a call, a system call, a signal, a
# ptrace stop: each does the one before and more); every cost has its floor beside it.
none "$D/floors_summary.csv" '!(num("median_ns_per_event") > 0)' 'get("floor") " " get("median_ns_per_event")' \
	"floors: every floor above 0 ns"
is "$(awk -v FS=, 'NR > 1 && $2 != "cross-cpu" { print $1 }' "$D/floors_summary.csv" | tr '\n' ' ')" \
	"function_call syscall signal_raise ptrace_stop process_vm_readv uprobe_int3 uprobe_nop5 " \
	"floors: the eight floors (with ptrace_stop cross-cpu)"
is "$(csv_rows "$D/floors_summary.csv" 'get("placement") != "cross-cpu"' \
	'get("floor") " " get("median_ns_per_event")' |
	awk '{ v[$1] = $2 } END { print (v["function_call"] < v["syscall"] && v["syscall"] < \
		v["signal_raise"] && v["signal_raise"] < v["ptrace_stop"]) ? "ordered" : "not ordered" }')" \
	ordered "floors: a function call < a system call < a signal < a ptrace stop"
none "$D/cost_per_event.csv" 'get("floor_ns_per_event") == "" || get("x_floor") == ""' \
	'get("technique") " " get("variant")' "cost_per_event: every row set against a measured floor"
# The exact tracers see every event; a distance is a distance.
none "$D/precision_summary.csv" 'get("kind") == "completeness" &&
	(num("median_value") != 1 || num("p25_value") != 1 || num("p75_value") != 1)' \
	'get("technique") "/" get("mode") " " get("median_value") " [" get("p25_value") ", " get("p75_value") "]"' \
	"precision: completeness exactly 1 for every exact tracer"
is "$(csv_rows "$D/precision_summary.csv" 'get("kind") == "completeness"' 'get("technique")' |
	grep -xE 'usdt|ptrace|tracefunc' | sort -u | tr '\n' ' ')" "ptrace tracefunc usdt " \
	"precision: completeness measured for tb-usdt, tb-ptrace and tb-tracefunc"
none "$D/precision_summary.csv" 'get("kind") == "profile_tvd" &&
	!(num("median_value") >= 0 && num("median_value") <= 1)' \
	'get("technique") "/" get("mode") " " get("median_value")' "precision: every TVD within [0, 1]"

diag "tiny bench: ${BENCH_SECONDS:-(not run here)} s; results in $D (kept until the next run of the bench tests)"
done_testing
