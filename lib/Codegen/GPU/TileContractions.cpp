//===- TileContractions.cpp - block-tiled GPU matrix products --------------===//
//
// See bertc-gpu-tile-contractions in Passes.td for the kernel's shape. The
// emitter writes the launch directly (rather than tiling linalg and mapping
// the tiles) because the parts that make it fast, the shared-memory layout,
// the thread order of the copies and the per-thread register tile, are
// decided together.
//
//===----------------------------------------------------------------------===//

#include "Codegen/ContractionMatch.h"
#include "Codegen/GPU/GenericBody.h"
#include "Codegen/GPU/KernelKind.h"
#include "Codegen/GPU/OutputEpilogue.h"
#include "Codegen/GPU/OutputInit.h"
#include "Codegen/KernelDescription.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUTILECONTRACTIONS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {

/// A block's static shared memory (workgroup attributions) is at most
/// 48 KiB; dynamic shared memory goes to the GPU's limit (the pass's
/// shared-bytes: 227 KiB on an H100/H200) once the kernel is allowed (the
/// runtime's mgpuLaunchKernel does that).
constexpr int64_t kStaticSharedBytes = 48 * 1024;
/// The most blocks a grid may have along y or z.
constexpr int64_t kMaxGridYZ = 65535;

struct GpuTile {
  int64_t m, n, k, threadM, threadN;
  Type operand;          // element type of the shared slices: f32, f16 or bf16
  bool epilogues = true; // apply the elementwise op after C to the sums
  bool ldmatrix = true;  // tensor cores: fragments by ldmatrix
  bool prefetch = true;  // load the next k block during this one's products
  bool wideLoads = true; // 16-byte global loads where the operand allows
  bool doubleBuffer = false; // two stages of slices, one barrier per k block
  bool fit = true; // halve m, n to the product's static sizes (fittedTo)
  // With wide loads: a second launch whose copies assume every 16-byte group
  // whole and aligned (no element-wise path), chosen on the host.
  bool specializeWide = true;
  // Tensor cores, both operands already of the slices' type and contiguous
  // in k: cp.async copies into `stages` slices, no registers in between.
  bool asyncCopies = false;
  int64_t stages = 2;
  // Products without batch dimensions whose grid has fewer blocks than the
  // GPU has SMs split k over up to `splitK` blocks per tile, each at least
  // `splitKMin` k blocks long (0 or 1: never).
  int64_t splitK = 0, splitKMin = 4;
  // Split k by the waves a grid takes (splitCount) rather than only when it
  // has fewer blocks than SMs.
  bool splitKWaves = false;
  // Tensor cores: a warp per warpM x warpN tile of C, as (warpM / 16) x
  // (warpN / 8) m16n8k16 products per 16 of k (threadM/threadN unused).
  bool mma = false;
  int64_t warpM = 32, warpN = 32;
  int64_t warpsN() const { return n / warpN; }
  int64_t mmaRows() const { return warpM / 16; } // A fragments per warp
  int64_t mmaCols() const { return warpN / 8; }  // B fragments per warp
  int64_t threadsX() const { return mma ? 32 : n / threadN; }
  int64_t threadsY() const {
    return mma ? (m / warpM) * warpsN() : m / threadM;
  }
  int64_t threads() const { return threadsX() * threadsY(); }

  /// Tensor cores read k pairs of a row as one 32-bit word, so their slices
  /// are [row][k], each row padded by 8 elements: 16 bytes, which keeps rows
  /// 16-byte aligned and puts the 8 rows x 4 pairs of a fragment load in 32
  /// different banks (a row is 4 (2j + 1) words for k = 16 j). An operand
  /// contiguous along its rows instead (B = V in attention's P.V) keeps
  /// that order in a [k][row] slice, padded by 8 too, whose fragments
  /// ldmatrix loads transposed: its copies are then 16-byte stores or
  /// cp.async rather than a transposing store per element. FMA threads
  /// read rows along m or n at one k, so theirs are [k][row], padded by 4
  /// elements against the bank conflicts of the copies along k (a k row is
  /// then 4 words off the 32 banks) and keeping k rows 16-byte aligned for
  /// the vector reads. `kFastest`: the operand is copied along k.
  bool kMajorSlice(bool kFastest) const {
    return !mma || (ldmatrix && !kFastest);
  }
  /// FMA threads own groups of 4 consecutive rows and columns (when their
  /// counts allow) and read each group from the slices with one vector
  /// load; else single rows and columns, threadsY (threadsX) apart.
  static constexpr int64_t kGroup = 4;
  bool groupedRows() const { return threadM % kGroup == 0; }
  bool groupedCols() const { return threadN % kGroup == 0; }
  /// Adjacent columns of C a thread owns: a C fragment's pair, an FMA
  /// thread's group of 4, or 1.
  int64_t columnRun() const { return mma ? 2 : groupedCols() ? kGroup : 1; }

  /// This tile with m and n halved while the halves still cover the
  /// product's static `sizeM` and `sizeN` (dynamic: kept) and still divide
  /// into warp or thread tiles: a block's rows or columns past the product
  /// would only multiply zeros (attention's P.V has 64 columns, a head).
  GpuTile fittedTo(int64_t sizeM, int64_t sizeN) const {
    GpuTile fitted = *this;
    auto halve = [&](int64_t &extent, int64_t size, int64_t unit) {
      while (fit && !ShapedType::isDynamic(size) && extent % 2 == 0 &&
             extent / 2 >= size && (extent / 2) % unit == 0)
        extent /= 2;
    };
    halve(fitted.m, sizeM, mma ? warpM : threadM);
    halve(fitted.n, sizeN, mma ? warpN : threadN);
    return fitted;
  }

  /// `stageCount` > 1: a stage dimension, outermost.
  SmallVector<int64_t, 3> sliceShape(int64_t rows, int64_t stageCount,
                                     bool kMajor) const {
    SmallVector<int64_t, 3> shape;
    if (stageCount > 1)
      shape.push_back(stageCount);
    if (!kMajor)
      llvm::append_range(shape, ArrayRef<int64_t>{rows, k + 8});
    else
      llvm::append_range(shape,
                         ArrayRef<int64_t>{k, rows + (mma ? 8 : kGroup)});
    return shape;
  }
  /// The bytes of sliceShape(rows, stageCount, kMajor).
  int64_t sliceBytes(int64_t rows, int64_t stageCount, bool kMajor) const {
    int64_t elements = 1;
    for (int64_t size : sliceShape(rows, stageCount, kMajor))
      elements *= size;
    return elements * operand.getIntOrFloatBitWidth() / 8;
  }
};

/// One m16n8k16 tensor-core product per warp, D = A * B + C, on the
/// fragments PTX's mma.sync defines for 16-bit operands: lane l holds, with
/// g = l / 4 and t = l % 4, the A pairs (row g + 8 (p % 2), columns
/// 2t + 8 (p / 2) + {0, 1}) for p < 4, the B pairs (rows 2t + 8p + {0, 1},
/// column g) for p < 2, and C/D at (row g + 8 (q / 2), column 2t + q % 2).
/// f16 pairs are vector<2xf16>, bf16 pairs i32, as nvvm.mma.sync wants
/// them; bertc-gpu-launches-to-loops emulates this op on those fragments.
SmallVector<Value> emitWarpMma(OpBuilder &b, Location loc, Type operand,
                               ValueRange aPairs, ValueRange bPairs,
                               ValueRange c) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto result = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  NVVM::MMATypes type =
      operand.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  auto mma = NVVM::MmaOp::create(
      b, loc, result, aPairs, bPairs, c, ArrayRef<int64_t>{16, 8, 16},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> d;
  for (int64_t q = 0; q < 4; ++q)
    d.push_back(LLVM::ExtractValueOp::create(b, loc, mma, q));
  return d;
}

/// Emits one contraction's launch in place of its op.
class TiledKernelEmitter {
public:
  /// With `small`, a product whose launch with `tile` would have fewer
  /// than `smallBelow` blocks runs with `small` instead (chosen on the host
  /// at run time: sizes may be dynamic).
  TiledKernelEmitter(const Contraction &ct, const GpuTile &tile,
                     std::optional<GpuTile> small = std::nullopt,
                     int64_t smallBelow = 0,
                     FlatSymbolRefAttr smCount = {})
      : ct(ct), tile(fitted(tile)), small(small), smallBelow(smallBelow),
        smCount(smCount),
        b(ct.op), loc(this->ct.op.getLoc()) {
    if (this->small)
      this->small = fitted(*this->small);
  }

  void emit();

private:
  GpuTile fitted(const GpuTile &t) {
    SmallVector<int64_t, 4> ranges = ct.op.getStaticLoopRanges();
    return t.fittedTo(ranges[ct.m], ranges[ct.n]);
  }
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }

  /// `at` in a slice: with double buffering, in the current `stage`.
  SmallVector<Value, 3> inSlice(ArrayRef<Value> at) {
    SmallVector<Value, 3> indices;
    if (stage)
      indices.push_back(stage);
    llvm::append_range(indices, at);
    return indices;
  }

  /// The indices of `map` at the loop values `ivs`.
  SmallVector<Value> indices(AffineMap map) { return indicesAt(map, ivs); }

  /// `x` (a float or a vector of them) converted to the float type `to`
  /// element by element (rounded to nearest even when narrower).
  Value convert(Value x, Type to) {
    auto like = [&](Type element) -> Type {
      if (auto vector = dyn_cast<VectorType>(x.getType()))
        return vector.clone(element);
      return element;
    };
    auto bits = [](Value v) {
      return getElementTypeOrSelf(v.getType()).getIntOrFloatBitWidth();
    };
    if (getElementTypeOrSelf(x.getType()) == to)
      return x;
    unsigned width = to.getIntOrFloatBitWidth();
    if (bits(x) == width) // f16 <-> bf16, through f32 (exact)
      x = arith::ExtFOp::create(b, loc, like(b.getF32Type()), x);
    if (bits(x) > width)
      return arith::TruncFOp::create(b, loc, like(to), x);
    return arith::ExtFOp::create(b, loc, like(to), x);
  }

  /// `values()` (emitted under the guard, of `types`) where `inBounds`,
  /// else zeros.
  SmallVector<Value> valuesOrZero(Value inBounds, TypeRange types,
                                  function_ref<SmallVector<Value>()> values);
  /// valuesOrZero of one value.
  Value valueOrZero(Value inBounds, Type type, function_ref<Value()> value) {
    return valuesOrZero(inBounds, type, [&] {
      return SmallVector<Value>{value()};
    }).front();
  }
  /// `mem[map(ivs)]` as a `type` where `inBounds`, else 0.
  Value loadOrZero(Value mem, AffineMap map, Value inBounds, Type type) {
    return valueOrZero(inBounds, type, [&] {
      return convert(memref::LoadOp::create(b, loc, mem, indices(map)), type);
    });
  }

  /// How the block's threads copy one operand's `rows x tile-k` slice
  /// (rows along `dim`, starting at `rowBase`, `rowLimit` valid) into
  /// `shared` (GpuTile::sliceShape): in rounds of `width` consecutive
  /// elements per thread, consecutive threads on consecutive elements of
  /// the operand's contiguous dimension (k with `kFastest`, else the
  /// rows), so that a warp's reads coalesce.
  struct SliceCopy {
    Value global;
    AffineMap map;
    unsigned dim;
    Value rowBase, rowLimit, shared;
    bool kFastest;
    bool kMajor; // the slice is [k][row] (GpuTile::kMajorSlice)
    int64_t width = 1; // > 1: a vector load of `width` where `wide` holds
    Value wide;        // i1: this operand's `width`-groups are aligned to
                       // their size and never cross its end (else `width`
                       // guarded scalar loads)
    SmallVector<Value> kk, row; // this thread's first element of each round
    Value lastLive; // the last round has fewer groups than threads: tid's
                    // group exists (null: every round is full)
  };
  /// Element (kk, row) of `copy`'s slice, in its order (and stage).
  SmallVector<Value, 3> sliceAt(const SliceCopy &copy, Value kk, Value row) {
    return copy.kMajor ? inSlice({kk, row}) : inSlice({row, kk});
  }
  /// The elements per load of `global` along loop `contiguous` (1, or
  /// 16 bytes' worth when its map ends in that loop alone, its last
  /// dimension is contiguous, and `extent` is a multiple).
  int64_t wideWidth(Value global, AffineMap map, unsigned contiguous,
                    int64_t extent);
  /// Whether `global`'s groups of `width` along its last dimension are
  /// aligned to their size and whole, at run time: aligned pointer, offset,
  /// outer strides and last size.
  Value wideAllowed(Value global, int64_t width);
  /// What an operand's slice copies: the operand, its map, the loop its
  /// `rows` run along (the tile's m or n) and whether k is its fastest
  /// dimension. One description for the host's alignment check
  /// (emitLaunches) and the kernel's copies (emitLaunch), so they agree.
  struct SliceSource {
    Value global;
    AffineMap map;
    unsigned dim;
    int64_t rows;
    bool kFastest;
  };
  SliceSource sourceA() const { return {ct.a, ct.aMap, ct.m, tile.m, true}; }
  SliceSource sourceB() const {
    return {ct.b, ct.bMap, ct.n, tile.n, ct.dotForm};
  }
  /// The elements per group of `src`'s slice copy: wideWidth's with wide
  /// loads, else 1.
  int64_t copyWidth(const SliceSource &src) {
    if (!tile.wideLoads)
      return 1;
    return wideWidth(src.global, src.map, src.kFastest ? ct.k : src.dim,
                     src.kFastest ? tile.k : src.rows);
  }
  /// The rounds' positions, computed once before the k loop.
  SliceCopy planSlice(const SliceSource &src, Value rowBase, Value rowLimit,
                      Value shared);
  /// This thread's elements of the k block at `k0` (0 outside the operand),
  /// in the operand's element type (storeSlice converts them).
  SmallVector<Value> loadSlice(const SliceCopy &copy, Value k0);
  /// Points ivs at round `r` of `copy` for the k block at `k0`.
  void aimRound(const SliceCopy &copy, size_t r, Value k0);
  /// Whether ivs (set by aimRound) are inside the operand for round `r`.
  Value inBoundsAt(const SliceCopy &copy, size_t r);
  /// Round `r`'s `copy.width` elements at ivs as guarded element loads (a
  /// vector when width > 1).
  Value loadElements(const SliceCopy &copy, size_t r);
  /// Emits `body` for round `r` of `copy`; in a last round with fewer
  /// groups than threads, only where this thread's group exists.
  void inRound(const SliceCopy &copy, size_t r, function_ref<void()> body);
  /// Stores `values` (loadSlice's) into the slice.
  void storeSlice(const SliceCopy &copy, ValueRange values);
  /// Whether the value `writer` gives C's elements is the same down each
  /// column: the op reads its inputs and loop indices without C's row.
  bool initIgnoresRows(const OutputInit &writer);
  /// The columns per vector store of the sums into `outputs` (C and the
  /// epilogue's), or 1 where they cannot be stored as vectors.
  int64_t storeRun(ArrayRef<Value> outputs);
  /// Split k: the thread's sums into the partial-sum buffer at range z.
  void storePartials(Value z, ArrayRef<std::pair<Value, Value>> owned,
                     Value m0, Value n0, Value limitM, Value sizeN,
                     ValueRange sums);
  /// Stores the thread's `sums` (at `owned` in the block's tile at m0, n0)
  /// into `outputs` through `epilogue`, `run` consecutive columns at a time.
  void storeRuns(int64_t run, ArrayRef<Value> outputs,
                 const OutputEpilogue &epilogue,
                 ArrayRef<std::pair<Value, Value>> owned, Value m0, Value n0,
                 Value limitM, Value sizeN, ValueRange sums);
  /// Whether `src`'s slice copy can be cp.async: 16-byte groups of
  /// elements already of the slices' type, consecutive in the operand and
  /// in the slice (along k into [row][k], along the rows into [k][row]).
  bool asyncCopyable(const SliceSource &src);
  /// Starts the copy of the k block at `k0` into the current stage: a
  /// 16-byte cp.async per group (zero-filled outside the operand) where
  /// `wide` holds, else element loads and stores.
  void copySliceAsync(const SliceCopy &copy, Value k0);

  /// The tensor-core steps over one k block of the slices: for each 16
  /// of k, the warp's mmaRows A and mmaCols B fragments from shared memory
  /// and their mmaRows x mmaCols products; `sums` in the order of `owned`.
  SmallVector<Value> mmaSteps(Value sharedA, Value sharedB, ValueRange sums,
                              Value lane, Value group, Value quad,
                              Value warpRow, Value warpCol, bool bKMajor);
  /// The pair (shared[row][k], shared[row][k + 1]) as an mma operand.
  Value pair(Value shared, Value k, Value row);
  /// A 16-bit pair (vector<2xT>) as an mma operand (bf16: an i32).
  Value mmaOperand(Value v);
  /// The warp's four 8 x 8 matrices of `shared` at rows `rowBase + 8 (i %
  /// 2 or i / 2)` and columns `k + 8 (i / 2 or i % 2)` for i < 4 (`aOrder`:
  /// A's order, rows first), as each lane's four pairs: lane l gets row l /
  /// 4, columns 2 (l % 4) + {0, 1} of each; lane 8 i + r names row r of
  /// matrix i. `kMajor` (B only): `shared` is [k][row], and ldmatrix
  /// transposes each matrix on the way, so that the lanes get the same
  /// pairs (k 2 (l % 4) + {0, 1} of row l / 4).
  SmallVector<Value> loadMatrices(Value shared, Value rowBase, Value k,
                                  Value lane, bool aOrder,
                                  bool kMajor = false);

  /// The launches of `tile` at b's insertion point: with
  /// `specializeWide`, where some operand copies 16-byte groups, one whose
  /// copies assume them aligned and whole (no element-wise path: fewer
  /// instructions and registers in the k loop) and the general one, chosen
  /// on the host by the same check the kernel would make; else the general
  /// one.
  void emitLaunches(OutputInit writer, OutputEpilogue epilogue,
                    ArrayRef<Value> sizes, Value batchCount);
  /// emitLaunches for the split-k kernels too where they may run: the host
  /// splits k when the tile's grid is smaller than the GPU (split-k).
  void emitSplitOrWhole(OutputInit writer, OutputEpilogue epilogue,
                        ArrayRef<Value> sizes, Value batchCount);
  /// The launch of `tile` (the emitter's current one) at b's insertion
  /// point, computing `writer`'s values as C's start and running
  /// `epilogue` on the sums; with `split`, block z of the grid sums
  /// z's k range into `split.partials[z]` instead.
  void emitLaunch(OutputInit writer, OutputEpilogue epilogue,
                  ArrayRef<Value> sizes, Value batchCount);
  /// After the split launch: C's start plus the partial sums, then the
  /// store and the epilogue, a thread per element of C.
  void emitSplitSum(OutputInit writer, OutputEpilogue epilogue,
                    ArrayRef<Value> sizes, Value batchCount);
  /// max(ceil(size / per), 1): a launch of zero blocks is an error in CUDA,
  /// so empty dimensions get one block whose threads fail every guard.
  Value blocks(Value size, int64_t per) {
    return arith::MaxUIOp::create(
        b, loc, arith::CeilDivUIOp::create(b, loc, size, cst(per)), cst(1));
  }
  /// split-k-waves: the ranges (1 to `most`) that minimize the k blocks the
  /// busiest SM runs, ceil(tiles x ranges / SMs) x ceil(blocksK / ranges),
  /// one block per SM at a time (the 512-thread products' occupancy); the
  /// fewest of equals, and 1 unless they save an eighth of 1's (the
  /// partial sums' traffic and the sum kernel). With one wave that is as
  /// many as fill the GPU, as without; with several it also splits full
  /// grids whose last wave leaves SMs idle (BERT-base's FFN output at batch
  /// 32: 192 blocks on 132 SMs take 2 x 96 k blocks, split in 2, 3 x 48).
  Value splitCount(Value tiles, Value blocksK, Value most) {
    Value sms = arith::MaxUIOp::create(b, loc, below, cst(1));
    auto cost = [&](OpBuilder &nb, Value ranges) {
      Value blocksAll = arith::MulIOp::create(nb, loc, tiles, ranges);
      Value waves = arith::CeilDivUIOp::create(nb, loc, blocksAll, sms);
      Value perRange = arith::CeilDivUIOp::create(nb, loc, blocksK, ranges);
      return arith::MulIOp::create(nb, loc, waves, perRange).getResult();
    };
    Value wholeWaves = arith::CeilDivUIOp::create(b, loc, tiles, sms);
    Value whole = mul(wholeWaves, blocksK);
    Value last = add(most, cst(1));
    auto search = scf::ForOp::create(
        b, loc, cst(2), last, cst(1), ValueRange{cst(1), whole},
        [&](OpBuilder &nb, Location, Value ranges, ValueRange best) {
          Value mine = cost(nb, ranges);
          Value better = arith::CmpIOp::create(
              nb, loc, arith::CmpIPredicate::ult, mine, best[1]);
          Value bestRanges =
              arith::SelectOp::create(nb, loc, better, ranges, best[0]);
          Value bestCost =
              arith::SelectOp::create(nb, loc, better, mine, best[1]);
          scf::YieldOp::create(nb, loc, ValueRange{bestRanges, bestCost});
        });
    Value saved = mul(search.getResult(1), cst(8));
    Value bar = mul(whole, cst(7));
    Value worth =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, saved, bar);
    return arith::SelectOp::create(b, loc, worth, search.getResult(0), cst(1));
  }


  Contraction ct;
  GpuTile tile;
  /// While emitting the specialized launch: every 16-byte group is aligned
  /// and whole (emitLaunches checked it on the host).
  bool assumeWide = false;
  std::optional<GpuTile> small;
  int64_t smallBelow;
  /// The runtime function that says how many SMs the GPU has (null:
  /// smallBelow stands for them), and its answer for this product.
  FlatSymbolRefAttr smCount;
  Value below;
  OpBuilder b;
  Location loc;
  SmallVector<Value> ivs; // one per loop of the op, set as emitted
  Value tid, limitK;      // inside the launch
  Value stage; // double buffering: the stage of the slices accessed now
  /// While emitting a split-k launch (host values): how many k ranges, each
  /// `span` long (whole k blocks), and the f32 [count x samples][m][n]
  /// buffer their sums go to (range r of sample s at r * samples + s).
  struct Split {
    Value count, span, partials;
  } split;
};

SmallVector<Value>
TiledKernelEmitter::valuesOrZero(Value inBounds, TypeRange types,
                                 function_ref<SmallVector<Value>()> values) {
  auto branch = scf::IfOp::create(b, loc, types, inBounds,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  scf::YieldOp::create(b, loc, values());
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  SmallVector<Value> zeros;
  for (Type type : types)
    zeros.push_back(arith::ConstantOp::create(b, loc, b.getZeroAttr(type)));
  scf::YieldOp::create(b, loc, zeros);
  return SmallVector<Value>(branch.getResults());
}

TiledKernelEmitter::SliceCopy
TiledKernelEmitter::planSlice(const SliceSource &src, Value rowBase,
                              Value rowLimit, Value shared) {
  bool kFastest = src.kFastest;
  int64_t rows = src.rows;
  SliceCopy copy{src.global, src.map, src.dim, rowBase, rowLimit, shared,
                 kFastest, tile.kMajorSlice(kFastest)};
  copy.width = copyWidth(src);
  int64_t width = copy.width;
  if (width > 1)
    copy.wide = assumeWide ? arith::ConstantIntOp::create(b, loc, 1, 1)
                           : wideAllowed(src.global, width);
  int64_t groups = rows * tile.k / width;
  int64_t rounds = llvm::divideCeil(groups, tile.threads());
  auto times = [&](Value v) { return width > 1 ? mul(v, cst(width)) : v; };
  for (int64_t r = 0; r < rounds; ++r) {
    Value e = add(tid, cst(r * tile.threads()));
    if (kFastest) {
      int64_t across = tile.k / width;
      copy.kk.push_back(times(arith::RemUIOp::create(b, loc, e, cst(across))));
      copy.row.push_back(arith::DivUIOp::create(b, loc, e, cst(across)));
    } else {
      int64_t across = rows / width;
      copy.kk.push_back(arith::DivUIOp::create(b, loc, e, cst(across)));
      copy.row.push_back(
          times(arith::RemUIOp::create(b, loc, e, cst(across))));
    }
    if ((r + 1) * tile.threads() > groups)
      copy.lastLive = lt(e, cst(groups));
  }
  return copy;
}

int64_t TiledKernelEmitter::wideWidth(Value global, AffineMap map,
                                      unsigned contiguous, int64_t extent) {
  auto type = cast<MemRefType>(global.getType());
  unsigned bits = type.getElementTypeBitWidth();
  auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
  if (!type.isLastDimUnitStride() || !last ||
      last.getPosition() != contiguous || (bits != 16 && bits != 32))
    return 1;
  // The other indices must not move with the group's elements.
  for (AffineExpr e : map.getResults().drop_back())
    if (e.isFunctionOfDim(contiguous))
      return 1;
  int64_t width = 128 / bits;
  while (width > 1 && extent % width)
    width /= 2;
  return width;
}

Value TiledKernelEmitter::wideAllowed(Value global, int64_t width) {
  auto rem = [&](Value v, int64_t by) {
    return arith::RemUIOp::create(b, loc, v, cst(by));
  };
  auto zero = [&](Value v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                 cst(0));
  };
  int64_t bytes =
      width * cast<MemRefType>(global.getType()).getElementTypeBitWidth() / 8;
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, global);
  Value ok = zero(rem(
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, global), bytes));
  ok = both(ok, zero(rem(meta.getOffset(), width)));
  for (Value stride : meta.getStrides().drop_back())
    ok = both(ok, zero(rem(stride, width)));
  return both(ok, zero(rem(meta.getSizes().back(), width)));
}

void TiledKernelEmitter::aimRound(const SliceCopy &copy, size_t r, Value k0) {
  ivs[copy.dim] = add(copy.rowBase, copy.row[r]);
  ivs[ct.k] = add(k0, copy.kk[r]);
}

Value TiledKernelEmitter::inBoundsAt(const SliceCopy &copy, size_t r) {
  // One statement per compare: argument order is the compiler's.
  Value inRows = lt(ivs[copy.dim], copy.rowLimit);
  Value inK = lt(ivs[ct.k], limitK);
  Value ok = both(inRows, inK);
  if (copy.lastLive && r + 1 == copy.kk.size())
    ok = both(ok, copy.lastLive);
  return ok;
}

Value TiledKernelEmitter::loadElements(const SliceCopy &copy, size_t r) {
  Type type = cast<MemRefType>(copy.global.getType()).getElementType();
  unsigned fast = copy.kFastest ? ct.k : copy.dim;
  SmallVector<Value> elements;
  Value first = ivs[fast];
  for (int64_t i = 0; i < copy.width; ++i) {
    if (i > 0)
      ivs[fast] = add(first, cst(i));
    elements.push_back(
        loadOrZero(copy.global, copy.map, inBoundsAt(copy, r), type));
  }
  ivs[fast] = first;
  if (copy.width == 1)
    return elements.front();
  return vector::FromElementsOp::create(
      b, loc, VectorType::get({copy.width}, type), elements);
}

SmallVector<Value> TiledKernelEmitter::loadSlice(const SliceCopy &copy,
                                                 Value k0) {
  SmallVector<Value> values;
  // The global element type: converting under the guard would make the
  // thread wait for the load right there, defeating the prefetch.
  Type type = cast<MemRefType>(copy.global.getType()).getElementType();
  for (size_t r = 0; r < copy.kk.size(); ++r) {
    aimRound(copy, r, k0);
    if (copy.width == 1) {
      values.push_back(loadElements(copy, r));
      continue;
    }
    // A whole group is in or out of bounds when `wide` holds.
    auto vector = VectorType::get({copy.width}, type);
    int64_t bytes = copy.width * type.getIntOrFloatBitWidth() / 8;
    auto choice = scf::IfOp::create(b, loc, vector, copy.wide,
                                    /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&choice.getThenRegion().front());
      scf::YieldOp::create(b, loc,
                           valueOrZero(inBoundsAt(copy, r), vector, [&] {
                             return vector::LoadOp::create(
                                 b, loc, vector, copy.global,
                                 indices(copy.map), /*nontemporal=*/false,
                                 llvm::Align(bytes));
                           }));
      b.setInsertionPointToStart(&choice.getElseRegion().front());
      scf::YieldOp::create(b, loc, loadElements(copy, r));
    }
    values.push_back(choice.getResult(0));
  }
  return values;
}

bool TiledKernelEmitter::asyncCopyable(const SliceSource &src) {
  auto type = cast<MemRefType>(src.global.getType());
  // The copied groups must be consecutive in the slice too.
  return tile.asyncCopies && tile.mma &&
         tile.kMajorSlice(src.kFastest) != src.kFastest &&
         type.getElementType() == tile.operand &&
         copyWidth(src) * type.getElementTypeBitWidth() == 128;
}

void TiledKernelEmitter::inRound(const SliceCopy &copy, size_t r,
                                 function_ref<void()> body) {
  if (!copy.lastLive || r + 1 != copy.kk.size())
    return body();
  auto live =
      scf::IfOp::create(b, loc, copy.lastLive, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&live.getThenRegion().front());
  body();
}

void TiledKernelEmitter::copySliceAsync(const SliceCopy &copy, Value k0) {
  for (size_t r = 0; r < copy.kk.size(); ++r) {
    inRound(copy, r, [&] {
      aimRound(copy, r, k0);
      Value inBounds = inBoundsAt(copy, r);
      SmallVector<Value, 3> at = sliceAt(copy, copy.kk[r], copy.row[r]);
      auto choice =
          scf::IfOp::create(b, loc, copy.wide, /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&choice.getThenRegion().front());
        // Outside the operand nothing is read (zero source bytes) and the
        // group is zero-filled; the address is the operand's first element.
        SmallVector<Value> saved(ivs);
        for (unsigned d : {copy.dim, ct.k})
          ivs[d] = arith::SelectOp::create(b, loc, inBounds, ivs[d], cst(0));
        Value sourceElements =
            arith::SelectOp::create(b, loc, inBounds, cst(copy.width), cst(0));
        nvgpu::DeviceAsyncCopyOp::create(
            b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()),
            copy.shared, at, copy.global, indices(copy.map),
            b.getIndexAttr(copy.width), sourceElements, b.getUnitAttr());
        ivs = saved;
        b.setInsertionPointToStart(&choice.getElseRegion().front());
        vector::StoreOp::create(b, loc, loadElements(copy, r), copy.shared, at);
      }
    });
  }
}

void TiledKernelEmitter::storeSlice(const SliceCopy &copy, ValueRange values) {
  for (size_t r = 0; r < values.size(); ++r) {
    inRound(copy, r, [&] {
      Value narrow = convert(values[r], tile.operand);
      auto storeAt = [&](Value element, Value kk, Value row) {
        memref::StoreOp::create(b, loc, element, copy.shared,
                                sliceAt(copy, kk, row));
      };
      if (copy.width == 1) {
        storeAt(narrow, copy.kk[r], copy.row[r]);
      } else if (copy.kMajor != copy.kFastest) {
        // Consecutive in the slice too, from a multiple of width in a row
        // that starts aligned to its length's bytes (GpuTile::sliceShape).
        int64_t bits = tile.operand.getIntOrFloatBitWidth();
        int64_t rowBytes =
            cast<MemRefType>(copy.shared.getType()).getShape().back() * bits /
            8;
        vector::StoreOp::create(
            b, loc, narrow, copy.shared,
            sliceAt(copy, copy.kk[r], copy.row[r]), /*nontemporal=*/false,
            llvm::Align(llvm::MinAlign(copy.width * bits / 8, rowBytes)));
      } else {
        for (int64_t i = 0; i < copy.width; ++i) {
          Value element =
              vector::ExtractOp::create(b, loc, narrow, ArrayRef<int64_t>{i});
          Value kk = copy.kk[r], row = copy.row[r];
          if (copy.kFastest)
            kk = add(kk, cst(i));
          else
            row = add(row, cst(i));
          storeAt(element, kk, row);
        }
      }
    });
  }
}

Value TiledKernelEmitter::pair(Value shared, Value k, Value row) {
  // k is even and rows have an even length: one aligned 32-bit load.
  return mmaOperand(vector::LoadOp::create(
      b, loc, VectorType::get({2}, tile.operand), shared, inSlice({row, k}),
      /*nontemporal=*/false, llvm::Align(4)));
}

SmallVector<Value> TiledKernelEmitter::loadMatrices(Value shared,
                                                    Value rowBase, Value k,
                                                    Value lane, bool aOrder,
                                                    bool kMajor) {
  Value matrix = arith::DivUIOp::create(b, loc, lane, cst(8));
  Value r = arith::RemUIOp::create(b, loc, lane, cst(8));
  Value low = arith::RemUIOp::create(b, loc, matrix, cst(2));
  Value high = arith::DivUIOp::create(b, loc, matrix, cst(2));
  Value rowStep = aOrder ? low : high, colStep = aOrder ? high : low;
  Value row = add(rowBase, mul(rowStep, cst(8)));
  Value col = add(k, mul(colStep, cst(8)));
  // Lane 8 i + r names row r of matrix i in the slice: a row along k of
  // [row][k], a k of [k][row]. Slice rows start 16-byte aligned
  // (GpuTile::sliceShape, and the slices are aligned by
  // bertc-gpu-align-workgroup-memory), as ldmatrix needs.
  SmallVector<Value, 3> at =
      kMajor ? inSlice({add(col, r), row}) : inSlice({add(row, r), col});
  Value four = nvgpu::LdMatrixOp::create(
      b, loc, VectorType::get({4, 2}, tile.operand), shared, at,
      /*transpose=*/kMajor, /*numTiles=*/4);
  SmallVector<Value> pairs;
  for (int64_t i = 0; i < 4; ++i)
    pairs.push_back(mmaOperand(
        vector::ExtractOp::create(b, loc, four, ArrayRef<int64_t>{i})));
  return pairs;
}

Value TiledKernelEmitter::mmaOperand(Value v) {
  if (!tile.operand.isBF16())
    return v;
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), v);
  return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
}

SmallVector<Value> TiledKernelEmitter::mmaSteps(Value sharedA, Value sharedB,
                                                ValueRange sums, Value lane,
                                                Value group, Value quad,
                                                Value warpRow, Value warpCol,
                                                bool bKMajor) {
  SmallVector<Value> next(sums);
  Value twoQuad = mul(quad, cst(2));
  for (int64_t k0 = 0; k0 < tile.k; k0 += 16) {
    int64_t rows = tile.mmaRows(), cols = tile.mmaCols();
    SmallVector<SmallVector<Value>> as(rows), bs(cols);
    if (tile.ldmatrix) {
      // A: one load per 16 rows (its 4 pairs); B: one per 16 columns (the
      // 2 pairs of two 8-column fragments).
      for (int64_t mt = 0; mt < rows; ++mt)
        as[mt] = loadMatrices(sharedA, add(warpRow, cst(mt * 16)), cst(k0),
                              lane, /*aOrder=*/true);
      for (int64_t j = 0; j < cols / 2; ++j) {
        SmallVector<Value> four = loadMatrices(
            sharedB, add(warpCol, cst(j * 16)), cst(k0), lane,
            /*aOrder=*/false, bKMajor);
        bs[2 * j] = {four[0], four[1]};
        bs[2 * j + 1] = {four[2], four[3]};
      }
    } else {
      for (int64_t mt = 0; mt < rows; ++mt)
        for (int64_t p = 0; p < 4; ++p)
          as[mt].push_back(
              pair(sharedA, add(twoQuad, cst(k0 + 8 * (p / 2))),
                   add(warpRow, add(group, cst(mt * 16 + 8 * (p % 2))))));
      for (int64_t nt = 0; nt < cols; ++nt)
        for (int64_t p = 0; p < 2; ++p)
          bs[nt].push_back(pair(sharedB, add(twoQuad, cst(k0 + 8 * p)),
                                add(warpCol, add(group, cst(nt * 8)))));
    }
    for (int64_t mt = 0; mt < rows; ++mt)
      for (int64_t nt = 0; nt < cols; ++nt) {
        int64_t base = (mt * cols + nt) * 4;
        SmallVector<Value> d =
            emitWarpMma(b, loc, tile.operand, as[mt], bs[nt],
                        ArrayRef<Value>(next).slice(base, 4));
        std::copy(d.begin(), d.end(), next.begin() + base);
      }
  }
  return next;
}

void TiledKernelEmitter::emit() {
  linalg::GenericOp op = ct.op;
  OutputInit writer = findOutputInit(op, ct.c, /*fillOnly=*/false);
  SmallVector<Operation *> ignore = {op};
  if (writer)
    ignore.push_back(writer.op);
  OutputEpilogue epilogue =
      tile.epilogues
          ? findOutputEpilogue(op, ct.c, AffineMap(), {ct.a, ct.b}, ignore)
          : OutputEpilogue();
  SmallVector<Value> sizes = loopSizes(b, loc, op);
  Value batchCount = cst(1);
  for (unsigned d : ct.batch)
    batchCount = mul(batchCount, sizes[d]);
  // What the host compares grids with: the GPU's SMs, or small-below.
  if (smCount) {
    Value sms = func::CallOp::create(b, loc, smCount, b.getI64Type(),
                                     ValueRange())
                    .getResult(0);
    below = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), sms);
  } else {
    below = cst(smallBelow);
  }
  if (!small) {
    emitSplitOrWhole(writer, epilogue, sizes, batchCount);
  } else {
    // One statement per op: the order of a call's arguments is unspecified.
    Value blocksN = blocks(sizes[ct.n], tile.n);
    Value blocksM = blocks(sizes[ct.m], tile.m);
    Value samples = arith::MaxUIOp::create(b, loc, batchCount, cst(1));
    Value count = mul(mul(blocksN, blocksM), samples);
    auto choice = scf::IfOp::create(b, loc, lt(count, below),
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(choice.thenBlock()->getTerminator());
    // A grid still smaller than the GPU with the small tile splits k too.
    // The default tile's launch is for grids that fill the GPU, where split
    // k would make one range: it gets no split kernels.
    std::swap(tile, *small);
    emitSplitOrWhole(writer, epilogue, sizes, batchCount);
    std::swap(tile, *small);
    b.setInsertionPoint(choice.elseBlock()->getTerminator());
    // Full grids split only to even out their waves.
    if (tile.splitKWaves)
      emitSplitOrWhole(writer, epilogue, sizes, batchCount);
    else
      emitLaunches(writer, epilogue, sizes, batchCount);
  }
  op.erase();
  if (writer)
    writer.op->erase();
  if (epilogue) {
    epilogue.op.erase();
    // A C that is no longer written or read needs no buffer.
    auto alloc = ct.c.getDefiningOp<memref::AllocOp>();
    if (alloc && llvm::all_of(alloc->getUsers(), [](Operation *user) {
          return isa<memref::DeallocOp>(user);
        })) {
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        user->erase();
      alloc.erase();
    }
  }
}

void TiledKernelEmitter::emitSplitOrWhole(OutputInit writer,
                                          OutputEpilogue epilogue,
                                          ArrayRef<Value> sizes,
                                          Value batchCount) {
  // Static sizes that can never split make no split kernels (attention's
  // products: k is a head or a sequence).
  SmallVector<int64_t, 4> ranges = ct.op.getStaticLoopRanges();
  auto at = [](int64_t size, int64_t per) {
    return ShapedType::isDynamic(size) ? std::optional<int64_t>()
                                       : std::max<int64_t>(
                                             llvm::divideCeil(size, per), 1);
  };
  std::optional<int64_t> staticK = at(ranges[ct.k], tile.k),
                         staticM = at(ranges[ct.m], tile.m),
                         staticN = at(ranges[ct.n], tile.n);
  bool never = tile.splitK < 2 || (staticK && *staticK < 2 * tile.splitKMin) ||
               (!tile.splitKWaves && staticM && staticN &&
                *staticM * *staticN * 2 > smallBelow);
  if (never)
    return emitLaunches(writer, epilogue, sizes, batchCount);

  // Host: as many ranges as fill the GPU (at most split-k, each at least
  // split-k-min k blocks), then evened out so that none is empty.
  // One statement per op: the order of a call's arguments is unspecified.
  Value samples = arith::MaxUIOp::create(b, loc, batchCount, cst(1));
  Value tilesN = blocks(sizes[ct.n], tile.n);
  Value tilesM = blocks(sizes[ct.m], tile.m);
  Value tiles = mul(mul(tilesN, tilesM), samples);
  Value blocksK = blocks(sizes[ct.k], tile.k);
  Value fill = tile.splitKWaves
                   ? Value()
                   : arith::DivUIOp::create(b, loc, below, tiles).getResult();
  Value byLength = arith::DivUIOp::create(b, loc, blocksK, cst(tile.splitKMin));
  Value most = arith::MinUIOp::create(b, loc, cst(tile.splitK), byLength);
  Value count = tile.splitKWaves
                    ? splitCount(tiles, blocksK, most)
                    : arith::MinUIOp::create(b, loc, fill, most).getResult();
  count = arith::MaxUIOp::create(b, loc, count, cst(1));
  Value perRange = arith::CeilDivUIOp::create(b, loc, blocksK, count);
  count = arith::CeilDivUIOp::create(b, loc, blocksK, perRange);
  // The sum's grid has a row per y and a sample per z (at most 65535
  // each), which a grid of fewer blocks than an SM count always allows
  // unless small-below is set past that.
  auto atMost = [&](Value v, int64_t most) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, v,
                                 cst(most));
  };
  Value rowsFit = atMost(sizes[ct.m], kMaxGridYZ);
  Value samplesFit = atMost(samples, kMaxGridYZ);
  Value fits = both(rowsFit, samplesFit);
  Value several =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, count, cst(2));
  auto choice = scf::IfOp::create(b, loc, both(several, fits),
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(choice.thenBlock()->getTerminator());
  auto partialsType = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic},
      b.getF32Type());
  Value partials = memref::AllocOp::create(
      b, loc, partialsType,
      ValueRange{mul(count, samples), sizes[ct.m], sizes[ct.n]});
  split = {count, mul(perRange, cst(tile.k)), partials};
  emitLaunches(writer, epilogue, sizes, batchCount);
  emitSplitSum(writer, epilogue, sizes, batchCount);
  split = {};
  memref::DeallocOp::create(b, loc, partials);
  b.setInsertionPoint(choice.elseBlock()->getTerminator());
  emitLaunches(writer, epilogue, sizes, batchCount);
}

void TiledKernelEmitter::emitSplitSum(OutputInit writer,
                                      OutputEpilogue epilogue,
                                      ArrayRef<Value> sizes, Value batchCount) {
  OpBuilder::InsertionGuard launchGuard(b);
  // A thread per element of C: blocks of kThreads columns along x, a row
  // per y and a sample per z (the host split only where both fit a grid's
  // 65535), so no thread divides by a run-time size.
  constexpr int64_t kThreads = 128;
  Value sizeN = sizes[ct.n];
  Value count = split.count;
  Value one = cst(1);
  std::string kind = "split-k sum " +
                     describeSizes(ct.op.getStaticLoopRanges()) +
                     (epilogue ? " +epilogue" : "");
  Value samples = arith::MaxUIOp::create(b, loc, batchCount, one);
  Value rows = arith::MaxUIOp::create(b, loc, sizes[ct.m], one);
  Value columnBlocks = blocks(sizeN, kThreads);
  gpu::LaunchOp launch =
      createLaunch(b, loc, ValueRange{columnBlocks, rows, samples},
                   cst(kThreads), kind);
  Value n = add(mul(launch.getBlockIds().x, cst(kThreads)),
                launch.getThreadIds().x);
  Value m = launch.getBlockIds().y, sample = launch.getBlockIds().z;
  // One statement per op: the order of a call's arguments is unspecified.
  Value inColumns = lt(n, sizeN);
  Value inRows = lt(m, sizes[ct.m]);
  auto inside = scf::IfOp::create(b, loc, both(inColumns, inRows),
                                  /*withElseRegion=*/false);
  b.setInsertionPointToStart(&inside.getThenRegion().front());
  ivs.assign(ct.op.getNumLoops(), cst(0));
  delinearize(b, loc, sample, ct.batch, sizes, ivs);
  ivs[ct.m] = m;
  ivs[ct.n] = n;
  SmallVector<Value> at = indices(ct.cMap);
  Type f32 = b.getF32Type();
  Value start = writer ? emitOutputInit(b, loc, writer, at)
                       : convert(memref::LoadOp::create(b, loc, ct.c, at), f32);
  // Range z of this sample is at z * samples + sample.
  auto sum = scf::ForOp::create(
      b, loc, cst(0), count, one, ValueRange{start},
      [&](OpBuilder &nested, Location, Value z, ValueRange acc) {
        Value first = arith::MulIOp::create(nested, loc, z, samples);
        Value slot = arith::AddIOp::create(nested, loc, first, sample);
        Value part = memref::LoadOp::create(nested, loc, split.partials,
                                            ValueRange{slot, m, n});
        scf::YieldOp::create(
            nested, loc,
            ValueRange{arith::AddFOp::create(nested, loc, acc[0], part)});
      });
  Value result = sum.getResult(0);
  if (!epilogue || epilogue.storeC)
    memref::StoreOp::create(b, loc, result, ct.c, at);
  if (epilogue)
    emitOutputEpilogue(b, loc, epilogue, result, at);
}

void TiledKernelEmitter::emitLaunches(OutputInit writer,
                                      OutputEpilogue epilogue,
                                      ArrayRef<Value> sizes,
                                      Value batchCount) {
  Value allWide;
  if (tile.specializeWide) {
    for (const SliceSource &src : {sourceA(), sourceB()}) {
      int64_t width = copyWidth(src);
      if (width == 1)
        continue;
      Value wide = wideAllowed(src.global, width);
      allWide = allWide ? both(allWide, wide) : wide;
    }
  }
  if (!allWide)
    return emitLaunch(writer, epilogue, sizes, batchCount);
  auto choice = scf::IfOp::create(b, loc, allWide, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(choice.thenBlock()->getTerminator());
  assumeWide = true;
  emitLaunch(writer, epilogue, sizes, batchCount);
  assumeWide = false;
  b.setInsertionPoint(choice.elseBlock()->getTerminator());
  emitLaunch(writer, epilogue, sizes, batchCount);
}

void TiledKernelEmitter::emitLaunch(OutputInit writer,
                                    OutputEpilogue epilogue,
                                    ArrayRef<Value> sizes, Value batchCount) {
  OpBuilder::InsertionGuard launchGuard(b);
  linalg::GenericOp op = ct.op;
  Value sizeM = sizes[ct.m], sizeN = sizes[ct.n];
  Value one = cst(1);
  Value gridX = blocks(sizeN, tile.n), gridY = blocks(sizeM, tile.m);
  Value samples = arith::MaxUIOp::create(b, loc, batchCount, one);
  Value gridZ = split.count ? mul(split.count, samples) : samples;

  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto space = [&](gpu::AddressSpace s) {
    return gpu::AddressSpaceAttr::get(ctx, s);
  };
  // cp.async needs both operands copyable (one loop shape for the two).
  // A is copied along k (its groups are elements where A is not contiguous
  // in k); B along k in the dot form (B = W of x.W^T), else along n.
  bool aKMajor = tile.kMajorSlice(/*kFastest=*/true),
       bKMajor = tile.kMajorSlice(/*kFastest=*/ct.dotForm);
  bool async = asyncCopyable(sourceA()) && asyncCopyable(sourceB());
  int64_t stageCount = async ? tile.stages : tile.doubleBuffer ? 2 : 1;
  auto sliceType = [&](int64_t rows, bool kMajor) {
    return MemRefType::get(tile.sliceShape(rows, stageCount, kMajor),
                           tile.operand, MemRefLayoutAttrInterface(),
                           space(gpu::AddressSpace::Workgroup));
  };
  // Slices past the 48 KiB of static shared memory (cp.async stages) are
  // views of the launch's dynamic shared memory, A's first.
  int64_t bytesA = tile.sliceBytes(tile.m, stageCount, aKMajor);
  int64_t bytesB = tile.sliceBytes(tile.n, stageCount, bKMajor);
  bool dynamic = bytesA + bytesB > kStaticSharedBytes;
  Value dynamicBytes;
  if (dynamic)
    dynamicBytes = arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                                bytesA + bytesB);
  std::string kind = "matmul " + describeSizes(op.getStaticLoopRanges()) + " " +
                     describeSizes({tile.m, tile.n, tile.k}) +
                     (tile.mma ? " mma" : " fma");
  if (async)
    kind += " cp.async";
  if (split.count)
    kind += " split-k";
  else if (epilogue)
    kind += " +epilogue";
  auto launch = gpu::LaunchOp::create(
      b, withKernelKind(loc, kind), gridX, gridY, gridZ, cst(tile.threadsX()),
      cst(tile.threadsY()), one, dynamicBytes, /*asyncTokenType=*/nullptr,
      ValueRange{},
      dynamic ? TypeRange{}
              : TypeRange{sliceType(tile.m, aKMajor),
                          sliceType(tile.n, bKMajor)});
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  Value sharedA, sharedB;
  if (dynamic) {
    Value raw = gpu::DynamicSharedMemoryOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                        MemRefLayoutAttrInterface(),
                        space(gpu::AddressSpace::Workgroup)));
    sharedA = memref::ViewOp::create(b, loc, sliceType(tile.m, aKMajor), raw,
                                     cst(0), ValueRange{});
    sharedB = memref::ViewOp::create(b, loc, sliceType(tile.n, bKMajor), raw,
                                     cst(bytesA), ValueRange{});
  } else {
    sharedA = launch.getWorkgroupAttributions()[0];
    sharedB = launch.getWorkgroupAttributions()[1];
  }

  Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
  tid = add(mul(ty, cst(tile.threadsX())), tx);
  limitK = sizes[ct.k];
  ivs.assign(op.getNumLoops(), Value());
  Value sample = launch.getBlockIds().z, kStart = cst(0);
  if (split.count) {
    // Block z sums k range r = z / samples of sample z % samples: k in
    // [r span, min((r + 1) span, k)).
    Value range = arith::DivUIOp::create(b, loc, sample, samples);
    sample = arith::RemUIOp::create(b, loc, sample, samples);
    kStart = mul(range, split.span);
    limitK = arith::MinUIOp::create(b, loc, limitK, add(kStart, split.span));
  }
  delinearize(b, loc, sample, ct.batch, sizes, ivs);
  // The spare block of an empty batch has no valid rows.
  Value inBatch = lt(sample, batchCount);
  Value limitM = arith::SelectOp::create(b, loc, inBatch, sizeM, cst(0));
  Value m0 = mul(launch.getBlockIds().y, cst(tile.m));
  Value n0 = mul(launch.getBlockIds().x, cst(tile.n));

  // The (row, column) in the block's tile of each of the thread's sums.
  // FMA: thread (tx, ty) owns rows ty + i * threadsY and columns tx + j *
  // threadsX. Tensor cores: warp ty's warpM x warpN tile, in C fragments.
  SmallVector<std::pair<Value, Value>> owned;
  Value lane = tx, group, quad, warpRow, warpCol;
  if (tile.mma) {
    group = arith::DivUIOp::create(b, loc, lane, cst(4));
    quad = arith::RemUIOp::create(b, loc, lane, cst(4));
    warpRow = mul(arith::DivUIOp::create(b, loc, ty, cst(tile.warpsN())),
                  cst(tile.warpM));
    warpCol = mul(arith::RemUIOp::create(b, loc, ty, cst(tile.warpsN())),
                  cst(tile.warpN));
    // One value per distinct row and column (a bias is loaded once per
    // column): row mt * 16 + 8 h + group, column nt * 8 + 2 quad + c.
    SmallVector<Value> rows, cols;
    for (int64_t r = 0; r < tile.mmaRows() * 2; ++r)
      rows.push_back(add(warpRow, add(group, cst(r * 8))));
    for (int64_t c = 0; c < tile.mmaCols() * 2; ++c)
      cols.push_back(
          add(warpCol, add(mul(quad, cst(2)), cst(c / 2 * 8 + c % 2))));
    for (int64_t mt = 0; mt < tile.mmaRows(); ++mt)
      for (int64_t nt = 0; nt < tile.mmaCols(); ++nt)
        for (int64_t q = 0; q < 4; ++q)
          owned.push_back({rows[mt * 2 + q / 2], cols[nt * 2 + q % 2]});
  } else {
    // Thread t's i-th row (column): 4 t + i % 4 in group i / 4, groups 4
    // threads' width apart; ungrouped, t + i threads apart.
    auto owner = [&](Value t, int64_t threads, bool grouped, int64_t i) {
      if (!grouped)
        return add(t, cst(i * threads));
      int64_t g = GpuTile::kGroup;
      return add(mul(t, cst(g)), cst(i / g * threads * g + i % g));
    };
    SmallVector<Value> rows, cols;
    for (int64_t i = 0; i < tile.threadM; ++i)
      rows.push_back(owner(ty, tile.threadsY(), tile.groupedRows(), i));
    for (int64_t j = 0; j < tile.threadN; ++j)
      cols.push_back(owner(tx, tile.threadsX(), tile.groupedCols(), j));
    for (int64_t i = 0; i < tile.threadM; ++i)
      for (int64_t j = 0; j < tile.threadN; ++j)
        owned.push_back({rows[i], cols[j]});
  }
  auto forEachOutput = [&](function_ref<void(size_t, Value)> fn) {
    for (auto [index, rowCol] : llvm::enumerate(owned)) {
      ivs[ct.m] = add(m0, rowCol.first);
      ivs[ct.n] = add(n0, rowCol.second);
      Value inRows = lt(ivs[ct.m], limitM);
      Value inColumns = lt(ivs[ct.n], sizeN);
      fn(index, both(inRows, inColumns));
    }
  };
  // The sums are loop-carried values (registers). They start from C's
  // values, or from what the op before wrote there (a bias, zeros), which
  // then has no kernel of its own.
  SmallVector<Value> init;
  // A bias broadcast down the rows has one value per column: each of the
  // thread's columns is loaded once, guarded by the column alone (the
  // values of rows outside C are never stored).
  bool perColumn = writer && initIgnoresRows(writer);
  DenseMap<Value, Value> columnInit;
  // Split k: C's start is added once, by the sum of the partial sums.
  Value zero;
  if (split.count)
    zero = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0.0f));
  forEachOutput([&](size_t index, Value ok) {
    if (zero) {
      init.push_back(zero);
      return;
    }
    auto value = [&] {
      return emitOutputInit(b, loc, writer, indices(ct.cMap));
    };
    if (!perColumn) {
      init.push_back(writer ? valueOrZero(ok, f32, value)
                            : loadOrZero(ct.c, ct.cMap, ok, f32));
      return;
    }
    auto [it, fresh] = columnInit.try_emplace(owned[index].second);
    if (fresh)
      it->second = valueOrZero(lt(ivs[ct.n], sizeN), f32, value);
    init.push_back(it->second);
  });
  SliceCopy copyA = planSlice(sourceA(), m0, limitM, sharedA);
  SliceCopy copyB = planSlice(sourceB(), n0, sizeN, sharedB);
  // The sums after one k block's products from the slices.
  auto products = [&](ValueRange sums) -> SmallVector<Value> {
    if (tile.mma)
      return mmaSteps(sharedA, sharedB, sums, lane, group, quad, warpRow,
                      warpCol, bKMajor);
    auto step = scf::ForOp::create(
        b, loc, cst(0), cst(tile.k), one, sums,
        [&](OpBuilder &nested, Location, Value kk, ValueRange sums) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPoint(nested.getInsertionBlock(),
                              nested.getInsertionPoint());
          // This thread's rows and columns (owned's first column and
          // first row), a vector load per group. Narrow slices widen in
          // registers: products of f16/bf16 values are exact in f32, as on
          // tensor cores.
          auto read = [&](Value shared, int64_t count, bool grouped,
                          function_ref<Value(int64_t)> rowOrCol) {
            SmallVector<Value> values;
            int64_t g = grouped ? GpuTile::kGroup : 1;
            for (int64_t e = 0; e < count; e += g) {
              SmallVector<Value, 3> at = inSlice({kk, rowOrCol(e)});
              if (!grouped) {
                values.push_back(convert(
                    memref::LoadOp::create(b, loc, shared, at), f32));
                continue;
              }
              // Groups start at multiples of 4 in 16-byte aligned k rows
              // (GpuTile::sliceShape).
              auto type = VectorType::get({g}, tile.operand);
              int64_t bytes = g * tile.operand.getIntOrFloatBitWidth() / 8;
              Value group = convert(
                  vector::LoadOp::create(b, loc, type, shared, at,
                                         /*nontemporal=*/false,
                                         llvm::Align(bytes)),
                  f32);
              for (int64_t i = 0; i < g; ++i)
                values.push_back(vector::ExtractOp::create(
                    b, loc, group, ArrayRef<int64_t>{i}));
            }
            return values;
          };
          SmallVector<Value> next;
          SmallVector<Value> as =
              read(sharedA, tile.threadM, tile.groupedRows(),
                   [&](int64_t i) { return owned[i * tile.threadN].first; });
          SmallVector<Value> bs =
              read(sharedB, tile.threadN, tile.groupedCols(),
                   [&](int64_t j) { return owned[j].second; });
          for (int64_t i = 0; i < tile.threadM; ++i)
            for (int64_t j = 0; j < tile.threadN; ++j)
              next.push_back(math::FmaOp::create(b, loc, as[i], bs[j],
                                                 sums[i * tile.threadN + j]));
          scf::YieldOp::create(b, loc, next);
        });
    return step.getResults();
  };
  auto loadBoth = [&](Value k0, SmallVector<Value> &aValues,
                      SmallVector<Value> &bValues) {
    aValues = loadSlice(copyA, k0);
    bValues = loadSlice(copyB, k0);
  };
  auto storeBoth = [&](ValueRange aValues, ValueRange bValues) {
    storeSlice(copyA, aValues);
    storeSlice(copyB, bValues);
  };
  // With prefetch, the loop also carries the thread's elements of the next
  // k block to stage, loaded before this block's products so that their
  // latency overlaps them (registers). With double buffering the first
  // block is staged before the loop, and each iteration stages the next
  // block into the other stage after its products: one barrier per block.
  size_t numSums = init.size();
  SmallVector<Value> aValues, bValues;
  // cp.async: the first stages - 1 k blocks are in flight before the loop,
  // one group each. Iteration i waits for its block's group, a barrier
  // (block i visible to all; block i - 1's stage read by all), starts
  // block i + stages - 1 into that stage, then multiplies stage i.
  auto copyBoth = [&](Value k0) {
    copySliceAsync(copyA, k0);
    copySliceAsync(copyB, k0);
    // Tokens are not needed: a group is all of this thread's copies since
    // the last one, and the waits count groups.
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(ctx), ValueRange{});
  };
  Value firstGroup;
  if (async) {
    for (int64_t s = 0; s + 1 < stageCount; ++s) {
      stage = cst(s);
      Value group = copyBoth(add(kStart, cst(s * tile.k)));
      if (!firstGroup)
        firstGroup = group;
    }
  } else if (tile.doubleBuffer) {
    stage = cst(0);
    loadBoth(kStart, aValues, bValues);
    storeBoth(aValues, bValues);
    gpu::BarrierOp::create(b, loc);
  }
  if (tile.prefetch && !async) {
    loadBoth(add(kStart, cst(tile.doubleBuffer ? tile.k : 0)), aValues,
             bValues);
    llvm::append_range(init, aValues);
    llvm::append_range(init, bValues);
  }
  // cp.async: the loop carries the stage it reads (block i's: i mod
  // stages), cheaper to step than to compute from k.
  if (async)
    init.push_back(cst(0));
  auto kLoop = scf::ForOp::create(b, loc, kStart, limitK, cst(tile.k), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = kLoop.getInductionVar();
    ValueRange carried = kLoop.getRegionIterArgs();
    ValueRange sums = carried.take_front(numSums);
    if (tile.prefetch && !async) {
      ValueRange loaded = carried.drop_front(numSums);
      aValues.assign(loaded.begin(), loaded.begin() + copyA.kk.size());
      bValues.assign(loaded.begin() + copyA.kk.size(), loaded.end());
    }
    SmallVector<Value> newSums;
    Value nextStage;
    if (async) {
      Value read = carried.back();
      auto is = [&](Value v, int64_t c) {
        return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                     cst(c));
      };
      nvgpu::DeviceAsyncWaitOp::create(b, loc, firstGroup,
                                       b.getI32IntegerAttr(stageCount - 2));
      gpu::BarrierOp::create(b, loc);
      // Block i + stages - 1 goes to stage (i - 1) mod stages, which the
      // previous block's products read before the barrier.
      stage = arith::SelectOp::create(
          b, loc, is(read, 0), cst(stageCount - 1),
          arith::SubIOp::create(b, loc, read, cst(1)));
      copyBoth(add(k0, cst((stageCount - 1) * tile.k)));
      stage = read;
      newSums = products(sums);
      Value after = add(read, cst(1));
      nextStage = arith::SelectOp::create(b, loc, is(after, stageCount),
                                          cst(0), after);
    } else if (tile.doubleBuffer) {
      // The stage counts k blocks from the first (kStart: split k).
      Value first = split.count ? arith::SubIOp::create(b, loc, k0, kStart)
                                : k0;
      stage = arith::RemUIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, first, cst(tile.k)), cst(2));
      newSums = products(sums);
      Value k1 = add(k0, cst(tile.k));
      // The other stage was last read before the previous barrier.
      if (!tile.prefetch)
        loadBoth(k1, aValues, bValues);
      stage = arith::SubIOp::create(b, loc, cst(1), stage);
      storeBoth(aValues, bValues);
      if (tile.prefetch)
        loadBoth(add(k1, cst(tile.k)), aValues, bValues);
      gpu::BarrierOp::create(b, loc);
    } else {
      if (!tile.prefetch)
        loadBoth(k0, aValues, bValues);
      // The previous k block's reads of the slices are done (a barrier at
      // the top rather than the bottom keeps the sums out of the phase
      // between barriers that only copies).
      gpu::BarrierOp::create(b, loc);
      storeBoth(aValues, bValues);
      gpu::BarrierOp::create(b, loc);
      if (tile.prefetch)
        loadBoth(add(k0, cst(tile.k)), aValues, bValues);
      newSums = products(sums);
    }
    SmallVector<Value> yielded(newSums);
    if (tile.prefetch && !async) {
      llvm::append_range(yielded, aValues);
      llvm::append_range(yielded, bValues);
    }
    if (async)
      yielded.push_back(nextStage);
    scf::YieldOp::create(b, loc, yielded);
  }
  stage = nullptr;
  // The copies past the end (zero-fills) land before the block exits.
  if (async)
    nvgpu::DeviceAsyncWaitOp::create(b, loc, firstGroup,
                                     b.getI32IntegerAttr(0));

  if (split.count) {
    storePartials(launch.getBlockIds().z, owned, m0, n0, limitM, sizeN,
                  kLoop.getResults());
    return;
  }

  // The epilogue (GELU, a residual add) runs on the sums and stores where
  // it would have; C is stored too only where something else reads it.
  SmallVector<Value> outputs;
  if (!epilogue || epilogue.storeC)
    outputs.push_back(ct.c);
  if (epilogue)
    llvm::append_range(outputs, linalg::GenericOp(epilogue.op).getDpsInits());
  int64_t run = storeRun(outputs);
  if (run == 1) {
    forEachOutput([&](size_t index, Value ok) {
      auto store = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&store.getThenRegion().front());
      Value sum = kLoop.getResult(index);
      SmallVector<Value> at = indices(ct.cMap);
      if (!epilogue || epilogue.storeC)
        memref::StoreOp::create(b, loc, sum, ct.c, at);
      if (epilogue)
        emitOutputEpilogue(b, loc, epilogue, sum, at);
    });
    return;
  }
  storeRuns(run, outputs, epilogue, owned, m0, n0, limitM, sizeN,
            kLoop.getResults());
}

void TiledKernelEmitter::storeRuns(
    int64_t run, ArrayRef<Value> outputs, const OutputEpilogue &epilogue,
    ArrayRef<std::pair<Value, Value>> owned, Value m0, Value n0, Value limitM,
    Value sizeN, ValueRange sums) {
  // One vector store per output where the whole run is in bounds (its last
  // column is: one row, ascending columns) and every output's groups are
  // aligned (checked once), else the elements' own stores.
  Value wide = wideAllowed(outputs.front(), run);
  for (Value output : outputs.drop_front())
    wide = both(wide, wideAllowed(output, run));
  SmallVector<Type> types;
  for (Value output : outputs)
    types.push_back(cast<MemRefType>(output.getType()).getElementType());
  ArrayRef<Type> epilogueTypes =
      ArrayRef<Type>(types).drop_front(epilogue && !epilogue.storeC ? 0 : 1);

  // The epilogue's other inputs read where C is (a residual) are read a run
  // at a time too (with wide loads), and the epilogue then computes
  // unguarded; one that reads anything else runs only where its element is
  // in bounds.
  SmallVector<Value> runInputs, inputWide;
  bool guarded = false;
  if (epilogue) {
    linalg::GenericOp op = epilogue.op;
    guarded = op.payloadUsesValueFromOperand(op.getDpsInitOperand(0));
    for (OpOperand *input : op.getDpsInputOperands()) {
      if (input->get() == epilogue.c ||
          !op.payloadUsesValueFromOperand(input))
        continue;
      auto type = dyn_cast<MemRefType>(input->get().getType());
      unsigned bits = type ? type.getElementTypeBitWidth() : 0;
      if (tile.wideLoads && type &&
          op.getMatchingIndexingMap(input).isIdentity() &&
          type.isLastDimUnitStride() && (bits == 16 || bits == 32)) {
        if (!llvm::is_contained(runInputs, input->get()))
          runInputs.push_back(input->get());
      } else {
        guarded = true;
      }
    }
    // Anything read otherwise: the body loads all its inputs itself.
    if (guarded)
      runInputs.clear();
  }
  for (Value input : runInputs)
    inputWide.push_back(wideAllowed(input, run));

  for (size_t first = 0; first < owned.size(); first += run) {
    SmallVector<Value> oks;
    SmallVector<SmallVector<Value>> ats, values;
    for (size_t index = first; index < first + run; ++index) {
      ivs[ct.m] = add(m0, owned[index].first);
      ivs[ct.n] = add(n0, owned[index].second);
      Value inRows = lt(ivs[ct.m], limitM);
      Value inColumns = lt(ivs[ct.n], sizeN);
      oks.push_back(both(inRows, inColumns));
      ats.push_back(indices(ct.cMap));
    }
    // Each input's run: a vector load, or guarded element loads.
    SmallVector<SmallVector<std::pair<Value, Value>>> known(run);
    for (auto [input, inWide] : llvm::zip(runInputs, inputWide)) {
      Type element = cast<MemRefType>(input.getType()).getElementType();
      auto vector = VectorType::get({run}, element);
      auto load = scf::IfOp::create(b, loc, vector, both(inWide, oks.back()),
                                    /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&load.getThenRegion().front());
      int64_t bytes = run * element.getIntOrFloatBitWidth() / 8;
      scf::YieldOp::create(b, loc,
                           ValueRange{vector::LoadOp::create(
                               b, loc, vector, input, ats.front(),
                               /*nontemporal=*/false, llvm::Align(bytes))});
      b.setInsertionPointToStart(&load.getElseRegion().front());
      SmallVector<Value> elements;
      for (int64_t i = 0; i < run; ++i)
        elements.push_back(valueOrZero(oks[i], element, [&] {
          return memref::LoadOp::create(b, loc, input, ats[i]);
        }));
      scf::YieldOp::create(
          b, loc,
          ValueRange{vector::FromElementsOp::create(b, loc, vector, elements)});
      b.setInsertionPointAfter(load);
      for (int64_t i = 0; i < run; ++i)
        known[i].push_back({input, vector::ExtractOp::create(
                                       b, loc, load.getResult(0),
                                       ArrayRef<int64_t>{i})});
    }
    for (int64_t i = 0; i < run; ++i) {
      Value sum = sums[first + i];
      SmallVector<Value> element;
      if (!epilogue || epilogue.storeC)
        element.push_back(sum);
      if (epilogue && !guarded) {
        llvm::append_range(element, outputEpilogueValues(
                                        b, loc, epilogue, sum, ats[i],
                                        known[i]));
      } else if (epilogue) {
        llvm::append_range(element, valuesOrZero(oks[i], epilogueTypes, [&] {
                             return outputEpilogueValues(b, loc, epilogue, sum,
                                                         ats[i]);
                           }));
      }
      values.push_back(element);
    }
    auto choice = scf::IfOp::create(b, loc, both(wide, oks.back()),
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&choice.getThenRegion().front());
    for (auto [o, output] : llvm::enumerate(outputs)) {
      SmallVector<Value> elements;
      for (const SmallVector<Value> &element : values)
        elements.push_back(element[o]);
      int64_t bytes = run * types[o].getIntOrFloatBitWidth() / 8;
      vector::StoreOp::create(
          b, loc,
          vector::FromElementsOp::create(
              b, loc, VectorType::get({run}, types[o]), elements),
          output, ats.front(), /*nontemporal=*/false, llvm::Align(bytes));
    }
    b.setInsertionPointToStart(&choice.getElseRegion().front());
    for (int64_t i = 0; i < run; ++i) {
      auto store = scf::IfOp::create(b, loc, oks[i], /*withElseRegion=*/false);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&store.getThenRegion().front());
      for (auto [o, output] : llvm::enumerate(outputs))
        memref::StoreOp::create(b, loc, values[i][o], output, ats[i]);
    }
  }
}

void TiledKernelEmitter::storePartials(
    Value z, ArrayRef<std::pair<Value, Value>> owned, Value m0, Value n0,
    Value limitM, Value sizeN, ValueRange sums) {
  // The thread's runs of adjacent columns as one vector store each where
  // the run is in bounds and rows of the f32 buffer keep it aligned (n a
  // multiple of the run), else element stores.
  int64_t run = tile.columnRun();
  Value wide = run > 1 ? wideAllowed(split.partials, run) : Value();
  Type f32 = b.getF32Type();
  for (size_t first = 0; first < owned.size(); first += run) {
    SmallVector<Value> oks;
    SmallVector<SmallVector<Value, 3>> ats;
    for (size_t index = first; index < first + run; ++index) {
      Value m = add(m0, owned[index].first), n = add(n0, owned[index].second);
      Value inRows = lt(m, limitM);
      Value inColumns = lt(n, sizeN);
      oks.push_back(both(inRows, inColumns));
      ats.push_back({z, m, n});
    }
    auto storeEach = [&] {
      for (int64_t i = 0; i < run; ++i) {
        auto store =
            scf::IfOp::create(b, loc, oks[i], /*withElseRegion=*/false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&store.getThenRegion().front());
        memref::StoreOp::create(b, loc, sums[first + i], split.partials,
                                ats[i]);
      }
    };
    if (!wide) {
      storeEach();
      continue;
    }
    auto choice = scf::IfOp::create(b, loc, both(wide, oks.back()),
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&choice.getThenRegion().front());
    vector::StoreOp::create(
        b, loc,
        vector::FromElementsOp::create(b, loc, VectorType::get({run}, f32),
                                       sums.slice(first, run)),
        split.partials, ats.front(), /*nontemporal=*/false,
        llvm::Align(run * 4));
    b.setInsertionPointToStart(&choice.getElseRegion().front());
    storeEach();
  }
}

bool TiledKernelEmitter::initIgnoresRows(const OutputInit &writer) {
  auto op = dyn_cast<linalg::GenericOp>(writer.op);
  // A fill is a constant (nothing to load); through a view, C's row is
  // folded into the op's indices.
  if (!op || writer.view)
    return false;
  // The op's loops are C's indices (its output map is the identity).
  std::optional<unsigned> row;
  for (auto [position, result] : llvm::enumerate(ct.cMap.getResults()))
    if (auto dim = dyn_cast<AffineDimExpr>(result);
        dim && dim.getPosition() == ct.m)
      row = position;
  if (!row)
    return false;
  for (OpOperand *input : op.getDpsInputOperands())
    if (op.payloadUsesValueFromOperand(input) &&
        op.getMatchingIndexingMap(input).isFunctionOfDim(*row))
      return false;
  WalkResult rowIndex = op->walk([&](linalg::IndexOp index) {
    return index.getDim() == *row ? WalkResult::interrupt()
                                  : WalkResult::advance();
  });
  return !rowIndex.wasInterrupted();
}

int64_t TiledKernelEmitter::storeRun(ArrayRef<Value> outputs) {
  int64_t run = tile.columnRun();
  if (run == 1 || outputs.empty() ||
      wideWidth(ct.c, ct.cMap, ct.n, run) != run)
    return 1;
  // The epilogue's outputs are indexed as C is (identity maps over its
  // indices), so their last index is n too.
  for (Value output : outputs) {
    auto type = cast<MemRefType>(output.getType());
    unsigned bits = type.getElementTypeBitWidth();
    if (!type.isLastDimUnitStride() || (bits != 16 && bits != 32))
      return 1;
  }
  return run;
}

struct GPUTileContractionsPass
    : mlir::bertc::impl::GPUTileContractionsBase<GPUTileContractionsPass> {
  using Base::Base;

  /// The tile and small tile that `options` (the pass, or its options
  /// struct) describe, or why they make no kernel (`error`).
  template <typename Options>
  static FailureOr<std::pair<GpuTile, std::optional<GpuTile>>>
  tilesFrom(MLIRContext *ctx, const Options &options, std::string &error) {
    llvm::raw_string_ostream os(error);
    StringRef operandType = options.operandType;
    Type operand = operandType == "f16"    ? Float16Type::get(ctx)
                   : operandType == "bf16" ? BFloat16Type::get(ctx)
                   : operandType == "f32"  ? Float32Type::get(ctx)
                                           : Type();
    if (!operand) {
      os << "operand-type must be f32, f16 or bf16, got '" << operandType << "'";
      return failure();
    }
    GpuTile tile{options.tileM,    options.tileN,   options.tileK,
                 options.threadM,  options.threadN, operand,
                 options.epilogues};
    tile.mma = options.tensorCores;
    tile.ldmatrix = options.ldmatrix;
    tile.prefetch = options.prefetch;
    tile.wideLoads = options.wideLoads;
    tile.doubleBuffer = options.doubleBuffer;
    tile.fit = options.fitTiles;
    tile.specializeWide = options.specializeWide;
    tile.asyncCopies = options.asyncCopies;
    tile.stages = options.stages;
    tile.warpM = options.warpM;
    tile.warpN = options.warpN;
    tile.splitK = options.splitK;
    tile.splitKMin = options.splitKMin;
    tile.splitKWaves = options.splitKWaves;
    if (tile.splitK < 0 || tile.splitKMin < 1) {
      os << "split-k must be 0 or more and split-k-min 1 or more (got "
         << tile.splitK << " and " << tile.splitKMin << ")";
      return failure();
    }
    // The constraints of one tile (the kernel's shape depends on them).
    auto check = [&](const GpuTile &t, StringRef what) -> LogicalResult {
      StringRef prefix = what == "tile" ? "" : what;
      // Before the thread count, which divides by the warp tile.
      if (t.mma &&
          (t.operand.isF32() || t.warpM < 16 || t.warpN < 16 || t.warpM % 16 ||
           t.warpN % 16 || t.m % t.warpM || t.n % t.warpN || t.k % 16)) {
        os << prefix << (prefix.empty() ? "" : ": ")
           << "tensor-cores needs operand-type f16 or bf16, a warp tile of "
              "multiples of 16, tile-m and tile-n multiples of the warp tile "
              "and tile-k a multiple of 16 (got "
           << operandType << ", " << t.m << "x" << t.n << "x" << t.k
           << ", warp tile " << t.warpM << "x" << t.warpN << ")";
        return failure();
      }
      // Slices past 48 KiB are dynamic shared memory, up to the GPU's
      // limit. B's slice is [n][k] or [k][n], as the product's B is laid
      // out; a product may get either.
      int64_t sliceBytes =
          t.sliceBytes(t.m, 1, t.kMajorSlice(true)) +
          std::max(t.sliceBytes(t.n, 1, t.kMajorSlice(true)),
                   t.sliceBytes(t.n, 1, t.kMajorSlice(false)));
      int64_t limit = options.sharedBytes;
      auto size = [](int64_t bytes) {
        return bytes % 1024 ? std::to_string(bytes) + " bytes"
                            : std::to_string(bytes / 1024) + " KiB";
      };
      bool async = t.asyncCopies && t.mma;
      if (async && (t.stages < 2 || t.stages * sliceBytes > limit)) {
        os << prefix << (prefix.empty() ? "" : ": ")
           << "async-copies needs 2 or more stages whose slices fit in "
           << size(limit) << " of shared memory (shared-bytes; got "
           << t.stages << " stages of " << sliceBytes << " bytes)";
        return failure();
      }
      int64_t stages = async ? t.stages : t.doubleBuffer ? 2 : 1;
      if (stages * sliceBytes > limit) {
        os << prefix << (prefix.empty() ? "" : ": ") << "the tile "
           << t.m << "x" << t.n << "x" << t.k << " needs "
           << stages * sliceBytes << " bytes of shared memory for its "
           << "slices, more than the " << size(limit)
           << " a block may have (shared-bytes)";
        return failure();
      }
      if (t.m < 1 || t.n < 1 || t.k < 1 || t.threadM < 1 || t.threadN < 1 ||
          t.m % t.threadM || t.n % t.threadN || t.threads() > 1024) {
        os << what << " " << t.m << "x" << t.n << "x" << t.k << " with "
           << t.threadM << "x" << t.threadN
           << " per thread needs positive sizes, thread tiles that divide the "
              "block tile, and at most 1024 threads per block";
        return failure();
      }
      return success();
    };
    if (failed(check(tile, "tile")))
      return failure();
    std::optional<GpuTile> small;
    if (options.smallTileM || options.smallTileN || options.smallTileK) {
      small = tile;
      small->m = options.smallTileM;
      small->n = options.smallTileN;
      small->k = options.smallTileK;
      if (failed(check(*small, "small-tile")))
        return failure();
    }
    return std::make_pair(tile, small);
  }

  void runOnOperation() override {
    std::string error;
    auto tiles = tilesFrom(&getContext(), *this, error);
    if (failed(tiles)) {
      getOperation().emitError() << "bertc-gpu-tile-contractions: " << error;
      return signalPassFailure();
    }
    auto [tile, small] = *tiles;
    SmallVector<Contraction> matched;
    for (auto func : getOperation().getOps<func::FuncOp>())
      func.walk([&](linalg::GenericOp op) {
        if (std::optional<Contraction> ct =
                matchContraction(op, /*allowWidenedInputs=*/true))
          matched.push_back(*ct);
      });
    // The host asks the runtime for the SM count (a module pass: it
    // declares the runtime's function).
    FlatSymbolRefAttr smCount;
    if (smsAtRunTime && !matched.empty())
      smCount = declareSMCount();
    for (const Contraction &ct : matched)
      TiledKernelEmitter(ct, tile, small, smallBelow, smCount).emit();
  }

  /// `int64_t bertc_gpu_multiprocessors(void)` of lib/Runtime/cuda.
  FlatSymbolRefAttr declareSMCount() {
    constexpr StringLiteral kName = "bertc_gpu_multiprocessors";
    ModuleOp module = getOperation();
    if (!module.lookupSymbol(kName)) {
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      auto decl = func::FuncOp::create(
          b, module.getLoc(), kName,
          b.getFunctionType({}, {b.getI64Type()}));
      decl.setPrivate();
    }
    return FlatSymbolRefAttr::get(&getContext(), kName);
  }
};
} // namespace

std::string mlir::bertc::checkGPUTileContractionsOptions(
    MLIRContext *ctx, const GPUTileContractionsOptions &options) {
  std::string error;
  (void)GPUTileContractionsPass::tilesFrom(ctx, options, error);
  return error;
}
