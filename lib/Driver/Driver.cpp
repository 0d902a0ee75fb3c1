//===- Driver.cpp - phases of `bertc compile` ------------------------------===//

#include "Driver/Driver.h"

#include "Import/Importer.h"
#include "InitAll.h"
#include "Pipelines/Pipelines.h"
#include "Target/CPU/ObjectEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::bertc;

std::optional<Phase> mlir::bertc::parsePhase(const std::string &name) {
  if (name == "bert") return Phase::Bert;
  if (name == "linalg") return Phase::Linalg;
  if (name == "llvm") return Phase::LLVM;
  if (name == "ptx") return Phase::PTX;
  if (name == "obj") return Phase::Obj;
  if (name == "exe") return Phase::Exe;
  if (name == "lib") return Phase::Lib;
  return std::nullopt;
}

static int fail(const std::string &msg) {
  llvm::errs() << "error: " << msg << "\n";
  return 1;
}

namespace {
/// Collects diagnostics so that a failed phase reports one error line.
struct DiagnosticCollector {
  explicit DiagnosticCollector(MLIRContext &ctx)
      : handler(ctx.getDiagEngine().registerHandler([this](Diagnostic &d) {
          if (d.getSeverity() == DiagnosticSeverity::Error && first.empty()) {
            llvm::raw_string_ostream os(first);
            os << d.getLocation() << ": " << d;
          }
          return success();
        })),
        ctx(ctx) {}
  ~DiagnosticCollector() { ctx.getDiagEngine().eraseHandler(handler); }
  DiagnosticEngine::HandlerID handler;
  MLIRContext &ctx;
  std::string first;
};
} // namespace

/// Runs `build` on the module as one phase.
template <typename BuildFn>
static LogicalResult runPhase(ModuleOp module, const char *phase,
                              BuildFn build, bool timing,
                              std::string &error) {
  MLIRContext *ctx = module.getContext();
  PassManager pm(ctx);
  if (timing)
    pm.enableTiming();
  build(pm);
  DiagnosticCollector diags(*ctx);
  if (failed(pm.run(module))) {
    error = std::string("internal error in the ") + phase +
            " phase: " + (diags.first.empty() ? "pass failed" : diags.first);
    return failure();
  }
  return success();
}

static int writeText(ModuleOp module, const std::string &output) {
  std::string error;
  auto file = openOutputFile(output.empty() ? "-" : output, &error);
  if (!file)
    return fail(error);
  module.print(file->os());
  file->keep();
  return 0;
}

/// Writes the kernels' PTX (gpu.binary objects compiled with format=isa).
static int writePTX(ModuleOp module, const std::string &output) {
  std::string error;
  auto file = openOutputFile(output.empty() ? "-" : output, &error);
  if (!file)
    return fail(error);
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects())
      if (auto object = dyn_cast<gpu::ObjectAttr>(attr))
        file->os() << object.getObject().getValue();
  });
  file->keep();
  return 0;
}

/// The GPU lowering's options for `options`' --target=cuda flags.
static void setGPUOptions(GPULoweringOptions &gpu,
                          const CompileOptions &options) {
  gpu.sm = options.sm;
  // The cubin for --sm, and its PTX for GPUs after it (fatbinary).
  gpu.format = options.emit == Phase::PTX ? "isa" : "fatbin";
  gpu.emulate = options.emulateGPU;
  gpu.profile = options.profile;
  gpu.tileContractions = !options.gpuPlainKernels;
  gpu.rowReductions = !options.gpuPlainKernels;
  gpu.operandType = options.dtype;
  gpu.ldmatrix = !options.gpuNoLdmatrix;
  gpu.fitTiles = !options.gpuNoFitTiles;
  gpu.prefetch = !options.gpuNoPrefetch;
  gpu.wideLoads = !options.gpuNoWideLoads;
  gpu.specializeWide = !options.gpuNoWideSpecialization;
  gpu.doubleBuffer = options.gpuDoubleBuffer;
  if (options.gpuAsyncStages > 0) {
    gpu.asyncCopies = true;
    gpu.stages = options.gpuAsyncStages;
  }
  gpu.narrowOperands = !options.gpuWideOperands;
  gpu.minBlocksPerSM = options.gpuMinBlocksPerSM;
  gpu.warpRowsUpTo = options.gpuWarpRowsUpTo;
  if (!options.gpuTile.empty()) {
    gpu.tileM = options.gpuTile[0];
    gpu.tileN = options.gpuTile[1];
    gpu.tileK = options.gpuTile[2];
  }
  if (!options.gpuWarpTile.empty()) {
    gpu.warpM = options.gpuWarpTile[0];
    gpu.warpN = options.gpuWarpTile[1];
  }
  if (options.gpuSplitK >= 0)
    gpu.splitK = options.gpuSplitK;
  if (options.gpuSplitKMin >= 0)
    gpu.splitKMin = options.gpuSplitKMin;
  gpu.splitKWaves = options.gpuSplitKWaves;
  gpu.fuseAttention = options.gpuFuseAttention;
  if (!options.gpuSmallTile.empty()) {
    gpu.smallTileM = options.gpuSmallTile[0];
    gpu.smallTileN = options.gpuSmallTile[1];
    gpu.smallTileK = options.gpuSmallTile[2];
  }
}

int mlir::bertc::compile(const CompileOptions &options) {
  bool cuda = options.target == Target::CUDA;
#ifndef BERTC_HAS_CUDA
  if (cuda)
    return fail("--target=cuda: this bertc was built without a CUDA toolkit "
                "(configure with -DBERTC_CUDA_ROOT=<toolkit>)");
#endif
  if (options.emit == Phase::PTX && !cuda)
    return fail("--emit=ptx needs --target=cuda");
  if (options.emulateGPU && (!cuda || options.emit == Phase::PTX))
    return fail("--emulate-gpu needs --target=cuda and makes no PTX");
  if (options.profile && options.emulateGPU)
    return fail("--profile does not combine with --emulate-gpu: emulated "
                "kernels are host loops, and their times would say nothing "
                "about the GPU's");
  if (options.profile && options.emit == Phase::Lib)
    return fail("--profile: the executable prints the kernels' times when "
                "it exits; a library (--emit=lib) has no call that reports "
                "them");
  if (options.gpuPlainKernels && !cuda)
    return fail("--gpu-plain-kernels needs --target=cuda");
  if (options.gpuNoLdmatrix && !cuda)
    return fail("--gpu-no-ldmatrix needs --target=cuda");
  if (options.gpuNoFitTiles && !cuda)
    return fail("--gpu-no-fit-tiles needs --target=cuda");
  if (!options.gpuTile.empty() && !cuda)
    return fail("--gpu-tile needs --target=cuda");
  if (!options.gpuSmallTile.empty() && !cuda)
    return fail("--gpu-small-tile needs --target=cuda");
  if ((options.gpuSplitK >= 0 || options.gpuSplitKMin >= 0) && !cuda)
    return fail("--gpu-split-k and --gpu-split-k-min need --target=cuda");
  if (options.gpuSplitKMin == 0)
    return fail("--gpu-split-k-min must be 1 or more");
  if (options.gpuSplitKWaves && (!cuda || options.gpuSplitK == 0 ||
                                 options.gpuSplitK == 1))
    return fail("--gpu-split-k-waves needs --target=cuda and split k "
                "(--gpu-split-k of 2 or more, or its default)");
  if (!options.gpuWarpTile.empty() && (!cuda || options.dtype == "f32"))
    return fail("--gpu-warp-tile needs --target=cuda and --dtype=f16 or "
                "bf16 (tensor cores)");
  if (options.gpuNoPrefetch && !cuda)
    return fail("--gpu-no-prefetch needs --target=cuda");
  if (options.gpuNoWideLoads && !cuda)
    return fail("--gpu-no-wide-loads needs --target=cuda");
  if (options.gpuNoWideSpecialization && !cuda)
    return fail("--gpu-no-wide-specialization needs --target=cuda");
  if (options.gpuDoubleBuffer && !cuda)
    return fail("--gpu-double-buffer needs --target=cuda");
  if (options.gpuFuseAttention && (!cuda || options.dtype == "f32" ||
                                   options.gpuPlainKernels))
    return fail("--gpu-fuse-attention needs --target=cuda and --dtype=f16 or "
                "bf16 (tensor cores), without --gpu-plain-kernels");
  if (options.gpuAsyncStages != 0 && (!cuda || options.dtype == "f32"))
    return fail("--gpu-async-stages needs --target=cuda and --dtype=f16 or "
                "bf16 (tensor cores)");
  if (options.gpuAsyncStages < 0 || options.gpuAsyncStages == 1)
    return fail("--gpu-async-stages must be 0 (off) or 2 or more, got " +
                std::to_string(options.gpuAsyncStages));
  if (options.gpuMinBlocksPerSM != 0 && (!cuda || options.emulateGPU))
    return fail("--gpu-min-blocks-per-sm needs --target=cuda (and a GPU, "
                "not --emulate-gpu)");
  if (options.gpuWarpRowsUpTo != 0 && !cuda)
    return fail("--gpu-warp-rows-up-to needs --target=cuda");
  if (options.gpuWarpRowsUpTo < 0)
    return fail("--gpu-warp-rows-up-to must be 0 (a block per row) or more, "
                "got " +
                std::to_string(options.gpuWarpRowsUpTo));
  if (options.gpuMinBlocksPerSM < 0)
    return fail("--gpu-min-blocks-per-sm must be 0 (ptxas's choice) or 1 or "
                "more, got " +
                std::to_string(options.gpuMinBlocksPerSM));
  if (options.gpuWideOperands && (!cuda || options.dtype == "f32"))
    return fail("--gpu-wide-operands needs --target=cuda and --dtype=f16 or "
                "bf16");
  bool narrow = options.dtype != "f32";
  if (narrow && !cuda)
    return fail("--dtype=" + options.dtype +
                " needs --target=cuda: CPU programs compute in f32");
  if (narrow && options.sm < 80)
    return fail("--dtype=" + options.dtype + " needs --sm=80 or above, got " +
                std::to_string(options.sm));
  // An emulated GPU program is a CPU program.
  bool cudaRuntime = cuda && !options.emulateGPU;
  if (options.embedWeights)
    return fail("--embed-weights is not implemented yet: compiled programs "
                "load their weights at start-up (see --weights)");
  bool textPhase = options.emit == Phase::Bert ||
                   options.emit == Phase::Linalg ||
                   options.emit == Phase::LLVM || options.emit == Phase::PTX;
  if (options.output.empty() && !textPhase)
    return fail("-o OUT is required for --emit=obj, exe and lib");

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();

  // A tile the kernels cannot have is the user's error: say so before the
  // model is imported, not as a failed pass.
  GPULoweringOptions gpu;
  if (cuda)
    setGPUOptions(gpu, options);
  if (cuda && !options.gpuPlainKernels) {
    std::string why =
        checkGPUTileContractionsOptions(&ctx, gpuTileContractionsOptions(gpu));
    if (!why.empty())
      return fail("the GPU matrix-product kernel options (--gpu-tile, "
                  "--gpu-small-tile, --gpu-warp-tile, --gpu-async-stages, "
                  "--gpu-double-buffer with --dtype and --sm) are invalid: " +
                  why);
  }

  ModelInfo info;
  std::string error;
  ImportOptions importOptions;
  importOptions.batch = options.batch;
  importOptions.seqLen = options.seqLen;
  // Packed batches need the CPU kernels' per-sequence loops; GPU programs
  // remove padding by running rows of one length together.
  importOptions.packedEntry = options.removePadding && !cuda &&
                              options.batch <= 0 && options.seqLen <= 0;
  OwningOpRef<ModuleOp> module =
      importModel(ctx, options.model, importOptions, info, error);
  if (!module)
    return fail(error);
  if (options.removePadding) {
    if (!info.rowsIndependent())
      return fail("--remove-padding: " + info.family +
                  " models cannot run their rows apart (memory or paired "
                  "rows); it applies to bert, roberta, albert and fastbert");
    if (options.batch > 0 || options.seqLen > 0)
      return fail("--remove-padding runs rows at their own lengths and "
                  "needs dynamic shapes (no --batch or --seq-len)");
    info.removePadding = true;
  }
  if (failed(verify(*module)))
    return fail("internal error: the imported IR does not verify");
  if (options.emit == Phase::Bert)
    return writeText(*module, options.output);

  CPULoweringOptions lowering;
  lowering.threads = options.threads;
  lowering.profile = options.profile;
  if (failed(runPhase(
          *module, "linalg",
          [&](PassManager &pm) {
            LinalgPipelineOptions linalg;
            linalg.unrollSharedLayers = options.unrollSharedLayers;
            linalg.fuseLinears = options.fuseLinears;
            // Panels suit the CPU kernels; GPU kernels read [N, K].
            linalg.linearWeightPanel =
                cuda ? 0 : cpuLinearWeightPanel(lowering);
            linalg.linearWeightType = options.dtype;
            buildBertToLinalgPipeline(pm, linalg);
          },
          options.timing, error)))
    return fail(error);
  if (options.emit == Phase::Linalg)
    return writeText(*module, options.output);
  auto forward = module->lookupSymbol<func::FuncOp>("bertc_forward");
  // The runtime binds one weights buffer for both entries.
  if (auto packed =
          module->lookupSymbol<func::FuncOp>("bertc_forward_packed");
      packed && packed->getAttr("bert.weights_layout") !=
                    forward->getAttr("bert.weights_layout"))
    return fail("internal error: the packed entry's weights layout differs "
                "from bertc_forward's");
  std::string description = info.describe(forward);

  if (failed(runPhase(
          *module, "llvm",
          [&](PassManager &pm) {
            if (!cuda)
              return buildCPULoweringPipeline(pm, lowering);
            buildGPULoweringPipeline(pm, gpu);
          },
          options.timing, error)))
    return fail(error);
  if (options.emit == Phase::PTX)
    return writePTX(*module, options.output);
  if (options.emit == Phase::LLVM)
    return writeText(*module, options.output);

  CPUTargetOptions targetOptions;
  targetOptions.cpu = options.cpu;
  // Emulated GPU programs are tests of the mapping, run on tiny models:
  // optimizing their unrolled kernels took most of their build time.
  if (options.emulateGPU)
    targetOptions.optLevel = 0;
  llvm::SmallVector<char, 0> object;
  if (failed(emitCPUObject(*module, description, targetOptions, object,
                           error)))
    return fail(error);

  std::string objectPath = options.output;
  llvm::SmallString<128> tmpObject;
  if (options.emit != Phase::Obj) {
    int fd;
    if (llvm::sys::fs::createTemporaryFile("bertc", "o", fd, tmpObject))
      return fail("cannot create a temporary file");
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    objectPath = tmpObject.str().str();
  }
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec)
      return fail("cannot write '" + objectPath + "': " + ec.message());
    os.write(object.data(), object.size());
  }
  if (options.emit == Phase::Obj)
    return 0;
  LinkOptions link;
  link.sharedLibrary = options.emit == Phase::Lib;
  link.threaded = options.threads && !cuda;
  link.cuda = cudaRuntime;
  link.toolDir = options.toolDir;
  bool ok = linkProgram(objectPath, options.output, link, error);
  llvm::sys::fs::remove(objectPath);
  return ok ? 0 : fail(error);
}

int mlir::bertc::inspect(const std::string &model) {
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  ModelInfo info;
  std::string error;
  OwningOpRef<ModuleOp> module =
      importModel(ctx, model, ImportOptions(), info, error);
  if (!module)
    return fail(error);
  llvm::outs() << info.summary();
  return 0;
}
