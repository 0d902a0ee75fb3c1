//===- Pipelines.h - bertc's phases as pass pipelines -------------*- C++ -*-===//
//
// Each phase of design.md §1 is a function over an OpPassManager with an
// option struct, registered so that bertc-opt can run it alone.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_PIPELINES_PIPELINES_H
#define BERTC_PIPELINES_PIPELINES_H

#include "Codegen/Passes.h"

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
  Option<int64_t> linearWeightPanel{
      *this, "linear-weight-panel",
      llvm::cl::desc("store linear weights as [N/P, K, P] panels, 0: as "
                     "[N, K] (see convert-bert-params-to-memref)"),
      llvm::cl::init(0)};
  Option<std::string> linearWeightType{
      *this, "linear-weight-type",
      llvm::cl::desc("element type of linear weights in the weights buffer: "
                     "f32, f16 or bf16 (see convert-bert-params-to-memref)"),
      llvm::cl::init("f32")};
  Option<bool> fuseLinears{
      *this, "fuse-linears",
      llvm::cl::desc("one product for the linears that read the same input "
                     "(attention's query, key and value; see "
                     "bert-fuse-linears)"),
      llvm::cl::init(true)};
};

/// Options of the linalg -> LLVM phase for CPUs: the register tiles of the
/// matrix-product kernels and whether tile loops run on threads.
struct CPULoweringOptions : public PassPipelineOptions<CPULoweringOptions> {
  Option<bool> kernels{
      *this, "kernels",
      llvm::cl::desc("register-tiled vector kernels for matrix products "
                     "(off: plain loops, the reference for debugging)"),
      llvm::cl::init(true)};
  Option<bool> threads{
      *this, "threads",
      llvm::cl::desc("run parallel tile loops on OpenMP threads"),
      llvm::cl::init(true)};
  Option<bool> approximateMath{
      *this, "approximate-math",
      llvm::cl::desc("inline polynomial erf/exp/tanh (off: libm calls)"),
      llvm::cl::init(true)};
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes per vector register (16: AVX-512, 8: AVX2)"),
      llvm::cl::init(16)};
  Option<int64_t> dotRows{*this, "dot-rows",
                          llvm::cl::desc("dot-form kernel: rows per tile"),
                          llvm::cl::init(4)};
  Option<int64_t> dotCols{*this, "dot-cols",
                          llvm::cl::desc("dot-form kernel: columns per tile"),
                          llvm::cl::init(6)};
  Option<int64_t> outerRows{
      *this, "outer-rows",
      llvm::cl::desc("outer-product kernel: rows per tile"), llvm::cl::init(14)};
  Option<int64_t> outerVectors{
      *this, "outer-vectors",
      llvm::cl::desc("outer-product kernel: vectors per tile row"),
      llvm::cl::init(2)};
  Option<int64_t> outerKBlock{
      *this, "outer-k-block",
      llvm::cl::desc("outer-product kernel: rows of a B panel per L1 block"),
      llvm::cl::init(512)};
  Option<int64_t> outerMBlock{
      *this, "outer-m-block",
      llvm::cl::desc("outer-product kernel: row tiles per parallel block"),
      llvm::cl::init(10)};
  Option<bool> kernelPrefetch{
      *this, "kernel-prefetch",
      llvm::cl::desc("outer-product kernel: prefetch the next block of B "
                     "(weights come from memory once per call)"),
      llvm::cl::init(true)};
  Option<bool> kernelPadRows{
      *this, "kernel-pad-rows",
      llvm::cl::desc("outer-product kernel: read a copy of A with rows one "
                     "cache line longer when its row stride is a multiple "
                     "of 4 KiB"),
      llvm::cl::init(true)};
  Option<bool> fuseKernelElementwise{
      *this, "fuse-kernel-elementwise",
      llvm::cl::desc("outer-product kernel: initialize C from its producer "
                     "(bias) and apply its consumer (GELU, residual add) "
                     "in registers"),
      llvm::cl::init(true)};
  Option<bool> profile{
      *this, "profile",
      llvm::cl::desc("time every kernel at run time (bertc-profile-regions; "
                     "the program prints the times when it exits)"),
      llvm::cl::init(false)};
};

/// Options of the whole CPU pipeline (bert -> LLVM dialect): those of both
/// phases, under the same names. The weight panel width is derived from the
/// kernel tile (cpuLinearWeightPanel).
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> unrollSharedLayers{
      *this, "unroll-shared-layers",
      llvm::cl::desc("clone shared-layer bodies instead of emitting loops"),
      llvm::cl::init(false)};
  Option<int64_t> weightAlignment{
      *this, "weight-alignment",
      llvm::cl::desc("byte alignment of each weight slot in the weights buffer"),
      llvm::cl::init(64)};
  Option<bool> kernels{*this, "kernels",
                       llvm::cl::desc("see bertc-cpu-lowering-pipeline"),
                       llvm::cl::init(true)};
  Option<bool> threads{*this, "threads",
                       llvm::cl::desc("see bertc-cpu-lowering-pipeline"),
                       llvm::cl::init(true)};
  Option<int64_t> vectorWidth{*this, "vector-width",
                              llvm::cl::desc("see bertc-cpu-lowering-pipeline"),
                              llvm::cl::init(16)};
};

/// Options of the linalg -> LLVM phase for NVIDIA GPUs: the target and how
/// loop nests map onto threads.
struct GPULoweringOptions : public PassPipelineOptions<GPULoweringOptions> {
  Option<int64_t> sm{*this, "sm",
                     llvm::cl::desc("compute capability of the target GPU "
                                    "(90: Hopper, sm_90)"),
                     llvm::cl::init(90)};
  Option<std::string> ptxFeatures{
      *this, "ptx-features",
      llvm::cl::desc("PTX ISA version for NVPTX (default: one that knows "
                     "the sm: +ptx80 up to sm_90, +ptx87 above)"),
      llvm::cl::init("")};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("threads per block of the launches"),
                            llvm::cl::init(256)};
  Option<bool> tileContractions{
      *this, "tile-contractions",
      llvm::cl::desc("matrix products as block-tiled kernels over shared "
                     "memory (bertc-gpu-tile-contractions); off: one thread "
                     "per output element"),
      llvm::cl::init(true)};
  // The block tile's defaults (0) depend on the kernel: tensor cores
  // 128x128x32, FMA 64x128x16 (buildGPULoweringPipeline).
  Option<int64_t> tileM{*this, "tile-m",
                        llvm::cl::desc("rows of C per block of a tiled "
                                       "matrix product (0: by kernel kind)"),
                        llvm::cl::init(0)};
  Option<int64_t> tileN{*this, "tile-n",
                        llvm::cl::desc("columns of C per block (0: by "
                                       "kernel kind)"),
                        llvm::cl::init(0)};
  Option<int64_t> tileK{*this, "tile-k",
                        llvm::cl::desc("k step of the shared-memory slices "
                                       "(0: by kernel kind)"),
                        llvm::cl::init(0)};
  Option<int64_t> threadM{*this, "thread-m",
                          llvm::cl::desc("rows of C per thread"),
                          llvm::cl::init(4)};
  Option<int64_t> threadN{*this, "thread-n",
                          llvm::cl::desc("columns of C per thread"),
                          llvm::cl::init(4)};
  Option<std::string> operandType{
      *this, "operand-type",
      llvm::cl::desc("element type matrix-product operands are rounded to "
                     "in the tiled kernels: f32, f16 or bf16 (f32 sums)"),
      llvm::cl::init("f32")};
  Option<bool> narrowOperands{
      *this, "narrow-operands",
      llvm::cl::desc("with operand-type f16/bf16: tensors that only matrix "
                     "products read are stored at that type "
                     "(bertc-gpu-narrow-product-operands)"),
      llvm::cl::init(true)};
  Option<bool> epilogues{
      *this, "epilogues",
      llvm::cl::desc("tiled products apply the GELU or residual add after "
                     "them to their sums (bertc-gpu-tile-contractions)"),
      llvm::cl::init(true)};
  Option<bool> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc("with operand-type f16/bf16 and sm >= 80: the tiled "
                     "kernels multiply on tensor cores (mma.sync)"),
      llvm::cl::init(true)};
  Option<bool> ldmatrix{
      *this, "ldmatrix",
      llvm::cl::desc("tensor cores: fragments loaded by ldmatrix instead of a "
                     "32-bit shared load per pair"),
      llvm::cl::init(true)};
  Option<bool> fitTiles{
      *this, "fit-tiles",
      llvm::cl::desc("tiled products: halve the tile along m or n while the "
                     "half still covers the product's static size there"),
      llvm::cl::init(true)};
  Option<bool> doubleBuffer{
      *this, "double-buffer",
      llvm::cl::desc("tiled products stage their slices in two buffers, one "
                     "barrier per k block"),
      llvm::cl::init(false)};
  Option<bool> asyncCopies{
      *this, "async-copies",
      llvm::cl::desc("tensor cores: products whose operands are both of "
                     "operand-type copy them with cp.async into `stages` "
                     "buffers"),
      llvm::cl::init(false)};
  Option<int64_t> stages{*this, "stages",
                         llvm::cl::desc("async-copies: shared buffers per "
                                        "operand (2 or more)"),
                         llvm::cl::init(2)};
  Option<int64_t> warpM{*this, "warp-m",
                        llvm::cl::desc("tensor cores: rows of C per warp"),
                        llvm::cl::init(32)};
  Option<int64_t> warpN{*this, "warp-n",
                        llvm::cl::desc("tensor cores: columns of C per warp"),
                        llvm::cl::init(32)};
  Option<int64_t> smallTileM{
      *this, "small-tile-m",
      llvm::cl::desc("with small-tile-n and -k: the block tile of products "
                     "whose launch would have fewer than small-below blocks "
                     "(small batches; 0: none)"),
      llvm::cl::init(0)};
  Option<int64_t> smallTileN{*this, "small-tile-n",
                             llvm::cl::desc("columns of C per small block"),
                             llvm::cl::init(0)};
  Option<int64_t> smallTileK{*this, "small-tile-k",
                             llvm::cl::desc("k step of the small tile"),
                             llvm::cl::init(0)};
  Option<int64_t> smallBelow{
      *this, "small-below",
      llvm::cl::desc("blocks under which a product uses the small tile or "
                     "splits k, in emulated programs and compile-time "
                     "decisions; programs for a GPU ask it for its SM count "
                     "when they run (132 on an H100/H200)"),
      llvm::cl::init(132)};
  Option<int64_t> splitK{
      *this, "split-k",
      llvm::cl::desc("products without batch dimensions whose launch has "
                     "fewer than small-below blocks split k into up to this "
                     "many ranges, summed by a second kernel (0 or 1: never)"),
      llvm::cl::init(16)};
  Option<int64_t> splitKMin{
      *this, "split-k-min",
      llvm::cl::desc("split-k: the fewest k blocks a range may have"),
      llvm::cl::init(4)};
  Option<bool> splitKWaves{
      *this, "split-k-waves",
      llvm::cl::desc("split-k: choose the ranges by the waves of blocks the "
                     "grid takes, which also splits full grids whose last "
                     "wave leaves SMs idle (bertc-gpu-tile-contractions)"),
      llvm::cl::init(false)};
  Option<bool> fuseAttention{
      *this, "fuse-attention",
      llvm::cl::desc("with f16/bf16 tensor cores: attention's Q.K^T, mask, "
                     "softmax and P.V as one kernel that never stores the "
                     "scores (bertc-gpu-fuse-attention)"),
      llvm::cl::init(false)};
  Option<bool> prefetch{
      *this, "prefetch",
      llvm::cl::desc("tiled products load the next k block into registers "
                     "during this one's products"),
      llvm::cl::init(true)};
  Option<bool> wideLoads{
      *this, "wide-loads",
      llvm::cl::desc("tiled products copy their slices with 16-byte global "
                     "loads where the operand allows"),
      llvm::cl::init(true)};
  Option<bool> specializeWide{
      *this, "specialize-wide",
      llvm::cl::desc("with wide-loads: beside each product's general kernel, "
                     "one whose copies assume their 16-byte groups aligned "
                     "and whole, chosen on the host"),
      llvm::cl::init(true)};
  Option<bool> rowReductions{
      *this, "row-reductions",
      llvm::cl::desc("reductions along a row (layer norm, softmax) with one "
                     "block per row (bertc-gpu-row-reductions); off: one "
                     "thread per row"),
      llvm::cl::init(true)};
  Option<bool> rowChains{
      *this, "row-chains",
      llvm::cl::desc("a row reduction that reads the one before at its row "
                     "runs in the same block (bertc-gpu-row-reductions "
                     "chains)"),
      llvm::cl::init(true)};
  Option<int64_t> warpRowsUpTo{
      *this, "warp-rows-up-to",
      llvm::cl::desc("row reductions over rows of at most this many "
                     "elements run a warp per row (bertc-gpu-row-reductions "
                     "warp-rows-up-to; 0: a block per row)"),
      llvm::cl::init(0)};
  Option<bool> normalizations{
      *this, "normalizations",
      llvm::cl::desc("row reductions also run the normalization after them "
                     "(bertc-gpu-row-reductions)"),
      llvm::cl::init(true)};
  Option<int64_t> reductionBlock{
      *this, "reduction-block",
      llvm::cl::desc("threads per row of a row reduction"),
      llvm::cl::init(128)};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("what the program embeds: fatbin (the cubin ptxas "
                     "makes for the target and the target's PTX, which the "
                     "driver compiles at load on a later GPU), bin (the "
                     "cubin alone) or isa (PTX text only)"),
      llvm::cl::init("fatbin")};
  Option<bool> emulate{
      *this, "emulate",
      llvm::cl::desc("run the kernels as host loops instead (CPU code, no "
                     "GPU): tests the host/kernel split where no GPU is"),
      llvm::cl::init(false)};
  Option<int64_t> minBlocksPerSM{
      *this, "min-blocks-per-sm",
      llvm::cl::desc("ask ptxas to fit this many blocks of each tiled "
                     "matrix product on an SM, registers permitting (0: "
                     "leave it to ptxas; bertc-gpu-min-blocks-per-sm)"),
      llvm::cl::init(0)};
  Option<bool> profile{
      *this, "profile",
      llvm::cl::desc("the program times every kernel launch with CUDA events "
                     "and prints the times when it exits "
                     "(bertc-gpu-profile-kernels; not with emulate)"),
      llvm::cl::init(false)};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit whose ptxas and libdevice are used "
                     "(default: the one bertc was configured with)"),
      llvm::cl::init("")};
};

/// bert (+ bert.param) -> linalg/tensor/scf/arith/math, weights bound to one
/// buffer argument, ending with the linalg contract check.
void buildBertToLinalgPipeline(OpPassManager &pm,
                               const LinalgPipelineOptions &options);

/// linalg on tensors -> bufferized loops -> LLVM dialect, ending with the
/// llvm contract check.
void buildCPULoweringPipeline(OpPassManager &pm,
                              const CPULoweringOptions &options);

/// The linalg phase's linear-weight-panel that gives linear layers whole
/// outer-product tiles: outer-vectors x vector-width columns (0 without
/// kernels: weights stay [N, K]).
int64_t cpuLinearWeightPanel(const CPULoweringOptions &options);

/// linalg on tensors -> bufferized loops on device buffers -> gpu.launch
/// kernels -> NVVM -> a gpu.binary holding the cubin (or PTX), with host code
/// in the LLVM dialect calling the runtime's mgpu* functions; ends with the
/// llvm contract check.
void buildGPULoweringPipeline(OpPassManager &pm,
                              const GPULoweringOptions &options);

/// The options of bertc-gpu-tile-contractions in that pipeline: the kernel
/// kind (tensor cores with f16/bf16 at sm_80 and above) and its default
/// tile; checkGPUTileContractionsOptions tells whether the pass takes them.
GPUTileContractionsOptions
gpuTileContractionsOptions(const GPULoweringOptions &options);

/// The most shared memory (bytes) a block may have on sm_`sm` once the
/// kernel opts in: 227 KiB on sm_90, 163 on sm_80, 99 on sm_86/89.
int64_t maxSharedBytesPerBlock(int64_t sm);

/// Bufferization shared by the CPU and GPU lowerings: one-shot bufferize,
/// deallocation, memref.copy as linalg.copy.
void buildBufferizationPipeline(OpPassManager &pm);

/// Loops over memrefs (scf, vector, omp, math) -> LLVM dialect for the host,
/// ending with the llvm contract check: the tail of the CPU lowering, also
/// used by the GPU lowering's emulation.
void buildLoopsToLLVMPipeline(OpPassManager &pm, bool approximateMath);

/// Both of the above: bert -> LLVM dialect for CPUs.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers the pipelines (bertc-linalg-pipeline, bertc-cpu-lowering-pipeline,
/// bertc-cpu-pipeline, bertc-gpu-lowering-pipeline) and the contract check
/// pass.
void registerPipelines();

} // namespace mlir::bertc

#endif
