//===- Pipelines.h - bertc's phases as pass pipelines -------------*- C++ -*-===//
//
// Each phase of design.md §1 is a function over an OpPassManager with an
// option struct, registered so that bertc-opt can run it alone.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_PIPELINES_PIPELINES_H
#define BERTC_PIPELINES_PIPELINES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::bertc {

#define GEN_PASS_DECL
#include "Pipelines/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Pipelines/Passes.h.inc"

/// Options of the bert -> linalg phase (target independent).
struct LinalgPipelineOptions
    : public PassPipelineOptions<LinalgPipelineOptions> {
  Option<bool> unrollSharedLayers{
      *this, "unroll-shared-layers",
      llvm::cl::desc("clone shared-layer bodies instead of emitting loops"),
      llvm::cl::init(false)};
  Option<int64_t> weightAlignment{
      *this, "weight-alignment",
      llvm::cl::desc("byte alignment of each weight slot in the weights buffer"),
      llvm::cl::init(64)};
};

/// Options of the whole CPU pipeline (bert -> LLVM dialect); its linalg ->
/// LLVM part has no options of its own yet.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> unrollSharedLayers{
      *this, "unroll-shared-layers",
      llvm::cl::desc("clone shared-layer bodies instead of emitting loops"),
      llvm::cl::init(false)};
  Option<int64_t> weightAlignment{
      *this, "weight-alignment",
      llvm::cl::desc("byte alignment of each weight slot in the weights buffer"),
      llvm::cl::init(64)};
};

/// bert (+ bert.param) -> linalg/tensor/scf/arith/math, weights bound to one
/// buffer argument, ending with the linalg contract check.
void buildBertToLinalgPipeline(OpPassManager &pm,
                               const LinalgPipelineOptions &options);

/// linalg on tensors -> bufferized loops -> LLVM dialect, ending with the
/// llvm contract check.
void buildCPULoweringPipeline(OpPassManager &pm);

/// Both of the above: bert -> LLVM dialect for CPUs.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers the pipelines (bertc-linalg-pipeline, bertc-cpu-lowering-pipeline,
/// bertc-cpu-pipeline) and the contract check pass.
void registerPipelines();

} // namespace mlir::bertc

#endif
