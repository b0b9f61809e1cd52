#!/usr/bin/env bash
# vmreadv.t - tb-vmreadv: the sampled profile against the calibrated one, torn stacks left out and
# accounted for, folded output and report, ASLR, the target exiting, --blocking, bad input
. "$(dirname "$0")/lib.sh"
V=$OUT/tb-vmreadv
W=$OUT/workload

[ "$(id -u)" = 0 ] || skip_all "written for root: kthreadd, strace of the sampler, --blocking"

# tvd: the total-variation distance between r.json's profile and calibrated.json's self shares
tvd()
{
	for m in $(json_field "$TEST_TMP/calibrated.json" methods); do
		echo "$m $(result "$TEST_TMP/r.json" "profile.$m" 2>/dev/null || echo 0)" \
			"$(result "$TEST_TMP/calibrated.json" "methods.$m.self_share" 2>/dev/null || echo 0)"
	done | awk '{ P[$1] = $2; Q[$1] = $3; sp += $2; sq += $3 }
		END { for (m in P) { x = P[m] / sp - Q[m] / sq; d += x < 0 ? -x : x }; print d / 2 }'
}

# ---- 1. The sampled profile against the calibrated truth ---------------------------------------

# One worker at scale 1000 (query 1.4 ms, escape 14 us) for about 1.8 s, sampled at 2 kHz: some
# 3,600 samples. Over 15 runs on the noisy 2-CPU VM the distance was 0.003 to 0.012 (2 workers
# at 1 kHz: 0.006 to 0.04, the workers' own speed varying with the machine's load).
CAL=(-r 1000 -t 1 -s 1000)
"$W" -q "${CAL[@]}" -c -o "$TEST_TMP/calibrated.json"
timeout -s KILL 60 "$V" -F 2000 -o "$TEST_TMP/r.json" -- "$W" -q "${CAL[@]}" -o "$TEST_TMP/t.json" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "-F 2000 -- workload ${CAL[*]}: exit 0"
samples=$(result "$TEST_TMP/r.json" samples)
[ "${samples:-0}" -ge 2000 ]
ok $? "-F 2000: at least 2,000 samples ($samples)"
d=$(tvd)
diag "total-variation distance of the sampled profile to the calibrated one: $d ($samples samples)"
awk -v d="$d" 'BEGIN { exit !(d ~ /^[0-9.]+(e-[0-9]+)?$/ && d < 0.05) }'
ok $? "the leaf profile is within total-variation distance 0.05 of the calibrated self shares ($d)"
is "$(for m in $(result "$TEST_TMP/r.json" counts); do result "$TEST_TMP/r.json" "counts.$m"; done |
	awk '{ s += $1 } END { print s + 0 }')" "$samples" "the leaf counts add up to the samples"
truth_counts "$TEST_TMP/t.json" | cmp -s <(truth_counts "$TEST_TMP/calibrated.json") -
ok $? "the sampled workload did exactly the work of the calibrated one (truth counts equal)"
is "$(result "$TEST_TMP/r.json" technique mode | tr '\n' ' ')" "vm_readv nonblocking " \
	"the result names the technique and the mode"

# ---- 2. Torn stacks: counted, never reported ---------------------------------------------------

# Three workers at scale 0 change their stacks every few nanoseconds. The workload first waits at
# its start gate: every stack is there, empty and still, so nothing is torn and every read is
# one per tick plus what finding the root and the method names took (measured here as `attach`).
rm -f "$TEST_TMP/gate"
mkfifo "$TEST_TMP/gate"
start_workload -q -d 30 -t 3 -s 0 -g 3 -o "$TEST_TMP/t.json" 3<>"$TEST_TMP/gate"
wait_threads "$wpid" 4
timeout -s KILL 20 "$V" -F 1000 -d 0.2 -o "$TEST_TMP/r.json" -p "$wpid" >/dev/null 2>&1
ok $? "-p a workload waiting at its start gate: exit 0"
read -r ticks idle samples torn calls < <(result "$TEST_TMP/r.json" ticks idle samples torn \
	system_calls | tr '\n' ' ')
is "$idle $samples $torn" "$((3 * ticks)) 0 0" \
	"at the gate: every one of the 3 threads' stacks read idle at each of $ticks ticks, none torn"
attach=$((calls - ticks))
diag "reads to find the stack root and the method names: $attach"
printf g >"$TEST_TMP/gate"
sleep 0.2

# check_accounting NAME RETRIES: r.json and raw of a -p run of the 3 workers that ended by -d
check_accounting()
{
	local name=$1 retries_max=$2 ticks samples idle tar invalid torn retries lines late calls
	read -r ticks samples idle tar invalid torn retries late calls < <(result "$TEST_TMP/r.json" \
		ticks samples idle torn_after_retries invalid torn retries late system_calls |
		tr '\n' ' ')
	diag "$name: $ticks ticks, $late late, $samples samples, $idle idle, $tar torn after" \
		"$retries retries, $invalid invalid, $calls reads"
	[ "$tar" -gt 0 ]
	ok $? "$name: torn stacks were met and counted ($tar of $((3 * ticks)))"
	is "$((samples + idle + tar + invalid))" "$((3 * ticks))" \
		"$name: samples + idle + torn_after_retries + invalid = 3 threads x $ticks ticks"
	is "$torn" "$((tar + invalid))" "$name: torn = torn_after_retries + invalid"
	lines=$(grep -c '^s ' "$TEST_TMP/raw")
	is "$lines" "$((samples + idle))" "$name: the raw recording holds every consistent stack, no more"
	bad_paths "$TEST_TMP/raw" >"$TEST_TMP/bad"
	is "$(wc -l <"$TEST_TMP/bad")" 0 \
		"$name: every recorded stack is a path of the call tree (none torn): $(head -1 "$TEST_TMP/bad")"
	if [ "$retries_max" -eq 0 ]; then
		is "$retries $calls" "0 $((attach + ticks))" "$name: no re-reads; one read per tick"
	else
		[ "$retries" -gt 0 ] && [ "$retries" -ge $((retries_max * tar)) ]
		ok $? "$name: torn stacks read again ($retries), each left out after $retries_max re-reads"
		# re-reads go in rounds, one read each, of 1 to 3 stacks
		rounds=$((calls - attach - ticks))
		[ "$rounds" -ge $(((retries + 2) / 3)) ] && [ "$rounds" -le "$retries" ]
		ok $? "$name: one read per tick plus one per round of re-reads ($rounds rounds)"
	fi
	# The schedule: every one of the 2,000 instants in 1 s either sampled or counted late (a few at
	# the very end may fall after the deadline).
	[ $((ticks + late)) -le 2001 ] && [ $((ticks + late)) -ge 1960 ]
	ok $? "$name: ticks + late ($ticks + $late) account for 2,000 instants at 2 kHz in 1 s"
}

# --retries 0, under strace: its count of process_vm_readv calls is the tool's system_calls.
if command -v strace >/dev/null; then
	no_lsan timeout -s KILL 30 strace -f -c -U name,calls -e trace=process_vm_readv \
		-o "$TEST_TMP/strace" \
		"$V" -F 2000 -d 1 --retries 0 --raw "$TEST_TMP/raw" -o "$TEST_TMP/r.json" -p "$wpid" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err"
	ok $? "--retries 0 -F 2000 -d 1 -p (under strace): exit 0"
	is "$(awk '$1 == "process_vm_readv" { print $2 }' "$TEST_TMP/strace")" \
		"$(result "$TEST_TMP/r.json" system_calls)" \
		"strace counts as many process_vm_readv calls as the result's system_calls"
else
	skip "strace is not installed (setup.sh installs it)" "process_vm_readv counted by strace"
	timeout -s KILL 30 "$V" -F 2000 -d 1 --retries 0 --raw "$TEST_TMP/raw" -o "$TEST_TMP/r.json" \
		-p "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	ok $? "--retries 0 -F 2000 -d 1 -p: exit 0"
fi
check_accounting "--retries 0" 0

timeout -s KILL 30 "$V" -F 2000 -d 1 --raw "$TEST_TMP/raw" --folded "$TEST_TMP/live.folded" \
	-o "$TEST_TMP/r.json" -p "$wpid" >"$TEST_TMP/live.out" 2>"$TEST_TMP/err"
ok $? "default retries -F 2000 -d 1 -p: exit 0"
is "$(result "$TEST_TMP/r.json" retries_max)" 3 "retries_max is the default, 3"
check_accounting "default retries" 3
{ kill "$wpid" && wait "$wpid"; } 2>/dev/null

# The workload's torn copies mostly still look like possible paths (the copy runs from the depth
# to the frames in a few nanoseconds), so the sharp test is tests/tracee_fake_root flip: a thread
# that keeps rewriting frames 1 to 31 between all fake_mid and all fake_leaf. A copy taken during
# a rewrite mixes the two; without the sequence check about half of all copies do.
rm -f "$TEST_TMP/fake.out"
"$OUT/tests/tracee_fake_root" flip >"$TEST_TMP/fake.out" &
fpid=$!
wait_for "$TEST_TMP/fake.out" '^ready$'
for retries in 0 3; do
	timeout -s KILL 20 "$V" -F 2000 -d 0.5 --retries $retries --folded "$TEST_TMP/flip.folded" \
		-o "$TEST_TMP/flip.json" -p "$fpid" >/dev/null 2>&1
	ok $? "--retries $retries -p tracee_fake_root flip: exit 0"
	read -r ticks samples tar reread < <(result "$TEST_TMP/flip.json" ticks samples \
		torn_after_retries retries | tr '\n' ' ')
	# torn copies are met: counted (--retries 0) or read again (--retries 3)
	[ "$samples" -gt 0 ] && [ $((samples + tar)) -eq "$ticks" ] && [ $((tar + reread)) -gt 0 ]
	ok $? "--retries $retries, flip: $samples whole, $tar torn after $reread re-reads, $ticks ticks"
	awk '{ n = split($1, f, ";"); for (i = 3; i <= n; i++) if (f[i] != f[2]) break }
		n != 32 || i <= n || f[1] != "fake_main" { bad += $2 } END { print bad + 0 }' \
		"$TEST_TMP/flip.folded" >"$TEST_TMP/mixed"
	is "$(cat "$TEST_TMP/mixed")" 0 \
		"--retries $retries, flip: no stack that mixes the two states reported"
done
{ kill "$fpid" && wait "$fpid"; } 2>/dev/null

# ---- 3. Folded output and report ---------------------------------------------------------------

samples=$(result "$TEST_TMP/r.json" samples)
awk 'NF != 2 || $2 !~ /^[1-9][0-9]*$/ || $1 ~ /(^;|;;|;$)/ { bad++ } { n += $2; seen[$1]++ }
	END { for (s in seen) if (seen[s] > 1) bad++; print n + 0, bad + 0 }' \
	"$TEST_TMP/live.folded" >"$TEST_TMP/sum"
is "$(cat "$TEST_TMP/sum")" "$samples 0" \
	"--folded: 'frame;frame COUNT' lines, one per stack, counts adding up to the samples"
# The folded stacks are paths of the call tree too (names mapped to ids through the raw header).
awk 'NR == FNR { if ($1 == "method") { print; id[$3] = $2 } next }
	{ n = split($1, f, ";"); ids = ""
	  for (i = 1; i <= n; i++) ids = ids (i > 1 ? "," : "") (f[i] in id ? id[f[i]] : "x" f[i])
	  print "s 0 0 " ids }' "$TEST_TMP/raw" "$TEST_TMP/live.folded" >"$TEST_TMP/folded.raw"
is "$(bad_paths "$TEST_TMP/folded.raw" | wc -l)" 0 "--folded: every stack a path of the call tree"
grep -q '^handle_request;render;render_row;escape ' "$TEST_TMP/live.folded"
ok $? "--folded: the deepest path of the call tree is there, root first"

timeout -s KILL 20 "$V" report -o "$TEST_TMP/report.json" --folded "$TEST_TMP/report.folded" \
	"$TEST_TMP/raw" >"$TEST_TMP/report.out" 2>"$TEST_TMP/err"
ok $? "report RAW: exit 0"
# every top-level key of the live result, and every member of its counts and profiles
keys=$(result "$TEST_TMP/r.json" "")
for m in $(result "$TEST_TMP/r.json" counts); do keys="$keys counts.$m profile.$m"; done
for m in $(result "$TEST_TMP/r.json" total_profile); do keys="$keys total_profile.$m"; done
# shellcheck disable=SC2086
result "$TEST_TMP/r.json" "" $keys >"$TEST_TMP/live.values" 2>&1
# shellcheck disable=SC2086
result "$TEST_TMP/report.json" "" $keys >"$TEST_TMP/report.values" 2>&1
[ "$(wc -w <"$TEST_TMP/live.values")" -gt 60 ] &&
	cmp -s "$TEST_TMP/live.values" "$TEST_TMP/report.values"
ok $? "report -o: every key of the live result, counts and profiles with the same values"
diff "$TEST_TMP/live.values" "$TEST_TMP/report.values" | sed 's/^/#   /' | head -10
cmp -s "$TEST_TMP/live.folded" "$TEST_TMP/report.folded"
ok $? "report --folded: the same file as record's --folded"
cmp -s "$TEST_TMP/live.out" "$TEST_TMP/report.out"
ok $? "report prints the summary record printed"

# ---- 4. The target exits while sampled ---------------------------------------------------------

# About 0.4 s of work, sampled with -d 5: the end comes from the target.
start_workload -q -r 1500 -t 2 -s 200 -o "$TEST_TMP/t.json"
rm -f "$TEST_TMP/r.json" "$TEST_TMP/raw" "$TEST_TMP/live.folded"
timeout -s KILL 20 "$V" -F 500 -d 5 -o "$TEST_TMP/r.json" --raw "$TEST_TMP/raw" \
	--folded "$TEST_TMP/live.folded" -p "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
wait "$wpid"
is "$rc $? $(wc -c <"$TEST_TMP/err")" "0 0 0" \
	"-d 5 -p, the target exits: tb-vmreadv exits 0 and says nothing on stderr, the workload exits 0"
dur=$(result "$TEST_TMP/r.json" duration_ns 2>/dev/null)
samples=$(result "$TEST_TMP/r.json" samples 2>/dev/null)
[ "${samples:-0}" -gt 0 ] && [ "${dur:-5000000000}" -lt 4000000000 ]
ok $? "... the result is written: $samples samples, ended after ${dur:-?} ns, before -d"
tail -1 "$TEST_TMP/raw" | grep -q '^end ticks ' && [ -s "$TEST_TMP/live.folded" ] &&
	grep -q '^[0-9]* samples from' "$TEST_TMP/out"
ok $? "... the raw recording has its end line, the folded stacks and the summary are written"

# -- COMMAND: tb-vmreadv exits with the command's status, here 128 + SIGTERM.
rm -f "$TEST_TMP/err"
"$V" -v -F 100 -- "$W" -q -d 10 -t 1 >/dev/null 2>"$TEST_TMP/err" &
tpid=$!
wait_for "$TEST_TMP/err" "stack root at"
child=$(cat "/proc/$tpid/task/$tpid/children" 2>/dev/null)
sleep 0.2
kill -TERM "${child%% *}"
wait "$tpid"
is "$?" 143 "-- workload, the workload killed by SIGTERM: tb-vmreadv exits 128 + 15"

# ---- 5. A position-independent workload at a random base ---------------------------------------

readelf -h "$W" | grep -q 'Type:.*DYN'
ok $? "the workload is a position-independent executable (ELF type DYN)"
sym=$(nm "$W" | awk '$3 == "tb_stack_root" { print $1 }')
start_workload -q -d 5 -t 1 -s 200
w1=$wpid
start_workload -q -d 5 -t 1 -s 200
w2=$wpid
# base PID: where the workload's first page (file offset 0) is mapped in PID
base()
{
	awk -v f="$W" '$6 == f && $3 == "00000000" { print $1; exit }' "/proc/$1/maps" | cut -d- -f1
}
b1=$(base "$w1") b2=$(base "$w2")
[ -n "$b1" ] && [ -n "$b2" ] && [ "$b1" != "$b2" ]
ok $? "two workloads are loaded at different bases (ASLR): 0x$b1, 0x$b2"
for w in "$w1" "$w2"; do
	b=$(base "$w")
	timeout -s KILL 20 "$V" -v -d 0.3 -o "$TEST_TMP/r.json" -p "$w" >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	want=$(printf '%x' $((0x$b + 0x$sym)))
	is "$rc $(sed -n 's/.*stack root at 0x\([0-9a-f]*\).*/\1/p' "$TEST_TMP/err")" "0 $want" \
		"-p $w: exit 0, the stack root found at its base 0x$b + tb_stack_root's 0x$sym"
	[ "$(result "$TEST_TMP/r.json" samples)" -gt 0 ]
	ok $? "-p $w: samples taken"
done
{ kill "$w1" "$w2" && wait "$w1" "$w2"; } 2>/dev/null

# ---- 6. Bad input ------------------------------------------------------------------------------

# A gated workload is the target of the cases that reach a process: it must be untouched.
rm -f "$TEST_TMP/gate"
mkfifo "$TEST_TMP/gate"
"$W" -q -r 2000 -t 2 -o "$TEST_TMP/gbase.json"
start_workload -q -r 2000 -t 2 -g 3 -o "$TEST_TMP/t.json" 3<>"$TEST_TMP/gate"
gated=$wpid

true &
gone=$!
wait "$gone"
rejected "-p PID of no process" "no process|no such process" "$V" -d 0.1 -p "$gone"
rejected "-p 0" "-p 0.*not a process id" "$V" -d 0.1 -p 0
if [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ]; then
	rejected "-p 2 (kthreadd)" "kernel thread" "$V" -d 0.1 -p 2
else
	skip "pid 2 is not kthreadd here (a pid namespace)" "-p of a kernel thread"
fi
rejected "-p its own pid" "itself|own" sh -c "exec '$V' -d 0.1 -p \$\$"
start_zombie
rejected "-p a zombie" "zombie|exited" "$V" -d 0.1 -p "$zombie"
{ kill "$zparent" && wait "$zparent"; } 2>/dev/null
thread=$(ls "/proc/$gated/task" | grep -vx "$gated" | head -1)
rejected "-p a thread id" "thread" "$V" -d 0.1 -p "$thread"

# Not a workload: by -p left as it was, by -- not left running.
sleep 30 &
spid=$!
rejected "-p sleep" "tb_stack_root" timeout -s KILL 20 "$V" -d 0.1 -p "$spid"
grep -q '^State:[[:space:]]*S' "/proc/$spid/status" && grep -q '^TracerPid:[[:space:]]*0$' \
	"/proc/$spid/status"
ok $? "-p sleep: the sleep sleeps on, untraced"
{ kill "$spid" && wait "$spid"; } 2>/dev/null
SECONDS=0
rejected "-- sleep" "sleep.*tb_stack_root" timeout -s KILL 20 "$V" -- sleep 3.0625
elapsed=$SECONDS
! pgrep -f "sleep 3.0625" >/dev/null && [ "$elapsed" -lt 3 ]
ok $? "-- sleep: the sleep does not outlive tb-vmreadv, which gave up in ${elapsed}s"
rejected "-- a command that does not exist" "nosuchcommand" "$V" -- nosuchcommand-tracebench

rejected "-F 0" "-F 0" "$V" -F 0 -p "$gated"
rejected "-F 1e6" "-F 1e6" "$V" -F 1e6 -p "$gated"
rejected "--retries -1" "--retries -1" "$V" --retries -1 -p "$gated"
rejected "-d 0" "-d 0" "$V" -d 0 -p "$gated"
rejected "-o in a directory that does not exist" "nodir" \
	"$V" -d 0.1 -o "$TEST_TMP/nodir/r.json" -p "$gated"
rejected "--raw in a directory that does not exist" "nodir" \
	"$V" -d 0.1 --raw "$TEST_TMP/nodir/raw" -p "$gated"
rejected "--folded in a directory that does not exist" "nodir" \
	"$V" -d 0.1 --folded "$TEST_TMP/nodir/f" -p "$gated"
rejected "-p and -- together" "-p|--" "$V" -p "$gated" -- "$W"

# report: only a whole recording.
echo '{ "technique": "vm_readv" }' >"$TEST_TMP/notraw"
rejected "report on a JSON file" "not a raw recording" "$V" report "$TEST_TMP/notraw"
rejected "report on an empty file" "empty" "$V" report /dev/null
head -n -1 "$TEST_TMP/raw" >"$TEST_TMP/cut"
rejected "report on a recording without its end line" "no end line|cut short" "$V" report "$TEST_TMP/cut"
# a stack line with a method id beyond the table, and a line that means nothing
nr=$(grep -c '^method ' "$TEST_TMP/raw")
n=$(grep -n '^s ' "$TEST_TMP/raw" | head -1 | cut -d: -f1)
sed "${n}s/.*/s 1 2 0,$nr/" "$TEST_TMP/raw" >"$TEST_TMP/badid"
rm -f "$TEST_TMP/r.json"
rejected "report on a stack with method id $nr of $nr" "line $n" "$V" report -o "$TEST_TMP/r.json" \
	"$TEST_TMP/badid"
[ ! -e "$TEST_TMP/r.json" ]
ok $? "report on a bad recording writes no result"
sed "${n}s/.*/this is not a sample/" "$TEST_TMP/raw" >"$TEST_TMP/garbage"
rejected "report on a malformed line" "line $n.*malformed" "$V" report "$TEST_TMP/garbage"
rejected "report with -p" "record" "$V" report -p "$gated" "$TEST_TMP/raw"

running_untraced "$gated"
ok $? "after every bad input: the gated workload waits on, untraced"
printf g >"$TEST_TMP/gate"
wait "$gated"
ok $? "... released, it exits 0"
truth_counts "$TEST_TMP/t.json" | cmp -s <(truth_counts "$TEST_TMP/gbase.json") -
ok $? "... with its untraced truth"

# ---- 7. --blocking -----------------------------------------------------------------------------

start_workload -q -d 10 -t 3 -s 0 -o "$TEST_TMP/t.json"
wait_threads "$wpid" 4
timeout -s KILL 20 "$V" --blocking -F 200 -d 1 --raw "$TEST_TMP/raw" -o "$TEST_TMP/r.json" \
	-p "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "--blocking -F 200 -d 1 -p: exit 0"
read -r mode samples idle tar invalid ticks retries paused < <(result "$TEST_TMP/r.json" mode \
	samples idle torn_after_retries invalid ticks retries paused_ns_per_tick | tr '\n' ' ')
is "$mode $retries" "blocking 0" \
	"--blocking: mode blocking, no re-reads (a paused stack cannot change)"
[ "$samples" -gt 0 ] && awk -v p="$paused" 'BEGIN { exit !(p > 0) }'
ok $? "--blocking: $samples samples, the target paused $paused ns per tick"
is "$((samples + idle + tar + invalid))" "$((3 * ticks))" \
	"--blocking: samples + idle + torn + invalid = 3 threads x $ticks ticks"
is "$(bad_paths "$TEST_TMP/raw" | wc -l)" 0 \
	"--blocking: every recorded stack a path of the call tree"
sleep 0.1
running_untraced "$wpid"
ok $? "--blocking: after the run the target runs untraced, no thread stopped ($(states "$wpid"))"

# --realtime: the sampler runs SCHED_FIFO, says so, and so does the report of its recording.
timeout -s KILL 20 "$V" --realtime -F 1000 -d 0.3 --raw "$TEST_TMP/raw" -o "$TEST_TMP/r.json" \
	-p "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "--realtime -p: exit 0"
timeout -s KILL 20 "$V" report -o "$TEST_TMP/report.json" "$TEST_TMP/raw" >/dev/null 2>&1
is "$(result "$TEST_TMP/r.json" realtime) $(result "$TEST_TMP/report.json" realtime)" "true true" \
	"--realtime: realtime true in the result, and in the report of the raw recording"
grep -q 'SCHED_FIFO' "$TEST_TMP/out"
ok $? "--realtime: the summary says SCHED_FIFO"
{ kill "$wpid" && wait "$wpid"; } 2>/dev/null

# Started by --, paused at every sample, the command still does exactly its work.
"$W" -q -r 2000 -t 2 -s 200 -o "$TEST_TMP/base.json"
timeout -s KILL 60 "$V" --blocking -F 200 -o "$TEST_TMP/r.json" -- "$W" -q -r 2000 -t 2 -s 200 \
	-o "$TEST_TMP/t.json" >/dev/null 2>"$TEST_TMP/err"
ok $? "--blocking -- workload: exit 0"
truth_counts "$TEST_TMP/t.json" | cmp -s <(truth_counts "$TEST_TMP/base.json") -
ok $? "--blocking -- workload: its truth is the untraced one"
[ "$(result "$TEST_TMP/r.json" samples)" -gt 0 ]
ok $? "--blocking -- workload: samples taken"

done_testing
