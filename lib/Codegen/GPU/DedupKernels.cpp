//===- DedupKernels.cpp - one copy of kernels equal but for their name ----===//
//
// See bertc-gpu-dedup-kernels in Passes.td. Kernels are bucketed by a hash
// of their attributes (but the name) and of every operation in their body,
// then compared in full within a bucket: most kernels of a model differ,
// and those that do not are copies of one layer's.
//
//===----------------------------------------------------------------------===//

#include "Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUDEDUPKERNELS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
/// A kernel's attributes without its name: two copies differ only there.
DictionaryAttr attributesButName(gpu::GPUFuncOp func) {
  NamedAttrList attrs(func->getAttrs());
  attrs.erase(SymbolTable::getSymbolAttrName());
  return attrs.getDictionary(func.getContext());
}

llvm::hash_code kernelHash(gpu::GPUFuncOp func) {
  llvm::hash_code hash = hash_value(attributesButName(func));
  func.getBody().walk([&](Operation *op) {
    hash = llvm::hash_combine(
        hash, OperationEquivalence::computeHash(
                  op, OperationEquivalence::ignoreHashValue,
                  OperationEquivalence::ignoreHashValue,
                  OperationEquivalence::IgnoreLocations));
  });
  return hash;
}

bool sameKernel(gpu::GPUFuncOp a, gpu::GPUFuncOp b) {
  return attributesButName(a) == attributesButName(b) &&
         OperationEquivalence::isRegionEquivalentTo(
             &a.getBody(), &b.getBody(),
             OperationEquivalence::IgnoreLocations);
}

struct GPUDedupKernelsPass
    : mlir::bertc::impl::GPUDedupKernelsBase<GPUDedupKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // (module, copy) -> the kept kernel's name.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> keptFor;
    for (auto kernels : module.getOps<gpu::GPUModuleOp>()) {
      // Buckets in the kernels' order, so the first of a set is kept.
      llvm::MapVector<size_t, SmallVector<gpu::GPUFuncOp>> buckets;
      SmallVector<gpu::GPUFuncOp> copies;
      for (auto func : kernels.getOps<gpu::GPUFuncOp>()) {
        SmallVector<gpu::GPUFuncOp> &kept =
            buckets[static_cast<size_t>(kernelHash(func))];
        auto same = llvm::find_if(
            kept, [&](gpu::GPUFuncOp k) { return sameKernel(k, func); });
        if (same == kept.end()) {
          kept.push_back(func);
          continue;
        }
        keptFor[{kernels.getNameAttr(), func.getNameAttr()}] =
            same->getNameAttr();
        copies.push_back(func);
      }
      for (gpu::GPUFuncOp copy : copies)
        copy.erase();
    }
    if (keptFor.empty())
      return;
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = keptFor.find(
          {launch.getKernelModuleName(), launch.getKernelName()});
      if (it == keptFor.end())
        return;
      launch.setKernelAttr(
          SymbolRefAttr::get(launch.getKernelModuleName(),
                             {FlatSymbolRefAttr::get(it->second)}));
    });
  }
};
} // namespace
