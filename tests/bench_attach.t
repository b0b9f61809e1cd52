#!/usr/bin/env bash
# bench_attach.t - the attach section of the shared tiny bench run: rows, ordered times, clean detaches
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench_lib.sh"

not_for_sanitizers "bench_attach.t" && { done_testing; exit; }
tiny_run
D=$BENCH_DIR
RAW=$D/attach_raw.csv
SUM=$D/attach_summary.csv
# technique/config (attach_mode), in the section's order
CONFIGS="usdt/one(attach) usdt/every(attach) ptrace/break(attach) ptrace/syscall(attach)
	ptrace/sample(attach) vm_readv/sample(attach) signal/record(restart) signal/trace(channel)
	tracefunc/count(restart)"
for f in "$RAW" "$SUM"; do
	[ -s "$f" ] && [ "$(wc -l <"$f")" -ge 2 ]
	ok $? "$(basename "$f") is there (a CSV with rows)"
done
if [ ! -s "$SUM" ] || [ ! -s "$RAW" ]; then
	done_testing
	exit
fi
for key in attach_placement attach_rounds attach_hold_s attach_sample_hz; do
	grep -qE "^$key=.+" "$D/env.txt"
	ok $? "env.txt: $key"
done

is "$(csv_rows "$SUM" 1 'get("technique") "/" get("config") "(" get("attach_mode") ")"' |
	tr '\n' ' ')" "$(xargs <<<"$CONFIGS") " "attach_summary.csv: a row per technique and config"
if [ "$(id -u)" = 0 ]; then
	is "$(csv_rows "$SUM" 'get("status") != "ok"' \
		'get("technique") "/" get("config") ": " get("status")' | head -n 5)" "" \
		"as root, every summary row ok (nothing skipped, nothing failed)"
	is "$(csv_rows "$RAW" 'get("status") != "ok"' \
		'get("technique") "/" get("config") " round " get("round") ": " get("status")' |
		head -n 5)" "" "as root, every run ok (events recorded, clean detach)"
else
	skip "not root: tracers that need root give skipped rows" "as root, every summary row ok"
	skip "not root" "as root, every run ok"
fi

name='get("technique") "/" get("config") " round " get("round")'

# Every run: attach <= first event <= the whole run, times above 0 and under a minute
any "$RAW" '!(num("attach_ns") > 0) || !(num("tool_wall_ns") > 0) || num("tool_wall_ns") > 60e9' \
	"$name"' ": attach " get("attach_ns") ", wall " get("tool_wall_ns")' \
	"attach_raw.csv: attach_ns and tool_wall_ns above 0 and under a minute"
any "$RAW" 'get("attach_mode") != "channel" && !(num("first_event_ns") >= num("attach_ns") &&
	num("first_event_ns") <= num("tool_wall_ns"))' \
	"$name"' ": attach " get("attach_ns") ", first " get("first_event_ns") ", wall " \
	get("tool_wall_ns")' \
	"attach_raw.csv: attach_ns <= first_event_ns <= tool_wall_ns (every row but the channel's)"
# Detaching: measured wherever something was attached, and within the SIGINT to the exit
any "$RAW" 'get("attach_mode") != "restart" && !(num("detach_ns") > 0 &&
	num("stop_to_exit_ns") >= num("detach_ns") && num("stop_to_exit_ns") < num("tool_wall_ns"))' \
	"$name"' ": detach " get("detach_ns") ", stop to exit " get("stop_to_exit_ns")' \
	"attach_raw.csv: 0 < detach_ns <= stop_to_exit_ns < tool_wall_ns (attach and channel rows)"
any "$RAW" 'get("attach_mode") != "restart" && get("clean_detach") != "yes"' \
	"$name"' ": " get("clean_detach")' \
	"attach_raw.csv: every detach clean (the target ran on untraced, and died of our SIGTERM)"
any "$RAW" '!(num("events") > 0)' "$name"' ": " get("events")' \
	"attach_raw.csv: every run recorded events"
any "$RAW" 'get("technique") == "usdt" && !(num("sites") >= 1)' "$name"' ": " get("sites")' \
	"attach_raw.csv: tb-usdt rows say their sites"
# tb-usdt's sites: one for request_start, one per method for method_entry (10 sites: one method has two)
any "$RAW" 'get("technique") == "usdt" && num("sites") != (get("config") == "one" ? 1 : 10)' \
	"$name"' ": " get("sites")' "attach_raw.csv: tb-usdt one has 1 site, every 10 (every method entry site)"
# The restart rows say what they need, not a status
none "$SUM" 'get("attach_mode") == "restart" && get("description") !~ /needs a restart/' \
	'get("technique") ": " get("description")' \
	"attach_summary.csv: the restart rows say they need a restart with the library"

# The summary: quartiles in order, medians from the raw rows
none "$SUM" 'get("median_attach_ms") == "" || !(num("p25_attach_ms") <= num("median_attach_ms") &&
	num("median_attach_ms") <= num("p75_attach_ms"))' \
	'get("technique") "/" get("config") ": " get("p25_attach_ms") " " get("median_attach_ms")' \
	"attach_summary.csv: p25 <= median <= p75 of attach_ms"

# REPORT.md: the section, its table, a row per config, and the paragraph on why
grep -q '^## Attach and detach' "$D/REPORT.md"
ok $? "REPORT.md has the attach section"
rows=$(sed -n '/^## Attach and detach/,/^## /p' "$D/REPORT.md" | grep -c '^| [a-z_]*/[a-z]* |')
is "$rows" "$(wc -w <<<"$CONFIGS")" "REPORT.md: the attach table has a row per config"
sed -n '/^## Attach and detach/,/^## /p' "$D/REPORT.md" | grep -q '^Why: .*tb-usdt.*[0-9]'
ok $? "REPORT.md: the attach section explains why, with numbers"
done_testing
