//===- Adaptive.cpp - adaptive input embedding and adaptive log-softmax ---===//
//
// Transformer-XL's clustered vocabulary (model-semantics §4.3, §4.8).
// Projections and cluster logits are emitted as bert.linear (lowered by the
// layer patterns) or as plain contractions where the weight is used
// untransposed (h * P).
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "Conversion/BertToLinalg/PopulatePatterns.h"
#include "Conversion/BertToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::bert_to_linalg;

namespace {

/// `x` with its last dimension replaced by `last`.
RankedTensorType withLast(Value x, int64_t last) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = last;
  return RankedTensorType::get(shape, type.getElementType());
}

SmallVector<OpFoldResult> sizesWithLast(OpBuilder &b, Location loc, Value x,
                                        int64_t last) {
  SmallVector<OpFoldResult> sizes = mixedSizes(b, loc, x);
  sizes.back() = b.getIndexAttr(last);
  return sizes;
}

/// x * P with P [D, d]: the output layer's projection (the embedding uses
/// P^T, a bert.linear).
Value projectUntransposed(OpBuilder &b, Location loc, Value x, Value proj) {
  MLIRContext *ctx = b.getContext();
  int64_t d = cast<RankedTensorType>(proj.getType()).getDimSize(1);
  unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<unsigned> xDims, outDims;
  for (unsigned i = 0; i + 1 < rank; ++i) {
    xDims.push_back(i);
    outDims.push_back(i);
  }
  xDims.push_back(rank);    // the reduction over D
  outDims.push_back(rank - 1);
  Value init = filledTensor(b, loc, sizesWithLast(b, loc, x, d),
                            withLast(x, d).getElementType(), 0.0);
  return buildMulAddContraction(
      b, loc, x, proj, init,
      {dimsMap(ctx, rank + 1, xDims), dimsMap(ctx, rank + 1, {rank, rank - 1}),
       dimsMap(ctx, rank + 1, outDims)});
}

struct AdaptiveEmbeddingLowering : OpRewritePattern<bert::AdaptiveEmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::AdaptiveEmbeddingOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto outType = op.getType();
    Type elt = outType.getElementType();
    unsigned rank = outType.getRank();
    Value ids = op.getIds();
    ArrayRef<int64_t> bounds = op.getBounds();
    SmallVector<unsigned> idDims;
    for (unsigned d = 0; d + 1 < rank; ++d)
      idDims.push_back(d);
    AffineMap idMap = dimsMap(ctx, rank, idDims), id = identityMap(ctx, rank);

    // Each cluster's rows for every token (ids outside the cluster read a
    // clamped row that the select below discards), projected to D.
    SmallVector<Value> perCluster;
    for (auto [c, table] : llvm::enumerate(op.getTables())) {
      int64_t rows = bounds[c + 1] - bounds[c];
      int64_t width = cast<RankedTensorType>(table.getType()).getDimSize(1);
      SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, ids);
      sizes.push_back(rw.getIndexAttr(width));
      Value init = emptyTensor(rw, loc, sizes, elt);
      Value lo = indexConst(rw, loc, bounds[c]);
      Value last = indexConst(rw, loc, rows - 1);
      Value gathered = buildElementwise(
          rw, loc, ids, {idMap}, init,
          [&](OpBuilder &b, Location l, ValueRange a) -> Value {
            Value row = arith::SubIOp::create(
                b, l, arith::IndexCastOp::create(b, l, b.getIndexType(), a[0]),
                lo);
            row = arith::MaxSIOp::create(
                b, l, indexConst(b, l, 0),
                arith::MinSIOp::create(b, l, row, last));
            Value col = linalg::IndexOp::create(b, l, rank - 1);
            return tensor::ExtractOp::create(b, l, table, ValueRange{row, col});
          });
      if (!op.getProjections().empty())
        gathered = createLinear(rw, loc, gathered, op.getProjections()[c], Value());
      perCluster.push_back(gathered);
    }

    // Pick each token's cluster, then scale.
    SmallVector<Value> ins{ids};
    SmallVector<AffineMap> maps{idMap};
    for (Value v : perCluster) {
      ins.push_back(v);
      maps.push_back(id);
    }
    Value scale = floatConst(rw, loc, elt, op.getScale().convertToDouble());
    Value out = buildElementwise(
        rw, loc, ins, maps,
        emptyTensor(rw, loc, mixedSizes(rw, loc, perCluster[0]), elt),
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value v = a[1];
          for (size_t c = 1; c < perCluster.size(); ++c) {
            Value lo = arith::ConstantIntOp::create(b, l, bounds[c], 64);
            Value in = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge,
                                             a[0], lo);
            v = arith::SelectOp::create(b, l, in, a[c + 1], v);
          }
          return arith::MulFOp::create(b, l, v, scale);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, out, outType));
    return success();
  }
};

struct AdaptiveLogSoftmaxLowering
    : OpRewritePattern<bert::AdaptiveLogSoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::AdaptiveLogSoftmaxOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value h = op.getInput();
    auto outType = op.getType();
    Type elt = outType.getElementType();
    unsigned rank = outType.getRank();
    ArrayRef<int64_t> bounds = op.getBounds();
    size_t clusters = op.getWeights().size();
    AffineMap id = identityMap(ctx, rank), row = dropLastMap(ctx, rank);

    // logit_c = (h P_c) W_c^T + b_c.
    SmallVector<Value> logits, projected;
    for (size_t c = 0; c < clusters; ++c) {
      Value x = op.getProjections().empty()
                    ? h
                    : projectUntransposed(rw, loc, h, op.getProjections()[c]);
      projected.push_back(x);
      logits.push_back(
          createLinear(rw, loc, x, op.getWeights()[c], op.getBiases()[c]));
    }

    // The head normalizes over cluster 0's tokens and the tail logits:
    // log_softmax(x) = (x - max) - log(sum(exp(x - max))), as PyTorch.
    Value headMax = buildRowMax(rw, loc, logits[0]);
    Value tailLogits;
    if (clusters > 1) {
      tailLogits = createLinear(rw, loc, projected[0], op.getClusterWeight(),
                          op.getClusterBias());
      Value tailMax = buildRowMax(rw, loc, tailLogits);
      headMax = buildElementwise(
          rw, loc, ValueRange{headMax, tailMax},
          {identityMap(ctx, rank - 1), identityMap(ctx, rank - 1)},
          emptyTensor(rw, loc, mixedSizes(rw, loc, headMax), elt),
          [](OpBuilder &b, Location l, ValueRange a) {
            return arith::MaximumFOp::create(b, l, a[0], a[1]).getResult();
          });
    }
    Value headSum = buildRowSumExp(rw, loc, logits[0], headMax);
    if (clusters > 1) {
      Value tailSum = buildRowSumExp(rw, loc, tailLogits, headMax);
      headSum = buildElementwise(
          rw, loc, ValueRange{headSum, tailSum},
          {identityMap(ctx, rank - 1), identityMap(ctx, rank - 1)},
          emptyTensor(rw, loc, mixedSizes(rw, loc, headSum), elt),
          [](OpBuilder &b, Location l, ValueRange a) {
            return arith::AddFOp::create(b, l, a[0], a[1]).getResult();
          });
    }

    Value out = emptyTensor(rw, loc, sizesWithLast(rw, loc, h, bounds.back()),
                            elt);
    for (size_t c = 0; c < clusters; ++c) {
      int64_t n = bounds[c + 1] - bounds[c];
      Value block;
      Value init = emptyTensor(rw, loc, sizesWithLast(rw, loc, h, n), elt);
      if (c == 0) {
        block = buildElementwise(
            rw, loc, ValueRange{logits[0], headMax, headSum}, {id, row, row},
            init, [](OpBuilder &b, Location l, ValueRange a) -> Value {
              Value d = arith::SubFOp::create(b, l, a[0], a[1]);
              return arith::SubFOp::create(b, l, d,
                                           math::LogOp::create(b, l, a[2]));
            });
      } else {
        // head[n_0 + c - 1] + log_softmax(logit_c).
        Value m = buildRowMax(rw, loc, logits[c]);
        Value s = buildRowSumExp(rw, loc, logits[c], m);
        SmallVector<AffineExpr> tailIdx;
        for (unsigned d = 0; d + 1 < rank; ++d)
          tailIdx.push_back(getAffineDimExpr(d, ctx));
        tailIdx.push_back(getAffineConstantExpr(c - 1, ctx));
        AffineMap tailCol = AffineMap::get(rank, 0, tailIdx, ctx);
        block = buildElementwise(
            rw, loc, ValueRange{logits[c], m, s, tailLogits, headMax, headSum},
            {id, row, row, tailCol, row, row}, init,
            [](OpBuilder &b, Location l, ValueRange a) -> Value {
              Value head = arith::SubFOp::create(
                  b, l, arith::SubFOp::create(b, l, a[3], a[4]),
                  math::LogOp::create(b, l, a[5]));
              Value tail = arith::SubFOp::create(
                  b, l, arith::SubFOp::create(b, l, a[0], a[1]),
                  math::LogOp::create(b, l, a[2]));
              return arith::AddFOp::create(b, l, head, tail);
            });
      }
      SmallVector<OpFoldResult> offsets(rank, rw.getIndexAttr(0)),
          strides(rank, rw.getIndexAttr(1));
      offsets.back() = rw.getIndexAttr(bounds[c]);
      out = tensor::InsertSliceOp::create(rw, loc, block, out, offsets,
                                          sizesWithLast(rw, loc, h, n), strides);
    }
    rw.replaceOp(op, castIfNeeded(rw, loc, out, outType));
    return success();
  }
};

} // namespace

void mlir::bertc::bert_to_linalg::populateAdaptivePatterns(
    RewritePatternSet &patterns) {
  patterns.add<AdaptiveEmbeddingLowering, AdaptiveLogSoftmaxLowering>(
      patterns.getContext());
}
