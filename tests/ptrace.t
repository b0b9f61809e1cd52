#!/usr/bin/env bash
# ptrace.t - tb-ptrace: breakpoints (hits, arguments, both step paths, bytes restored) and system calls
. "$(dirname "$0")/lib.sh"
TP=$OUT/tb-ptrace
W=$OUT/workload

[ "$(id -u)" = 0 ] || skip_all "ptrace of a process not our child needs root (CAP_SYS_PTRACE)"

"$W" -q -r 2000 -t 4 -o "$TEST_TMP/base.json"
truth_counts "$TEST_TMP/base.json" >"$TEST_TMP/base.counts"

# escape starts with push %rbp (executed out of line, or with --no-xol emulated); escape+4 is
# push %r13 (restored and single-stepped). The three paths, each with 4 threads.
for run in "escape" "escape --no-xol" "escape+4"; do
	set -- $run
	site=$1
	"$TP" break ${2:-} -o "$TEST_TMP/r.json" "$site" parse -- "$W" -q -r 2000 -t 4 \
		-o "$TEST_TMP/t.json" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	ok $? "break $run parse -- workload -t 4: exit 0"
	is "$(result "$TEST_TMP/r.json" "counts.$site" counts.parse lost | tr '\n' ' ')" \
		"$(json_field "$TEST_TMP/t.json" methods.escape.calls) $(json_field "$TEST_TMP/t.json" \
			methods.parse.calls) 0 " "break $site: hits equal the truth's calls, nothing lost"
	sum=$(awk -v s="$site" '$1 == s { print $3 }' "$TEST_TMP/out")
	is "$sum" "$(json_field "$TEST_TMP/t.json" methods.escape.arg_sum)" \
		"break $site: the sum of the first argument (%rdi) equals the truth's checksum"
	truth_counts "$TEST_TMP/t.json" | cmp -s "$TEST_TMP/base.counts" -
	ok $? "break $site: the workload computed what it computes untraced"
done
grep -q "escape+4 .* single-step$" "$TEST_TMP/out"
ok $? "escape+4 took the single-step path"
"$TP" break escape -- "$W" -q -r 10 -o "$TEST_TMP/t.json" 2>/dev/null |
	grep -q "escape .* out of line: push %rbp$"
ok $? "escape ran its push %rbp out of line"
"$TP" break --no-xol escape -- "$W" -q -r 10 -o "$TEST_TMP/t.json" 2>/dev/null |
	grep -q "escape .* emulated push %rbp$"
ok $? "escape with --no-xol took the emulated push %rbp path"

# USDT sites: every site of the probe, each a nop (run out of line), counted exactly.
"$TP" break -o "$TEST_TMP/r.json" usdt:tracebench:request_start usdt:tracebench:method_entry -- \
	"$OUT/workload-usdt" -q -r 2000 -t 2 -o "$TEST_TMP/t.json" >"$TEST_TMP/out" 2>/dev/null
ok $? "break usdt:... -- workload-usdt: exit 0"
is "$(result "$TEST_TMP/r.json" counts.usdt:tracebench:request_start \
	counts.usdt:tracebench:method_entry | tr '\n' ' ')" \
	"$(json_field "$TEST_TMP/t.json" requests) $(json_field "$TEST_TMP/t.json" method_calls) " \
	"break usdt: hits of request_start and of method_entry's sites equal the truth"
! grep "usdt:" "$TEST_TMP/out" | grep -vq "out of line: nop$"
ok $? "break usdt: every USDT site ran its nop out of line"

# SIGINT mid-run, attached by -p: every byte back, the workload finishes with the right result.
# Long enough (about 2 s untraced) to be attached to and interrupted, even under ASan.
"$W" -q -r 4000 -t 4 -s 200 -o "$TEST_TMP/base_sigint.json"
"$W" -q -r 4000 -t 4 -s 200 -o "$TEST_TMP/t.json" &
wpid=$!
wait_until 10 grep -q workload "/proc/$wpid/maps"
before=$("$OUT/tests/peek" "$wpid" escape 8)
rm -f "$TEST_TMP/err" # wait_for must not find an earlier run's line
"$TP" break escape escape+4 parse -p "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
tpid=$!
wait_for "$TEST_TMP/err" "breakpoints in pid"
during=$("$OUT/tests/peek" "$wpid" escape 1)
# The out-of-line slots: an anonymous executable mapping while attached, none after.
anon_exec() { awk '$2 ~ /x/ && NF < 6' "/proc/$wpid/maps" 2>/dev/null | wc -l; }
slots_during=$(anon_exec)
kill -INT "$tpid"
wait "$tpid"
ok $? "SIGINT: tb-ptrace exits 0"
is "$during" cc "attached: an int3 at escape"
after=$("$OUT/tests/peek" "$wpid" escape 8 2>/dev/null)
if [ -n "$after" ]; then
	is "$after" "$before" "after SIGINT: the original bytes at escape"
	is "$slots_during $(anon_exec)" "1 0" "the out-of-line page was mapped while attached, unmapped after"
else
	skip "the workload ended before the bytes could be read" "after SIGINT: original bytes"
fi
wait "$wpid"
ok $? "after SIGINT: the workload exits 0"
is "$(json_field "$TEST_TMP/t.json" result)" "$(json_field "$TEST_TMP/base_sigint.json" result)" \
	"after SIGINT: the workload's result is the untraced one"

# System calls, strace -c style, from execve on: the start-up's (the dynamic loader's pread64,
# measured on "workload -h", which stops right after it) plus the truth's, exactly, per thread count.
"$TP" syscall -o "$TEST_TMP/startup.json" -- "$W" -h >/dev/null 2>&1
startup() { result "$TEST_TMP/startup.json" "counts.$1" 2>/dev/null || echo 0; }
for threads in 1 4; do
	"$TP" syscall -o "$TEST_TMP/r.json" -- "$W" -q -r 2000 -t "$threads" -o "$TEST_TMP/t.json" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err"
	ok $? "syscall -- workload -t $threads: exit 0"
	is "$(result "$TEST_TMP/r.json" counts.pread64 counts.writev | tr '\n' ' ')" \
		"$(($(json_field "$TEST_TMP/t.json" syscalls.pread64) + $(startup pread64))) $(($(json_field \
			"$TEST_TMP/t.json" syscalls.writev) + $(startup writev))) " \
		"syscall -t $threads: pread64 and writev counts equal the truth's plus the start-up's"
done
"$TP" syscall -e pread64 -o "$TEST_TMP/r.json" -- "$W" -q -r 500 -o "$TEST_TMP/t.json" >/dev/null \
	2>&1
is "$(result "$TEST_TMP/r.json" counts | tr -d '\n')" pread64 "syscall -e pread64: only pread64 counted"
# With the seccomp filter: only the chosen calls stop the command, all of them counted.
"$TP" syscall --seccomp -e pread64,writev -o "$TEST_TMP/r.json" -- "$W" -q -r 2000 -t 4 \
	-o "$TEST_TMP/t.json" >/dev/null 2>&1
ok $? "syscall --seccomp -- workload -t 4: exit 0"
is "$(result "$TEST_TMP/r.json" counts.writev)" "$(json_field "$TEST_TMP/t.json" syscalls.writev)" \
	"syscall --seccomp: writev count equals the truth"
is "$(result "$TEST_TMP/r.json" counts.pread64)" \
	"$(($(json_field "$TEST_TMP/t.json" syscalls.pread64) + $(startup pread64)))" \
	"syscall --seccomp: pread64 counted from execve on (the truth's and the start-up's)"
"$TP" syscall -e nosuchcall -- "$W" >/dev/null 2>"$TEST_TMP/err"
is "$? $(wc -l <"$TEST_TMP/err")" "1 1" "syscall -e with an unknown name: exit 1, one line"

# Group stops are the program's: kill -STOP stops it under the tracer, kill -CONT resumes it; a
# second tracer is told who holds the process.
"$W" -q -r 3000 -t 2 -s 200 -o "$TEST_TMP/base200.json"
rm -f "$TEST_TMP/gate"
mkfifo "$TEST_TMP/gate"
"$W" -q -r 3000 -t 2 -s 200 -g 3 -o "$TEST_TMP/t.json" 3<>"$TEST_TMP/gate" &
wpid=$!
rm -f "$TEST_TMP/err"
"$TP" break parse -p "$wpid" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
tpid=$!
wait_for "$TEST_TMP/err" "breakpoint in pid"
printf g >"$TEST_TMP/gate"
sleep 0.2
kill -STOP "$wpid"
wait_until 5 grep -q '^State:.*t (tracing stop)' "/proc/$wpid/status"
ok $? "kill -STOP under the tracer: the process stops"
"$TP" break parse -p "$wpid" >/dev/null 2>"$TEST_TMP/err2"
is "$? $(grep -c "already traced by pid $tpid" "$TEST_TMP/err2")" "1 1" \
	"a second tracer: exit 1, naming the one that holds the process"
kill -CONT "$wpid"
wait "$wpid"
ok $? "kill -CONT: the process runs on and exits 0"
is "$(json_field "$TEST_TMP/t.json" result)" "$(json_field "$TEST_TMP/base200.json" result)" \
	"... with its untraced result"
wait "$tpid"
is "$(awk '$1 == "parse" { print $2 }' "$TEST_TMP/out")" \
	"$(json_field "$TEST_TMP/t.json" methods.parse.calls)" "... and every parse call counted"

# Forked children get a copy of the text, int3s included: they are let go with the bytes put back.
"$TP" break -o "$TEST_TMP/r.json" fork_calls_work -- "$OUT/tests/tracee_fork_calls" 40 \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "break fork_calls_work -- tracee_fork_calls 40: exit 0"
grep -q '^calls 40 sum 2380 children failed 0$' "$TEST_TMP/out"
ok $? "every forked and vforked child ran its copy without dying of SIGTRAP"
is "$(result "$TEST_TMP/r.json" counts.fork_calls_work)" 40 "... and the parent's 40 calls were counted"

# -L: each call timed from its entry to its return address; a timing can only add to the true time.
"$W" -q -r 400 -t 2 -s 10 -c -o "$TEST_TMP/cal10.json"
"$TP" break -L -o "$TEST_TMP/r.json" query escape -- "$W" -q -r 400 -t 2 -s 10 \
	-o "$TEST_TMP/t.json" >"$TEST_TMP/out" 2>/dev/null
ok $? "break -L query escape -- workload -t 2: exit 0"
is "$(result "$TEST_TMP/r.json" latency.query.calls latency.escape.calls latency_lost | tr '\n' ' ')" \
	"$(json_field "$TEST_TMP/t.json" methods.query.calls methods.escape.calls | tr '\n' ' ')0 " \
	"-L: every call of query and escape timed, none lost (recursion-free pairing by stack pointer)"
mean=$(result "$TEST_TMP/r.json" latency.query.mean_ns)
self=$(json_field "$TEST_TMP/cal10.json" methods.query.self_ns_per_call)
awk -v m="$mean" -v s="$self" 'BEGIN { exit !(m >= s) }'
ok $? "-L: query's measured latency $mean ns is not below its true self time $self ns"
grep -q '^ *[0-9]* -> [0-9]* *: [0-9]' "$TEST_TMP/out"
ok $? "-L: a log2 histogram is printed"

# Cases that break naive tracers (tests/tracee_hard_cases.c), each under a hard time limit: a
# regression hangs or spins, and must fail instead. HC ARGS...: tb-ptrace break on its two sites.
HC=$OUT/tests/tracee_hard_cases
hc() { timeout -s KILL 30 "$TP" break -o "$TEST_TMP/r.json" hard_cases_load hard_cases_work -- "$HC" "$@" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"; }
hc fault 20
ok $? "a site whose single-stepped load faults: exit 0 (the fault is delivered, not stepped forever)"
grep -q '^calls 20 recovered 10$' "$TEST_TMP/out"
ok $? "... the program's SIGSEGV handler ran for each of the 10 faults"
is "$(result "$TEST_TMP/r.json" counts.hard_cases_load)" 20 "... and all 20 calls were counted once"
hc leader 20
ok $? "the main thread calls pthread_exit (a zombie leader) while a worker hits a single-step site: exit 0"
grep -q '^worker calls 20 sum 1390$' "$TEST_TMP/out"
ok $? "... the worker ran to the end with the right result"
is "$(result "$TEST_TMP/r.json" counts.hard_cases_work)" 20 "... and its 20 calls were counted"
hc exec 20
ok $? "vfork + exec 20 times, then exec itself: exit 0"
grep -q '^calls 20 sum 1390$' "$TEST_TMP/out"
ok $? "... the program ran to its own exec with the right result"
is "$(result "$TEST_TMP/r.json" counts.hard_cases_work) $(grep -c 'ran execve' "$TEST_TMP/err")" "20 1" \
	"... 20 calls counted, and the exec that took the breakpoints away reported"

# A process stopped by kill -STOP stays stopped through attach and detach (PTRACE_LISTEN).
"$W" -q -r 2000 -t 2 -s 200 -o "$TEST_TMP/t.json" &
wpid=$!
wait_until 10 grep -q workload "/proc/$wpid/maps"
kill -STOP "$wpid"
wait_until 5 grep -q '^State:.*T' "/proc/$wpid/status"
timeout -s KILL 20 "$TP" break -d 0.3 escape -p "$wpid" >/dev/null 2>&1
ok $? "break -d 0.3 -p on a stopped process: exit 0"
sleep 0.2
grep -q '^State:.*T (stopped)' "/proc/$wpid/status"
ok $? "... which is still stopped after the detach, as kill -STOP left it"
kill -CONT "$wpid"
wait "$wpid"
ok $? "... and after kill -CONT runs to its end"

# --seccomp counts the calls that make events too: execve and clone3 (one per worker thread).
timeout -s KILL 30 "$TP" syscall --seccomp -e execve,clone3 -o "$TEST_TMP/r.json" -- "$W" -q -r 100 -t 4 >/dev/null 2>&1
is "$(result "$TEST_TMP/r.json" counts.execve counts.clone3 | tr '\n' ' ')" "1 4 " \
	"syscall --seccomp -e execve,clone3: the exec and the 4 thread creations counted"

# The same address twice is refused, before anything is inserted.
"$TP" break escape escape -- "$W" -q -r 10 >/dev/null 2>"$TEST_TMP/err"
is "$? $(grep -c 'same address' "$TEST_TMP/err")" "1 1" "break escape escape: refused, exit 1"

# Sampling: the leaf profile of the running threads against the calibrated self-time shares,
# as a total-variation distance over the methods (0 = the same, 1 = disjoint). 0.09 by hand.
"$W" -q -r 3000 -t 2 -s 200 -c -o "$TEST_TMP/calibrated.json"
"$TP" sample -F 200 -o "$TEST_TMP/r.json" --folded "$TEST_TMP/native.folded" \
	--folded-methods "$TEST_TMP/methods.folded" -- "$W" -q -r 3000 -t 2 -s 200 \
	-o "$TEST_TMP/t.json" >"$TEST_TMP/out" 2>&1
ok $? "sample -F 200 -- workload: exit 0"
samples=$(result "$TEST_TMP/r.json" samples)
[ "$samples" -ge 100 ]
ok $? "sample: at least 100 samples of running threads ($samples)"
# tvd PROFILE_KEY: distance between the result's PROFILE_KEY and the calibrated self shares
tvd()
{
	for m in $(json_field "$TEST_TMP/calibrated.json" methods); do
		echo "$m $(result "$TEST_TMP/r.json" "$1.$m" 2>/dev/null || echo 0)" \
			"$(result "$TEST_TMP/calibrated.json" "methods.$m.self_share" 2>/dev/null || echo 0)"
	done | awk '{ P[$1] = $2; Q[$1] = $3; sp += $2; sq += $3 }
		END { for (m in P) { x = P[m] / sp - Q[m] / sq; d += x < 0 ? -x : x }; print d / 2 }'
}
d=$(tvd profile)
awk -v d="$d" 'BEGIN { exit !(d ~ /^[0-9.]+(e-[0-9]+)?$/ && d < 0.2) }'
ok $? "sample: total-variation distance of the native leaf profile to the calibrated one $d < 0.2"
d=$(tvd method_profile)
awk -v d="$d" 'BEGIN { exit !(d ~ /^[0-9.]+(e-[0-9]+)?$/ && d < 0.2) }'
ok $? "sample: the same for the in-memory stack's leaf methods: $d < 0.2"

# Folded stacks: "frame;frame;... COUNT", one line per stack, counts adding up to the samples.
awk 'NF != 2 || $2 !~ /^[0-9]+$/ { bad++ } { n += $2 } END { print n + 0, bad + 0 }' \
	"$TEST_TMP/native.folded" >"$TEST_TMP/sum"
is "$(cat "$TEST_TMP/sum")" "$samples 0" "--folded: well-formed lines whose counts add up to the samples"
grep -Eq '(^|;)worker_main;handle_request;query(;|$)' "$TEST_TMP/native.folded"
ok $? "--folded: whole native stacks, root first (worker_main;handle_request;query)"
grep -Eq '(^|;)__xmknodat;' "$TEST_TMP/native.folded"
ok $((!$?)) "--folded: no wrong nearest-symbol names for stripped libc frames"
awk '{ n += $2 } $1 !~ /^handle_request(;|$)/ && $1 != "(no_method)" { bad++ }
	END { print n + 0, bad + 0 }' "$TEST_TMP/methods.folded" >"$TEST_TMP/sum"
is "$(cat "$TEST_TMP/sum")" "$(($(result "$TEST_TMP/r.json" method_samples))) 0" \
	"--folded-methods: every in-memory stack starts at handle_request; counts add up"
grep -q '^handle_request;render;render_row;escape ' "$TEST_TMP/methods.folded"
ok $? "--folded-methods: the deepest path of the call tree is there"

done_testing
