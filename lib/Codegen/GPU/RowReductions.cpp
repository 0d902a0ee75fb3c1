//===- RowReductions.cpp - a block or a warp per row for row reductions ---===//
//
// See bertc-gpu-row-reductions in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "Codegen/GPU/GenericBody.h"
#include "Codegen/GPU/KernelKind.h"
#include "Codegen/GPU/OutputEpilogue.h"
#include "Codegen/GPU/OutputInit.h"
#include "Codegen/KernelDescription.h"
#include "Codegen/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <limits>

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUROWREDUCTIONS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {

/// A matched row reduction: the combining op at the end of the body and
/// the identity its partial values start from.
struct RowReduction {
  linalg::GenericOp op;
  Operation *combine;
  double identity;
};

std::optional<RowReduction> matchRowReduction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() == 0)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned red = iterators.size() - 1;
  if (iterators.size() < 2 ||
      iterators[red] != utils::IteratorType::reduction ||
      llvm::count(iterators, utils::IteratorType::reduction) != 1)
    return std::nullopt;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
  }
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;
  AffineMap outMap = op.getIndexingMapsArray().back();
  if (outMap.isFunctionOfDim(red) || outMap.getNumResults() != red)
    return std::nullopt; // every parallel loop indexes the output once

  Block &body = op.getRegion().front();
  Value out = body.getArgument(body.getNumArguments() - 1);
  Operation *combine = body.getTerminator()->getOperand(0).getDefiningOp();
  if (!combine || !out.hasOneUse() || *out.user_begin() != combine ||
      combine->getNumOperands() != 2)
    return std::nullopt;
  double inf = std::numeric_limits<double>::infinity();
  if (auto add = dyn_cast<arith::AddFOp>(combine)) {
    if (!arith::bitEnumContainsAll(add.getFastmath(),
                                   arith::FastMathFlags::reassoc))
      return std::nullopt; // the sum's order is part of its value
    return RowReduction{op, combine, 0.0};
  }
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combine))
    return RowReduction{op, combine, -inf};
  if (isa<arith::MinimumFOp, arith::MinNumFOp>(combine))
    return RowReduction{op, combine, inf};
  return std::nullopt;
}

Value index(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// `combine` on new operands: its other operand is `partial`'s place.
Value combineWith(OpBuilder &b, Operation *combine, Value x, Value y) {
  IRMapping map;
  map.map(combine->getOperand(0), x);
  map.map(combine->getOperand(1), y);
  return b.clone(*combine, map)->getResult(0);
}

/// Reductions of one row that one block runs in turn: each after the first
/// reads the earlier ones' outputs at its row (a layer norm's variance reads
/// its mean, a softmax's sum its max), then the normalization that reads
/// them with each element of the row.
struct RowChain {
  SmallVector<RowReduction> reductions;
  SmallVector<OutputInit> writers; // the fill before each, if any
  OutputEpilogue normalize;

  /// What other blocks read while this one writes (anything a reduction
  /// reads other than at its own row), and what is read only at the row.
  void reads(SmallVector<Value> &shared, SmallVector<Value> &rowLocal) const {
    for (RowReduction rr : reductions) {
      shared.push_back(rr.op.getDpsInits()[0]);
      for (OpOperand *input : rr.op.getDpsInputOperands())
        (rr.op.getMatchingIndexingMap(input).isIdentity() ? rowLocal : shared)
            .push_back(input->get());
    }
  }
  /// The reductions' output map (the row's indices).
  AffineMap rowOutputMap() const {
    linalg::GenericOp first = reductions.front().op;
    return first.getIndexingMapsArray().back();
  }
  /// Whether `op` runs over the same loops as the chain: it reads one of the
  /// first reduction's inputs the same way, through a map that uses every
  /// loop (so its loops have the same sizes).
  bool sameLoops(linalg::GenericOp op) const {
    linalg::GenericOp first = reductions.front().op;
    return op.getNumLoops() == first.getNumLoops() &&
           llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *input) {
             return llvm::any_of(
                 first.getDpsInputOperands(), [&](OpOperand *mine) {
                   // A map over every loop: one of the row's value
                   // does not say how long the row is.
                   return mine->get() == input->get() &&
                          first.getMatchingIndexingMap(mine).isPermutation() &&
                          first.getMatchingIndexingMap(mine) ==
                              op.getMatchingIndexingMap(input);
                 });
           });
  }
  /// Whether `op` reads each earlier output only at the row (under the
  /// reductions' output map).
  bool readsOutputsAtRow(linalg::GenericOp op) const {
    AffineMap rowMap = rowOutputMap();
    for (OpOperand *input : op.getDpsInputOperands())
      for (RowReduction rr : reductions)
        if (input->get() == rr.op.getDpsInits()[0] &&
            op.getMatchingIndexingMap(input) != rowMap)
          return false;
    return true;
  }
};

/// The reduction right after the chain's last (past ops without memory
/// effects and its own fill) that chains on: same loops and output map,
/// earlier outputs read at the row, writing none of what the chain reads.
std::optional<RowReduction> nextInChain(const RowChain &chain) {
  linalg::GenericOp last = chain.reductions.back().op;
  Operation *next = last->getNextNode();
  auto skipPure = [&] {
    while (next && isMemoryEffectFree(next) && next->getNumRegions() == 0)
      next = next->getNextNode();
  };
  skipPure();
  if (isa_and_nonnull<linalg::FillOp>(next)) {
    next = next->getNextNode();
    skipPure();
  }
  auto op = dyn_cast_or_null<linalg::GenericOp>(next);
  std::optional<RowReduction> rr = op ? matchRowReduction(op) : std::nullopt;
  if (!rr || !chain.sameLoops(op) || !chain.readsOutputsAtRow(op) ||
      op.getIndexingMapsArray().back() != chain.rowOutputMap())
    return std::nullopt;
  SmallVector<Value> shared, rowLocal;
  chain.reads(shared, rowLocal);
  Value out = op.getDpsInits()[0];
  for (Value read : llvm::concat<Value>(shared, rowLocal))
    if (viewRoot(read) == viewRoot(out))
      return std::nullopt;
  return rr;
}

/// The elementwise op after the chain that reads the last output with each
/// element of the row (a softmax's or layer norm's normalization), over the
/// same loops, reading every output at the row. Other blocks of the kernel
/// read other rows: its output may be a row-local input itself, but no other
/// view of anything the chain reads.
OutputEpilogue findNormalization(const RowChain &chain) {
  linalg::GenericOp last = chain.reductions.back().op;
  SmallVector<Value> shared, rowLocal;
  chain.reads(shared, rowLocal);
  // The row outputs are stored whatever storeC says (one value per row).
  OutputEpilogue next = findOutputEpilogue(
      last, last.getDpsInits()[0], last.getIndexingMapsArray().back(), shared,
      /*ignore=*/{});
  if (!next || !chain.sameLoops(next.op) || !chain.readsOutputsAtRow(next.op))
    return {};
  for (Value written : next.op.getDpsInits())
    for (Value local : rowLocal)
      if (local != written && viewRoot(local) == viewRoot(written))
        return {};
  return next;
}

/// The chain's kernel, created at b's insertion point: one block of
/// `blockSize` threads per row, or with `warpRows` a warp per row and
/// blockSize / 32 rows per block. `sizes` are the chain's loop sizes.
void emitRowChainLaunch(OpBuilder &b, const RowChain &chain,
                        ArrayRef<Value> sizes, int64_t blockSize,
                        bool warpRows) {
  linalg::GenericOp first = chain.reductions.front().op;
  Location loc = first.getLoc();
  SmallVector<Value> ivs(sizes.size());
  unsigned red = sizes.size() - 1;
  Value one = index(b, loc, 1);
  Value rows = one;
  for (unsigned d = 0; d < red; ++d)
    rows = arith::MulIOp::create(b, loc, rows, sizes[d]);
  // A row's threads: the block, or a warp of it.
  int64_t group = warpRows ? std::min<int64_t>(blockSize, 32) : blockSize;
  int64_t rowsPerBlock = blockSize / group;
  Value blocks = rows;
  if (rowsPerBlock > 1)
    blocks =
        arith::CeilDivUIOp::create(b, loc, rows, index(b, loc, rowsPerBlock));
  Value grid = arith::MaxUIOp::create(b, loc, blocks, one);
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  // Partials meet by shuffles within a warp (`width` lanes), then the
  // warps' totals in shared memory; each reduction's value for the whole
  // row goes to the row's threads through shared memory too, or by a
  // shuffle from lane 0 when the row is one warp's.
  int64_t width = std::min<int64_t>(group, 32);
  int64_t warps = group / width;
  int64_t count = chain.reductions.size();
  bool sharedValues = (count > 1 || chain.normalize) && warps > 1;
  SmallVector<Type> buffers;
  if (warps > 1)
    buffers.push_back(MemRefType::get({warps}, b.getF32Type(),
                                      MemRefLayoutAttrInterface(), workgroup));
  if (sharedValues)
    buffers.push_back(MemRefType::get({count}, b.getF32Type(),
                                      MemRefLayoutAttrInterface(), workgroup));
  std::string kind = "reduction " + describeSizes(first.getStaticLoopRanges());
  if (count > 1)
    kind += " x" + std::to_string(count);
  if (chain.normalize)
    kind += " +epilogue";
  if (rowsPerBlock > 1)
    kind += " warp rows";
  auto launch =
      gpu::LaunchOp::create(b, withKernelKind(loc, kind), grid, one, one,
                            index(b, loc, blockSize), one, one,
                            /*dynamicSharedMemorySize=*/nullptr,
                            /*asyncTokenType=*/nullptr, ValueRange{}, buffers);
  Block &kernel = launch.getBody().front();
  b.setInsertionPointToEnd(&kernel);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&kernel);
  Value warpTotals, values;
  if (warps > 1)
    warpTotals = launch.getWorkgroupAttributions()[0];
  if (sharedValues)
    values = launch.getWorkgroupAttributions().back();
  Value tid = launch.getThreadIds().x, row = launch.getBlockIds().x;
  if (rowsPerBlock > 1) {
    Value rowInBlock =
        arith::DivUIOp::create(b, loc, tid, index(b, loc, group));
    Value firstRow = arith::MulIOp::create(b, loc, row,
                                           index(b, loc, rowsPerBlock));
    row = arith::AddIOp::create(b, loc, firstRow, rowInBlock);
    tid = arith::RemUIOp::create(b, loc, tid, index(b, loc, group));
  }

  delinearize(b, loc, row, llvm::to_vector(llvm::seq(0u, red)), sizes, ivs);
  // The spare block of an empty launch folds nothing and stores nothing.
  Value valid =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, rows);
  Value length =
      arith::SelectOp::create(b, loc, valid, sizes[red], index(b, loc, 0));

  // The earlier reductions' values, which later bodies read at the row.
  SmallVector<std::pair<Value, Value>> known;
  for (auto [i, rr, writer] :
       llvm::enumerate(chain.reductions, chain.writers)) {
    linalg::GenericOp op = rr.op;
    auto identity = arith::ConstantOp::create(
        b, loc, b.getF32FloatAttr(static_cast<float>(rr.identity)));

    // 1. This thread's elements of the row, folded by the body itself.
    auto fold = scf::ForOp::create(
        b, loc, tid, length, index(b, loc, group), ValueRange{identity},
        [&](OpBuilder &nb, Location, Value r, ValueRange partial) {
          ivs[red] = r;
          scf::YieldOp::create(nb, loc,
                               emitBodyAt(nb, loc, op, ivs, partial[0], known));
        });

    // 2. The warp's partials meet by butterfly shuffles (every lane ends
    //    with the warp's total); lane 0 of each warp stores it.
    Value partial = fold.getResult(0);
    for (int64_t offset = width / 2; offset >= 1; offset /= 2) {
      auto shuffle = gpu::ShuffleOp::create(
          b, loc, partial, static_cast<int32_t>(offset),
          static_cast<int32_t>(width), gpu::ShuffleMode::XOR);
      partial = combineWith(b, rr.combine, partial, shuffle.getShuffleResult());
    }
    if (warpTotals) {
      Value lane0 = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::eq,
          arith::RemUIOp::create(b, loc, tid, index(b, loc, width)),
          index(b, loc, 0));
      auto publish = scf::IfOp::create(b, loc, lane0, /*withElseRegion=*/false);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&publish.getThenRegion().front());
        memref::StoreOp::create(
            b, loc, partial, warpTotals,
            ValueRange{
                arith::DivUIOp::create(b, loc, tid, index(b, loc, width))});
      }
      gpu::BarrierOp::create(b, loc);
    }

    // 3. The row's first thread adds the row's total to the output, and
    //    shares it when a later body or the normalization reads it.
    Value first0 = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                                         index(b, loc, 0));
    // A warp's row: lane 0 gives the other lanes the row's value by a
    // shuffle (the others yield the identity, which it replaces).
    bool needed = i + 1 < chain.reductions.size() || chain.normalize;
    bool broadcast = needed && !values;
    Value firstValid = arith::AndIOp::create(b, loc, first0, valid);
    auto store = scf::IfOp::create(
        b, loc, broadcast ? TypeRange{b.getF32Type()} : TypeRange{},
        firstValid, /*withElseRegion=*/broadcast);
    if (broadcast) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&store.getElseRegion().front());
      scf::YieldOp::create(b, loc, ValueRange{identity});
    }
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&store.getThenRegion().front());
      Value outBuffer = op.getDpsInits()[0];
      SmallVector<Value> at = indicesAt(op.getIndexingMapsArray().back(), ivs);
      Value total = partial;
      if (warpTotals) {
        total = memref::LoadOp::create(b, loc, warpTotals, index(b, loc, 0));
        for (int64_t w = 1; w < warps; ++w)
          total = combineWith(
              b, rr.combine, total,
              memref::LoadOp::create(b, loc, warpTotals, index(b, loc, w)));
      }
      // The output's value, or the fill before the op (then erased).
      Value old = writer ? emitOutputInit(b, loc, writer, at)
                         : memref::LoadOp::create(b, loc, outBuffer, at);
      // The body's operand order: `out` where the body had it.
      Value outArg = op.getRegion().front().getArguments().back();
      Value result = rr.combine->getOperand(0) == outArg
                         ? combineWith(b, rr.combine, old, total)
                         : combineWith(b, rr.combine, total, old);
      memref::StoreOp::create(b, loc, result, outBuffer, at);
      if (values)
        memref::StoreOp::create(b, loc, result, values, index(b, loc, i));
      if (broadcast) {
        b.setInsertionPointToEnd(&store.getThenRegion().front());
        scf::YieldOp::create(b, loc, ValueRange{result});
      }
    }
    if (needed) {
      Value known0;
      if (broadcast) {
        Value source = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0);
        Value lanes =
            arith::ConstantIntOp::create(b, loc, b.getI32Type(), width);
        known0 = gpu::ShuffleOp::create(b, loc, store.getResult(0), source,
                                        lanes, gpu::ShuffleMode::IDX)
                     .getShuffleResult();
      } else {
        gpu::BarrierOp::create(b, loc);
        known0 = memref::LoadOp::create(b, loc, values, index(b, loc, i));
      }
      known.push_back({op.getDpsInits()[0], known0});
    }
  }

  // 4. The normalization, on the block's elements of the row.
  if (OutputEpilogue normalize = chain.normalize) {
    scf::ForOp::create(
        b, loc, tid, length, index(b, loc, group), ValueRange{},
        [&](OpBuilder &nb, Location, Value r, ValueRange) {
          ivs[red] = r;
          emitOutputEpilogue(nb, loc, normalize, known.back().second, ivs,
                             ArrayRef(known).drop_back());
          scf::YieldOp::create(nb, loc);
        });
  }
}

/// The chain's kernel, or with `warpRowsUpTo` two: a warp per row for rows
/// of at most that many elements, a block per row for longer ones (chosen
/// on the host when the length is dynamic); then the chain's ops go.
void emitRowChain(const RowChain &chain, int64_t blockSize,
                  int64_t warpRowsUpTo) {
  linalg::GenericOp first = chain.reductions.front().op;
  // The kernel replaces the last op of the chain: everything the ops use
  // is defined by then, and nothing between them reads what they write.
  OutputEpilogue normalizeOp = chain.normalize;
  linalg::GenericOp lastOp = chain.reductions.back().op;
  OpBuilder b(normalizeOp ? normalizeOp.op.getOperation()
                          : lastOp.getOperation());
  Location loc = first.getLoc();
  SmallVector<Value> sizes = loopSizes(b, loc, first);
  int64_t staticLength = first.getStaticLoopRanges().back();
  // A row of one warp needs a block of several.
  bool warpRows = warpRowsUpTo > 0 && blockSize > 32;
  if (!warpRows || (!ShapedType::isDynamic(staticLength) &&
                    staticLength > warpRowsUpTo)) {
    emitRowChainLaunch(b, chain, sizes, blockSize, /*warpRows=*/false);
  } else if (!ShapedType::isDynamic(staticLength)) {
    emitRowChainLaunch(b, chain, sizes, blockSize, /*warpRows=*/true);
  } else {
    Value shortRow =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, sizes.back(),
                              index(b, loc, warpRowsUpTo));
    auto choice = scf::IfOp::create(b, loc, shortRow, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(choice.thenBlock()->getTerminator());
    emitRowChainLaunch(b, chain, sizes, blockSize, /*warpRows=*/true);
    b.setInsertionPoint(choice.elseBlock()->getTerminator());
    emitRowChainLaunch(b, chain, sizes, blockSize, /*warpRows=*/false);
  }
  for (auto [rr, writer] : llvm::zip(chain.reductions, chain.writers)) {
    linalg::GenericOp op = rr.op;
    op.erase();
    if (writer)
      writer.op->erase();
  }
  if (OutputEpilogue normalize = chain.normalize)
    normalize.op.erase();
}

struct GPURowReductionsPass
    : mlir::bertc::impl::GPURowReductionsBase<GPURowReductionsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (warpRowsUpTo < 0) {
      getOperation().emitError()
          << "bertc-gpu-row-reductions: warp-rows-up-to must be 0 or more, "
             "got "
          << warpRowsUpTo.getValue();
      return signalPassFailure();
    }
    if (blockSize < 1 || blockSize > 1024 || !llvm::isPowerOf2_64(blockSize)) {
      getOperation().emitError()
          << "bertc-gpu-row-reductions: block-size " << blockSize.getValue()
          << " is not a power of two in [1, 1024]";
      return signalPassFailure();
    }
    SmallVector<RowReduction> matched;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<RowReduction> rr = matchRowReduction(op))
        matched.push_back(*rr);
    });
    // A reduction that chains onto an earlier one is emitted with it.
    llvm::SmallPtrSet<Operation *, 8> taken;
    for (const RowReduction &rr : matched) {
      if (taken.contains(rr.op))
        continue;
      RowChain chain;
      chain.reductions.push_back(rr);
      while (std::optional<RowReduction> next =
                 chains ? nextInChain(chain) : std::nullopt)
        chain.reductions.push_back(*next);
      for (RowReduction member : chain.reductions) {
        taken.insert(member.op);
        chain.writers.push_back(findOutputInit(
            member.op, member.op.getDpsInits()[0], /*fillOnly=*/true));
      }
      if (normalizations)
        chain.normalize = findNormalization(chain);
      emitRowChain(chain, blockSize, warpRowsUpTo);
    }
  }
};
} // namespace
