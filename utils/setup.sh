#!/usr/bin/env bash
# Installs what building and testing bertc needs, if missing (Debian packages):
# LLVM/MLIR 22 (libMLIR.so, mlir-tblgen), lit and FileCheck, cmake, ninja,
# a C++ compiler, python3, LLVM's OpenMP runtime (compiled programs run
# their parallel loops on it), and clang-22 with its sanitizer and fuzzer
# runtimes. Safe to run again: installs nothing when all is there.
set -euo pipefail

packages=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
          cmake ninja-build g++ python3 libomp-22-dev
          clang-22 libclang-rt-22-dev)  # libFuzzer/ASan/UBSan for test/Fuzz
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
