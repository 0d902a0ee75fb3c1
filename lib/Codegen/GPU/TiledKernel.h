//===- TiledKernel.h - the block-tiled matrix product kernel ----*- C++ -*-===//
//
// bertc-gpu-tile-contractions (TileContractions.cpp) matches products and
// hands each to a TiledKernelEmitter, which writes the launch directly
// (rather than tiling linalg and mapping the tiles) because the parts that
// make it fast, the shared-memory layout, the thread order of the copies
// and the per-thread register tile, are decided together. Its parts:
//   TiledKernelHost.cpp    the host's choices: small tile, split k, the
//                          aligned launch, the split-k sum
//   TiledKernel.cpp        one launch: the k loop, prefetch, double
//                          buffering, cp.async stages, tensor-core steps
//   TiledKernelSlices.cpp  copying operand slices into shared memory
//   TiledKernelStores.cpp  storing the sums: vector runs, the epilogue,
//                          split k's partial sums
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_GPU_TILEDKERNEL_H
#define BERTC_CODEGEN_GPU_TILEDKERNEL_H

#include "Codegen/ContractionMatch.h"
#include "Codegen/GPU/GenericBody.h"
#include "Codegen/GPU/OutputEpilogue.h"
#include "Codegen/GPU/OutputInit.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <optional>

namespace mlir::bertc::tiled {

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

/// One m16n8k16 tensor-core product per warp, D = A * B + C (see
/// TiledKernel.cpp for the fragments).
SmallVector<Value> emitWarpMma(OpBuilder &b, Location loc, Type operand,
                               ValueRange aPairs, ValueRange bPairs,
                               ValueRange c);

/// A pair of operand-type elements as nvvm.mma.sync takes it: the
/// vector<2xf16> itself, a vector<2xbf16> as its i32.
Value mmaOperand(OpBuilder &b, Location loc, Type operand, Value pair);

/// `values()` (emitted under the guard, of `types`) where `inBounds`, else
/// zeros.
SmallVector<Value> valuesOrZero(OpBuilder &b, Location loc, Value inBounds,
                                TypeRange types,
                                function_ref<SmallVector<Value>()> values);

/// Whether `global`'s groups of `width` along its last dimension are aligned
/// to their size and whole, at run time: aligned pointer, offset, outer
/// strides and last size (an i1 computed at b's insertion point).
Value wideAccessAllowed(OpBuilder &b, Location loc, Value global,
                        int64_t width);

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

  SmallVector<Value> valuesOrZero(Value inBounds, TypeRange types,
                                  function_ref<SmallVector<Value>()> values) {
    return tiled::valuesOrZero(b, loc, inBounds, types, values);
  }
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
  Value wideAllowed(Value global, int64_t width) {
    return wideAccessAllowed(b, loc, global, width);
  }
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
  Value mmaOperand(Value v) {
    return tiled::mmaOperand(b, loc, tile.operand, v);
  }
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
  Value splitCount(Value tiles, Value blocksK, Value most);


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

} // namespace mlir::bertc::tiled

#endif // BERTC_CODEGEN_GPU_TILEDKERNEL_H
