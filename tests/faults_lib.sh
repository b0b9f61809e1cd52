# tests/faults_lib.sh - the fault-injection suite's cases: run a tracer, inject a fault, judge the
# target and the data (sourced after lib.sh by faults.t, faults_pairs.t and faults_load.t)
#
# The fixture is the workload itself: its truth file counts its work (requests, method calls per
# method, system calls) and carries a checksum of every result it computed ("result"), which
# changes if an instruction ran differently (a breakpoint left half-removed, a step-over gone
# wrong). It also forks (-F), sends itself signals (-S) and execs (-- COMMAND) on request.
#
# A case is FAULT TECHNIQUE HOW: HOW is "started" (the tracer runs the workload: -- COMMAND) or
# "attached" (-p PID of a workload the test started). Each case appends one CSV row to
# $FAULTS_CSV (header: faults_header) and returns 0 when the outcome is acceptable: the target
# survived (same exit status, truth and checksum as untraced; never left stopped or traced; its
# text byte for byte its file's, semaphores 0) and its data is exact or accounted for, or the
# outcome is one the README explains as a property of the technique (fault_explained).

FAULTS_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FAULTS_CSV=${FAULTS_CSV:-$TEST_TMP/faults.csv}
# Requests per run at scale 100: about 0.2 ms each untraced, so 2,000 take 0.4 s.
FAULTS_REQUESTS=${FAULTS_REQUESTS:-2000}
FAULTS_SCALE=${FAULTS_SCALE:-100}
# The tracer faults hit this long after the tracer started (ms); FAULTS_RANDOM=1 draws each
# delay from [FAULTS_DELAY_MIN, FAULTS_DELAY_MAX] with $RANDOM (seeded by the caller).
FAULTS_DELAY=${FAULTS_DELAY:-150}
FAULTS_DELAY_MIN=${FAULTS_DELAY_MIN:-0}
FAULTS_DELAY_MAX=${FAULTS_DELAY_MAX:-400}
FAULTS_RANDOM=${FAULTS_RANDOM:-0}
FAULTS_TIMEOUT=${FAULTS_TIMEOUT:-60}
# How long the target may take to be free and unchanged after a tracer fault (s): tb-usdt's
# detach waits out a grace period per uprobe, about 0.12 s a site here.
FAULTS_CLEAN_WAIT=${FAULTS_CLEAN_WAIT:-10}

# The techniques and modes, as the matrix names them.
FAULTS_TECHNIQUES="usdt-count usdt-stream usdt5-count ptrace-break ptrace-syscall ptrace-sample
	vmreadv vmreadv-blocking signal-record tracefunc-count tracefunc-log"
# The faults: the tracer's (it gets the signal) and the target's.
FAULTS_TRACER="tracer-sigkill tracer-sigint tracer-sigterm tracer-sighup tracer-sigpipe"
FAULTS_TARGET="target-sigkill target-exit target-exec target-fork target-stopped
	target-stop-cont target-signals"

faults_header()
{
	echo "fault,technique,how,trial,delay_ms,target,data,tracer_exit,detail"
}

# fault_technique TECH: sets F_VARIANT (the workload build), F_TOOL (the tracer and its options,
# before -p or --), F_ATTACH (how -p works: "pid", "channel" (tb-signal's), or "no: why") and
# F_EXACT (how its data must equal the truth: "RESULT_KEY=TRUTH_KEY", "sum=TRUTH_KEY" for the
# sum of every count, "atleast:RESULT_KEY=TRUTH_KEY", or "sampler")
fault_technique()
{
	F_ATTACH=pid
	F_FOLLOWS="" # what it sees of an exec and of forks, when it saw the whole run
	case $1 in
	usdt-count | usdt-stream | usdt5-count)
		F_VARIANT=workload-usdt
		[ "$1" = usdt5-count ] && F_VARIANT=workload-usdt5
		F_TOOL=("$OUT/tb-usdt" -q -m "${1#*-}" tracebench:method_entry)
		F_EXACT="counts.tracebench:method_entry=method_calls"
		# uprobes are per file and filtered by pid: a new image of the same file is traced,
		# a child is not
		F_FOLLOWS="both images;the parent only"
		;;
	ptrace-break)
		F_VARIANT=workload
		F_TOOL=("$OUT/tb-ptrace" break query)
		F_EXACT="counts.query=methods.query.calls"
		# exec replaces the text its int3s were in; children run with none (they are removed)
		F_FOLLOWS="the first image only;the parent only"
		;;
	ptrace-syscall)
		F_VARIANT=workload
		F_TOOL=("$OUT/tb-ptrace" syscall -e pread64)
		# the loader reads the ELF header of each library with pread64 too: more, never fewer
		F_EXACT="atleast:counts.pread64=syscalls.pread64"
		;;
	ptrace-sample)
		F_VARIANT=workload
		F_TOOL=("$OUT/tb-ptrace" sample -F 250)
		F_EXACT=sampler
		;;
	vmreadv | vmreadv-blocking)
		F_VARIANT=workload
		F_TOOL=("$OUT/tb-vmreadv" -F 250)
		[ "$1" = vmreadv-blocking ] && F_TOOL+=(--blocking)
		F_EXACT=sampler
		;;
	signal-record)
		F_VARIANT=workload
		F_TOOL=("$OUT/tb-signal" record -F 250)
		F_ATTACH=channel
		F_EXACT=sampler
		;;
	tracefunc-count | tracefunc-log)
		F_VARIANT=workload-finstrument
		F_TOOL=("$OUT/tb-tracefunc" -m "${1#*-}")
		F_ATTACH="no: the hooks are linked in from exec, there is no -p"
		F_EXACT="sum=method_calls"
		# log mode counts lost records, an entry and an exit each, not calls
		[ "$1" != tracefunc-log ] || F_EXACT="sum-records=method_calls"
		# the library is preloaded into every image and every child
		F_FOLLOWS="both images;with the children"
		;;
	*)
		echo "fault_technique: unknown technique $1" >&2
		return 1
		;;
	esac
}

# fault_workload_args FAULT DIR [HOW]: the workload's arguments for FAULT, one per line (truth
# in DIR).
# The faults timed into the run get one four times as long: both must still run when they hit.
fault_workload_args()
{
	local requests=$FAULTS_REQUESTS
	[[ $1 == tracer-* || $1 == target-sigkill || $1 == target-stop-cont ]] &&
		requests=$((4 * FAULTS_REQUESTS))
	# attached, the target must outlive the tracer's detach: tb-usdt's takes 0.12 s a site
	[[ $1 == tracer-* && ${3:-} == attached && $F_VARIANT == workload-usdt* ]] &&
		requests=$((12 * FAULTS_REQUESTS))
	# tb-signal's channel: start, the fault, stop all inside the run
	[[ ${3:-} == attached && $F_ATTACH == channel && $1 == target-* ]] &&
		requests=$((4 * FAULTS_REQUESTS))
	printf '%s\n' -q -s "$FAULTS_SCALE" -r "$requests" -o "$2/truth.json"
	case $1 in
	target-fork) printf '%s\n' -F 250 ;;
	target-signals) printf '%s\n' -S 10 ;;
	target-exec)
		printf '%s\n' -- "$OUT/$F_VARIANT" -q -s "$FAULTS_SCALE" -r "$FAULTS_REQUESTS" \
			-o "$2/truth2.json"
		;;
	esac
}

# fault_truth FILE: what must not change under a tracer, one "key value" per line
fault_truth()
{
	local k
	paste -d' ' <(printf '%s\n' requests method_calls result syscall_errors syscalls.pread64 \
		syscalls.writev methods.query.calls) <(json_field "$1" requests method_calls result \
		syscall_errors syscalls.pread64 syscalls.writev methods.query.calls 2>/dev/null)
	for k in signals_sent signals_received forks fork_failures; do
		json_field "$1" "$k" >/dev/null 2>&1 && echo "$k $(json_field "$1" "$k")"
	done
}

# fault_baseline FAULT [HOW]: sets F_BASE to the untraced truth (fault_truth) of FAULT's workload, run
# once per fault and kept
declare -A FAULT_BASE_CACHE
fault_baseline()
{
	local key dir args
	# one baseline for each build and set of arguments
	key="$F_VARIANT $(fault_workload_args "$1" - "${2:-}" | tr '\n' ' ')"
	dir=$TEST_TMP/baseline-${#FAULT_BASE_CACHE[@]}
	if [ -z "${FAULT_BASE_CACHE[$key]:-}" ]; then
		mkdir -p "$dir"
		mapfile -t args < <(fault_workload_args "$1" "$dir" "${2:-}")
		"$OUT/$F_VARIANT" "${args[@]}" >/dev/null 2>&1
		FAULT_BASE_CACHE[$key]="exit $?
$(fault_truth "$dir/truth.json")"
		[ "$1" = target-exec ] && FAULT_BASE_CACHE[$key]+="
$(fault_truth "$dir/truth2.json" | sed 's/^/exec /')"
	fi
	F_BASE=${FAULT_BASE_CACHE[$key]}
}

# fault_delay: the delay (ms) before a fault, fixed or random
fault_delay()
{
	if [ "$FAULTS_RANDOM" = 1 ]; then
		echo $((FAULTS_DELAY_MIN + RANDOM % (FAULTS_DELAY_MAX - FAULTS_DELAY_MIN + 1)))
	else
		echo "$FAULTS_DELAY"
	fi
}

# msleep MS
msleep() { sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"; }

# children PID: the pids of PID's children, one per line
children() { { tr " " "\n" <"/proc/$1/task/$1/children"; } 2>/dev/null | grep . ; }

# descendant PID NAME: the first descendant of PID that runs the program NAME
descendant()
{
	local c
	for c in $(children "$1"); do
		exe_is "$c" "$2" && echo "$c" && return 0
		descendant "$c" "$2" && return 0
	done
	return 1
}

# exe_is PID NAME: PID runs the program NAME (after its exec)
exe_is() { [ "$(basename "$(readlink "/proc/$1/exe" 2>/dev/null)")" = "$2" ]; }

# wait_gone PID SECONDS: until PID no longer exists (0) or SECONDS pass (1); zombies count as gone
wait_gone()
{
	wait_until "$2" sh -c "! grep -qs '^State:[[:space:]]*[^Z]' /proc/$1/status"
}

# semaphores_zero PID: every USDT semaphore of the workload-usdt builds reads 0 (or there is none)
semaphores_zero()
{
	local exe sym
	exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 0
	for sym in $(nm "$exe" 2>/dev/null | awk '/_semaphore$/ { print $3 }'); do
		[ "$("$OUT/tests/peek" "$1" "$sym" 2 2>/dev/null)" = "00 00" ] || return 1
	done
}

# target_clean PID: never stopped, not traced, text and semaphores as in the file (waits up to
# 3 s, since a killed BPF loader's uprobes go as the kernel closes its files)
target_clean()
{
	wait_until 3 sh -c "$(declare -f states running_untraced semaphores_zero); OUT=$OUT;
		running_untraced $1 && semaphores_zero $1 && $OUT/tests/text_check $1 >/dev/null"
}

# target_state PID: why target_clean fails, in a few words
target_state()
{
	local s
	s=$(states "$1")
	if echo "$s" | grep -q '[Tt]'; then
		echo "stopped ($s)"
	elif ! grep -q '^TracerPid:[[:space:]]*0$' "/proc/$1/status" 2>/dev/null; then
		echo "traced ($(grep TracerPid "/proc/$1/status" | tr -s '\t ' ' '))"
	elif ! semaphores_zero "$1"; then
		echo "semaphores left set"
	else
		"$OUT/tests/text_check" "$1" 2>&1 | tail -1 | sed 's/^/text: /'
	fi
}

# all_stopped PID: every thread of PID is stopped: T, or t (a group stop a ptrace tracer keeps
# with PTRACE_LISTEN)
all_stopped()
{
	local s
	s=$(states "$1")
	[ -n "$s" ] && [ -z "$(echo "$s" | tr -d ' Tt')" ]
}

# user_positions PID: "TID SP PC" of each thread of PID, where its own code stands (the user
# stack pointer and program counter /proc/PID/task/TID/syscall shows for a thread not running).
# Stopped, they stay put until its own code runs again, whoever wakes the thread in the kernel; a
# thread caught running for a moment (a tracer's stop and detach) is read again. Not utime:
# /proc/PID/stat scales the user and system ticks to the precise run time, so a stopped
# process's utime grows with the kernel time a tracer's stops cost it.
user_positions()
{
	local try out
	for try in $(seq 50); do
		out=$(for t in /proc/"$1"/task/*; do
			echo "${t##*/} $(awk '{ print $(NF - 1), $NF }' "$t/syscall" 2>/dev/null)"
		done)
		[[ $out == *running* ]] || break
		sleep 0.01
	done
	echo "$out"
}

# target_clean_now PID: never stopped, not traced, text and semaphores as in the file, now
target_clean_now()
{
	running_untraced "$1" && semaphores_zero "$1" && "$OUT/tests/text_check" "$1" >/dev/null 2>&1
}

# leftovers DIR FAULT: files the tools keep while they run, left behind by this case (a SIGKILLed tool
# cannot remove them): named in the row's detail, then removed. The files that were there
# before the case are in DIR/files.before.
leftovers()
{
	local f left='' open
	# files some live process still has open are not left behind (another test's, running)
	open=$(ls -l /proc/[0-9]*/fd 2>/dev/null | sed -n 's/.* -> //p' | sort -u)
	# only a SIGKILLed tool cannot clean up; files new since the case began are its (run one
	# fault suite at a time: another's files, between two of its steps, would look the same)
	[ "$2" = tracer-sigkill ] || return 0
	for f in /dev/shm/tb-tracefunc.* /tmp/tb-signal.*; do
		[ -e "$f" ] || continue
		grep -qxF "$f" "$1/files.before" 2>/dev/null && continue
		grep -qF "$f" <<<"$open" && continue
		left+=" $f"
		rm -rf "$f"
	done
	[ -n "$left" ] && echo "left behind and removed:$left;"
}

# fault_signal FAULT: the signal a tracer fault sends
fault_signal()
{
	case $1 in
	tracer-sigkill) echo KILL ;;
	tracer-sigint) echo INT ;;
	tracer-sigterm) echo TERM ;;
	tracer-sighup) echo HUP ;;
	esac
}

# fault_data FAULT HOW RESULT TRUTH_DIR TRACER_EXIT: how the tracer's data came out: "exact",
# "accounted", "lost: ..." or "wrong: ..."
fault_data()
{
	local fault=$1 how=$2 res=$3 dir=$4 texit=$5 spec key tkey seen lost truth k more why only want
	if [ "$fault" = tracer-sigkill ]; then
		[ -s "$res" ] && echo "wrong: a result from a killed tracer" ||
			echo "lost: killed (SIGKILL cannot be caught)"
		return
	fi
	if ! json_field "$res" technique >/dev/null 2>&1; then
		if grep -qs 'before tracing began' "$dir/err"; then
			echo "none: interrupted before tracing began (said so in one line)"
		elif [ "$fault" = target-sigkill ] && [ "$how" = attached ] && [ "$texit" != 0 ] &&
			[ "$(wc -l <"$dir/err")" = 1 ] &&
			grep -qsE 'no process has pid|the process is gone' "$dir/err"; then
			# killed at a random moment, which may come before the tool looked at the pid
			echo "none: the target was gone before tracing began (said so in one line)"
		else
			echo "lost: no result (tracer exit $texit)"
		fi
		return
	fi
	lost=$(json_field "$res" lost 2>/dev/null || echo 0)
	spec=$F_EXACT
	case $spec in
	sampler)
		if [ "$(json_field "$res" samples)" -gt 0 ] 2>/dev/null; then
			echo accounted
		elif json_field "$res" lost_reason >/dev/null 2>&1; then
			echo "lost: $(json_field "$res" lost_reason | cut -c1-100)"
		else
			echo "wrong: no samples"
		fi
		return
		;;
	sum=* | sum-records=*)
		seen=0
		for k in $(json_field "$res" counts); do
			seen=$((seen + $(json_field "$res" "counts.$k")))
		done
		tkey=${spec#*=}
		;;
	*)
		key=${spec#atleast:}
		tkey=${key#*=}
		key=${key%%=*}
		seen=$(json_field "$res" "$key" 2>/dev/null || echo 0)
		;;
	esac
	if [ ! -s "$dir/truth.json" ]; then
		# the target died before writing its truth: bounded by a whole run's, untraced
		truth=$(awk -v k="$tkey" '$1 == k { print $2 }' <<<"$F_BASE")
		if [ -n "$truth" ] && [ $((seen + lost)) -gt "$truth" ] && [[ $spec != atleast:* ]]; then
			echo "wrong: seen $seen + lost $lost > a whole run's $truth"
		else
			echo accounted
		fi
		return
	fi
	truth=$(json_field "$dir/truth.json" "$tkey" 2>/dev/null || echo 0)
	# A whole run seen from its first instruction is exact; anything less is accounted for
	# when what was seen and lost does not exceed what happened.
	if [ "$how" = started ] && [[ $fault != tracer-* ]] && [ "$fault" != target-sigkill ]; then
		# what a tracer that follows the exec or the children sees on top of the truth
		case $fault in
		target-exec) more=$(json_field "$dir/truth2.json" "$tkey" 2>/dev/null || echo 0)
			why="both images" only="the first image only" ;;
		target-fork) more=$(($(json_field "$dir/truth.json" forks) * truth /
			$(json_field "$dir/truth.json" requests))) why="with the children"
			only="the parent only" ;;
		*) more=0 why='' only='' ;;
		esac
		# the technique's own way with execs and forks (F_FOLLOWS), where it has one
		case $fault in
		target-exec) want=${F_FOLLOWS%%;*} ;;
		target-fork) want=${F_FOLLOWS#*;} ;;
		*) want='' ;;
		esac
		if [[ $spec == sum-records=* ]] && [ "$lost" -gt 0 ] && [ "$seen" -le "$truth" ] &&
			[ "$truth" -le $((seen + lost)) ]; then
			echo "accounted"
		elif [[ $spec == atleast:* ]]; then
			# system calls: the loader's own come on top; never fewer than the workload's
			if [ $((seen + lost)) -ge "$truth" ] && [ $((seen + lost)) -le $((truth + more + 64)) ]; then
				echo "accounted (+$((seen + lost - truth)): the loader's and the new image's)"
			else
				echo "wrong: seen $seen + lost $lost, truth $truth (+$more $why)"
			fi
		elif [ $((seen + lost)) -eq "$truth" ] && [ -z "$want" -o "$want" = "$only" ]; then
			echo "exact${only:+ ($only)}"
		elif [ "$more" -gt 0 ] && [ $((seen + lost)) -eq $((truth + more)) ] &&
			[ -z "$want" -o "$want" = "$why" ]; then
			echo "exact ($why)"
		else
			echo "wrong: seen $seen + lost $lost, truth $truth${why:+ (+$more $why)}${want:+; expected $want}"
		fi
	elif [ $((seen + lost)) -le $((truth + $(json_field "$dir/truth2.json" "$tkey" 2>/dev/null ||
		echo 0))) ] || [[ $spec == atleast:* ]]; then
		# (after an exec, the second image's truth counts too: the tracer may follow it)
		echo accounted
	else
		echo "wrong: seen $seen + lost $lost > truth $truth"
	fi
}

# fault_verdict_target DIR STATUS: how the target came out, from its exit STATUS and truth files
# against the untraced baseline (F_BASE); "survived" or what went wrong
fault_verdict_target()
{
	local dir=$1 status=$2 got
	got="exit ${status#exit }
$(fault_truth "$dir/truth.json" 2>/dev/null)"
	[ -s "$dir/truth2.json" ] && got+="
$(fault_truth "$dir/truth2.json" | sed 's/^/exec /')"
	if [ "$got" = "$F_BASE" ]; then
		echo survived
		return
	fi
	case $status in
	signal*) echo "died: SIG$(kill -l "${status#signal }")" ;;
	*)
		diff <(echo "$F_BASE") <(echo "$got") | awk '/^>/ { $1 = ""; d = d $0 ";" }
			END { print "changed:" d }' | cut -c1-120
		;;
	esac
}

# run_case FAULT TECHNIQUE HOW TRIAL: one case; appends its row to FAULTS_CSV; returns 0 when
# the outcome is acceptable (fault_acceptable)
run_case()
{
	local fault=$1 tech=$2 how=$3 trial=$4 dir delay=0 tpid wpid rpid texit=- status target data
	local detail='' sig args=() tool=() reason bad_target='' where checked end
	fault_technique "$tech" || return 1
	dir=$TEST_TMP/case-$fault-$tech-$how-$trial
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$how" = attached ] && [ "$F_ATTACH" != pid ] && [ "$F_ATTACH" != channel ]; then
		fault_row "$fault" "$tech" "$how" "$trial" - "n/a" "n/a" - "${F_ATTACH#no: }"
		return 0
	fi
	if [ "$how" = started ] && [ "$fault" = target-stopped ]; then
		fault_row "$fault" "$tech" "$how" "$trial" - "n/a" "n/a" - \
			"a command the tracer starts cannot be stopped before it"
		return 0
	fi
	if [ "$how" = attached ] && [ "$F_ATTACH" = channel ]; then
		run_channel_case "$@"
		return
	fi
	fault_baseline "$fault" "$how"
	mapfile -t args < <(fault_workload_args "$fault" "$dir" "$how")
	tool=("${F_TOOL[@]}" -o "$dir/result.json")
	if [ "$fault" = tracer-sigpipe ]; then
		# stdout a pipe whose reader is gone, as after `| head -1`: every write fails (EPIPE,
		# SIGPIPE); tb-usdt's stream mode without -q writes a line per event meanwhile
		tool=()
		for a in "${F_TOOL[@]}"; do [ "$a" = -q ] || tool+=("$a"); done
		tool+=(-o "$dir/result.json")
	fi
	ls -d /dev/shm/tb-tracefunc.* /tmp/tb-signal.* >"$dir/files.before" 2>/dev/null
	[[ $fault == tracer-* ]] && delay=$(fault_delay)
	[[ $fault == target-sigkill || $fault == target-stop-cont ]] && delay=$(fault_delay)

	if [ "$how" = started ]; then
		if [ "$fault" = tracer-sigpipe ]; then
			mkfifo "$dir/pipe"
			"$OUT/tests/reaper" "$dir/reaped" -- "${tool[@]}" -- "$OUT/$F_VARIANT" \
				"${args[@]}" >"$dir/pipe" 2>"$dir/err" &
			rpid=$!
			(exec <"$dir/pipe") &
		else
			"$OUT/tests/reaper" "$dir/reaped" -- "${tool[@]}" -- "$OUT/$F_VARIANT" \
				"${args[@]}" >"$dir/out" 2>"$dir/err" &
			rpid=$!
		fi
		wait_until 10 sh -c "[ -n \"\$(cat /proc/$rpid/task/$rpid/children 2>/dev/null)\" ]"
		tpid=$(children "$rpid" | head -1)
		# the target: the tracer's child, once it runs the workload
		wait_until 10 sh -c "for c in \$(cat /proc/$tpid/task/$tpid/children 2>/dev/null); do
			[ \"\$(basename \"\$(readlink /proc/\$c/exe)\")\" = $F_VARIANT ] && exit 0; done;
			exit 1"
		wpid=$(for c in $(children "$tpid"); do exe_is "$c" "$F_VARIANT" && echo "$c"; done |
			head -1)
		if [ -z "$wpid" ] && [[ $fault != tracer-* && $fault != target-sigkill &&
			$fault != target-stop-cont ]]; then
			# a short run may have ended unseen: the tracer's result names it
			wait_gone "$rpid" "$FAULTS_TIMEOUT"
			wpid=$(json_field "$dir/result.json" pid 2>/dev/null)
		fi
	else
		"$OUT/$F_VARIANT" "${args[@]}" &
		wpid=$!
		wait_until 10 exe_is "$wpid" "$F_VARIANT"
		wait_until 10 grep -q "$F_VARIANT" "/proc/$wpid/maps"
		if [ "$fault" = target-stopped ]; then
			kill -STOP "$wpid"
			wait_until 5 all_stopped "$wpid"
		fi
		if [ "$fault" = tracer-sigpipe ]; then
			mkfifo "$dir/pipe"
			"${tool[@]}" -p "$wpid" >"$dir/pipe" 2>"$dir/err" &
			tpid=$!
			(exec <"$dir/pipe") &
		else
			"${tool[@]}" -p "$wpid" >"$dir/out" 2>"$dir/err" &
			tpid=$!
		fi
	fi
	if [ -z "$wpid" ] || [ -z "$tpid" ]; then
		detail="could not start: $(head -c 200 "$dir/err" | tr '\n,' '  ')"
		fault_row "$fault" "$tech" "$how" "$trial" "$delay" "not run" "not run" - "$detail"
		kill -9 "${rpid:-}" "${tpid:-}" "${wpid:-}" 2>/dev/null
		return 1
	fi

	# The fault, while both still run (else the case says so and fails: make the run longer).
	[ "$delay" -gt 0 ] && msleep "$delay"
	if [ "$fault" != target-exit ] && { ! [ -d "/proc/$tpid" ] || ! [ -d "/proc/$wpid" ] ||
		grep -qs '^State:[[:space:]]*Z' "/proc/$tpid/status" "/proc/$wpid/status"; }; then
		fault_row "$fault" "$tech" "$how" "$trial" "$delay" "not run" "not run" - \
			"the run ended before the fault (${delay} ms): raise FAULTS_REQUESTS"
		wait_gone "$wpid" "$FAULTS_TIMEOUT"
		wait_gone "$tpid" "$FAULTS_TIMEOUT"
		wait "${rpid:-$tpid}" 2>/dev/null
		return 1
	fi
	case $fault in
	tracer-sigkill | tracer-sigint | tracer-sigterm | tracer-sighup)
		sig=$(fault_signal "$fault")
		kill -"$sig" "$tpid" 2>/dev/null
		;;
	target-sigkill)
		kill -KILL "$wpid"
		;;
	target-stopped)
		# stopped before the tracer came: it must not run its own code until SIGCONT
		where=$(user_positions "$wpid")
		msleep 300
		if all_stopped "$wpid" && [ "$(user_positions "$wpid")" = "$where" ]; then
			detail="stayed stopped while traced ($(states "$wpid"));"
		else
			bad_target="resumed by the tracer before SIGCONT ($(states "$wpid"))"
		fi
		kill -CONT "$wpid"
		;;
	target-stop-cont)
		kill -STOP "$wpid"
		if wait_until 2 all_stopped "$wpid"; then
			where=$(user_positions "$wpid")
			msleep 200
			if [ "$(user_positions "$wpid")" = "$where" ]; then
				detail="stopped by SIGSTOP while traced ($(states "$wpid"));"
			else
				bad_target="ran while stopped by SIGSTOP ($(states "$wpid"))"
			fi
		else
			bad_target="did not stop on SIGSTOP ($(states "$wpid"))"
		fi
		kill -CONT "$wpid"
		;;
	esac

	# After a fault to the tracer, the target must be free and unchanged as soon as the tracer
	# lets go, while it still runs: polled until it is, or it ends. Attached, it must outlive
	# the tracer (the run is long enough), so a target that ends first is a case not checked.
	if [[ $fault == tracer-* && $fault != tracer-sigpipe ]]; then
		checked=0
		end=$((SECONDS + FAULTS_CLEAN_WAIT))
		while [ -d "/proc/$wpid" ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$wpid/status"; do
			if target_clean_now "$wpid"; then
				checked=1
				break
			fi
			[ "$SECONDS" -ge "$end" ] && break
			sleep 0.05
		done
		# a target on its way out (EXITKILL) has no threads left to show: let it finish
		[ "$checked" = 1 ] || wait_until 1 sh -c "! grep -qs '^State:[[:space:]]*[^Z]' \
			/proc/$wpid/status || [ -z \"\$(ls /proc/$wpid/task 2>/dev/null)\" ]"
		if [ "$checked" = 1 ]; then
			detail+="after the tracer let go: running free, text and semaphores as in the file;"
		elif [ -n "$(states "$wpid" | tr -d ' Z')" ]; then
			bad_target="left $(target_state "$wpid")"
			kill -CONT "$wpid" 2>/dev/null
		elif [ "$how" = attached ] && ! [[ $fault == tracer-sigkill && $tech == ptrace-* ]]; then
			bad_target="not checked: it ended before the tracer let go (make the run longer)"
		else
			detail+="it ended before the tracer let go (the tool waits for its command);"
		fi
	fi

	# The tracer ends: by the fault, or when the target does.
	if ! wait_gone "$tpid" "$FAULTS_TIMEOUT"; then
		detail+="tracer hung ($(states "$tpid")), killed;"
		kill -KILL "$tpid" 2>/dev/null
	fi
	if [ "$how" = attached ]; then
		wait "$tpid" 2>/dev/null
		texit=$?
		[ "$texit" -gt 128 ] && texit=SIG$((texit - 128))
	fi
	target=$bad_target
	# Wait for the target and learn its exit status.
	if [ "$how" = started ]; then
		if ! wait_gone "$rpid" "$FAULTS_TIMEOUT"; then
			[ -z "$target" ] && target="hung ($(states "$wpid"))"
			kill -KILL "$wpid" 2>/dev/null
		fi
		wait "$rpid" 2>/dev/null
		[ -s "$dir/reaped" ] && [ "$texit" = - ] &&
			texit=$(awk -v p="$tpid" '$1 == p { print ($2 == "exit" ? $3 : "SIG" $3) }' \
				"$dir/reaped")
		status=$(reaped_status "$dir/reaped" "$wpid" "$tpid")
		# A tool that reaped its command and then failed itself (exit 1: its stdout closed)
		# does not pass the command's status on; the workload exits 0 exactly when it wrote
		# its truth with no failed system call.
		if [[ $status == "exit "* && $status != "exit 0" ]] && ! grep -q "^$wpid " "$dir/reaped" &&
			[ "$(json_field "$dir/truth.json" syscall_errors 2>/dev/null)" = 0 ]; then
			status="exit 0"
			detail+="its exit status read from its truth file (the tool exited $texit);"
		fi
	else
		if ! wait_gone "$wpid" "$FAULTS_TIMEOUT"; then
			[ -z "$target" ] && target="hung ($(states "$wpid"))"
			kill -KILL "$wpid" 2>/dev/null
		fi
		wait "$wpid" 2>/dev/null
		status=$?
		# 127: bash had already collected it (no status left to give): its truth file says
		if [ "$status" = 127 ] && [ "$(json_field "$dir/truth.json" syscall_errors 2>/dev/null)" = 0 ]; then
			status=0
			detail+="its exit status read from its truth file (wait had none);"
		fi
		if [ "$status" -gt 128 ]; then status="signal $((status - 128))"; else status="exit $status"; fi
	fi
	if [ -z "$target" ]; then
		if [ "$fault" = target-sigkill ]; then
			[ "$status" = "signal 9" ] && target="killed by the test" ||
				target="changed: not killed by the test ($status)"
		else
			target=$(fault_verdict_target "$dir" "${status:-exit ?}")
		fi
	fi
	data=$(fault_data "$fault" "$how" "$dir/result.json" "$dir" "$texit")
	# a command killed under a tool that started it: the tool passes the death on (128+9)
	if [ "$fault" = target-sigkill ] && [ "$how" = started ] && [ "$texit" != 137 ] &&
		[ "$texit" != SIG9 ]; then
		data="wrong: the tool exited $texit, not 137, for its command's SIGKILL"
	fi
	detail+=$(leftovers "$dir" "$fault")
	grep -q . "$dir/err" 2>/dev/null &&
		detail+="stderr: $(grep -v '^tb-[a-z]*: tracing\|^$' "$dir/err" | tail -2 | tr '\n' ' ' | cut -c1-160)"
	if [ "$fault" = tracer-sigpipe ]; then
		case $texit in
		141 | SIG13) detail+="stdout closed: killed by SIGPIPE;" ;;
		*) grep -qiE 'stdout|standard output|broken pipe' "$dir/err" &&
			detail+="stdout closed: said so, exit $texit;" ||
			detail+="stdout closed: nothing written there, or nothing said;" ;;
		esac
	fi
	fault_row "$fault" "$tech" "$how" "$trial" "$delay" "$target" "$data" "$texit" "$detail"
	fault_acceptable "$fault" "$tech" "$how" "$target" "$data"
}

# run_channel_case FAULT TECHNIQUE attached TRIAL: tb-signal has no -p sampler; a process
# started by `tb-signal run` is asked with `trace -p PID start|stop` over its channel. The
# tracer faults hit the `trace stop` request in flight; the target faults hit the target
# between start and stop.
run_channel_case()
{
	local fault=$1 tech=$2 how=$3 trial=$4 dir delay=0 rpid wpid qpid texit=- status target data
	local detail='' args=() sig spid try
	dir=$TEST_TMP/case-$fault-$tech-$how-$trial
	fault_baseline "$fault" "$how"
	mapfile -t args < <(fault_workload_args "$fault" "$dir" "$how")
	"$OUT/tests/reaper" "$dir/reaped" -- "$OUT/tb-signal" run -- "$OUT/$F_VARIANT" \
		"${args[@]}" >"$dir/out" 2>"$dir/err" &
	rpid=$!
	wait_until 10 sh -c "for c in \$(cat /proc/$rpid/task/*/children 2>/dev/null); do
		for g in \$c \$(cat /proc/\$c/task/*/children 2>/dev/null); do
		[ \"\$(basename \"\$(readlink /proc/\$g/exe)\")\" = $F_VARIANT ] && exit 0; done; done;
		exit 1"
	wpid=$(for c in $(children "$rpid") $(for c in $(children "$rpid"); do children "$c"; done); do
		exe_is "$c" "$F_VARIANT" && echo "$c"; done | head -1)
	wait_until 10 grep -qs libtb-signal "/proc/$wpid/maps"
	[ "$fault" = target-stopped ] && kill -STOP "$wpid"
	"$OUT/tb-signal" trace -p "$wpid" start >"$dir/start" 2>>"$dir/err"
	[ $? = 0 ] || detail+="trace start failed;"
	spid=$(children "$rpid" | head -1)
	case $fault in
	tracer-*)
		# The fault hits a `trace stop` request in flight (it takes 10-30 ms): tried again,
		# sooner, until it hits (the request ends by it), at most 5 times.
		sig=$(fault_signal "$fault")
		for try in 1 2 3 4 5; do
			delay=$(($(fault_delay) % (12 / try + 1)))
			if [ "$fault" = tracer-sigpipe ]; then
				mkfifo "$dir/pipe.$try"
				"$OUT/tb-signal" trace -p "$wpid" stop >"$dir/pipe.$try" 2>>"$dir/err" &
				qpid=$!
				(exec <"$dir/pipe.$try") &
			else
				"$OUT/tb-signal" trace -p "$wpid" stop >"$dir/stop" 2>>"$dir/err" &
				qpid=$!
				msleep "$delay"
				kill -"$sig" "$qpid" 2>/dev/null
			fi
			wait "$qpid" 2>/dev/null
			texit=$?
			[ "$texit" -gt 128 ] && texit=SIG$((texit - 128))
			[ "$texit" != 0 ] && break
			# missed: the request was answered before the signal; start tracing again
			"$OUT/tb-signal" trace -p "$wpid" start >/dev/null 2>>"$dir/err"
		done
		[ "$texit" = 0 ] && detail+="the signal came after every request had its answer ($try tries);" ||
			detail+="the request ended by the fault (try $try, exit $texit);"
		;;
	target-sigkill)
		delay=$(fault_delay)
		msleep "$delay"
		kill -KILL "$wpid"
		;;
	target-stopped)
		msleep 100
		echo "$(states "$wpid")" | grep -q '[RSD]' &&
			detail+="resumed by the request before SIGCONT;" || detail+="stayed stopped;"
		kill -CONT "$wpid"
		;;
	target-stop-cont)
		delay=$(fault_delay)
		msleep "$delay"
		kill -STOP "$wpid"
		msleep 200
		kill -CONT "$wpid"
		;;
	esac
	# the exec, the forks, the signals happen while tracing: half the run
	case $fault in target-exec | target-fork | target-signals) msleep 100 ;; esac
	if [[ $fault != tracer-* ]] && [ -d "/proc/$wpid" ]; then
		# the stop request before the target ends (a short target may end first: then none)
		"$OUT/tb-signal" trace -p "$wpid" stop >"$dir/stop" \
			2>>"$dir/err"
		texit=$?
	fi
	target=''
	if [[ $fault == tracer-* ]] && [ -d "/proc/$wpid" ] && ! grep -qs '^State:[[:space:]]*Z' \
		"/proc/$wpid/status"; then
		target_clean "$wpid" || [ ! -d "/proc/$wpid" ] || target="left $(target_state "$wpid")"
		# the channel still answers after a request was interrupted
		if "$OUT/tb-signal" trace -p "$wpid" stop >"$dir/stop.after" 2>&1; then
			detail+="the channel answers again;"
		elif [ -d "/proc/$wpid" ]; then
			target="channel broken: $(head -1 "$dir/stop.after")"
		fi
	fi
	if ! wait_gone "$rpid" "$FAULTS_TIMEOUT"; then
		[ -z "$target" ] && target="hung ($(states "$wpid"))"
		kill -KILL "$wpid" 2>/dev/null
	fi
	wait "$rpid" 2>/dev/null
	status=$(reaped_status "$dir/reaped" "$wpid" "$spid")
	if [ -z "$target" ]; then
		if [ "$fault" = target-sigkill ]; then
			[ "$status" = "signal 9" ] && target="killed by the test" ||
				target="ended before the kill ($status)"
		else
			target=$(fault_verdict_target "$dir" "${status:-exit ?}")
		fi
	fi
	if [ "$fault" = tracer-sigkill ] && [ "$texit" = SIG9 ]; then
		data="lost: killed (SIGKILL cannot be caught)"
	elif [[ $fault == tracer-* ]] && [ "$texit" != 0 ] && [[ $detail == *"answers again"* ]]; then
		data="accounted"
	elif [ "$fault" = target-stopped ] && grep -qs 'stopped process cannot answer' "$dir/err"; then
		data="refused: a stopped process cannot answer (one line, exit 1)"
	elif grep -qs . "$dir/stop" && [ "$texit" = 0 ]; then
		data=accounted
	elif [ "$fault" = target-sigkill ] || [ "$fault" = target-exit ] || [ "$fault" = target-exec ]; then
		data="lost: the target ended before stop (its counts went with it)"
		detail+="stop: $(grep -v '^$' "$dir/err" | tail -1 | cut -c1-160);"
	else
		data="lost: no answer (exit $texit)"
	fi
	fault_row "$fault" "$tech" "$how" "$trial" "$delay" "$target" "$data" "$texit" \
		"channel: trace start/stop;$detail"
	fault_acceptable "$fault" "$tech" "$how" "$target" "$data"
}

# reaped_status FILE TARGET TOOL: how TARGET ended ("exit N" or "signal N"), from the reaper's
# FILE: its own line if it was orphaned (its tracer died first), else the status the tool that
# started it passed on (every tool exits with its command's status, 128+N for signal N)
reaped_status()
{
	awk -v t="$2" -v c="$3" '
	$1 == t { own = $2 " " $3 }
	$1 == c { tool = ($2 == "exit" && $3 > 128) ? "signal " ($3 - 128) : $2 " " $3 }
	END { print (own != "" ? own : tool) }' "$1" 2>/dev/null
}

# fault_row FIELDS...: one CSV row; the last field is quoted
fault_row()
{
	[ -s "$FAULTS_CSV" ] || faults_header >"$FAULTS_CSV"
	local last=${!#} n=$# i out=''
	for ((i = 1; i < n; i++)); do
		out+="${!i//,/;},"
	done
	local q='"'
	echo "$out$q${last//$q/$q$q}$q" >>"$FAULTS_CSV"
}

# fault_acceptable FAULT TECHNIQUE HOW TARGET DATA: 0 when the outcome is survival with exact or
# accounted data, or one the README explains (fault_explained)
fault_acceptable()
{
	local target=$4 data=$5
	case $target in
	survived | "killed by the test" | "ended before the kill"* | n/a) ;;
	*) fault_explained "$@" >/dev/null || return 1 ;;
	esac
	case $data in
	exact* | accounted* | refused:* | none:* | n/a | "lost: killed (SIGKILL cannot be caught)") ;;
	*) fault_explained "$@" >/dev/null || return 1 ;;
	esac
	return 0
}

# fault_explained FAULT TECHNIQUE HOW TARGET DATA: the outcomes that are properties of a
# technique (tests/faults_explained.txt, each explained in README.md): prints the reason
fault_explained()
{
	local f t h outcome why
	while IFS='|' read -r f t h outcome why; do
		[[ $f == \#* || -z $f ]] && continue
		# shellcheck disable=SC2053
		[[ $1 == $f && $2 == $t && $3 == $h ]] || continue
		if [[ $4 == "$outcome"* || $5 == "$outcome"* ]]; then
			echo "$why"
			return 0
		fi
	done <"$FAULTS_REPO/tests/faults_explained.txt"
	return 1
}
