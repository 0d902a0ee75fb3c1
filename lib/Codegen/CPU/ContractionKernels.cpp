//===- ContractionKernels.cpp - register-tiled f32 matrix products ---------===//
//
// Rewrites bufferized linalg contractions into scf.parallel tile loops whose
// bodies are explicit vector kernels (see the pass description in
// Codegen/Passes.td for the two kernel shapes and the tile order).
//
//===----------------------------------------------------------------------===//

#include "Codegen/CPU/KernelFusion.h"
#include "Codegen/ContractionMatch.h"
#include "Codegen/KernelDescription.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_CPUCONTRACTIONKERNELS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {

/// Register tile sizes, from the pass options.
struct TileShape {
  int64_t width, dotRows, dotCols, outerRows, outerVectors, outerKBlock,
      outerMBlock;
  bool prefetch, padRows;
};

/// True when `v` is a view of a function argument: weights (or a caller's
/// buffer), which come from memory, unlike intermediate results.
bool isArgumentView(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return false;
    v = view.getViewSource();
  }
  return isa<BlockArgument>(v) &&
         isa<FunctionOpInterface>(v.getParentRegion()->getParentOp());
}

/// Emits one contraction's tile loops and kernels in place of its op.
class KernelEmitter {
public:
  KernelEmitter(Contraction ct, const TileShape &shape,
                const KernelFusionPlan &plan, OpBuilder &b)
      : ct(ct), shape(shape), plan(plan), b(b), loc(ct.op.getLoc()),
        vecType(VectorType::get({shape.width}, b.getF32Type())),
        iv(ct.op.getNumLoops()) {}

  void emit();

private:
  std::string describe();
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t v) {
    return v == 0 ? x : arith::AddIOp::create(b, loc, x, cst(v)).getResult();
  }
  Value zeroVector() {
    return arith::ConstantOp::create(
        b, loc, vecType,
        DenseElementsAttr::get(vecType, b.getF32FloatAttr(0.0f)));
  }
  /// The operand indices of `map` at the current loop indices `iv`.
  SmallVector<Value> at(AffineMap map) {
    SmallVector<Value> indices;
    for (unsigned r = 0; r < map.getNumResults(); ++r)
      indices.push_back(iv[map.getDimPosition(r)]);
    return indices;
  }

  /// The trip count of the contraction's loop `dim`.
  Value loopSize(unsigned dim) {
    return getValueOrCreateConstantIndexOp(b, loc, loopRanges[dim].size);
  }
  Value padRows();
  void flattenRows();
  void prefetchNextBlock(Value mt, Value mtLo, Value mtHi, Value n0);
  void emitTile(Value m0, Value n0);
  SmallVector<Value> dotAccumulate(ArrayRef<Value> rows, ArrayRef<Value> cols);
  void dotStore(ArrayRef<Value> rows, ArrayRef<Value> cols,
                ArrayRef<Value> accs);
  void emitDotTile(Value m0, Value n0);
  void emitDotEdge(Value m0, Value n0, Value rows, Value cols);
  void emitOuterTile(Value m0, Value n0);
  void emitOuterRows(ArrayRef<Value> rows, Value n0);
  void emitOuterEdge(Value m0, Value n0, Value rows, Value cols);

  /// A fused prologue or epilogue, its inputs viewed the way C is.
  struct Stage {
    const FusedElementwise *fused = nullptr;
    SmallVector<Value> buffers;
  };
  void viewFusedInputs();
  Value applyStage(const Stage &stage, Value acc, bool vector);
  SmallVector<Value> loadAccumulators(ArrayRef<Value> rows,
                                      ArrayRef<Value> cols, bool vector);
  void storeAccumulators(ArrayRef<Value> rows, ArrayRef<Value> cols,
                         ValueRange accs, bool vector);

  Contraction ct;
  const TileShape &shape;
  const KernelFusionPlan &plan;
  Stage prologue, epilogue;
  OpBuilder &b;
  Location loc;
  VectorType vecType;
  SmallVector<Value> iv; // current index of every loop of the contraction
  SmallVector<Range> loopRanges;
  Value sizeM, sizeN, sizeK;
  Value kLo, kHi; // the outer-product kernels' current block of k
  Value cOut;     // where the last k block stores (C unless fused)
  int64_t tileRows = 0, tileCols = 0;
};

void KernelEmitter::emit() {
  loopRanges =
      cast<linalg::LinalgOp>(ct.op.getOperation()).createLoopRanges(b, loc);
  sizeM = loopSize(ct.m);
  sizeN = loopSize(ct.n);
  sizeK = loopSize(ct.k);
  tileRows = ct.dotForm ? shape.dotRows : shape.outerRows;
  tileCols = ct.dotForm ? shape.dotCols : shape.outerVectors * shape.width;

  // Parallel loops, outermost first. Dot form: batch loops, n tiles, m
  // tiles; every tile is an iteration. Outer-product form: the batch loops
  // A indexes, a block of row tiles, the batch loops only B indexes (weight
  // panels), n tiles. An iteration is a block of rows of A, which stays in
  // cache while the thread's next iterations walk B's panels, and a column
  // panel of B, walked in blocks of k that stay in L1 across the row tiles.
  const unsigned mBlockLoop = ~0u;
  // Before flattenRows folds the batch loops of A's rows into m.
  std::string description = describe();
  viewFusedInputs();
  if (!ct.dotForm)
    flattenRows();
  // After flattenRows: the copy's rows then span samples too.
  Value paddedA = ct.dotForm || !shape.padRows ? Value() : padRows();
  SmallVector<unsigned> order;
  for (unsigned dim : ct.batch)
    if (ct.dotForm || hasDim(ct.aMap, dim))
      order.push_back(dim);
  if (!ct.dotForm) {
    order.push_back(mBlockLoop);
    for (unsigned dim : ct.batch)
      if (!hasDim(ct.aMap, dim))
        order.push_back(dim);
  }
  Value mTiles = arith::CeilDivUIOp::create(b, loc, sizeM, cst(tileRows));
  SmallVector<Value> lbs, ubs, steps;
  Value mBlocks =
      arith::CeilDivUIOp::create(b, loc, mTiles, cst(shape.outerMBlock));
  for (unsigned dim : order)
    ubs.push_back(dim == mBlockLoop ? mBlocks : loopSize(dim));
  ubs.push_back(arith::CeilDivUIOp::create(b, loc, sizeN, cst(tileCols)));
  if (ct.dotForm)
    ubs.push_back(mTiles);
  lbs.assign(ubs.size(), cst(0));
  steps.assign(ubs.size(), cst(1));
  auto tiles = scf::ParallelOp::create(
      b, loc, lbs, ubs, steps,
      [&](OpBuilder &, Location, ValueRange ivs) {
        Value mBlock;
        for (auto [t, dim] : llvm::enumerate(order)) {
          if (dim == mBlockLoop)
            mBlock = ivs[t];
          else
            iv[dim] = ivs[t];
        }
        Value n0 =
            arith::MulIOp::create(b, loc, ivs[order.size()], cst(tileCols));
        if (ct.dotForm) {
          Value m0 = arith::MulIOp::create(b, loc, ivs.back(), cst(tileRows));
          emitTile(m0, n0);
          return;
        }
        // Blocks split the row tiles evenly (at most outer-m-block each), so
        // that threads taking equal numbers of blocks get equal work.
        auto blockStart = [&](Value block) -> Value {
          return arith::DivUIOp::create(
              b, loc, arith::MulIOp::create(b, loc, block, mTiles), mBlocks);
        };
        Value mtLo = blockStart(mBlock);
        Value mtHi = blockStart(add(mBlock, 1));
        Value kBlock = cst(shape.outerKBlock);
        scf::ForOp::create(
            b, loc, cst(0), sizeK, kBlock, ValueRange{},
            [&](OpBuilder &, Location, Value k0, ValueRange) {
              kLo = k0;
              kHi = arith::MinUIOp::create(
                  b, loc, sizeK, arith::AddIOp::create(b, loc, k0, kBlock));
              scf::ForOp::create(
                  b, loc, mtLo, mtHi, cst(1), ValueRange{},
                  [&](OpBuilder &, Location, Value mt, ValueRange) {
                    if (shape.prefetch && isArgumentView(ct.b))
                      prefetchNextBlock(mt, mtLo, mtHi, n0);
                    emitTile(arith::MulIOp::create(b, loc, mt, cst(tileRows)),
                             n0);
                    scf::YieldOp::create(b, loc);
                  });
              scf::YieldOp::create(b, loc);
            });
      });
  tiles->setAttr(kKernelTilesAttr, b.getStringAttr(description));
  if (paddedA) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(tiles);
    memref::DeallocOp::create(b, loc, paddedA);
  }
}

/// Outer-product form: rows of A whose stride is a multiple of 4 KiB (k =
/// 1024, 3072, 4096 floats) all map to the same L1 set, and a tile's 14
/// broadcast rows then evict each other (BERT-base's FFN output product
/// ran at 60-80 GFLOP/s instead of 90 on one core, varying with where its
/// pages landed). The kernel reads a copy of A whose rows are one cache
/// line longer; returns that copy's buffer (null when A needs none).
Value KernelEmitter::padRows() {
  auto type = dyn_cast<MemRefType>(ct.a.getType());
  constexpr int64_t kAliasBytes = 4096, kLineFloats = 16;
  if (!type || !type.getLayout().isIdentity() || !type.getElementType().isF32())
    return {};
  int64_t rank = type.getRank(), k = type.getShape().back();
  if (ShapedType::isDynamic(k) || (k * 4) % kAliasBytes != 0)
    return {};
  SmallVector<OpFoldResult> sizes = memref::getMixedSizes(b, loc, ct.a);
  SmallVector<int64_t> paddedShape(type.getShape());
  paddedShape.back() += kLineFloats;
  Value padded = memref::AllocOp::create(
      b, loc, MemRefType::get(paddedShape, type.getElementType()),
      decomposeMixedValues(sizes).second, b.getI64IntegerAttr(64));
  SmallVector<OpFoldResult> zeros(rank, b.getIndexAttr(0)),
      ones(rank, b.getIndexAttr(1));
  Value view = memref::SubViewOp::create(b, loc, padded, zeros, sizes, ones);
  linalg::CopyOp::create(b, loc, ct.a, view);
  ct.a = view;
  return padded;
}

/// "matmul BxMxNxK" from the static loop sizes (? where dynamic), the
/// loops over weight panels counted in N, plus what the kernel runs on its
/// accumulators: bertc-profile-regions names the kernel by it.
std::string KernelEmitter::describe() {
  SmallVector<int64_t> sizes =
      cast<linalg::LinalgOp>(ct.op.getOperation()).getStaticLoopRanges();
  SmallVector<int64_t> shown;
  int64_t n = sizes[ct.n];
  for (unsigned dim : ct.batch) {
    if (ct.dotForm || hasDim(ct.aMap, dim))
      shown.push_back(sizes[dim]);
    else
      n = ShapedType::isDynamic(n) || ShapedType::isDynamic(sizes[dim])
              ? ShapedType::kDynamic
              : n * sizes[dim];
  }
  shown.append({sizes[ct.m], n, sizes[ct.k]});
  std::string text = "matmul " + describeSizes(shown);
  if (plan.epilogue)
    text += " +epilogue";
  return text;
}

/// Outer-product form: the batch loops of A's rows that B does not index
/// (a linear layer's batch, over [batch, seq, K] x W) join m when A and C
/// hold them right before m and can be viewed with those dimensions
/// collapsed. Row blocks and tiles then span samples, so each weight panel
/// is read once per block of rows, however short the sequences.
void KernelEmitter::flattenRows() {
  SmallVector<unsigned> rowDims;
  for (unsigned dim : ct.batch)
    if (hasDim(ct.aMap, dim) && !hasDim(ct.bMap, dim))
      rowDims.push_back(dim);
  if (rowDims.empty())
    return;
  // The results of `map` that are rowDims then m, consecutive: [first, m].
  auto span = [&](AffineMap map) -> std::optional<unsigned> {
    unsigned mPos = *map.getResultPosition(b.getAffineDimExpr(ct.m));
    if (mPos < rowDims.size())
      return std::nullopt;
    unsigned first = mPos - rowDims.size();
    for (auto [i, dim] : llvm::enumerate(rowDims))
      if (map.getDimPosition(first + i) != dim)
        return std::nullopt;
    return first;
  };
  std::optional<unsigned> aFirst = span(ct.aMap), cFirst = span(ct.cMap);
  if (!aFirst || !cFirst)
    return;
  auto grouping = [&](AffineMap map, unsigned first) {
    SmallVector<ReassociationIndices> groups;
    for (unsigned r = 0; r < map.getNumResults(); ++r) {
      if (r > first && r <= first + rowDims.size())
        groups.back().push_back(r);
      else
        groups.push_back({(int64_t)r});
    }
    return groups;
  };
  auto aGroups = grouping(ct.aMap, *aFirst), cGroups = grouping(ct.cMap, *cFirst);
  auto aType = cast<MemRefType>(ct.a.getType());
  auto cType = cast<MemRefType>(ct.c.getType());
  if (!memref::CollapseShapeOp::isGuaranteedCollapsible(aType, aGroups) ||
      !memref::CollapseShapeOp::isGuaranteedCollapsible(cType, cGroups))
    return;
  ct.a = memref::CollapseShapeOp::create(b, loc, ct.a, aGroups);
  // C and the buffers indexed like it, each collapsed once.
  DenseMap<Value, Value> collapsed;
  auto collapseLikeC = [&](Value buffer) {
    Value &rows = collapsed[buffer];
    if (!rows)
      rows = memref::CollapseShapeOp::create(b, loc, buffer, cGroups);
    return rows;
  };
  ct.c = collapseLikeC(ct.c);
  cOut = collapseLikeC(cOut);
  for (Stage *stage : {&prologue, &epilogue}) {
    if (!stage->fused)
      continue;
    for (auto [input, buffer] :
         llvm::zip(stage->fused->inputs, stage->buffers))
      if (input.kind == FusedInputKind::Tile)
        buffer = collapseLikeC(buffer);
  }
  auto dropRows = [&](AffineMap map, unsigned first) {
    SmallVector<AffineExpr> results;
    for (unsigned r = 0; r < map.getNumResults(); ++r)
      if (r < first || r >= first + rowDims.size())
        results.push_back(map.getResult(r));
    return AffineMap::get(map.getNumDims(), 0, results, b.getContext());
  };
  ct.aMap = dropRows(ct.aMap, *aFirst);
  ct.cMap = dropRows(ct.cMap, *cFirst);
  for (unsigned dim : rowDims)
    sizeM = arith::MulIOp::create(b, loc, sizeM, loopSize(dim));
  llvm::erase_if(ct.batch,
                 [&](unsigned dim) { return llvm::is_contained(rowDims, dim); });
}

/// Outer-product form: B's next k block of this panel (past the last one,
/// the next panel's first, which follows it in packed weights) is fetched
/// into cache while the row tiles of this block run, each tile its share of
/// the rows. Without it the block's first tile waits on memory for every B
/// row: weights are read once per call and come from DRAM. Prefetches past
/// the end of B are harmless hints.
void KernelEmitter::prefetchNextBlock(Value mt, Value mtLo, Value mtHi,
                                      Value n0) {
  Value tiles = arith::SubIOp::create(b, loc, mtHi, mtLo);
  Value share =
      arith::CeilDivUIOp::create(b, loc, cst(shape.outerKBlock), tiles);
  Value lo = arith::AddIOp::create(
      b, loc, kHi,
      arith::MulIOp::create(b, loc, arith::SubIOp::create(b, loc, mt, mtLo),
                            share));
  Value hi = arith::AddIOp::create(b, loc, lo, share);
  scf::ForOp::create(
      b, loc, lo, hi, cst(1), ValueRange{},
      [&](OpBuilder &, Location, Value k, ValueRange) {
        iv[ct.k] = k;
        // One prefetch per 64-byte line of the row segment.
        const int64_t perLine = 16; // f32 in a cache line
        for (int64_t j = 0; j < shape.outerVectors * shape.width;
             j += perLine) {
          iv[ct.n] = add(n0, j);
          memref::PrefetchOp::create(b, loc, ct.b, at(ct.bMap),
                                     /*isWrite=*/false, /*localityHint=*/3,
                                     /*isDataCache=*/true);
        }
        scf::YieldOp::create(b, loc);
      });
}

void KernelEmitter::emitTile(Value m0, Value n0) {
  Value rows = arith::MinUIOp::create(
      b, loc, cst(tileRows), arith::SubIOp::create(b, loc, sizeM, m0));
  Value cols = arith::MinUIOp::create(
      b, loc, cst(tileCols), arith::SubIOp::create(b, loc, sizeN, n0));
  Value full = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rows,
                            cst(tileRows)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, cols,
                            cst(tileCols)));
  auto ifOp = scf::IfOp::create(b, loc, full, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  if (ct.dotForm)
    emitDotTile(m0, n0);
  else
    emitOuterTile(m0, n0);
  b.setInsertionPointToStart(ifOp.elseBlock());
  if (ct.dotForm)
    emitDotEdge(m0, n0, rows, cols);
  else
    emitOuterEdge(m0, n0, rows, cols);
}

/// Dot form: one vector of partial sums along k per (row, col) pair, over
/// whole vectors of k and then one masked step for the remainder.
SmallVector<Value> KernelEmitter::dotAccumulate(ArrayRef<Value> rows,
                                                ArrayRef<Value> cols) {
  size_t count = rows.size() * cols.size();
  Value zero = zeroVector();
  Value width = cst(shape.width);
  Value kFull = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, sizeK, width), width);

  // Loads A's rows and B's cols at iv[k] (masked when `mask` is set) and
  // adds their products to `accs`.
  auto step = [&](ValueRange accs, Value mask) {
    auto load = [&](Value base, AffineMap map) -> Value {
      if (!mask)
        return vector::LoadOp::create(b, loc, vecType, base, at(map));
      return vector::MaskedLoadOp::create(b, loc, vecType, base, at(map), mask,
                                          zero);
    };
    SmallVector<Value> as, bs, next;
    for (Value row : rows) {
      iv[ct.m] = row;
      as.push_back(load(ct.a, ct.aMap));
    }
    for (Value col : cols) {
      iv[ct.n] = col;
      bs.push_back(load(ct.b, ct.bMap));
    }
    for (size_t i = 0; i < rows.size(); ++i)
      for (size_t j = 0; j < cols.size(); ++j)
        next.push_back(vector::FMAOp::create(b, loc, as[i], bs[j],
                                             accs[i * cols.size() + j]));
    return next;
  };

  SmallVector<Value> init(count, zero);
  auto loop = scf::ForOp::create(
      b, loc, cst(0), kFull, width, init,
      [&](OpBuilder &, Location, Value k, ValueRange accs) {
        iv[ct.k] = k;
        scf::YieldOp::create(b, loc, step(accs, Value()));
      });
  Value rem = arith::SubIOp::create(b, loc, sizeK, kFull);
  Value hasRem =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem, cst(0));
  auto tail = scf::IfOp::create(
      b, loc, hasRem,
      [&](OpBuilder &, Location) {
        iv[ct.k] = kFull;
        Value mask = vector::CreateMaskOp::create(
            b, loc, VectorType::get({shape.width}, b.getI1Type()),
            ValueRange{rem});
        scf::YieldOp::create(b, loc, step(loop.getResults(), mask));
      },
      [&](OpBuilder &, Location) {
        scf::YieldOp::create(b, loc, loop.getResults());
      });
  return SmallVector<Value>(tail.getResults());
}

/// C[row, col] += the horizontal sum of its accumulator.
void KernelEmitter::dotStore(ArrayRef<Value> rows, ArrayRef<Value> cols,
                             ArrayRef<Value> accs) {
  auto fm = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
  for (auto [i, row] : llvm::enumerate(rows))
    for (auto [j, col] : llvm::enumerate(cols)) {
      iv[ct.m] = row;
      iv[ct.n] = col;
      Value sum = vector::ReductionOp::create(
          b, loc, vector::CombiningKind::ADD, accs[i * cols.size() + j], fm);
      SmallVector<Value> indices = at(ct.cMap);
      Value old = memref::LoadOp::create(b, loc, ct.c, indices);
      memref::StoreOp::create(b, loc,
                              arith::AddFOp::create(b, loc, old, sum, fm),
                              ct.c, indices);
    }
}

void KernelEmitter::emitDotTile(Value m0, Value n0) {
  SmallVector<Value> rows, cols;
  for (int64_t i = 0; i < tileRows; ++i)
    rows.push_back(add(m0, i));
  for (int64_t j = 0; j < tileCols; ++j)
    cols.push_back(add(n0, j));
  dotStore(rows, cols, dotAccumulate(rows, cols));
}

void KernelEmitter::emitDotEdge(Value m0, Value n0, Value rows, Value cols) {
  scf::ForOp::create(
      b, loc, cst(0), rows, cst(1), ValueRange{},
      [&](OpBuilder &, Location, Value i, ValueRange) {
        Value row = arith::AddIOp::create(b, loc, m0, i);
        scf::ForOp::create(
            b, loc, cst(0), cols, cst(1), ValueRange{},
            [&](OpBuilder &, Location, Value j, ValueRange) {
              Value col = arith::AddIOp::create(b, loc, n0, j);
              dotStore({row}, {col}, dotAccumulate({row}, {col}));
              scf::YieldOp::create(b, loc);
            });
        scf::YieldOp::create(b, loc);
      });
}

/// Outer-product form: the C tile stays in registers over all of k; each
/// step multiplies a broadcast A element with a vector of B's row.
void KernelEmitter::emitOuterTile(Value m0, Value n0) {
  SmallVector<Value> rows;
  for (int64_t i = 0; i < tileRows; ++i)
    rows.push_back(add(m0, i));
  emitOuterRows(rows, n0);
}

void KernelEmitter::emitOuterRows(ArrayRef<Value> rows, Value n0) {
  SmallVector<Value> cols;
  for (int64_t j = 0; j < shape.outerVectors; ++j)
    cols.push_back(add(n0, j * shape.width));
  SmallVector<Value> init = loadAccumulators(rows, cols, /*vector=*/true);
  auto loop = scf::ForOp::create(
      b, loc, kLo, kHi, cst(1), init,
      [&](OpBuilder &, Location, Value k, ValueRange accs) {
        iv[ct.k] = k;
        SmallVector<Value> bs, next;
        for (Value col : cols) {
          iv[ct.n] = col;
          bs.push_back(vector::LoadOp::create(b, loc, vecType, ct.b,
                                              at(ct.bMap)));
        }
        for (Value row : rows) {
          iv[ct.m] = row;
          Value a = memref::LoadOp::create(b, loc, ct.a, at(ct.aMap));
          Value splat = vector::BroadcastOp::create(b, loc, vecType, a);
          for (Value bv : bs)
            next.push_back(vector::FMAOp::create(b, loc, splat, bv,
                                                 accs[next.size()]));
        }
        scf::YieldOp::create(b, loc, next);
      });
  storeAccumulators(rows, cols, loop.getResults(), /*vector=*/true);
}

void KernelEmitter::emitOuterEdge(Value m0, Value n0, Value rows, Value cols) {
  // Whole columns, fewer rows: the kernel one row at a time.
  Value fullCols = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         cols, cst(tileCols));
  auto split = scf::IfOp::create(b, loc, fullCols, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(split.thenBlock());
  scf::ForOp::create(b, loc, cst(0), rows, cst(1), ValueRange{},
                     [&](OpBuilder &, Location, Value i, ValueRange) {
                       emitOuterRows({arith::AddIOp::create(b, loc, m0, i)},
                                     n0);
                       scf::YieldOp::create(b, loc);
                     });
  // Fewer columns than a tile: scalar loops.
  b.setInsertionPointToStart(split.elseBlock());
  auto fm = arith::FastMathFlags::contract;
  scf::ForOp::create(
      b, loc, cst(0), rows, cst(1), ValueRange{},
      [&](OpBuilder &, Location, Value i, ValueRange) {
        Value row = arith::AddIOp::create(b, loc, m0, i);
        scf::ForOp::create(
            b, loc, cst(0), cols, cst(1), ValueRange{},
            [&](OpBuilder &, Location, Value j, ValueRange) {
              Value col = arith::AddIOp::create(b, loc, n0, j);
              SmallVector<Value> init =
                  loadAccumulators(row, col, /*vector=*/false);
              auto loop = scf::ForOp::create(
                  b, loc, kLo, kHi, cst(1), init,
                  [&](OpBuilder &, Location, Value k, ValueRange acc) {
                    iv[ct.m] = row;
                    iv[ct.n] = col;
                    iv[ct.k] = k;
                    Value x = memref::LoadOp::create(b, loc, ct.a, at(ct.aMap));
                    Value y = memref::LoadOp::create(b, loc, ct.b, at(ct.bMap));
                    Value p = arith::MulFOp::create(b, loc, x, y, fm);
                    scf::YieldOp::create(
                        b, loc,
                        ValueRange{arith::AddFOp::create(b, loc, acc[0], p, fm)});
                  });
              storeAccumulators(row, col, loop.getResults(),
                                /*vector=*/false);
              scf::YieldOp::create(b, loc);
            });
        scf::YieldOp::create(b, loc);
      });
}

/// The fused ops' inputs as the kernel indexes them: Tile inputs through
/// C's view of its buffer, Row inputs (indexed by the buffer's last
/// dimension) split like C's trailing dimensions. flattenRows then collapses
/// Tile inputs along with C.
void KernelEmitter::viewFusedInputs() {
  memref::ExpandShapeOp view = plan.view;
  DenseMap<Value, Value> views; // one view per buffer
  auto viewLikeC = [&](Value buffer) -> Value {
    if (!view)
      return buffer;
    Value &viewed = views[buffer];
    if (!viewed)
      viewed = memref::ExpandShapeOp::create(b, loc, view.getType(), buffer,
                                             view.getReassociationIndices(),
                                             view.getMixedOutputShape());
    return viewed;
  };
  auto viewRow = [&](Value buffer) -> Value {
    if (plan.rowDims == 1)
      return buffer;
    ArrayRef<int64_t> shapes = view.getType().getShape();
    SmallVector<OpFoldResult> sizes = view.getMixedOutputShape();
    unsigned first = shapes.size() - plan.rowDims;
    ReassociationIndices all =
        llvm::to_vector(llvm::seq<int64_t>(0, plan.rowDims));
    return memref::ExpandShapeOp::create(
        b, loc, shapes.drop_front(first), buffer, {all},
        ArrayRef<OpFoldResult>(sizes).drop_front(first));
  };
  if (plan.partials != plan.root)
    ct.c = viewLikeC(plan.partials);
  cOut = plan.output == plan.partials ? ct.c : viewLikeC(plan.output);
  auto setUp = [&](Stage &stage,
                   const std::optional<FusedElementwise> &fused) {
    if (!fused)
      return;
    stage.fused = &*fused;
    for (const FusedInput &input : fused->inputs) {
      switch (input.kind) {
      case FusedInputKind::Accumulator:
        stage.buffers.push_back(Value());
        break;
      case FusedInputKind::Tile:
        stage.buffers.push_back(viewLikeC(input.buffer));
        break;
      case FusedInputKind::Row:
        stage.buffers.push_back(viewRow(input.buffer));
        break;
      }
    }
  };
  setUp(prologue, plan.prologue);
  setUp(epilogue, plan.epilogue);
}

/// The stage's value at the current (m, n) (a vector along n, or a
/// scalar), given the accumulator `acc` there.
Value KernelEmitter::applyStage(const Stage &stage, Value acc, bool vector) {
  Type type = vector ? Type(vecType) : b.getF32Type();
  if (auto fill = dyn_cast<linalg::FillOp>(stage.fused->op)) {
    Value value = fill.getInputs()[0];
    return vector ? vector::BroadcastOp::create(b, loc, type, value)
                  : value;
  }
  SmallVector<Value> args;
  SmallVector<Value> indices = at(ct.cMap);
  for (auto [input, buffer] :
       llvm::zip(stage.fused->inputs, stage.buffers)) {
    if (input.kind == FusedInputKind::Accumulator) {
      args.push_back(acc);
      continue;
    }
    ArrayRef<Value> where = indices;
    if (input.kind == FusedInputKind::Row)
      where = where.take_back(plan.rowDims);
    args.push_back(vector ? vector::LoadOp::create(b, loc, vecType, buffer,
                                                   where)
                                .getResult()
                          : memref::LoadOp::create(b, loc, buffer, where)
                                .getResult());
  }
  args.push_back(acc); // the output, read only by in-place epilogues
  auto generic = cast<linalg::GenericOp>(stage.fused->op);
  return emitFusedBody(b, loc, *generic.getBody(), args,
                       vector ? shape.width : 0);
}

/// C's tile at the start of a k block: the prologue's values on the first
/// block (C holds nothing yet), what earlier blocks stored otherwise.
SmallVector<Value> KernelEmitter::loadAccumulators(ArrayRef<Value> rows,
                                                   ArrayRef<Value> cols,
                                                   bool vector) {
  auto load = [&](bool fromPrologue) {
    SmallVector<Value> values;
    for (Value row : rows)
      for (Value col : cols) {
        iv[ct.m] = row;
        iv[ct.n] = col;
        if (fromPrologue)
          values.push_back(applyStage(prologue, Value(), vector));
        else if (vector)
          values.push_back(
              vector::LoadOp::create(b, loc, vecType, ct.c, at(ct.cMap)));
        else
          values.push_back(memref::LoadOp::create(b, loc, ct.c, at(ct.cMap)));
      }
    return values;
  };
  if (!prologue.fused)
    return load(false);
  Value first =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, kLo, cst(0));
  SmallVector<Type> types(rows.size() * cols.size(),
                          vector ? Type(vecType) : b.getF32Type());
  auto ifOp = scf::IfOp::create(b, loc, types, first, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, load(true));
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, load(false));
  return SmallVector<Value>(ifOp.getResults());
}

/// Stores C's tile after a k block, through the epilogue after the last.
void KernelEmitter::storeAccumulators(ArrayRef<Value> rows,
                                      ArrayRef<Value> cols, ValueRange accs,
                                      bool vector) {
  auto store = [&](bool throughEpilogue) {
    Value to = throughEpilogue ? cOut : ct.c;
    size_t t = 0;
    for (Value row : rows)
      for (Value col : cols) {
        iv[ct.m] = row;
        iv[ct.n] = col;
        Value value = accs[t++];
        if (throughEpilogue)
          value = applyStage(epilogue, value, vector);
        if (vector)
          vector::StoreOp::create(b, loc, value, to, at(ct.cMap));
        else
          memref::StoreOp::create(b, loc, value, to, at(ct.cMap));
      }
  };
  if (!epilogue.fused)
    return store(false);
  Value last =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, kHi, sizeK);
  auto ifOp = scf::IfOp::create(b, loc, last, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  store(true);
  b.setInsertionPointToStart(ifOp.elseBlock());
  store(false);
}

struct CPUContractionKernelsPass
    : mlir::bertc::impl::CPUContractionKernelsBase<CPUContractionKernelsPass> {
  using CPUContractionKernelsBase::CPUContractionKernelsBase;

  void runOnOperation() override {
    if (vectorWidth < 1 || dotRows < 1 || dotCols < 1 || outerRows < 1 ||
        outerVectors < 1 || outerKBlock < 1 || outerMBlock < 1) {
      getOperation().emitError("bertc-cpu-contraction-kernels: tile sizes "
                               "and vector-width must be at least 1");
      return signalPassFailure();
    }
    TileShape shape{vectorWidth, dotRows,     dotCols,     outerRows,
                    outerVectors, outerKBlock, outerMBlock, prefetch,
                    padRows};
    SmallVector<Contraction> matches;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<Contraction> ct = matchContraction(op))
        matches.push_back(*ct);
    });
    DominanceInfo &dominance = getAnalysis<DominanceInfo>();
    for (Contraction &ct : matches) {
      // flattenRows may merge C's dimensions up to m into one.
      unsigned rowsEnd = *ct.cMap.getResultPosition(
                             getAffineDimExpr(ct.m, &getContext())) +
                         1;
      KernelFusionPlan plan =
          fuseElementwise && !ct.dotForm
              ? planKernelFusion(ct.op, ct.c, rowsEnd, dominance)
              : KernelFusionPlan(ct.c);
      prepareKernelFusion(plan, ct.op);
      OpBuilder b(ct.op);
      KernelEmitter(ct, shape, plan, b).emit();
      ct.op.erase();
      finishKernelFusion(plan);
    }
  }
};

} // namespace
