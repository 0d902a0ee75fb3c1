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
#include "mlir/Dialect/SCF/IR/SCF.h"
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

/// The rank-3 `x` with dimensions `first` and `first + 1` swapped.
Value swapped(OpBuilder &b, Location loc, Value x, int64_t first) {
  SmallVector<OpFoldResult> sizes = mixedSizes(b, loc, x);
  std::swap(sizes[first], sizes[first + 1]);
  SmallVector<int64_t> perm{0, 1, 2};
  std::swap(perm[first], perm[first + 1]);
  Value init = emptyTensor(b, loc, sizes,
                           cast<RankedTensorType>(x.getType()).getElementType());
  return linalg::TransposeOp::create(b, loc, x, init, perm).getResult()[0];
}

/// [A, B, D] -> [B, A, D].
Value swapLeading(OpBuilder &b, Location loc, Value x) {
  return swapped(b, loc, x, 0);
}

/// c = concat(memory [M, B, D] time-major, input [B, Q, D]) along time,
/// batch-major [B, K, D], K = M + Q, with the lengths the lowerings use.
struct MemoryConcat {
  Value c, B, Q, M, K;
};
MemoryConcat concatMemory(OpBuilder &b, Location loc, Value mem, Value input) {
  SmallVector<OpFoldResult> hs = mixedSizes(b, loc, input);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  MemoryConcat r;
  r.B = getValueOrCreateConstantIndexOp(b, loc, hs[0]);
  r.Q = getValueOrCreateConstantIndexOp(b, loc, hs[1]);
  r.M = tensor::DimOp::create(b, loc, mem, 0);
  r.K = arith::AddIOp::create(b, loc, r.M, r.Q);
  Type elt = cast<RankedTensorType>(input.getType()).getElementType();
  Value c = emptyTensor(b, loc, {hs[0], r.K, hs[2]}, elt);
  c = tensor::InsertSliceOp::create(b, loc, swapLeading(b, loc, mem), c,
                                    ArrayRef<OpFoldResult>{zero, zero, zero},
                                    ArrayRef<OpFoldResult>{hs[0], r.M, hs[2]},
                                    ArrayRef<OpFoldResult>{one, one, one});
  r.c = tensor::InsertSliceOp::create(b, loc, input, c,
                                      ArrayRef<OpFoldResult>{zero, r.M, zero},
                                      ArrayRef<OpFoldResult>{hs[0], r.Q, hs[2]},
                                      ArrayRef<OpFoldResult>{one, one, one});
  return r;
}

/// Time steps [beg, end) of c [B, K, D] as a time-major memory [end-beg, B, D].
Value memoryRows(OpBuilder &b, Location loc, Value c, Value beg, Value end) {
  SmallVector<OpFoldResult> cs = mixedSizes(b, loc, c);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  Value len = arith::SubIOp::create(b, loc, end, beg);
  Value kept = tensor::ExtractSliceOp::create(
      b, loc, c, ArrayRef<OpFoldResult>{zero, beg, zero},
      ArrayRef<OpFoldResult>{cs[0], len, cs[2]},
      ArrayRef<OpFoldResult>{one, one, one});
  return swapLeading(b, loc, kept);
}

struct RelPositionsLowering : OpRewritePattern<bert::RelPositionsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::RelPositionsOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    Type elt = type.getElementType();
    int64_t D = type.getDimSize(1), half = D / 2;
    Value start = op.getStart();
    Value init = emptyTensor(rw, loc, {op.getRows(), rw.getIndexAttr(D)}, elt);
    Value invFreq = op.getInvFreq();
    int64_t clamp = op.getClampLenAttr().getInt();
    auto gen = linalg::GenericOp::create(
        rw, loc, init.getType(), ValueRange{}, init,
        {identityMap(rw.getContext(), 2)}, iterators(2),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value t = linalg::IndexOp::create(b, l, 0);
          Value k = linalg::IndexOp::create(b, l, 1);
          // p = start - t, clamped to [-clamp_len, clamp_len].
          Value pos = arith::SubIOp::create(b, l, start, t);
          if (clamp > 0) {
            pos = arith::MinSIOp::create(b, l, pos, indexConst(b, l, clamp));
            pos = arith::MaxSIOp::create(b, l, pos, indexConst(b, l, -clamp));
          }
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

/// The relative-attention core that Transformer-XL's and XLNet's attention
/// share (model-semantics §4.6, §5.6), after the projections:
///   score[b,n,i,j] = ((q + r_w_bias) . k[j] + (q + r_r_bias) . kr[row]
///                     + segment term) * scale,   row = start - (M + i - j),
/// masked keys replaced by `fill(score)`, softmax over j, then . v.
/// `start` is the relative distance of kr's row 0 (the rel-shift in closed
/// form); rows outside kr are clamped, for masked keys only. Scores are
/// materialized per head as [B, N, L, K], like bert.attention; a fused kernel
/// is the performance issue's business.
struct RelCore {
  Value q;              // [B, L, N, dh]
  Value k, v;           // [B, K, N, dh]
  Value kr;             // [R, N, dh]
  Value rwBias, rrBias; // [N, dh]
  Value start, M, K;    // index values
  double scale;
  /// Whether key j is masked for query i of row b (i1).
  function_ref<Value(OpBuilder &, Location, Value, Value, Value)> masked;
  /// The value a masked score takes.
  function_ref<Value(OpBuilder &, Location, Value)> fill;
  /// XLNet's segment term: efs [B, N, L, 2] and, per (b, i, j), the class
  /// (index) and whether the term applies (i1).
  Value efs;
  function_ref<std::pair<Value, Value>(OpBuilder &, Location, Value, Value,
                                       Value)>
      segment;
  /// XLNet's bi_data: batch rows from `altFrom` on use `krAlt` (the
  /// backward positions) instead of `kr`.
  Value krAlt, altFrom;
};

/// q + bias per head: [B, L, N, dh] + [N, dh].
Value addHeadBias(PatternRewriter &rw, Location loc, Value q, Value bias) {
  MLIRContext *ctx = rw.getContext();
  Type elt = cast<RankedTensorType>(q.getType()).getElementType();
  Value init = emptyTensor(rw, loc, mixedSizes(rw, loc, q), elt);
  return buildElementwise(
      rw, loc, ValueRange{q, bias},
      {identityMap(ctx, 4), dimsMap(ctx, 4, {2, 3})}, init,
      [](OpBuilder &b, Location l, ValueRange a) {
        return arith::AddFOp::create(b, l, a[0], a[1]).getResult();
      });
}

/// Returns the attention vectors [B, L, N, dh].
Value buildRelAttention(PatternRewriter &rw, Location loc, const RelCore &c) {
  MLIRContext *ctx = rw.getContext();
  auto qType = cast<RankedTensorType>(c.q.getType());
  Type elt = qType.getElementType();
  int64_t N = qType.getDimSize(2), dh = qType.getDimSize(3);
  SmallVector<OpFoldResult> qs = mixedSizes(rw, loc, c.q);
  OpFoldResult B = qs[0], L = qs[1], nAttr = rw.getIndexAttr(N);
  Value qw = addHeadBias(rw, loc, c.q, c.rwBias);
  Value qr = addHeadBias(rw, loc, c.q, c.rrBias);

  // AC[b,n,i,j] = sum_d qw[b,i,n,d] k[b,j,n,d]; loops (b,n,i,j | d).
  Value ac = buildMulAddContraction(
      rw, loc, qw, c.k, filledTensor(rw, loc, {B, nAttr, L, c.K}, elt, 0.0),
      {dimsMap(ctx, 5, {0, 2, 1, 4}), dimsMap(ctx, 5, {0, 3, 1, 4}),
       dimsMap(ctx, 5, {0, 1, 2, 3})});
  // BDraw[b,n,i,t] = sum_d qr[b,i,n,d] kr[t,n,d]; loops (b,n,i,t | d).
  Value rows = tensor::DimOp::create(rw, loc, c.kr, 0);
  auto positionScores = [&](Value kr) {
    return buildMulAddContraction(
        rw, loc, qr, kr, filledTensor(rw, loc, {B, nAttr, L, rows}, elt, 0.0),
        {dimsMap(ctx, 5, {0, 2, 1, 4}), dimsMap(ctx, 5, {3, 1, 4}),
         dimsMap(ctx, 5, {0, 1, 2, 3})});
  };
  Value bdRaw = positionScores(c.kr);
  Value bdAlt = c.krAlt ? positionScores(c.krAlt) : Value();

  Value scale = floatConst(rw, loc, elt, c.scale);
  Value lastRow = arith::SubIOp::create(rw, loc, rows, indexConst(rw, loc, 1));
  Value shift = arith::SubIOp::create(rw, loc, c.start, c.M);
  Value scores = buildElementwise(
      rw, loc, ValueRange{ac}, {identityMap(ctx, 4)},
      emptyTensor(rw, loc, mixedSizes(rw, loc, ac), elt),
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value bi = linalg::IndexOp::create(b, l, 0);
        Value n = linalg::IndexOp::create(b, l, 1);
        Value i = linalg::IndexOp::create(b, l, 2);
        Value j = linalg::IndexOp::create(b, l, 3);
        // Rel-shift: row = start - M - i + j, clamped into kr.
        Value row = arith::AddIOp::create(
            b, l, arith::SubIOp::create(b, l, shift, i), j);
        row = arith::MaxSIOp::create(
            b, l, indexConst(b, l, 0),
            arith::MinSIOp::create(b, l, row, lastRow));
        Value bd = tensor::ExtractOp::create(b, l, bdRaw,
                                             ValueRange{bi, n, i, row});
        if (bdAlt) {
          Value alt = tensor::ExtractOp::create(b, l, bdAlt,
                                                ValueRange{bi, n, i, row});
          Value useAlt = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::sge, bi, c.altFrom);
          bd = arith::SelectOp::create(b, l, useAlt, alt, bd);
        }
        Value sum = arith::AddFOp::create(b, l, a[0], bd);
        if (c.efs) {
          auto [cls, active] = c.segment(b, l, bi, i, j);
          Value ef = tensor::ExtractOp::create(b, l, c.efs,
                                               ValueRange{bi, n, i, cls});
          ef = arith::SelectOp::create(b, l, active, ef,
                                       floatConst(b, l, elt, 0.0));
          sum = arith::AddFOp::create(b, l, sum, ef);
        }
        Value score = arith::MulFOp::create(b, l, sum, scale);
        return arith::SelectOp::create(b, l, c.masked(b, l, bi, i, j),
                                       c.fill(b, l, score), score);
      });
  Value probs = buildSoftmaxLastDim(rw, loc, scores);

  // av[b,i,n,e] = sum_j probs[b,n,i,j] v[b,j,n,e]; loops (b,i,n,e | j).
  return buildMulAddContraction(
      rw, loc, probs, c.v,
      filledTensor(rw, loc, {B, L, nAttr, rw.getIndexAttr(dh)}, elt, 0.0),
      {dimsMap(ctx, 5, {0, 2, 1, 4}), dimsMap(ctx, 5, {0, 4, 2, 3}),
       dimsMap(ctx, 5, {0, 1, 2, 3})});
}

/// Transformer-XL: bert.linear projections (qkv stacked), positions for
/// distances K-1 ... 0, causal and same_length masks, lowest-float fill.
struct RelAttentionLowering : OpRewritePattern<bert::RelAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::RelAttentionOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value h = op.getInput(), mem = op.getMemory();
    auto hType = cast<RankedTensorType>(h.getType());
    Type elt = hType.getElementType();
    auto rwType = op.getRWBias().getType();
    int64_t N = rwType.getDimSize(0), dh = rwType.getDimSize(1), I = N * dh;
    int64_t D = hType.getDimSize(2);

    OpFoldResult dAttr = rw.getIndexAttr(D), zero = rw.getIndexAttr(0),
                 one = rw.getIndexAttr(1);

    // c = concat(memory, input) along time, batch-major [B, K, D].
    MemoryConcat cat = concatMemory(rw, loc, mem, h);
    Value c = cat.c, B = cat.B, Q = cat.Q, M = cat.M, K = cat.K;

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
    Value lowest = floatConst(rw, loc, elt, -std::numeric_limits<float>::max());
    auto masked = [&](OpBuilder &b, Location l, Value, Value i,
                      Value j) -> Value {
      Value future = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, j,
                                           arith::AddIOp::create(b, l, i, M));
      if (!sameLength)
        return future;
      Value far = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle,
                                        arith::AddIOp::create(b, l, j, s), i);
      return arith::OrIOp::create(b, l, future, far);
    };
    auto fill = [&](OpBuilder &, Location, Value) { return lowest; };
    RelCore core{q, k, v, rk, op.getRWBias(), op.getRRBias(),
                 arith::SubIOp::create(rw, loc, K, indexConst(rw, loc, 1)),
                 M, K, op.getScale().convertToDouble(), masked, fill,
                 Value(), nullptr, Value(), Value()};
    Value context = buildRelAttention(rw, loc, core);
    SmallVector<ReassociationIndices> merge{{0}, {1}, {2, 3}};
    Value merged = tensor::CollapseShapeOp::create(rw, loc, context, merge);
    Value out = createLinear(rw, loc, merged, op.getOutWeight());

    // New memory: c[:, max(0, K - mem_len) : K], time-major.
    Value beg = arith::MaxSIOp::create(
        rw, loc, indexConst(rw, loc, 0),
        arith::SubIOp::create(rw, loc, K, indexConst(rw, loc, op.getMemLenAttr().getInt())));
    Value newMem = memoryRows(rw, loc, c, beg, K);

    rw.replaceOp(op, {castIfNeeded(rw, loc, out, op.getOutput().getType()),
                      castIfNeeded(rw, loc, newMem,
                                   op.getNewMemory().getType())});
    return success();
  }
};

/// x [..., D] · W [D, N, dh] -> [..., N, dh]: XLNet's einsum projections.
Value projectHeads(PatternRewriter &rw, Location loc, Value x, Value w) {
  MLIRContext *ctx = rw.getContext();
  auto wType = cast<RankedTensorType>(w.getType());
  unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
  // Loops: the leading dims of x, then n, d | h.
  unsigned loops = rank - 1 + 3;
  SmallVector<unsigned> xDims, outDims;
  for (unsigned i = 0; i + 1 < rank; ++i) {
    xDims.push_back(i);
    outDims.push_back(i);
  }
  xDims.push_back(loops - 1);
  outDims.append({rank - 1, rank});
  SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, x);
  sizes.back() = rw.getIndexAttr(wType.getDimSize(1));
  sizes.push_back(rw.getIndexAttr(wType.getDimSize(2)));
  Value init = filledTensor(rw, loc, sizes, wType.getElementType(), 0.0);
  return buildMulAddContraction(
      rw, loc, x, w, init,
      {dimsMap(ctx, loops, xDims), dimsMap(ctx, loops, {loops - 1, rank - 1, rank}),
       dimsMap(ctx, loops, outDims)});
}

/// sum_{n,d} av[b,i,n,d] · o[h,n,d] -> [B, L, D].
Value projectOut(PatternRewriter &rw, Location loc, Value av, Value o) {
  MLIRContext *ctx = rw.getContext();
  auto oType = cast<RankedTensorType>(o.getType());
  SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, av);
  sizes.pop_back();
  sizes.back() = rw.getIndexAttr(oType.getDimSize(0));
  Value init = filledTensor(rw, loc, sizes, oType.getElementType(), 0.0);
  // Loops (b, i, h | n, d).
  return buildMulAddContraction(
      rw, loc, av, o, init,
      {dimsMap(ctx, 5, {0, 1, 3, 4}), dimsMap(ctx, 5, {2, 3, 4}),
       dimsMap(ctx, 5, {0, 1, 2})},
      /*reductions=*/2);
}

/// XLNet: einsum projections, positions for distances K ... (start = K),
/// data, permutation and causal masks, the segment term, score - 1e30 for
/// masked keys, and the query stream through the target mapping.
struct TwoStreamAttentionLowering
    : OpRewritePattern<bert::TwoStreamAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::TwoStreamAttentionOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value h = op.getContent(), mem = op.getMemory();
    auto hType = cast<RankedTensorType>(h.getType());
    Type elt = hType.getElementType();
    int64_t D = hType.getDimSize(2);
    // c = concat(memory, content), batch-major [B, K, D].
    MemoryConcat cat = concatMemory(rw, loc, mem, h);
    Value c = cat.c, B = cat.B, Q = cat.Q, M = cat.M, K = cat.K;
    Value k = projectHeads(rw, loc, c, op.getKWeight());
    Value v = projectHeads(rw, loc, c, op.getVWeight());
    Value kr = projectHeads(rw, loc, op.getPositions(), op.getRWeight());
    // bi_data: the second half of the batch reads the positions backwards,
    // distance -p: sin(-x) = -sin(x), cos unchanged (the clamp is symmetric).
    Value krAlt, altFrom;
    if (op.getBiData()) {
      Value pos = op.getPositions();
      int64_t half = D / 2;
      Value back = buildElementwise(
          rw, loc, ValueRange{pos}, {identityMap(ctx, 2)},
          emptyTensor(rw, loc, mixedSizes(rw, loc, pos), elt),
          [&](OpBuilder &b, Location l, ValueRange a) -> Value {
            Value col = linalg::IndexOp::create(b, l, 1);
            Value isSin = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::slt, col, indexConst(b, l, half));
            Value neg = arith::NegFOp::create(b, l, a[0]);
            return arith::SelectOp::create(b, l, isSin, neg, a[0]);
          });
      krAlt = projectHeads(rw, loc, back, op.getRWeight());
      altFrom = arith::DivUIOp::create(rw, loc, B, indexConst(rw, loc, 2));
    }

    // Masks: data (padding, permutation) on segment keys, causal, own token.
    Value types = op.getTokenTypes(), am = op.getAttentionMask(),
          perm = op.getPermMask();
    bool causal = op.getCausal(), sameLength = op.getSameLength();
    Value zeroF = floatConst(rw, loc, elt, 0.0), oneF = floatConst(rw, loc, elt, 1.0);
    auto attnMask = [&](OpBuilder &b, Location l, Value bi, Value i,
                        Value j) -> Value {
      // j < M: memory, never data-masked; clamp the segment index.
      Value inSeg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, j, M);
      Value js = arith::MaxSIOp::create(b, l, indexConst(b, l, 0),
                                        arith::SubIOp::create(b, l, j, M));
      Value keep = arith::SIToFPOp::create(
          b, l, elt, tensor::ExtractOp::create(b, l, am, ValueRange{bi, js}));
      Value p = tensor::ExtractOp::create(b, l, perm, ValueRange{bi, i, js});
      Value data = arith::AddFOp::create(
          b, l, arith::SubFOp::create(b, l, oneF, keep), p);
      Value masked = arith::AndIOp::create(
          b, l, inSeg,
          arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, data, zeroF));
      if (causal) {
        Value future = arith::CmpIOp::create(
            b, l, arith::CmpIPredicate::sgt, j, arith::AddIOp::create(b, l, i, M));
        masked = arith::OrIOp::create(b, l, masked, future);
        if (sameLength)
          masked = arith::OrIOp::create(
              b, l, masked,
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, j, i));
      }
      return masked;
    };
    auto contentMask = [&](OpBuilder &b, Location l, Value bi, Value i,
                           Value j) -> Value {
      Value own = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, j,
                                        arith::AddIOp::create(b, l, i, M));
      Value notOwn = arith::XOrIOp::create(
          b, l, own, arith::ConstantIntOp::create(b, l, 1, 1));
      return arith::AndIOp::create(b, l, attnMask(b, l, bi, i, j), notOwn);
    };
    Value big = floatConst(rw, loc, elt, 1e30);
    auto fill = [&](OpBuilder &b, Location l, Value score) -> Value {
      return arith::SubFOp::create(b, l, score, big);
    };
    // Segment class: 1 when the types of i and j differ (memory is type
    // 0); no term when the types are absent (-1).
    auto segment = [&](OpBuilder &b, Location l, Value bi, Value i,
                       Value j) -> std::pair<Value, Value> {
      Value ti = tensor::ExtractOp::create(b, l, types, ValueRange{bi, i});
      Value inSeg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, j, M);
      Value js = arith::MaxSIOp::create(b, l, indexConst(b, l, 0),
                                        arith::SubIOp::create(b, l, j, M));
      Value tj = arith::SelectOp::create(
          b, l, inSeg, tensor::ExtractOp::create(b, l, types, ValueRange{bi, js}),
          arith::ConstantIntOp::create(b, l, 0, 64));
      Value differ = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, ti, tj);
      Value cls = arith::SelectOp::create(b, l, differ, indexConst(b, l, 1),
                                          indexConst(b, l, 0));
      Value active = arith::CmpIOp::create(
          b, l, arith::CmpIPredicate::sge, ti,
          arith::ConstantIntOp::create(b, l, 0, 64));
      return {cls, active};
    };
    // efs[b,n,i,s] = sum_d (Qx + r_s_bias)[b,i,n,d] seg_embed[s,n,d].
    auto segmentScores = [&](Value qx) {
      Value qs = addHeadBias(rw, loc, qx, op.getRSBias());
      SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, qx);
      Value init = filledTensor(
          rw, loc, {sizes[0], sizes[2], sizes[1], rw.getIndexAttr(2)}, elt, 0.0);
      return buildMulAddContraction(
          rw, loc, qs, op.getSegEmbed(), init,
          {dimsMap(ctx, 5, {0, 2, 1, 4}), dimsMap(ctx, 5, {3, 1, 4}),
           dimsMap(ctx, 5, {0, 1, 2, 3})});
    };
    double scale = op.getScale().convertToDouble();
    auto attend = [&](Value qx, bool content) {
      RelCore core{qx, k, v, kr, op.getRWBias(), op.getRRBias(), K, M, K,
                   scale, content ? function_ref<Value(OpBuilder &, Location, Value, Value, Value)>(contentMask)
                                  : function_ref<Value(OpBuilder &, Location, Value, Value, Value)>(attnMask),
                   fill, segmentScores(qx), segment, krAlt, altFrom};
      return buildRelAttention(rw, loc, core);
    };

    // Content stream.
    Value qh = projectHeads(rw, loc, h, op.getQWeight());
    Value contentOut = projectOut(rw, loc, attend(qh, true), op.getOWeight());

    // Query stream: queries scattered to their target positions, attention
    // as the content stream's but without seeing their own token, results
    // gathered back per target.
    // It runs under scf.if (P > 0): a call without targets (P = 0) does
    // none of it.
    Value queryOut;
    if (Value g = op.getQuery()) {
      Value tm = op.getTargetMapping();
      Type outType = op.getQueryOut().getType();
      Value P = tensor::DimOp::create(rw, loc, tm, 1);
      Value any = arith::CmpIOp::create(rw, loc, arith::CmpIPredicate::sgt, P,
                                        indexConst(rw, loc, 0));
      auto ifOp = scf::IfOp::create(rw, loc, TypeRange{outType}, any,
                                    /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPointToStart(ifOp.elseBlock());
      scf::YieldOp::create(
          rw, loc, castIfNeeded(rw, loc,
                                emptyTensor(rw, loc, mixedSizes(rw, loc, g), elt),
                                outType));
      rw.setInsertionPointToStart(ifOp.thenBlock());
      Value qg = projectHeads(rw, loc, g, op.getQWeight());
      SmallVector<OpFoldResult> qs = mixedSizes(rw, loc, qg);
      // Both products move whole rows of heads x head size: with those two
      // merged into one dimension j they are batched matrix products
      // (loops b, row, j | k), which the matrix-product kernels take.
      auto qgType = cast<RankedTensorType>(qg.getType());
      int64_t heads = qgType.getDimSize(2), dh = qgType.getDimSize(3);
      // Both products move whole rows of heads x head size: with those two
      // merged into one dimension j they are batched matrix products
      // out[b,i,j] = sum_k a[b,i,k] x[b,k,j] (loops b, i, j | k), which the
      // matrix-product kernels take; `rows` is out's i.
      auto byRows = [&](Value a, Value x, OpFoldResult rows) {
        // One statement per op: the order of a call's arguments is
        // unspecified.
        SmallVector<ReassociationIndices> merge{{0}, {1}, {2, 3}};
        Value xRows = tensor::CollapseShapeOp::create(rw, loc, x, merge);
        Value init = filledTensor(
            rw, loc, {qs[0], rows, rw.getIndexAttr(heads * dh)}, elt, 0.0);
        Value out = buildMulAddContraction(
            rw, loc, a, xRows, init,
            {dimsMap(ctx, 4, {0, 1, 3}), dimsMap(ctx, 4, {0, 3, 2}),
             dimsMap(ctx, 4, {0, 1, 2})});
        return splitLast(rw, loc, out, heads, dh);
      };
      // Scatter: qs'[b,l,j] = sum_m tm'[b,l,m] qg[b,m,j]. The kernels want
      // A contiguous along k: tm' is tm [b, m, l] transposed (targets x
      // positions, small beside the product).
      Value tmT = swapped(rw, loc, tm, 1);
      Value scattered = byRows(tmT, qg, Q);
      Value av = attend(scattered, false);
      // Gather: avg[b,m,j] = sum_l tm[b,m,l] av[b,l,j].
      Value gathered = byRows(tm, av, qs[1]);
      scf::YieldOp::create(
          rw, loc,
          castIfNeeded(rw, loc, projectOut(rw, loc, gathered, op.getOWeight()),
                       outType));
      queryOut = ifOp.getResult(0);
    }

    // New memory: concat(memory, content[:, :reuse])[-mem_len:].
    int64_t reuse = op.getReuseLenAttr().getInt(),
            memLen = op.getMemLenAttr().getInt();
    Value total = reuse > 0 ? Value(arith::AddIOp::create(
                                  rw, loc, M,
                                  arith::MinSIOp::create(rw, loc, Q,
                                                         indexConst(rw, loc, reuse))))
                            : K;
    Value beg = memLen > 0
                    ? Value(arith::MaxSIOp::create(
                          rw, loc, indexConst(rw, loc, 0),
                          arith::SubIOp::create(rw, loc, total,
                                                indexConst(rw, loc, memLen))))
                    : indexConst(rw, loc, 0);
    Value newMem = castIfNeeded(rw, loc, memoryRows(rw, loc, c, beg, total),
                                op.getNewMemory().getType());

    SmallVector<Value> results{castIfNeeded(rw, loc, contentOut, h.getType()),
                               newMem};
    if (queryOut)
      results.push_back(queryOut);
    rw.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::bertc::bert_to_linalg::populateMemoryAttentionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RelPositionsLowering, RelAttentionLowering,
               TwoStreamAttentionLowering>(patterns.getContext());
}
