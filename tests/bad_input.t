#!/usr/bin/env bash
# bad_input.t - every option of every tool given bad input, from one table: one line naming the
# cause, a non-zero exit, nothing left attached, the target untouched
#
# Each row of the table below is one (tool, option, bad input) cell:
#
#   EXPECT | [WRAP:]TOOL [>&- | >/dev/full] | ARGS | CAUSE (an extended regex) | WHERE
#
# EXPECT  no    refused: non-zero exit, exactly one line on stderr naming the cause (`rejected`),
#               and a command given as $CMD never ran
#         late  the tool ran, then failed (a full disk): non-zero exit, exactly one line of the
#               tool's own besides its "Ctrl-C to stop" line, naming the cause (the command's
#               own lines, the preloaded library's included, may come too)
#         yes   deliberately accepted: exit 0, nothing on stderr but the tool's "Ctrl-C to stop"
#               line, and CAUSE (when not "-") found on stdout
# TOOL    usdt, break, syscall, sample (tb-ptrace), vmreadv, vmreport (tb-vmreadv report),
#         record, run, dump, trace (tb-signal), tracefunc, tfreport (tb-tracefunc report);
#         WRAP nobody: runs it as uid 65534 (another user's process), fulltmp: and fullshm: in a
#         mount namespace whose /tmp or /dev/shm is a full tmpfs (the tools' own files)
# ARGS    shell words, expanded when the row runs: $T the gated workload every -p row aims at,
#         $HELD a workload another tracer (strace) holds, $SLEEP_P a sleep, $STATIC_P,
#         $DELETED_P and $STRIPPED_P a static, a deleted and a stripped program running,
#         $NOPID, $ZOMBIE, $KTHREAD, $THREAD (a thread of $T), SELF (the tool's own pid);
#         $JUNK (not ELF, not a script), $SCRIPT, $STATIC, $STRIPPED, $GONE (a deleted binary)
#         as commands; $NODIR, $RO (read-only), $FULL (a full tmpfs) for outputs; $CMD the
#         workload that suits the tool, which leaves $MARK behind if it ever runs; $RAW and
#         $REC a tb-vmreadv recording and a tb-tracefunc one
# WHERE   here, or the test that already checks this cell: such rows are listed, not run
#         (TB_BAD_INPUT_ALL=1 runs them here too)
#
# Options without a value (-q, -v, -h, --check, --wall, --idle, --no-xol, -L, tb-ptrace -f,
# --blocking, --realtime, --seccomp) have no bad value: given where they do not apply, they are
# rows.
# Not rows: tb-tracefunc -p (it has none: one row says so), and tb-signal dump or trace of a
# process another tracer holds (they send a signal and use no ptrace).
#
# After every row that names a running process, that process must be exactly as before: each
# thread's state, its tracer (TracerPid), every executable mapping as the process sees it
# (/proc/PID/mem: an int3 or a uprobe left behind, or an extra mapping, changes it) and the
# workload's USDT semaphores. At the end $T, released, must compute its untraced truth.

# Mounts go in a mount namespace of the test's own, so they vanish with it, however it ends.
if [ "$(id -u)" = 0 ] && [ -z "${TB_BAD_INPUT_NS:-}" ] &&
	unshare -m --propagation private true 2>/dev/null; then
	TB_BAD_INPUT_NS=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
TESTS=$(cd "$(dirname "$0")" && pwd)
WU=$OUT/workload-usdt
WP=$OUT/workload
WF=$OUT/workload-finstrument
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1
declare -A MISSING # a fixture that could not be made here: why

# ---- fixtures -----------------------------------------------------------------------------------

MARK=$TEST_TMP/ran
NODIR=$TEST_TMP/nodir
# Not ELF and not a script: execvp would hand it to /bin/sh; the tools must say what it is.
{ echo 'not a program'; head -c 2048 /dev/urandom; } >"$TEST_TMP/junk"
chmod +x "$TEST_TMP/junk"
JUNK=$TEST_TMP/junk
printf '#!/bin/sh\nexec sleep 0.2\n' >"$TEST_TMP/script.sh"
chmod +x "$TEST_TMP/script.sh"
SCRIPT=$TEST_TMP/script.sh
STRIPPED=$TEST_TMP/w-stripped
strip --strip-all -o "$STRIPPED" "$WU"
printf '#include <stdlib.h>\n#include <unistd.h>\nint main(int c, char **v)\n{\n%s\n}\n' \
	'usleep((useconds_t)(atof(c > 1 ? v[1] : "0.2") * 1e6)); return 0;' >"$TEST_TMP/nap.c"
if cc -static -O1 "$TEST_TMP/nap.c" -o "$TEST_TMP/static" 2>"$TEST_TMP/cc.err"; then
	STATIC=$TEST_TMP/static
else
	MISSING[STATIC]="cc -static fails here: $(head -1 "$TEST_TMP/cc.err")"
	MISSING[STATIC_P]=${MISSING[STATIC]}
fi

# gated NAME BINARY: BINARY as a workload waiting at its start gate (a FIFO of its own), pid in
# the variable NAME, once its threads exist and sleep
gated()
{
	local name=$1 bin=$2 pid
	rm -f "$TEST_TMP/gate.$name"
	mkfifo "$TEST_TMP/gate.$name"
	"$bin" -q -r 2000 -t 2 -g 3 -o "$TEST_TMP/truth.$name.json" 3<>"$TEST_TMP/gate.$name" &
	pid=$!
	printf -v "$name" %s "$pid"
	wait_until 10 sh -c "[ \$(ls /proc/$pid/task | wc -l) -eq 3 ]" &&
		wait_until 10 running_untraced "$pid"
}

gated T "$WU"
THREAD=$(ls "/proc/$T/task" | grep -vx "$T" | head -1)
cp "$WU" "$TEST_TMP/w-deleted"
gated DELETED_P "$TEST_TMP/w-deleted"
rm "$TEST_TMP/w-deleted"
GONE=$TEST_TMP/w-deleted
gated STRIPPED_P "$STRIPPED"
sleep 600 &
SLEEP_P=$!
if [ -n "$STATIC" ]; then
	"$STATIC" 600 &
	STATIC_P=$!
fi
# Held by another tracer: strace, or tb-ptrace itself where strace is missing.
gated HELD "$WU"
if command -v strace >/dev/null; then
	strace -qq -o /dev/null -p "$HELD" 2>/dev/null &
else
	"$OUT/tb-ptrace" syscall -p "$HELD" >/dev/null 2>&1 &
fi
holder=$!
wait_until 10 sh -c "! grep -q '^TracerPid:[[:space:]]*0$' /proc/$HELD/status" ||
	MISSING[HELD]="no tracer could hold a workload here"
NOPID=4194000
while [ -e "/proc/$NOPID" ]; do NOPID=$((NOPID - 1)); done
start_zombie && ZOMBIE=$zombie || MISSING[ZOMBIE]="no zombie could be made"
if [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ]; then
	KTHREAD=2
else
	MISSING[KTHREAD]="pid 2 is not kthreadd here (a pid namespace)"
fi

# A read-only file system and a full one (root only; in this test's mount namespace).
RO=$TEST_TMP/ro
FULL=$TEST_TMP/full
mkdir -p "$RO" "$FULL"
# lib.sh's exit trap removes TEST_TMP: in this namespace the mounts must go first
trap 'umount "$RO" "$FULL" 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
if [ "$ROOT" = 1 ] && mount -t tmpfs -o size=64k,ro tmpfs "$RO" 2>"$TEST_TMP/mount.err" &&
	mount -t tmpfs -o size=64k tmpfs "$FULL" 2>>"$TEST_TMP/mount.err"; then
	dd if=/dev/zero of="$FULL/fill" bs=4k 2>/dev/null
	[ "$(df --output=avail "$FULL" | tail -1 | tr -d ' ')" = 0 ] ||
		MISSING[FULL]="the tmpfs did not fill"
else
	MISSING[RO]="cannot mount a tmpfs here (root only): $(head -1 "$TEST_TMP/mount.err")"
	MISSING[FULL]=${MISSING[RO]}
fi

# The tools as uid 65534 sees them: copies it may run where $OUT is closed to it.
NB_BIN=$OUT
if ! command -v setpriv >/dev/null || [ "$ROOT" = 0 ]; then
	MISSING[NOBODY]="setpriv is missing, or this is not root"
elif ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$OUT/tb-ptrace"; then
	NB_BIN=$TEST_TMP/nobody-bin
	mkdir "$NB_BIN"
	cp "$OUT"/tb-usdt "$OUT"/tb-ptrace "$OUT"/tb-vmreadv "$OUT"/tb-signal "$OUT"/tb-tracefunc \
		"$NB_BIN/"
	chmod 755 "$TEST_TMP" "$NB_BIN"
fi
if [ "$ROOT" = 0 ]; then
	MISSING[USDT]="tb-usdt needs root (CAP_BPF and CAP_PERFMON)"
	MISSING[ROOT]="-u USER is for root"
fi

# Recordings for the report modes, made by the tools themselves.
RAW=$TEST_TMP/rec.raw
REC=$TEST_TMP/rec.dir
"$OUT/tb-vmreadv" -d 0.2 --raw "$RAW" -- "$WP" -q -d 0.3 >/dev/null 2>&1 &&
	[ "$(tail -1 "$RAW" | cut -d' ' -f1)" = end ] || MISSING[RAW]="tb-vmreadv made no recording"
"$OUT/tb-tracefunc" -D "$REC" -- "$WF" -q -r 10 >/dev/null 2>&1 ||
	MISSING[REC]="tb-tracefunc made no recording"

# ---- what a tracer must leave as it found it -----------------------------------------------------

# The workload's USDT semaphores lie side by side (its .probes section): one read covers them.
SEM_FIRST= SEM_LO= SEM_HI=
while read -r addr _ sym; do
	[[ $sym == *_semaphore ]] || continue
	a=$((16#$addr))
	if [ -z "$SEM_LO" ] || [ "$a" -lt "$SEM_LO" ]; then SEM_LO=$a SEM_FIRST=$sym; fi
	if [ -z "$SEM_HI" ] || [ "$a" -gt "$SEM_HI" ]; then SEM_HI=$a; fi
done < <(nm "$WU")
SEM_BYTES=$((SEM_HI - SEM_LO + 2))

# semaphores_at PID: the run-time address of the first semaphore in PID, a workload-usdt (the
# start of its mapping at file offset 0, plus the symbol's value: it is position-independent)
semaphores_at()
{
	local range off rest
	while read -r range _ off _ _ rest; do
		[ "$rest" = "$WU" ] && [ $((16#$off)) = 0 ] || continue
		printf '0x%x\n' $((16#${range%-*} + SEM_LO))
		return
	done <"/proc/$1/maps"
}

# fingerprint PID [SEMAPHORES]: each thread's state, the tracer, a checksum of every executable
# mapping as the process sees it (by address: a file replaced on disk meanwhile changes nothing
# here), and the bytes at SEMAPHORES (the workload's USDT semaphores), on one line
fingerprint()
{
	local pid=$1 sem=$2 range perms rest start end
	printf '%s|%s|' "$(states "$pid")" \
		"$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)"
	while read -r range perms rest; do
		[ "$perms" = r-xp ] && [[ $rest != *"[vsyscall]"* ]] || continue
		start=$((16#${range%-*}))
		end=$((16#${range#*-}))
		echo "$range"
		dd if="/proc/$pid/mem" bs=1M iflag=skip_bytes,count_bytes skip="$start" \
			count=$((end - start)) status=none
	done <"/proc/$pid/maps" 2>/dev/null | cksum | tr '\n' '|'
	[ -z "$sem" ] || "$OUT/tests/peek" "$pid" "$sem" "$SEM_BYTES"
}

declare -A BASE SEMS
[ -n "$SEM_FIRST" ] && [ "$SEM_BYTES" -le 64 ]
ok $? "the workload's USDT semaphores: $SEM_BYTES bytes from $SEM_FIRST, read in one go"
PIDVARS="T HELD SLEEP_P STATIC_P DELETED_P STRIPPED_P"
for v in $PIDVARS; do
	[ -n "${!v}" ] || continue
	[ "$(readlink "/proc/${!v}/exe")" = "$WU" ] && SEMS[$v]=$(semaphores_at "${!v}")
	BASE[$v]=$(fingerprint "${!v}" "${SEMS[$v]}")
	[ "$v" = HELD ] || running_untraced "${!v}"
	ok $? "fixture $v (pid ${!v}): running, no thread stopped$([ "$v" = HELD ] ||
		echo ", untraced")"
done
[ -z "${MISSING[HELD]}" ]
ok $? "fixture HELD (pid $HELD): traced by pid $holder"
"$WU" -q -r 2000 -t 2 -o "$TEST_TMP/untraced.json"

# ---- the rows -----------------------------------------------------------------------------------

# IN_FULL DIR COMMAND...: COMMAND in a mount namespace of its own where DIR is a full tmpfs;
# $OUT and $TEST_TMP stay reachable where they were, even when under DIR
IN_FULL=(unshare -m --propagation private sh -c '
	dir=$1 out=$2 tmp=$3
	shift 3
	exec 8<"$out" 9<"$tmp"
	mount -t tmpfs -o size=64k tmpfs "$dir" || exit 99
	for d in "$out:8" "$tmp:9"; do
		case ${d%:*} in "$dir"/*)
			mkdir -p "${d%:*}" && mount -c --bind "/proc/self/fd/${d##*:}" "${d%:*}" ||
				exit 99 ;;
		esac
	done
	exec 8<&- 9<&-
	dd if=/dev/zero of="$dir/fill" bs=4k 2>/dev/null
	exec "$@"' sh)

# WITH_SELF COMMAND...: COMMAND with every word SELF replaced by its own pid (sh execs it)
WITH_SELF=(sh -c 'for a do shift; [ "$a" = SELF ] && a=$$; set -- "$@" "$a"; done; exec "$@"'
	sh)

# A tool that takes bad input for good would run on: SIGINT after a while, as Ctrl-C would.
LIMIT=(timeout -s INT -k 5 10)

# tool_words TOOL BIN: the program and mode that run TOOL, into the array tool; its name
# (the prefix of its messages) into prog; the command that suits it into CMD
tool_words()
{
	local run=" -q -d 0.1 -o $MARK"
	CMD="$WP$run"
	case $1 in
	usdt) tool=("$2/tb-usdt") CMD="$WU$run" ;;
	break | syscall | sample) tool=("$2/tb-ptrace" "$1") ;;
	vmreadv) tool=("$2/tb-vmreadv") ;;
	vmreport) tool=("$2/tb-vmreadv" report) ;;
	record | run | dump | trace) tool=("$2/tb-signal" "$1") ;;
	tracefunc) tool=("$2/tb-tracefunc") CMD="$WF$run" ;;
	tfreport) tool=("$2/tb-tracefunc" report) ;;
	*) return 1 ;;
	esac
	prog=$(basename "${tool[0]}")
}

# own_lines FILE PROG: the lines of FILE that are PROG's own, but for its "Ctrl-C to stop" line
# (a preloaded library's lines, lib$PROG, and the command's are not the tool's)
own_lines() { grep -v -- 'Ctrl-C to stop$' "$1" | grep -v "^lib$2: "; }

rows_here=0
rows_elsewhere=0
declare -A PER_TOOL PER_TOOL_HERE ELSEWHERE_FILES

# run_row EXPECT TOOLSPEC ARGS CAUSE WHERE: one row of the table
run_row()
{
	local expect=$1 spec=$2 args=$3 cause=$4 where=$5 wrap= redirect= name v bin=$OUT rc
	local -a tool words wrapper=()
	local prog CMD
	case $spec in *:*) wrap=${spec%%:*} spec=${spec#*:} ;; esac
	case $spec in *" "*) redirect=${spec#* } spec=${spec%% *} ;; esac
	name="${wrap:+$wrap: }$spec $args${redirect:+ $redirect}"
	PER_TOOL[$spec]=$((${PER_TOOL[$spec]:-0} + 1))
	if [ "$where" != here ] && [ "${TB_BAD_INPUT_ALL:-0}" = 0 ]; then
		rows_elsewhere=$((rows_elsewhere + 1))
		ELSEWHERE_FILES[$where]=1
		return
	fi
	rows_here=$((rows_here + 1))
	PER_TOOL_HERE[$spec]=$((${PER_TOOL_HERE[$spec]:-0} + 1))
	# What the row needs and this machine lacks: a skip with the reason.
	for v in $(grep -o '\$[A-Z_]*' <<<"$args" | tr -d '$') ${wrap:+${wrap^^}} \
		$([ "$spec" = usdt ] && echo USDT) $([[ " $args " == *" -u "* ]] && echo ROOT); do
		case $v in NOBODY | FULLTMP | FULLSHM) [ "$v" = NOBODY ] || v=RO ;; esac
		if [ -n "${MISSING[$v]}" ]; then
			skip "${MISSING[$v]}" "$name"
			return
		fi
	done
	wrapper=("${LIMIT[@]}")
	case $wrap in
	nobody) wrapper+=(setpriv --reuid=65534 --regid=65534 --clear-groups) bin=$NB_BIN ;;
	fulltmp) wrapper+=("${IN_FULL[@]}" /tmp "$OUT" "$TEST_TMP") ;;
	fullshm) wrapper+=("${IN_FULL[@]}" /dev/shm "$OUT" "$TEST_TMP") ;;
	esac
	tool_words "$spec" "$bin" || { ok 1 "$name: no tool $spec"; return; }
	eval "words=($args)"
	[[ " ${words[*]} " == *" SELF "* ]] && wrapper+=("${WITH_SELF[@]}")
	rm -f "$MARK"
	case $expect in
	no)
		rejected "$name" "$cause" "${wrapper[@]}" "${tool[@]}" "${words[@]}"
		if [[ $args == *'$CMD'* ]]; then
			[ ! -e "$MARK" ]
			ok $? "$name: refused before the command ran"
		fi
		;;
	late | yes)
		case $redirect in
		'>&-') "${wrapper[@]}" "${tool[@]}" "${words[@]}" >&- 2>"$TEST_TMP/err" ;;
		'>/dev/full') "${wrapper[@]}" "${tool[@]}" "${words[@]}" >/dev/full 2>"$TEST_TMP/err" ;;
		*) "${wrapper[@]}" "${tool[@]}" "${words[@]}" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ;;
		esac
		rc=$?
		if [ "$expect" = late ]; then
			is "$([ "$rc" -ne 0 ] && echo fails || echo "exits 0") $(own_lines \
				"$TEST_TMP/err" "$prog" | wc -l)" "fails 1" \
				"$name: non-zero exit, one line of $prog's own"
			own_lines "$TEST_TMP/err" "$prog" | grep -qiE -- "^$prog: .*($cause)"
		else
			is "$rc $(grep -vc -- 'Ctrl-C to stop$' "$TEST_TMP/err")" "0 0" \
				"$name: accepted, exit 0, nothing on stderr but the tracing line"
			[ "$cause" = - ] || grep -qiE -- "$cause" "$TEST_TMP/out"
		fi
		rc=$?
		ok $rc "$name: $([ "$expect" = late ] && echo "the line names the cause" ||
			echo "the output shows it") ($cause)"
		[ "$rc" -eq 0 ] || sed 's/^/#   stderr: /' "$TEST_TMP/err"
		;;
	*) ok 1 "$name: no expectation $expect" ;;
	esac
	for v in $PIDVARS; do
		[[ $args =~ \$$v([^A-Za-z0-9_]|$) ]] || continue
		is "$(fingerprint "${!v}" "${SEMS[$v]}")" "${BASE[$v]}" "$name: pid $v as it was"
	done
}

# A row per line; blank lines and lines starting with # are left out.
while IFS='|' read -r expect spec args cause where; do
	expect=$(echo $expect) spec=$(echo $spec) where=$(echo $where)
	[ -z "$expect" ] || [ "${expect:0:1}" = "#" ] && continue
	args=$(sed 's/^ *//; s/ *$//' <<<"$args")
	cause=$(sed 's/^ *//; s/ *$//' <<<"$cause")
	run_row "$expect" "$spec" "$args" "$cause" "$where" </dev/null
done <<'EOF'
# ---- tb-usdt ------------------------------------------------------------------------------------
no   | usdt             | -p $NOPID tracebench:request_start | no process has pid | usdt_errors.t
no   | usdt             | -p $ZOMBIE tracebench:request_start | zombie | usdt_errors.t
no   | usdt             | -p SELF tracebench:request_start | this tracer itself | usdt_errors.t
no   | usdt             | -p $KTHREAD tracebench:request_start | kernel thread | usdt_errors.t
no   | usdt             | -p $THREAD tracebench:request_start | thread of process | usdt_detach.t
no   | usdt             | -p 0 tracebench:request_start | not a process id | usdt_errors.t
no   | usdt             | -p -1 tracebench:request_start | not a process id | here
no   | usdt             | -p 99999999999 tracebench:request_start | not a process id | here
no   | usdt             | -p abc tracebench:request_start | not a process id | usdt_errors.t
no   | nobody:usdt      | -p $T tracebench:request_start | run as root | here
yes  | usdt             | -q -d 0.1 -p $HELD tracebench:request_start | - | here
no   | usdt             | -p $SLEEP_P tracebench:request_start | no USDT probes | here
no   | usdt             | -p $STATIC_P tracebench:request_start | no USDT probes | here
yes  | usdt             | -q -d 0.1 -p $DELETED_P tracebench:request_start | - | usdt_detach.t
yes  | usdt             | -q -d 0.1 -p $STRIPPED_P tracebench:request_start | - | here
no   | usdt             | tracebench:request_start -- $JUNK | not an x86-64 ELF | here
no   | usdt             | tracebench:request_start -- $SCRIPT | not an x86-64 ELF | here
no   | usdt             | tracebench:request_start -- $STATIC | no USDT probes | here
yes  | usdt             | -q tracebench:request_start -- $STRIPPED -q -r 10 | - | usdt_detach.t
no   | usdt             | tracebench:request_start -- $GONE | No such file | usdt_errors.t
no   | usdt             | tracebench:nope -- $CMD | no USDT probe tracebench:nope | usdt_errors.t
no   | usdt             | method_entry -- $CMD | expected \[PATH:\]PROVIDER:NAME | usdt_errors.t
no   | usdt             | tracebench: -- $CMD | bad probe | usdt_errors.t
no   | usdt             | ::: -- $CMD | bad probe | here
no   | usdt             | $JUNK:p:n -- $CMD | not an x86-64 ELF | here
no   | usdt             | $NODIR/lib.so:p:n -- $CMD | cannot read | usdt_errors.t
no   | usdt             | tracebench:nope -p $T | no USDT probe | usdt_detach.t
no   | usdt             | -l $JUNK | not an x86-64 ELF | usdt_errors.t
no   | usdt             | -l $NODIR/x | No such file | usdt_errors.t
no   | usdt             | -l $STATIC | no USDT probes | here
yes  | usdt             | -l $STRIPPED | tracebench:request_start | here
no   | usdt             | -l $NOPID | no process | usdt_errors.t
no   | usdt             | -l $ZOMBIE | zombie | here
no   | usdt             | -l $KTHREAD | kernel thread | here
no   | usdt             | -l SELF | this tracer itself | here
yes  | usdt             | -l $SLEEP_P | maps no file with USDT probes | here
no   | nobody:usdt      | -l $T | permission denied.*run as root | here
no   | usdt             | -m fast tracebench:request_start -- $CMD | unknown mode | usdt_errors.t
no   | usdt             | -a -1 tracebench:request_start -- $CMD | -a -1: an argument number is 0 to | here
no   | usdt             | -a abc tracebench:request_start -- $CMD | -a abc: an argument number | here
no   | usdt             | -a 99999999999999999999 tracebench:request_start -- $CMD | an argument number | here
no   | usdt             | -a 3 tracebench:request_start -- $CMD | has 1 argument | usdt_errors.t
no   | usdt             | -s -1 tracebench:request_start -- $CMD | -s -1: an argument number | here
no   | usdt             | -s abc tracebench:request_start -- $CMD | -s abc: an argument number | here
no   | usdt             | -m hist -s 1 tracebench:method_entry tracebench:method_return -- $CMD | -s applies to -m count | usdt_errors.t
no   | usdt             | -m stream -b 5000 tracebench:request_start -- $CMD | power of two | usdt_errors.t
no   | usdt             | -m stream -b 0 tracebench:request_start -- $CMD | -b 0: .*power of two | here
no   | usdt             | -m stream -b -1 tracebench:request_start -- $CMD | -b -1: .*power of two | here
no   | usdt             | -m stream -b abc tracebench:request_start -- $CMD | -b abc: .*power of two | here
no   | usdt             | -m stream -b 2048M tracebench:request_start -- $CMD | -b 2048M: .*power of two.*1024M | here
no   | usdt             | -b 8192 tracebench:request_start -- $CMD | -b .*-m stream | here
no   | usdt             | -a 0 -k 0 tracebench:request_start -- $CMD | 1 to 1048576 | usdt_errors.t
no   | usdt             | -a 0 -k 1048577 tracebench:request_start -- $CMD | 1 to 1048576 | usdt_errors.t
no   | usdt             | -a 0 -k -1 tracebench:request_start -- $CMD | -k -1: .*1 to 1048576 | here
no   | usdt             | -a 0 -k abc tracebench:request_start -- $CMD | -k abc: .*1 to 1048576 | here
no   | usdt             | -k 10 tracebench:request_start -- $CMD | -k .*-a | here
no   | usdt             | -d 0 tracebench:request_start -- $CMD | 0.001 to 1e7 | usdt_errors.t
no   | usdt             | -d -1 tracebench:request_start -- $CMD | 0.001 to 1e7 | usdt_errors.t
no   | usdt             | -d abc tracebench:request_start -- $CMD | 0.001 to 1e7 | usdt_errors.t
no   | usdt             | -d 1e99 tracebench:request_start -- $CMD | -d 1e99: .*0.001 to 1e7 | here
no   | usdt             | -d inf tracebench:request_start -- $CMD | -d inf: .*0.001 to 1e7 | here
no   | usdt             | -o $NODIR/r.json tracebench:request_start -- $CMD | cannot write the result | usdt_errors.t
no   | usdt             | -o /proc/nonexistent/r.json tracebench:request_start -- $CMD | No such file.*choose a writable -o | here
no   | usdt             | -o $RO/r.json tracebench:request_start -- $CMD | Read-only file system.*choose a writable -o | here
no   | usdt             | -o $TEST_TMP tracebench:request_start -- $CMD | Is a directory.*choose a writable -o | here
late | usdt             | -q -o $FULL/r.json tracebench:request_start -- $CMD | No space left on device | here
late | usdt             | -q -d 0.1 -o $FULL/r.json tracebench:request_start -p $T | No space left on device | here
late | usdt             | -q -o /dev/full tracebench:request_start -- $CMD | No space left on device | here
late | usdt >&-         | -q tracebench:request_start -- $CMD | standard output.*Bad file descriptor | here
late | usdt >/dev/full  | -q -d 0.1 tracebench:request_start -p $T | No space left on device | usdt_detach.t
no   | usdt             | --frobnicate tracebench:request_start -- $CMD | unknown option | usdt_errors.t
no   | usdt             | tracebench:request_start -p | needs a value | usdt_errors.t
no   | usdt             | -p $T tracebench:request_start -- $CMD | not both | usdt_errors.t
no   | usdt             | tracebench:request_start -- | no COMMAND after -- | usdt_errors.t
no   | usdt             | -u tb-no-such-user tracebench:request_start -- $CMD | no user named | privilege.t
no   | nobody:usdt      | -u nobody tracebench:request_start -- $CMD | only root | privilege.t
no   | usdt             | -u nobody -p $T tracebench:request_start | -u nobody is for -- COMMAND | privilege.t
# ---- tb-ptrace break ----------------------------------------------------------------------------
no   | break            | escape -p $NOPID | no process has pid | here
no   | break            | escape -p $ZOMBIE | zombie | here
no   | break            | escape -p SELF | this tracer itself | here
no   | break            | escape -p $KTHREAD | kernel thread | here
no   | break            | escape -p $THREAD | thread of process | ptrace_reliability.t
no   | break            | escape -p -1 | -p -1: not a process id | here
no   | break            | escape -p 99999999999 | not a process id | here
no   | break            | escape -p abc | -p abc: not a process id | here
no   | break            | escape -p $HELD | already traced by pid | ptrace_reliability.t
no   | nobody:break     | escape -p $T | belongs to uid 0.*CAP_SYS_PTRACE | here
no   | break            | escape -p $SLEEP_P | no site escape.*no such symbol | here
no   | break            | escape -p $STATIC_P | no site escape.*no such symbol | here
yes  | break            | -d 0.1 main -p $STATIC_P | - | here
yes  | break            | -d 0.1 escape -p $DELETED_P | - | here
yes  | break            | -d 0.1 escape -p $STRIPPED_P | - | here
no   | break            | escape -- $JUNK | Exec format error.*neither an ELF program | here
no   | break            | escape -- $SCRIPT | no site escape.*no such symbol | here
yes  | break            | main -- $STATIC 0.1 | - | here
yes  | break            | escape -- $STRIPPED -q -r 10 | - | here
no   | break            | escape -- $GONE | No such file | here
no   | break            | nosuchsym -p $T | no site nosuchsym.*no such symbol | ptrace_reliability.t
no   | break            | escape+100000000 -p $T | escape | ptrace_reliability.t
no   | break            | escape+ -p $T | expected \[FILE:\]SYMBOL\[\+OFFSET\] | here
no   | break            | escape+abc -p $T | expected \[FILE:\]SYMBOL | here
no   | break            | escape+-4 -p $T | expected \[FILE:\]SYMBOL | here
no   | break            | : -p $T | expected \[FILE:\]SYMBOL | here
no   | break            | '' -p $T | expected \[FILE:\]SYMBOL | here
no   | break            | usdt:tracebench -p $T | expected .*usdt:PROVIDER:NAME | here
no   | break            | usdt:tracebench:nope -p $T | no site usdt:tracebench:nope | here
no   | break            | libnope.so:write -p $T | no site libnope.so:write.*not mapped | here
no   | break            | $JUNK:escape -p $T | Exec format error | here
no   | break            | escape escape -p $T | same address | ptrace.t
no   | break            | -p $T | give SITEs | here
no   | break            | -a 7 escape -p $T | -a 7: show 0 to 6 arguments | here
no   | break            | -a -1 escape -p $T | -a -1: show 0 to 6 | here
no   | break            | -a abc escape -p $T | -a abc: show 0 to 6 | here
no   | break            | -L escape+4 -p $T | -L escape\+4: .*give SYMBOL | here
no   | break            | -L usdt:tracebench:request_start -p $T | give SYMBOL, not an offset or a USDT site | here
no   | break            | -F 10 escape -p $T | -F is for sample mode | here
no   | break            | -e read escape -p $T | -e is for syscall mode | here
no   | break            | --idle escape -p $T | --idle is for sample mode | here
no   | break            | --folded $TEST_TMP/f escape -p $T | --folded is for sample mode | here
no   | break            | -f escape -p $T | -f is for syscall mode | here
no   | break            | -d 0 escape -p $T | -d 0: .*0.001 to 1e7 | here
no   | break            | -d -1 escape -p $T | -d -1: .*0.001 to 1e7 | here
no   | break            | -d abc escape -p $T | -d abc: .*0.001 to 1e7 | here
no   | break            | -d 1e99 escape -p $T | -d 1e99: .*0.001 to 1e7 | here
no   | break            | -o $NODIR/r.json escape -p $T | nodir | ptrace_reliability.t
no   | break            | -o /proc/nonexistent/r.json escape -p $T | No such file.*choose a writable -o | here
no   | break            | -o $RO/r.json escape -p $T | Read-only file system | here
no   | break            | -o $TEST_TMP escape -- $CMD | Is a directory | here
late | break            | -o $FULL/r.json escape -- $CMD | No space left on device | here
late | break            | -d 0.1 -o $FULL/r.json escape -p $T | No space left on device | here
late | break            | -o /dev/full escape -- $CMD | No space left on device | here
late | break >&-        | escape -- $CMD | stdout.*Bad file descriptor | here
late | break >/dev/full  | -d 0.1 escape -p $T | stdout.*No space left on device | here
no   | break            | -x escape -p $T | unknown option '-x' | here
no   | break            | escape -p | option '-p' needs a value | here
no   | break            | escape -- | no COMMAND after -- | here
no   | break            | -u tb-no-such-user escape -- $CMD | no user named tb-no-such-user | here
no   | break            | -u nobody escape -p $T | -u nobody is for -- COMMAND | here
# ---- tb-ptrace syscall --------------------------------------------------------------------------
no   | syscall          | -p $NOPID | no process | ptrace_reliability.t
no   | syscall          | -p $ZOMBIE | zombie | ptrace_reliability.t
no   | syscall          | -p SELF | this tracer itself | ptrace_reliability.t
no   | syscall          | -p $KTHREAD | kernel thread | ptrace_reliability.t
no   | syscall          | -p $THREAD | thread of process | here
no   | syscall          | -p $HELD | already traced by pid | here
no   | nobody:syscall   | -p $T | belongs to uid 0.*CAP_SYS_PTRACE | here
yes  | syscall          | -d 0.1 -p $STATIC_P | - | here
yes  | syscall          | -d 0.1 -p $DELETED_P | - | here
no   | syscall          | -- $JUNK | Exec format error.*neither an ELF program | here
yes  | syscall          | -e execve -- $SCRIPT | execve | here
yes  | syscall          | -- $STATIC 0.1 | nanosleep | here
no   | syscall          | -- $GONE | No such file | ptrace_reliability.t
no   | syscall          | -- nosuchcommand-tracebench | nosuchcommand.*No such file | ptrace_reliability.t
no   | syscall          | -e nosuchcall -p $T | no system call named nosuchcall | here
no   | syscall          | -e read,nope -p $T | no system call named nope | here
no   | syscall          | -e 999 -p $T | no system call named 999 | here
no   | syscall          | -e '' -p $T | -e : give .*system call | here
no   | syscall          | -e , -p $T | -e ,: give .*system call | here
no   | syscall          | --seccomp -p $T | --seccomp is for .*-- COMMAND and -e | here
no   | syscall          | --seccomp -- $CMD | --seccomp is for .*-e | here
no   | syscall          | -a 2 -p $T | -a is for break mode | here
no   | syscall          | -L -p $T | -L is for break mode | here
no   | syscall          | --no-xol -p $T | --no-xol is for break mode | here
no   | syscall          | -F 10 -p $T | -F is for sample mode | here
no   | syscall          | -d 0 -p $T | 0.001 to 1e7 | here
no   | syscall          | escape -p $T | no SITE | here
no   | syscall          | -o $NODIR/r.json -p $T | nodir | ptrace_reliability.t
no   | syscall          | -o $RO/r.json -- $CMD | Read-only file system | here
late | syscall          | -o $FULL/r.json -- $CMD | No space left on device | here
late | syscall >&-      | -- $CMD | stdout.*Bad file descriptor | here
late | syscall >/dev/full | -- $CMD | stdout.*No space left on device | here
no   | syscall          | -- | no COMMAND after -- | here
no   | syscall          | -d | option '-d' needs a value | here
no   | syscall          | -u tb-no-such-user -- $CMD | no user named | privilege.t
no   | nobody:syscall   | -u nobody -- $CMD | only root | privilege.t
no   | syscall          | -u nobody -p $T | -u nobody is for -- COMMAND | privilege.t
no   | syscall          | -u nobody:tb-no-such-group -- $CMD | no group named | privilege.t
yes  | syscall          | -d 0.1 -p $STRIPPED_P | - | here
# ---- tb-ptrace sample ---------------------------------------------------------------------------
no   | sample           | -p $NOPID | no process has pid | here
no   | sample           | -p $ZOMBIE | zombie | here
no   | sample           | -p SELF | this tracer itself | here
no   | sample           | -p $KTHREAD | kernel thread | here
no   | sample           | -p $THREAD | thread of process | here
no   | sample           | -p $HELD | already traced by pid | here
no   | nobody:sample    | -p $T | belongs to uid 0.*CAP_SYS_PTRACE | here
yes  | sample           | -d 0.1 -p $STATIC_P | samples 0 .*idle [1-9] | here
yes  | sample           | -d 0.1 -p $SLEEP_P | samples 0 .*idle [1-9] | here
no   | sample           | -- $JUNK | Exec format error.*neither an ELF program | here
yes  | sample           | -- $STATIC 0.1 | samples | here
no   | sample           | -F 0 -p $T | -F 0: .*1 to 10000 | here
no   | sample           | -F -1 -p $T | -F -1: .*1 to 10000 | here
no   | sample           | -F 10001 -p $T | -F 10001: .*1 to 10000 | here
no   | sample           | -F 1e99 -p $T | -F 1e99: .*1 to 10000 | here
no   | sample           | -F abc -p $T | -F abc: .*1 to 10000 | here
no   | sample           | -e read -p $T | -e is for syscall mode | here
no   | sample           | -a 2 -p $T | -a is for break mode | here
no   | sample           | --folded $NODIR/f -p $T | cannot write the folded stacks to .*nodir | here
no   | sample           | --folded-methods $NODIR/f -p $T | cannot write the folded stacks to .*nodir | here
no   | sample           | --folded $RO/f -- $CMD | Read-only file system | here
late | sample           | --folded $FULL/f -- $CMD | No space left on device | here
late | sample           | --idle --folded /dev/full -d 0.1 -p $T | No space left on device | here
late | sample           | --folded-methods $FULL/f -- $CMD | No space left on device | here
late | sample           | -o $FULL/r.json -- $CMD | No space left on device | here
late | sample >&-       | -- $CMD | stdout.*Bad file descriptor | here
late | sample >/dev/full | -- $CMD | stdout.*No space left on device | here
yes  | sample           | -d 0.1 -p $DELETED_P | samples | here
no   | sample           | -u tb-no-such-user -- $CMD | no user named tb-no-such-user | here
# ---- tb-vmreadv (record) ------------------------------------------------------------------------
no   | vmreadv          | -d 0.1 -p $NOPID | no process | vmreadv.t
no   | vmreadv          | -d 0.1 -p 0 | not a process id | vmreadv.t
no   | vmreadv          | -d 0.1 -p -1 | -p -1: not a process id | here
no   | vmreadv          | -d 0.1 -p $ZOMBIE | zombie | vmreadv.t
no   | vmreadv          | -d 0.1 -p SELF | itself | vmreadv.t
no   | vmreadv          | -d 0.1 -p $KTHREAD | kernel thread | vmreadv.t
no   | vmreadv          | -d 0.1 -p $THREAD | thread | vmreadv.t
yes  | vmreadv          | -d 0.1 -p $HELD | - | here
no   | vmreadv          | --blocking -d 0.1 -p $HELD | already traced by pid | here
no   | nobody:vmreadv   | -d 0.1 -p $T | belongs to uid 0.*CAP_SYS_PTRACE | vmreadv_reliability.t
no   | vmreadv          | -d 0.1 -p $SLEEP_P | tb_stack_root | vmreadv.t
no   | vmreadv          | -d 0.1 -p $STATIC_P | not a tracebench workload.*tb_stack_root | here
yes  | vmreadv          | -d 0.1 -p $DELETED_P | - | here
yes  | vmreadv          | -d 0.1 -p $STRIPPED_P | - | here
no   | vmreadv          | -- $JUNK | Exec format error.*neither an ELF program | here
no   | vmreadv          | -- $SCRIPT | tracebench workload.*tb_stack_root | here
no   | vmreadv          | -- $STATIC 0.1 | tracebench workload.*tb_stack_root | here
yes  | vmreadv          | -- $STRIPPED -q -d 0.1 | - | here
no   | vmreadv          | -- nosuchcommand-tracebench | nosuchcommand | vmreadv.t
no   | vmreadv          | -F 0 -p $T | -F 0 | vmreadv.t
no   | vmreadv          | -F 1e6 -p $T | -F 1e6 | vmreadv.t
no   | vmreadv          | -F -1 -p $T | -F -1: .*1 to 100000 | here
no   | vmreadv          | -F abc -p $T | -F abc: .*1 to 100000 | here
no   | vmreadv          | --retries -1 -p $T | --retries -1 | vmreadv.t
no   | vmreadv          | --retries 101 -p $T | --retries 101: .*0 to 100 | here
no   | vmreadv          | --retries abc -p $T | --retries abc: .*0 to 100 | here
no   | vmreadv          | -d 0 -p $T | -d 0 | vmreadv.t
no   | vmreadv          | -d -1 -p $T | -d -1: .*0.001 to 1e7 | here
no   | vmreadv          | -d 1e99 -p $T | -d 1e99: .*0.001 to 1e7 | here
no   | vmreadv          | -o $NODIR/r.json -p $T | nodir | vmreadv.t
no   | vmreadv          | --raw $NODIR/raw -p $T | nodir | vmreadv.t
no   | vmreadv          | --folded $NODIR/f -p $T | nodir | vmreadv.t
no   | vmreadv          | -o $RO/r.json -p $T | Read-only file system.*choose a writable -o | here
no   | vmreadv          | --raw $RO/raw -p $T | Read-only file system | here
no   | vmreadv          | -o $TEST_TMP -p $T | Is a directory | here
late | vmreadv          | -d 0.1 -o $FULL/r.json -p $T | No space left on device | here
late | vmreadv          | -d 0.1 --raw $FULL/raw -p $T | No space left on device | here
late | vmreadv          | --folded $FULL/f -- $CMD | No space left on device | here
late | vmreadv          | -o /dev/full -- $CMD | No space left on device | here
late | vmreadv >&-      | -d 0.1 -p $T | stdout.*Bad file descriptor | vmreadv_reliability.t
late | vmreadv >&-      | --folded - -- $CMD | folded stacks to -: Bad file descriptor | here
late | vmreadv >/dev/full | -d 0.1 -p $T | No space | vmreadv_reliability.t
no   | vmreadv          | -p $T -- $CMD | -p PID or -- COMMAND | vmreadv.t
no   | vmreadv          | -d 0.1 -p $T extra | unexpected argument 'extra' | here
no   | vmreadv          | -x -p $T | unknown option '-x' | here
no   | nobody:vmreadv   | --realtime -d 0.1 -- $CMD | --realtime: .*CAP_SYS_NICE | here
no   | vmreadv          | -u tb-no-such-user -- $CMD | no user named | privilege.t
no   | nobody:vmreadv   | -u nobody -- $CMD | only root | privilege.t
no   | vmreadv          | -u nobody -p $T | -u nobody is for -- COMMAND | privilege.t
# ---- tb-vmreadv report --------------------------------------------------------------------------
no   | vmreport         | $NODIR/raw | No such file | here
no   | vmreport         | $TEST_TMP | Is a directory | here
no   | vmreport         | $JUNK | not a raw recording | here
no   | vmreport         | /dev/null | empty | vmreadv.t
no   | vmreport         | $RAW $RAW | one raw recording | here
no   | vmreport         | -p $T $RAW | record | vmreadv.t
no   | vmreport         | -F 10 $RAW | -F, .*are for record | here
no   | vmreport         | --retries 1 $RAW | --retries, .*are for record | here
no   | vmreport         | -o $RO/r.json $RAW | Read-only file system | here
late | vmreport         | -o $FULL/r.json $RAW | No space left on device | here
late | vmreport         | --folded /dev/full $RAW | No space left on device | here
late | vmreport >&-     | $RAW | stdout.*Bad file descriptor | here
# ---- tb-signal record and run -------------------------------------------------------------------
no   | record           | -- $JUNK | Exec format error.*neither an ELF program | here
yes  | record           | -- $SCRIPT | samples of | here
no   | record           | -- $STATIC 0.1 | statically linked | signal.t
yes  | record           | -- $STRIPPED -q -d 0.1 | samples of | here
no   | record           | -- $GONE | No such file | here
no   | record           | -- nosuchcommand-tracebench | nosuchcommand-tracebench | signal.t
no   | record           | -p $T -- $CMD | give -- COMMAND | here
no   | record           | -F 0 -- $CMD | -F 0 | signal.t
no   | record           | -F 1e6 -- $CMD | -F 1e6 | signal.t
no   | record           | -F abc -- $CMD | -F abc | signal.t
no   | record           | -F -1 -- $CMD | -F -1: .*1 to 10000 | here
no   | record           | -F 10001 -- $CMD | -F 10001: .*1 to 10000 | here
no   | record           | --buffer-kb 1 -- $CMD | --buffer-kb 1 | signal.t
no   | record           | --buffer-kb 0 -- $CMD | --buffer-kb 0: give 4 to 1048576 KiB | here
no   | record           | --buffer-kb -1 -- $CMD | --buffer-kb -1: give 4 to | here
no   | record           | --buffer-kb abc -- $CMD | --buffer-kb abc: give 4 to | here
no   | record           | --buffer-kb 1048577 -- $CMD | --buffer-kb 1048577: give 4 to | here
no   | record           | -o $NODIR/r.json -- $CMD | nodir | signal.t
no   | record           | -o $TEST_TMP -- $CMD | Is a directory | signal.t
no   | record           | -o $RO/r.json -- $CMD | Read-only file system | here
no   | record           | --folded $NODIR/f -- $CMD | nodir | signal.t
no   | record           | --folded-methods $NODIR/f -- $CMD | nodir | signal.t
late | record           | -o $FULL/r.json -- $CMD | No space left on device | here
late | record           | --folded $FULL/f -- $CMD | No space left on device | here
late | record           | --folded-methods /dev/full -- $CMD | No space left on device | here
late | record >&-       | -- $CMD | stdout.*Bad file descriptor | here
late | record >/dev/full | -- $CMD | stdout.*No space left on device | here
late | fulltmp:record   | -- $CMD | No space left on device | here
no   | record           | -x -- $CMD | unknown option '-x' | here
no   | record           | -F | option '-F' needs a value | here
no   | record           | -u tb-no-such-user -- $CMD | no user named | privilege.t
no   | nobody:record    | -u nobody -- $CMD | only root | privilege.t
no   | run              | -- $JUNK | Exec format error.*neither an ELF program | here
no   | run              | -- $STATIC 0.1 | statically linked | here
no   | run              | -- $GONE | No such file | here
no   | run              | -- | give -- COMMAND | here
no   | run              | -F 10 -- $CMD | -F is for record | here
no   | run              | -o $TEST_TMP/r.json -- $CMD | -o is for record | here
no   | run              | -u tb-no-such-user -- $CMD | no user named tb-no-such-user | here
# ---- tb-signal dump and trace -------------------------------------------------------------------
no   | dump             | -p $NOPID | no process has pid | signal_control.t
no   | dump             | -p $ZOMBIE | zombie | here
no   | dump             | -p SELF | this tracer itself | here
no   | dump             | -p $KTHREAD | kernel thread | here
no   | dump             | -p $THREAD | thread of process | here
no   | dump             | -p 0 | -p 0: not a process id | here
no   | dump             | -p abc | -p abc: not a process id | here
no   | dump             | -p $SLEEP_P | did not answer | signal_control.t
no   | nobody:dump      | -p $T | only its owner | signal_control.t
no   | dump             | | dump -p PID | signal_control.t
no   | dump             | -p $T extra | dump -p PID | here
no   | dump             | -F 10 -p $T | -F is for record | here
no   | dump             | -o $TEST_TMP/r.json -p $T | -o is for record | here
no   | dump             | -u nobody -p $T | -u nobody is for -- COMMAND | privilege.t
no   | trace            | -p $T maybe | start.stop | signal_control.t
no   | trace            | -p $T | start.stop | here
no   | trace            | -p $ZOMBIE start | zombie | here
no   | trace            | -p $KTHREAD stop | kernel thread | here
no   | nobody:trace     | -p $T start | only its owner | signal_control.t
no   | trace            | --wall -p $T start | --wall is for record | here
# ---- tb-tracefunc -------------------------------------------------------------------------------
no   | tracefunc        | -p $T | -p.*-- COMMAND | tracefunc.t
no   | tracefunc        | -- $JUNK | not an x86-64 ELF | here
no   | tracefunc        | -- $SCRIPT | not an x86-64 ELF | tracefunc.t
no   | tracefunc        | -- $STATIC 0.1 | statically linked | tracefunc.t
no   | tracefunc        | -- $GONE | command not found | here
no   | tracefunc        | -- nosuchcommand-tracebench | nosuchcommand-tracebench | tracefunc.t
no   | tracefunc        | -m bogus -- $CMD | -m bogus | tracefunc.t
no   | tracefunc        | --hook bogus -- $CMD | --hook bogus | tracefunc.t
no   | tracefunc        | -f '' -- $CMD | -f | tracefunc.t
no   | tracefunc        | -f , -- $CMD | -f ,: .*pattern | here
no   | tracefunc        | -m log -b 3 -- $CMD | power of two | tracefunc.t
no   | tracefunc        | -b 8 -- $CMD | -b.*-m log | tracefunc.t
no   | tracefunc        | -d 0 -- $CMD | -d 0 | tracefunc.t
no   | tracefunc        | -d abc -- $CMD | -d abc | tracefunc.t
no   | tracefunc        | -d -1 -- $CMD | -d -1: .*0.001 to 1e7 | here
no   | tracefunc        | -d 1e99 -- $CMD | -d 1e99: .*0.001 to 1e7 | here
no   | tracefunc        | -n 0 -- $CMD | -n 0 | tracefunc.t
no   | tracefunc        | -n -1 -- $CMD | -n -1: give 1 to 1000000 | here
no   | tracefunc        | -n abc -- $CMD | -n abc: give 1 to 1000000 | here
no   | tracefunc        | -n 1000001 -- $CMD | -n 1000001: give 1 to 1000000 | here
no   | tracefunc        | -o $NODIR/r.json -- $CMD | nodir | tracefunc.t
no   | tracefunc        | -o $TEST_TMP -- $CMD | result.*Is a directory | tracefunc.t
no   | tracefunc        | -o $RO/r.json -- $CMD | Read-only file system.*choose a writable -o | here
no   | tracefunc        | -m log --trace $NODIR/t -- $CMD | nodir | tracefunc.t
no   | tracefunc        | -m log --trace $RO/t -- $CMD | Read-only file system | here
no   | tracefunc        | -D $NODIR/d -- $CMD | nodir | tracefunc.t
no   | tracefunc        | -D $RO/d -- $CMD | Read-only file system | here
late | tracefunc        | -o $FULL/r.json -- $CMD | No space left on device | here
late | tracefunc        | -o /dev/full -- $CMD | No space left on device | here
late | tracefunc        | -m log --trace $FULL/t -- $CMD | No space left on device | here
late | fullshm:tracefunc | -- $CMD | No space left on device | here
late | tracefunc >&-    | -- $CMD | stdout.*Bad file descriptor | tracefunc.t
late | tracefunc >/dev/full | -- $CMD | stdout.*No space left on device | tracefunc.t
no   | tracefunc        | -x -- $CMD | -x | tracefunc.t
no   | tracefunc        | -m | -m.*value | tracefunc.t
yes  | tracefunc        | -f 'nomatch*' -- $CMD | calls filtered out | here
no   | tracefunc        | -u tb-no-such-user -- $CMD | no user named | privilege.t
no   | nobody:tracefunc | -u nobody -- $CMD | only root | privilege.t
# ---- tb-tracefunc report ------------------------------------------------------------------------
no   | tfreport         | $NODIR | nodir.*No such file | here
no   | tfreport         | $JUNK | junk | tracefunc.t
no   | tfreport         | | DIR | tracefunc.t
no   | tfreport         | -m log $REC | -m is for recording | here
no   | tfreport         | -d 1 $REC | -d is for recording | here
no   | tfreport         | -D $TEST_TMP/d $REC | -D is for recording | here
no   | tfreport         | -n 0 $REC | -n 0 | here
no   | tfreport         | -o $RO/r.json $REC | Read-only file system | here
late | tfreport         | -o $FULL/r.json $REC | No space left on device | here
late | tfreport >&-     | $REC | stdout.*Bad file descriptor | here
EOF

# ---- afterwards ---------------------------------------------------------------------------------

for f in "${!ELSEWHERE_FILES[@]}"; do
	[ -f "$TESTS/$f" ]
	ok $? "rows said to be tested in $f: that test exists"
done
kill -INT "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
wait_until 10 running_untraced "$HELD"
ok $? "HELD: its tracer gone, it runs on untraced"
printf g >"$TEST_TMP/gate.T"
wait "$T"
ok $? "after every row: T, released, exits 0"
truth_counts "$TEST_TMP/truth.T.json" | cmp -s <(truth_counts "$TEST_TMP/untraced.json") -
ok $? "after every row: T's truth is an untraced run's"
for t in $(printf '%s\n' "${!PER_TOOL[@]}" | sort); do
	diag "$t: ${PER_TOOL[$t]} rows, ${PER_TOOL_HERE[$t]:-0} of them run here"
done
diag "$rows_here rows run here, $rows_elsewhere listed as tested elsewhere (TB_BAD_INPUT_ALL=1" \
	"runs them here too)"

done_testing
