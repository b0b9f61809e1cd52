#!/usr/bin/env bash
# vmreadv_reliability.t - tb-vmreadv against RELIABILITY.md's process_vm_readv rows: torn stacks,
# short reads, the target exiting, EPERM, a reused pid, --blocking killed, signals, two samplers
. "$(dirname "$0")/lib.sh"
V=$OUT/tb-vmreadv
W=$OUT/workload
FR=$OUT/tests/tracee_fake_root

[ "$(id -u)" = 0 ] || skip_all "needs root: other users' processes, setpriv, ns_last_pid"

# fake MODE [USER-PREFIX...]: tests/tracee_fake_root MODE in the background ($fpid), once ready
fake()
{
	local mode=$1
	shift
	rm -f "$TEST_TMP/fake.out"
	"$@" "$FR" "$mode" >"$TEST_TMP/fake.out" &
	fpid=$!
	wait_for "$TEST_TMP/fake.out" '^ready$'
}
unfake() { { kill "$fpid" && wait "$fpid"; } 2>/dev/null; }

# sample_fake NAME ARGS...: tb-vmreadv ARGS -p $fpid with every output, into r.json, raw, folded
sample_fake()
{
	local name=$1
	shift
	rm -f "$TEST_TMP/r.json" "$TEST_TMP/raw" "$TEST_TMP/folded"
	timeout -s KILL 20 "$V" "$@" -o "$TEST_TMP/r.json" --raw "$TEST_TMP/raw" \
		--folded "$TEST_TMP/folded" -p "$fpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	ok $? "$name: exit 0"
}

seed=${TB_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$seed
diag "random delays from seed $seed (TB_SEED=$seed repeats them)"

# ---- 1. Reading a stack while it changes -------------------------------------------------------

# Four workers at scale 0; torn stacks read again up to 10 times before they are counted.
start_workload -q -d 30 -t 4 -s 0
wait_threads "$wpid" 5
timeout -s KILL 20 "$V" -F 2000 -d 1 --retries 10 --raw "$TEST_TMP/raw" -o "$TEST_TMP/r.json" \
	-p "$wpid" >/dev/null 2>&1
ok $? "--retries 10 -p a workload at scale 0 with 4 workers: exit 0"
read -r ticks samples idle tar invalid torn retries rmax < <(result "$TEST_TMP/r.json" ticks \
	samples idle torn_after_retries invalid torn retries retries_max | tr '\n' ' ')
diag "--retries 10: $ticks ticks, $samples samples, $idle idle, $tar torn after $retries re-reads"
is "$rmax" 10 "--retries 10: retries_max 10"
[ "$retries" -gt 0 ] && [ "$tar" -gt 0 ] && [ "$retries" -ge $((10 * tar)) ]
ok $? "--retries 10: torn stacks read again ($retries times); $tar still torn after 10, counted"
is "$((samples + idle + tar + invalid)) $torn" "$((4 * ticks)) $((tar + invalid))" \
	"--retries 10: samples + idle + torn + invalid = 4 threads x $ticks ticks; torn in the result"
is "$(bad_paths "$TEST_TMP/raw" | wc -l)" 0 \
	"--retries 10: every recorded stack a path of the call tree"
{ kill "$wpid" && wait "$wpid"; } 2>/dev/null

# The same with a stack that is always about to change (tests/tracee_fake_root flip: frames 1 to 31
# all fake_mid or all fake_leaf, rewritten every microsecond): no mixed copy gets through.
fake flip
sample_fake "--retries 10 -p tracee_fake_root flip" -F 2000 -d 0.5 --retries 10
read -r ticks samples tar retries < <(result "$TEST_TMP/r.json" ticks samples torn_after_retries \
	retries | tr '\n' ' ')
[ "$retries" -gt 0 ] && [ "$samples" -gt 0 ] && [ $((samples + tar)) -eq "$ticks" ]
ok $? "--retries 10, flip: $retries re-reads; $samples whole copies and $tar torn of $ticks ticks"
awk '{ n = split($1, f, ";"); for (i = 3; i <= n; i++) if (f[i] != f[2]) break }
	n != 32 || i <= n || f[1] != "fake_main" { bad += $2 } END { print bad + 0 }' \
	"$TEST_TMP/folded" >"$TEST_TMP/mixed"
is "$(cat "$TEST_TMP/mixed")" 0 "--retries 10, flip: no stack that mixes the two states reported"
unfake

# ---- 2. Short reads and impossible stacks (tests/tracee_fake_root.c) ---------------------------

# The control: a fake root with one still stack is read whole at every tick, one read per tick.
fake ok
ok $? "tracee_fake_root ok: ready"
sample_fake "fake root, ok" -F 100 -d 0.3
read -r ticks samples calls < <(result "$TEST_TMP/r.json" ticks samples system_calls | tr '\n' ' ')
is "$samples $(cat "$TEST_TMP/folded")" "$ticks fake_main;fake_leaf $ticks" \
	"fake root, ok: fake_main;fake_leaf at each of the $ticks ticks"
sample_fake "fake root, ok, -d 0.6" -F 100 -d 0.6
read -r ticks2 calls2 < <(result "$TEST_TMP/r.json" ticks system_calls | tr '\n' ' ')
is "$((calls2 - ticks2))" "$((calls - ticks))" \
	"fake root, ok: reads - ticks the same for $ticks and $ticks2 ticks (one read per tick)"
unfake

# short: slot 0 whole and still, slot 1 starts 100 bytes before an unmapped page. Each tick reads
# both in one call, which comes back short: nothing of it may be used, slot 0 included.
fake short
sample_fake "fake root, a slot across an unmapped page" -F 100 -d 0.3
read -r ticks samples idle failed lost < <(result "$TEST_TMP/r.json" ticks samples idle \
	failed_reads lost | tr '\n' ' ')
is "$failed $samples $idle" "$ticks 0 0" \
	"short read: every one of the $ticks reads failed and counted, no stack used (not even slot 0's)"
[ "$lost" -ge "$failed" ]
ok $? "short read: the failed reads are in lost ($lost)"
counted=$(result "$TEST_TMP/r.json" counts)
is "$(grep -c '^s ' "$TEST_TMP/raw") $(wc -c <"$TEST_TMP/folded") $counted" "0 0 " \
	"short read: nothing recorded, folded or counted"
grep -q 'failed reads' "$TEST_TMP/out"
ok $? "short read: the summary names the failed reads"
unfake

# short0: the first slot itself cannot be read whole: the root is not usable at all.
fake short0
rejected "fake root whose only slot crosses an unmapped page" "stack root|readable" \
	timeout -s KILL 20 "$V" -d 0.3 -p "$fpid"
unfake

# invalid: slot 1 is consistent but names method 7 of 3: counted invalid, never reported.
fake invalid
sample_fake "fake root, an impossible stack" -F 100 -d 0.3
read -r ticks samples invalid torn < <(result "$TEST_TMP/r.json" ticks samples invalid torn |
	tr '\n' ' ')
is "$invalid $torn $samples" "$ticks $ticks $ticks" \
	"invalid: slot 1 counted invalid at each of the $ticks ticks (torn includes it), slot 0 sampled"
is "$(result "$TEST_TMP/r.json" counts profile | tr '\n' ' ')" "fake_leaf fake_leaf " \
	"invalid: only slot 0's leaf in the counts and the profile"
is "$(awk '$1 == "s" { print $3 }' "$TEST_TMP/raw" | sort -u)" "$fpid" \
	"invalid: the raw recording holds slot 0's thread only"
unfake

# deep: 40 frames, 32 stored: the stack ends in (truncated).
fake deep
sample_fake "fake root, a stack deeper than stored" -F 100 -d 0.3
want=fake_main
for d in $(seq 1 31); do
	case $((d % 3)) in
	0) want="$want;fake_main" ;;
	1) want="$want;fake_mid" ;;
	2) want="$want;fake_leaf" ;;
	esac
done
read -r ticks samples truncated < <(result "$TEST_TMP/r.json" ticks samples truncated | tr '\n' ' ')
is "$samples $truncated" "$ticks $ticks" "deep: every sample counted truncated"
is "$(cat "$TEST_TMP/folded")" "$want;(truncated) $ticks" \
	"deep: the 32 stored frames, root first, then (truncated)"
unfake

fake badmagic
rejected "fake root with the wrong magic" "tb_stack_root.*(magic|understand)" \
	timeout -s KILL 20 "$V" -d 0.3 -p "$fpid"
unfake

# ---- 3. The target exits: ESRCH is a normal end ------------------------------------------------

for mode in "" --blocking; do
	start_workload -q -r 1500 -t 2 -s 200 -o "$TEST_TMP/t.json"
	rm -f "$TEST_TMP/r.json" "$TEST_TMP/raw"
	timeout -s KILL 20 "$V" $mode -F 200 -d 5 -o "$TEST_TMP/r.json" --raw "$TEST_TMP/raw" \
		-p "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	wait "$wpid"
	is "$rc $? $(wc -c <"$TEST_TMP/err")" "0 0 0" \
		"${mode:-non-blocking} -d 5 -p, the target exits: both exit 0, nothing on stderr"
	dur=$(result "$TEST_TMP/r.json" duration_ns 2>/dev/null)
	[ "$(result "$TEST_TMP/r.json" samples 2>/dev/null)" -gt 0 ] && [ "${dur:-9000000000}" -lt 4000000000 ] &&
		tail -1 "$TEST_TMP/raw" | grep -q '^end ticks'
	ok $? "${mode:-non-blocking}, the target exits: result, raw recording written (${dur:-?} ns)"
done

# ---- 4. Other user, not dumpable: EPERM, and the cause named -----------------------------------

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
start_workload -q -d 10 -t 2 -s 200
for mode in "" --blocking; do
	rejected "${mode:-non-blocking} as uid 65534 -p root's workload" \
		"CAP_SYS_PTRACE.*uid|uid.*CAP_SYS_PTRACE" \
		timeout -s KILL 20 "${NOBODY[@]}" "$V" $mode -d 0.3 -p "$wpid"
done
running_untraced "$wpid"
ok $? "root's workload untouched"
{ kill "$wpid" && wait "$wpid"; } 2>/dev/null

# The same user may read its own process (no Yama here)... unless the process is not dumpable.
fake ok "${NOBODY[@]}"
timeout -s KILL 20 "${NOBODY[@]}" "$V" -d 0.2 -p "$fpid" >/dev/null 2>&1
ok $? "as uid 65534 -p a fake root of uid 65534: exit 0 (the control)"
unfake
fake nondumpable "${NOBODY[@]}"
rejected "as uid 65534 -p a non-dumpable process of uid 65534" "dumpable" \
	timeout -s KILL 20 "${NOBODY[@]}" "$V" -d 0.2 -p "$fpid"
timeout -s KILL 20 "$V" -d 0.2 -p "$fpid" >/dev/null 2>&1
ok $? "as root (CAP_SYS_PTRACE) -p the non-dumpable process: exit 0"
unfake

# ---- 5. The pid reused by another process ------------------------------------------------------

# The target is SIGKILLed and reaped between two ticks of a 2 Hz sampler, and ns_last_pid makes an
# impostor get its pid. Both run with ASLR off (setarch -R), so the addresses the sampler read in
# the target are the impostor's root and stacks: only identity tells them apart. The impostor runs
# the probe loop, whose stack shows loop_leaf_method, which a request never has, or nothing
# (between two calls), or is torn; the target's requests (scale 2000, 2.3 ms each) are almost
# never idle or torn after the re-reads. Thread ids are no proof: the impostor's threads get the
# ids the target's had, when no other process took one in between.
reused=0 attempts=0
while [ "$reused" -lt 2 ] && [ "$attempts" -lt 6 ]; do
	attempts=$((attempts + 1))
	setarch -R "$W" -q -d 30 -t 4 -s 2000 &
	P=$!
	wait_until 10 grep -q workload "/proc/$P/maps"
	wait_threads "$P" 5
	tids=$(ls "/proc/$P/task" | tr '\n' ' ')
	rm -f "$TEST_TMP/err"
	timeout -s KILL 20 "$V" -v -F 2 -d 3 --raw "$TEST_TMP/raw" -o "$TEST_TMP/r.json" -p "$P" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err" &
	tpid=$!
	wait_for "$TEST_TMP/err" "stack root at"
	sleep 0.7 # ticks at 0, 0.5 and 1 s: the switch lands between the second and the third
	{ kill -KILL "$P" && wait "$P"; } 2>/dev/null
	echo $((P - 1)) >/proc/sys/kernel/ns_last_pid
	setarch -R "$W" -q -L 100000000000 -k method -t 4 &
	I=$!
	wait "$tpid"
	rc=$?
	{ kill "$I" && wait "$I"; } 2>/dev/null
	if [ "$I" != "$P" ]; then
		diag "attempt $attempts: the impostor got pid $I, not $P"
		continue
	fi
	reused=$((reused + 1))
	is "$rc $(tail -1 "$TEST_TMP/raw" | cut -d' ' -f1)" "0 end" \
		"pid $P reused (attempt $attempts): the sampler ended normally, its recording whole"
	! grep -q loop_leaf_method "$TEST_TMP/out" &&
		! awk '$1 == "s"' "$TEST_TMP/raw" | grep -q '[ ,]9\(,\|$\)'
	ok $? "pid $P reused: loop_leaf_method (the impostor's) never sampled"
	is "$(result "$TEST_TMP/r.json" idle torn_after_retries | tr '\n' ' ')$(bad_paths \
		"$TEST_TMP/raw" | wc -l)" "0 0 0" \
		"pid $P reused: no idle, torn or impossible stack (the impostor's) counted or recorded"
	strangers=$(awk -v t=" $tids" '$1 == "s" && index(t, " " $3 " ") == 0 { print $3 }' \
		"$TEST_TMP/raw" | sort -u | tr '\n' ' ')
	is "$strangers" "" "pid $P reused: every recorded stack is of one of the target's threads ($tids)"
done
diag "the pid was reused in $reused of $attempts attempts"
[ "$reused" -ge 1 ]
ok $? "the pid reuse happened at least once ($reused of $attempts attempts)"

# ---- 6. --blocking, the sampler SIGKILLed ------------------------------------------------------

# 15 runs: a 2-worker workload (about 0.7 s of work) paused 300 times a second, the sampler
# SIGKILLed 0-300 ms after it attached; in every other run, after that delay, the kill waits for
# the moment TracerPid shows the sampler holding the threads (it holds them for a small part of
# each tick only). Whether it held them is read from TracerPid just before the kill. The target
# must run on, untraced, and do exactly its untraced work.
"$W" -q -r 3000 -t 2 -s 200 -o "$TEST_TMP/base.json"
truth_counts "$TEST_TMP/base.json" >"$TEST_TMP/base.counts"
runs=15 held=0 bad_state=0 bad_exit=0 bad_truth=0 bad_kill=0
for i in $(seq "$runs"); do
	delay=$(printf '0.%03d' $((RANDOM % 301)))
	start_workload -q -r 3000 -t 2 -s 200 -o "$TEST_TMP/t.json"
	rm -f "$TEST_TMP/err"
	"$V" -v --blocking -F 300 -p "$wpid" >/dev/null 2>"$TEST_TMP/err" &
	tpid=$!
	wait_for "$TEST_TMP/err" "stack root at"
	sleep "$delay"
	tracer=0
	for _ in $(seq $((i % 2 ? 1 : 3000))); do
		while read -r k v; do [ "$k" = TracerPid: ] && tracer=$v; done 2>/dev/null \
			<"/proc/$wpid/status"
		[ "$tracer" = "$tpid" ] && break
	done
	{ kill -KILL "$tpid" && wait "$tpid"; } 2>/dev/null
	rc=$?
	[ "$tracer" = "$tpid" ] && held=$((held + 1))
	[ "$rc" -eq 137 ] ||
		{ bad_kill=$((bad_kill + 1)) && diag "run $i: the sampler exited $rc before the kill"; }
	sleep 0.05
	what="run $i: SIGKILL after ${delay}s, TracerPid before it ${tracer}"
	if [ -d "/proc/$wpid/task" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$wpid/status"; then
		running_untraced "$wpid" ||
			{ bad_state=$((bad_state + 1)) && diag "$what: left $(states "$wpid")"; }
	fi
	wait "$wpid"
	wrc=$?
	[ "$wrc" -eq 0 ] || { bad_exit=$((bad_exit + 1)) && diag "$what: workload exit $wrc"; }
	truth_counts "$TEST_TMP/t.json" 2>/dev/null | cmp -s "$TEST_TMP/base.counts" - ||
		{ bad_truth=$((bad_truth + 1)) && diag "$what: truth differs"; }
done
diag "--blocking SIGKILLed: the sampler held the target at the kill in $held of $runs runs"
is "$bad_kill" 0 "--blocking SIGKILLed: the sampler died of SIGKILL in every run"
is "$bad_state" 0 "--blocking SIGKILLed: no thread left stopped, TracerPid 0, in every run"
is "$bad_exit $bad_truth" "0 0" \
	"--blocking SIGKILLed: the workload exits 0 with its untraced truth every time"
[ "$held" -ge 4 ]
ok $? "--blocking SIGKILLed: at least 4 kills came while the target was paused ($held of $runs)"

# held_by PID TRACER: every thread of PID is in a tracing stop of TRACER
held_by()
{
	local f k v state tracer
	for f in /proc/"$1"/task/*/status; do
		state='' tracer=''
		while read -r k v _; do
			case $k in
			State:) state=$v ;;
			TracerPid:) tracer=$v ;;
			esac
		done 2>/dev/null <"$f"
		[ "$state" = t ] && [ "$tracer" = "$2" ] || return 1
	done
}

# stuck PID TRACER: held_by, and still 0.2 s later (a tick holds the threads a moment only)
stuck() { held_by "$1" "$2" && sleep 0.2 && held_by "$1" "$2"; }

# gone PID: PID (a child of this shell) has ended
gone() { ! kill -0 "$1" 2>/dev/null; }

# traced_by PID TRACER: the threads of PID whose TracerPid is TRACER, on one line
traced_by()
{
	grep -ls "^TracerPid:[[:space:]]*$2\$" /proc/"$1"/task/*/status | cut -d/ -f5 | tr '\n' ' '
}

# The other way round: the target SIGKILLed while the sampler holds it. The sampler writes its raw
# recording into a pipe filled beforehand, so its first write blocks in the middle of a tick, every
# thread paused and its stop collected; then the target is SIGKILLed and the pipe drained. Those
# threads die as the sampler's tracees: unless it reaps them they stay zombies it traces, the
# target never ends, and every later tick finds threads it cannot seize. It must end as for a
# target that exits: within 3 s, with its result, exit 0 (-p) or the command's 137 (-- COMMAND).
fifo=$TEST_TMP/raw.fifo
for mode in -p --; do
	rm -f "$fifo" "$TEST_TMP/err" "$TEST_TMP/r.json"
	if [ "$mode" = -p ]; then
		start_workload -q -d 30 -t 8 -s 100
		wait_threads "$wpid" 9
	fi
	mkfifo "$fifo"
	exec 4<>"$fifo"
	# 4 KB writes to a pipe are whole or not at all: dd stops at the first that does not fit
	dd if=/dev/zero of="$fifo" bs=4096 count=64 oflag=nonblock 2>/dev/null
	args=(-v --blocking -F 1000 -d 10 --raw "$fifo" -o "$TEST_TMP/r.json")
	if [ "$mode" = -p ]; then
		"$V" "${args[@]}" -p "$wpid" >/dev/null 2>"$TEST_TMP/err" 4<&- &
		tpid=$!
		want=0
	else
		"$V" "${args[@]}" -- "$W" -q -d 30 -t 8 -s 100 >/dev/null 2>"$TEST_TMP/err" 4<&- &
		tpid=$!
		want=137
	fi
	wait_for "$TEST_TMP/err" "stack root at"
	[ "$mode" = -p ] || wpid=$(pgrep -P "$tpid")
	wait_until 5 stuck "$wpid" "$tpid"
	ok $? "--blocking $mode, the raw recording into a full pipe: the sampler stops holding the target"
	kill -KILL "$wpid"
	# drained by a reader that has the pipe before this shell lets it go: never without a reader
	cat <&4 >/dev/null &
	cpid=$!
	exec 4<&-
	wait_until 3 gone "$tpid"
	ok $? "--blocking $mode, the target SIGKILLed while held: the sampler ends within 3 s"
	gone "$tpid" || {
		diag "... target threads it still traces: $(traced_by "$wpid" "$tpid")"
		kill -KILL "$tpid"
	}
	wait "$tpid"
	is "$? $(result "$TEST_TMP/r.json" unpaused 2>/dev/null)" "$want 0" \
		"--blocking $mode, the target SIGKILLed while held: exit $want, result written, 0 unpaused"
	kill "$cpid"
	[ "$mode" = -p ] && wait "$wpid"
done 2>/dev/null

# A thread that is not the leader execs while --blocking samples: it takes the leader's pid, the
# other threads vanish without a word, and the interrupt of the one that exec'd may be dropped, so
# a sampler waiting for every report it asked for would wait for ever, holding the target. 200 ms
# in (tests/tracee_fake_root threadexec), at 5000 Hz: the exec falls inside a pause about one
# time in ten, so twenty runs meet it about twice.
hung=0 held=0 failed=0
for i in $(seq 20); do
	fake threadexec
	timeout -k 1 10 "$V" --blocking -F 5000 -d 0.4 -p "$fpid" -o "$TEST_TMP/r.json" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err"
	case $? in 0) ;; 124 | 137) hung=$((hung + 1)) ;; *) failed=$((failed + 1)) ;; esac
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$fpid/status" || held=$((held + 1))
	grep -q '^State:[[:space:]]*S' "/proc/$fpid/status" || held=$((held + 1))
	unfake
done
is "$hung $held $failed" "0 0 0" \
	"--blocking, a thread that is not the leader execs: 20 runs end in time (hung, target held, failed)"

# ---- 7. SIGINT, SIGTERM, closed stdout, two samplers -------------------------------------------

# One workload for all of them, long enough to outlive them; at the end it must finish whole.
start_workload -q -d 15 -t 2 -s 200 -o "$TEST_TMP/t.json"
target=$wpid
runs=8 bad_exit=0 bad_out=0 bad_state=0 bad_report=0
for i in $(seq "$runs"); do
	sig=INT mode=""
	[ $((RANDOM % 2)) -eq 0 ] && sig=TERM
	[ $((RANDOM % 2)) -eq 0 ] && mode=--blocking
	delay=$(printf '0.%03d' $((100 + RANDOM % 401)))
	rm -f "$TEST_TMP/err" "$TEST_TMP/r.json" "$TEST_TMP/raw" "$TEST_TMP/folded"
	"$V" -v $mode -F 200 -d 5 -o "$TEST_TMP/r.json" --raw "$TEST_TMP/raw" \
		--folded "$TEST_TMP/folded" -p "$target" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
	tpid=$!
	wait_for "$TEST_TMP/err" "stack root at"
	sleep "$delay"
	kill -"$sig" "$tpid"
	SECONDS=0
	wait "$tpid"
	rc=$?
	what="run $i: ${mode:-non-blocking}, SIG$sig after ${delay}s, exit $rc"
	[ "$rc" -eq 0 ] && [ "$SECONDS" -le 1 ] || { bad_exit=$((bad_exit + 1)) && diag "$what"; }
	[ "$(result "$TEST_TMP/r.json" samples 2>/dev/null)" -gt 0 ] 2>/dev/null &&
		[ -s "$TEST_TMP/folded" ] && grep -q 'samples from' "$TEST_TMP/out" ||
		{ bad_out=$((bad_out + 1)) && diag "$what: outputs missing"; }
	timeout -s KILL 20 "$V" report -o "$TEST_TMP/rep.json" "$TEST_TMP/raw" >/dev/null 2>&1 &&
		[ "$(result "$TEST_TMP/rep.json" samples)" = "$(result "$TEST_TMP/r.json" samples)" ] ||
		{ bad_report=$((bad_report + 1)) && diag "$what: the raw recording does not report"; }
	sleep 0.05
	running_untraced "$target" ||
		{ bad_state=$((bad_state + 1)) && diag "$what: $(states "$target")"; }
done
is "$bad_exit" 0 "SIGINT/SIGTERM at random: tb-vmreadv exits 0 at once in every run"
is "$bad_out $bad_report" "0 0" \
	"SIGINT/SIGTERM at random: result, folded stacks and summary written; the raw recording reports"
is "$bad_state" 0 "SIGINT/SIGTERM at random: the target runs on untraced after every run"

# Closed stdout: the summary has nowhere to go. It must not hang, must leave the target alone, and
# the result file is still written.
rm -f "$TEST_TMP/r.json"
timeout -s KILL 20 "$V" -d 0.5 -o "$TEST_TMP/r.json" -p "$target" 2>"$TEST_TMP/err" |
	head -1 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" -ne 137 ] && [ -s "$TEST_TMP/r.json" ]
ok $? "| head -1: tb-vmreadv ends by itself (exit $rc), the result written"
rm -f "$TEST_TMP/r.json"
timeout -s KILL 20 "$V" -d 0.5 -o "$TEST_TMP/r.json" -p "$target" >&- 2>"$TEST_TMP/err"
rc=$?
[ "$rc" -ne 137 ] && [ -s "$TEST_TMP/r.json" ]
ok $? "stdout closed: tb-vmreadv ends by itself (exit $rc), the result written"
rejected "stdout on /dev/full" "stdout|standard output|No space" \
	sh -c "exec timeout -s KILL 20 '$V' -d 0.3 -p $target >/dev/full"
running_untraced "$target"
ok $? "closed or full stdout: the target runs on untraced"

# Two non-blocking samplers at once: neither disturbs the other.
timeout -s KILL 20 "$V" -F 500 -d 1 -o "$TEST_TMP/r1.json" -p "$target" >/dev/null 2>&1 &
s1=$!
timeout -s KILL 20 "$V" -F 500 -d 1 -o "$TEST_TMP/r2.json" -p "$target" >/dev/null 2>&1
rc2=$?
wait "$s1"
is "$? $rc2" "0 0" "two samplers on one target at once: both exit 0"
for r in r1 r2; do
	read -r ticks samples idle tar invalid < <(result "$TEST_TMP/$r.json" ticks samples idle \
		torn_after_retries invalid | tr '\n' ' ')
	[ "$samples" -gt 0 ] && [ $((samples + idle + tar + invalid)) -eq $((2 * ticks)) ] &&
		[ "$ticks" -ge 400 ]
	ok $? "two samplers: $r: $samples samples, every stack of $ticks ticks accounted for"
done

# A --blocking sampler and another ptrace tracer: a blocking sampler that finds the threads taken
# by another tracer between its ticks must go on or say so; not end quietly as if the target had
# exited.
rm -f "$TEST_TMP/r.json"
timeout -s KILL 20 "$V" --blocking -F 100 -d 2 -o "$TEST_TMP/r.json" -p "$target" >/dev/null \
	2>"$TEST_TMP/err" &
s1=$!
sleep 0.3
attached=0
for i in 1 2 3 4 5; do
	timeout -s KILL 10 "$OUT/tb-ptrace" syscall -d 0.2 -p "$target" >/dev/null 2>"$TEST_TMP/err2"
	grep -q "tracing system calls" "$TEST_TMP/err2" && attached=1 && break
done
wait "$s1"
rc=$?
dur=$(result "$TEST_TMP/r.json" duration_ns 2>/dev/null)
if [ "$attached" = 1 ]; then
	grep -qi "trac" "$TEST_TMP/err" || [ "${dur:-0}" -ge 1900000000 ]
	ok $? "--blocking, tb-ptrace attached meanwhile: sampled the whole -d 2 or said why not"
	diag "... the blocking sampler: exit $rc after ${dur:-?} ns;" \
		"stderr: $(head -c 200 "$TEST_TMP/err")"
else
	ok 1 "--blocking, tb-ptrace attached meanwhile: tb-ptrace never got in (5 tries)"
fi
sleep 0.1
running_untraced "$target"
ok $? "--blocking and tb-ptrace: the target runs on untraced"

wait "$target"
ok $? "after every run of this section: the workload exits 0"
is "$(result "$TEST_TMP/t.json" syscall_errors)" 0 "... without a failed system call"

done_testing
