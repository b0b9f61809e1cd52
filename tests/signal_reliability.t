#!/usr/bin/env bash
# signal_reliability.t - tb-signal against RELIABILITY.md's Signals table: no malloc in the handler,
# libunwind beside dlopen/dlclose, SA_RESTART (and the EINTR that remains, published), signals in
# flight when the profiler stops, errno kept, fork
. "$(dirname "$0")/lib.sh"
S=$OUT/tb-signal
T=$OUT/tests

[ "$(id -u)" = 0 ] || skip_all "written for root, like the other technique tests"
command -v cc >/dev/null || skip_all "no C compiler (cc): the test builds a library of its own"

# ---- 1. malloc in a handler --------------------------------------------------------------------

# Three threads malloc, realloc and free as fast as they can, sampled 5,000 times a second of
# real time each: a handler that allocated would deadlock on the allocator's lock (a build of
# the library that does free(malloc(16)) in its handler hung every run here, 1 to 3 threads).
# Then again with the program's own allocator counting the calls made inside a SIGPROF handler
# (tracee_signal_malloc check): slower, but it sees an allocation that happens not to deadlock.
timeout -s KILL 30 "$S" record --wall -F 5000 -o "$TEST_TMP/r.json" -- \
	"$T/tracee_signal_malloc" 2.5 3 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
is "$rc" 0 "malloc/free in 3 threads, --wall -F 5000 for 2.5 s: finishes, exit 0 (137: hung)"
ops=$(sed -n 's/^ops //p' "$TEST_TMP/out")
read -r samples ach over < <(result "$TEST_TMP/r.json" samples achieved_hz overruns 2>/dev/null |
	tr '\n' ' ')
diag "malloc: $ops allocator operations; $samples samples, $ach Hz achieved of 5,000," \
	"$over overruns"
[ "${ops:-0}" -gt 0 ] && [ "${samples:-0}" -gt 1000 ]
ok $? "malloc: the program did its work and was sampled ($samples samples)"
rm -f "$TEST_TMP/r.json"
timeout -s KILL 30 "$S" record --wall -F 5000 -o "$TEST_TMP/r.json" -- \
	"$T/tracee_signal_malloc" 1.5 3 check >"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "malloc ... check, 1.5 s: exit 0"
calls=$(sed -n 's/^allocator_calls //p' "$TEST_TMP/out")
inh=$(sed -n 's/^in_sigprof_handler //p' "$TEST_TMP/out")
diag "malloc: allocator calls $calls, of which inside the SIGPROF handler: $inh;" \
	"$(result "$TEST_TMP/r.json" samples) samples"
[ "${calls:-0}" -gt 0 ] && [ "$inh" = 0 ]
ok $? "malloc: no allocator call from inside the SIGPROF handler ($inh of $calls)"

# ---- 2. libunwind in the handler while another thread runs dlopen/dlclose ----------------------

# The main thread loads a tiny library, calls into it and unloads it, over and over; another
# thread burns CPU; both are sampled 2,000 times a second of real time, 3 s, 3 times.
cat >"$TEST_TMP/tiny.c" <<'EOF'
long tiny_work(long n)
{
	volatile long x = n;

	for (int i = 0; i < 20000; i++)
		x = x * 3 + 1;
	return x;
}
EOF
cc -O1 -fPIC -shared "$TEST_TMP/tiny.c" -o "$TEST_TMP/libtiny.so"
ok $? "the tiny library builds"
hung=0
for i in 1 2 3; do
	rm -f "$TEST_TMP/r.json"
	SECONDS=0
	# (timeout kills its process group, itself included: a subshell reaps it quietly)
	(timeout -s KILL 10 "$S" record --wall -F 2000 -o "$TEST_TMP/r.json" -- \
		"$T/tracee_signal_dlopen" 3 2 "$TEST_TMP/libtiny.so" tiny_work >"$TEST_TMP/out" \
		2>"$TEST_TMP/err"
	exit $?) 2>/dev/null
	rc=$?
	[ "$rc" = 137 ] && hung=$((hung + 1))
	diag "dlopen run $i: exit $rc after ${SECONDS}s, $(sed -n 's/^dlopens //p' "$TEST_TMP/out")" \
		"dlopen/dlclose, $(result "$TEST_TMP/r.json" samples 2>/dev/null) samples"
	is "$rc" 0 "dlopen/dlclose beside the sampler, run $i of 3: exit 0 within 10 s (137: hung)"
done
diag "dlopen: $hung of 3 runs deadlocked"

# ---- 3. SA_RESTART -----------------------------------------------------------------------------

# Threads blocked in read() on a pipe, epoll_wait and nanosleep, each sampled 1,000 times a
# second of real time. The handler is installed with SA_RESTART, so read() is restarted; the two
# others are never restarted after a handler (signal(7)): their EINTR is counted and published.
timeout -s KILL 30 "$S" record --wall -F 1000 -o "$TEST_TMP/r.json" -- \
	"$T/tracee_signal_restart" 1.5 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "--wall -F 1000 -- tracee_signal_restart 1.5: exit 0"
v() { awk -v k="$1" '$1 == k { print $2 }' "$TEST_TMP/out"; }
diag "EINTR returned to the program under --wall -F 1000 for 1.5 s: read $(v read_eintr) of" \
	"$(v read_calls) calls (a pipe, a byte every 5 ms); epoll_wait $(v epoll_wait_eintr) of" \
	"$(v epoll_wait_calls) (20 ms timeout); nanosleep $(v nanosleep_eintr) of" \
	"$(v nanosleep_calls) (20 ms)"
[ "$(v read_calls)" -gt 100 ] && [ "$(v read_eintr)" = 0 ]
ok $? "SA_RESTART: read() on a pipe restarted, never EINTR ($(v read_eintr) of $(v read_calls))"
is "$(v other_errors)" 0 "no other error in any of the blocked calls"

# ---- 4. The profiler stopped with signals in flight --------------------------------------------

# 30 programs of a few milliseconds of CPU in 3 threads, sampled 10,000 times a second of real
# time; main returns while the other threads still run and their timers still fire. The
# library stops the timers and ignores SIGPROF (never the default action) before it writes. A
# build that set SIGPROF to the default before deleting the timers lost 4 programs of 30 here;
# one that set the default after deleting them lost none (this 6.18 kernel drops the pending
# signal of a deleted timer), so the test sees the order, not the choice of SIG_IGN alone.
bad=0 nobuf=0
for i in $(seq 30); do
	rm -f "$TEST_TMP/r.json"
	timeout -s KILL 20 "$S" record --wall -F 10000 -o "$TEST_TMP/r.json" -- \
		"$T/tracee_signal_short" 5 3 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	if [ "$rc" != 0 ]; then
		bad=$((bad + 1))
		diag "short run $i: exit $rc: $(head -1 "$TEST_TMP/err")"
	else
		nobuf=$((nobuf + $(result "$TEST_TMP/r.json" no_buffer)))
	fi
done
diag "30 short programs: signals that came after the library had stopped (no_buffer): $nobuf"
is "$bad" 0 "30 short programs at --wall -F 10000 ending with signals in flight: every one exit 0"

# ---- 5. errno clobbered by the handler ---------------------------------------------------------

# Two threads set errno and check it after every short spin, half of them in errno_spin, whose
# frame pointer is bad: libunwind's validation of it fails (and sets errno) in the handler. A
# build of the library without the restore showed about 12,000 changed values in 2 s here.
rm -f "$TEST_TMP/r.json"
timeout -s KILL 30 "$S" record --wall -F 5000 -o "$TEST_TMP/r.json" -- \
	"$T/tracee_signal_errno" 2 2 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "--wall -F 5000 -- tracee_signal_errno 2 2: exit 0"
checks=$(sed -n 's/^checks //p' "$TEST_TMP/out")
clobbered=$(sed -n 's/^clobbered //p' "$TEST_TMP/out")
spin=$(result "$TEST_TMP/r.json" counts.errno_spin 2>/dev/null)
diag "errno: $clobbered changed of $checks checks; $spin samples in errno_spin of" \
	"$(result "$TEST_TMP/r.json" samples)"
[ "${spin:-0}" -gt 100 ]
ok $? "errno: the handler interrupted the frame with the bad frame pointer ($spin samples)"
[ "${checks:-0}" -gt 0 ] && [ "$clobbered" = 0 ]
ok $? "errno: never changed under the program ($clobbered of $checks checks)"

# ---- 6. fork -----------------------------------------------------------------------------------

# 5 children forked by the main thread while a second thread is sampled; each child starts a
# thread, works in child_work and exits normally. The children are not sampled into the
# parent's file: child_work never shows in its profile.
for opts in "-F 250" "--wall -F 1000"; do
	rm -f "$TEST_TMP/r.json"
	# shellcheck disable=SC2086
	timeout -s KILL 30 "$S" record $opts -o "$TEST_TMP/r.json" -- "$T/tracee_signal_fork" 5 \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err"
	is "$?" 0 "record $opts -- tracee_signal_fork 5: exit 0 (every child exited 0 too)"
	sed 's/^/#   stderr: /' "$TEST_TMP/err"
	samples=$(result "$TEST_TMP/r.json" samples 2>/dev/null)
	parent=$(result "$TEST_TMP/r.json" counts.parent_work 2>/dev/null)
	child=$(result "$TEST_TMP/r.json" counts.child_work 2>/dev/null)
	threads=$(result "$TEST_TMP/r.json" threads 2>/dev/null)
	diag "fork, $opts: $samples samples, $parent in parent_work, ${child:-none} in child_work," \
		"$threads threads"
	# CPU time: the parent's two threads run parent_work all along; real time: the main thread
	# is also sampled while it waits for each child.
	case $opts in
	--wall*) want=$((samples / 4)) ;;
	*) want=$((samples * 9 / 10)) ;;
	esac
	[ "${parent:-0}" -gt 0 ] && [ "${parent:-0}" -ge "$want" ]
	ok $? "fork, $opts: the parent's samples reported, $parent of $samples in parent_work"
	[ -z "$child" ] && [ "$threads" = 2 ]
	ok $? "fork, $opts: no child's sample in the parent's (child_work ${child:-0}, threads $threads)"
done

# A shell forks and execs its commands. Only the sampled process may write the sample file:
# a child that wrote it too would replace or mix into the parent's samples.
if command -v strace >/dev/null; then
	rm -f "$TEST_TMP/r.json"
	no_lsan timeout -s KILL 30 strace -f -qq -e trace=openat -o "$TEST_TMP/strace" "$S" record -F 250 \
		-o "$TEST_TMP/r.json" -- \
		bash -c "'$T/tracee_signal_fork' 1; '$T/tracee_signal_fork' 1; exit 0" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err"
	ok $? "record -- bash -c 'two programs': exit 0 (under strace)"
	writers=$(grep '/tmp/tb-signal\..*O_WRONLY' "$TEST_TMP/strace" | awk '{ print $1 }' |
		sort -u | wc -l)
	is "$writers" 1 "bash's children do not write the sample file: one process writes it"
else
	skip "strace is not installed (setup.sh installs it)" \
		"the processes that write the sample file"
fi

done_testing
