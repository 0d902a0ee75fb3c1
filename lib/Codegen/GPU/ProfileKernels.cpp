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
#include "Runtime/ProfileNames.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

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
    // One record per kernel, in the order of first launch: its first
    // launch's kind, and the names of its launches that differ once layer
    // indices are folded (bertc-gpu-dedup-kernels leaves one kernel for
    // launches from several places), joined by ", ".
    struct Record {
      std::string kind;
      std::vector<std::string> names, folded;
    };
    llvm::MapVector<StringRef, Record> records;
    module.walk([&](gpu::LaunchFuncOp launch) {
      Location loc = launch.getLoc();
      auto [it, fresh] =
          records.try_emplace(launch.getKernelName().getValue());
      Record &record = it->second;
      if (fresh)
        record.kind = mlir::bertc::kernelKind(loc);
      std::string name = mlir::bertc::locationName(loc);
      std::string folded = ::bertc::rt::foldIndices(name);
      if (!llvm::is_contained(record.folded, folded)) {
        record.names.push_back(name);
        record.folded.push_back(folded);
      }
    });
    std::string table;
    for (auto &[kernel, record] : records) {
      table += (kernel + "\t" + record.kind + "\t" +
                llvm::join(record.names, ", "))
                   .str();
      table.push_back('\0');
    }
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
