# -*- Python -*-
# lit configuration of the bertc test suite.

import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "bertc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bertc_obj_root, "test")
# Golden model folders and helper inputs hold data, not tests.
config.excludes = ["golden", "Inputs", "corpus", "lit.cfg.py",
                   "lit.site.cfg.py", "CMakeLists.txt", "README.md"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["bertc", "bertc-opt"] + (["bertc-fuzz-importer"] if config.fuzz_importer else []),
    [config.bertc_tools_dir])
llvm_config.add_tool_substitutions(
    ["FileCheck", "not", "count", "split-file", "mlir-runner"],
    [config.llvm_tools_dir])
# mlir-runner's print helpers (vector.print), for kernels tested in isolation.
config.substitutions.append(("%mlir_runner_utils", os.path.join(
    os.path.dirname(config.llvm_tools_dir), "lib", "libmlir_c_runner_utils.so")))

utils = os.path.join(config.bertc_src_root, "utils")
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%compare",
    config.python_executable + " " + os.path.join(utils, "compare_outputs.py")))
config.substitutions.append(("%textsize",
    config.python_executable + " " + os.path.join(utils, "text_size.py")))
config.substitutions.append(("%st",
    config.python_executable + " " + os.path.join(utils, "st_tool.py")))
config.substitutions.append(("%utils", utils))
config.substitutions.append(("%models", os.path.join(config.bertc_src_root, "models")))
config.substitutions.append(("%golden", os.path.join(
    config.bertc_src_root, "test", "Integration", "Models", "golden")))
config.substitutions.append(("%bertc_include",
    os.path.join(config.bertc_obj_root, "include")))

# GPU tests are gated on a working NVIDIA driver: skipped, not failed, without.
def has_cuda_device():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        return subprocess.run([smi, "-L"], capture_output=True,
                              timeout=20).returncode == 0
    except Exception:
        return False

if has_cuda_device():
    config.available_features.add("cuda")
# bertc built with a CUDA toolkit compiles --target=cuda (no GPU needed).
if config.cuda_toolkit:
    config.available_features.add("cuda-toolkit")
    config.substitutions.append(("%ptxas", os.path.join(config.cuda_toolkit, "bin", "ptxas")))
    # CUDA programs run their host code on test/Runtime/FakeCuda's driver
    # (%fake_cuda_dir first: lit substitutes in order).
    fake_cuda = os.path.join(config.bertc_obj_root, "test", "fake-cuda")
    config.substitutions.append(("%fake_cuda_dir", fake_cuda))
    config.substitutions.append(("%fake_cuda", "env LD_LIBRARY_PATH=" + fake_cuda))
# C clients of --emit=lib are built by the compiler that built the runtime,
# with its sanitizer flags in a sanitized build (utils/sanitize.sh).
if shutil.which(config.c_compiler):
    config.available_features.add("c-compiler")
config.substitutions.append(("%cc", config.c_compiler + " " + config.sanitize_flags))
if config.sanitize_flags:
    config.available_features.add("asan")
if config.fuzz_importer:
    config.available_features.add("fuzz-importer")

# Fuzz smoke tests build the runtime with clang's libFuzzer, ASan and UBSan.
clangxx = shutil.which("clang++-22")
fuzzer_rt = "/usr/lib/llvm-22/lib/clang/22/lib/linux/libclang_rt.fuzzer-x86_64.a"
runtime = os.path.join(config.bertc_src_root, "lib", "Runtime")
if clangxx and os.path.exists(fuzzer_rt):
    config.available_features.add("libfuzzer")
    config.substitutions.append(("%clangxx_fuzz", " ".join([
        clangxx, "-std=c++17", "-g", "-O1",
        "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=undefined",
        "-I" + runtime, "-I" + os.path.join(runtime, "include")])))
config.substitutions.append(("%runtime", runtime))
# Objects from --emit=obj call the OpenMP runtime; what bertc links them with.
config.substitutions.append(("%omp", config.omp_library + " -Wl,-rpath," +
                             os.path.dirname(config.omp_library)))
config.substitutions.append(("%fuzzsrc", os.path.join(config.bertc_src_root, "tools", "fuzz")))
