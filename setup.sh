#!/usr/bin/env bash
# setup.sh - installs the Debian packages tracebench needs, or prints the command when not root
#
# make test and make bench run this first. It only asks apt for what is missing,
# so a machine that has everything pays one dpkg-query per package.
set -euo pipefail

# compiler and make; prove; BPF programs; libbpf; ELF; unwinding; sys/sdt.h; timing; plots;
# setpriv, unshare and readelf for the tests; bpftrace, the peer measured beside tb-usdt;
# strace, the reference for tb-ptrace's system call counts;
# gdb and strace, the peers make bench measures beside tb-ptrace;
# uftrace, the peer tb-tracefunc's counts and costs are checked against;
# linux-perf (perf record, the peer of tb-signal and tb-vmreadv) and ltrace (the peer of
# tb-ptrace break), measured in make bench's peers section; cppcheck, the static analysis
# make cppcheck (and tests/cppcheck.t) runs; libclang-rt-dev, clang's runtimes with libFuzzer,
# which make fuzz (and tests/fuzz.t) links (clang only recommends it)
PACKAGES=(
	build-essential perl
	clang llvm libbpf-dev bpftool
	libelf-dev zlib1g-dev libunwind-dev
	systemtap-sdt-dev
	hyperfine gnuplot-nox
	util-linux binutils
	bpftrace
	strace
	gdb
	uftrace
	linux-perf
	ltrace
	cppcheck
	libclang-rt-dev
)

if ! command -v dpkg-query >/dev/null; then
	echo "setup.sh: not a Debian system: install the equivalents of: ${PACKAGES[*]}" >&2
	exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: missing Debian packages: ${missing[*]}" >&2
	echo "setup.sh: as root, run: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
echo "setup.sh: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
