#!/usr/bin/env bash
# fuzz/seeds.sh - remakes the real inputs of fuzz/corpus/ by running the tools on the workload
#
# Usage: fuzz/seeds.sh [OUT]   (OUT: a build of make all, build/ by default; as root, for tb-usdt)
#
# Writes fuzz/corpus/TARGET/real-* (the hand-made inputs, edge-*, and the regression inputs,
# crash-*, are committed as they are and left alone). Recordings are made small on purpose:
# a fuzzer mutates short inputs faster.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
out=$(cd "${1:-$repo/build}" && pwd)
tmp=$(mktemp -d /tmp/tb-fuzz-seeds.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
corpus=$here/corpus
W=$out/workload

mkdir -p "$corpus"/{json,truth,maps,proc,elf,spec,vmreadv_raw,signal_samples} \
	"$corpus"/{tracefunc_recording,stack_reader}

# seed TARGET NAME FILE: FILE as the real input NAME of TARGET
seed() { install -m 644 "$3" "$corpus/$1/real-$2"; }

# truth files: a request run, a calibrated one (-c), a probe loop
"$W" -q -r 20 -t 2 -o "$tmp/truth.json"
"$W" -q -r 20 -c -o "$tmp/truth-c.json"
"$W" -q -L 1000 -o "$tmp/truth-loop.json"
for f in truth truth-c truth-loop; do
	seed truth "$f.json" "$tmp/$f.json"
done
seed json truth.json "$tmp/truth.json"

# result files, one per tool that has one without root; tb-usdt's with it
"$out/tb-vmreadv" -d 0.3 -F 50 --raw "$tmp/raw" -o "$tmp/vmreadv.json" -- "$W" -q -d 1 -t 2 \
	>/dev/null
seed json vmreadv-result.json "$tmp/vmreadv.json"
seed vmreadv_raw recording "$tmp/raw"
"$out/tb-ptrace" syscall -o "$tmp/ptrace.json" -- "$W" -q -r 5 >/dev/null
seed json ptrace-result.json "$tmp/ptrace.json"
"$out/tb-signal" record -F 200 -o "$tmp/signal.json" -- "$W" -q -r 300 >/dev/null
seed json signal-result.json "$tmp/signal.json"
"$out/tb-tracefunc" -m log -b 4 -D "$tmp/tf" -o "$tmp/tracefunc.json" -- \
	"$out/workload-finstrument" -q -r 2 >/dev/null
seed json tracefunc-result.json "$tmp/tracefunc.json"
if [ "$(id -u)" = 0 ]; then
	"$out/tb-usdt" -q -o "$tmp/usdt.json" tracebench:method_entry -- "$out/workload-usdt" -q -r 5 \
		>/dev/null
	seed json usdt-result.json "$tmp/usdt.json"
fi

# tb-tracefunc's recording, packed (fuzz/tracefunc_recording.c): the log mode's, a count's
cc -DTB_FUZZ_PACK -I"$repo/workload" -I"$repo/techniques/common" -I"$repo/techniques/tracefunc" \
	"$here/tracefunc_recording.c" -o "$tmp/pack-tracefunc"
# pack RECORDING INPUT: the first image of a recording and its first thread, packed
pack()
{
	local images threads
	images=("$1"/[1-9]*)
	threads=("${images[0]}"/thread.*)
	"$tmp/pack-tracefunc" "${images[0]}" "${threads[0]##*/thread.}" >"$2"
}
pack "$tmp/tf" "$corpus/tracefunc_recording/real-log"
"$out/tb-tracefunc" -m count -D "$tmp/tfc" -- "$out/workload-finstrument" -q -r 2 >/dev/null
pack "$tmp/tfc" "$corpus/tracefunc_recording/real-count"

# tb-signal's sample file, written by the library itself (tb-signal removes its own)
: >"$tmp/samples"
chmod 600 "$tmp/samples"
LD_PRELOAD=$out/libtb-signal.so TB_SIGNAL_OUT=$tmp/samples TB_SIGNAL_RATE=100 \
	"$W" -q -d 0.3 -t 2
seed signal_samples file "$tmp/samples"

# /proc files of a running workload
"$W" -q -d 5 -t 2 &
wpid=$!
sleep 0.3
seed maps workload "/proc/$wpid/maps"
seed proc status "/proc/$wpid/status"
seed proc stat "/proc/$wpid/stat"
kill "$wpid"
wait "$wpid" 2>/dev/null || true

# ELF files with USDT notes: a program (symbols kept), a library (stripped)
seed elf sdt-app "$out/tests/sdt-app"
strip -o "$tmp/libtbsdt.so" "$out/tests/libtbsdt.so"
seed elf libtbsdt.so "$tmp/libtbsdt.so"

# the workload's in-memory stacks, made up by fuzz/stack_reader.c's packer
cc -DTB_FUZZ_PACK -I"$repo/workload" -I"$repo/techniques/common" "$here/stack_reader.c" \
	-o "$tmp/pack-stack"
"$tmp/pack-stack" >"$corpus/stack_reader/real-workload"
"$tmp/pack-stack" truncated >"$corpus/stack_reader/real-truncated"

du -sh "$corpus"
