#!/usr/bin/env bash
# ptrace_reliability.t - tb-ptrace against RELIABILITY.md: counts equal strace's, EINTR per attach,
# tracer SIGKILLed, SIGINT/SIGTERM at random times, bad input
. "$(dirname "$0")/lib.sh"
TP=$OUT/tb-ptrace
W=$OUT/workload

[ "$(id -u)" = 0 ] || skip_all "ptrace of a process not our child needs root (CAP_SYS_PTRACE)"

# The workload of the signal tests (~0.3 s untraced, ~0.6 s with a breakpoint at its hottest
# method, escape) and its untraced result.
WL=(-q -r 1500 -t 4 -s 200)
"$W" "${WL[@]}" -o "$TEST_TMP/base.json"
truth_counts "$TEST_TMP/base.json" >"$TEST_TMP/base.counts"
escape_calls=$(json_field "$TEST_TMP/base.json" methods.escape.calls)

# ---- 1. System call counts against strace -c -f ------------------------------------------------

# tracee_syscalls N [fork]: getppid 3N + N/4, write N + N/2, nanosleep 8, in 2 threads and the
# main one; with fork, a child adds N/2, N/4 and 2 (tests/tracee_syscalls.c).
N=2000
declare -A expect=([getppid]=$((3 * N + N / 4)) [write]=$((N + N / 2)) [nanosleep]=8)
declare -A expect_fork=([getppid]=$((3 * N + N / 4 + N / 2)) [write]=$((N + N / 2 + N / 4))
	[nanosleep]=10)
# strace_counts FILE: "getppid write nanosleep" counts of a strace -c -U name,calls table
strace_counts()
{
	local sc
	for sc in getppid write nanosleep; do
		awk -v s="$sc" '$1 == s { printf "%s ", $2 }' "$1"
	done
}
# tb_counts FILE: the same three counts of a tb-ptrace result
tb_counts() { result "$1" counts.getppid counts.write counts.nanosleep | tr '\n' ' '; }

if command -v strace >/dev/null; then
	strace -f -c -U name,calls -o "$TEST_TMP/strace" "$OUT/tests/tracee_syscalls" "$N"
	ok $? "strace -c -f -- tracee_syscalls $N: exit 0"
	"$TP" syscall -o "$TEST_TMP/r.json" -- "$OUT/tests/tracee_syscalls" "$N" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err"
	ok $? "syscall -- tracee_syscalls $N (2 threads): exit 0"
	for sc in getppid write nanosleep; do
		is "$(result "$TEST_TMP/r.json" "counts.$sc") $(awk -v s="$sc" '$1 == s { print $2 }' \
			"$TEST_TMP/strace")" "${expect[$sc]} ${expect[$sc]}" \
			"syscall: $sc counted as strace -c -f counts it, ${expect[$sc]} as the program makes it"
	done
	"$TP" syscall --seccomp -e getppid,write,nanosleep -o "$TEST_TMP/r.json" -- \
		"$OUT/tests/tracee_syscalls" "$N" >/dev/null 2>&1
	ok $? "syscall --seccomp -e getppid,write,nanosleep -- tracee_syscalls: exit 0"
	is "$(tb_counts "$TEST_TMP/r.json")" "$(strace_counts "$TEST_TMP/strace")" \
		"syscall --seccomp: the three counts equal strace -c -f's"
	is "$(result "$TEST_TMP/r.json" counts | tr ' ' '\n' | sort | tr '\n' ' ')" "getppid nanosleep write " \
		"syscall --seccomp -e: nothing else counted"

	# Forks: followed with syscall -f where tb-ptrace has it (-h does not list it yet).
	strace -f -c -U name,calls -o "$TEST_TMP/strace" "$OUT/tests/tracee_syscalls" "$N" fork
	is "$? $(strace_counts "$TEST_TMP/strace")" \
		"0 ${expect_fork[getppid]} ${expect_fork[write]} ${expect_fork[nanosleep]} " \
		"strace -c -f -- tracee_syscalls $N fork: exit 0, the child's calls counted too"
	if "$TP" syscall -f -- true >/dev/null 2>&1; then
		"$TP" syscall -f -o "$TEST_TMP/r.json" -- "$OUT/tests/tracee_syscalls" "$N" fork \
			>/dev/null 2>&1
		is "$? $(tb_counts "$TEST_TMP/r.json")" "0 $(strace_counts "$TEST_TMP/strace")" \
			"syscall -f -- tracee_syscalls fork: exit 0, counts equal strace -c -f's"
	else
		skip "tb-ptrace syscall has no -f (follow forks)" "syscall -f against strace -c -f"
	fi
else
	skip "strace is not installed (setup.sh installs it)" "system call counts against strace -c -f"
fi
# Without -f the forked child is not traced: the parent's calls only, and the child unharmed.
"$TP" syscall -o "$TEST_TMP/r.json" -- "$OUT/tests/tracee_syscalls" "$N" fork >/dev/null 2>&1
parent="${expect[getppid]} ${expect[write]} ${expect[nanosleep]} "
is "$? $(tb_counts "$TEST_TMP/r.json")" "0 $parent" \
	"syscall -- tracee_syscalls fork: exit 0 (the child too), the parent's calls counted"
# Break mode: the child's copy of the text has the int3s; it must not die of SIGTRAP.
"$TP" break -o "$TEST_TMP/r.json" make_calls -- "$OUT/tests/tracee_syscalls" 20 fork >/dev/null \
	2>"$TEST_TMP/err"
is "$? $(wc -l <"$TEST_TMP/err") $(result "$TEST_TMP/r.json" counts.make_calls)" "0 1 3" \
	"break make_calls -- tracee_syscalls fork: exit 0, the child lived (stderr quiet), 3 hits"

# A command that does not speak the start gate (env -u hides it) runs at once: it must be traced
# from its first instruction, not once the wait for the gate gives up.
"$TP" syscall -o "$TEST_TMP/r.json" -- env -u TB_GATE_FD "$OUT/tests/tracee_syscalls" "$N" \
	>/dev/null 2>"$TEST_TMP/err"
is "$? $(result "$TEST_TMP/r.json" counts.getppid 2>/dev/null)" "0 ${expect[getppid]}" \
	"syscall -- a command that does not use the start gate: exit 0, every getppid counted"

# ---- 2. EINTR per attach and detach -----------------------------------------------------------

# Two threads block in 20 ms calls without restarting them: epoll_wait and nanosleep. Each tracer
# attaches and detaches K times; between attaches the counters (tests/tracee_eintr.c) are read.
K=10
counters() { od -An -tu8 -w56 -v "$TEST_TMP/eintr.bin"; }
# eintr_run NAME COMMAND...: COMMAND (with PID for the pid) run K times against one tracee_eintr
eintr_run()
{
	local name=$1 before after i rc epoll="" sleep="" e=0 s=0 idle=""
	fails=0
	shift
	"$OUT/tests/tracee_eintr" 30 "$TEST_TMP/eintr.bin" >"$TEST_TMP/eintr.out" &
	epid=$!
	wait_until 5 test -s "$TEST_TMP/eintr.bin"
	sleep 0.1
	before=$(counters)
	for i in $(seq "$K"); do
		"${@/PID/$epid}" >"$TEST_TMP/eintr.tracer" 2>&1
		rc=$?
		# strace, stopped by SIGINT from timeout(1), exits 0 or 130
		[ "$rc" -eq 0 ] || [ "$1" = timeout ] || fails=$((fails + 1))
		sleep 0.05 # an interrupted call still returning is this cycle's
		after=$(counters)
		read -r _ be _ bs _ <<<"$before"
		read -r _ ae _ as _ <<<"$after"
		epoll="$epoll $((ae - be))"
		sleep="$sleep $((as - bs))"
		e=$((e + ae - be))
		s=$((s + as - bs))
		if [ "$name" = sample ]; then
			idle="$idle $(awk '$1 == "samples" { print $6 }' "$TEST_TMP/eintr.tracer" |
				tr -d ,)"
		fi
		before=$after
	done
	running_untraced "$epid"
	still=$?
	printf '\001' | dd of="$TEST_TMP/eintr.bin" bs=1 seek=48 conv=notrunc status=none
	wait "$epid"
	erc=$?
	eintr_per_attach_epoll=$(awk -v e="$e" -v k="$K" 'BEGIN { printf "%.1f", e / k }')
	eintr_per_attach_sleep=$(awk -v s="$s" -v k="$K" 'BEGIN { printf "%.1f", s / k }')
	diag "$name: EINTR in each of $K attach+detach cycles: epoll_wait:$epoll; nanosleep:$sleep"
	[ -n "$idle" ] && diag "$name: blocked threads the sampler counted idle in each run:$idle"
}

# eintr_sane NAME: the checks on a tracee_eintr run after eintr_run
eintr_sane()
{
	local name=$1 v
	declare -A c
	while read -r k v; do c[$k]=$v; done <"$TEST_TMP/eintr.out"
	is "$erc ${c[other_errors]} ${c[early_returns]}" "0 0 0" \
		"$name: tracee_eintr exits 0, no error but EINTR, no call returned before its time"
	# Every call that was not interrupted blocked its 20 ms, and the loops were not held up:
	# at least half the calls that fit into the time, one per 20 ms.
	v="${c[elapsed_ms]} ms: epoll_wait ${c[epoll_wait_calls]}, nanosleep ${c[nanosleep_calls]}"
	awk -v ms="${c[elapsed_ms]}" -v ec="${c[epoll_wait_calls]}" -v ee="${c[epoll_wait_eintr]}" \
		-v sc="${c[nanosleep_calls]}" -v se="${c[nanosleep_eintr]}" 'BEGIN {
		exit !((ec - ee) * 20 <= ms + 20 && (sc - se) * 20 <= ms + 20 &&
		       ec >= ms / 40 && sc >= ms / 40) }'
	ok $? "$name: loop timing sane ($v calls of 20 ms)"
	ok "$still" "$name: after the last detach the program runs, untraced, no thread stopped"
}

"$OUT/tests/tracee_eintr" 0.4 "$TEST_TMP/eintr.bin" >"$TEST_TMP/eintr.out"
is "$(awk '$1 ~ /_eintr$/ { s += $2 } END { print s + 0 }' "$TEST_TMP/eintr.out")" 0 \
	"tracee_eintr untraced: no EINTR"

eintr_run "syscall -d 0.2" "$TP" syscall -d 0.2 -p PID
is "$fails" 0 "syscall -d 0.2 -p: $K attaches, each exits 0"
eintr_sane "syscall -d 0.2"
sc_epoll=$eintr_per_attach_epoll sc_sleep=$eintr_per_attach_sleep

eintr_run sample "$TP" sample -d 0.2 -p PID
is "$fails" 0 "sample -d 0.2 -p: $K attaches, each exits 0"
eintr_sane "sample -d 0.2"
sa_epoll=$eintr_per_attach_epoll sa_sleep=$eintr_per_attach_sleep

if command -v strace >/dev/null; then
	eintr_run "strace -f" timeout -s INT 0.2 strace -qq -f -o /dev/null -p PID
	st="; strace -f -p for 0.2 s (reference): epoll_wait $eintr_per_attach_epoll,"
	st="$st nanosleep $eintr_per_attach_sleep"
fi
diag "EINTR returned to the target per attach+detach (mean of $K; one thread blocked in each" \
	"20 ms call, none restarted): tb-ptrace syscall -d 0.2: epoll_wait $sc_epoll, nanosleep" \
	"$sc_sleep; tb-ptrace sample -d 0.2 (99 Hz; blocked threads are not interrupted):" \
	"epoll_wait $sa_epoll, nanosleep $sa_sleep${st:-}"

# ---- 3. The tracer SIGKILLed ------------------------------------------------------------------

# whole_requests FILE: a truth file of a -d run is consistent: every method called as often per
# request as in the -r run of base.json, pread64 and writev once per request, no failed call
whole_requests()
{
	local m paths="requests syscalls.pread64 syscalls.writev syscall_errors"
	for m in $(json_field "$TEST_TMP/base.json" methods); do
		paths="$paths methods.$m.calls"
	done
	# shellcheck disable=SC2086
	paste <(json_field "$TEST_TMP/base.json" $paths) <(json_field "$1" $paths) |
		awk 'NR == 1 { b = $1; r = $2 } NR == 4 && $2 != 0 { bad = 1 }
			NR != 1 && NR != 4 && $2 * b != $1 * r { bad = 1 }
			END { exit bad || NR < 6 || r == 0 }'
}

# Attached: the target runs on (PTRACE_SEIZE, no SIGSTOP of ours) and completes its requests.
for mode in syscall sample; do
	start_workload -q -d 1 -t 4 -s 200 -o "$TEST_TMP/t.json"
	rm -f "$TEST_TMP/err"
	"$TP" $mode -p "$wpid" >/dev/null 2>"$TEST_TMP/err" &
	tpid=$!
	wait_for "$TEST_TMP/err" "pid $wpid"
	sleep 0.2
	{ kill -KILL "$tpid" && wait "$tpid"; } 2>/dev/null # no "Killed" line from bash
	is "$?" 137 "$mode -p, SIGKILLed: the tracer died of SIGKILL"
	sleep 0.1
	running_untraced "$wpid"
	ok $? "$mode -p, tracer SIGKILLed: no thread of the target stopped ($(states "$wpid"))"
	wait "$wpid"
	ok $? "$mode -p, tracer SIGKILLed: the workload exits 0"
	whole_requests "$TEST_TMP/t.json"
	ok $? "$mode -p, tracer SIGKILLed: the workload's truth is whole (calls per request, no error)"
done

# Started: the command dies with the tracer (PTRACE_O_EXITKILL), whatever the mode.
for mode in "break escape" syscall sample; do
	rm -f "$TEST_TMP/err" "$TEST_TMP/t.json"
	"$TP" $mode -- "$W" "${WL[@]}" -o "$TEST_TMP/t.json" >/dev/null 2>"$TEST_TMP/err" &
	tpid=$!
	wait_for "$TEST_TMP/err" "in pid\|of pid\|sampling pid"
	child=$(cat "/proc/$tpid/task/$tpid/children" 2>/dev/null)
	child=${child%% *}
	sleep 0.1
	{ kill -KILL "$tpid" && wait "$tpid"; } 2>/dev/null
	# Gone, or a zombie until whoever inherited it reaps it: never running on.
	wait_until 5 sh -c "! grep -qs '^State:[[:space:]]*[^ZX]' /proc/${child:-0}/status"
	ok $? "$mode -- workload, tracer SIGKILLed: the workload (pid ${child:-none}) dies with it"
	! pgrep -f "$TEST_TMP/t.json" >/dev/null && [ ! -e "$TEST_TMP/t.json" ] && [ -n "$child" ]
	ok $? "$mode -- workload, tracer SIGKILLed: no process left, no truth written"
done

# ---- 4. SIGINT or SIGTERM at a random moment --------------------------------------------------

# 20 runs: the workload (4 threads) attached at its hottest method, the signal 0-300 ms after the
# attach line. TB_SEED repeats a run's delays.
seed=${TB_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$seed
diag "random delays from seed $seed (TB_SEED=$seed repeats them)"
runs=20 bad_exit=0 bad_bytes=0 peeked=0 bad_wl=0 bad_truth=0 cut=0 no_int3=0
for i in $(seq "$runs"); do
	sig=INT
	[ $((RANDOM % 2)) -eq 0 ] && sig=TERM
	delay=$(printf '0.%03d' $((RANDOM % 301)))
	start_workload "${WL[@]}" -o "$TEST_TMP/t.json"
	before=$("$OUT/tests/peek" "$wpid" escape 8)
	rm -f "$TEST_TMP/err"
	"$TP" break escape -p "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
	tpid=$!
	wait_for "$TEST_TMP/err" "breakpoint in pid"
	during=$("$OUT/tests/peek" "$wpid" escape 1 2>/dev/null)
	[ "$during" = cc ] || [ -z "$during" ] || no_int3=$((no_int3 + 1))
	sleep "$delay"
	kill -"$sig" "$tpid"
	wait "$tpid"
	rc=$?
	after=$("$OUT/tests/peek" "$wpid" escape 8 2>/dev/null)
	wait "$wpid"
	wrc=$?
	hits=$(awk '$1 == "escape" { print $2 }' "$TEST_TMP/out")
	[ "${hits:-0}" -lt "$escape_calls" ] && cut=$((cut + 1))
	what="run $i: SIG$sig after ${delay}s, tracer exit $rc, hits ${hits:-none}, workload exit $wrc"
	[ "$rc" -eq 0 ] || { bad_exit=$((bad_exit + 1)) && diag "$what"; }
	if [ -n "$after" ]; then
		peeked=$((peeked + 1))
		[ "$after" = "$before" ] ||
			{ bad_bytes=$((bad_bytes + 1)) && diag "$what: bytes '$after', not '$before'"; }
	fi
	[ "$wrc" -eq 0 ] || { bad_wl=$((bad_wl + 1)) && diag "$what"; }
	truth_counts "$TEST_TMP/t.json" 2>/dev/null | cmp -s "$TEST_TMP/base.counts" - ||
		{ bad_truth=$((bad_truth + 1)) && diag "$what: truth differs"; }
done
diag "the signal came while breakpoints were hit in $cut of $runs runs; bytes read back after" \
	"$peeked runs (the others had finished)"
is "$bad_exit" 0 "SIGINT/SIGTERM at random: tb-ptrace exits 0 in every run"
is "$no_int3" 0 "SIGINT/SIGTERM at random: an int3 at escape while attached"
is "$bad_bytes" 0 "SIGINT/SIGTERM at random: the original bytes at escape after the tracer exits"
[ "$peeked" -ge $((runs / 2)) ]
ok $? "SIGINT/SIGTERM at random: bytes read back in at least half the runs ($peeked of $runs)"
is "$bad_wl $bad_truth" "0 0" \
	"SIGINT/SIGTERM at random: the workload exits 0 with its untraced truth every time"

# ---- 5. Bad input -----------------------------------------------------------------------------

# intact NAME: the gated workload ($wpid) untouched: no thread stopped, no tracer, escape's bytes
intact()
{
	running_untraced "$wpid" && [ "$("$OUT/tests/peek" "$wpid" escape 8)" = "$orig" ]
	ok $? "$1: the target runs on untraced, escape's bytes untouched"
}

# The -p target waits at its start gate, so it is still there after every case; released at the
# end, it must compute its untraced result.
"$W" -q -r 2000 -t 2 -o "$TEST_TMP/gbase.json"
rm -f "$TEST_TMP/gate"
mkfifo "$TEST_TMP/gate"
start_workload -q -r 2000 -t 2 -g 3 -o "$TEST_TMP/t.json" 3<>"$TEST_TMP/gate"
orig=$("$OUT/tests/peek" "$wpid" escape 8)

rejected "break nosuchsym -p" "nosuchsym" "$TP" break nosuchsym -p "$wpid"
intact "break nosuchsym -p"
rejected "break escape+100000000 -p (outside the text)" "escape" "$TP" break escape+100000000 -p "$wpid"
intact "break escape+100000000 -p"

true &
gone=$!
wait "$gone"
rejected "syscall -p PID of no process" "no process|no such process" "$TP" syscall -p "$gone"

if [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ]; then
	rejected "syscall -p 2 (kthreadd)" "kernel thread" "$TP" syscall -p 2
else
	skip "pid 2 is not kthreadd here (a pid namespace)" "-p of a kernel thread"
fi

# sh execs tb-ptrace, which keeps sh's pid: -p its own pid
rejected "syscall -p its own pid" "itself|own" sh -c "exec '$TP' syscall -p \$\$"

start_zombie
rejected "syscall -p a zombie" "zombie|exited" "$TP" syscall -p "$zombie"
{ kill "$zparent" && wait "$zparent"; } 2>/dev/null

thread=$(ls "/proc/$wpid/task" | grep -vx "$wpid" | head -1)
rejected "break escape -p a thread id" "thread" "$TP" break escape -p "$thread"
intact "break escape -p a thread id"

rejected "syscall -- a command that does not exist" "nosuchcommand.*(no such file|not found)" \
	"$TP" syscall -- nosuchcommand-tracebench
rejected "syscall -- a path that does not exist" "no such file" "$TP" syscall -- "$TEST_TMP/nonexistent"

rejected "syscall -o in a directory that does not exist, -p" "nodir" \
	"$TP" syscall -d 0.1 -o "$TEST_TMP/nodir/r.json" -p "$wpid"
intact "syscall -o unwritable -p"
rejected "break escape -o in a directory that does not exist, -p" "nodir" \
	"$TP" break escape -d 0.1 -o "$TEST_TMP/nodir/r.json" -p "$wpid"
intact "break escape -o unwritable -p"
rejected "syscall -o in a directory that does not exist, -- workload" "nodir" \
	"$TP" syscall -o "$TEST_TMP/nodir/r.json" -- "$W" -q -r 10

# Two tracers: the second is refused and says who holds the process; the first goes on.
rm -f "$TEST_TMP/err1"
"$TP" syscall -p "$wpid" >/dev/null 2>"$TEST_TMP/err1" &
tpid=$!
wait_for "$TEST_TMP/err1" "of pid $wpid"
rejected "break escape -p a process another tb-ptrace traces" "already traced.*$tpid" \
	"$TP" break escape -p "$wpid"
kill -INT "$tpid"
wait "$tpid"
ok $? "... and the first tracer, sent SIGINT, exits 0"
intact "two tracers"

printf g >"$TEST_TMP/gate"
wait "$wpid"
ok $? "after every bad input: the workload, released, exits 0"
truth_counts "$TEST_TMP/t.json" | cmp -s <(truth_counts "$TEST_TMP/gbase.json") -
ok $? "after every bad input: the workload's truth is the untraced one"

# A started command's exit status is tb-ptrace's (0 when it is tb-ptrace's own to report).
for mode in syscall "break escape" sample; do
	"$TP" $mode -- "$W" -q -r 10 -g 99 >/dev/null 2>&1
	is "$?" 2 "$mode -- workload with a bad option: the workload's exit status 2 passed on"
done

# The target exits while traced: a normal end, exit 0, the result written.
for mode in syscall "break escape" sample; do
	start_workload -q -r 500 -t 2 -s 200 -o "$TEST_TMP/t.json"
	rm -f "$TEST_TMP/r.json"
	"$TP" $mode -o "$TEST_TMP/r.json" -p "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	wait "$wpid"
	is "$rc $? $(wc -l <"$TEST_TMP/err")" "0 0 1" \
		"$mode -p, the target exits: tracer and target exit 0, only the attach line on stderr"
	case $mode in
	syscall) key=counts.writev limit=$(json_field "$TEST_TMP/t.json" syscalls.writev) ;;
	break*) key=counts.escape limit=$(json_field "$TEST_TMP/t.json" methods.escape.calls) ;;
	sample) key=samples limit=1000000 ;;
	esac
	got=$(result "$TEST_TMP/r.json" "$key" 2>/dev/null)
	[ -n "$got" ] && [ "$got" -gt 0 ] && [ "$got" -le "$limit" ]
	ok $? "$mode -p, the target exits: the result is written ($key $got, at most $limit)"
done

done_testing
