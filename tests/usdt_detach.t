#!/usr/bin/env bash
# usdt_detach.t - tb-usdt on other programs and libraries, and what it leaves behind: bytes, semaphores
. "$(dirname "$0")/lib.sh"
TB=$OUT/tb-usdt
W=$OUT/workload-usdt
APP=$OUT/tests/sdt-app
LIB=$OUT/tests/libtbsdt.so
PEEK=$OUT/tests/peek

[ "$(id -u)" = 0 ] || skip_all "tb-usdt needs root (CAP_BPF and CAP_PERFMON)"
"$TB" --check >"$TEST_TMP/check" || skip_all "$(cat "$TEST_TMP/check")"

# ---- a program that is not the workload, with a probe in a shared library ----------------------

"$TB" -l "$APP" >"$TEST_TMP/list"
for p in tbtest:tick tbtest:guarded tbtest:bad_site; do
	grep -q "^$p " "$TEST_TMP/list"
	ok $? "-l sdt-app lists $p"
done
"$TB" -l "$LIB" | grep -q "^tbtestlib:work .* 2  8@"
ok $? "-l libtbsdt.so lists the library's probe tbtestlib:work with its 2 arguments"

is "$("$APP" 1000)" "ticks=1000 work=1000 guarded=0 checksum=3497500" \
	"sdt-app untraced: the semaphore-guarded code does not run"
"$TB" -q -o "$TEST_TMP/r.json" tbtest:tick "$LIB:tbtestlib:work" tbtest:guarded -- "$APP" 1000 \
	>"$TEST_TMP/app.out"
ok $? "-- sdt-app with probes in the program and its library: exit 0"
grep -q "^ticks=1000 work=1000 guarded=1000 checksum=3497500$" "$TEST_TMP/app.out"
ok $? "sdt-app traced: the guarded code ran on every iteration, the results unchanged"
LIBREAL=$(realpath "$LIB")
LIBKEY=${LIBREAL//./\\.} # json_get reads "\." as a dot inside a key
is "$(json_field "$TEST_TMP/r.json" counts.tbtest:tick "counts.$LIBKEY:tbtestlib:work" \
	counts.tbtest:guarded lost | tr '\n' ' ')" "1000 1000 1000 0 " \
	"counts of the program's and the library's probes equal its own counts"

# By -p, the library named by its file name only, found in the process's mappings.
rm -f "$TEST_TMP/gate"
mkfifo "$TEST_TMP/gate"
"$APP" 2000 "$TEST_TMP/gate" >"$TEST_TMP/app.out" &
apid=$!
exec 4<>"$TEST_TMP/gate" # the app blocks in open() until the FIFO has a writer
wait_until 10 grep -q libtbsdt "/proc/$apid/maps"
ok $? "sdt-app started, its library mapped"
"$TB" -l "$apid" >"$TEST_TMP/list.pid"
grep -q "^$LIBREAL$" "$TEST_TMP/list.pid" && grep -q "^  tbtestlib:work " "$TEST_TMP/list.pid"
ok $? "-l PID lists the probes of each file the process maps, under its path"
"$TB" -p "$apid" -o "$TEST_TMP/r.json" libtbsdt:tbtestlib:work tbtest:tick >/dev/null \
	2>"$TEST_TMP/err" &
tpid=$!
wait_for "$TEST_TMP/err" "tracing 2 probes"
ok $? "-p sdt-app: attached"
printf g >&4
exec 4>&-
wait "$apid"
wait "$tpid"
ok $? "-p sdt-app: tb-usdt exits 0 when the program ends"
is "$(json_field "$TEST_TMP/r.json" "counts.$LIBKEY:tbtestlib:work" counts.tbtest:tick | tr '\n' ' ')" \
	"2000 2000 " "-p with a library by file name: both probes counted exactly"

# A note that points into the middle of an instruction is refused, and the program never runs.
"$TB" tbtest:bad_site -- "$APP" 10 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
is "$?" 1 "a probe site that is not a nop: exit 1"
grep -q "not a nop" "$TEST_TMP/err" && [ "$(wc -l <"$TEST_TMP/err")" = 1 ]
ok $? "... with one line saying why: $(head -c 120 "$TEST_TMP/err")"
grep -q ticks "$TEST_TMP/out"
[ $? = 1 ]
ok $? "... and the command was not run"

# A stripped binary keeps its notes; a deleted one is still traced through /proc/PID/exe (a
# deploy that replaces the file under a running server).
cp "$W" "$TEST_TMP/w"
strip --strip-all -o "$TEST_TMP/w-stripped" "$TEST_TMP/w"
"$TB" -q -o "$TEST_TMP/r.json" tracebench:request_start -- "$TEST_TMP/w-stripped" -q -r 300 \
	>/dev/null
is "$(json_field "$TEST_TMP/r.json" counts.tracebench:request_start)" 300 \
	"a stripped binary: its probes counted exactly"
"$TEST_TMP/w" -q -d 3600 -o "$TEST_TMP/deleted.json" &
dpid=$!
wait_until 10 grep -q "/w$" "/proc/$dpid/maps"
rm "$TEST_TMP/w"
"$TB" -q -p "$dpid" -d 0.3 -o "$TEST_TMP/r.json" tracebench:request_start >/dev/null
ok $? "a running process whose binary was deleted: traced"
[ "$(json_field "$TEST_TMP/r.json" counts.tracebench:request_start)" -gt 0 ]
ok $? "... and its probe counted ($(json_field "$TEST_TMP/r.json" counts.tracebench:request_start))"
kill "$dpid"
wait "$dpid" 2>/dev/null

# ---- detach: bytes and semaphores back as they were ---------------------------------------------

# sites PID PROBE: the run-time addresses of a probe's sites, from tb-usdt -l PID
sites() { "$TB" -l "$1" "$2" | awk '/^  / { print $2 }'; }

# peek_all PID ADDRS...: the first byte at each address, space separated
peek_all()
{
	local pid=$1 a
	shift
	for a in "$@"; do "$PEEK" "$pid" "$a" 1; done | tr '\n' ' '
}

# state PID: the semaphores of the request probes and the first byte of each of their sites
state()
{
	echo "sem $("$PEEK" "$1" tracebench_method_entry_semaphore 2) $("$PEEK" "$1" \
		tracebench_request_start_semaphore 2)"
	echo "sites $(peek_all "$1" $(sites "$1" tracebench:method_entry) \
		$(sites "$1" tracebench:request_start))"
}

# One long-running workload for the detach checks; each tracer attaches and goes away.
"$W" -q -d 3600 -t 2 -s 1 -o "$TEST_TMP/long.json" &
wpid=$!
wait_until 10 grep -q "workload-usdt" "/proc/$wpid/maps"
state "$wpid" >"$TEST_TMP/before"
grep -q "^sem 00 00 00 00$" "$TEST_TMP/before"
ok $? "untraced: the semaphores are 0"
nsites=$(($(sites "$wpid" tracebench:method_entry | wc -l) + $(sites "$wpid" tracebench:request_start | wc -l)))
is "$(sed -n 's/^sites //p' "$TEST_TMP/before" | tr ' ' '\n' | grep -c '^90$')" "$nsites" \
	"untraced: every one of the $nsites sites is a 1-byte nop (90)"

# unchanged: the workload's semaphores and site bytes are as before any tracer came
unchanged()
{
	state "$wpid" >"$TEST_TMP/after"
	cmp -s "$TEST_TMP/before" "$TEST_TMP/after"
}

# detached_ok HOW: the workload is as it was before any tracer came
detached_ok()
{
	# The kernel drops a dead loader's uprobes as its files close: allow it a moment.
	wait_until 5 unchanged
	ok $? "$1: semaphores back to 0 and original bytes at every site"
	kill -0 "$wpid" 2>/dev/null && ! grep -q '^State:.*[tT]' "/proc/$wpid/status"
	ok $? "$1: the workload still runs"
}

"$TB" -p "$wpid" -d 1 -o "$TEST_TMP/r.json" tracebench:method_entry tracebench:request_start \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err" &
tpid=$!
wait_for "$TEST_TMP/err" "tracing 2 probes"
sleep 0.2
state "$wpid" >"$TEST_TMP/during"
sem=$(sed -n 's/^sem //p' "$TEST_TMP/during")
[ "${sem:0:2}" != 00 ] && [ "${sem:6:2}" != 00 ]
ok $? "attached: the kernel raised both semaphores ($sem), so the guarded code runs"
! grep -q ' 90' "$TEST_TMP/during"
ok $? "attached: no site is a plain nop any more ($(grep sites "$TEST_TMP/during" | head -c 60))"
wait "$tpid"
ok $? "-p PID -d 1: exit 0"
[ "$(json_field "$TEST_TMP/r.json" counts.tracebench:method_entry)" -gt 0 ]
ok $? "-p PID -d 1: counted calls of the running workload"
detached_ok "after -d"

for sig in INT TERM HUP; do
	"$TB" -p "$wpid" -o "$TEST_TMP/r.json" tracebench:method_entry tracebench:request_start \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err" &
	tpid=$!
	wait_for "$TEST_TMP/err" "tracing 2 probes"
	sleep 0.3
	kill -"$sig" "$tpid"
	wait "$tpid"
	ok $? "SIG$sig: exit 0"
	grep -q "^tracebench:method_entry  *[1-9][0-9]* " "$TEST_TMP/out" &&
		grep -q "^lost: [0-9]" "$TEST_TMP/out"
	ok $? "SIG$sig: prints what it collected so far, and what it lost"
	[ "$(json_field "$TEST_TMP/r.json" counts.tracebench:method_entry)" -gt 0 ]
	ok $? "SIG$sig: writes the result file"
	detached_ok "SIG$sig"
done

# The loader killed outright: the kernel drops its uprobes and semaphore counts with its files.
"$TB" -p "$wpid" tracebench:method_entry tracebench:request_start >"$TEST_TMP/out" \
	2>"$TEST_TMP/err" &
tpid=$!
wait_for "$TEST_TMP/err" "tracing 2 probes"
sleep 0.3
kill -KILL "$tpid"
wait "$tpid" 2>/dev/null
detached_ok "SIGKILL"

# stdout closed under it (| head -1): stops on EPIPE, says so, detaches.
"$TB" -p "$wpid" -m stream -o "$TEST_TMP/r.json" tracebench:method_entry 2>"$TEST_TMP/err" |
	head -1 >/dev/null
is "${PIPESTATUS[0]}" 1 "stream | head -1: tb-usdt stops on the closed pipe, exit 1"
grep -q "cannot write to standard output (Broken pipe): stopped tracing and detached" \
	"$TEST_TMP/err"
ok $? "... saying why in one line: $(tail -1 "$TEST_TMP/err")"
is "$(json_field "$TEST_TMP/r.json" probes.tracebench:method_entry.hits)" \
	"$(($(json_field "$TEST_TMP/r.json" probes.tracebench:method_entry.seen) + \
	$(json_field "$TEST_TMP/r.json" lost)))" "... and its json_field still accounts for every hit"
detached_ok "closed stdout"
"$TB" -p "$wpid" -d 0.3 tracebench:request_start >/dev/full 2>"$TEST_TMP/err"
is "$?" 1 "stdout on a full device (/dev/full): exit 1"
grep -q "No space left on device" "$TEST_TMP/err"
ok $? "... saying why"
detached_ok "full stdout"

# Latency by -p on a running process: entry and return count over the same window, so the
# returns pair up with entries (all but the calls in flight at the two ends), nothing lost.
"$TB" -p "$wpid" -d 1 -m hist -o "$TEST_TMP/r.json" tracebench:method_entry \
	tracebench:method_return >/dev/null 2>&1
ok $? "-m hist -p PID -d 1: exit 0"
entries=$(json_field "$TEST_TMP/r.json" probes.tracebench:method_entry.hits)
returns=$(json_field "$TEST_TMP/r.json" probes.tracebench:method_return.hits)
pairs=$(json_field "$TEST_TMP/r.json" histograms.all.count)
diff=$((entries - returns))
[ "${diff#-}" -le 64 ] && [ "$pairs" -gt 0 ] && [ $((returns - pairs)) -le 64 ]
ok $? "-m hist -p: entries $entries, returns $returns, pairs $pairs (in-flight calls only differ)"
is "$(json_field "$TEST_TMP/r.json" lost)" 0 "-m hist -p: nothing lost"

# Stream by -p: every event's time is inside the traced window.
"$TB" -p "$wpid" -d 0.5 -m stream tracebench:request_start >"$TEST_TMP/stream.out" 2>/dev/null
awk '$5 == "tracebench:request_start" { n++; if ($1 < 0 || $1 > 2) bad++ }
	END { exit !(n > 0 && !bad) }' "$TEST_TMP/stream.out"
ok $? "-m stream -p: events timed from the start of tracing (0 to 2 s)"

# A bad probe against a running process: refused, and nothing touched.
"$TB" -p "$wpid" tracebench:nope >/dev/null 2>"$TEST_TMP/err"
is "$? $(wc -l <"$TEST_TMP/err")" "1 1" "-p with an unknown probe: exit 1, one line"
detached_ok "an unknown probe"
tid=$(ls "/proc/$wpid/task" | grep -v "^$wpid$" | head -1)
"$TB" -p "$tid" tracebench:request_start >/dev/null 2>"$TEST_TMP/err"
is "$?" 1 "-p with a thread id: exit 1"
grep -q "pid $tid is a thread of process $wpid: give -p $wpid" "$TEST_TMP/err"
ok $? "... naming the process to give instead"
detached_ok "a thread id"

# Two tracers on one process at once: each counts every hit it was attached for.
start_two() { "$TB" -p "$wpid" -d 1 -o "$TEST_TMP/two$1.json" tracebench:request_start \
	>/dev/null 2>&1; }
start_two 1 &
t1=$!
start_two 2 &
t2=$!
wait "$t1"
s1=$?
wait "$t2"
[ "$s1" = 0 ] && [ $? = 0 ] && [ "$(json_field "$TEST_TMP/two1.json" counts.tracebench:request_start)" -gt 0 ] &&
	[ "$(json_field "$TEST_TMP/two2.json" counts.tracebench:request_start)" -gt 0 ]
ok $? "two tb-usdt on one process at once: both run and count"
detached_ok "after two tracers"

kill -TERM "$wpid"
wait "$wpid" 2>/dev/null

# ---- the target exits before -d ends ------------------------------------------------------------

rm -f "$TEST_TMP/gate"
mkfifo "$TEST_TMP/gate"
"$W" -q -r 2000 -t 2 -g 3 -o "$TEST_TMP/t.json" 3<>"$TEST_TMP/gate" &
wpid=$!
"$TB" -p "$wpid" -d 60 -o "$TEST_TMP/r.json" tracebench:request_start >"$TEST_TMP/out" \
	2>"$TEST_TMP/err" &
tpid=$!
wait_for "$TEST_TMP/err" "tracing 1 probe"
printf g >"$TEST_TMP/gate"
wait "$tpid"
is "$?" 1 "-p PID -d 60, the process exits after a moment: exit 1"
grep -q "pid $wpid exited after .* before the -d duration ended" "$TEST_TMP/err"
ok $? "... saying so in one line"
is "$(json_field "$TEST_TMP/r.json" counts.tracebench:request_start)" \
	"$(json_field "$TEST_TMP/t.json" requests)" "... and its result still counts every request"
wait "$wpid"

done_testing
