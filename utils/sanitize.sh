#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer:
# configures build-san/ with clang-22 and BERTC_SANITIZE=ON (bertc, bertc-opt,
# the runtime and every program the tests compile are instrumented; LLVM and
# MLIR are Debian's, not instrumented), builds it and runs the lit suite
# there, including the importer fuzz smoke run (test/Fuzz/importer.test).
#   bash utils/sanitize.sh              build and run the suite
#   bash utils/sanitize.sh --build-only (used by utils/fuzz.sh importer)
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build-san/build.ninja ]; then
  cmake -G Ninja -S . -B build-san \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DBERTC_SANITIZE=ON \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm || exit 1
fi
if [ "${1:-}" = --build-only ]; then
  exec ninja -C build-san bertc bertc-opt bertc-fuzz-importer
fi
# Leaks are reported too; a UBSan finding aborts (-fno-sanitize-recover).
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs when the
# header is compiled with ASan; libMLIR.so's uninstrumented copy of the same
# allocator does not unpoison them, which reads as use-after-poison.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allow_user_poisoning=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
BUILD_DIR=build-san bash utils/test.sh
