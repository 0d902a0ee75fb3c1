//===- ProfileKernels.cpp - the kernel table of a profiled GPU program ----===//
//
// See bertc-gpu-profile-kernels in Passes.td. The host code is left as it
// is: the runtime times the launches it is asked for, so the table is all
// a program needs to be profiled.
//
//===----------------------------------------------------------------------===//

#include "Codegen/GPU/KernelKind.h"
#include "Codegen/KernelDescription.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUPROFILEKERNELS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {

/// The symbol the runtime looks for (lib/Runtime/cuda/KernelTimers.cpp).
constexpr const char *kTable = "bertc_gpu_kernel_profile";

struct GPUProfileKernelsPass
    : mlir::bertc::impl::GPUProfileKernelsBase<GPUProfileKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module.lookupSymbol(kTable)) {
      module.emitError("bertc-gpu-profile-kernels: the module already has "
                       "a kernel table");
      return signalPassFailure();
    }
    // One record per kernel, from its first launch (in program order).
    std::string table;
    llvm::StringSet<> seen;
    module.walk([&](gpu::LaunchFuncOp launch) {
      StringRef kernel = launch.getKernelName().getValue();
      if (!seen.insert(kernel).second)
        return;
      Location loc = launch.getLoc();
      table += (kernel + "\t" + bertc::kernelKind(loc) + "\t" +
                bertc::locationName(loc))
                   .str();
      table.push_back('\0');
    });
    if (table.empty())
      return;
    table.push_back('\0');

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), table.size());
    LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                           LLVM::Linkage::External, kTable,
                           b.getStringAttr(table));
  }
};

} // namespace
