//===- TileContractions.cpp - block-tiled GPU matrix products --------------===//
//
// See bertc-gpu-tile-contractions in Passes.td for the kernel's shape. The
// pass matches the products and checks its options; TiledKernel.h's
// emitter writes each launch.
//
//===----------------------------------------------------------------------===//

#include "Codegen/GPU/TiledKernel.h"
#include "Codegen/KernelDescription.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUTILECONTRACTIONS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::tiled;

namespace {

struct GPUTileContractionsPass
    : mlir::bertc::impl::GPUTileContractionsBase<GPUTileContractionsPass> {
  using Base::Base;

  /// The tile and small tile that `options` (the pass, or its options
  /// struct) describe, or why they make no kernel (`error`).
  template <typename Options>
  static FailureOr<std::pair<GpuTile, std::optional<GpuTile>>>
  tilesFrom(MLIRContext *ctx, const Options &options, std::string &error) {
    llvm::raw_string_ostream os(error);
    StringRef operandType = options.operandType;
    Type operand = operandType == "f16"    ? Float16Type::get(ctx)
                   : operandType == "bf16" ? BFloat16Type::get(ctx)
                   : operandType == "f32"  ? Float32Type::get(ctx)
                                           : Type();
    if (!operand) {
      os << "operand-type must be f32, f16 or bf16, got '" << operandType << "'";
      return failure();
    }
    GpuTile tile{options.tileM,    options.tileN,   options.tileK,
                 options.threadM,  options.threadN, operand,
                 options.epilogues};
    tile.mma = options.tensorCores;
    tile.ldmatrix = options.ldmatrix;
    tile.prefetch = options.prefetch;
    tile.wideLoads = options.wideLoads;
    tile.doubleBuffer = options.doubleBuffer;
    tile.fit = options.fitTiles;
    tile.specializeWide = options.specializeWide;
    tile.asyncCopies = options.asyncCopies;
    tile.stages = options.stages;
    tile.warpM = options.warpM;
    tile.warpN = options.warpN;
    tile.splitK = options.splitK;
    tile.splitKMin = options.splitKMin;
    tile.splitKWaves = options.splitKWaves;
    if (tile.splitK < 0 || tile.splitKMin < 1) {
      os << "split-k must be 0 or more and split-k-min 1 or more (got "
         << tile.splitK << " and " << tile.splitKMin << ")";
      return failure();
    }
    // The constraints of one tile (the kernel's shape depends on them).
    auto check = [&](const GpuTile &t, StringRef what) -> LogicalResult {
      StringRef prefix = what == "tile" ? "" : what;
      // Before the thread count, which divides by the warp tile.
      if (t.mma &&
          (t.operand.isF32() || t.warpM < 16 || t.warpN < 16 || t.warpM % 16 ||
           t.warpN % 16 || t.m % t.warpM || t.n % t.warpN || t.k % 16)) {
        os << prefix << (prefix.empty() ? "" : ": ")
           << "tensor-cores needs operand-type f16 or bf16, a warp tile of "
              "multiples of 16, tile-m and tile-n multiples of the warp tile "
              "and tile-k a multiple of 16 (got "
           << operandType << ", " << t.m << "x" << t.n << "x" << t.k
           << ", warp tile " << t.warpM << "x" << t.warpN << ")";
        return failure();
      }
      // Slices past 48 KiB are dynamic shared memory, up to the GPU's
      // limit. B's slice is [n][k] or [k][n], as the product's B is laid
      // out; a product may get either.
      int64_t sliceBytes =
          t.sliceBytes(t.m, 1, t.kMajorSlice(true)) +
          std::max(t.sliceBytes(t.n, 1, t.kMajorSlice(true)),
                   t.sliceBytes(t.n, 1, t.kMajorSlice(false)));
      int64_t limit = options.sharedBytes;
      auto size = [](int64_t bytes) {
        return bytes % 1024 ? std::to_string(bytes) + " bytes"
                            : std::to_string(bytes / 1024) + " KiB";
      };
      bool async = t.asyncCopies && t.mma;
      if (async && (t.stages < 2 || t.stages * sliceBytes > limit)) {
        os << prefix << (prefix.empty() ? "" : ": ")
           << "async-copies needs 2 or more stages whose slices fit in "
           << size(limit) << " of shared memory (shared-bytes; got "
           << t.stages << " stages of " << sliceBytes << " bytes)";
        return failure();
      }
      int64_t stages = async ? t.stages : t.doubleBuffer ? 2 : 1;
      if (stages * sliceBytes > limit) {
        os << prefix << (prefix.empty() ? "" : ": ") << "the tile "
           << t.m << "x" << t.n << "x" << t.k << " needs "
           << stages * sliceBytes << " bytes of shared memory for its "
           << "slices, more than the " << size(limit)
           << " a block may have (shared-bytes)";
        return failure();
      }
      if (t.m < 1 || t.n < 1 || t.k < 1 || t.threadM < 1 || t.threadN < 1 ||
          t.m % t.threadM || t.n % t.threadN || t.threads() > 1024) {
        os << what << " " << t.m << "x" << t.n << "x" << t.k << " with "
           << t.threadM << "x" << t.threadN
           << " per thread needs positive sizes, thread tiles that divide the "
              "block tile, and at most 1024 threads per block";
        return failure();
      }
      return success();
    };
    if (failed(check(tile, "tile")))
      return failure();
    std::optional<GpuTile> small;
    if (options.smallTileM || options.smallTileN || options.smallTileK) {
      small = tile;
      small->m = options.smallTileM;
      small->n = options.smallTileN;
      small->k = options.smallTileK;
      if (failed(check(*small, "small-tile")))
        return failure();
    }
    return std::make_pair(tile, small);
  }

  void runOnOperation() override {
    std::string error;
    auto tiles = tilesFrom(&getContext(), *this, error);
    if (failed(tiles)) {
      getOperation().emitError() << "bertc-gpu-tile-contractions: " << error;
      return signalPassFailure();
    }
    auto [tile, small] = *tiles;
    SmallVector<Contraction> matched;
    for (auto func : getOperation().getOps<func::FuncOp>())
      func.walk([&](linalg::GenericOp op) {
        if (std::optional<Contraction> ct =
                matchContraction(op, /*allowWidenedInputs=*/true))
          matched.push_back(*ct);
      });
    // The host asks the runtime for the SM count (a module pass: it
    // declares the runtime's function).
    FlatSymbolRefAttr smCount;
    if (smsAtRunTime && !matched.empty())
      smCount = declareSMCount();
    for (const Contraction &ct : matched)
      TiledKernelEmitter(ct, tile, small, smallBelow, smCount).emit();
  }

  /// `int64_t bertc_gpu_multiprocessors(void)` of lib/Runtime/cuda.
  FlatSymbolRefAttr declareSMCount() {
    constexpr StringLiteral kName = "bertc_gpu_multiprocessors";
    ModuleOp module = getOperation();
    if (!module.lookupSymbol(kName)) {
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      auto decl = func::FuncOp::create(
          b, module.getLoc(), kName,
          b.getFunctionType({}, {b.getI64Type()}));
      decl.setPrivate();
    }
    return FlatSymbolRefAttr::get(&getContext(), kName);
  }
};
} // namespace

std::string mlir::bertc::checkGPUTileContractionsOptions(
    MLIRContext *ctx, const GPUTileContractionsOptions &options) {
  std::string error;
  (void)GPUTileContractionsPass::tilesFrom(ctx, options, error);
  return error;
}
