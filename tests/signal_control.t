#!/usr/bin/env bash
# signal_control.t - tb-signal dump and trace: every thread's stack on demand, the workload's
# method counts through its hook, and nobody but the owner can ask or read the answer
. "$(dirname "$0")/lib.sh"
TS=$OUT/tb-signal
W=$OUT/workload

[ "$(id -u)" = 0 ] || skip_all "needs root: requests from another user (setpriv), ns_last_pid"

# A workload running the library without sampling, four workers, long enough for the tests.
"$TS" run -- "$W" -q -t 4 -d 20 -s 10 -o "$TEST_TMP/t.json" >"$TEST_TMP/run.out" 2>&1 &
runner=$!
wait_until 10 sh -c "pgrep -P $runner -x workload >/dev/null"
wpid=$(pgrep -P "$runner" -x workload)
wait_threads "$wpid" 6 # main, four workers, the library's control thread
ok $? "tb-signal run -- workload: the workload runs ($wpid), with its control thread"

# ---- dump: every thread ------------------------------------------------------------------------

timeout -s KILL 20 "$TS" dump -p "$wpid" >"$TEST_TMP/dump" 2>"$TEST_TMP/err"
ok $? "dump -p: exit 0"
want=$(for t in /proc/"$wpid"/task/*; do
	[ "$(cat "$t/comm")" = tb-signal-ctl ] || basename "$t"
done | sort -n | tr '\n' ' ')
got=$(sed -n 's/^thread \([0-9]*\):$/\1/p' "$TEST_TMP/dump" | sort -n | tr '\n' ' ')
is "$got" "$want" "dump: a stack for every thread of the process but the library's own"
is "$(grep -c 'did not answer' "$TEST_TMP/dump")" 0 "dump: every thread answered"
is "$(grep -c '^  methods: handle_request' "$TEST_TMP/dump")" 4 \
	"dump: each of the four workers is inside a request (its in-memory stack)"
grep -q ' worker_main$' "$TEST_TMP/dump"
ok $? "dump: native frames are named (worker_main)"
grep -q ' main$' "$TEST_TMP/dump"
ok $? "dump: the main thread's stack reaches main"

# ---- trace: method entries and returns through the workload's hook ---------------------------

timeout -s KILL 20 "$TS" trace -p "$wpid" start >"$TEST_TMP/start" 2>&1
is "$?/$(cat "$TEST_TMP/start")" "0/started" "trace start: started"
sleep 0.5
timeout -s KILL 20 "$TS" trace -p "$wpid" stop >"$TEST_TMP/trace" 2>&1
ok $? "trace stop: exit 0"
read -r hr_in hr_out _ < <(awk '$1 == "handle_request" { print $2, $3, $4 }' "$TEST_TMP/trace")
read -r esc_in esc_out esc_ns < <(awk '$1 == "escape" { print $2, $3, $4 }' "$TEST_TMP/trace")
[ "${hr_in:-0}" -gt 100 ]
ok $? "trace: requests were counted while tracing (handle_request entered $hr_in times)"
# Per request: 4 rows x 4 escapes. Calls in flight at start and stop are off by a few.
awk -v e="$esc_in" -v h="$hr_in" 'BEGIN { exit !(e >= 16 * (h - 8) && e <= 16 * (h + 8)) }'
ok $? "trace: escape entered 16 times per request ($esc_in for $hr_in)"
awk -v i="$esc_in" -v o="$esc_out" 'BEGIN { d = i - o; exit !(d <= 8 && d >= -8) }'
ok $? "trace: escape's returns match its entries, up to the calls in flight ($esc_out)"
[ "${esc_ns:-0}" -gt 0 ]
ok $? "trace: time inside escape measured ($esc_ns ns)"
timeout -s KILL 20 "$TS" trace -p "$wpid" stop >"$TEST_TMP/trace2" 2>&1
awk '$1 == "handle_request" { exit !($2 == 0) }' "$TEST_TMP/trace2" ||
	awk '$1 == "handle_request" { exit !($2 == '"$hr_in"') }' "$TEST_TMP/trace2"
ok $? "trace: after stop nothing more is counted"

# ---- other users: cannot ask, cannot read ------------------------------------------------------

setpriv --reuid=65534 --regid=65534 --clear-groups "$TS" dump -p "$wpid" >"$TEST_TMP/out" \
	2>"$TEST_TMP/err"
rc=$?
is "$([ "$rc" -ne 0 ] && echo fails) $(wc -l <"$TEST_TMP/err") $(wc -c <"$TEST_TMP/out")" \
	"fails 1 0" "dump as another user: refused, one line, nothing on stdout"
grep -qi "owner" "$TEST_TMP/err"
ok $? "... the line says only its owner may ask ($(cat "$TEST_TMP/err"))"
setpriv --reuid=65534 --regid=65534 --clear-groups "$TS" trace -p "$wpid" start \
	>/dev/null 2>&1
ok $((!$?)) "trace start as another user: refused"

# Another user squats the reply socket the next request would use: the request fails, and the
# squatter receives nothing (the library answers only a listener with the requester's pid).
if command -v perl >/dev/null; then
	next=$(($(cat /proc/sys/kernel/ns_last_pid) + 50))
	setpriv --reuid=65534 --regid=65534 --clear-groups perl -MSocket -e '
		socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die;
		bind($s, pack_sockaddr_un("\0tb-signal.reply.'"$next"'")) or die "bind: $!";
		listen($s, 4) or die;
		print STDOUT "listening\n"; STDOUT->flush;
		my $rin = ""; vec($rin, fileno($s), 1) = 1;
		if (select(my $r = $rin, undef, undef, 5)) {
			accept(my $c, $s); my $n = sysread($c, my $buf, 65536);
			print STDOUT "read ", ($n // 0), " bytes\n";
		} else { print STDOUT "nothing\n" }' >"$TEST_TMP/squat" 2>&1 &
	squatter=$!
	wait_for "$TEST_TMP/squat" listening
	echo $((next - 1)) >/proc/sys/kernel/ns_last_pid
	sh -c 'exec "$0" dump -p "$1"' "$TS" "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	wait "$squatter"
	diag "the requester got pid ... and said: $(cat "$TEST_TMP/err")"
	is "$(cat "$TEST_TMP/squat" | tail -1)" "nothing" \
		"another user listening on a requester's reply socket receives nothing"
	[ "$rc" -ne 0 ] || [ -s "$TEST_TMP/out" ]
	ok $? "... and the requester either got its answer some other way or failed, said why"
else
	skip "perl is not installed" "a squatter on the reply socket"
fi

# ---- the target lives on, untouched --------------------------------------------------------------

running_untraced "$wpid"
ok $? "after every request the workload runs on, untraced"
kill "$wpid"
wait "$runner"
is "$?" 143 "tb-signal run exits with the workload's status (SIGTERM: 143)"

# A process without the library ignores the request (SIGURG) and is not harmed.
sleep 30 &
sleeper=$!
timeout -s KILL 20 "$TS" dump -p "$sleeper" >/dev/null 2>"$TEST_TMP/err"
rc=$?
is "$([ "$rc" -ne 0 ] && echo fails) $(wc -l <"$TEST_TMP/err")" "fails 1" \
	"dump of a process without the library: fails with one line"
grep -q "did not answer" "$TEST_TMP/err"
ok $? "... saying it did not answer ($(cat "$TEST_TMP/err"))"
kill -0 "$sleeper"
ok $? "... and the process is alive (SIGURG is ignored by default)"
kill "$sleeper"

rejected "dump without -p" "dump -p PID" "$TS" dump
rejected "trace with neither start nor stop" "start\|stop" "$TS" trace -p 1 maybe
rejected "dump of no process" "no process" "$TS" dump -p 4194000

done_testing
