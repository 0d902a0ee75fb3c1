//===- Passes.h - bertc code generation passes --------------------*- C++ -*-===//

#ifndef BERTC_CODEGEN_PASSES_H
#define BERTC_CODEGEN_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::bertc {

#define GEN_PASS_DECL
#include "Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Codegen/Passes.h.inc"

/// Why bertc-gpu-tile-contractions would reject `options` (its tile, small
/// tile, warp tile or stages), or "" when it accepts them: for a driver to
/// report a bad option before running the pipeline.
std::string checkGPUTileContractionsOptions(
    MLIRContext *ctx, const GPUTileContractionsOptions &options);

} // namespace mlir::bertc

#endif // BERTC_CODEGEN_PASSES_H
