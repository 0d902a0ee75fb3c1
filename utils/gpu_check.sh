#!/usr/bin/env bash
# Runs the GPU golden suites and the GPU benchmark from prebuilt programs, on
# a machine with an NVIDIA GPU, its driver and Python with PyTorch and
# transformers (the benchmark's baseline); no LLVM or CUDA toolkit needed.
#
#   bash utils/gpu_check.sh [LOGDIR [all|suites|bench|sweep]]
#
# all (the default) runs the golden suites, then the benchmark with every
# variant built; suites only the suites; bench the benchmark's default
# programs only (a few minutes); sweep the benchmark with the variants
# (batch 32 first, each figure printed as it is measured, so a time limit
# still leaves what was timed). The device tool's calls are 10 minutes at
# most: `suites` then `sweep` fit two of them.
#
# Build the programs first, on a machine with bertc and the CUDA toolkit:
#   bash utils/gpu_check.sh --build [--variants]
# which makes build/gpu-suite (f32), build/gpu-suite-f16, build/gpu-suite-bf16
# and build/gpu-bench; with --variants also the kernel options not yet timed
# (VARIANTS below, as bench_gpu.py --tiles programs) and an f16 suite with
# cp.async (build/gpu-suite-f16-async3), an f32 suite that splits k
# wherever it can (build/gpu-suite-split) and an f16 one with session 23's
# options (build/gpu-suite-f16-s23), about 15 more minutes, and checks
# that no benchmark program would fault (bench_gpu.py emulate, about 6
# more; a fault stops the build before anything is packed). It packs
# them into build/gpu-carry-suites.tar.gz (the suites) and
# build/gpu-carry-bench.tar.gz (the benchmark), about a quarter of their
# size: a device call carries at most 64 MiB with the working tree (about
# 5), so the suites and the sweep go in separate calls, each with its own.
# This script unpacks what was carried on the GPU machine when its folders
# are not there yet. Each suite found (build/gpu-suite*, variants built with
# gpu_suite.py --compile-flag too) and the benchmark run under their own time
# limits, so one that hangs does not hide the others; with LOGDIR, each
# step's output is also written there. Exit status 0 when every step passed.
set -uo pipefail
cd "$(dirname "$0")/.."

# Each variant builds the dtype it names (f32: around f32's default tile,
# f16: around the tensor cores'): what each session built without a GPU.
# Sessions 13 and 14, against the defaults (f32
# 64x128x16, f16 128x128x32): 16-byte loads off, double buffering, f16
# operands off (-wideops), cp.async stages, the 64 x 32 warp tile, small
# tiles for small batches.
VARIANTS=f32:64x128x16-nowide,f32:64x128x16-double,f32:64x128x16-small32x64x16
VARIANTS+=,f16:128x128x32-nowide,f16:128x128x32-wideops,f16:128x128x32-double
VARIANTS+=,f16:128x128x32-async2,f16:128x128x32-async3,f16:128x128x32-async4
VARIANTS+=,f16:128x128x32-warp64x32,f16:128x128x32-async3-warp64x32
VARIANTS+=,f16:64x128x32-async3,f16:128x128x32-small64x128x32
# Session 15: with constants in the kernels (77-98 registers instead of 128)
# a k step of 64 halves the barriers per product.
VARIANTS+=,f16:128x128x64,f16:128x128x64-async3
# 4 warps of 64 x 64 (244 registers, no spill; 2 blocks per SM): half the
# ldmatrix loads per mma of the 32 x 32 warps.
VARIANTS+=,f16:128x128x32-warp64x64,f16:128x128x32-async3-warp64x64
VARIANTS+=,f16:128x128x64-async3-warp64x64
# Session 16: query, key and value as one product (the default) against
# three (-nofuse), in f32 and f16.
VARIANTS+=,f32:64x128x16-nofuse,f16:128x128x32-nofuse
# Session 18: two blocks per SM (ptxas holds the 512-thread products to 64
# registers, a few spills) against one; -minblocks2 applies to f32 too.
VARIANTS+=,f16:128x128x32-minblocks2,f16:128x128x32-async3-minblocks2
VARIANTS+=,f32:64x128x16-minblocks2
# Session 19: tiles fitted to static sizes (P.V 128 x 64) against whole ones.
VARIANTS+=,f32:64x128x16-nofit,f16:128x128x32-nofit
# Session 20: without the host-chosen aligned kernel (16-byte copies check
# their alignment in the loop) against with it.
VARIANTS+=,f32:64x128x16-nospec,f16:128x128x32-nospec,f16:128x128x32-nospec-async3
# Session 21: without split k (batch 1's linear layers: 6 to 24 blocks on
# 132 SMs) against with it; at batch 32 neither splits.
VARIANTS+=,f32:64x128x16-nosplit,f16:128x128x32-nosplit,f16:128x128x32-nosplit-async3
# Session 23: left alone, ptxas holds the products near 64 registers and
# issues the prefetch's loads right before the stores that need them
# (kernel_stats.py --sass: pf.cover 0); with .minnctapersm 1 they go before
# the block's products (pf.cover 13 to 31).
VARIANTS+=,f32:64x128x16-minblocks1,f16:128x128x32-minblocks1
VARIANTS+=,f16:128x128x32-async3-minblocks1,f16:128x128x64-minblocks1
# Split k by waves: at batch 32 the output projection and the FFN's second
# product (192 blocks on 132 SMs, 2 waves) split in two (3 waves of half
# the k blocks); batch 1 as the default.
VARIANTS+=,f32:64x128x16-waves,f16:128x128x32-waves,f16:128x128x32-waves-minblocks1
# Row reductions a warp per row up to 1024 elements (softmax at seq 128: 4
# elements a lane, no barriers, instead of one a thread and 3 barriers;
# layer norm's 768: 24 a lane instead of 6 a thread).
VARIANTS+=,f32:64x128x16-warprows1024,f16:128x128x32-warprows1024
# Up to 256: softmax's rows a warp's, layer norm's (768) still a block's.
VARIANTS+=,f16:128x128x32-warprows256
# All of session 23 together, with and without cp.async (and a golden
# suite of the cp.async one: build/gpu-suite-f16-s23).
VARIANTS+=,f16:128x128x32-waves-minblocks1-warprows1024
VARIANTS+=,f16:128x128x32-waves-async3-minblocks1-warprows1024
VARIANTS+=,f32:64x128x16-waves-minblocks1-warprows1024

if [ "${1:-}" = "--build" ]; then
  set -e
  # Nothing of an earlier build stays to be carried (or timed) by mistake.
  rm -rf build/gpu-suite build/gpu-suite-* build/gpu-bench build/gpu-emulated
  python3 utils/gpu_suite.py build --out build/gpu-suite
  python3 utils/gpu_suite.py build --dtype f16 --out build/gpu-suite-f16
  python3 utils/gpu_suite.py build --dtype bf16 --out build/gpu-suite-bf16
  if [ "${2:-}" = "--variants" ]; then
    python3 utils/gpu_suite.py build --dtype f16 --out build/gpu-suite-f16-async3 \
      --compile-flag=--gpu-async-stages=3
    # Split k wherever the golden models' k allows (the default needs 8
    # k blocks, more than most tiny models have).
    python3 utils/gpu_suite.py build --out build/gpu-suite-split \
      --compile-flag=--gpu-split-k-min=1
    python3 utils/gpu_suite.py build --dtype f16 --out build/gpu-suite-f16-s23 \
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
  suites=(gpu-suite gpu-suite-f16 gpu-suite-bf16)
  [ "${2:-}" = "--variants" ] &&
    suites+=(gpu-suite-f16-async3 gpu-suite-split gpu-suite-f16-s23)
  rm -f build/gpu-carry.tar.gz # the single pack of sessions before 23
  pack() { # NAME FOLDERS...: build/gpu-carry-NAME.tar.gz
    local tarball=build/gpu-carry-$1.tar.gz
    shift
    tar -C build -czf "$tarball" "$@"
    local size
    size=$(stat -c %s "$tarball")
    echo "$tarball: $((size / 1024 / 1024)) MiB ($*)"
    [ "$size" -gt $((56 * 1024 * 1024)) ] &&
      echo "warning: over 56 MiB; a device call carries 64 MiB with the working tree"
    return 0
  }
  pack suites "${suites[@]}"
  pack bench gpu-bench
  exit 0
fi

# On the GPU machine, from what was carried.
for tarball in build/gpu-carry-*.tar.gz; do
  [ -f "$tarball" ] || continue
  first=$(tar -tzf "$tarball" | head -1)
  [ -d "build/${first%%/*}" ] || tar -C build -xzf "$tarball" || exit 1
done

log=${1:-}
part=${2:-all}
case $part in
  all|suites|bench|sweep) ;;
  *) echo "gpu_check.sh: part must be all, suites, bench or sweep, not $part" >&2
     exit 2 ;;
esac
[ -n "$log" ] && mkdir -p "$log"
export PYTHONUNBUFFERED=1
failed=()

# step NAME SECONDS COMMAND...: runs COMMAND, its output to stdout and LOGDIR.
step() {
  local name=$1 seconds=$2
  shift 2
  echo "=== $name ($(date +%T))"
  local out=/dev/null
  [ -n "$log" ] && out="$log/$name.log"
  timeout "$seconds" "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 124 ] && echo "$name: timed out after ${seconds}s"
  [ "$rc" -ne 0 ] && failed+=("$name")
  echo "=== $name: exit $rc"
}

command -v nvidia-smi >/dev/null && nvidia-smi -L
suite() {
  [ -f "build/$1/manifest.json" ] &&
    step "$1" 150 python3 utils/gpu_suite.py run --dir "build/$1" --jobs 8 --timeout 60
}
# 8 tests at a time: the programs are small, most of their time is starting
# the driver. The three suites and the benchmark first, then any variant
# built with gpu_suite.py --compile-flag into build/gpu-suite-*.
if [ "$part" = all ] || [ "$part" = suites ]; then
  for s in gpu-suite gpu-suite-f16 gpu-suite-bf16; do suite $s; done
fi
# About 10 s per variant program (two batches, each loading the weights),
# and 40 s for the two --profile programs.
variants=$(ls build/gpu-bench/*-tile-*.exe 2>/dev/null | wc -l)
if [ -d build/gpu-bench ]; then
  case $part in
    all|sweep)
      step gpu-bench $((400 + 10 * variants)) \
        python3 utils/bench_gpu.py run --dir build/gpu-bench --runs 30 ;;
    bench)
      step gpu-bench 400 \
        python3 utils/bench_gpu.py run --dir build/gpu-bench --runs 30 \
          --no-variants ;;
  esac
fi
if [ "$part" = all ] || [ "$part" = suites ]; then
  for manifest in build/gpu-suite-*/manifest.json; do
    s=$(basename "$(dirname "$manifest")")
    case $s in gpu-suite-f16|gpu-suite-bf16) ;; *) suite "$s" ;; esac
  done
fi

if [ ${#failed[@]} -ne 0 ]; then
  echo "gpu check: failed: ${failed[*]}"
  exit 1
fi
echo "gpu check: all passed"
