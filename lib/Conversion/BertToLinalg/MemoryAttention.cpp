//===- MemoryAttention.cpp - relative positions and memory attention ------===//
//
// bert.rel_positions and bert.rel_attention (Transformer-XL, model-semantics
// §4). Projections are emitted as bert.linear, which the conversion lowers
// with its own pattern, so they share the matrix-product code of every model.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "Conversion/BertToLinalg/PopulatePatterns.h"
#include "Conversion/BertToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::bert_to_linalg;

namespace {

/// The rows [offset, offset + size) of a static 2-D weight.
Value weightRows(OpBuilder &b, Location loc, Value weight, int64_t offset,
                 int64_t size) {
  auto type = cast<RankedTensorType>(weight.getType());
  auto sliceType = RankedTensorType::get({size, type.getDimSize(1)},
                                         type.getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, sliceType, weight, ArrayRef<OpFoldResult>{b.getIndexAttr(offset), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(size), b.getIndexAttr(type.getDimSize(1))},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

/// Splits the last axis N*dh into [N, dh].
Value splitLast(OpBuilder &b, Location loc, Value x, int64_t heads,
                int64_t dh) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = mixedSizes(b, loc, x);
  sizes.back() = b.getIndexAttr(heads);
  sizes.push_back(b.getIndexAttr(dh));
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = heads;
  shape.push_back(dh);
  SmallVector<ReassociationIndices> reassoc;
  for (int64_t d = 0; d + 1 < type.getRank(); ++d)
    reassoc.push_back({d});
  reassoc.push_back({type.getRank() - 1, type.getRank()});
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), x, reassoc,
      sizes);
}

/// [A, B, D] -> [B, A, D].
Value swapLeading(OpBuilder &b, Location loc, Value x) {
  SmallVector<OpFoldResult> sizes = mixedSizes(b, loc, x);
  std::swap(sizes[0], sizes[1]);
  Value init = emptyTensor(b, loc, sizes,
                           cast<RankedTensorType>(x.getType()).getElementType());
  return linalg::TransposeOp::create(b, loc, x, init,
                                     ArrayRef<int64_t>{1, 0, 2})
      .getResult()[0];
}

struct RelPositionsLowering : OpRewritePattern<bert::RelPositionsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::RelPositionsOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    Type elt = type.getElementType();
    int64_t D = type.getDimSize(1), half = D / 2;
    Value klen = op.getKlen();
    Value init = emptyTensor(rw, loc, {klen, rw.getIndexAttr(D)}, elt);
    Value invFreq = op.getInvFreq();
    int64_t clamp = op.getClampLenAttr().getInt();
    auto gen = linalg::GenericOp::create(
        rw, loc, init.getType(), ValueRange{}, init,
        {identityMap(rw.getContext(), 2)}, iterators(2),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value t = linalg::IndexOp::create(b, l, 0);
          Value k = linalg::IndexOp::create(b, l, 1);
          // p = min(klen - 1 - t, clamp_len): the distance of key t.
          Value pos = arith::SubIOp::create(
              b, l, arith::SubIOp::create(b, l, klen, indexConst(b, l, 1)), t);
          if (clamp > 0)
            pos = arith::MinSIOp::create(b, l, pos, indexConst(b, l, clamp));
          Value posF = arith::SIToFPOp::create(
              b, l, elt,
              arith::IndexCastOp::create(b, l, b.getI64Type(), pos));
          Value isSin = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                              k, indexConst(b, l, half));
          Value kk = arith::SelectOp::create(
              b, l, isSin, k,
              arith::SubIOp::create(b, l, k, indexConst(b, l, half)));
          Value freq;
          if (invFreq) {
            freq = tensor::ExtractOp::create(b, l, invFreq, kk);
          } else { // 1 / 10000^(2k / D) in f32, as the checkpoint's buffer
            Value x = arith::DivFOp::create(
                b, l,
                arith::SIToFPOp::create(
                    b, l, elt,
                    arith::IndexCastOp::create(
                        b, l, b.getI64Type(),
                        arith::MulIOp::create(b, l, kk, indexConst(b, l, 2)))),
                floatConst(b, l, elt, (double)D));
            Value p = math::PowFOp::create(b, l, floatConst(b, l, elt, 1e4), x);
            freq = arith::DivFOp::create(b, l, floatConst(b, l, elt, 1.0), p);
          }
          Value arg = arith::MulFOp::create(b, l, posF, freq);
          // Sequenced so the IR does not depend on argument evaluation order.
          Value sin = math::SinOp::create(b, l, arg);
          Value cos = math::CosOp::create(b, l, arg);
          Value v = arith::SelectOp::create(b, l, isSin, sin, cos);
          linalg::YieldOp::create(b, l, v);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, gen.getResult(0), type));
    return success();
  }
};

/// Scores are materialized per head as [B, N, Q, K] (AC, and the position
/// term BD over all K distances before the rel-shift gather), like
/// bert.attention; a fused kernel is the performance issue's business.
struct RelAttentionLowering : OpRewritePattern<bert::RelAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::RelAttentionOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value h = op.getInput(), mem = op.getMemory();
    auto hType = cast<RankedTensorType>(h.getType());
    Type elt = hType.getElementType();
    auto rwType = op.getRWBias().getType();
    int64_t N = rwType.getDimSize(0), dh = rwType.getDimSize(1), I = N * dh;
    int64_t D = hType.getDimSize(2);

    SmallVector<OpFoldResult> hs = mixedSizes(rw, loc, h);
    Value B = getValueOrCreateConstantIndexOp(rw, loc, hs[0]);
    Value Q = getValueOrCreateConstantIndexOp(rw, loc, hs[1]);
    Value M = tensor::DimOp::create(rw, loc, mem, 0);
    Value K = arith::AddIOp::create(rw, loc, M, Q);
    OpFoldResult dAttr = rw.getIndexAttr(D), zero = rw.getIndexAttr(0),
                 one = rw.getIndexAttr(1);

    // c = concat(memory, input) along time, batch-major [B, K, D].
    Value c = emptyTensor(rw, loc, {B, K, dAttr}, elt);
    c = tensor::InsertSliceOp::create(rw, loc, swapLeading(rw, loc, mem), c,
                                      ArrayRef<OpFoldResult>{zero, zero, zero},
                                      ArrayRef<OpFoldResult>{B, M, dAttr},
                                      ArrayRef<OpFoldResult>{one, one, one});
    c = tensor::InsertSliceOp::create(rw, loc, h, c,
                                      ArrayRef<OpFoldResult>{zero, M, zero},
                                      ArrayRef<OpFoldResult>{B, Q, dAttr},
                                      ArrayRef<OpFoldResult>{one, one, one});

    // pre_norm: projections read LN(c) (row-wise, so LN(h) is its last Q
    // rows); the memory update below keeps the raw c.
    Value cIn = c, hIn = h;
    if (op.getNormWeight()) {
      cIn = bert::LayerNormOp::create(rw, loc, c.getType(), c,
                                      op.getNormWeight(), op.getNormBias(),
                                      op.getNormEpsilonAttr());
      hIn = tensor::ExtractSliceOp::create(
          rw, loc, cast<RankedTensorType>(h.getType()), cIn,
          ArrayRef<OpFoldResult>{zero, M, zero},
          ArrayRef<OpFoldResult>{B, Q, dAttr},
          ArrayRef<OpFoldResult>{one, one, one});
    }

    // Projections: queries of the segment only, keys and values of c.
    Value wqkv = op.getQkvWeight();
    Value q = splitLast(rw, loc, createLinear(rw, loc, hIn, weightRows(rw, loc, wqkv, 0, I)), N, dh);
    Value k = splitLast(rw, loc, createLinear(rw, loc, cIn, weightRows(rw, loc, wqkv, I, I)), N, dh);
    Value v = splitLast(rw, loc, createLinear(rw, loc, cIn, weightRows(rw, loc, wqkv, 2 * I, I)), N, dh);
    Value rk = splitLast(rw, loc, createLinear(rw, loc, op.getPositions(), op.getRWeight()), N, dh);

    // q + r_w_bias and q + r_r_bias, [B, Q, N, dh].
    auto addBias = [&](Value bias) {
      Value init = emptyTensor(rw, loc, mixedSizes(rw, loc, q), elt);
      return buildElementwise(
          rw, loc, ValueRange{q, bias},
          {identityMap(ctx, 4), dimsMap(ctx, 4, {2, 3})}, init,
          [](OpBuilder &b, Location l, ValueRange a) {
            return arith::AddFOp::create(b, l, a[0], a[1]).getResult();
          });
    };
    Value qw = addBias(op.getRWBias()), qr = addBias(op.getRRBias());

    // AC[b,n,i,j] = sum_d qw[b,i,n,d] k[b,j,n,d]; loops (b,n,i,j | d).
    OpFoldResult nAttr = rw.getIndexAttr(N);
    Value ac = buildMulAddContraction(
        rw, loc, qw, k, filledTensor(rw, loc, {B, nAttr, Q, K}, elt, 0.0),
        {dimsMap(ctx, 5, {0, 2, 1, 4}), dimsMap(ctx, 5, {0, 3, 1, 4}),
         dimsMap(ctx, 5, {0, 1, 2, 3})});
    // BDraw[b,n,i,t] = sum_d qr[b,i,n,d] rk[t,n,d]; loops (b,n,i,t | d).
    Value bdRaw = buildMulAddContraction(
        rw, loc, qr, rk, filledTensor(rw, loc, {B, nAttr, Q, K}, elt, 0.0),
        {dimsMap(ctx, 5, {0, 2, 1, 4}), dimsMap(ctx, 5, {3, 1, 4}),
         dimsMap(ctx, 5, {0, 1, 2, 3})});

    // same_length: keys j <= i - s are masked too, s = Q - (K - mem_len)
    // when K > mem_len, else Q.
    bool sameLength = op.getSameLength();
    Value s;
    if (sameLength) {
      Value memLen = indexConst(rw, loc, op.getMemLenAttr().getInt());
      Value maskLen = arith::SubIOp::create(rw, loc, K, memLen);
      Value positive = arith::CmpIOp::create(
          rw, loc, arith::CmpIPredicate::sgt, maskLen, indexConst(rw, loc, 0));
      s = arith::SelectOp::create(rw, loc, positive,
                                  arith::SubIOp::create(rw, loc, Q, maskLen), Q);
    }
    Value scale = floatConst(rw, loc, elt, op.getScale().convertToDouble());
    Value lowest = floatConst(rw, loc, elt, -std::numeric_limits<float>::max());
    Value scores = buildElementwise(
        rw, loc, ValueRange{ac}, {identityMap(ctx, 4)},
        emptyTensor(rw, loc, mixedSizes(rw, loc, ac), elt),
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value bi = linalg::IndexOp::create(b, l, 0);
          Value n = linalg::IndexOp::create(b, l, 1);
          Value i = linalg::IndexOp::create(b, l, 2);
          Value j = linalg::IndexOp::create(b, l, 3);
          // Rel-shift: BD[i, j] = BDraw[i, Q-1-i+j] (distance M+i-j); the
          // index is clamped for the masked future keys it does not cover.
          Value t = arith::SubIOp::create(
              b, l, arith::AddIOp::create(b, l, j, Q),
              arith::AddIOp::create(b, l, i, indexConst(b, l, 1)));
          t = arith::MinSIOp::create(
              b, l, t, arith::SubIOp::create(b, l, K, indexConst(b, l, 1)));
          Value bd = tensor::ExtractOp::create(b, l, bdRaw,
                                               ValueRange{bi, n, i, t});
          Value score = arith::MulFOp::create(
              b, l, arith::AddFOp::create(b, l, a[0], bd), scale);
          Value masked = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::sgt, j,
              arith::AddIOp::create(b, l, i, M));
          if (sameLength) {
            Value far = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::sle,
                arith::AddIOp::create(b, l, j, s), i);
            masked = arith::OrIOp::create(b, l, masked, far);
          }
          return arith::SelectOp::create(b, l, masked, lowest, score);
        });
    Value probs = buildSoftmaxLastDim(rw, loc, scores);

    // ctx[b,i,n,e] = sum_j probs[b,n,i,j] v[b,j,n,e]; loops (b,i,n,e | j).
    Value context = buildMulAddContraction(
        rw, loc, probs, v,
        filledTensor(rw, loc, {B, Q, nAttr, rw.getIndexAttr(dh)}, elt, 0.0),
        {dimsMap(ctx, 5, {0, 2, 1, 4}), dimsMap(ctx, 5, {0, 4, 2, 3}),
         dimsMap(ctx, 5, {0, 1, 2, 3})});
    SmallVector<ReassociationIndices> merge{{0}, {1}, {2, 3}};
    Value merged = tensor::CollapseShapeOp::create(rw, loc, context, merge);
    Value out = createLinear(rw, loc, merged, op.getOutWeight());

    // New memory: c[:, max(0, K - mem_len) : K], time-major.
    Value beg = arith::MaxSIOp::create(
        rw, loc, indexConst(rw, loc, 0),
        arith::SubIOp::create(rw, loc, K, indexConst(rw, loc, op.getMemLenAttr().getInt())));
    Value len = arith::SubIOp::create(rw, loc, K, beg);
    Value kept = tensor::ExtractSliceOp::create(
        rw, loc, c, ArrayRef<OpFoldResult>{zero, beg, zero},
        ArrayRef<OpFoldResult>{B, len, dAttr},
        ArrayRef<OpFoldResult>{one, one, one});
    Value newMem = swapLeading(rw, loc, kept);

    rw.replaceOp(op, {castIfNeeded(rw, loc, out, op.getOutput().getType()),
                      castIfNeeded(rw, loc, newMem,
                                   op.getNewMemory().getType())});
    return success();
  }
};

} // namespace

void mlir::bertc::bert_to_linalg::populateMemoryAttentionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RelPositionsLowering, RelAttentionLowering>(
      patterns.getContext());
}
