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
		if (t ~ /^refused/) return "refused"
		return t
	}
	function short_data(d) {
		if (d ~ /^exact/) return "exact"
		if (d == "accounted") return "accounted"
		if (d ~ /^refused/) return "refused"
		if (d ~ /^lost: killed/) return "lost (SIGKILL)"
		if (d ~ /^lost/) return "lost"
		if (d ~ /^wrong/) return "WRONG"
		if (d == "n/a") return ""
		return d
	}
	function rank(target, data) {
		if (target == "hung" || target == "not run") return 6
		if (target ~ /^(work changed|died|text changed|semaphores set)/) return 5
		if (target ~ /^left/) return 5
		if (data == "WRONG") return 4
		if (data == "lost") return 3
		if (data == "lost (SIGKILL)") return 2
		if (target == "n/a") return 0
		return 1
	}
	NR == 1 { next }
	{
		csv_split($0, f)
		key = f[1] "|" f[3] "|" f[2]
		t = short_target(f[6]); d = short_data(f[7])
		cell = t (d != "" ? " / " d : "")
		r = rank(t, d)
		trials[key]++
		if (!(key in worst) || r > worst_rank[key]) { worst[key] = cell; worst_rank[key] = r; n_worst[key] = 0 }
		if (cell == worst[key]) n_worst[key]++
	}
	END {
		for (k in worst)
			print k "|" worst[k] "|" n_worst[k] "|" trials[k] "|" worst_rank[k]
	}' "$raw" | sort
}

# explained FAULT HOW TECH CELL_TARGET: the reason a non-ok outcome is a property, if listed
explained()
{
	local f t h outcome why
	while IFS='|' read -r f t h outcome why; do
		[[ $f == \#* || -z $f ]] && continue
		# shellcheck disable=SC2053
		[[ $1 == $f && $3 == $t && $2 == $h ]] || continue
		echo "$why"
		return 0
	done <"$here/faults_explained.txt"
	return 1
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
			c=$(awk -F'|' -v k="$r|$t" '$1 "|" $2 "|" $3 == k { print $4 ($5 < $6 ? " (" $5 "/" $6 ")" : "") }' "$dir/cells.tmp")
			printf ',%s' "${c:--}"
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
			if [ "$rk" -ge 3 ] || { [ "$rk" -ge 2 ] && [[ $cell != "ok / lost (SIGKILL)" ]]; }; then
				if why=$(explained "$f" "$h" "$t"); then
					i=0 found=0
					for n in "${notes[@]}"; do i=$((i + 1)); [ "$n" = "$why" ] && found=$i; done
					[ "$found" = 0 ] && notes+=("$why") && found=${#notes[@]}
					mark=" [$found]"
				else
					mark=' **!**'
					failures=$((failures + 1))
				fi
			fi
			printf ' %s%s%s |' "$cell" "$( [ "$nw" -lt "$nt" ] && echo " ($nw/$nt)")" "$mark"
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
