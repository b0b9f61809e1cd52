#!/usr/bin/env bash
# bench_bundle.t - make bundle's tarball: unpacked, its run-bench TINY=1 runs where no compiler, no
# build tree, no libbpf/libunwind/libelf and only the commands its README lists are reachable
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench_lib.sh"

# TB_BUNDLE_TARBALL=FILE tests that tarball instead of making one (make bundle); TB_BUNDLE_SECTIONS
# runs some sections only (default: every one, as ./run-bench TINY=1 does); TB_BUNDLE_KEEP=DIR keeps
# the results folder and run-bench's stderr there.
not_for_sanitizers "bench_bundle.t" && { done_testing; exit; }
[ "$(id -u)" = 0 ] || skip_all "not root: hiding the build tools needs a mount namespace (unshare -m)"
command -v unshare >/dev/null || skip_all "unshare (util-linux) is not installed"

# ---- the tarball -----------------------------------------------------------------------------

TARBALL=${TB_BUNDLE_TARBALL:-}
if [ -z "$TARBALL" ]; then
	(cd "$REPO" && make --no-print-directory -s bundle OUT="$OUT") >"$TEST_TMP/make.log" 2>&1
	status=$?
	ok "$status" "make bundle builds the tarball"
	[ "$status" = 0 ] || sed 's/^/#   /' "$TEST_TMP/make.log" | tail -n 20
	TARBALL=$OUT-bundle/tracebench-bundle.tar.gz
	[[ $TARBALL == /* ]] || TARBALL=$REPO/$TARBALL
fi
[ -s "$TARBALL" ] || { ok 1 "a tarball at $TARBALL"; done_testing; exit 1; }
TARBALL=$(realpath "$TARBALL")
top=$(tar tzf "$TARBALL" | cut -d/ -f1 | sort -u)
is "$(wc -l <<<"$top")" 1 "the tarball unpacks into one folder ($top)"
mkdir "$TEST_TMP/u"
tar -C "$TEST_TMP/u" -xzf "$TARBALL"
U=$TEST_TMP/u/$top
for f in run-bench README.md VERSION results/README.md harness/bench.sh harness/plot.sh \
	harness/stats.awk harness/csv.awk harness/plot_style.gp bin/tb-usdt bin/workload bin/lib/libunwind.so.8 \
	bin/tests/json_get; do
	[ -s "$U/$f" ]
	ok $? "the bundle has $f"
done
[ -x "$U/run-bench" ]
ok $? "run-bench is executable"
grep -qE '^glibc_needed=[0-9]+\.[0-9]+' "$U/VERSION"
ok $? "VERSION names the glibc the bundle needs ($(sed -n 's/^glibc_needed=\([0-9.]*\).*/\1/p' "$U/VERSION"))"

# The programs static, the workload and the preloaded libraries dynamic (the loader says so)
for f in tb-usdt tb-ptrace tb-vmreadv tb-signal tb-tracefunc call_floor ptrace_floor vmreadv_floor \
	signal_floor tracefunc_floor tests/json_get tests/uprobe_count; do
	ldd "$U/bin/$f" 2>&1 | grep -q 'not a dynamic executable'
	ok $? "bin/$f is statically linked"
done
ldd "$U/bin/workload" | grep -q libc.so.6
ok $? "bin/workload is linked against glibc (LD_PRELOAD needs a dynamic program)"

# ---- the run, in a mount namespace without the build machine -----------------------------------

# The commands the bundle's README says the host needs: these packages' programs, nothing else
# (no compiler, make, binutils, git, dpkg, bpftool, peer, hyperfine or gnuplot).
PACKAGES="bash dash coreutils util-linux procps findutils grep sed mawk gzip hostname"
mkdir "$TEST_TMP/bin" "$TEST_TMP/none"
: >"$TEST_TMP/hidden"
# shellcheck disable=SC2086 # PACKAGES: one name a word
for p in $(dpkg-query -L $PACKAGES 2>/dev/null | grep -E '^(/usr)?/s?bin/[^/]+$' | sort -u); do
	[ -f "$p" ] && cp -L "$p" "$TEST_TMP/bin/" 2>/dev/null
done
cp -L "$(command -v mawk)" "$TEST_TMP/bin/awk"
cp -L "$(command -v dash)" "$TEST_TMP/bin/sh"
[ -x "$TEST_TMP/bin/taskset" ] && [ -x "$TEST_TMP/bin/bash" ] && [ -x "$TEST_TMP/bin/awk" ]
ok $? "a /usr/bin of $PACKAGES only ($(find "$TEST_TMP/bin" -type f | wc -l) programs)"

cat >"$TEST_TMP/inner.sh" <<'EOF'
# inner.sh BUNDLE REPO T: hides the build machine in this mount namespace, checks it is hidden
# (one "STATUS NAME" line each in T/checks), runs BUNDLE/run-bench TINY=1 (status in T/rc)
U=$1 REPO=$2 T=$3
check() { local name=$1; shift; "$@" >/dev/null 2>&1; echo "$? $name" >>"$T/checks"; }
mount -t tmpfs none /usr/lib/gcc
for d in /usr/lib/llvm-* /usr/include /usr/local/bin /usr/local/sbin; do
	[ -d "$d" ] && mount -t tmpfs none "$d"
done
# The libraries the tools were linked against here: an empty file in their place (not zlib and
# liblzma, which the host's own programs need: procps through libsystemd)
for lib in /usr/lib/x86_64-linux-gnu/{libbpf.so,libunwind*.so,libelf*.so}*; do
	[ -f "$lib" ] && [ ! -L "$lib" ] && mount --bind "$T/hidden" "$lib"
done
# The checkout and its neighbours (build/, other worktrees): its parent folder, unless that
# holds this test's own (a checkout in /tmp, as CI's): then the checkout itself
hide=$(dirname "$REPO")
case $T/ in "$hide"/*) hide=$REPO ;; esac
mount -t tmpfs none "$hide"
mount --bind "$T/bin" /usr/sbin
mount --bind "$T/bin" /usr/bin
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for c in cc gcc clang make ld as bpftool git dpkg-query hyperfine gnuplot; do
	check "no $c here" eval "! command -v $c"
done
check "gcc cannot run (/usr/bin/gcc-12 gone)" eval "! /usr/bin/gcc-12 --version"
check "clang cannot run (/usr/lib/llvm-*/bin/clang gone)" eval "! ls /usr/lib/llvm-*/bin/clang"
check "no compiler runtime (/usr/lib/gcc empty)" eval "[ -z \"\$(ls -A /usr/lib/gcc)\" ]"
check "no headers (/usr/include empty)" eval "[ ! -e /usr/include/stdio.h ]"
check "no libbpf here (libbpf.so.1 empty)" eval "[ ! -s /usr/lib/x86_64-linux-gnu/libbpf.so.1 ]"
check "no libunwind here (libunwind.so.8 empty)" eval "[ ! -s /usr/lib/x86_64-linux-gnu/libunwind.so.8 ]"
check "no checkout here ($REPO/Makefile gone)" eval "[ ! -e $REPO/Makefile ]"
unset OUT RESULTS_DIR SECTIONS FULL
[ -z "${TB_BUNDLE_SECTIONS:-}" ] || export SECTIONS=$TB_BUNDLE_SECTIONS
cd "$U" && ./run-bench TINY=1 >"$T/run.out" 2>"$T/run.err"
echo $? >"$T/rc"
EOF
t0=$(date +%s)
unshare -m --propagation private bash "$TEST_TMP/inner.sh" "$U" "$REPO" "$TEST_TMP" 2>"$TEST_TMP/inner.err"
ok $? "the namespace was set up $(tr '\n' ' ' <"$TEST_TMP/inner.err")"
while read -r status name; do
	ok "$status" "in the namespace: $name"
done <"$TEST_TMP/checks"
rc=$(cat "$TEST_TMP/rc" 2>/dev/null)
is "$rc" 0 "./run-bench TINY=1 exits 0 there ($(($(date +%s) - t0)) s)"
[ "$rc" = 0 ] || tr '\r' '\n' <"$TEST_TMP/run.err" | tail -n 20 | sed 's/^/#   /'

# ---- what it wrote ---------------------------------------------------------------------------

D=$(dirname "$(find "$U/results" -mindepth 3 -maxdepth 3 -name env.txt | head -n 1)")
[ -f "$D/env.txt" ]
ok $? "the results folder is results/HOST/STAMP in the bundle (${D#"$U/"})"
if [ -n "${TB_BUNDLE_KEEP:-}" ]; then
	mkdir -p "$TB_BUNDLE_KEEP" && cp -r "$D" "$TEST_TMP/run.err" "$TEST_TMP/run.out" "$TB_BUNDLE_KEEP/"
	diag "kept in $TB_BUNDLE_KEEP: the results folder, run.err, run.out"
fi
grep -q "make plot DIR=results/" "$TEST_TMP/run.err"
ok $? "run-bench says how to bring the folder back and plot it"
for key in gcc clang libbpf bpftool libunwind git; do
	is "$(grep "^$key=" "$D/env.txt")" "$(grep "^$key=" "$U/VERSION")" "env.txt: $key from the bundle's VERSION"
done
grep -q '^bundle=tracebench-bundle-' "$D/env.txt"
ok $? "env.txt names the bundle"
grep -q '^hyperfine=none' "$D/env.txt"
ok $? "env.txt: hyperfine=none (not installed there)"
[ -s "$D/REPORT.md" ] && grep -q 'gnuplot is missing' "$D/REPORT.md"
ok $? "REPORT.md written, saying gnuplot is missing and how to plot later"
# shellcheck disable=SC2016 # backquotes of markdown
grep -q 'Command: `.*\./run-bench TINY=1`' "$D/REPORT.md"
ok $? "REPORT.md names the command: ./run-bench TINY=1"
csvs=$(find "$D" -name '*.csv' | sort)
[ -n "$csvs" ]
ok $? "CSVs written ($(wc -l <<<"$csvs"))"
for f in $csvs; do
	[ "$(wc -l <"$f")" -ge 2 ] || echo "$f"
done >"$TEST_TMP/empty_csvs"
is "$(cat "$TEST_TMP/empty_csvs")" "" "every CSV has a header and rows"
# Every row ok or skipped with a reason (a missing peer, hyperfine); nothing failed
is "$(for f in "$D"/*_summary.csv "$D/cost_per_event.csv"; do
	[ -f "$f" ] || continue
	csv_rows "$f" '("status" in COL) && get("status") != "ok" && get("status") !~ /^skipped: ./ &&
		get("status") !~ /contended/' '"'"$(basename "$f")"': " get("status")'
done | head -n 5)" "" "every summary row ok or skipped with a reason"
# (as in bench_tiny.t: "contended" is the harness noticing another process on the CPU, not the
# bundle's failing: such rows are reported only, whatever each section's wording)
contended=$(cat "$D"/*_summary.csv | grep -c 'contended' || true)
[ "$contended" = 0 ] || diag "$contended summary rows left out runs as contended (another process had the CPU)"
is "$(contended_excess "$D")" "" "no summary has more than half its rows contended"
# What the hidden libraries would have broken: tb-usdt (libbpf, libelf, zlib), tb-signal's library
# (libunwind), tb-tracefunc's (libelf) measured, not skipped
for want in "hit_summary.csv|tb-usdt" "signal_summary.csv|tb-signal" "tracefunc_summary.csv|tb-tracefunc"; do
	f=$D/${want%%|*}
	[ -f "$f" ] || { skip "${want%%|*} not written (TB_BUNDLE_SECTIONS)" "${want#*|} measured"; continue; }
	# shellcheck disable=SC2016 # $0 is awk's
	n=$(csv_rows "$f" '$0 ~ /'"${want#*|}"'/ && get("status") == "ok"' 1 | wc -l)
	[ "$n" -gt 0 ]
	ok $? "${want#*|} measured there: $n ok rows in ${want%%|*}"
done
skipped=$(for f in "$D"/*.csv; do
	csv_rows "$f" '("status" in COL) && get("status") ~ /^skipped/' 'get("status")'
done | sort | uniq -c | sort -rn | head -n 5)
[ -z "$skipped" ] || diag "skipped there (expected: no peers, no hyperfine): $(tr -s ' \n' ' ' <<<"$skipped")"

# Back outside: the plots drawn from the folder by a checkout's plot.sh
if command -v gnuplot >/dev/null; then
	"$REPO/harness/plot.sh" "$D" >"$TEST_TMP/plot.log" 2>&1
	status=$?
	ok "$status" "harness/plot.sh draws the folder's plots back here"
	[ "$status" = 0 ] || sed 's/^/#   /' "$TEST_TMP/plot.log" | tail -n 5
	if [ -z "${TB_BUNDLE_SECTIONS:-}" ]; then
		[ -n "$(find "$D" -name '*.svg')" ]
		ok $? "SVG plots written ($(find "$D" -name '*.svg' | wc -l))"
	fi
else
	skip "gnuplot is not installed here" "harness/plot.sh draws the folder's plots"
fi
done_testing
