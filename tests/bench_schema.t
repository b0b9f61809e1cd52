#!/usr/bin/env bash
# bench_schema.t - the CSVs of a tiny bench run against results/README.md: each header exactly the
# documented columns, every row the header's fields, units in the names of numeric columns, status
# and description where the conventions put them
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench_lib.sh"

not_for_sanitizers "bench_schema.t" && { done_testing; exit; }
tiny_run
is "$BENCH_RC" 0 "the tiny bench ran ($BENCH_DIR)"
[ "$BENCH_RC" = 0 ] || sed 's/^/#   /' "$BENCH_LOG" | tail -n 20

# unit_ok FILE COLUMN: whether a numeric column's name says its unit. Integer columns are counts
# (rounds, runs, events, CPUs) and need none. Others need a unit token (ns, us, ms, s, pct, hz,
# per_s), or say they are dimensionless (x: a multiple of; vs, ratio: a ratio; per_run: a count
# per run; completeness, fidelity, tvd, share: a fraction; scale: the workload's -s factor), or
# take their unit from a quantity or unit column of the same file (value, median, p25, p75, and
# NAME_value), or are the values of a *_ratios.csv.
unit_ok()
{
	local file=$1 col=$2
	[[ _${col}_ =~ _(ns|us|ms|s|pct|hz|per_s|x|vs|ratio|per_run|completeness|fidelity|tvd|share|scale)_ ]] &&
		return 0
	case $col in
	value | median | p25 | p75 | *_value | paired_median | paired_p25 | paired_p75)
		head -n 1 "$file" | grep -qE '(^|,)(quantity|unit)(,|$)' && return 0
		[[ $file == *_ratios.csv ]] && return 0
		;;
	# a count estimated from a time share (signals x hot_wall_ns / duration_ns), not measured
	signals_in_hot_phase) return 0 ;;
	esac
	return 1
}

[ -d "$BENCH_DIR" ] || { done_testing; exit; }
documented=$(doc_csvs)
for f in "$BENCH_DIR"/*.csv; do
	name=$(basename "$f")
	cols=$(doc_columns "$name" | tr '\n' ' ')
	if [ -z "$cols" ]; then
		ok 1 "$name is documented in results/README.md (a heading and a column table)"
		continue
	fi
	# the same columns, none missing, none undocumented; a table that lists them in another order
	# (several in one cell) is only noted
	is "$(csv_columns "$f" | sort | tr '\n' ' ')" "$(doc_columns "$name" | sort | tr '\n' ' ')" \
		"$name: the header has exactly the documented columns"
	[ "$(csv_columns "$f" | tr '\n' ' ')" = "$cols" ] ||
		diag "$name: results/README.md lists the columns in another order than the header's"
	is "$(csv_field_counts "$f" | head -n 3)" "" "$name: every row has the header's fields"
	# numeric columns: every value a number (some may be empty), at least one
	bad=
	for col in $(awk "$CSV_AWK"'
		function isnum(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
		NR == 1 { n = csv_split($0, h); next }
		{ csv_split($0, f)
		  for (i = 1; i <= n; i++) if (f[i] != "") {
			if (!isnum(f[i])) str[i] = 1
			else { num[i] = 1; if (f[i] !~ /^-?[0-9]+$/) frac[i] = 1 }
		  } }
		END { for (i = 1; i <= n; i++) if (num[i] && frac[i] && !str[i]) print h[i] }' "$f"); do
		unit_ok "$f" "$col" || bad+=" $col"
	done
	is "${bad# }" "" "$name: numeric columns name their unit"
	header=$(head -n 1 "$f")
	if [[ ,$header, == *,description,* ]]; then
		[[ $header == *,description ]]
		ok $? "$name: description is the last column"
		is "$(awk 'NR > 1 && !/,"([^"]|"")*"$/ { print NR }' "$f" | head -n 3 | tr '\n' ' ')" "" \
			"$name: every description quoted"
	fi
	if [[ ,$header, == *,status,* ]]; then
		is "$(csv_column "$f" status | grep -vE '^(ok|failed: .+|skipped: .+|no data: .+)$' | sort -u |
			head -n 3)" "" "$name: status is ok, failed: why, skipped: why (or no data: why)"
	fi
done

# Every CSV the README documents is written by a run of every section (all but the *_failures.txt
# files, which only failures write).
for name in $documented; do
	[ -f "$BENCH_DIR/$name" ]
	ok $? "$name, documented, is in the run"
done

done_testing
