//===- Packed.cpp - positions, attention and token selection of packed batches ===//
//
// A packed batch is [1, T, ...] with sequence b at rows offsets[b] ...
// offsets[b+1] - 1 (BertPackedOps.td). The token-by-token ops lower as they
// do for padded batches; these three walk the offsets.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "Conversion/BertToLinalg/PopulatePatterns.h"
#include "Conversion/BertToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <tuple>

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::bert_to_linalg;

namespace {

/// offsets[i] as an index.
Value offsetAt(OpBuilder &b, Location loc, Value offsets, Value i) {
  Value v = tensor::ExtractOp::create(b, loc, offsets, ValueRange{i});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

/// The number of sequences, offsets.dim(0) - 1.
Value sequenceCount(OpBuilder &b, Location loc, Value offsets) {
  Value n = tensor::DimOp::create(b, loc, offsets, 0);
  return arith::SubIOp::create(b, loc, n, indexConst(b, loc, 1));
}

/// Runs `body(b, start, end, acc)` for each sequence in an scf.for carrying
/// `init`; returns the final value.
Value forEachSequence(
    OpBuilder &b, Location loc, Value offsets, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body) {
  Value c1 = indexConst(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, indexConst(b, loc, 0), sequenceCount(b, loc, offsets), c1,
      ValueRange{init},
      [&](OpBuilder &lb, Location l, Value s, ValueRange acc) {
        Value start = offsetAt(lb, l, offsets, s);
        Value end =
            offsetAt(lb, l, offsets, arith::AddIOp::create(lb, l, s, c1));
        scf::YieldOp::create(lb, l, body(lb, l, start, end, acc[0]));
      });
  return loop.getResult(0);
}

/// Positions restart at each sequence: an inner scan per sequence, the
/// padded op's running count (RoBERTa) or the distance to the start.
struct PackedPositionIdsLowering
    : OpRewritePattern<bert::PackedPositionIdsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::PackedPositionIdsOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value ids = op.getInputIds();
    Type i64 = rw.getI64Type();
    Value init = emptyTensor(rw, loc, mixedSizes(rw, loc, ids), i64);
    IntegerAttr padAttr = op.getPaddingIdxAttr();
    Value c0 = indexConst(rw, loc, 0), c1 = indexConst(rw, loc, 1);
    Value zero = arith::ConstantIntOp::create(rw, loc, i64, 0);
    Value pad = padAttr ? Value(arith::ConstantIntOp::create(
                              rw, loc, i64, padAttr.getInt()))
                        : Value();
    Value result = forEachSequence(
        rw, loc, op.getOffsets(), init,
        [&](OpBuilder &b, Location l, Value start, Value end, Value acc) {
          auto scan = scf::ForOp::create(
              b, l, start, end, c1, ValueRange{acc, zero},
              [&](OpBuilder &ib, Location il, Value t, ValueRange args) {
                Value pos, count = args[1];
                if (!pad) {
                  pos = arith::IndexCastOp::create(
                      ib, il, i64, arith::SubIOp::create(ib, il, t, start));
                } else {
                  Value id = tensor::ExtractOp::create(ib, il, ids,
                                                       ValueRange{c0, t});
                  std::tie(pos, count) =
                      paddingAwarePosition(ib, il, id, count, pad);
                }
                Value next = tensor::InsertOp::create(ib, il, pos, args[0],
                                                      ValueRange{c0, t});
                scf::YieldOp::create(ib, il, ValueRange{next, count});
              });
          return scan.getResult(0);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, result, op.getType()));
    return success();
  }
};

/// One bert.attention per sequence, on its rows of Q, K and V, written into
/// its rows of the result: each sequence costs its own length squared.
struct PackedAttentionLowering : OpRewritePattern<bert::PackedAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::PackedAttentionOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto qType = op.getQuery().getType();
    int64_t width = qType.getDimSize(2);
    SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, op.getQuery());
    Value init = emptyTensor(rw, loc, sizes, qType.getElementType());
    auto rowsType = RankedTensorType::get({1, ShapedType::kDynamic, width},
                                          qType.getElementType());
    Value result = forEachSequence(
        rw, loc, op.getOffsets(), init,
        [&](OpBuilder &b, Location l, Value start, Value end, Value acc) {
          Value len = arith::SubIOp::create(b, l, end, start);
          SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), start,
                                            b.getIndexAttr(0)};
          SmallVector<OpFoldResult> rowSizes{b.getIndexAttr(1), len,
                                             b.getIndexAttr(width)};
          SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
          auto rows = [&](Value x) -> Value {
            return tensor::ExtractSliceOp::create(b, l, rowsType, x, offsets,
                                                  rowSizes, strides);
          };
          Value ctx = buildMultiHeadAttention(
              b, l, rows(op.getQuery()), rows(op.getKey()),
              rows(op.getValue()), Value(), op.getNumHeads(),
              op.getScale().convertToDouble());
          return tensor::InsertSliceOp::create(b, l, ctx, acc, offsets,
                                               rowSizes, strides);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, result, op.getType()));
    return success();
  }
};

/// result[b, h] = input[0, offsets[b] + index, h] (from offsets[b+1] for a
/// negative index): a gather generic over the result.
struct PackedSelectTokenLowering
    : OpRewritePattern<bert::PackedSelectTokenOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::PackedSelectTokenOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value in = op.getInput(), offsets = op.getOffsets();
    auto inType = op.getInput().getType();
    int64_t index = op.getIndexAttr().getInt(); // signed
    SmallVector<OpFoldResult> sizes{
        sequenceCount(rw, loc, offsets),
        rw.getIndexAttr(inType.getDimSize(2))};
    Value init = emptyTensor(rw, loc, sizes, inType.getElementType());
    auto gather = linalg::GenericOp::create(
        rw, loc, init.getType(), ValueRange{}, init,
        {identityMap(rw.getContext(), 2)}, iterators(2),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value seq = linalg::IndexOp::create(b, l, 0);
          Value col = linalg::IndexOp::create(b, l, 1);
          if (index < 0)
            seq = arith::AddIOp::create(b, l, seq, indexConst(b, l, 1));
          Value row = arith::AddIOp::create(b, l, offsetAt(b, l, offsets, seq),
                                            indexConst(b, l, index));
          Value v = tensor::ExtractOp::create(
              b, l, in, ValueRange{indexConst(b, l, 0), row, col});
          linalg::YieldOp::create(b, l, v);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, gather.getResult(0), op.getType()));
    return success();
  }
};

} // namespace

void mlir::bertc::bert_to_linalg::populatePackedPatterns(
    RewritePatternSet &patterns) {
  patterns.add<PackedPositionIdsLowering, PackedAttentionLowering,
               PackedSelectTokenLowering>(patterns.getContext());
}
