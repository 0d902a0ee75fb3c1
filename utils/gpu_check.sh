#!/usr/bin/env bash
# Runs the GPU golden suites and the GPU benchmark from prebuilt programs, on
# a machine with an NVIDIA GPU, its driver and Python with PyTorch and
# transformers (the benchmark's baseline); no LLVM or CUDA toolkit needed.
#
#   bash utils/gpu_check.sh [--budget SECONDS] [LOGDIR [all|suites|bench|sweep]]
#
# all (the default) runs, in this order, the golden suites of the defaults
# (f32, f16, bf16), the benchmark (the default programs at batch 32 and 1,
# then every variant built at batch 32, then at batch 1) and the golden
# suites of the variants; suites only the suites; bench the benchmark's
# default programs only; sweep the benchmark with the variants. The whole
# run stays inside --budget (540 s by default, for the device tool's
# 10-minute call): each step's time limit is cut to what is left, the
# benchmark starts no program past its deadline (it keeps a minute for the
# variant suites after it, which get whatever it leaves) and still prints
# its tables, and a step with no time left is reported as not run. Each
# figure is printed as it is measured ("measured:" lines), so even a step
# that is stopped leaves what it timed.
#
# Build the programs first, on a machine with bertc and the CUDA toolkit:
#   bash utils/gpu_check.sh --build [--variants]
# which makes build/gpu-suite (f32), build/gpu-suite-f16, build/gpu-suite-bf16
# and build/gpu-bench (8 minutes on 2 cores); with --variants also the
# kernel options not yet timed (VARIANTS below, as bench_gpu.py --tiles
# programs, timed in this order), an f16 suite with cp.async
# (build/gpu-suite-f16-async3), an f32 suite that splits k wherever it can
# (build/gpu-suite-split) and an f16 one with session 23's options
# (build/gpu-suite-f16-s23), and checks that no benchmark program would
# fault (bench_gpu.py emulate; a fault stops the build before anything is
# packed): 39 minutes on 2 cores one compile at a time, about 25 expected
# with one per core. It packs them into one build/gpu-carry.tar.xz:
# xz's 64 MiB window finds what the programs share (the runtime, the host
# code), which gzip's 32 KiB did not (the default build: 2.7 MB, 26 MB by
# gzip; with --variants 30 MB), so one device call carries everything. This
# script unpacks what was carried (with Python's tarfile: no xz needed
# there) when its folders are not there yet.
# Exit status 0 when every step passed and none was left out, 1 when a step
# failed, 3 when the budget left one out (or cut the benchmark short), 2 for
# a bad command line.
set -uo pipefail
cd "$(dirname "$0")/.."
case ${1:-} in
  -h|--help) # the comment above
    sed -n '2,/^# a bad command line/s/^# \{0,1\}//p' "$0"
    exit 0 ;;
  -*) [ "$1" = --build ] || [ "$1" = --budget ] || {
        echo "gpu_check.sh: unknown option $1 (--help says what it takes)" >&2
        exit 2; } ;;
esac

# The kernel options not yet timed, as bench_gpu.py --tiles variants; each
# builds the dtype it names (f32 around f32's default tile 64x128x16, f16
# around the tensor cores' 128x128x32). The benchmark times them in this
# order, so what would most likely move #6's target (f16, batch 32) comes
# first and a run cut short by its budget loses the least.
#
# Session 23: left alone, ptxas holds the products near 64 registers and
# issues the prefetch's loads right before the stores that need them
# (kernel_stats.py --sass: pf.cover 0); with .minnctapersm 1 they go before
# the block's products (pf.cover 13 to 31). With cp.async (session 13,
# stages in dynamic shared memory past 48 KiB), and all of session 23
# together (split k by waves, a warp per row up to 1024 elements; a golden
# suite of the cp.async one: build/gpu-suite-f16-s23).
VARIANTS=f16:128x128x32-minblocks1,f16:128x128x32-async3-minblocks1
# Session 26: attention as one kernel (Q.K^T, mask, softmax, P.V; session
# 12's ncu had its three kernels at 0.24 ms a layer, a quarter of the
# target's whole layer: PyTorch's 10.78 ms / 12), alone and with the
# likeliest product options, and its kernel table.
VARIANTS+=,f16:128x128x32-fuseattn,f16:128x128x32-async3-minblocks1-fuseattn
VARIANTS+=,f16:128x128x32-fuseattn-profile
VARIANTS+=,f16:128x128x32-waves-async3-minblocks1-warprows1024
VARIANTS+=,f16:128x128x32-waves-minblocks1-warprows1024
VARIANTS+=,f16:128x128x32-async3,f16:128x128x32-async2,f16:128x128x32-async4
# 4 warps of 64 x 64 (244 registers, no spill; 2 blocks per SM): half the
# ldmatrix loads per mma of the 32 x 32 warps. k blocks of 64: half the
# barriers per product (session 15).
VARIANTS+=,f16:128x128x32-warp64x64,f16:128x128x32-async3-warp64x64
VARIANTS+=,f16:128x128x64-async3-warp64x64,f16:128x128x64
VARIANTS+=,f16:128x128x64-async3,f16:128x128x64-minblocks1
# The kernel tables of three of them at batch 32 (--profile; not timed), to
# compare with the defaults' table product by product: an option may help
# some kernels and not others (one block per SM costs the FFN's second
# product, at 63 registers, its second block).
VARIANTS+=,f16:128x128x32-minblocks1-profile
VARIANTS+=,f16:128x128x32-async3-minblocks1-profile
VARIANTS+=,f16:128x128x32-async3-warp64x64-profile
# Session 23 one at a time: split k by waves (at batch 32 the output
# projection and the FFN's second product, 192 blocks on 132 SMs, split in
# two); a warp per row (softmax at seq 128: 4 elements a lane, no barrier;
# up to 256: layer norm's 768 still a block's).
VARIANTS+=,f16:128x128x32-waves,f16:128x128x32-waves-minblocks1
VARIANTS+=,f16:128x128x32-warprows1024
VARIANTS+=,f16:128x128x32-warprows256
# Session 18: two blocks per SM (64 registers, a few spills); session 13:
# the 64 x 32 warp tile.
VARIANTS+=,f16:128x128x32-minblocks2,f16:128x128x32-async3-minblocks2
VARIANTS+=,f16:128x128x32-warp64x32,f16:128x128x32-async3-warp64x32
# What the defaults turned on, each turned off to check that it helps:
# 16-byte loads (session 13), f16 operands between kernels (14), query, key
# and value as one product (16), tiles fitted to static sizes (19), the
# host-chosen aligned kernel (20), split k for small grids (21); and double
# buffering, the tiles for small batches (sessions 13, 14).
VARIANTS+=,f16:128x128x32-nowide,f16:128x128x32-wideops,f16:128x128x32-nofuse
VARIANTS+=,f16:128x128x32-nofit,f16:128x128x32-nospec
VARIANTS+=,f16:128x128x32-nospec-async3,f16:128x128x32-nosplit
VARIANTS+=,f16:128x128x32-nosplit-async3,f16:128x128x32-double
VARIANTS+=,f16:64x128x32-async3,f16:128x128x32-small64x128x32
# f32, in the same order.
VARIANTS+=,f32:64x128x16-minblocks1,f32:64x128x16-waves-minblocks1-warprows1024
VARIANTS+=,f32:64x128x16-waves,f32:64x128x16-warprows1024
VARIANTS+=,f32:64x128x16-minblocks2,f32:64x128x16-nowide,f32:64x128x16-nofuse
VARIANTS+=,f32:64x128x16-nofit,f32:64x128x16-nospec,f32:64x128x16-nosplit
VARIANTS+=,f32:64x128x16-double,f32:64x128x16-small32x64x16

if [ "${1:-}" = "--build" ]; then
  set -e
  # Nothing of an earlier build stays to be carried (or timed) by mistake.
  rm -rf build/gpu-suite build/gpu-suite-* build/gpu-bench build/gpu-emulated
  # One compile per core (bertc compile is single-threaded).
  jobs=$(nproc)
  python3 utils/gpu_suite.py build --jobs "$jobs" --out build/gpu-suite
  python3 utils/gpu_suite.py build --jobs "$jobs" --dtype f16 --out build/gpu-suite-f16
  python3 utils/gpu_suite.py build --jobs "$jobs" --dtype bf16 --out build/gpu-suite-bf16
  if [ "${2:-}" = "--variants" ]; then
    python3 utils/gpu_suite.py build --jobs "$jobs" --dtype f16 --out build/gpu-suite-f16-async3 \
      --compile-flag=--gpu-async-stages=3
    # Split k wherever the golden models' k allows (the default needs 8
    # k blocks, more than most tiny models have).
    python3 utils/gpu_suite.py build --jobs "$jobs" --out build/gpu-suite-split \
      --compile-flag=--gpu-split-k-min=1
    python3 utils/gpu_suite.py build --jobs "$jobs" --dtype f16 --out build/gpu-suite-f16-s23 \
      --compile-flag=--gpu-async-stages=3 --compile-flag=--gpu-split-k-waves \
      --compile-flag=--gpu-min-blocks-per-sm=1 \
      --compile-flag=--gpu-warp-rows-up-to=1024
    python3 utils/bench_gpu.py build --out build/gpu-bench --tiles "$VARIANTS"
    # Before carrying: no program would fault (emulated, accesses checked,
    # BERT-base's shapes at one layer; about 6 minutes on 2 cores).
    python3 utils/bench_gpu.py emulate --out build/gpu-emulated --layers 1 \
      --tiles "$VARIANTS"
  else
    python3 utils/bench_gpu.py build --out build/gpu-bench
  fi
  # Only the folders this build made (an older variant suite would be stale).
  folders=(gpu-suite gpu-suite-f16 gpu-suite-bf16)
  [ "${2:-}" = "--variants" ] &&
    folders+=(gpu-suite-f16-async3 gpu-suite-split gpu-suite-f16-s23)
  folders+=(gpu-bench)
  # The packs of sessions 12 to 24 (gzip), which the GPU side would unpack too.
  rm -f build/gpu-carry.tar.gz build/gpu-carry-suites.tar.gz \
    build/gpu-carry-bench.tar.gz
  tarball=build/gpu-carry.tar.xz
  # Python's lzma at preset 9 (a 64 MiB window): no xz needed on either side.
  python3 - "$tarball" "${folders[@]}" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w:xz", preset=9) as t:
    for folder in sys.argv[2:]:
        t.add("build/" + folder, arcname=folder)
PY
  size=$(stat -c %s "$tarball")
  echo "$tarball: $((size / 1024 / 1024)) MiB (${folders[*]})"
  [ "$size" -gt $((56 * 1024 * 1024)) ] &&
    echo "warning: over 56 MiB; a device call carries 64 MiB with the working tree"
  exit 0
fi

# On the GPU machine, from what was carried.
budget=540
if [ "${1:-}" = "--budget" ]; then
  budget=${2:-}
  shift 2 || true
fi
case $budget in
  ''|*[!0-9]*) echo "gpu_check.sh: --budget takes whole seconds, not '$budget'" >&2
               exit 2 ;;
esac
log=${1:-}
part=${2:-all}
case $part in
  all|suites|bench|sweep) ;;
  *) echo "gpu_check.sh: part must be all, suites, bench or sweep, not $part" >&2
     exit 2 ;;
esac
for tarball in build/gpu-carry*.tar.*; do
  [ -f "$tarball" ] || continue
  python3 - "$tarball" <<'PY' || exit 1
import os, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    names = t.getnames()
    tops = {n.split("/")[0] for n in names}
    if not all(os.path.isdir(os.path.join("build", d)) for d in tops):
        # "data": no links out of build/ or absolute paths (Python >= 3.12).
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        t.extractall("build", **safe)
        print("unpacked %s: %s" % (sys.argv[1], " ".join(sorted(tops))))
PY
done
[ -n "$log" ] && mkdir -p "$log"
export PYTHONUNBUFFERED=1
failed=()
skipped=()
SECONDS=0

# step NAME SECONDS COMMAND...: runs COMMAND under the smaller of SECONDS
# and what is left of the budget, its output to stdout and LOGDIR. Exit
# status 3 from COMMAND means its own deadline cut it short (bench_gpu.py
# run --deadline).
step() {
  local name=$1 seconds=$2
  shift 2
  local left=$((budget - SECONDS))
  [ "$seconds" -gt "$left" ] && seconds=$left
  if [ "$seconds" -lt 15 ]; then
    echo "=== $name: not run, too little of the ${budget}s budget is left"
    skipped+=("$name")
    return
  fi
  echo "=== $name ($(date +%T), ${seconds}s at most)"
  local out=/dev/null
  [ -n "$log" ] && out="$log/$name.log"
  timeout "$seconds" "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 124 ] && echo "$name: timed out after ${seconds}s"
  if [ "$rc" -eq 3 ]; then
    skipped+=("$name (in part)")
  elif [ "$rc" -ne 0 ]; then
    failed+=("$name")
  fi
  echo "=== $name: exit $rc"
}

command -v nvidia-smi >/dev/null && nvidia-smi -L
suite() {
  [ -f "build/$1/manifest.json" ] &&
    step "$1" 150 python3 utils/gpu_suite.py run --dir "build/$1" --jobs 8 --timeout 60
}
# 8 tests at a time: the programs are small, most of their time is starting
# the driver. The defaults' suites first, then the benchmark, then any
# variant built with gpu_suite.py --compile-flag into build/gpu-suite-*.
if [ "$part" = all ] || [ "$part" = suites ]; then
  for s in gpu-suite gpu-suite-f16 gpu-suite-bf16; do suite $s; done
fi
if [ -d build/gpu-bench ]; then
  # A minute for the variant suites after it; the tables take seconds.
  reserve=0
  [ "$part" = all ] && reserve=60
  deadline=$((budget - SECONDS - reserve - 20))
  [ "$deadline" -lt 0 ] && deadline=0
  case $part in
    all|sweep)
      step gpu-bench $((budget - SECONDS - reserve)) \
        python3 utils/bench_gpu.py run --dir build/gpu-bench --runs 30 \
          --deadline "$deadline" ;;
    bench)
      step gpu-bench $((budget - SECONDS)) \
        python3 utils/bench_gpu.py run --dir build/gpu-bench --runs 30 \
          --no-variants --deadline "$deadline" ;;
  esac
fi
if [ "$part" = all ] || [ "$part" = suites ]; then
  for manifest in build/gpu-suite-*/manifest.json; do
    [ -f "$manifest" ] || continue
    s=$(basename "$(dirname "$manifest")")
    case $s in gpu-suite-f16|gpu-suite-bf16) ;; *) suite "$s" ;; esac
  done
fi

echo "gpu check: ${SECONDS}s of a ${budget}s budget"
status=0
if [ ${#skipped[@]} -ne 0 ]; then
  echo "gpu check: not run or cut short by the budget: ${skipped[*]}"
  status=3
fi
if [ ${#failed[@]} -ne 0 ]; then
  echo "gpu check: failed: ${failed[*]}"
  exit 1
fi
[ $status -eq 0 ] && echo "gpu check: all passed"
exit $status
