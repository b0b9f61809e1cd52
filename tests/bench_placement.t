#!/usr/bin/env bash
# bench_placement.t - the placement section of the shared tiny bench run: a row per out-of-process technique on one CPU and on two, counts that matched the truth, sane costs and profiles
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench_lib.sh"

not_for_sanitizers "bench_placement.t" && { done_testing; exit; }
tiny_run
D=$BENCH_DIR
RAW=$D/placement_raw.csv
SUM=$D/placement_summary.csv
RAT=$D/placement_ratios.csv
CONFIGS="ptrace/break ptrace/syscall ptrace/sample vm_readv/nonblocking vm_readv/blocking
	usdt/stream usdt/count"
for f in "$RAW" "$SUM" "$RAT"; do
	[ -s "$f" ] && [ "$(wc -l <"$f")" -ge 2 ]
	ok $? "$(basename "$f") is there (a CSV with rows)"
done
[ -s "$SUM" ] && [ -s "$RAW" ] && [ -s "$RAT" ] || { done_testing; exit; }
for key in placement_placements placement_rounds placement_workload placement_rate_hz; do
	grep -qE "^$key=.+" "$D/env.txt"
	ok $? "env.txt: $key"
done
ncpu=$(sed -n 's/^cpus=//p' "$D/env.txt")

# A row per technique/mode and placement, in that order; a ratios row per technique/mode
is "$(csv_rows "$SUM" 1 'get("technique") "/" get("mode") "/" get("placement")' | tr '\n' ' ')" \
	"$(for c in $CONFIGS; do echo "$c/same"; echo "$c/cross"; done | tr '\n' ' ')" \
	"placement_summary.csv: a row per technique/mode, same then cross"
is "$(csv_rows "$RAT" 1 'get("technique") "/" get("mode")' | tr '\n' ' ')" \
	"$(for c in $CONFIGS; do echo "$c"; done | tr '\n' ' ')" "placement_ratios.csv: a row per technique/mode"
is "$(csv_rows "$SUM" 'get("placement") == "same" && get("tracer_cpu") != get("target_cpu")' \
	'get("technique") "/" get("mode")')" "" "same: the tracer on the workload's CPU"
if [ "${ncpu:-1}" -ge 2 ]; then
	is "$(csv_rows "$SUM" 'get("placement") == "cross" && get("tracer_cpu") == get("target_cpu")' \
		'get("technique") "/" get("mode")')" "" "cross: the tracer on another CPU"
else
	is "$(csv_rows "$SUM" 'get("placement") == "cross" && get("status") != "skipped: one CPU only"' \
		'get("technique") "/" get("mode")')" "" "one CPU: every cross row skipped: one CPU only"
fi

# As root on two CPUs nothing is skipped and nothing fails, but for contention (another process
# had the workload's CPU: said, not hidden), which may fail some rows of a noisy machine, but not
# most of them: a harness that took every run for contended would leave no numbers
if [ "$(id -u)" = 0 ] && [ "${ncpu:-1}" -ge 2 ]; then
	is "$(csv_rows "$SUM" 'get("status") != "ok" && get("status") !~ /contended/' \
		'get("technique") "/" get("mode") "/" get("placement") ": " get("status")' | head -n 5)" "" \
		"as root, every summary row ok (nothing skipped; nothing failed but for contention)"
	is "$(csv_rows "$RAW" 'get("status") != "ok" && get("status") !~ /^failed: contended/' \
		'get("technique") "/" get("mode") "/" get("placement") " round " get("round") ": " get("status")' |
		head -n 5)" "" "as root, every run ok (every count matched the truth)"
	contended=$(csv_rows "$RAW" 'get("status") ~ /^failed: contended/' 1 | wc -l)
	runs=$(csv_rows "$RAW" 1 1 | wc -l)
	[ "$contended" = 0 ] || diag "$contended of $runs runs failed as contended (a busy machine)"
	[ $((2 * contended)) -le "$runs" ]
	ok $? "at most half the runs contended ($contended of $runs)"
	contended=$(csv_rows "$SUM" 'get("status") ~ /contended/' 1 | wc -l)
	[ "$contended" -le 7 ]
	ok $? "at most half the summary rows failed for contention ($contended of 14)"
	measured=$(csv_rows "$SUM" 'num("runs") >= 1' 1 | wc -l)
	[ "$measured" -ge 7 ]
	ok $? "at least half the summary rows measured, from runs that did not fail ($measured of 14)"
	is "$(csv_rows "$RAT" 'get("status") != "ok"' 'get("technique") "/" get("mode") ": " get("status")' |
		grep -v 'contended' | head -n 5)" "" "as root, every ratios row ok (or no data for contention)"
else
	skip "not root or one CPU: rows may be skipped" "as root, every summary row ok"
	skip "not root or one CPU" "as root, every run ok"
	skip "not root or one CPU" "at most half the runs contended"
	skip "not root or one CPU" "at most half the summary rows failed for contention"
	skip "not root or one CPU" "at least half the summary rows measured"
	skip "not root or one CPU" "as root, every ratios row ok"
fi

# no_row FILE CONDITION WHAT NAME: no row of FILE at all, whatever its status, meets CONDITION
no_row()
{
	is "$(csv_rows "$1" "$2" "$3" | head -n 5)" "" "$4"
}
# the name of a raw row
NAME='get("technique") "/" get("mode") "/" get("placement") " round " get("round")'

# The exact tracers' counts against the truth, on every run (a contended run still ran every
# request, and as root every run ran: the section does not keep a failed run's counts out of its
# row), with the workload's own facts: a query call a request, a pread64 and a writev a request
no_row "$RAW" 'get("mode") == "break" && (get("events_counted") != get("events") ||
	get("events") != get("requests") || num("requests") <= 0)' \
	"$NAME"' ": " get("events_counted") " of " get("events") ", " get("requests") " requests"' \
	"tb-ptrace break counted every query call (one a request)"
no_row "$RAW" 'get("mode") == "syscall" && (num("events") != 2 * num("requests") ||
	num("requests") <= 0 || num("events_counted") < num("events") ||
	num("events_counted") > num("events") + 64)' \
	"$NAME"' ": " get("events_counted") " of " get("events") ", " get("requests") " requests"' \
	"tb-ptrace syscall counted the pread64 and writev calls (two a request; the loader's few more)"
no_row "$RAW" 'get("mode") == "count" && (get("events_counted") != get("events") ||
	get("lost") != "0" || num("requests") <= 0 || num("events") < 34 * num("requests"))' \
	"$NAME"' ": " get("events_counted") " of " get("events") " lost " get("lost")' \
	"tb-usdt count counted every method entry (34 a request and more), none lost"
no_row "$RAW" 'get("mode") == "stream" && (num("events_counted") + num("lost") != num("events") ||
	get("lost") == "" || num("events_counted") <= 0 || num("events") < 34 * num("requests"))' "$NAME"' ": " get("events_counted") " + " get("lost") " of " get("events")' \
	"tb-usdt stream saw or reported lost every method entry"
none "$RAW" 'get("technique") != "untraced" && (get("baseline_ns_per_request") == "" ||
	get("overhead_pct") == "" || get("cost_per_event_ns") == "" || get("tracer_cpu_ns") == "")' \
	"$NAME" "every traced run set against its baseline of the same round, with the tracer's CPU"
is "$(csv_rows "$RAW" 'get("technique") == "untraced"' 'get("round") "/" get("mode")' | sort |
	uniq -d)" "" "placement_raw.csv: one baseline per build and round"

# Contention judged where the run's own numbers can tell it (the same test for baselines and the
# runs set against them), a run made at most PLACEMENT_TRIES (3) times
no_row "$RAW" '!(num("tries") >= 1 && num("tries") <= 3)' "$NAME"' ": " get("tries")' \
	"placement_raw.csv: every run made 1 to 3 times"
no_row "$RAW" '(get("technique") == "untraced" || get("mode") == "count" ||
	(get("placement") == "same" && get("technique") != "usdt") ||
	(get("placement") == "cross" && get("mode") ~ /^(stream|nonblocking)$/)) &&
	get("requests") != "" && !(num("judged_cpu_share") > 0 && num("judged_cpu_share") < 2)' \
	"$NAME"' ": " get("judged_cpu_share")' \
	"judged_cpu_share given for baselines, tb-usdt count, and the tools that share the CPU or leave it"
no_row "$RAW" '((get("placement") == "cross" && get("mode") ~ /^(break|syscall|sample|blocking)$/) ||
	(get("placement") == "same" && get("mode") == "stream")) && get("judged_cpu_share") != ""' \
	"$NAME"' ": " get("judged_cpu_share")' "judged_cpu_share empty where a stop's wait looks like contention"
no_row "$RAT" '!(num("rounds_paired") <= num("rounds")) ||
	(get("status") == "ok" && 2 * num("rounds_paired") < num("rounds"))' \
	'get("technique") "/" get("mode") ": " get("rounds_paired") " of " get("rounds") " " get("status")' \
	"placement_ratios.csv: a ratio ok only from at least half the rounds paired"

# Values that make sense (one round on a shared, noisy machine: loose bounds). A ptrace stop costs
# microseconds of wall time, more across CPUs than on one; a uprobe hit hundreds of ns; a
# sampler's profile is a distribution, its rate near the one asked for.
none "$RAW" 'get("technique") == "ptrace" && !(num("cost_per_event_ns") > 500 &&
	num("cost_per_event_ns") < 1e7 && num("overhead_pct") > 0)' \
	"$NAME"' ": " get("cost_per_event_ns") " ns, " get("overhead_pct") " %"' \
	"tb-ptrace: cost per event finite, within 500 ns to 10 ms, overhead above 0"
none "$RAT" 'get("technique") == "ptrace" && get("mode") != "sample" &&
	!(num("median_cost_ratio_x") > 1)' 'get("mode") ": " get("median_cost_ratio_x")' \
	"tb-ptrace break and syscall: a stop costs more across CPUs than on one (paired ratio above 1)"
none "$RAW" 'get("technique") == "usdt" && !(num("cost_per_event_ns") > -1e5 &&
	num("cost_per_event_ns") < 1e5)' "$NAME"' ": " get("cost_per_event_ns")' \
	"tb-usdt: cost per hit within +-100 us"
none "$RAW" 'get("rate_hz") != "" && !(num("tvd") >= 0 && num("tvd") <= 1 && num("noise_tvd") > 0 &&
	num("noise_tvd") < 1 && num("events_counted") > 0 && num("samples_per_s") > 10 &&
	num("samples_per_s") < 2 * num("rate_hz"))' \
	"$NAME"' ": tvd " get("tvd") " noise " get("noise_tvd") ", " get("samples_per_s") " samples/s"' \
	"samplers: TVD in [0, 1], samples taken, at most twice the rate asked for"
none "$SUM" 'get("rate_hz") != "" && !(num("median_tvd") >= 0 && num("median_tvd") <= 1)' \
	'get("technique") "/" get("mode") "/" get("placement") ": " get("median_tvd")' \
	"placement_summary.csv: the samplers' median TVD in [0, 1]"
none "$SUM" '!(num("median_workload_cpu_share") > 0 && num("median_workload_cpu_share") <= 1.05)' \
	'get("technique") "/" get("mode") "/" get("placement") ": " get("median_workload_cpu_share")' \
	"placement_summary.csv: the workload's CPU share in (0, 1]"

# REPORT.md: the section, its table (a row per summary row), its paragraph, its plot
grep -q '^## Placement' "$D/REPORT.md"
ok $? "REPORT.md has the placement section"
is "$(sed -n '/^## Placement/,/^## /p' "$D/REPORT.md" | grep -cE '^\| [a-z_]+/[a-z]+ \| (same|cross) ')" \
	14 "REPORT.md: a table row per technique/mode and placement"
sed -n '/^## Placement/,/^## /p' "$D/REPORT.md" | grep -q '^Why\. .*ptrace'
ok $? "REPORT.md: the paragraph on why, from the numbers"
head -c 300 "$D/placement.svg" 2>/dev/null | grep -q '<svg' &&
	[ "$(head -c 4 "$D/placement.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e47 ]
ok $? "placement.svg and placement.png drawn"
grep -q '^!\[placement\](placement.svg)$' "$D/REPORT.md"
ok $? "REPORT.md shows placement.svg"
done_testing
