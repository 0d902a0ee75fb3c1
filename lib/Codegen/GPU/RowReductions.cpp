//===- RowReductions.cpp - one block per row for row reductions -------------===//
//
// See bertc-gpu-row-reductions in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "Codegen/GPU/GenericBody.h"
#include "Codegen/GPU/OutputEpilogue.h"
#include "Codegen/GPU/OutputInit.h"
#include "Codegen/Passes.h"

#include "mlir/IR/IRMapping.h"

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

/// The elementwise op after `op` that reads its output with each element of
/// the row (a softmax's or layer norm's normalization): over the same loops,
/// reading `op`'s output under `op`'s output map and at least one of `op`'s
/// inputs as `op` does (so the loops have the same sizes). Other blocks of
/// the kernel read other rows: the op's output may be a row-local input of
/// `op` itself, but no other view of anything `op` reads.
OutputEpilogue findNormalization(linalg::GenericOp op, Operation *writer) {
  Value out = op.getDpsInits()[0];
  SmallVector<Value> reads = {out}, rowLocal;
  for (OpOperand *input : op.getDpsInputOperands())
    (op.getMatchingIndexingMap(input).isIdentity() ? rowLocal : reads)
        .push_back(input->get());
  SmallVector<Operation *> ignore = {op};
  if (writer)
    ignore.push_back(writer);
  OutputEpilogue next = findOutputEpilogue(
      op, out, op.getIndexingMapsArray().back(), reads, ignore);
  if (!next || next.op.getNumLoops() != op.getNumLoops())
    return {};
  Value written = next.op.getDpsInits()[0];
  for (Value local : rowLocal)
    if (local != written && viewRoot(local) == viewRoot(written))
      return {};
  bool sameLoops =
      llvm::any_of(next.op.getDpsInputOperands(), [&](OpOperand *input) {
        return llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *mine) {
          return mine->get() == input->get() &&
                 op.getMatchingIndexingMap(mine) ==
                     next.op.getMatchingIndexingMap(input);
        });
      });
  return sameLoops ? next : OutputEpilogue();
}

void emitRowReduction(const RowReduction &rr, int64_t blockSize,
                      bool normalizations) {
  linalg::GenericOp op = rr.op;
  OutputInit writer =
      findOutputInit(op, op.getDpsInits()[0], /*fillOnly=*/true);
  OutputEpilogue normalize =
      normalizations ? findNormalization(op, writer.op) : OutputEpilogue();
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Value> sizes = loopSizes(b, loc, op);
  unsigned red = sizes.size() - 1;
  Value one = index(b, loc, 1);
  Value rows = one;
  for (unsigned d = 0; d < red; ++d)
    rows = arith::MulIOp::create(b, loc, rows, sizes[d]);
  Value grid = arith::MaxUIOp::create(b, loc, rows, one);
  auto sharedType = MemRefType::get(
      {blockSize}, b.getF32Type(), MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto launch = gpu::LaunchOp::create(
      b, loc, grid, one, one, index(b, loc, blockSize), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      ValueRange{}, TypeRange{sharedType});
  Block &kernel = launch.getBody().front();
  b.setInsertionPointToEnd(&kernel);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&kernel);
  Value shared = launch.getWorkgroupAttributions()[0];
  Value tid = launch.getThreadIds().x, row = launch.getBlockIds().x;

  SmallVector<Value> ivs(sizes.size());
  delinearize(b, loc, row, llvm::to_vector(llvm::seq(0u, red)), sizes, ivs);
  // The spare block of an empty launch folds nothing and stores nothing.
  Value valid =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, rows);
  Value length =
      arith::SelectOp::create(b, loc, valid, sizes[red], index(b, loc, 0));
  auto identity = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(static_cast<float>(rr.identity)));

  // 1. This thread's elements of the row, folded by the body itself.
  auto fold = scf::ForOp::create(
      b, loc, tid, length, index(b, loc, blockSize), ValueRange{identity},
      [&](OpBuilder &nb, Location, Value r, ValueRange partial) {
        ivs[red] = r;
        scf::YieldOp::create(nb, loc, emitBodyAt(nb, loc, op, ivs, partial[0]));
      });
  memref::StoreOp::create(b, loc, fold.getResult(0), shared, tid);
  gpu::BarrierOp::create(b, loc);

  // 2. The tree over shared memory.
  for (int64_t stride = blockSize / 2; stride >= 1; stride /= 2) {
    Value active = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, tid,
                                         index(b, loc, stride));
    auto step = scf::IfOp::create(b, loc, active, /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&step.getThenRegion().front());
      Value mine = memref::LoadOp::create(b, loc, shared, tid);
      Value other =
          memref::LoadOp::create(b, loc, shared,
                                 ValueRange{arith::AddIOp::create(
                                     b, loc, tid, index(b, loc, stride))});
      memref::StoreOp::create(b, loc, combineWith(b, rr.combine, mine, other),
                              shared, tid);
    }
    gpu::BarrierOp::create(b, loc);
  }

  // 3. Thread 0 adds the row's total to the output.
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                                      index(b, loc, 0));
  auto store =
      scf::IfOp::create(b, loc, arith::AndIOp::create(b, loc, first, valid),
                        /*withElseRegion=*/false);
  b.setInsertionPointToStart(&store.getThenRegion().front());
  Value outBuffer = op.getDpsInits()[0];
  SmallVector<Value> at = indicesAt(op.getIndexingMapsArray().back(), ivs);
  Value total = memref::LoadOp::create(b, loc, shared, index(b, loc, 0));
  // The output's value, or the fill before the op (then erased).
  Value old = writer ? emitOutputInit(b, loc, writer, at)
                     : memref::LoadOp::create(b, loc, outBuffer, at);
  // The body's operand order: `out` where the body had it.
  Value outArg = op.getRegion().front().getArguments().back();
  Value result = rr.combine->getOperand(0) == outArg
                     ? combineWith(b, rr.combine, old, total)
                     : combineWith(b, rr.combine, total, old);
  memref::StoreOp::create(b, loc, result, outBuffer, at);
  if (!normalize) {
    op.erase();
    if (writer)
      writer.op->erase();
    return;
  }

  // 4. The normalization after the op: thread 0 passes the row's value to
  // the others, which apply it to their elements of the row.
  memref::StoreOp::create(b, loc, result, shared, index(b, loc, 0));
  b.setInsertionPointAfter(store);
  gpu::BarrierOp::create(b, loc);
  Value value = memref::LoadOp::create(b, loc, shared, index(b, loc, 0));
  scf::ForOp::create(
      b, loc, tid, length, index(b, loc, blockSize), ValueRange{},
      [&](OpBuilder &nb, Location, Value r, ValueRange) {
        ivs[red] = r;
        memref::StoreOp::create(
            nb, loc, emitOutputEpilogue(nb, loc, normalize, value, ivs),
            normalize.op.getDpsInits()[0], ivs);
        scf::YieldOp::create(nb, loc);
      });
  op.erase();
  if (writer)
    writer.op->erase();
  normalize.op.erase();
}

struct GPURowReductionsPass
    : mlir::bertc::impl::GPURowReductionsBase<GPURowReductionsPass> {
  using Base::Base;

  void runOnOperation() override {
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
    for (const RowReduction &rr : matched)
      emitRowReduction(rr, blockSize, normalizations);
  }
};
} // namespace
