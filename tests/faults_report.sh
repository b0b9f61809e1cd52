#!/usr/bin/env bash
# faults_report.sh - the safety matrix (fault x technique) from the fault suite's rows
#
# Usage: tests/faults_report.sh DIR
#
# Reads DIR/faults_raw.csv (rows of tests/faults.t, faults_pairs.t and faults_load.t) and writes
# DIR/safety_matrix.csv (one row per fault and how, one column per technique, the cell the worst
# outcome of its trials) and DIR/REPORT.md: the matrix as a table, what each outcome means, and
# why each outcome that is not "the target survived, nothing lost unaccounted" is a property of
# the technique (tests/faults_explained.txt) or, if not listed there, a failure.
set -euo pipefail
dir=${1:?usage: faults_report.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
raw=$dir/faults_raw.csv
[ -s "$raw" ] || { echo "faults_report.sh: no rows in $raw (run the fault suite first)" >&2; exit 1; }

# cells: one line per fault|how|technique: the worst trial's short outcome, trials, worst count
cells()
{
	awk "$(cat "$here/../harness/csv.awk")"'
	function short_target(t) {
		if (t == "survived") return "ok"
		if (t == "killed by the test" || t ~ /^ended before the kill/) return "killed"
		if (t == "n/a") return "n/a"
		if (t ~ /^died: /) { sub(/^died: /, "died ", t); return t }
		if (t ~ /^left stopped/) return "left stopped"
		if (t ~ /^left traced/) return "left traced"
		if (t ~ /^left text/) return "text changed"
		if (t ~ /^left semaphores/) return "semaphores set"
		if (t ~ /^hung/) return "hung"
		if (t ~ /^changed:/) return "work changed"
		return t
	}
	function short_data(d,    first, second) {
		# a pair: "FIRST; second SECOND"
		if (index(d, "; second ")) {
			second = substr(d, index(d, "; second ") + 9)
			first = short_data(substr(d, 1, index(d, "; second ") - 1))
			return (first == "" ? "n/a" : first) "; 2nd " short_data(second)
		}
		if (d ~ /^exact/) return "exact"
		if (d ~ /^accounted/) return "accounted"
		if (d ~ /^refused/) return "refused"
		if (d ~ /^none/) return "none"
		if (d ~ /^lost: killed/) return "lost (SIGKILL)"
		if (d ~ /^lost/) return "lost"
		if (d ~ /^wrong/) return "WRONG"
		if (d == "n/a") return ""
		return d
	}
	# 0 n/a, 1 fine, 2 lost to SIGKILL, 3 lost, 4 wrong data, 5 the target harmed, 6 hung or
	# not run; anything not recognised ranks 5, so that it is looked at
	function rank(target, data,    n, part, i, worst, r) {
		if (target == "hung" || target ~ /^not run/) return 6
		if (target != "ok" && target != "killed" && target != "n/a") return 5
		if (target == "n/a") return 0
		worst = 1
		n = split(data, part, /; 2nd /)
		for (i = 1; i <= n; i++) {
			if (part[i] ~ /^(exact|accounted|refused|none|n\/a|)$/) r = 1
			else if (part[i] == "lost (SIGKILL)") r = 2
			else if (part[i] == "lost") r = 3
			else if (part[i] == "WRONG") r = 4
			else r = 5
			if (r > worst) worst = r
		}
		return worst
	}
	NR == 1 { next }
	{
		csv_split($0, f)
		key = f[1] "|" f[3] "|" f[2]
		t = short_target(f[6]); d = short_data(f[7])
		cell = t (d != "" ? " / " d : "")
		r = rank(t, d)
		trials[key]++
		if (!(key in worst_rank) || r > worst_rank[key]) worst_rank[key] = r
		if (!((key, cell) in n)) { cells[key] = cells[key] SUBSEP cell; cell_rank[key, cell] = r }
		n[key, cell]++
	}
	END {
		# a cell: every distinct outcome of the worst rank, with how many trials came out so
		for (k in worst_rank) {
			m = split(substr(cells[k], 2), c, SUBSEP)
			out = ""; nw = 0
			for (i = 1; i <= m; i++) {
				if (cell_rank[k, c[i]] != worst_rank[k]) continue
				nw += n[k, c[i]]
				out = out (out == "" ? "" : ", ") c[i] (n[k, c[i]] < trials[k] ? " (" n[k, c[i]] "/" trials[k] ")" : "")
			}
			print k "|" out "|" nw "|" trials[k] "|" worst_rank[k]
		}
	}' "$raw" | sort
}

# explained FAULT HOW TECH: the reason this cell's outcome is a property of the technique: every
# raw row of the cell that is not fine must match one line of faults_explained.txt (fault,
# technique, how, and the start of its target or data outcome); prints the reasons, one a line
explained()
{
	local rows f t h outcome why row_target row_data found all=0
	rows=$(awk "$(cat "$here/../harness/csv.awk")"'
		NR > 1 { csv_split($0, c); if (c[1] == F && c[3] == H && c[2] == T) print c[6] "|" c[7] }' \
		F="$1" H="$2" T="$3" "$raw")
	while IFS='|' read -r row_target row_data; do
		case "$row_target|$row_data" in
		"survived|exact"* | "survived|accounted"* | "survived|refused"* | "survived|none"* | \
			"survived|lost: killed (SIGKILL cannot be caught)" | "killed by the test|exact"* | \
			"killed by the test|accounted"* | "killed by the test|none"* | "n/a|n/a") continue ;;
		esac
		found=''
		while IFS='|' read -r f t h outcome why; do
			[[ $f == \#* || -z $f ]] && continue
			# shellcheck disable=SC2053
			[[ $1 == $f && $3 == $t && $2 == $h ]] || continue
			[[ $row_target == "$outcome"* || $row_data == "$outcome"* ]] || continue
			found=$why
			break
		done <"$here/faults_explained.txt"
		[ -n "$found" ] || return 1
		echo "$found"
		all=1
	done <<<"$rows"
	[ "$all" = 1 ]
}

cells >"$dir/cells.tmp"
techniques=$(cut -d'|' -f3 "$dir/cells.tmp" | awk '!seen[$0]++' | sort -t- -k1,1 -s |
	awk 'BEGIN { n = split("usdt-count usdt-stream usdt5-count ptrace-break ptrace-syscall ptrace-sample vmreadv vmreadv-blocking signal-record tracefunc-count tracefunc-log", o, " "); for (i = 1; i <= n; i++) pos[o[i]] = i }
	{ print (($0 in pos) ? pos[$0] : 100) " " $0 }' | sort -n -k1,1 -k2 | cut -d' ' -f2)
rows=$(cut -d'|' -f1,2 "$dir/cells.tmp" | awk '!seen[$0]++' |
	awk -F'|' 'BEGIN { n = split("tracer-sigkill tracer-sigint tracer-sigterm tracer-sighup tracer-sigpipe target-sigkill target-exit target-exec target-fork target-stopped target-stop-cont target-signals load", o, " "); for (i = 1; i <= n; i++) pos[o[i]] = i }
	{ print (($1 in pos) ? pos[$1] : 50) " " ($2 == "started" ? 0 : 1) " " $0 }' |
	sort -n -k1,1 -k2,2 -k3 | cut -d' ' -f3)

# safety_matrix.csv
{
	printf 'fault,how'
	for t in $techniques; do printf ',%s' "$t"; done
	echo
	for r in $rows; do
		printf '%s,%s' "${r%|*}" "${r#*|}"
		for t in $techniques; do
			c=$(awk -F'|' -v k="$r|$t" '$1 "|" $2 "|" $3 == k { print $4 }' "$dir/cells.tmp")
			printf ',"%s"' "${c:--}"
		done
		echo
	done
} >"$dir/safety_matrix.csv"

# REPORT.md
notes=() failures=0
{
	echo "# Safety matrix"
	echo
	echo "What each tracer does to its target under faults, measured by the fault suite"
	echo "(\`make test-faults\`; rows in \`faults_raw.csv\`, this table in \`safety_matrix.csv\`)."
	[ -s "$dir/env.txt" ] && { echo; echo '```'; cat "$dir/env.txt"; echo '```'; }
	echo
	echo "A cell is TARGET / DATA, the worst of its trials (\"(k/n)\": k of n trials came out so)."
	echo "TARGET: **ok** = same exit status, work count and checksum as untraced, never left stopped"
	echo "or traced, text byte for byte its file's, USDT semaphores back to 0; **killed** = the test"
	echo "killed it (the fault); **died SIG** = it died of that signal; **work changed** = its truth"
	echo "differs from an untraced run; **left stopped / traced / text changed** = found so after"
	echo "the tracer ended; **hung**. DATA: **exact** = seen + lost = what happened; **accounted** ="
	echo "a result was written and what it counts does not exceed what happened; **lost (SIGKILL)** ="
	echo "no result, as SIGKILL allows; **refused** = the tool declined with one line saying why;"
	echo "**none** = interrupted, or its target killed, before tracing began: nothing recorded,"
	echo "and it said so;"
	echo "**lost** / **WRONG** = a failure unless explained below."
	echo "Marked [1], [2], ...: a property of the technique, explained under the table."
	echo
	printf '| fault | how |'
	for t in $techniques; do printf ' %s |' "$t"; done
	echo
	printf '|---|---|'
	for t in $techniques; do printf -- '---|'; done
	echo
	for r in $rows; do
		f=${r%|*} h=${r#*|}
		printf '| %s | %s |' "$f" "$h"
		for t in $techniques; do
			line=$(awk -F'|' -v k="$r|$t" '$1 "|" $2 "|" $3 == k' "$dir/cells.tmp")
			if [ -z "$line" ]; then printf ' - |'; continue; fi
			IFS='|' read -r _ _ _ cell nw nt rk <<<"$line"
			mark=''
			if [ "$rk" -ge 3 ] || { [ "$rk" -ge 2 ] && [[ $cell != "ok / lost (SIGKILL)"* ]]; }; then
				if whys=$(explained "$f" "$h" "$t"); then
					while IFS= read -r why; do
						i=0 found=0
						for n in "${notes[@]}"; do
							i=$((i + 1))
							[ "$n" = "$why" ] && found=$i
						done
						[ "$found" = 0 ] && notes+=("$why") && found=${#notes[@]}
						mark+="[$found]"
					done < <(awk '!seen[$0]++' <<<"$whys")
					mark=" $mark"
				else
					mark=' **!**'
					failures=$((failures + 1))
				fi
			fi
			printf ' %s%s |' "$cell" "$mark"
		done
		echo
	done
	echo
	i=0
	for n in "${notes[@]}"; do
		i=$((i + 1))
		echo "[$i] $n"
		echo
	done
	if [ "$failures" -gt 0 ]; then
		echo "**!** $failures cells are failures: neither survival with its data accounted for nor"
		echo "a property explained above. Their rows in \`faults_raw.csv\` say what happened."
	else
		echo "Every other cell: the target survived, and nothing was lost unaccounted."
	fi
} >"$dir/REPORT.md"
rm -f "$dir/cells.tmp"
echo "faults_report.sh: $dir/REPORT.md ($failures failed cells)" >&2
[ "$failures" = 0 ]
