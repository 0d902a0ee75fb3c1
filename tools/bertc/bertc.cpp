//===- bertc.cpp - the bertc command line ----------------------------------===//
//
//   bertc compile MODEL -o OUT [--target=cpu|cuda] [--emit=PHASE] [--batch=N]
//                              [--seq-len=N] [--embed-weights] [--sm=90]
//                              [--dtype=f32|f16|bf16]
//   bertc inspect MODEL
//
// A thin layer over lib/Driver.
//
//===----------------------------------------------------------------------===//

#include "Driver/Driver.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace mlir::bertc;

static cl::OptionCategory category("bertc options");
static cl::SubCommand compileCmd(
    "compile", "Compile MODEL (a Hugging Face checkpoint directory or a "
               "models/*.json description) into a native program");
static cl::SubCommand inspectCmd(
    "inspect", "Describe MODEL: architecture, parameters, inputs, outputs, "
               "and what will be compiled");

static cl::opt<std::string> compileModel(cl::Positional, cl::Required,
                                         cl::desc("MODEL"),
                                         cl::sub(compileCmd));
static cl::opt<std::string> inspectModel(cl::Positional, cl::Required,
                                         cl::desc("MODEL"),
                                         cl::sub(inspectCmd));
static cl::opt<std::string> output("o", cl::desc("output file ('-' = stdout "
                                                 "for text phases)"),
                                   cl::value_desc("OUT"), cl::sub(compileCmd),
                                   cl::cat(category));
static cl::opt<std::string> target("target",
                                   cl::desc("cpu (default) or cuda (an NVIDIA "
                                            "GPU; see --sm)"),
                                   cl::init("cpu"), cl::sub(compileCmd),
                                   cl::cat(category));
static cl::opt<std::string> emit(
    "emit",
    cl::desc("stop after a phase: bert, linalg, llvm (IR as text), ptx (the "
             "kernels, --target=cuda), obj, exe (default: an executable), lib "
             "(shared library + C header)"),
    cl::init("exe"), cl::sub(compileCmd), cl::cat(category));
static cl::opt<int64_t> batch("batch",
                              cl::desc("specialize the batch size (default: "
                                       "dynamic)"),
                              cl::init(-1), cl::sub(compileCmd),
                              cl::cat(category));
static cl::opt<int64_t> seqLen("seq-len",
                               cl::desc("specialize the sequence length "
                                        "(default: dynamic)"),
                               cl::init(-1), cl::sub(compileCmd),
                               cl::cat(category));
static cl::opt<bool> embedWeights(
    "embed-weights",
    cl::desc("inline the weights into the program (not implemented yet)"),
    cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> unrollSharedLayers(
    "unroll-shared-layers",
    cl::desc("ALBERT: copy the shared layer body per layer instead of "
             "looping over it (code grows with depth)"),
    cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> noFuseLinears(
    "no-fuse-linears",
    cl::desc("one matrix product per linear layer, rather than one for the "
             "linears that read the same input (attention's query, key and "
             "value; bert-fuse-linears), to compare the two on a benchmark"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> noThreads(
    "no-threads",
    cl::desc("single-threaded code that needs no OpenMP runtime (libomp) "
             "where it runs; --threads of the program then has no effect"),
    cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> removePadding(
    "remove-padding",
    cl::desc("programs skip padding by default: rows whose attention_mask is "
             "ones then zeros run at their own length, and token outputs "
             "hold zeros at padding positions (BERT, RoBERTa, ALBERT, "
             "FastBERT; the program's --keep-padding turns it off)"),
    cl::sub(compileCmd), cl::cat(category));
static cl::opt<int> sm("sm",
                       cl::desc("--target=cuda: the GPU's compute capability, "
                                "e.g. 80 (A100), 90 (H100, the default)"),
                       cl::init(90), cl::sub(compileCmd), cl::cat(category));
static cl::opt<std::string> dtype(
    "dtype",
    cl::desc("--target=cuda: f32 (default), or f16 / bf16: linear weights "
             "are stored at that width and matrix products round their "
             "operands to it, summing in f32 (needs --sm=80 or above)"),
    cl::init("f32"), cl::sub(compileCmd), cl::cat(category));
static cl::opt<std::string>
    cpu("cpu", cl::desc("LLVM CPU name to generate code for (default: native, "
                        "the machine bertc runs on)"),
        cl::init("native"), cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> emulateGPU(
    "emulate-gpu",
    cl::desc("with --target=cuda: a CPU program that runs each GPU kernel as "
             "loops over its blocks and threads (tests the GPU mapping "
             "without a GPU; slow)"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> gpuPlainKernels(
    "gpu-plain-kernels",
    cl::desc("with --target=cuda: one thread per output element for every "
             "loop nest, no tiled matrix products or row reductions (the "
             "baseline the GPU benchmark compares them with)"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> gpuNoLdmatrix(
    "gpu-no-ldmatrix",
    cl::desc("with --target=cuda and --dtype=f16|bf16: load the tensor-core "
             "fragments with a 32-bit shared load per pair instead of "
             "ldmatrix (to compare the two, or to rule ldmatrix out)"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> gpuNoFitTiles(
    "gpu-no-fit-tiles",
    cl::desc("with --target=cuda: every tiled matrix product gets the whole "
             "tile, even where its static rows or columns fill half of it "
             "or less (to compare with the fitted tiles on a GPU)"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> gpuNoPrefetch(
    "gpu-no-prefetch",
    cl::desc("with --target=cuda: the tiled matrix products load each k "
             "block when they stage it instead of one block ahead (to "
             "compare the two on a GPU)"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> gpuNoWideLoads(
    "gpu-no-wide-loads",
    cl::desc("with --target=cuda: the tiled matrix products copy their "
             "slices with element loads instead of 16-byte loads (to "
             "compare the two on a GPU)"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> gpuNoWideSpecialization(
    "gpu-no-wide-specialization",
    cl::desc("with --target=cuda: one kernel per tiled matrix product, "
             "whose 16-byte copies check their alignment in the loop, "
             "instead of an aligned one chosen on the host next to it (to "
             "compare the two on a GPU)"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> gpuWideOperands(
    "gpu-wide-operands",
    cl::desc("with --target=cuda and --dtype=f16|bf16: keep tensors that "
             "only matrix products read in f32 instead of storing them at "
             "the products' operand type (to compare the two on a GPU)"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> gpuDoubleBuffer(
    "gpu-double-buffer",
    cl::desc("with --target=cuda: the tiled matrix products stage their "
             "slices in two shared buffers, one barrier per k block instead "
             "of two (twice the shared memory; to compare on a GPU)"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<int> gpuAsyncStages(
    "gpu-async-stages",
    cl::desc("with --target=cuda and --dtype=f16|bf16: tensor-core products "
             "whose operands are both f16/bf16 and contiguous in k copy them "
             "with cp.async into N shared buffers (N - 1 k blocks in "
             "flight; 0: register copies, the default; to compare on a GPU)"),
    cl::value_desc("N"), cl::init(0), cl::Hidden, cl::sub(compileCmd),
    cl::cat(category));
static cl::opt<int> gpuMinBlocksPerSM(
    "gpu-min-blocks-per-sm",
    cl::desc("with --target=cuda: ptxas keeps each tiled matrix product's "
             "registers low enough for N blocks per SM (the 512-thread "
             "tensor-core products: 64 registers for N = 2, with some "
             "spills; up to 128 for N = 1, which lets ptxas issue the next "
             "k block's loads before this one's products; 0: ptxas's "
             "choice, the default; to compare on a GPU)"),
    cl::value_desc("N"), cl::init(0), cl::Hidden, cl::sub(compileCmd),
    cl::cat(category));
static cl::opt<int> gpuWarpRowsUpTo(
    "gpu-warp-rows-up-to",
    cl::desc("with --target=cuda: row reductions (softmax, layer norm) over "
             "rows of at most N elements run a warp per row, 4 rows a "
             "block, no shared memory or barriers, instead of a block per "
             "row (0: never, the default; to compare on a GPU)"),
    cl::value_desc("N"), cl::init(0), cl::Hidden, cl::sub(compileCmd),
    cl::cat(category));
static cl::opt<std::string> gpuTile(
    "gpu-tile",
    cl::desc("with --target=cuda: the tiled matrix products' block tile as "
             "MxNxK (rows and columns of C per block, k per shared slice; "
             "default 64x128x16 in f32, 128x128x32 on tensor cores), to "
             "compare tile sizes on a GPU"),
    cl::value_desc("MxNxK"), cl::Hidden, cl::sub(compileCmd),
    cl::cat(category));
static cl::opt<std::string> gpuSmallTile(
    "gpu-small-tile",
    cl::desc("with --target=cuda: a second block tile MxNxK for the matrix "
             "products whose launch would have fewer blocks than the GPU has "
             "SMs (small batches), chosen at run time (default: none)"),
    cl::value_desc("MxNxK"), cl::Hidden, cl::sub(compileCmd),
    cl::cat(category));
static cl::opt<int> gpuSplitK(
    "gpu-split-k",
    cl::desc("with --target=cuda: a linear layer's product whose grid has "
             "fewer blocks than the GPU has SMs (small batches) splits k "
             "into up to N ranges, a block each, and a second kernel adds "
             "their sums (default 16; 0: never, to compare on a GPU)"),
    cl::value_desc("N"), cl::init(-1), cl::Hidden, cl::sub(compileCmd),
    cl::cat(category));
static cl::opt<int> gpuSplitKMin(
    "gpu-split-k-min",
    cl::desc("with --target=cuda: the fewest k blocks (the tile's k each) a "
             "split-k range may have (default 4)"),
    cl::value_desc("N"), cl::init(-1), cl::Hidden, cl::sub(compileCmd),
    cl::cat(category));
static cl::opt<bool> gpuSplitKWaves(
    "gpu-split-k-waves",
    cl::desc("with --target=cuda: choose split k's ranges by the waves of "
             "blocks a product's grid takes on the GPU's SMs (one block per "
             "SM at a time), which also splits grids larger than the GPU "
             "whose last wave leaves SMs idle (BERT-base's FFN output at "
             "batch 32: 192 blocks on 132 SMs); to compare on a GPU"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> gpuFuseAttention(
    "gpu-fuse-attention",
    cl::desc("with --target=cuda and --dtype=f16|bf16: run each attention's "
             "Q.K^T, mask, softmax and P.V as one tensor-core kernel that "
             "keeps the scores in registers (BERT, RoBERTa, ALBERT, "
             "FastBERT; Transformer-XL and XLNet keep their kernels); to "
             "compare on a GPU"),
    cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<std::string> gpuWarpTile(
    "gpu-warp-tile",
    cl::desc("with --target=cuda and --dtype=f16|bf16: the tensor-core "
             "products' warp tile as MxN (rows and columns of C per warp, "
             "multiples of 16 that divide the block tile; default 32x32)"),
    cl::value_desc("MxN"), cl::Hidden, cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> profile(
    "profile",
    cl::desc("time every kernel as it runs and print the times per "
             "kernel (grouped by kind and model module, layers folded) on "
             "stderr when the program exits (--target=cuda: CUDA events "
             "around each launch)"),
    cl::sub(compileCmd), cl::cat(category));
static cl::opt<bool> timing("timing",
                            cl::desc("print the time spent in each pass"),
                            cl::sub(compileCmd), cl::cat(category));

/// Parses a tile flag's "MxNxK" (or, with `sizes` 2, "MxN") into `tile`
/// (nothing when empty); false, with the error printed, when it is not
/// that many positive integers.
static bool parseTile(StringRef flag, StringRef text,
                      std::vector<int64_t> &tile, size_t sizes = 3) {
  if (text.empty())
    return true;
  SmallVector<StringRef, 3> parts;
  text.split(parts, 'x');
  for (StringRef part : parts) {
    int64_t v;
    if (parts.size() != sizes || part.getAsInteger(10, v) || v < 1) {
      errs() << "error: " << flag << "='" << text << "' is not "
             << (sizes == 3 ? "MxNxK with three" : "MxN with two")
             << " positive integers\n";
      return false;
    }
    tile.push_back(v);
  }
  return true;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "bertc: an ahead-of-time compiler for the BERT model family\n\n"
      "  bertc compile MODEL -o OUT [options]   build a native program\n"
      "  bertc inspect MODEL                    describe a model\n\n"
      "MODEL is a directory with config.json and model.safetensors (or a\n"
      "sharded model.safetensors.index.json); model_type bert, roberta,\n"
      "albert, fastbert (a FastBERT description, see README.md),\n"
      "transfo-xl or xlnet.\n"
      "The program runs as: OUT --input IN.safetensors --output "
      "OUT.safetensors (OUT --help lists its options).\n");

  if (inspectCmd)
    return inspect(inspectModel);
  if (!compileCmd) {
    errs() << "error: expected a command: compile or inspect (see --help)\n";
    return 2;
  }

  CompileOptions options;
  options.model = compileModel;
  options.output = output;
  if (target == "cpu")
    options.target = Target::CPU;
  else if (target == "cuda")
    options.target = Target::CUDA;
  else {
    errs() << "error: unknown --target '" << target
           << "' (expected cpu or cuda)\n";
    return 2;
  }
  std::optional<Phase> phase = parsePhase(emit);
  if (!phase) {
    errs() << "error: unknown --emit '" << emit
           << "' (expected bert, linalg, llvm, ptx, obj, exe or lib)\n";
    return 2;
  }
  options.emit = *phase;
  if ((batch.getNumOccurrences() && batch < 1) ||
      (seqLen.getNumOccurrences() && seqLen < 1)) {
    errs() << "error: --batch and --seq-len must be positive\n";
    return 2;
  }
  options.batch = batch;
  options.seqLen = seqLen;
  options.embedWeights = embedWeights;
  options.unrollSharedLayers = unrollSharedLayers;
  options.fuseLinears = !noFuseLinears;
  options.threads = !noThreads;
  options.removePadding = removePadding;
  if (sm < 50 || sm > 121) {
    errs() << "error: --sm=" << sm
           << " is not a CUDA compute capability bertc knows (50 ... 121)\n";
    return 2;
  }
  options.sm = sm;
  options.cpu = cpu;
  options.timing = timing;
  options.profile = profile;
  options.emulateGPU = emulateGPU;
  options.gpuPlainKernels = gpuPlainKernels;
  options.gpuNoLdmatrix = gpuNoLdmatrix;
  options.gpuNoFitTiles = gpuNoFitTiles;
  options.gpuNoPrefetch = gpuNoPrefetch;
  options.gpuNoWideLoads = gpuNoWideLoads;
  options.gpuNoWideSpecialization = gpuNoWideSpecialization;
  options.gpuDoubleBuffer = gpuDoubleBuffer;
  options.gpuAsyncStages = gpuAsyncStages;
  options.gpuMinBlocksPerSM = gpuMinBlocksPerSM;
  options.gpuWarpRowsUpTo = gpuWarpRowsUpTo;
  options.gpuWideOperands = gpuWideOperands;
  for (cl::opt<int> *count : {&gpuSplitK, &gpuSplitKMin}) {
    if (count->getNumOccurrences() && *count < 0) {
      errs() << "error: --" << count->ArgStr << " must be 0 or more, got "
             << *count << "\n";
      return 2;
    }
  }
  options.gpuSplitK = gpuSplitK;
  options.gpuSplitKMin = gpuSplitKMin;
  options.gpuSplitKWaves = gpuSplitKWaves;
  options.gpuFuseAttention = gpuFuseAttention;
  if (!parseTile("--gpu-tile", gpuTile, options.gpuTile) ||
      !parseTile("--gpu-small-tile", gpuSmallTile, options.gpuSmallTile) ||
      !parseTile("--gpu-warp-tile", gpuWarpTile, options.gpuWarpTile, 2))
    return 2;
  if (dtype != "f32" && dtype != "f16" && dtype != "bf16") {
    errs() << "error: unknown --dtype '" << dtype
           << "' (expected f32, f16 or bf16)\n";
    return 2;
  }
  options.dtype = dtype;
  std::string exe = sys::fs::getMainExecutable(argv[0], (void *)&main);
  options.toolDir = sys::path::parent_path(exe).str();
  return compile(options);
}
