#!/usr/bin/env bash
# faults.t - the fault-injection suite: every fault against every technique (tests/faults_lib.sh)
#
# Quick by default (make test): tracer SIGKILL started and attached for every technique and mode,
# every other fault once per technique, started and attached in turn, fixed timing.
# FAULTS_FULL=1 (make test-faults, tests/faults_run.sh): every fault both ways, the racy ones
# (the tracer's signals, the target killed, stopped and continued) FAULTS_TRIALS times (default
# 3) at random moments. TB_SEED repeats the random moments of a run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "the fault suite traces, stops and kills processes: run as root"

seed=${TB_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$seed
full=${FAULTS_FULL:-0}
if [ "$full" = 1 ]; then
	FAULTS_RANDOM=1
	trials=${FAULTS_TRIALS:-3}
else
	FAULTS_REQUESTS=${FAULTS_REQUESTS_QUICK:-1000}
	trials=1
fi
diag "seed $seed (TB_SEED=$seed repeats it), full=$full, $FAULTS_REQUESTS requests per run"
faults=${FAULTS_ONLY:-$FAULTS_TRACER $FAULTS_TARGET}
techniques=${FAULTS_TECHNIQUES_ONLY:-$FAULTS_TECHNIQUES}

# racy FAULT: the fault's timing matters, so the full suite repeats it at random moments
racy()
{
	case $1 in tracer-* | target-sigkill | target-stop-cont) return 0 ;; esac
	return 1
}

# known_bug FAULT TECHNIQUE HOW ROW: the case came out as a bug listed in faults_known_bugs.txt
# (prints why)
known_bug()
{
	local f t h outcome why
	while IFS='|' read -r f t h outcome why; do
		[[ $f == \#* || -z $f ]] && continue
		# shellcheck disable=SC2053
		[[ $1 == $f && $2 == $t && $3 == $h && $4 == *"$outcome"* ]] || continue
		echo "$why"
		return 0
	done <"$FAULTS_REPO/tests/faults_known_bugs.txt"
	return 1
}

# The check that a stopped target does not run can fail: a stopped workload stays put, and the
# same workload let run for a moment and stopped again has moved.
"$OUT/workload" -q -s 0 -t 2 -d 20 -o "$TEST_TMP/positions.json" &
pos_pid=$!
wait_until 10 sh -c "[ \$(ls /proc/$pos_pid/task | wc -l) = 3 ]"
kill -STOP "$pos_pid"
wait_until 5 all_stopped "$pos_pid"
before=$(user_positions "$pos_pid")
msleep 100
same=$(user_positions "$pos_pid")
kill -CONT "$pos_pid"
msleep 100
kill -STOP "$pos_pid"
wait_until 5 all_stopped "$pos_pid"
moved=$(user_positions "$pos_pid")
kill -KILL "$pos_pid"
wait "$pos_pid" 2>/dev/null
[ -n "$before" ] && [ "$same" = "$before" ] && [ "$moved" != "$before" ]
rc=$?
pos_threads=$(echo "$before" | wc -l)
ok $rc "user_positions: stopped, the workload's $pos_threads threads stay put; run 0.1 s, they move"

fi_=0
for fault in $faults; do
	fi_=$((fi_ + 1))
	ti=0
	for tech in $techniques; do
		ti=$((ti + 1))
		hows=${FAULTS_HOWS:-started attached}
		if [ "$full" != 1 ] && [ -z "${FAULTS_HOWS:-}" ] && [ "$fault" != tracer-sigkill ]; then
			# quick: one of the two, in turn, so that each technique meets both
			hows=started
			[ $(((fi_ + ti) % 2)) = 1 ] && hows=attached
			[ "$fault" = target-stopped ] && hows=attached
			fault_technique "$tech"
			[ "$hows" = attached ] && [ "$F_ATTACH" != pid ] && [ "$F_ATTACH" != channel ] &&
				hows=started
		fi
		n=1
		[ "$full" = 1 ] && racy "$fault" && n=$trials
		for how in $hows; do
			for ((trial = 1; trial <= n; trial++)); do
				run_case "$fault" "$tech" "$how" "$trial"
				rc=$?
				row=$(tail -1 "$FAULTS_CSV")
				name="$fault $tech $how #$trial: $(echo "$row" | cut -d, -f6-7)"
				if [ $rc != 0 ] && why=$(known_bug "$fault" "$tech" "$how" "$row"); then
					tap_n=$((tap_n + 1))
					echo "not ok $tap_n - $name # TODO known bug: $why"
				else
					ok $rc "$name"
				fi
				[ $rc = 0 ] || diag "$row"
			done
		done
	done
done
[ -n "${FAULTS_KEEP:-}" ] && cp "$FAULTS_CSV" "$FAULTS_KEEP"
done_testing
