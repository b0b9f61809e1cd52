#!/usr/bin/env bash
# run-bench - runs tracebench's benchmark from an unpacked bundle (make bundle), with no compiler
#
# ./run-bench [TINY=1 | FULL=1] [SECTIONS="floors idle ..."] [NAME=VALUE ...]
#
# Runs harness/bench.sh on the programs in bin/ (statically linked where they can be; see
# README.md) and writes the results folder results/HOST/STAMP/ in this folder (or RESULTS_DIR).
# Every NAME=VALUE is passed to bench.sh as an environment variable (its presets and overrides:
# harness/README.md of the repository, or the head of harness/bench.sh). Run it as root: tb-usdt,
# bpftrace and the uprobe counts need BPF and perf events, bpftrace a private mount namespace.
# It never calls make or a compiler. Bring the folder back and plot it in a checkout:
# make plot DIR=results/HOST/STAMP.
# (This file is harness/bundle_run.sh in the repository: make bundle copies it here.)
set -euo pipefail

# die MESSAGE: prints run-bench: MESSAGE on stderr and stops
die() { echo "run-bench: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)

for arg in "$@"; do
	case $arg in
	-h | --help)
		sed -n '3,12s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	[A-Za-z_]*=*)
		name=${arg%%=*}
		[[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "$arg: not NAME=VALUE"
		export "${arg?}"
		;;
	*) die "$arg: give NAME=VALUE arguments (TINY=1, FULL=1, SECTIONS=\"floors idle\" ...); -h for help" ;;
	esac
done

if [ ! -f "$HERE/VERSION" ] || [ ! -d "$HERE/bin" ]; then
	die "$HERE is not an unpacked bundle (no VERSION or bin/): run the run-bench of one (make bundle)"
fi
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
	die "this bundle runs on Linux x86-64 only, not on $(uname -sm)"
fi
# The workload variants and preloaded libraries are linked against the build machine's glibc.
glibc_needed=$(sed -n 's/^glibc_needed=\([0-9.]*\).*/\1/p' "$HERE/VERSION")
if ! why=$("$HERE/bin/workload" -h 2>&1 >/dev/null); then
	die "bin/workload cannot start here ($(head -n 1 <<<"$why")): this bundle needs glibc >=" \
		"$glibc_needed; make one on a machine with an older glibc"
fi

if [ "$(id -u)" != 0 ]; then
	echo "run-bench: not root: tb-usdt, bpftrace and the uprobe counts (BPF, perf events) and" \
		"whatever needs a private mount namespace will be skipped, each with its reason; ptrace" \
		"works on the bench's own children unless kernel.yama.ptrace_scope is 3. As root:" \
		"sudo ./run-bench$(printf ' %q' "$@")" >&2
fi
missing=
for tool in hyperfine gnuplot bpftrace perf gdb strace uftrace ltrace; do
	command -v "$tool" >/dev/null || missing+=" $tool"
done
[ -z "$missing" ] || echo "run-bench: not installed here:$missing: what needs them is skipped" \
	"with the reason (plots are drawn later: make plot DIR=...)" >&2

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
HOST=$(uname -n)
HOST=${HOST%%.*}
export RESULTS_DIR=${RESULTS_DIR:-$HERE/results/$HOST/$STAMP}
export OUT=$HERE/bin TB_BUNDLE=$HERE
status=0
(cd "$HERE" && "$HERE/harness/bench.sh") || status=$?

if [ -f "$RESULTS_DIR/env.txt" ]; then
	rel=results/$HOST/$(basename "$RESULTS_DIR")
	cat >&2 <<EOF

run-bench: the results are in $RESULTS_DIR (REPORT.md, env.txt, the CSVs)
run-bench: bring the folder back into a tracebench checkout and draw its plots there:
    mkdir -p results/$HOST && scp -r $HOST:$RESULTS_DIR results/$HOST/
    make plot DIR=$rel
run-bench: (or pack it here: tar -C $(dirname "$RESULTS_DIR") -czf $HOST-$(basename "$RESULTS_DIR").tar.gz $(basename "$RESULTS_DIR"))
EOF
fi
[ "$status" = 0 ] || echo "run-bench: harness/bench.sh failed (status $status): see the lines above" >&2
exit "$status"
