#!/usr/bin/env bash
# bundle.sh - make bundle: packs what make bench runs into one tarball for a host with no compiler
#
# harness/bundle.sh OUT FILE...: OUT is the bundle's build (make bundle builds it with STATIC=1 in
# build-bundle/), FILE... the files of OUT that make bench runs (tests/json_get, lib/libz.so.1 ...).
# Stages OUT/stage/tracebench-bundle-HASH/ (bin/ = those files in OUT's layout, harness/, results/
# README.md, README.md, VERSION, run-bench), checks what every shipped ELF file links against
# (the programs static, the workload variants and preloaded libraries dynamic against glibc and
# the bundle's own bin/lib/ only), and packs OUT/tracebench-bundle-HASH.tar.gz, with
# OUT/tracebench-bundle.tar.gz a link to the newest. Run from the repository's top directory.
# Environment: CC, BPF_CLANG, BPFTOOL (the Makefile's, for VERSION).
set -euo pipefail

# die MESSAGE: prints bundle: MESSAGE on stderr and stops
die() { echo "bundle: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: harness/bundle.sh OUT FILE... (make bundle runs it)"
[ -f harness/bench.sh ] || die "run from the repository's top directory (make bundle does)"
OUT=$(cd "$1" && pwd)
shift
CC=${CC:-cc}
for cmd in file readelf objdump ldd tar gzip; do
	command -v "$cmd" >/dev/null || die "$cmd is missing: install it (binutils, file, libc-bin, tar, gzip)"
done

HASH=$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
[ "$HASH" = nogit ] || [ -z "$(git status --porcelain --untracked-files=normal 2>/dev/null)" ] ||
	HASH+=-dirty
BUNDLE=tracebench-bundle-$HASH
STAGE=$OUT/stage/$BUNDLE
rm -rf "$OUT/stage"
mkdir -p "$STAGE/bin" "$STAGE/harness" "$STAGE/results"

for f in "$@"; do
	[ -f "$OUT/$f" ] || die "$OUT/$f is missing: make bundle builds it (make bundle-programs STATIC=1 OUT=$OUT)"
	mkdir -p "$STAGE/bin/$(dirname "$f")"
	cp -p "$OUT/$f" "$STAGE/bin/$f"
done
# The harness as make bench runs it (not the C sources of its floors, built into bin/).
cp -p harness/bench.sh harness/bench_*.sh harness/plot.sh harness/plot_*.sh harness/*.awk \
	harness/*.gp "$STAGE/harness/"
cp -p harness/bundle_run.sh "$STAGE/run-bench"
cp -p harness/bundle_README.md "$STAGE/README.md"
cp -p results/README.md "$STAGE/results/README.md"

# ---- what every shipped ELF file needs -------------------------------------------------------

# glibc's own libraries: the one thing the target provides (with the kernel)
GLIBC_SONAMES=" libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 ld-linux-x86-64.so.2 "
linkage=()
glibc_needed=
while IFS= read -r path; do
	rel=${path#"$STAGE/bin/"}
	desc=$(file -b "$path")
	[[ $desc == ELF* ]] || continue
	if [[ $desc == *"statically linked"* ]]; then
		linkage+=("linkage.$rel=static")
		continue
	fi
	# Only the workload variants and shared objects may be dynamic: the first need it (the
	# signal sampler's library is preloaded into them), the second are loaded with LD_PRELOAD.
	case $rel in
	workload | workload-* | *.so | *.so.*) ;;
	*) die "$rel is dynamically linked ($desc): STATIC=1 should have linked it statically" ;;
	esac
	needs=$(readelf -d "$path" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
	for lib in $needs; do
		[[ $GLIBC_SONAMES == *" $lib "* ]] || [ -f "$STAGE/bin/lib/$lib" ] ||
			[ -f "$STAGE/bin/$lib" ] || die "$rel needs $lib, which is neither glibc's nor in the bundle"
	done
	# and the loader finds the bundle's copies, not this machine's (bin/lib/'s own dependencies
	# are in bin/lib/ too, loaded before them by the library that needs them: ldd cannot tell)
	if [[ $rel != lib/* ]] && ldd "$path" | sed 's|/\./|/|g' | grep -F '=>' | grep -v "=> $STAGE/bin/" |
		grep -vE '=> /(usr/)?lib(64)?/(x86_64-linux-gnu/)?(libc|libm|libdl|libpthread|librt)\.so' >&2; then
		die "$rel loads the libraries above from this machine, not from the bundle"
	fi
	v=$(objdump -T "$path" | { grep -o 'GLIBC_[0-9][0-9.]*' || true; } | sed 's/GLIBC_//' | sort -V | tail -n 1)
	glibc_needed=$(printf '%s\n' "$glibc_needed" "$v" | sed '/^$/d' | sort -V | tail -n 1)
	needs=${needs% }
	linkage+=("linkage.$rel=dynamic: ${needs:-no libraries}")
done < <(find "$STAGE/bin" -type f | sort)
[ -n "$glibc_needed" ] || die "found no dynamically linked workload: nothing to preload into"

# dpkg_version PACKAGE: its installed version, or unknown
dpkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }

{
	echo "bundle=$BUNDLE"
	echo "git=$HASH"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "build_host=$(hostname -s) ($(uname -sr); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"))"
	echo "gcc=$("$CC" -dumpfullversion 2>/dev/null || echo none)"
	echo "clang=$("${BPF_CLANG:-clang}" -dumpversion 2>/dev/null || echo none)"
	echo "libbpf=$(dpkg_version libbpf-dev) (static, in tb-usdt)"
	echo "bpftool=$("${BPFTOOL:-bpftool}" version 2>/dev/null |
		sed -n '1s/.* v\{0,1\}\([0-9][^ ]*\).*/\1/p' | grep . || echo none) (made tb-usdt's skeleton)"
	echo "libunwind=$(dpkg_version libunwind-dev) (static in tb-ptrace, bin/lib/libunwind.so.8 for libtb-signal.so)"
	echo "libelf=$(dpkg_version libelf-dev) (static, bin/lib/libelf.so.1 for libtb-tracefunc.so)"
	echo "glibc_built=$(dpkg_version libc6) (static in the programs)"
	echo "glibc_needed=$glibc_needed (at least, on the target: the workload variants and libraries)"
	printf '%s\n' "${linkage[@]}"
} >"$STAGE/VERSION"

tar -C "$OUT/stage" --owner=0 --group=0 -czf "$OUT/$BUNDLE.tar.gz" "$BUNDLE"
ln -sfn "$BUNDLE.tar.gz" "$OUT/tracebench-bundle.tar.gz"
rm -rf "$OUT/stage"
echo "bundle: $OUT/$BUNDLE.tar.gz ($(du -h "$OUT/$BUNDLE.tar.gz" | cut -f1); needs x86-64 Linux," \
	"glibc >= $glibc_needed, bash, coreutils, awk, util-linux, procps: its README.md)"
echo "bundle: copy it to the host, then: tar xzf $BUNDLE.tar.gz && cd $BUNDLE && sudo ./run-bench TINY=1"
