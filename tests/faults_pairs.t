#!/usr/bin/env bash
# faults_pairs.t - two tracebench tracers on one target at once, every pair: the first runs the
# workload (--), the second attaches (-p) while it runs; one row per pair in the fault CSV
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "two tracers on one process: uprobes, ptrace of others; run as root"

# One mode per technique. A pair's row is fault "pair:SECOND", technique FIRST. tb-signal record
# and tb-tracefunc cannot attach, so they are only ever the first: a pair of them nests one in
# the other (FIRST -- SECOND -- workload).
PAIRS_TECHNIQUES=${FAULTS_PAIRS_TECHNIQUES:-usdt-count ptrace-break ptrace-syscall ptrace-sample
	vmreadv vmreadv-blocking signal-record tracefunc-count}
# "started": the first runs the workload and sees it whole (its data exact); "attached": the
# first attaches too, and both let go of a target that runs on (checked clean as it runs); the
# full suite (FAULTS_FULL=1, make test-faults) does both.
PAIRS_HOWS=${FAULTS_PAIRS_HOWS:-started}
[ "${FAULTS_FULL:-0}" = 1 ] && PAIRS_HOWS=${FAULTS_PAIRS_HOWS:-started attached}
# Requests at scale 100 with 2 threads: about 0.6 s untraced; when attached, where both must let
# go while the target runs, 1.3 s, or 4 s with a tb-usdt (its detach from a live process takes a
# grace period for each site's uprobe: seconds for the first's 10).
PAIRS_REQUESTS=${FAULTS_PAIRS_REQUESTS:-4500}
PAIRS_ATTACHED_REQUESTS=${FAULTS_PAIRS_ATTACHED_REQUESTS:-10000}
PAIRS_ATTACHED_USDT_REQUESTS=${FAULTS_PAIRS_ATTACHED_USDT_REQUESTS:-30000}
PAIRS_THREADS=2
# The second attaches this long (ms) after the target's hot phase began, for this long (s).
PAIRS_DELAY=${FAULTS_PAIRS_DELAY:-50}
PAIRS_SECOND_SECONDS=0.2

# in_process TECH: the technique is loaded into the program from exec on: no -p
in_process() { [ "$1" = signal-record ] || [[ $1 == tracefunc-* ]]; }

# holds_ptrace TECH: a ptrace tracer of the whole run (one per process at a time)
holds_ptrace() { [[ $1 == ptrace-* ]]; }

# pair_expect FIRST SECOND: what the second must do: "works", "refused" (one line naming the
# first's pid) or "either" (a blocking sampler holds the threads only during its ticks); or
# "inner" for two tb-tracefunc: the inner one's library records, the outer says it got nothing
pair_expect()
{
	if [[ $1 == tracefunc-* && $2 == tracefunc-* ]]; then
		echo inner
	elif holds_ptrace "$1" && { holds_ptrace "$2" || [ "$2" = vmreadv-blocking ]; }; then
		echo refused
	elif [ "$1" = vmreadv-blocking ] && { holds_ptrace "$2" || [ "$2" = vmreadv-blocking ]; }; then
		echo either
	else
		echo works
	fi
}

# pair_variant FIRST SECOND: the workload build both can trace, or "n/a: why"
pair_variant()
{
	if [[ "$1 $2" != *tracefunc-* ]]; then
		echo workload-usdt
	elif [[ "$1 $2" == *usdt-* ]]; then
		echo "n/a: tb-tracefunc needs workload-finstrument, which has no USDT probes;" \
			"workload-usdt has no -finstrument-functions hooks"
	else
		echo workload-finstrument
	fi
}

# pair_tools FIRST SECOND DIR: sets tool1 and tool2 (each with its -o) and spec1 and spec2 (how
# each one's data compares with the truth, as F_EXACT). An attached tb-usdt counts
# tracebench:request_start, one site: its detach waits a grace period for every site's uprobe
# (0.1 to 0.3 s each here), and with the 10 of method_entry it would outlast the target.
pair_tools()
{
	fault_technique "$1"
	tool1=("${F_TOOL[@]}" -o "$3/r1.json")
	spec1=$F_EXACT
	fault_technique "$2"
	tool2=("${F_TOOL[@]}" -o "$3/r2.json")
	spec2=$F_EXACT
	if [[ $2 == usdt-* ]] && ! in_process "$1"; then
		tool2=("${tool2[@]/tracebench:method_entry/tracebench:request_start}")
		spec2="counts.tracebench:request_start=requests"
	fi
}

# pair_args DIR REQUESTS: the workload's arguments, one per line (truth in DIR)
pair_args()
{
	printf '%s\n' -q -s 100 -r "$2" -t "$PAIRS_THREADS" -o "$1/truth.json"
}

# pair_baseline VARIANT REQUESTS: sets F_BASE to an untraced run's exit and truth (fault_truth),
# one run per variant and size
declare -A PAIR_BASE_CACHE
pair_baseline()
{
	local dir=$TEST_TMP/baseline-$1-$2 args
	if [ -z "${PAIR_BASE_CACHE[$1-$2]:-}" ]; then
		mkdir -p "$dir"
		mapfile -t args < <(pair_args "$dir" "$2")
		"$OUT/$1" "${args[@]}" >/dev/null 2>&1
		PAIR_BASE_CACHE[$1-$2]="exit $?
$(fault_truth "$dir/truth.json")"
	fi
	F_BASE=${PAIR_BASE_CACHE[$1-$2]}
}

# hot PID: the workload is in its hot phase: 20 ms of CPU, far more than it takes to start
hot()
{
	local stat f
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	read -ra f <<<"${stat##*) }"
	[ $((f[11] + f[12])) -ge 2 ]
}

# now_us: microseconds, for the times in a row's detail
now_us() { echo "${EPOCHREALTIME/./}"; }

# tracer_of PID: PID's TracerPid (0: none)
tracer_of()
{
	local k v
	while read -r k v; do
		[ "$k" = TracerPid: ] && echo "$v" && return 0
	done 2>/dev/null <"/proc/$1/status"
	return 1
}

# semaphores VARIANT: the USDT semaphores of a workload build, one per line (nm, once a build)
declare -A PAIR_SEMAPHORES
semaphores()
{
	[ -n "${PAIR_SEMAPHORES[$1]+set}" ] ||
		PAIR_SEMAPHORES[$1]=$(nm "$OUT/$1" 2>/dev/null | awk '/_semaphore$/ { print $3 }')
	echo "${PAIR_SEMAPHORES[$1]}"
}

# alive PID: PID exists and is not a zombie
alive() { [ -d "/proc/$1" ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }

# held PID: what tracers changed in PID (a $variant): the text bytes that differ from the file,
# and every USDT semaphore's value
held()
{
	local sym
	"$OUT/tests/text_check" "$1" 2>&1 | grep -v '^identical'
	for sym in $(semaphores "$variant"); do
		echo "$sym $("$OUT/tests/peek" "$1" "$sym" 2 2>/dev/null)"
	done
}

# changed PID: a byte of PID's text or a semaphore differs from the file's (held)
changed() { held "$1" | grep -qv ' 00 00$'; }

# as_left PID SNAPSHOT HOLDER: PID is as the first tracer alone left it: text and semaphores as
# in SNAPSHOT (held), traced by nobody or HOLDER (the first, if it uses ptrace; else 0), no
# thread in a group stop, none in a tracing stop unless HOLDER
as_left()
{
	local tp s
	tp=$(tracer_of "$1")
	s=$(states "$1")
	[ -n "$s" ] || return 1
	[ "$tp" = 0 ] || [ "$tp" = "$3" ] || return 1
	echo "$s" | grep -q T && return 1
	[ "$3" = 0 ] && echo "$s" | grep -q t && return 1
	[ "$(held "$1")" = "$2" ]
}

# judge SPEC WHOLE RESULT TRUTH EXIT ERR: one tracer's data, SPEC as F_EXACT: "exact" (it saw
# the WHOLE run: 1), "accounted", "refused: LINE" (no result, non-zero exit, one line on stderr),
# "lost: ..." or "wrong: ..."
judge()
{
	local spec=$1 whole=$2 res=$3 truth=$4 texit=$5 err=$6 key tkey seen lost want k
	if ! json_field "$res" technique >/dev/null 2>&1; then
		if [ "$texit" != 0 ] && [ "$(wc -l <"$err")" -eq 1 ]; then
			echo "refused: $(cut -c1-150 "$err")"
		else
			echo "lost: no result (exit $texit; $(wc -l <"$err") lines on stderr)"
		fi
		return
	fi
	lost=$(json_field "$res" lost 2>/dev/null || echo 0)
	case $spec in
	sampler)
		if [ "$(json_field "$res" samples)" -gt 0 ] 2>/dev/null; then
			echo accounted
		else
			echo "wrong: no samples"
		fi
		return
		;;
	sum=*)
		seen=0
		for k in $(json_field "$res" counts); do
			seen=$((seen + $(json_field "$res" "counts.$k")))
		done
		tkey=${spec#sum=}
		;;
	*)
		key=${spec#atleast:}
		tkey=${key#*=}
		key=${key%%=*}
		seen=$(json_field "$res" "$key" 2>/dev/null || echo 0)
		;;
	esac
	if ! want=$(json_field "$truth" "$tkey" 2>/dev/null); then
		echo accounted # the target left no truth: its own verdict says why
	elif [ "$whole" = 1 ]; then
		if [ $((seen + lost)) -eq "$want" ] ||
			{ [[ $spec == atleast:* ]] && [ $((seen + lost)) -ge "$want" ]; }; then
			echo exact
		else
			echo "wrong: seen $seen + lost $lost; truth $want"
		fi
	elif [ $((seen + lost)) -le "$want" ]; then
		echo accounted
	else
		echo "wrong: seen $seen + lost $lost > truth $want"
	fi
}

# brief DATA: a tracer's data for the matrix: a refusal or an n/a without its line (which the
# row's detail keeps)
brief() { case $1 in "refused: "* | "n/a: "*) echo "${1%%:*}" ;; *) echo "$1" ;; esac; }

# pair_ok EXPECT FIRST_DATA SECOND_DATA FIRST_PID: the data of the pair are what they must be; a
# refusal names the first tracer's pid
pair_ok()
{
	[ "$1" = inner ] && [[ $2 == "refused: "* ]] && [ "$3" = exact ] && return 0
	case $2 in exact | accounted | "n/a: "*) ;; *) return 1 ;; esac
	case "$1 $3" in
	"works exact" | "works accounted" | "either exact" | "either accounted") ;;
	"refused refused: "* | "either refused: "*) [[ $3 == *"already traced by pid $4 "* ]] ;;
	*) return 1 ;;
	esac
}

# fresh_clean VARIANT: a new process of VARIANT starts with its file's text and every semaphore
# 0: no uprobe was left registered on the file
fresh_clean()
{
	local pid rc
	"$OUT/$1" -q -s 100 -d 30 &
	pid=$!
	wait_until 10 grep -qs "$1" "/proc/$pid/maps"
	"$OUT/tests/text_check" "$pid" >/dev/null && ! held "$pid" | grep -qv ' 00 00$'
	rc=$?
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	return $rc
}

# attach_second DIR: the second tracer, -p $wpid for PAIRS_SECOND_SECONDS, PAIRS_DELAY ms into
# the hot phase; sets e2, adds to detail; returns 1 if it left the target otherwise than the
# first alone had it
attach_second()
{
	local dir=$1 snap rc=0 holder=0 tpid2 t0 wait_ms
	# the first's own ptrace (a blocking sampler's only during its ticks)
	{ holds_ptrace "$first" || [ "$first" = vmreadv-blocking ]; } && holder=$tpid1
	snap=$(held "$wpid")
	wait_ms=$((PAIRS_DELAY - ($(now_us) - hot_at) / 1000))
	[ "$wait_ms" -gt 0 ] && msleep "$wait_ms"
	t0=$(now_us)
	"${tool2[@]}" -d "$PAIRS_SECOND_SECONDS" -p "$wpid" >"$dir/out2" 2>"$dir/err2" &
	tpid2=$!
	if ! wait_gone "$tpid2" "$FAULTS_TIMEOUT"; then
		detail+="second hung ($(states "$tpid2")), killed;"
		kill -KILL "$tpid2" 2>/dev/null
	fi
	wait "$tpid2"
	e2=$?
	detail+="second from $(((t0 - hot_at) / 1000)) to $((($(now_us) - hot_at) / 1000)) ms"
	detail+=" into the hot phase;"
	if ! alive "$wpid"; then
		detail+="the target ended before the second let go;"
		# no result: it came too late, the target had ended before it could attach
		[ -s "$dir/r2.json" ] || too_late=1
	elif wait_until 3 as_left "$wpid" "$snap" "$holder"; then
		detail+="after the second: as the first alone had it;"
	elif alive "$wpid"; then
		detail+="after the second: TracerPid $(tracer_of "$wpid"), states $(states "$wpid"),"
		detail+=" $(diff <(echo "$snap") <(held "$wpid") | grep '^[<>]' | head -3 | tr '\n' ' ');"
		rc=1
	else
		detail+="the target ended as the second let go;"
	fi
	return $rc
}

# nested_case FIRST SECOND DIR: both in-process: FIRST -- SECOND -- workload
nested_case()
{
	local first=$1 second=$2 dir=$3 args
	mapfile -t args < <(pair_args "$dir" "$requests")
	# A sanitizer build of the inner tool starts with the outer one's library preloaded ahead
	# of the ASan runtime, which it refuses unless told that this order is meant.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		"$OUT/tests/reaper" "$dir/reaped" -- "${tool1[@]}" -- "${tool2[@]}" -- \
		"$OUT/$variant" "${args[@]}" >"$dir/out1" 2>"$dir/err1" &
	rpid=$!
	wait_until 10 sh -c "[ -n \"\$(cat /proc/$rpid/task/$rpid/children 2>/dev/null)\" ]"
	tpid1=$(children "$rpid" | head -1)
	wait_until 10 descendant "$rpid" "$variant" >/dev/null
	wpid=$(descendant "$rpid" "$variant")
	if ! wait_gone "$rpid" "$FAULTS_TIMEOUT"; then
		target="hung ($(states "$wpid"))"
		kill -KILL "$wpid" "$tpid1" 2>/dev/null
	fi
	wait "$rpid" 2>/dev/null
	# The inner one's exit is the outer one's, unless the outer failed itself.
	e1=$(awk -v p="$tpid1" '$1 == p { print ($2 == "exit" ? $3 : "SIG" $3) }' "$dir/reaped")
	status=$(reaped_status "$dir/reaped" "$wpid" "$tpid1")
	d1=$(judge "$spec1" 1 "$dir/r1.json" "$dir/truth.json" "${e1:-?}" "$dir/err1")
	if [[ $d1 == refused:* ]]; then
		# the outer's own failure is its exit status: the workload's is not known, its truth is
		status=$(echo "$F_BASE" | head -1)
		detail+="the workload's exit status hidden by the outer's own (exit $e1): its truth judged;"
	fi
	# The outer one's command is the inner tracer, which starts the workload as its child: a
	# sampler of its own command only (tb-signal record) sees none of the workload.
	if [ "$first" = signal-record ]; then
		d1="n/a: it samples its command (the inner $second: $(json_field "$dir/r1.json" \
			samples 2>/dev/null) samples); the workload is that one's child"
	fi
	d2=$(judge "$spec2" 1 "$dir/r2.json" "$dir/truth.json" - "$dir/err1")
	detail+="nested: ${tool1[0]##*/} -- ${tool2[0]##*/} -- $variant;"
}

# started_case FIRST SECOND DIR: FIRST -- workload, SECOND -p meanwhile
started_case()
{
	local first=$1 second=$2 dir=$3 args left=0
	mapfile -t args < <(pair_args "$dir" "$requests")
	"$OUT/tests/reaper" "$dir/reaped" -- "${tool1[@]}" -- "$OUT/$variant" "${args[@]}" \
		>"$dir/out1" 2>"$dir/err1" &
	rpid=$!
	wait_until 10 sh -c "[ -n \"\$(cat /proc/$rpid/task/$rpid/children 2>/dev/null)\" ]"
	tpid1=$(children "$rpid" | head -1)
	wait_until 10 descendant "$rpid" "$variant" >/dev/null
	wpid=$(descendant "$rpid" "$variant")
	if [ -z "$wpid" ] || ! wait_until 10 hot "$wpid"; then
		target="not run: the first did not start it ($(head -c 150 "$dir/err1" | tr '\n' ' '))"
		kill -KILL "$tpid1" "$wpid" 2>/dev/null
		wait "$rpid" 2>/dev/null
		return
	fi
	hot_at=$(now_us)
	attach_second "$dir" || left=1
	if ! wait_gone "$rpid" "$FAULTS_TIMEOUT"; then
		target="hung ($(states "$wpid"))"
		kill -KILL "$wpid" 2>/dev/null
	fi
	wait "$rpid" 2>/dev/null
	e1=$(awk -v p="$tpid1" '$1 == p { print ($2 == "exit" ? $3 : "SIG" $3) }' "$dir/reaped")
	status=$(reaped_status "$dir/reaped" "$wpid" "$tpid1")
	[ "$left" = 1 ] && [ -z "$target" ] && target="left changed by the second"
	d1=$(judge "$spec1" 1 "$dir/r1.json" "$dir/truth.json" "${e1:-?}" "$dir/err1")
	d2=$(judge "$spec2" 0 "$dir/r2.json" "$dir/truth.json" "$e2" "$dir/err2")
}

# attached_case FIRST SECOND DIR: the workload untraced, FIRST -p until SIGINT once SECOND -p
# has come and gone; the target runs on clean after both
attached_case()
{
	local first=$1 second=$2 dir=$3 args left=0
	mapfile -t args < <(pair_args "$dir" "$requests")
	"$OUT/$variant" "${args[@]}" &
	wpid=$!
	wait_until 10 hot "$wpid"
	"${tool1[@]}" -p "$wpid" >"$dir/out1" 2>"$dir/err1" &
	tpid1=$!
	# attached: it holds the target, or its semaphores are up (a sampler: a moment)
	case $first in
	ptrace-*) wait_until 5 sh -c "grep -q '^TracerPid:[[:space:]]*$tpid1\$' /proc/$wpid/status" ;;
	usdt-*) wait_until 5 changed "$wpid" ;;
	esac
	hot_at=$(now_us) # the second's delay counts from here
	attach_second "$dir" || left=1
	kill -INT "$tpid1"
	if ! wait_gone "$tpid1" "$FAULTS_TIMEOUT"; then
		detail+="first hung after SIGINT ($(states "$tpid1")), killed;"
		kill -KILL "$tpid1" 2>/dev/null
	fi
	wait "$tpid1"
	e1=$?
	if ! alive "$wpid"; then
		detail+="the target ended before the first let go: not checked running;"
	elif target_clean "$wpid"; then
		detail+="after both: running free; text and semaphores as in the file;"
	elif alive "$wpid"; then
		target="left $(target_state "$wpid")"
		kill -CONT "$wpid" 2>/dev/null
	fi
	if ! wait_gone "$wpid" "$FAULTS_TIMEOUT"; then
		[ -z "$target" ] && target="hung ($(states "$wpid"))"
		kill -KILL "$wpid" 2>/dev/null
	fi
	wait "$wpid"
	status=$?
	if [ "$status" -gt 128 ]; then status="signal $((status - 128))"; else status="exit $status"; fi
	[ "$left" = 1 ] && [ -z "$target" ] && target="left changed by the second"
	d1=$(judge "$spec1" 0 "$dir/r1.json" "$dir/truth.json" "$e1" "$dir/err1")
	d2=$(judge "$spec2" 0 "$dir/r2.json" "$dir/truth.json" "$e2" "$dir/err2")
}

# pair_case FIRST SECOND HOW: one pair; appends its row; returns 0 when the outcome is right:
# the target survived (as untraced, never left stopped or changed), each tracer's data exact or
# accounted, or the second refused as it must be
pair_case()
{
	local first=$1 second=$2 how=$3 dir variant requests expect rpid wpid tpid1 hot_at e1=- e2=-
	local d1 d2 status target='' detail='' t0=$SECONDS tool1 tool2 spec1 spec2 try too_late
	local retried=''
	dir=$TEST_TMP/pair-$first-$second-$how
	mkdir -p "$dir"
	variant=$(pair_variant "$first" "$second")
	if [[ $variant == n/a:* ]]; then
		fault_row "pair:$second" "$first" "$how" 1 - n/a n/a - "${variant#n/a: }"
		return 0
	fi
	if [ "$how" = attached ] && in_process "$first"; then
		fault_row "pair:$second" "$first" "$how" 1 - n/a n/a - \
			"$first cannot attach: its hooks are loaded from exec on"
		return 0
	fi
	if in_process "$second" && ! in_process "$first"; then
		detail="$second cannot attach (-p): it starts the command"
		fault_row "pair:$second" "$first" "$how" 1 - n/a n/a - \
			"$detail (fault pair:$first, technique $second)"
		return 0
	fi
	requests=$PAIRS_REQUESTS
	[ "$how" = attached ] && requests=$PAIRS_ATTACHED_REQUESTS
	[ "$how" = attached ] && [[ "$first $second" == *usdt-* ]] &&
		requests=$PAIRS_ATTACHED_USDT_REQUESTS
	expect=$(pair_expect "$first" "$second")
	# A machine busy enough that the target ends before the second attaches: a longer run.
	for try in 1 2 3; do
		rm -rf "$dir"
		mkdir -p "$dir"
		target='' detail="$retried" e1=- e2=- too_late=0
		pair_baseline "$variant" "$requests"
		pair_tools "$first" "$second" "$dir"
		if in_process "$second"; then
			nested_case "$first" "$second" "$dir"
		elif [ "$how" = started ]; then
			started_case "$first" "$second" "$dir"
		else
			attached_case "$first" "$second" "$dir"
		fi
		if [ "$too_late" = 0 ] || [ "$try" = 3 ]; then
			break
		fi
		retried+="the target ended before the second attached at -r $requests, run again;"
		requests=$((requests * 2))
	done
	[ -z "$target" ] && target=$(fault_verdict_target "$dir" "${status:-exit ?}")
	if [[ "$first $second" == *usdt-* ]] && ! fresh_clean "$variant"; then
		target+="; a new $variant starts changed (a uprobe or semaphore left on the file)"
	fi
	detail+="$variant -r $requests -t $PAIRS_THREADS;"
	[[ $d1 == "n/a: "* ]] && detail+="first: ${d1#n/a: };"
	[ -s "$dir/err1" ] && [[ $d1 != exact && $d1 != accounted ]] &&
		detail+="first's stderr: $(head -2 "$dir/err1" | tr '\n' ' ' | cut -c1-160);"
	[ -s "$dir/err2" ] &&
		detail+="second's stderr: $(head -2 "$dir/err2" | tr '\n' ' ' | cut -c1-160);"
	detail+="$((SECONDS - t0)) s"
	fault_row "pair:$second" "$first" "$how" 1 "$PAIRS_DELAY" "$target" \
		"$(brief "$d1"); second $(brief "$d2")" "$e1/$e2" "$detail"
	[ "$target" = survived ] && pair_ok "$expect" "$d1" "$d2" "$tpid1"
}

start=$SECONDS
rows=0
for how in $PAIRS_HOWS; do
	for first in $PAIRS_TECHNIQUES; do
		for second in $PAIRS_TECHNIQUES; do
			pair_case "$first" "$second" "$how"
			rc=$?
			rows=$((rows + 1))
			row=$(tail -1 "$FAULTS_CSV")
			ok $rc "$first $how with $second: $(echo "$row" | cut -d, -f6-8)"
			[ $rc = 0 ] || diag "$row"
		done
	done
done
diag "$((SECONDS - start)) s for $rows rows ($PAIRS_HOWS)"
[ -n "${FAULTS_KEEP:-}" ] && cp "$FAULTS_CSV" "$FAULTS_KEEP"
done_testing
