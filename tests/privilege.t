#!/usr/bin/env bash
# privilege.t - -u USER: every tool runs its command as another user, with results equal to the
# truth; -u refused without a command, without root, for an unknown user; tb-signal's channel
# answers the owner and root and no other user (refused by the kernel, or ignored by the library)
. "$(dirname "$0")/lib.sh"
W=$OUT/workload
TU=$OUT/tb-usdt
TP=$OUT/tb-ptrace
TV=$OUT/tb-vmreadv
TS=$OUT/tb-signal
TF=$OUT/tb-tracefunc

[ "$(id -u)" = 0 ] || skip_all "needs root: only root can start a command as another user"
id nobody >/dev/null 2>&1 || skip_all "no user nobody here"
command -v setpriv >/dev/null || skip_all "setpriv (util-linux) is not installed"
NOBODY=$(id -u nobody)
NOGROUP=$(id -g nobody)
# Another user, B, for the requests that must be refused: a uid no file or process here has.
B=4242

# The truth files go to a folder of nobody's. Root could write there too: the files' owner is the
# proof that the workload ran as nobody (a file is created with its process's fsuid).
chmod 711 "$TEST_TMP"
U=$TEST_TMP/nobody
mkdir "$U" && chown nobody:"$NOGROUP" "$U" && chmod 700 "$U"
# owner FILE: "UID:GID" of FILE, or "missing"
owner() { stat -c %u:%g "$1" 2>/dev/null || echo missing; }
ME="$NOBODY:$NOGROUP"

"$W" -q -r 2000 -t 2 -s 0 -o "$TEST_TMP/base.json"
truth_counts "$TEST_TMP/base.json" >"$TEST_TMP/base.counts"
# same_work TRUTH: the run as nobody computed what the run as root did
same_work() { truth_counts "$1" | cmp -s "$TEST_TMP/base.counts" -; }

# ---- -h ---------------------------------------------------------------------------------------

for t in "$TU" "$TP" "$TV" "$TS" "$TF"; do
	"$t" -h | grep -q -- '-u, --user USER'
	ok $? "$(basename "$t") -h documents -u, --user USER"
done

# ---- tb-usdt -----------------------------------------------------------------------------------

if "$TU" --check >"$TEST_TMP/check"; then
	rm -f "$U/t.json" "$TEST_TMP/r.json"
	timeout -s KILL 60 "$TU" -u nobody -q -o "$TEST_TMP/r.json" tracebench:method_entry \
		tracebench:request_start -- "$OUT/workload-usdt" -q -r 2000 -t 2 -s 0 \
		-o "$U/t.json" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	ok $? "tb-usdt -u nobody -- workload-usdt: exit 0"
	is "$(owner "$U/t.json")" "$ME" "tb-usdt -u nobody: the workload ran as nobody:nogroup"
	is "$(result "$TEST_TMP/r.json" counts.tracebench:method_entry \
		counts.tracebench:request_start lost | tr '\n' ' ')" \
		"$(json_field "$U/t.json" method_calls requests | tr '\n' ' ')0 " \
		"tb-usdt -u nobody: method entries and requests equal the truth, nothing lost"
else
	skip "$(cat "$TEST_TMP/check")" "tb-usdt -u nobody"
fi

# ---- tb-ptrace: seized before the child drops root, attached through its exec -------------------

rm -f "$U/t.json" "$TEST_TMP/r.json"
timeout -s KILL 60 "$TP" break -u nobody -o "$TEST_TMP/r.json" escape parse -- "$W" -q -r 2000 \
	-t 2 -s 0 -o "$U/t.json" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "tb-ptrace break -u nobody: exit 0"
sed 's/^/#   stderr: /' "$TEST_TMP/err"
is "$(owner "$U/t.json")" "$ME" "tb-ptrace break -u nobody: the workload ran as nobody:nogroup"
is "$(result "$TEST_TMP/r.json" counts.escape counts.parse lost | tr '\n' ' ')" \
	"$(json_field "$U/t.json" methods.escape.calls methods.parse.calls | tr '\n' ' ')0 " \
	"tb-ptrace break -u nobody: hits equal the truth's calls, nothing lost"
same_work "$U/t.json"
ok $? "tb-ptrace break -u nobody: the workload did the work of an untraced one"

# System calls from execve on: the setgroups, setgid and setuid before it are not the command's.
timeout -s KILL 60 "$TP" syscall -u nobody -o "$TEST_TMP/startup.json" -- "$W" -h >/dev/null 2>&1
startup() { result "$TEST_TMP/startup.json" "counts.$1" 2>/dev/null || echo 0; }
for seccomp in "" --seccomp; do
	rm -f "$U/t.json" "$TEST_TMP/r.json"
	# shellcheck disable=SC2086 # an option or none
	timeout -s KILL 60 "$TP" syscall $seccomp -e pread64,writev,setuid,setgroups -u nobody \
		-o "$TEST_TMP/r.json" -- "$W" -q -r 2000 -t 2 -s 0 -o "$U/t.json" >/dev/null \
		2>"$TEST_TMP/err"
	name="tb-ptrace syscall${seccomp:+ $seccomp} -u nobody"
	ok $? "$name: exit 0"
	is "$(owner "$U/t.json")" "$ME" "$name: ran as nobody:nogroup"
	is "$(result "$TEST_TMP/r.json" counts.pread64 counts.writev | tr '\n' ' ')" \
		"$(($(json_field "$U/t.json" syscalls.pread64) + $(startup pread64))) $(json_field \
			"$U/t.json" syscalls.writev) " \
		"$name: pread64 and writev equal the truth's (and start-up's)"
	is "$(result "$TEST_TMP/r.json" counts.setuid 2>/dev/null || echo 0)$(result \
		"$TEST_TMP/r.json" counts.setgroups 2>/dev/null || echo 0)" 00 \
		"$name: the drop before execve is not counted"
done

rm -f "$U/t.json" "$TEST_TMP/r.json"
timeout -s KILL 60 "$TP" sample -u nobody -F 200 -o "$TEST_TMP/r.json" -- "$W" -q -d 1 -t 2 \
	-o "$U/t.json" >/dev/null 2>"$TEST_TMP/err"
ok $? "tb-ptrace sample -u nobody: exit 0"
samples=$(result "$TEST_TMP/r.json" samples)
[ "$(owner "$U/t.json")" = "$ME" ] && [ "${samples:-0}" -ge 50 ]
ok $? "tb-ptrace sample -u nobody: ran as nobody, $samples samples (50 or more: 400 asked)"

# ---- tb-vmreadv: process_vm_readv needs PTRACE_MODE_ATTACH on a process that changed uid --------

rm -f "$U/t.json" "$TEST_TMP/r.json"
timeout -s KILL 60 "$TV" -u nobody -F 500 -o "$TEST_TMP/r.json" -- "$W" -q -d 1 -t 2 \
	-o "$U/t.json" >/dev/null 2>"$TEST_TMP/err"
ok $? "tb-vmreadv -u nobody: exit 0"
sed 's/^/#   stderr: /' "$TEST_TMP/err"
samples=$(result "$TEST_TMP/r.json" samples)
is "$(owner "$U/t.json")" "$ME" "tb-vmreadv -u nobody: the workload ran as nobody:nogroup"
[ "${samples:-0}" -ge 100 ]
ok $? "tb-vmreadv -u nobody: the in-memory stacks were read ($samples samples, 100 or more)"
is "$(result "$TEST_TMP/r.json" failed_reads 2>/dev/null || echo 0)" 0 \
	"tb-vmreadv -u nobody: no read failed"

# ---- tb-signal record: the library, as nobody, writes the sample file tb-signal made --------------

rm -f "$U/t.json" "$TEST_TMP/r.json"
find /tmp -maxdepth 1 -name 'tb-signal.*' | sort >"$TEST_TMP/tmp.before"
timeout -s KILL 60 "$TS" record -u nobody -F 500 -o "$TEST_TMP/r.json" -- "$W" -q -d 1 -t 2 \
	-o "$U/t.json" >/dev/null 2>"$TEST_TMP/err"
ok $? "tb-signal record -u nobody: exit 0"
sed 's/^/#   stderr: /' "$TEST_TMP/err"
samples=$(result "$TEST_TMP/r.json" samples)
is "$(owner "$U/t.json")" "$ME" "tb-signal record -u nobody: the workload ran as nobody:nogroup"
[ "${samples:-0}" -ge 50 ] && [ "$(result "$TEST_TMP/r.json" method_samples)" -gt 0 ]
ok $? "tb-signal record -u nobody: samples came back ($samples, 50 or more, with methods)"
is "$(result "$TEST_TMP/r.json" lost | tr '\n' ' ')" "0 " "tb-signal record -u nobody: none lost"
find /tmp -maxdepth 1 -name 'tb-signal.*' | sort | cmp -s "$TEST_TMP/tmp.before" -
ok $? "tb-signal record -u nobody: the sample file is removed"

# ---- tb-tracefunc: the recording directory is nobody's, handled with nobody's rights -------------

# tf_mismatch RESULT TRUTH: "METHOD GOT WANT" for each method counted wrong; empty when exact
tf_mismatch()
{
	local m
	for m in $(result "$2" methods); do
		[ "$(result "$1" "counts.$m" 2>/dev/null || echo 0)" = "$(result "$2" "methods.$m.calls")" ] ||
			echo "$m $(result "$1" "counts.$m" 2>/dev/null) $(result "$2" "methods.$m.calls")"
	done
}
find /dev/shm -maxdepth 1 -name 'tb-tracefunc.*' | sort >"$TEST_TMP/shm.before"
for mode in count log; do
	rm -f "$U/t.json" "$TEST_TMP/r.json"
	timeout -s KILL 60 "$TF" -u nobody -m $mode --hook method -o "$TEST_TMP/r.json" -- "$W" -q \
		-r 2000 -t 2 -s 0 -o "$U/t.json" >/dev/null 2>"$TEST_TMP/err"
	is "$? $(wc -c <"$TEST_TMP/err")" "0 0" "tb-tracefunc -m $mode -u nobody: exit 0, no message"
	sed 's/^/#   stderr: /' "$TEST_TMP/err"
	is "$(owner "$U/t.json")" "$ME" "tb-tracefunc -m $mode -u nobody: the workload ran as nobody"
	is "$(tf_mismatch "$TEST_TMP/r.json" "$U/t.json" | tr '\n' ' ')$(result "$TEST_TMP/r.json" lost)" \
		"0" "tb-tracefunc -m $mode -u nobody: every method's calls equal the truth's, none lost"
done
sleep 0.1
find /dev/shm -maxdepth 1 -name 'tb-tracefunc.*' | sort | comm -13 "$TEST_TMP/shm.before" - |
	while read -r d; do grep -qs "$d/" /proc/[0-9]*/maps || echo "$d"; done >"$TEST_TMP/shm.left"
is "$(cat "$TEST_TMP/shm.left")" "" "tb-tracefunc -u nobody: its directory in /dev/shm is removed"
# -D: the directory is made by nobody, and kept
timeout -s KILL 60 "$TF" -u nobody --hook method -D "$U/rec" -- "$W" -q -r 100 >/dev/null \
	2>"$TEST_TMP/err"
ok $? "tb-tracefunc -u nobody -D DIR (in nobody's folder): exit 0"
is "$(owner "$U/rec")" "$ME" "tb-tracefunc -u nobody -D DIR: DIR is nobody's"
mkdir "$TEST_TMP/rootonly" && chmod 700 "$TEST_TMP/rootonly"
timeout -s KILL 60 "$TF" -u nobody --hook method -D "$TEST_TMP/rootonly/rec" -- "$W" -q -r 7777 \
	>/dev/null 2>"$TEST_TMP/err"
rc=$?
is "$([ $rc -ne 0 ] && echo fails) $(wc -l <"$TEST_TMP/err")" "fails 1" \
	"tb-tracefunc -u nobody -D DIR nobody cannot write: refused, one line ($(cat "$TEST_TMP/err"))"

# ---- numeric uid and gid, with no entry in the user database -------------------------------------

U2=$TEST_TMP/u2
mkdir "$U2" && chown "$B:$B" "$U2"
timeout -s KILL 60 "$TP" syscall -u "$B:$B" -e writev -o "$TEST_TMP/r.json" -- "$W" -q -r 100 \
	-o "$U2/t.json" >/dev/null 2>"$TEST_TMP/err"
ok $? "tb-ptrace syscall -u $B:$B (no such user in passwd): exit 0"
is "$(owner "$U2/t.json")" "$B:$B" "-u $B:$B: the workload ran as uid $B, gid $B"

# ---- bad input: one line, non-zero, nothing started ----------------------------------------------

# refused NAME COMMAND...: COMMAND exits non-zero with one line on stderr and nothing on stdout
refused()
{
	local name=$1 rc
	shift
	timeout -s KILL 30 "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	is "$([ $rc -ne 0 ] && [ $rc -lt 124 ] && echo fails) $(wc -l <"$TEST_TMP/err") \
$(wc -c <"$TEST_TMP/out")" "fails 1 0" "$name: refused, one line ($(cat "$TEST_TMP/err"))"
}
start_workload -q -d 60 -t 1
for t in "$TU probe:x" "$TP syscall" "$TV" "$TS record" "$TF"; do
	# shellcheck disable=SC2086 # the tool and its mode, one a word
	set -- $t
	name="$(basename "$1")${2:+ $2}"
	refused "$name -u nobody-tb-none" "$@" -u nobody-tb-none -- "$W" -q -r 7777
	grep -q "no user named nobody-tb-none" "$TEST_TMP/err"
	ok $? "$name: ... naming the unknown user"
	refused "$name -u nobody without root" setpriv --reuid=$B --regid=$B --clear-groups \
		"$@" -u nobody -- "$W" -q -r 7777
	grep -q "only root" "$TEST_TMP/err"
	ok $? "$name: ... saying only root can"
	[ "$1" = "$TF" ] && continue # no -p at all: refused for that reason first
	refused "$name -u nobody -p PID" "$@" -u nobody -p "$wpid"
	grep -q -- "-u nobody is for -- COMMAND" "$TEST_TMP/err"
	ok $? "$name: ... saying -u is for -- COMMAND"
done
refused "tb-signal dump -u nobody -p PID" "$TS" dump -u nobody -p "$wpid"
refused "-u nobody:no-such-group" "$TP" syscall -u nobody:tb-no-such-group -- "$W" -q -r 7777
grep -q "no group named tb-no-such-group" "$TEST_TMP/err"
ok $? "... naming the unknown group"
refused "-u $B (a uid without a name, no group)" "$TP" syscall -u $B -- "$W" -q -r 7777
grep -q "give $B:GID" "$TEST_TMP/err"
ok $? "... asking for $B:GID"
running_untraced "$wpid"
ok $? "the workload given by -p runs on, untraced"
kill "$wpid"
wait "$wpid" 2>/dev/null
sleep 0.1
is "$(pgrep -f -- '-r 7777' | tr '\n' ' ')" "" "no refused run left a command running"

# ---- tb-signal's channel: a process started as nobody answers nobody and root, no one else -------

"$TS" run -u nobody -- "$W" -q -t 2 -d 30 -o "$U/t.json" >"$TEST_TMP/run.out" 2>&1 &
runner=$!
wait_until 10 sh -c "pgrep -P $runner -x workload >/dev/null"
wpid=$(pgrep -P "$runner" -x workload)
wait_threads "$wpid" 4 # main, two workers, the library's control thread
is "$(awk '/^(Uid|Gid|Groups):/ { $1 = ""; printf "%s;", $0 }' "/proc/$wpid/status")" \
	" $NOBODY $NOBODY $NOBODY $NOBODY; $NOGROUP $NOGROUP $NOGROUP $NOGROUP; $NOGROUP;" \
	"tb-signal run -u nobody: every uid and gid of the workload is nobody's, its groups nobody's"

# dump_as NAME SETPRIV_ARGS...: tb-signal dump -p $wpid as another user (none: root)
dump_as()
{
	local name=$1
	shift
	if [ $# -gt 0 ]; then
		timeout -s KILL 20 setpriv "$@" "$TS" dump -p "$wpid"
	else
		timeout -s KILL 20 "$TS" dump -p "$wpid"
	fi >"$TEST_TMP/out" 2>"$TEST_TMP/err"
}
dump_as root
is "$? $(grep -c '^thread [0-9]*:$' "$TEST_TMP/out")" "0 3" "dump as root: answered, three threads"
dump_as owner --reuid=nobody --regid="$NOGROUP" --clear-groups
is "$? $(grep -c '^thread [0-9]*:$' "$TEST_TMP/out")" "0 3" "dump as nobody, its owner: answered"
# User B: the kernel refuses B's signal (EPERM) before the library sees it.
dump_as other --reuid=$B --regid=$B --clear-groups
rc=$?
is "$([ $rc -ne 0 ] && echo fails) $(wc -l <"$TEST_TMP/err") $(wc -c <"$TEST_TMP/out")" \
	"fails 1 0" "dump as uid $B: refused, one line, no answer"
grep -q "only its owner (or root) may ask it" "$TEST_TMP/err"
ok $? "... by the kernel: $(cat "$TEST_TMP/err")"
# User B with CAP_KILL: the kernel lets the signal through, the library (si_uid) ignores it.
dump_as "other with CAP_KILL" --reuid=$B --regid=$B --clear-groups --inh-caps=+kill \
	--ambient-caps=+kill
rc=$?
is "$([ $rc -ne 0 ] && echo fails) $(wc -l <"$TEST_TMP/err") $(wc -c <"$TEST_TMP/out")" \
	"fails 1 0" "dump as uid $B with CAP_KILL: no answer, one line"
grep -q "answers only that user and root" "$TEST_TMP/err"
ok $? "... by the library, which ignored the signal: $(cat "$TEST_TMP/err")"
timeout -s KILL 20 setpriv --reuid=$B --regid=$B --clear-groups --inh-caps=+kill \
	--ambient-caps=+kill "$TS" trace -p "$wpid" start >/dev/null 2>&1
ok $((!$?)) "trace start as uid $B with CAP_KILL: refused"
timeout -s KILL 20 "$TS" trace -p "$wpid" stop >"$TEST_TMP/trace" 2>&1
ok $? "trace stop as root: answered"
is "$(awk '$1 == "handle_request" && $2 != 0' "$TEST_TMP/trace")" "" \
	"... and nothing was counted: uid $B's start was not obeyed"
dump_as root
is "$? $(grep -c '^thread [0-9]*:$' "$TEST_TMP/out")" "0 3" "dump as root afterwards: answered"
running_untraced "$wpid"
ok $? "the workload runs on, untraced"
kill "$wpid"
wait "$runner"
is "$?" 143 "tb-signal run -u nobody exits with the workload's status (SIGTERM: 143)"

done_testing
