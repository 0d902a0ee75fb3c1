//===- Attention.cpp - multi-head attention, softmax, padding bias ---------===//

#include "Bert/BertOps.h"
#include "Conversion/BertToLinalg/PopulatePatterns.h"
#include "Conversion/BertToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::bert_to_linalg;

namespace {

/// [B, L, H] -> [B, L, heads, H/heads]: head n owns columns n*dh..(n+1)*dh-1.
static Value splitHeads(OpBuilder &b, Location loc, Value x, int64_t heads) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t dh = type.getDimSize(2) / heads;
  SmallVector<OpFoldResult> sizes = mixedSizes(b, loc, x);
  SmallVector<OpFoldResult> outSizes{sizes[0], sizes[1], b.getIndexAttr(heads),
                                     b.getIndexAttr(dh)};
  auto outType = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(1), heads, dh},
      type.getElementType());
  SmallVector<ReassociationIndices> reassoc{{0}, {1}, {2, 3}};
  return tensor::ExpandShapeOp::create(b, loc, outType, x, reassoc, outSizes);
}

} // namespace

/// softmax(Q K^T * scale + bias) V per head. Scores are materialized as
/// [B, heads, Lq, Lk]; a fused flash-style kernel is the CPU performance
/// issue's business, not the semantics' here.
Value mlir::bertc::bert_to_linalg::buildMultiHeadAttention(
    OpBuilder &b, Location loc, Value query, Value key, Value value,
    Value bias, int64_t heads, double scaleValue) {
  MLIRContext *ctx = b.getContext();
  auto qType = cast<RankedTensorType>(query.getType());
  Type elt = qType.getElementType();
  int64_t dh = qType.getDimSize(2) / heads;

  Value q = splitHeads(b, loc, query, heads);
  Value k = splitHeads(b, loc, key, heads);
  Value v = splitHeads(b, loc, value, heads);
  SmallVector<OpFoldResult> qs = mixedSizes(b, loc, query);
  SmallVector<OpFoldResult> ks = mixedSizes(b, loc, key);

  // scores[b,n,i,j] = sum_d q[b,i,n,d] * k[b,j,n,d]; loops (b,n,i,j | d).
  Value scoreInit = filledTensor(
      b, loc, {qs[0], b.getIndexAttr(heads), qs[1], ks[1]}, elt, 0.0);
  Value scores = buildMulAddContraction(
      b, loc, q, k, scoreInit,
      {dimsMap(ctx, 5, {0, 2, 1, 4}), dimsMap(ctx, 5, {0, 3, 1, 4}),
       dimsMap(ctx, 5, {0, 1, 2, 3})});

  // logits = scores * scale (+ bias[b, j]), then softmax over j.
  Value scale = floatConst(b, loc, elt, scaleValue);
  SmallVector<Value> ins{scores};
  SmallVector<AffineMap> maps{identityMap(ctx, 4)};
  if (bias) {
    ins.push_back(bias);
    maps.push_back(dimsMap(ctx, 4, {0, 3}));
  }
  Value logitsInit = emptyTensor(b, loc, mixedSizes(b, loc, scores), elt);
  Value logits = buildElementwise(
      b, loc, ins, maps, logitsInit,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value s = arith::MulFOp::create(nb, l, args[0], scale);
        if (bias)
          s = arith::AddFOp::create(nb, l, s, args[1]);
        return s;
      });
  Value probs = buildSoftmaxLastDim(b, loc, logits);

  // ctx[b,i,n,d] = sum_j probs[b,n,i,j] * v[b,j,n,d]; loops (b,i,n,d | j).
  Value ctxInit = filledTensor(
      b, loc, {qs[0], qs[1], b.getIndexAttr(heads), b.getIndexAttr(dh)}, elt,
      0.0);
  Value context = buildMulAddContraction(
      b, loc, probs, v, ctxInit,
      {dimsMap(ctx, 5, {0, 2, 1, 4}), dimsMap(ctx, 5, {0, 4, 2, 3}),
       dimsMap(ctx, 5, {0, 1, 2, 3})});
  SmallVector<ReassociationIndices> reassoc{{0}, {1}, {2, 3}};
  return tensor::CollapseShapeOp::create(b, loc, context, reassoc);
}

namespace {

struct AttentionLowering : OpRewritePattern<bert::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::AttentionOp op,
                                PatternRewriter &rw) const override {
    Value merged = buildMultiHeadAttention(
        rw, op.getLoc(), op.getQuery(), op.getKey(), op.getValue(),
        op.getBias(), op.getNumHeads(), op.getScale().convertToDouble());
    rw.replaceOp(op, castIfNeeded(rw, op.getLoc(), merged, op.getType()));
    return success();
  }
};

struct SoftmaxLowering : OpRewritePattern<bert::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::SoftmaxOp op,
                                PatternRewriter &rw) const override {
    Value p = buildSoftmaxLastDim(rw, op.getLoc(), op.getInput());
    rw.replaceOp(op, castIfNeeded(rw, op.getLoc(), p, op.getType()));
    return success();
  }
};

/// bias = (1 - mask) * fill, with the mask converted to float first as
/// Hugging Face does.
struct MaskBiasLowering : OpRewritePattern<bert::MaskBiasOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::MaskBiasOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    Type elt = type.getElementType();
    Value out = emptyTensor(rw, loc, mixedSizes(rw, loc, op.getMask()), elt);
    Value one = floatConst(rw, loc, elt, 1.0);
    Value fill = floatConst(rw, loc, elt, op.getFill().convertToDouble());
    AffineMap id = identityMap(rw.getContext(), 2);
    Value bias = buildElementwise(
        rw, loc, op.getMask(), {id}, out,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value m = arith::SIToFPOp::create(b, l, elt, args[0]);
          Value inv = arith::SubFOp::create(b, l, one, m);
          return arith::MulFOp::create(b, l, inv, fill);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, bias, type));
    return success();
  }
};

} // namespace

void mlir::bertc::bert_to_linalg::populateAttentionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AttentionLowering, SoftmaxLowering, MaskBiasLowering>(
      patterns.getContext());
}
