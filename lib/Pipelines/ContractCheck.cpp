//===- ContractCheck.cpp - what each phase must have removed ---------------===//

#include "Bert/BertDialect.h"
#include "Pipelines/Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_VERIFYPHASECONTRACT
#include "Pipelines/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
struct VerifyPhaseContractPass
    : mlir::bertc::impl::VerifyPhaseContractBase<VerifyPhaseContractPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool linalgPhase = phase == "linalg";
    if (!linalgPhase && phase != "llvm") {
      module.emitError() << "unknown phase '" << phase
                         << "' (expected linalg or llvm)";
      return signalPassFailure();
    }
    WalkResult result = module.walk([&](Operation *op) {
      if (op == module.getOperation())
        return WalkResult::advance();
      Dialect *dialect = op->getDialect();
      StringRef ns = dialect ? dialect->getNamespace() : "";
      if (linalgPhase && isa_and_nonnull<mlir::bertc::bert::BertDialect>(dialect)) {
        op->emitError() << "'" << op->getName()
                        << "' survived the linalg phase";
        return WalkResult::interrupt();
      }
      // OpenMP regions are translated to LLVM IR beside the llvm dialect,
      // and so are the GPU kernels' binary and their launches.
      if (!linalgPhase && ns != LLVM::LLVMDialect::getDialectNamespace() &&
          ns != "omp" && !isa<gpu::BinaryOp, gpu::LaunchFuncOp>(op)) {
        op->emitError() << "'" << op->getName()
                        << "' survived the llvm phase (only the llvm and omp "
                           "dialects, gpu.binary and gpu.launch_func may remain)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
