//===- Driver.h - the library behind `bertc` ----------------------*- C++ -*-===//
//
// `bertc compile` runs named phases in order and can stop after any of them
// (--emit=PHASE): import (bert) -> linalg -> llvm -> obj -> exe | lib, and
// for --target=cuda the kernels alone as PTX (ptx).
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_DRIVER_DRIVER_H
#define BERTC_DRIVER_DRIVER_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::bertc {

enum class Phase { Bert, Linalg, LLVM, PTX, Obj, Exe, Lib };
enum class Target { CPU, CUDA };

std::optional<Phase> parsePhase(const std::string &name);

struct CompileOptions {
  std::string model;
  std::string output;
  Target target = Target::CPU;
  Phase emit = Phase::Exe;
  int64_t batch = -1;
  int64_t seqLen = -1;
  bool embedWeights = false;
  /// Clone ALBERT's shared-layer bodies instead of looping (larger code).
  bool unrollSharedLayers = false;
  /// One product for the linears of one input (bert-fuse-linears).
  bool fuseLinears = true;
  int sm = 90;
  std::string cpu = "native";
  /// Directory of the bertc executable: the runtime is looked up in
  /// <dir>/../lib and <dir>/../include.
  std::string toolDir;
  bool timing = false;
  /// Time every kernel (CPU: bertc-profile-regions; GPU: CUDA events
  /// around each launch, bertc-gpu-profile-kernels); the program prints the
  /// times when it exits.
  bool profile = false;
  /// --target=cuda only: run the kernels as host loops, a CPU program with
  /// the GPU lowering's host/kernel split (tests the mapping without a GPU).
  bool emulateGPU = false;
  /// --target=cuda only: the plain one-thread-per-element kernels for
  /// everything (no tiled matrix products, no block-per-row reductions).
  bool gpuPlainKernels = false;
  /// --target=cuda only: tensor-core fragments by 32-bit loads, not
  /// ldmatrix.
  bool gpuNoLdmatrix = false;
  /// --target=cuda only: tiles not fitted to the products' static sizes.
  bool gpuNoFitTiles = false;
  /// --target=cuda only: no register prefetch of the next k block in the
  /// tiled products.
  bool gpuNoPrefetch = false;
  /// --target=cuda only: element loads (no 16-byte loads) in the tiled
  /// products' slice copies.
  bool gpuNoWideLoads = false;
  /// --target=cuda only: no host-chosen aligned kernel beside the general
  /// one for products with 16-byte copies.
  bool gpuNoWideSpecialization = false;
  /// --target=cuda, --dtype=f16|bf16 only: tensors that only products read
  /// stay f32.
  bool gpuWideOperands = false;
  /// --target=cuda, --dtype=f16|bf16 only: cp.async slice copies into this
  /// many stages (0: none).
  int gpuAsyncStages = 0;
  /// --target=cuda only: blocks per SM each tiled product's registers must allow
  /// (0: ptxas's choice).
  int gpuMinBlocksPerSM = 0;
  /// --target=cuda only: rows of at most this many elements reduce a warp
  /// per row (0: a block per row).
  int gpuWarpRowsUpTo = 0;
  /// --target=cuda only: double-buffered slices in the tiled products.
  bool gpuDoubleBuffer = false;
  /// --target=cuda only: the tiled products' block tile {m, n, k}; empty:
  /// the pipeline's defaults.
  std::vector<int64_t> gpuTile;
  /// --target=cuda only: the block tile {m, n, k} of products whose launch
  /// would have fewer blocks than the GPU has SMs; empty: none.
  std::vector<int64_t> gpuSmallTile;
  /// --target=cuda only: split-k's most ranges (0 or 1: no split) and
  /// fewest k blocks per range; negative: the pipeline's default.
  int gpuSplitK = -1;
  int gpuSplitKMin = -1;
  /// --target=cuda only: split-k's ranges by the grid's waves.
  bool gpuSplitKWaves = false;
  /// --target=cuda with tensor cores only: attention as one kernel.
  bool gpuFuseAttention = false;
  /// --target=cuda with tensor cores only: the warp tile {m, n}; empty: the
  /// pipeline's default.
  std::vector<int64_t> gpuWarpTile;
  /// --target=cuda only: f16 or bf16 stores linear weights at that width
  /// and rounds every matrix product's operands to it (f32 sums).
  std::string dtype = "f32";
  /// Run tile loops on OpenMP threads (the program's --threads picks how
  /// many); off: single-threaded code with no OpenMP runtime dependency.
  bool threads = true;
  /// Programs run each row of a padded batch at its own length by default
  /// (the runtime's padding removal).
  bool removePadding = false;
};

/// Compiles as `options` say. Errors are printed as one `error: ...` line;
/// returns the process exit code.
int compile(const CompileOptions &options);

/// Prints what `bertc inspect MODEL` shows; returns the exit code.
int inspect(const std::string &model);

/// How linkProgram links.
struct LinkOptions {
  bool sharedLibrary = false;
  /// With the OpenMP runtime (CPU code with threads).
  bool threaded = false;
  /// With the CUDA runtime (BertcRuntimeCuda) instead of the CPU one.
  bool cuda = false;
  /// Directory of the bertc executable (see CompileOptions::toolDir).
  std::string toolDir;
};

/// Links `object` with the runtime into an executable or a shared library
/// (plus its C header next to it). Sets `error` on failure.
bool linkProgram(const std::string &object, const std::string &output,
                 const LinkOptions &options, std::string &error);

} // namespace mlir::bertc

#endif
