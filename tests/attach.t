#!/usr/bin/env bash
# attach.t - the tools' attach_ns, first_event_ns and detach_ns on a running workload: present, ordered
. "$(dirname "$0")/lib.sh"

# ordered FILE WHAT: attach_ns <= first_event_ns <= the tool's whole run ($wall, measured here:
# both count from the tool's start, not from an absolute clock)
ordered()
{
	local a f
	a=$(result "$1" attach_ns 2>/dev/null)
	f=$(result "$1" first_event_ns 2>/dev/null)
	[ -n "$a" ] && [ -n "$f" ] && [ "$a" -le "$f" ] && [ "$f" -le "$wall" ]
	ok $? "$2: attach_ns ${a:-absent} <= first_event_ns ${f:-absent} <= the whole run $wall"
}

# timed COMMAND...: runs COMMAND, its output dropped; sets wall (ns) and returns its status
timed()
{
	local t0 rc=0
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || rc=$?
	wall=$(($(date +%s%N) - t0))
	return "$rc"
}

# detached FILE WHAT SINCE_NS: detach_ns present, above 0, and no longer than the SIGINT to the
# tool's exit (SINCE_NS, measured here)
detached()
{
	local v
	v=$(result "$1" detach_ns 2>/dev/null)
	[ -n "$v" ] && [ "$v" -gt 0 ] && [ "$v" -le "$3" ]
	ok $? "$2: detach_ns ${v:-absent} in (0, $3] (the SIGINT to the tool's exit)"
}

# attach_run WHAT COMMAND...: COMMAND (a tool with -p $wpid -o $TEST_TMP/r.json) started, given
# SIGINT once it says it traces ("Ctrl-C to stop"; tb-vmreadv says nothing: after 0.3 s), waited
# for; sets since (ns from the SIGINT to its exit)
attach_run()
{
	local what=$1 tpid t0 t1 t2 rc=0
	shift
	rm -f "$TEST_TMP/r.json" "$TEST_TMP/err"
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$TEST_TMP/err" &
	tpid=$!
	if [ "${1##*/}" = tb-vmreadv ]; then
		sleep 0.3
	else
		wait_until 10 grep -qs 'Ctrl-C to stop' "$TEST_TMP/err" || true
	fi
	sleep 0.1
	t1=$(date +%s%N)
	kill -INT "$tpid"
	wait "$tpid" || rc=$?
	t2=$(date +%s%N)
	since=$((t2 - t1))
	wall=$((t2 - t0))
	is "$rc" 0 "$what: exit 0 after SIGINT"
	[ "$rc" = 0 ] || sed 's/^/#   /' "$TEST_TMP/err" | head -5
	running_untraced "$wpid"
	ok $? "$what: the workload runs on untraced"
}

W=$OUT/workload
start_workload -q -d 60
wait_threads "$wpid" 2

if [ "$(id -u)" = 0 ] && "$OUT/tb-usdt" --check >/dev/null 2>&1; then
	W=$OUT/workload-usdt5
	w0=$wpid
	start_workload -q -d 60
	wait_threads "$wpid" 2
	attach_run "tb-usdt -p (one probe)" "$OUT/tb-usdt" -m count -o "$TEST_TMP/r.json" \
		-p "$wpid" tracebench:request_start
	ordered "$TEST_TMP/r.json" "tb-usdt -p"
	detached "$TEST_TMP/r.json" "tb-usdt -p" "$since"
	kill "$wpid"
	wait "$wpid" 2>/dev/null
	wpid=$w0
	W=$OUT/workload
else
	for i in 1 2 3 4; do
		skip "tb-usdt needs root and BPF (tb-usdt --check fails)" "tb-usdt -p check $i"
	done
fi

attach_run "tb-ptrace break -p" "$OUT/tb-ptrace" break -o "$TEST_TMP/r.json" -p "$wpid" query
ordered "$TEST_TMP/r.json" "tb-ptrace break -p"
detached "$TEST_TMP/r.json" "tb-ptrace break -p" "$since"
attach_run "tb-ptrace syscall -p" "$OUT/tb-ptrace" syscall -o "$TEST_TMP/r.json" -p "$wpid"
ordered "$TEST_TMP/r.json" "tb-ptrace syscall -p"
detached "$TEST_TMP/r.json" "tb-ptrace syscall -p" "$since"
attach_run "tb-ptrace sample -p" "$OUT/tb-ptrace" sample -F 200 -o "$TEST_TMP/r.json" -p "$wpid"
ordered "$TEST_TMP/r.json" "tb-ptrace sample -p"
detached "$TEST_TMP/r.json" "tb-ptrace sample -p" "$since"
attach_run "tb-vmreadv -p" "$OUT/tb-vmreadv" -F 200 -o "$TEST_TMP/r.json" -p "$wpid"
ordered "$TEST_TMP/r.json" "tb-vmreadv -p"
detached "$TEST_TMP/r.json" "tb-vmreadv -p" "$since"
kill "$wpid"
wait "$wpid" 2>/dev/null

# -d: the stop request is the deadline; the tool stops on its own
timed "$OUT/tb-vmreadv" -F 200 -d 0.2 -o "$TEST_TMP/r.json" -- "$W" -q -d 1
ok $? "tb-vmreadv -d 0.2 -- workload: exit 0"
v=$(result "$TEST_TMP/r.json" detach_ns 2>/dev/null)
[ -n "$v" ] && [ "$v" -gt 0 ] && [ "$v" -lt 1000000000 ]
ok $? "tb-vmreadv -d: detach_ns ${v:-absent} from the deadline, under 1 s"

# A target that ends by itself: nothing to detach from, no detach_ns
timed "$OUT/tb-ptrace" break -o "$TEST_TMP/r.json" query -- "$W" -q -r 200
ok $? "tb-ptrace break -- workload -r 200: exit 0"
result "$TEST_TMP/r.json" detach_ns >/dev/null 2>&1
ok $((!$?)) "tb-ptrace: no detach_ns when the target ended by itself"
ordered "$TEST_TMP/r.json" "tb-ptrace break -- workload"

# The in-process tools: from the launch to the library's first event
timed "$OUT/tb-signal" record -F 1000 -o "$TEST_TMP/r.json" -- "$W" -q -d 0.2
ok $? "tb-signal record -F 1000 -- workload -d 0.2: exit 0"
ordered "$TEST_TMP/r.json" "tb-signal record"
rm -rf "$TEST_TMP/tf"
timed "$OUT/tb-tracefunc" -m count -D "$TEST_TMP/tf" -o "$TEST_TMP/r.json" -- \
	"$OUT/workload-finstrument" -q -r 100
ok $? "tb-tracefunc -m count -- workload-finstrument: exit 0"
ordered "$TEST_TMP/r.json" "tb-tracefunc"
"$OUT/tb-tracefunc" report -o "$TEST_TMP/r2.json" "$TEST_TMP/tf" >/dev/null 2>&1
result "$TEST_TMP/r2.json" first_event_ns >/dev/null 2>&1
ok $((!$?)) "tb-tracefunc report: no first_event_ns (there is no launch to count from)"

done_testing
