# tests/bench_lib.sh - what the bench_*.t tests share: one tiny bench run, and results/README.md's
# column tables (sourced after lib.sh, not run)

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$TESTS_DIR")
CSV_AWK=$(cat "$REPO/harness/csv.awk")

# tiny_run: sets BENCH_DIR to the results folder of one `TINY=1 harness/bench.sh` (every section),
# BENCH_RC to its exit status, BENCH_SECONDS to how long it took and BENCH_LOG to its stderr.
#
# TB_BENCH_DIR=FOLDER checks that folder instead (a finished run: the committed reference run, or
# one of FULL=1): BENCH_RC 0, BENCH_SECONDS empty. Otherwise the tests of one prove share a run:
# it lives in /tmp/tracebench-bench-tiny.PID.START (prove's pid and start time); the first test
# that needs it runs the bench, under flock, so that with prove -j the others wait for it and
# reuse it. Folders of provers that have ended are removed.
tiny_run()
{
	local key start dir d pid lock=/tmp/tracebench-bench-tiny.lock t0 t1
	if [ -n "${TB_BENCH_DIR:-}" ]; then
		BENCH_DIR=$TB_BENCH_DIR BENCH_RC=0 BENCH_SECONDS='' BENCH_LOG=/dev/null
		return
	fi
	start=$(awk '{ print $22 }' "/proc/$PPID/stat" 2>/dev/null)
	key=$PPID.${start:-0}
	dir=/tmp/tracebench-bench-tiny.$key
	exec 8>"$lock"
	flock 8
	for d in /tmp/tracebench-bench-tiny.*.*; do
		[ -d "$d" ] && [ "$d" != "$dir" ] || continue
		pid=${d#/tmp/tracebench-bench-tiny.}
		start=$(awk '{ print $22 }' "/proc/${pid%%.*}/stat" 2>/dev/null)
		[ "${pid%%.*}.$start" = "$pid" ] || rm -rf "$d"
	done
	if [ ! -e "$dir/rc" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		t0=$(date +%s%N)
		(cd "$REPO" && TINY=1 RESULTS_DIR="$dir/run" OUT="$OUT" harness/bench.sh \
			>"$dir/stdout" 2>"$dir/stderr")
		echo $? >"$dir/rc"
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000)) | sed 's/...$/.&/' >"$dir/seconds"
	fi
	flock -u 8
	exec 8>&-
	BENCH_DIR=$dir/run
	BENCH_RC=$(cat "$dir/rc")
	BENCH_SECONDS=$(cat "$dir/seconds")
	BENCH_LOG=$dir/stderr
}

# not_for_sanitizers NAME: true (and one passing check saying why) when OUT is a sanitizer build
# (make test-san): the bench measures the plain build, and its tools' sanitizer runs are the other
# tests' business (LeakSanitizer cannot run under the bench's ptrace tracers)
not_for_sanitizers()
{
	case $OUT in
	*-san)
		ok 0 "$1: not run on the sanitizer build $OUT: make test runs it on the plain build"
		return 0
		;;
	esac
	return 1
}

# doc_csvs: the CSV files results/README.md documents (a heading "## `NAME.csv` ..."), one a line
doc_csvs()
{
	sed -n 's/^## `\([a-z0-9_]*\.csv\)`.*/\1/p' "$REPO/results/README.md"
}

# doc_columns NAME.csv: the columns results/README.md documents for NAME.csv, in order, one a
# line: the first cells of the first "| column | meaning |" table under its heading (a cell may
# name several columns: `a`, `b`)
doc_columns()
{
	awk -v file="$1" '
	/^## / { inside = index($0, "## `" file "`") == 1; table = 0; next }
	!inside { next }
	/^\| *column *\|/ { if (!done) table = 1; next }
	table && /^\|---/ { next }
	table && /^\|/ {
		cell = $0; sub(/^\| */, "", cell); sub(/ *\|.*/, "", cell)
		while (match(cell, /`[^`]*`/)) {
			print substr(cell, RSTART + 1, RLENGTH - 2)
			cell = substr(cell, RSTART + RLENGTH)
		}
		next
	}
	table { table = 0; done = 1 }' "$REPO/results/README.md"
}

# csv_columns FILE: the header's columns, one a line
csv_columns()
{
	head -n 1 "$1" | awk "$CSV_AWK"'{ n = csv_split($0, f); for (i = 1; i <= n; i++) print f[i] }'
}

# csv_field_counts FILE: "LINE FIELDS" for every data row whose field count differs from the header's
csv_field_counts()
{
	awk "$CSV_AWK"'NR == 1 { n = csv_split($0, f); next }
	{ k = csv_split($0, f); if (k != n) print NR, k " fields, the header has " n }' "$1"
}

# csv_column FILE NAME: the values of column NAME, one a line (nothing if there is no such column)
csv_column()
{
	awk -v name="$2" "$CSV_AWK"'NR == 1 { csv_header($0); if (!(name in COL)) exit; next }
	{ csv_split($0, f); print csv_get(f, name) }' "$1"
}

# csv_rows FILE CONDITION PRINT: PRINT (awk expressions) for the rows where CONDITION (awk) holds;
# get("column") is a field as a string, num("column") as a number (-1e300 if it is not one)
csv_rows()
{
	awk "$CSV_AWK"'
	function get(name) { return csv_get(f, name) }
	function num(name,    v) {
		v = csv_get(f, name)
		return v ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ ? v + 0 : -1e300
	}
	NR == 1 { csv_header($0); next }
	{ csv_split($0, f) }
	'"$2"' { print '"$3"' }' "$1"
}

# contended_excess DIR: each summary CSV of DIR more than half of whose rows say "contended" (the
# harness left the runs out: another process had the workload's CPU), as "FILE: N of M rows". A
# few such rows are the machine's noise; most of a section is a harness bug or a busy machine.
contended_excess()
{
	local f n m
	for f in "$1"/*_summary.csv; do
		[ -f "$f" ] || continue
		m=$(($(wc -l <"$f") - 1))
		n=$(tail -n +2 "$f" | grep -c contended || true)
		[ $((2 * n)) -le "$m" ] || echo "$(basename "$f"): $n of $m rows"
	done
}

# none FILE CONDITION WHAT NAME: a check that no row of FILE with status ok meets CONDITION (awk,
# with get("column") and num("column")); WHAT (awk) names the rows that do
none()
{
	is "$(csv_rows "$1" 'get("status") == "ok" && ('"$2"')' "$3" | head -n 5)" "" "$4"
}

# any FILE CONDITION WHAT NAME: a check that no row of FILE, whatever its status, meets CONDITION:
# for what must hold of every run (as root here every run must be ok), failed ones too
any()
{
	is "$(csv_rows "$1" "$2" "$3" | head -n 5)" "" "$4"
}
