//===- GPUPipeline.cpp - the linalg -> NVVM + host LLVM pipeline -----------===//
//
// The GPU lowering starts from the same linalg-on-tensors IR as the CPU one
// (buildBertToLinalgPipeline) and shares its fusion and bufferization.
// Matrix products become tiled kernels (bertc-gpu-tile-contractions), row
// reductions one block per row (bertc-gpu-row-reductions), other loop nests
// kernels of one thread per element (bertc-gpu-map-to-launches). Kernels
// are outlined into a gpu.module, lowered to NVVM and compiled to a cubin
// by ptxas; the host function keeps the launches, which gpu-to-llvm turns
// into calls to the runtime's mgpu* functions (lib/Runtime/cuda).
//
//===----------------------------------------------------------------------===//

#include "Pipelines/Pipelines.h"

#include "Codegen/Passes.h"
#include "Conversion/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

int64_t mlir::bertc::maxSharedBytesPerBlock(int64_t sm) {
  // The CUDA programming guide's table of compute capabilities: shared
  // memory per block with the opt-in (cuFuncSetAttribute).
  switch (sm) {
  case 70:
  case 72:
    return 96 * 1024;
  case 75:
    return 64 * 1024;
  case 80:
  case 87:
    return 163 * 1024;
  case 86:
  case 89:
  case 120:
    return 99 * 1024;
  case 90:
  case 100:
    return 227 * 1024;
  default: // the least of the neighbours
    return sm < 80 ? 48 * 1024 : 99 * 1024;
  }
}

mlir::bertc::GPUTileContractionsOptions
mlir::bertc::gpuTileContractionsOptions(const GPULoweringOptions &options) {
  GPUTileContractionsOptions tile;
  tile.tensorCores =
      options.tensorCores && options.operandType != "f32" && options.sm >= 80;
  // From a sweep on an H200, BERT-base at batch 32 (README "GPU"): FMA
  // 64x128x16 (the fastest), tensor cores 128x128x32 (16 warps; 128x128x16
  // was 5% faster in that one run).
  auto byKind = [&](int64_t set, int64_t mma, int64_t fma) {
    return set ? set : tile.tensorCores ? mma : fma;
  };
  tile.tileM = byKind(options.tileM, 128, 64);
  tile.tileN = byKind(options.tileN, 128, 128);
  tile.tileK = byKind(options.tileK, 32, 16);
  tile.threadM = options.threadM;
  tile.threadN = options.threadN;
  tile.operandType = options.operandType;
  tile.epilogues = options.epilogues;
  tile.ldmatrix = options.ldmatrix;
  tile.fitTiles = options.fitTiles;
  tile.prefetch = options.prefetch;
  tile.wideLoads = options.wideLoads;
  tile.specializeWide = options.specializeWide;
  tile.doubleBuffer = options.doubleBuffer;
  tile.asyncCopies = options.asyncCopies;
  tile.stages = options.stages;
  tile.warpM = options.warpM;
  tile.warpN = options.warpN;
  tile.smallTileM = options.smallTileM;
  tile.smallTileN = options.smallTileN;
  tile.smallTileK = options.smallTileK;
  tile.smallBelow = options.smallBelow;
  // A program asks the GPU it runs on; an emulated one has none.
  tile.smsAtRunTime = !options.emulate;
  tile.splitK = options.splitK;
  tile.splitKMin = options.splitKMin;
  tile.splitKWaves = options.splitKWaves;
  tile.sharedBytes = maxSharedBytesPerBlock(options.sm);
  return tile;
}

void mlir::bertc::buildGPULoweringPipeline(OpPassManager &pm,
                                           const GPULoweringOptions &options) {
  pm.addNestedPass<func::FuncOp>(createFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  // The products round their operands anyway; tensors only they read are
  // stored rounded (half the bytes written and loaded).
  if (options.tileContractions && options.narrowOperands &&
      options.operandType != "f32") {
    GPUNarrowProductOperandsOptions narrow;
    narrow.operandType = options.operandType;
    pm.addNestedPass<func::FuncOp>(createGPUNarrowProductOperands(narrow));
    pm.addPass(createCanonicalizerPass());
  }
  buildBufferizationPipeline(pm);

  // Attention as one kernel, before the tiled products take its Q.K^T and
  // P.V.
  GPUTileContractionsOptions tiles = gpuTileContractionsOptions(options);
  if (options.fuseAttention && options.tileContractions && tiles.tensorCores)
    pm.addNestedPass<func::FuncOp>(createGPUFuseAttention());
  // Matrix products and row reductions get their own kernels; every other
  // loop nest becomes a kernel of one thread per iteration; the host keeps
  // allocation, views and the loops around layers.
  if (options.tileContractions)
    pm.addPass(createGPUTileContractions(tiles));
  if (options.rowReductions) {
    GPURowReductionsOptions rows;
    rows.blockSize = options.reductionBlock;
    rows.normalizations = options.normalizations;
    rows.chains = options.rowChains;
    rows.warpRowsUpTo = options.warpRowsUpTo;
    pm.addNestedPass<func::FuncOp>(createGPURowReductions(rows));
  }
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // As on the CPU: a buffer goes back to the stream-ordered pool after its
  // last use, so that a call needs a layer's memory, not the model's. (Not
  // before: the kernels above find a product's epilogue and a reduction's
  // chain among the ops that follow it.)
  pm.addNestedPass<func::FuncOp>(createEarlyDealloc());
  GPUMapToLaunchesOptions map;
  map.blockSize = options.blockSize;
  pm.addNestedPass<func::FuncOp>(createGPUMapToLaunches(map));
  pm.addPass(createCanonicalizerPass());
  if (options.emulate) {
    // What the GPU would fault on stops the emulated program too.
    pm.addNestedPass<func::FuncOp>(createGPUCheckAccesses());
    pm.addNestedPass<func::FuncOp>(createGPULaunchesToLoops());
    pm.addNestedPass<func::FuncOp>(createConvertMemRefCopyToLinalg());
    pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
    return buildLoopsToLLVMPipeline(pm, /*approximateMath=*/false);
  }
  // Outlining passes every value a launch uses from outside as a kernel
  // argument, constants included: ptxas then divides by a parameter where it
  // could shift. Constants (and dims, selects, compares of them) go inside.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createGPUMergeKernelModules());
  // Layers of one shape outlined the same kernels: one copy each.
  pm.addPass(createGPUDedupKernels());
  if (options.profile)
    pm.addPass(createGPUProfileKernels());
  // Launches, copies and frees of one call queue on one stream; the host
  // waits only where it reads a result.
  pm.addPass(createGPUOneStream());

  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = "sm_" + std::to_string(options.sm);
  target.features = !options.ptxFeatures.empty() ? options.ptxFeatures.getValue()
                    : options.sm >= 100            ? "+ptx87"
                                                   : "+ptx80";
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createGPUAlignWorkgroupMemory());
  if (options.minBlocksPerSM > 0) {
    GPUMinBlocksPerSMOptions occupancy;
    occupancy.blocks = options.minBlocksPerSM;
    kernels.addPass(createGPUMinBlocksPerSM(occupancy));
  }
  kernels.addPass(createConvertNVGPUToNVVMPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createGPUExternDynamicShared());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());

  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // gpu-to-llvm first simplifies regions, which merges blocks that differ
  // only in the values they use into one with block arguments: memrefs,
  // while launches still take them. Branches still cf.br then, so the
  // control-flow lowering after it converts those arguments (before it,
  // llvm.br was left with memref operands).
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());

  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath =
      options.toolkit.empty() ? BERTC_CUDA_ROOT : options.toolkit.getValue();
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  VerifyPhaseContractOptions check;
  check.phase = "llvm";
  pm.addPass(createVerifyPhaseContract(check));
}
