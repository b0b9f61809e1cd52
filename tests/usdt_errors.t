#!/usr/bin/env bash
# usdt_errors.t - tb-usdt on bad input: one line naming the problem, exit 1, nothing attached
. "$(dirname "$0")/lib.sh"
TB=$OUT/tb-usdt
W=$OUT/workload-usdt

[ "$(id -u)" = 0 ] || skip_all "tb-usdt needs root (CAP_BPF and CAP_PERFMON)"
"$TB" --check >"$TEST_TMP/check" || skip_all "$(cat "$TEST_TMP/check")"

# refuses PATTERN NAME ARGS...: exit 1, exactly one line on stderr matching PATTERN, no summary
refuses()
{
	local pattern=$1 name=$2 status
	shift 2
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	if [ "$status" = 1 ] && [ "$(wc -l <"$TEST_TMP/err")" = 1 ] &&
		grep -q -- "$pattern" "$TEST_TMP/err" && ! grep -q "^lost:" "$TEST_TMP/out"; then
		ok 0 "$name: $(cat "$TEST_TMP/err")"
	else
		ok 1 "$name"
		diag "exit $status; stderr:"
		sed 's/^/#   /' "$TEST_TMP/err"
	fi
}

"$TB" -h >"$TEST_TMP/help"
ok $? "-h exits 0"
for word in "Usage: tb-usdt" "-l, --list" "-p, --pid" "-m, --mode" "hist" "stream" "empty" \
	"-o, --output" "-d, --duration" "-v, --verbose" "--check" "Exit status"; do
	grep -q -- "$word" "$TEST_TMP/help"
	ok $? "-h documents $word"
done

# A program that must not run: if it does, it leaves a file behind.
MARK=$TEST_TMP/ran
RUN=(sh -c "touch '$MARK'")

refuses "no USDT probe tracebench:nope in .*workload-usdt (tb-usdt -l" "unknown probe" \
	"$TB" tracebench:nope -- "$W" -q -r 10
refuses "workload has no USDT probes" "a binary without USDT notes" \
	"$TB" tracebench:method_entry -- "$OUT/workload" -q -r 10
refuses "no USDT probes" "-l on a binary without USDT notes" "$TB" -l "$OUT/workload"
refuses "not an x86-64 ELF" "-l on a file that is not ELF" "$TB" -l /etc/passwd
refuses "No such file" "-l on a file that does not exist" "$TB" -l "$TEST_TMP/nothing"
refuses "bad probe 'method_entry': expected \[PATH:\]PROVIDER:NAME" "a probe without provider" \
	"$TB" method_entry -- "$W"
refuses "bad probe" "a probe with an empty name" "$TB" tracebench: -- "$W"
refuses "cannot read $TEST_TMP/nolib.so" "a probe in a library that does not exist" \
	"$TB" "$TEST_TMP/nolib.so:p:n" -- "$W"
refuses "give the path of libnothing" "a library by name only, with --" \
	"$TB" libnothing:p:n -- "$W"
refuses "given twice" "the same probe twice" \
	"$TB" tracebench:method_entry tracebench:method_entry -- "$W"
refuses "exactly two PROBEs, not 1" "-m hist with one probe" \
	"$TB" -m hist tracebench:method_entry -- "$W"
refuses "-a 3: probe tracebench:request_start has 1 argument" "-a past the last argument" \
	"$TB" -a 3 tracebench:request_start -- "$W"
refuses "-s applies to -m count only" "-s with -m hist" \
	"$TB" -m hist -s 1 tracebench:method_entry tracebench:method_return -- "$W"
refuses "unknown mode" "-m with an unknown mode" "$TB" -m fast tracebench:method_entry -- "$W"
refuses "power of two" "-b that is not a power of two" \
	"$TB" -m stream -b 5000 tracebench:method_entry -- "$W"
refuses "power of two" "-b below a page" "$TB" -m stream -b 1024 tracebench:method_entry -- "$W"
refuses "1 to 1048576" "-k above its bound" "$TB" -a 0 -k 1048577 tracebench:method_entry -- "$W"
refuses "1 to 1048576" "-k 0" "$TB" -a 0 -k 0 tracebench:method_entry -- "$W"
refuses "0.001 to 1e7" "-d 0" "$TB" -d 0 tracebench:method_entry -- "$W"
refuses "0.001 to 1e7" "-d -1" "$TB" -d -1 tracebench:method_entry -- "$W"
refuses "0.001 to 1e7" "-d abc" "$TB" -d abc tracebench:method_entry -- "$W"
refuses "not a process id" "-p abc" "$TB" -p abc tracebench:method_entry
refuses "not a process id" "-p 0" "$TB" -p 0 tracebench:method_entry
refuses "not both" "-p and -- together" "$TB" -p 1 tracebench:method_entry -- "$W"
refuses "no target" "neither -p nor --" "$TB" tracebench:method_entry
refuses "no PROBE" "no probe" "$TB" -- "$W"
refuses "no COMMAND after --" "nothing after --" "$TB" tracebench:method_entry --
refuses "cannot run $TEST_TMP/nothing: No such file" "a command that does not exist" \
	"$TB" tracebench:method_entry -- "$TEST_TMP/nothing"
refuses "unknown option" "an unknown option" "$TB" --frobnicate tracebench:method_entry -- "$W"
refuses "needs a value" "an option without its value" "$TB" tracebench:method_entry -p
refuses "cannot write the result to $TEST_TMP/no/dir/r.json" "-o in a directory that does not exist" \
	"$TB" -o "$TEST_TMP/no/dir/r.json" tracebench:method_entry -- "${RUN[@]}"
[ ! -e "$MARK" ]
ok $? "... refused before the command ran"

# ---- pids ---------------------------------------------------------------------------------------

free_pid=4194000
while [ -e "/proc/$free_pid" ]; do free_pid=$((free_pid - 1)); done
refuses "no process has pid $free_pid" "a pid that does not exist" \
	"$TB" -p "$free_pid" tracebench:method_entry
refuses "pid 2 is a kernel thread" "a kernel thread (kthreadd)" "$TB" -p 2 tracebench:method_entry
refuses "is this tracer itself" "its own pid" sh -c 'exec "$0" -p $$ tracebench:method_entry' "$TB"
# A zombie: the child of a process that never reaps it.
sh -c 'sleep 0.01 & exec sleep 5' &
parent=$!
zombie=
for _ in $(seq 100); do
	zombie=$(pgrep -P "$parent" | head -1)
	[ -n "$zombie" ] && grep -q '^State:.*Z' "/proc/$zombie/status" 2>/dev/null && break
	sleep 0.05
done
refuses "pid $zombie has exited (a zombie" "a zombie" "$TB" -p "$zombie" tracebench:method_entry
kill "$parent" 2>/dev/null
wait "$parent" 2>/dev/null
refuses "cannot list the probes of pid $free_pid: no process" "-l with a pid that does not exist" \
	"$TB" -l "$free_pid"

# ---- privileges, BTF, tracefs -------------------------------------------------------------------

# Without root: the binaries are copied where the unprivileged user may run them.
mkdir -p "$TEST_TMP/bin"
cp "$TB" "$W" "$TEST_TMP/bin/"
chmod 755 "$TEST_TMP" "$TEST_TMP/bin"
if command -v setpriv >/dev/null; then
	refuses "lacks CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) — run it as root" \
		"not root (uid 65534, no capabilities)" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$TEST_TMP/bin/tb-usdt" tracebench:method_entry -- "$TEST_TMP/bin/workload-usdt" -q \
		-r 10 -o "$MARK"
	[ ! -e "$MARK" ]
	ok $? "... refused before the command ran"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$TEST_TMP/bin/tb-usdt" --check >"$TEST_TMP/out"
	is "$? $(cut -c1-33 "$TEST_TMP/out")" "77 skipped: cannot load BPF programs" \
		"--check without privileges: exit 77 and the reason"
else
	skip "setpriv (util-linux) is missing" "not root"
fi

# No kernel BTF: an empty /sys/kernel/btf in a private mount namespace. tb-usdt reads no kernel
# structure, so it needs none, and counts as exactly as ever.
unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf &&
	[ ! -e /sys/kernel/btf/vmlinux ] && exec "$@"' sh \
	"$TB" -q -o "$TEST_TMP/r.json" tracebench:request_start -- "$W" -q -r 500 -o "$TEST_TMP/t.json" \
	>/dev/null
ok $? "without kernel BTF: exit 0"
is "$(json_field "$TEST_TMP/r.json" kernel_btf counts.tracebench:request_start | tr '\n' ' ')" \
	"false 500 " "without kernel BTF: it says so, and counts every request"

# No tracefs: uprobes are created through the perf PMU, never through tracefs.
unshare -m sh -c 'for m in /sys/kernel/tracing /sys/kernel/debug/tracing /sys/kernel/debug; do
		umount "$m" 2>/dev/null; done
	! grep -q tracefs /proc/self/mounts && exec "$@"' sh \
	"$TB" -q -o "$TEST_TMP/r.json" tracebench:request_start -- "$W" -q -r 500 -o "$TEST_TMP/t.json" \
	>/dev/null
ok $? "without tracefs: exit 0"
is "$(json_field "$TEST_TMP/r.json" counts.tracebench:request_start)" 500 \
	"without tracefs: counts every request"

done_testing
