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

# ---- 7. Faults: stop signals to tb-signal, the command killed, the command execs -------------

W=$OUT/workload
# A run of about 1 s (5,000 requests at scale 100); the faults come 0.3 s into it.
LONG=(-q -s 100 -r 5000)

# record_bg OPTS... -- COMMAND...: tb-signal record in the background (stdout and stderr in
# out and err); sets rpid (tb-signal) and cpid (its command, once it runs the workload)
record_bg()
{
	rm -f "$TEST_TMP/r.json"
	"$S" record "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
	rpid=$!
	wait_until 10 grep -qs '[0-9]' "/proc/$rpid/task/$rpid/children"
	cpid=$(tr -dc '0-9' <"/proc/$rpid/task/$rpid/children" 2>/dev/null)
	wait_until 10 sh -c "readlink /proc/${cpid:-0}/exe | grep -q '/workload$'"
}

# record_end: waits for tb-signal (killed after 30 s: a hang); sets rc, its exit status
record_end()
{
	timeout 30 tail --pid="$rpid" -f /dev/null ||
		{ diag "tb-signal did not end within 30 s: killed"; kill -KILL "$rpid"; }
	wait "$rpid"
	rc=$?
}

# first_line FILE: FILE's first line, for a test's name
first_line() { head -1 "$1" | cut -c1-150; }

# SIGINT, SIGTERM and SIGHUP to tb-signal record: each is said, and tb-signal waits for the
# command, which runs to its end untouched, then writes its result and exits with its status.
# (A tb-signal that SIGTERM or SIGHUP killed left neither a result nor its status.)
for sig in INT TERM HUP; do
	rm -f "$TEST_TMP/t.json"
	record_bg -F 250 -o "$TEST_TMP/r.json" -- "$W" "${LONG[@]}" -o "$TEST_TMP/t.json"
	sleep 0.3
	kill -"$sig" "$rpid"
	record_end
	is "$rc $(result "$TEST_TMP/t.json" requests 2>/dev/null)" "0 5000" \
		"SIG$sig to tb-signal record: it waits, the workload handles its 5,000 requests, exit 0"
	grep -q "^tb-signal: SIG$sig received: recording goes on until .*workload (pid $cpid) exits" \
		"$TEST_TMP/err"
	ok $? "SIG$sig: said on stderr: $(first_line "$TEST_TMP/err")"
	[ "$(result "$TEST_TMP/r.json" samples 2>/dev/null || echo 0)" -gt 100 ] &&
		[ "$(result "$TEST_TMP/r.json" images_lost)" = 0 ]
	ok $? "SIG$sig: the result has the whole run's samples" \
		"($(result "$TEST_TMP/r.json" samples 2>/dev/null), none lost)"
done

# SIGPIPE: ignored, whether sent or from a closed stdout. `| true` has closed the pipe before
# tb-signal prints its summary: the write fails (EPIPE), the result is written first, and the
# command's status is kept (a reader that stops early, as head -1 does, took what it wanted).
record_bg -F 250 -o "$TEST_TMP/r.json" -- "$W" -q -s 100 -r 2000
sleep 0.3
kill -PIPE "$rpid"
record_end
is "$rc $(wc -c <"$TEST_TMP/err")" "0 0" "SIGPIPE sent to tb-signal record: ignored, exit 0"
[ "$(result "$TEST_TMP/r.json" samples 2>/dev/null || echo 0)" -gt 0 ]
ok $? "SIGPIPE sent: the result written ($(result "$TEST_TMP/r.json" samples 2>/dev/null) samples)"
rm -f "$TEST_TMP/r.json" "$TEST_TMP/rc"
{
	sleep 0.3
	"$S" record -F 250 -o "$TEST_TMP/r.json" -- "$W" -q -s 100 -r 1000 2>"$TEST_TMP/err"
	echo $? >"$TEST_TMP/rc"
} | true
is "$(cat "$TEST_TMP/rc")" 0 "stdout a pipe already closed (| true): exit 0, the command's status"
grep -q '^tb-signal: cannot write the summary to stdout: Broken pipe; the result is in ' \
	"$TEST_TMP/err"
ok $? "... the failed write said: $(first_line "$TEST_TMP/err")"
[ "$(result "$TEST_TMP/r.json" samples 2>/dev/null || echo 0)" -gt 0 ]
ok $? "... and the result written ($(result "$TEST_TMP/r.json" samples 2>/dev/null) samples)"
rm -f "$TEST_TMP/r.json"
"$S" record -F 250 -o "$TEST_TMP/r.json" -- "$W" -q -s 100 -r 1000 2>"$TEST_TMP/err" |
	head -1 >"$TEST_TMP/head"
is "${PIPESTATUS[0]} $(grep -c ' samples of ' "$TEST_TMP/head")" "0 1" \
	"record ... | head -1: exit 0, the summary's first line read"
[ "$(result "$TEST_TMP/r.json" samples 2>/dev/null || echo 0)" -gt 0 ]
ok $? "record ... | head -1: the result written"

# The command killed by SIGKILL: its samples were in its memory, written by its exit handlers,
# which never ran. The loss is accounted for: a result with samples 0, images_lost 1 and
# lost_reason, one line on stderr, and the command's status (128 + 9).
record_bg -F 250 -o "$TEST_TMP/r.json" -- "$W" "${LONG[@]}"
sleep 0.3
kill -KILL "$cpid"
record_end
is "$rc" 137 "the command SIGKILLed: tb-signal exits 137"
is "$(result "$TEST_TMP/r.json" samples images_lost 2>/dev/null | tr '\n' ' ')" "0 1 " \
	"the command SIGKILLed: a result with samples 0 and images_lost 1"
result "$TEST_TMP/r.json" lost_reason 2>/dev/null | grep -q '^killed by signal 9 (SIGKILL) before'
ok $? "the command SIGKILLed: lost_reason: $(result "$TEST_TMP/r.json" lost_reason 2>/dev/null)"
grep -q "^tb-signal: .*workload (pid $cpid): killed by signal 9 (SIGKILL) .* lost: every sample$" \
	"$TEST_TMP/err" && [ "$(wc -l <"$TEST_TMP/err")" = 1 ]
ok $? "the command SIGKILLed: one line says what was lost: $(first_line "$TEST_TMP/err")"

# The command execs (the workload's -- COMMAND): each image writes its own samples, the first
# just before its exec. (Before, the first image's samples went with it and the second image
# was not sampled: "wrote no samples", exit 1.)
rm -f "$TEST_TMP/t1.json" "$TEST_TMP/t2.json"
timeout -s KILL 30 "$S" record -v -F 250 -o "$TEST_TMP/r.json" -- "$W" -q -s 100 -r 1000 \
	-o "$TEST_TMP/t1.json" -- "$W" -q -s 100 -r 1000 -o "$TEST_TMP/t2.json" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"
is "$? $(result "$TEST_TMP/t1.json" requests) $(result "$TEST_TMP/t2.json" requests)" \
	"0 1000 1000" "workload -- workload: exit 0, both images did their work"
read -r n s1 s2 w1 w2 < <(echo "$(result "$TEST_TMP/r.json" images | wc -w)" \
	"$(result "$TEST_TMP/r.json" images.0.samples images.1.samples images.0.written_at \
		images.1.written_at 2>/dev/null | tr '\n' ' ')")
diag "exec: $n images, $s1 and $s2 samples, written at $w1 and $w2"
is "$n $w1 $w2" "2 exec exit" "exec: two images in the result, written at the exec and at the exit"
[ "${s1:-0}" -gt 0 ] && [ "${s2:-0}" -gt 0 ] &&
	[ "$(result "$TEST_TMP/r.json" samples)" = $((s1 + s2)) ] &&
	[ "$(result "$TEST_TMP/r.json" threads images_lost | tr '\n' ' ')" = "2 0 " ]
ok $? "exec: samples from both images ($s1 + $s2), 2 threads, none lost"
grep -q "^image 1: pid [0-9]* .*/workload: 1 thread, $s1 samples, written before its exec$" \
	"$TEST_TMP/out" &&
	grep -q "^image 2: pid [0-9]* .*/workload: 1 thread, $s2 samples, written at its exit$" \
		"$TEST_TMP/out"
ok $? "exec, -v: one line per image"

# The image after the exec killed: the first image's samples kept, the second's lost, said.
record_bg -F 250 -o "$TEST_TMP/r.json" -- "$W" -q -s 100 -r 300 -- "$W" "${LONG[@]}"
wait_until 10 sh -c "! tr '\\0' ' ' </proc/$cpid/cmdline | grep -q ' -- '"
sleep 0.3
kill -KILL "$cpid"
record_end
is "$rc $(result "$TEST_TMP/r.json" images | wc -w) $(result "$TEST_TMP/r.json" \
	images.0.written_at images_lost 2>/dev/null | tr '\n' ' ')" "137 1 exec 1 " \
	"exec, then the new image SIGKILLed: exit 137, the first image kept, one lost"
kept=$(result "$TEST_TMP/r.json" samples 2>/dev/null)
grep -q " lost: the samples of its last process image; kept: ${kept:-x} samples of the 1 before it$" \
	"$TEST_TMP/err" && [ "${kept:-0}" -gt 0 ]
ok $? "exec, then SIGKILL: said: $(first_line "$TEST_TMP/err")"

# An exec that fails: the record written for it is taken back and sampling goes on, so the
# image's samples are written once, at its exit.
rm -f "$TEST_TMP/r.json"
timeout -s KILL 30 "$S" record -F 250 -o "$TEST_TMP/r.json" -- "$W" -q -s 100 -r 1000 -- \
	"$TEST_TMP/nosuchcommand-tracebench" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
is "$? $(result "$TEST_TMP/r.json" images | wc -w) $(result "$TEST_TMP/r.json" \
	images.0.written_at images_lost 2>/dev/null | tr '\n' ' ')" "1 1 exit 0 " \
	"an exec that fails: the workload's exit 1, one image, written at its exit"

# Every exec function of libc, one after the other in one process: execve, execv (after one that
# fails), execvp, execvpe, execl, execlp, execle, fexecve, execveat; then system(), whose child
# (posix_spawn: another process) is not sampled. 30 ms of CPU in each image.
cat >"$TEST_TMP/chain.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
static void burn(double ms)
{
	struct timespec a, b;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6 < ms);
}
/* chain [STEP]: burns 30 ms of CPU, then execs itself as STEP + 1 with the STEPth function */
int main(int argc, char **argv)
{
	int step = argc > 1 ? atoi(argv[1]) : 0, fd;
	char next[16], *self = argv[0], *args[] = { self, next, NULL };
	burn(30);
	snprintf(next, sizeof(next), "%d", step + 1);
	switch (step) {
	case 0: execve(self, args, environ); break;
	case 1:
		if (execv("/nonexistent/chain", args) == -1)
			printf("execv of /nonexistent failed, as asked\n");
		fflush(stdout);
		execv(self, args);
		break;
	case 2: execvp(self, args); break;
	case 3: execvpe(self, args, environ); break;
	case 4: execl(self, self, next, (char *)NULL); break;
	case 5: execlp(self, self, next, (char *)NULL); break;
	case 6: execle(self, self, next, (char *)NULL, environ); break;
	case 7:
		fd = open(self, O_RDONLY | O_CLOEXEC);
		fexecve(fd, args, environ);
		break;
	case 8: execveat(AT_FDCWD, self, args, environ, 0); break;
	default:
		return system("true") == 0 ? 0 : 4;
	}
	perror("exec");
	return 3;
}
EOF
if cc -O1 "$TEST_TMP/chain.c" -o "$TEST_TMP/chain" 2>"$TEST_TMP/cc.err"; then
	rm -f "$TEST_TMP/r.json"
	timeout -s KILL 30 "$S" record --wall -F 1000 -o "$TEST_TMP/r.json" -- "$TEST_TMP/chain" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err"
	is "$? $(grep -c '^execv of /nonexistent failed, as asked$' "$TEST_TMP/out")" "0 1" \
		"a chain of 9 execs: exit 0, the failed execv returned to the program"
	sed 's/^/#   stderr: /' "$TEST_TMP/err"
	written=$(for i in $(seq 0 9); do result "$TEST_TMP/r.json" "images.$i.written_at"; done |
		tr '\n' ' ')
	is "$(result "$TEST_TMP/r.json" images | wc -w) $written" \
		"10 exec exec exec exec exec exec exec exec exec exit " \
		"chain: 10 images, one written by each exec function, the last at its exit"
	empty=$(for i in $(seq 0 9); do result "$TEST_TMP/r.json" "images.$i.samples"; done |
		grep -cx 0)
	is "$empty $(result "$TEST_TMP/r.json" images_lost)" "0 0" \
		"chain: every image has samples (30 ms of CPU at 1 kHz each), none lost"
else
	skip "cc fails here: $(head -1 "$TEST_TMP/cc.err")" "the exec functions"
fi

done_testing
