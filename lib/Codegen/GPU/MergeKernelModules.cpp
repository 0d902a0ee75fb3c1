//===- MergeKernelModules.cpp - one gpu.module for all kernels -------------===//

#include "Codegen/Passes.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUMERGEKERNELMODULES
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
struct GPUMergeKernelModulesPass
    : mlir::bertc::impl::GPUMergeKernelModulesBase<GPUMergeKernelModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> kernels(module.getOps<gpu::GPUModuleOp>());
    if (kernels.empty())
      return;
    OpBuilder b(kernels.front());
    auto merged = gpu::GPUModuleOp::create(b, kernels.front().getLoc(),
                                           "bertc_kernels");
    // Outlined kernels share a name across modules; module names are
    // unique, so a kernel takes its module's name.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    SymbolTable symbols(merged);
    for (gpu::GPUModuleOp kernel : kernels) {
      for (Operation &op :
           llvm::make_early_inc_range(kernel.getBody()->getOperations())) {
        auto func = dyn_cast<gpu::GPUFuncOp>(op);
        if (!func) {
          kernel.emitError("bertc-gpu-merge-kernel-modules: unexpected '")
              << op.getName() << "' in a kernel module";
          return signalPassFailure();
        }
        StringAttr oldName = func.getNameAttr();
        op.moveBefore(merged.getBody(), merged.getBody()->end());
        func.setName(kernel.getName());
        StringAttr newName = symbols.insert(func); // uniqued if needed
        renamed[{kernel.getNameAttr(), oldName}] = newName;
      }
    }
    StringAttr mergedName = merged.getSymNameAttr();
    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find(
          {launch.getKernelModuleName(), launch.getKernelName()});
      if (it == renamed.end()) {
        launch.emitError("bertc-gpu-merge-kernel-modules: launch of an "
                         "unknown kernel");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(SymbolRefAttr::get(
          mergedName, {FlatSymbolRefAttr::get(it->second)}));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (gpu::GPUModuleOp kernel : kernels)
      kernel.erase();
  }
};
} // namespace
