#!/usr/bin/env bash
# faults_run.sh - the full fault suite (make test-faults): every fault, pair and load case, then
# the safety matrix into results/HOST/faults-STAMP/ (REPORT.md, safety_matrix.csv, faults_raw.csv)
#
# Environment: OUT (build directory, default build), RESULTS_DIR (default
# results/$(hostname -s)/faults-STAMP), TB_SEED (repeats the random fault moments),
# FAULTS_TRIALS (trials of each racy case, default 3), FAULTS_LOAD_SECONDS (default 30).
set -uo pipefail
cd "$(dirname "$0")/.."
export OUT=${OUT:-build}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
export RESULTS_DIR=${RESULTS_DIR:-results/$(hostname -s)/faults-$stamp}
mkdir -p "$RESULTS_DIR"
RESULTS_DIR=$(cd "$RESULTS_DIR" && pwd)
export FAULTS_CSV=$RESULTS_DIR/faults_raw.csv
export FAULTS_FULL=1 FAULTS_LOAD_SECONDS=${FAULTS_LOAD_SECONDS:-30}
export TB_SEED=${TB_SEED:-$((RANDOM * 32768 + RANDOM))}
rm -f "$FAULTS_CSV"
{
	echo "stamp=$stamp"
	echo "host=$(hostname -s)"
	echo "kernel=$(uname -r)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) x $(nproc)"
	echo "commit=$(git rev-parse --short HEAD 2>/dev/null)$(git status --porcelain 2>/dev/null | grep -q . && echo -dirty)"
	echo "seed=$TB_SEED"
	echo "trials=${FAULTS_TRIALS:-3} load_seconds=$FAULTS_LOAD_SECONDS"
	echo "placement=unpinned: tracer and target where the scheduler puts them"
} >"$RESULTS_DIR/env.txt"
start=$SECONDS
rc=0
for t in tests/faults.t tests/faults_pairs.t tests/faults_load.t; do
	[ -f "$t" ] || continue
	echo "== $t" >&2
	prove -v --exec '' "$t" >"$RESULTS_DIR/$(basename "$t" .t).tap" 2>&1 || rc=1
	tail -3 "$RESULTS_DIR/$(basename "$t" .t).tap" >&2
done
echo "seconds=$((SECONDS - start))" >>"$RESULTS_DIR/env.txt"
tests/faults_report.sh "$RESULTS_DIR" || rc=1
echo "faults_run.sh: $RESULTS_DIR ($((SECONDS - start)) s)" >&2
exit $rc
