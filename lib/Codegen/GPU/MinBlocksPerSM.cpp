//===- MinBlocksPerSM.cpp - ask ptxas for blocks per SM --------------------===//
//
// See bertc-gpu-min-blocks-per-sm in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "Codegen/GPU/KernelKind.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUMINBLOCKSPERSM
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
struct GPUMinBlocksPerSMPass
    : mlir::bertc::impl::GPUMinBlocksPerSMBase<GPUMinBlocksPerSMPass> {
  using Base::Base;

  void runOnOperation() override {
    if (blocks < 1) {
      getOperation().emitError()
          << "bertc-gpu-min-blocks-per-sm: blocks must be 1 or more, got "
          << blocks.getValue();
      return signalPassFailure();
    }
    auto value = IntegerAttr::get(IntegerType::get(&getContext(), 32), blocks);
    // Only the tiled products: the others are memory-bound, and given
    // room ptxas spends it on registers that cost them occupancy.
    getOperation().walk([&](gpu::GPUFuncOp func) {
      if (func.isKernel() &&
          StringRef(bertc::kernelKind(func.getLoc())).starts_with("matmul "))
        func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(), value);
    });
  }
};
} // namespace
