//===- ExternDynamicShared.cpp - dynamic shared memory as PTX .extern ------===//
//
// See bertc-gpu-extern-dynamic-shared in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUEXTERNDYNAMICSHARED
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
struct GPUExternDynamicSharedPass
    : mlir::bertc::impl::GPUExternDynamicSharedBase<
          GPUExternDynamicSharedPass> {
  void runOnOperation() override {
    getOperation().walk([](LLVM::GlobalOp global) {
      auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
      if (global.getAddrSpace() !=
              static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared) ||
          !array || array.getNumElements() != 0 ||
          global.getInitializerRegion().getBlocks().size() != 0 ||
          global.getValueAttr())
        return;
      global.setLinkage(LLVM::Linkage::External);
    });
  }
};
} // namespace
