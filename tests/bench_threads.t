#!/usr/bin/env bash
# bench_threads.t - the threads section of the shared tiny bench run: a row per technique and thread
# count, counts that matched the truth, the same requests at every thread count, sane costs
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench_lib.sh"

not_for_sanitizers "bench_threads.t" && { done_testing; exit; }
tiny_run
D=$BENCH_DIR
RAW=$D/threads_raw.csv
SUM=$D/threads_summary.csv
TECHNIQUES="usdt ptrace vm_readv signal tracefunc"
for f in "$RAW" "$SUM"; do
	[ -s "$f" ] && [ "$(wc -l <"$f")" -ge 2 ]
	ok $? "$(basename "$f") is there (a CSV with rows)"
done
if [ ! -s "$SUM" ] || [ ! -s "$RAW" ]; then
	done_testing
	exit
fi
counts=$(sed -n 's/^threads_counts=//p' "$D/env.txt")
[ -n "$counts" ]
ok $? "env.txt: threads_counts ($counts)"
grep -qE '^threads_placement=.+' "$D/env.txt"
ok $? "env.txt: threads_placement"

# A row per technique and thread count, in that order; nothing skipped as root, nothing failed
want=$(for t in $TECHNIQUES; do for n in $counts; do echo "$t/$n"; done; done | tr '\n' ' ')
is "$(csv_rows "$SUM" 1 'get("technique") "/" get("threads")' | tr '\n' ' ')" "$want" \
	"threads_summary.csv: a row per technique and thread count"
if [ "$(id -u)" = 0 ]; then
	is "$(csv_rows "$SUM" 'get("status") != "ok"' \
		'get("technique") "/" get("threads") ": " get("status")' | head -n 5)" "" \
		"as root, every summary row ok (nothing skipped, nothing failed)"
	is "$(csv_rows "$RAW" 'get("status") != "ok"' \
		'get("technique") "/" get("threads") " round " get("round") ": " get("status")' |
		head -n 5)" "" "as root, every run ok (every count matched the truth)"
else
	skip "not root: tracers that need root give skipped rows" "as root, every summary row ok"
	skip "not root" "as root, every run ok"
fi

# The runs: each exact tracer's count is the truth's, nothing lost; every sampler sampled; a
# baseline per build and thread count in every round
any "$RAW" 'get("technique") != "ptrace" && num("method_calls") != 34 * num("requests")' \
	'get("technique") "/" get("threads") " " get("method_calls") " for " get("requests")' \
	"threads_raw.csv: 34 method calls per request in every run (the ptrace runs: tb-ptrace stops at query)"
any "$RAW" 'get("technique") ~ /^(vm_readv|signal)$/ && get("events") != get("samples")' \
	'get("technique") "/" get("threads") " " get("events") " events; " get("samples")' \
	"threads_raw.csv: the samplers' events are their samples"
any "$RAW" 'get("technique") ~ /^(usdt|tracefunc)$/ &&
	(get("traced_events") != get("method_calls") || num("method_calls") <= 0 || num("lost") != 0)' \
	'get("technique") "/" get("threads") " " get("traced_events") " of " get("method_calls")' \
	"threads_raw.csv: usdt and tracefunc counted every method call, none lost"
any "$RAW" 'get("technique") == "ptrace" && (get("traced_events") != get("events") ||
	num("events") != num("requests") || num("lost") != 0)' \
	'get("technique") "/" get("threads") " " get("traced_events") " of " get("events")' \
	"threads_raw.csv: ptrace counted every call of query (one per request), none lost"
any "$RAW" 'get("technique") ~ /^(vm_readv|signal)$/ && !(num("samples") > 0)' \
	'get("technique") "/" get("threads") " " get("samples")' "threads_raw.csv: every sampler took samples"
any "$RAW" 'get("technique") != "untraced" && (get("overhead_pct") == "" ||
	get("wall_cost_ns_per_event") == "" || get("cpu_cost_ns_per_event") == "")' \
	'get("technique") "/" get("threads") " round " get("round")' \
	"threads_raw.csv: every traced run set against its baseline of the same round"
# The same requests at every thread count (split over the threads), per build and technique
is "$(csv_rows "$RAW" 1 'get("technique") "/" get("program") " " get("requests")' | sort -u |
	awk '{ n[$1]++ } END { for (k in n) if (n[k] > 1) print k }')" "" \
	"threads_raw.csv: one request count per technique at every thread count"
is "$(csv_rows "$RAW" 'get("technique") == "untraced"' 'get("program") "/" get("threads")' |
	sort -u | wc -l)" "$((3 * $(wc -w <<<"$counts")))" \
	"threads_raw.csv: an untraced baseline of each of the 3 builds at every thread count"

# Values that make sense. A tiny run has one round on a shared, noisy machine: one disturbed
# baseline moves every overhead of its block (its untraced run twice as slow gives -50 %), so the
# bounds are loose, but a wrong unit or sign still fails them. A uprobe hit costs hundreds of ns
# of wall time at one thread and of CPU time at any; a ptrace stop microseconds; the samplers and
# the hooks' counters a few ns per call.
none "$SUM" 'get("technique") == "usdt" && !(num("median_cpu_cost_ns_per_event") > 50 &&
	num("median_cpu_cost_ns_per_event") < 100000 && num("median_wall_cost_ns_per_event") > 20 &&
	num("median_wall_cost_ns_per_event") < 100000)' \
	'get("threads") " threads: wall " get("median_wall_cost_ns_per_event") ", CPU " get("median_cpu_cost_ns_per_event")' \
	"usdt: CPU cost per event within 50 ns to 100 µs, wall within 20 ns to 100 µs"
none "$SUM" 'get("technique") == "usdt" && get("threads") == "1" &&
	!(num("median_wall_cost_ns_per_event") > 50)' 'get("median_wall_cost_ns_per_event")' \
	"usdt: at 1 thread the wall cost per event is over 50 ns"
none "$SUM" 'get("technique") == "ptrace" && !(num("median_overhead_pct") > 50 &&
	num("median_wall_cost_ns_per_event") > 1000 && num("median_wall_cost_ns_per_event") < 1e7)' \
	'get("threads") " threads: " get("median_overhead_pct") " %, " get("median_wall_cost_ns_per_event") " ns"' \
	"ptrace: over 50 % overhead, 1 µs to 10 ms per stop"
none "$SUM" 'get("technique") == "tracefunc" &&
	!(num("median_wall_cost_ns_per_event") > -5000 && num("median_wall_cost_ns_per_event") < 5000 &&
	num("median_overhead_pct") > -90 && num("median_overhead_pct") < 1000)' \
	'get("technique") "/" get("threads") ": " get("median_overhead_pct") " %, " get("median_wall_cost_ns_per_event") " ns"' \
	"tracefunc: under 5 µs per call either way, overhead within -90 % to 1000 %"
# The samplers' cost is per sample: a tiny run has few samples (about a hundred per thread), so
# one noisy baseline moves it by hundreds of µs; only the overhead and a loose bound hold.
none "$SUM" 'get("technique") ~ /^(vm_readv|signal)$/ &&
	!(num("median_wall_cost_ns_per_event") > -1e7 && num("median_wall_cost_ns_per_event") < 1e7 &&
	num("median_overhead_pct") > -90 && num("median_overhead_pct") < 1000)' \
	'get("technique") "/" get("threads") ": " get("median_overhead_pct") " %, " get("median_wall_cost_ns_per_event") " ns"' \
	"vm_readv, signal: under 10 ms per sample either way, overhead within -90 % to 1000 %"
none "$SUM" '!(num("median_ns_per_request") > 0 && num("median_untraced_ns_per_request") > 0 &&
	num("p25_overhead_pct") <= num("median_overhead_pct") &&
	num("median_overhead_pct") <= num("p75_overhead_pct"))' \
	'get("technique") "/" get("threads")' \
	"threads_summary.csv: ns per request above 0, p25 <= median <= p75"
none "$SUM" 'get("technique") ~ /^(vm_readv|signal)$/ && !(num("median_samples") > 0)' \
	'get("technique") "/" get("threads")' "threads_summary.csv: the samplers' median samples above 0"
d=$(csv_rows "$SUM" 'get("technique") == "usdt"' 'get("threads") ": " get("median_wall_cost_ns_per_event") " ns"' |
	tr '\n' ' ')
diag "usdt wall cost per event by threads: $d"
d=$(csv_rows "$SUM" 'get("technique") == "ptrace"' 'get("threads") ": " get("median_wall_cost_ns_per_event") " ns"' |
	tr '\n' ' ')
diag "ptrace wall cost per event by threads: $d"

# REPORT.md: the section, its table (a line per technique), its plot
grep -q '^## Thread scaling' "$D/REPORT.md"
ok $? "REPORT.md has the thread scaling section"
for t in $TECHNIQUES; do
	sed -n '/^## Thread scaling/,/^## /p' "$D/REPORT.md" | grep -qE "^\| $t \| [0-9-]+ ns"
	ok $? "REPORT.md: the thread scaling table has $t's row with numbers"
done
sed -n '/^## Thread scaling/,/^## /p' "$D/REPORT.md" | grep -q "^What it shows, in this run's numbers"
ok $? "REPORT.md: the thread scaling section says what it shows"
head -c 300 "$D/threads.svg" 2>/dev/null | grep -q '<svg' &&
	[ "$(head -c 4 "$D/threads.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e47 ]
ok $? "threads.svg and threads.png drawn"
grep -A 2 '^!\[threads\](threads.svg)$' "$D/REPORT.md" | grep -q '^\*\*.*\*\*: '
ok $? "REPORT.md shows threads.svg with its caption"
done_testing
