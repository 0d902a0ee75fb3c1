//===- ObjectEmitter.h - LLVM dialect -> native object file -------*- C++ -*-===//

#ifndef BERTC_TARGET_CPU_OBJECTEMITTER_H
#define BERTC_TARGET_CPU_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mlir::bertc {

struct CPUTargetOptions {
  std::string cpu = "native"; // LLVM CPU name; "native" = this machine
  unsigned optLevel = 3;
};

/// Translates `module` (LLVM dialect only) to LLVM IR, adds the model
/// description as the NUL-terminated global `bertc_model_metadata`,
/// optimizes and emits a position-independent object file into `object`.
LogicalResult emitCPUObject(ModuleOp module, llvm::StringRef metadata,
                            const CPUTargetOptions &options,
                            llvm::SmallVectorImpl<char> &object,
                            std::string &error);

} // namespace mlir::bertc

#endif
