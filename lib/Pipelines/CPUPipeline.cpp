//===- CPUPipeline.cpp - the bert -> LLVM dialect pipelines for CPUs -------===//

#include "Pipelines/Pipelines.h"

#include "Bert/Transforms/Passes.h"
#include "Codegen/Passes.h"
#include "Conversion/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::bertc::buildBertToLinalgPipeline(
    OpPassManager &pm, const LinalgPipelineOptions &options) {
  if (options.fuseLinears)
    pm.addNestedPass<func::FuncOp>(bert::createBertFuseLinears());
  ConvertBertToSCFOptions scf;
  scf.unroll = options.unrollSharedLayers;
  pm.addNestedPass<func::FuncOp>(createConvertBertToSCF(scf));
  ConvertBertParamsToMemRefOptions params;
  params.alignment = options.weightAlignment;
  params.linearWeightPanel = options.linearWeightPanel;
  params.linearWeightType = options.linearWeightType;
  pm.addNestedPass<func::FuncOp>(createConvertBertParamsToMemRef(params));
  pm.addNestedPass<func::FuncOp>(createConvertBertToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  VerifyPhaseContractOptions check;
  check.phase = "linalg";
  pm.addPass(createVerifyPhaseContract(check));
}

void mlir::bertc::buildBufferizationPipeline(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Shared-layer loops yield a fresh buffer per iteration.
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Intermediate buffers are freed; returned ones belong to the caller.
  bufferization::buildBufferDeallocationPipeline(pm);
  // Loops that carry buffers may clone them; clones become alloc + copy.
  pm.addPass(createConvertBufferizationToMemRefPass());

  pm.addNestedPass<func::FuncOp>(createConvertMemRefCopyToLinalg());
}

void mlir::bertc::buildCPULoweringPipeline(OpPassManager &pm,
                                           const CPULoweringOptions &options) {
  // Fusing elementwise producers into consumers removes whole passes over
  // memory (bias + activation, scale + mask) before bufferization.
  pm.addNestedPass<func::FuncOp>(createFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  if (options.kernels)
    pm.addNestedPass<func::FuncOp>(createCPUTransposeDotOperands());

  buildBufferizationPipeline(pm);
  pm.addNestedPass<func::FuncOp>(createEarlyDealloc());
  if (options.kernels) {
    CPUContractionKernelsOptions kernels;
    kernels.vectorWidth = options.vectorWidth;
    kernels.dotRows = options.dotRows;
    kernels.dotCols = options.dotCols;
    kernels.outerRows = options.outerRows;
    kernels.outerVectors = options.outerVectors;
    kernels.outerKBlock = options.outerKBlock;
    kernels.outerMBlock = options.outerMBlock;
    kernels.fuseElementwise = options.fuseKernelElementwise;
    kernels.prefetch = options.kernelPrefetch;
    kernels.padRows = options.kernelPadRows;
    pm.addNestedPass<func::FuncOp>(createCPUContractionKernels(kernels));
  }
  // Kernels are single ops or tile loops here, before they become loops.
  if (options.profile)
    pm.addPass(createProfileRegions());
  // Tile loops and the rows of other linalg ops become OpenMP work-sharing
  // loops; without threads, scf-to-cf lowers them as sequential loops.
  if (options.threads) {
    pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
    pm.addNestedPass<func::FuncOp>(createCPUParallelRows());
    pm.addPass(createConvertSCFToOpenMPPass());
    pm.addNestedPass<func::FuncOp>(createInlineAllocaScopes());
  } else {
    pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  }
  buildLoopsToLLVMPipeline(pm, options.approximateMath);
}

void mlir::bertc::buildLoopsToLLVMPipeline(OpPassManager &pm,
                                           bool approximateMath) {
  if (approximateMath)
    pm.addNestedPass<func::FuncOp>(createApproximateMath());
  // fma, floor and friends become LLVM intrinsics (MathToLibm would call
  // fmaf); what has none (erf, tanh unless approximated) becomes libm calls.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  VerifyPhaseContractOptions check;
  check.phase = "llvm";
  pm.addPass(createVerifyPhaseContract(check));
}

int64_t mlir::bertc::cpuLinearWeightPanel(const CPULoweringOptions &options) {
  return options.kernels ? options.outerVectors * options.vectorWidth : 0;
}

void mlir::bertc::buildCPUPipeline(OpPassManager &pm,
                                   const CPUPipelineOptions &options) {
  CPULoweringOptions lowering;
  lowering.kernels = options.kernels;
  lowering.threads = options.threads;
  lowering.vectorWidth = options.vectorWidth;
  LinalgPipelineOptions linalg;
  linalg.weightAlignment = options.weightAlignment;
  linalg.unrollSharedLayers = options.unrollSharedLayers;
  linalg.linearWeightPanel = cpuLinearWeightPanel(lowering);
  buildBertToLinalgPipeline(pm, linalg);
  buildCPULoweringPipeline(pm, lowering);
}

void mlir::bertc::registerPipelines() {
  registerVerifyPhaseContract();
  PassPipelineRegistration<LinalgPipelineOptions>(
      "bertc-linalg-pipeline",
      "bert -> linalg on tensors, weights bound to one buffer",
      buildBertToLinalgPipeline);
  PassPipelineRegistration<CPULoweringOptions>(
      "bertc-cpu-lowering-pipeline",
      "linalg on tensors -> LLVM dialect for CPUs", buildCPULoweringPipeline);
  PassPipelineRegistration<CPUPipelineOptions>(
      "bertc-cpu-pipeline", "bert -> LLVM dialect for CPUs", buildCPUPipeline);
  PassPipelineRegistration<GPULoweringOptions>(
      "bertc-gpu-lowering-pipeline",
      "linalg on tensors -> NVVM kernels in a gpu.binary + host LLVM dialect",
      buildGPULoweringPipeline);
}
