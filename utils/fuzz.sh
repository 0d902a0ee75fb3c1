#!/usr/bin/env bash
# Longer fuzz runs (libFuzzer + ASan + UBSan, clang-22): builds each target
# into build/fuzz and runs it for SECONDS on a copy of its seed corpus.
#   bash utils/fuzz.sh [SECONDS] [safetensors|json|program-input|importer ...]
# The importer target needs MLIR: it comes from the sanitized build
# (utils/sanitize.sh --build-only, build-san/bin/bertc-fuzz-importer).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
if [ $# -gt 0 ]; then targets=("$@"); else targets=(safetensors json program-input importer); fi
rt=lib/Runtime
cxx=(clang++-22 -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined
     -fno-sanitize-recover=undefined -I$rt -I$rt/include)
mkdir -p build/fuzz
# See utils/sanitize.sh: the importer links LLVM's allocator twice.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allow_user_poisoning=0}
for t in "${targets[@]}"; do
  maxlen=4096
  case $t in
    safetensors) srcs=($rt/Json.cpp $rt/Safetensors.cpp tools/fuzz/FuzzSafetensors.cpp); corpus=safetensors ;;
    json) srcs=($rt/Json.cpp tools/fuzz/FuzzJson.cpp); corpus=json ;;
    program-input)
      build/bin/bertc compile models/bert-tiny --emit=obj -o build/fuzz/bert-tiny.o
      srcs=($rt/Json.cpp $rt/Safetensors.cpp $rt/Model.cpp $rt/Threads.cpp $rt/cpu/HostBuffers.cpp tools/fuzz/FuzzProgramInput.cpp build/fuzz/bert-tiny.o /usr/lib/llvm-22/lib/libomp.so -Wl,-rpath,/usr/lib/llvm-22/lib)
      corpus=inputs ;;
    importer)
      bash utils/sanitize.sh --build-only >/dev/null
      cp build-san/bin/bertc-fuzz-importer build/fuzz/importer
      srcs=(); corpus=importer; maxlen=16384 ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
  [ ${#srcs[@]} -eq 0 ] || "${cxx[@]}" "${srcs[@]}" -o build/fuzz/$t
  rm -rf build/fuzz/corpus-$t && cp -r test/Fuzz/corpus/$corpus build/fuzz/corpus-$t
  echo "== $t: ${seconds}s"
  build/fuzz/$t -max_total_time="$seconds" -max_len=$maxlen -print_final_stats=1 \
    build/fuzz/corpus-$t 2>&1 | grep -E "^(Done|stat::|==|SUMMARY)|ERROR" || true
done
