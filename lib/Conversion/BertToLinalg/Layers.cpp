//===- Layers.cpp - linear, layer norm, activations, residual adds ---------===//

#include "Bert/BertOps.h"
#include "Conversion/BertToLinalg/PopulatePatterns.h"
#include "Conversion/BertToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::bert_to_linalg;

namespace {

/// y = x W^T + b as one contraction over loops (batch..., out | in). The
/// output starts as the broadcast bias, so the bias add costs no extra pass.
struct LinearLowering : OpRewritePattern<bert::LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::LinearOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto wType = op.getWeight().getType();
    Type elt = wType.getElementType();
    unsigned rank = op.getInput().getType().getRank();
    SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, op.getInput());
    sizes.back() = rw.getIndexAttr(wType.getDimSize(0));

    Value init;
    if (Value bias = op.getBias()) {
      Value empty = emptyTensor(rw, loc, sizes, elt);
      init = buildElementwise(rw, loc, bias, {dimsMap(ctx, rank, {rank - 1})},
                              empty, [](OpBuilder &, Location, ValueRange a) {
                                return a[0];
                              });
    } else {
      init = filledTensor(rw, loc, sizes, elt, 0.0);
    }

    // Loops d0..d{rank-2}: batch dims, d{rank-1}: out, d{rank}: in.
    unsigned loops = rank + 1;
    SmallVector<unsigned> xDims, outDims;
    for (unsigned d = 0; d + 1 < rank; ++d)
      xDims.push_back(d);
    outDims = xDims;
    xDims.push_back(rank);
    outDims.push_back(rank - 1);
    Value matmul = buildMulAddContraction(
        rw, loc, op.getInput(), op.getWeight(), init,
        {dimsMap(ctx, loops, xDims), dimsMap(ctx, loops, {rank - 1, rank}),
         dimsMap(ctx, loops, outDims)});
    rw.replaceOp(op, castIfNeeded(rw, loc, matmul, op.getType()));
    return success();
  }
};

/// Two reductions (sum, sum of squared deviations) and one normalizing
/// pass; the two-pass variance matches torch.nn.LayerNorm closely.
struct LayerNormLowering : OpRewritePattern<bert::LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::LayerNormOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value x = op.getInput();
    auto type = op.getType();
    Type elt = type.getElementType();
    unsigned rank = type.getRank();
    SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, x);
    SmallVector<OpFoldResult> rowSizes(sizes.begin(), sizes.end() - 1);
    AffineMap id = identityMap(ctx, rank), row = dropLastMap(ctx, rank);
    AffineMap last = dimsMap(ctx, rank, {rank - 1});

    Value width = tensor::DimOp::create(rw, loc, x, rank - 1);
    Value widthI = arith::IndexCastOp::create(rw, loc, rw.getI64Type(), width);
    Value widthF = arith::SIToFPOp::create(rw, loc, elt, widthI);
    Value eps = floatConst(rw, loc, elt, op.getEpsilon().convertToDouble());
    Value one = floatConst(rw, loc, elt, 1.0);
    bool unbiased = op.getUnbiasedStd();

    Value sumInit = filledTensor(rw, loc, rowSizes, elt, 0.0);
    // Sums may be reassociated (vectorized): the order changes by rounding.
    auto reassoc = arith::FastMathFlags::reassoc;
    Value sum = buildRowReduction(
        rw, loc, x, sumInit, [&](OpBuilder &b, Location l, ValueRange a) {
          return arith::AddFOp::create(b, l, a[1], a[0], reassoc).getResult();
        });
    Value varInit = filledTensor(rw, loc, rowSizes, elt, 0.0);
    Value var = buildRowReduction(
        rw, loc, ValueRange{x, sum}, varInit,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value mean = arith::DivFOp::create(b, l, a[1], widthF);
          Value d = arith::SubFOp::create(b, l, a[0], mean);
          Value sq = arith::MulFOp::create(b, l, d, d);
          return arith::AddFOp::create(b, l, a[2], sq, reassoc).getResult();
        });
    Value out = emptyTensor(rw, loc, sizes, elt);
    auto norm = linalg::GenericOp::create(
        rw, loc, out.getType(),
        ValueRange{x, sum, var, op.getGamma(), op.getBeta()}, out,
        {id, row, row, last, last, id}, iterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value mean = arith::DivFOp::create(b, l, args[1], widthF);
          Value rstd;
          if (unbiased) { // UER: 1 / (sqrt(ss / (D - 1)) + eps)
            Value dm1 = arith::SubFOp::create(b, l, widthF, one);
            Value var = arith::DivFOp::create(b, l, args[2], dm1);
            Value sd = math::SqrtOp::create(b, l, var);
            rstd = arith::DivFOp::create(b, l, one,
                                         arith::AddFOp::create(b, l, sd, eps));
          } else { // torch: 1 / sqrt(ss / D + eps)
            Value variance = arith::DivFOp::create(b, l, args[2], widthF);
            Value ve = arith::AddFOp::create(b, l, variance, eps);
            rstd = arith::DivFOp::create(b, l, one,
                                         math::SqrtOp::create(b, l, ve));
          }
          Value d = arith::SubFOp::create(b, l, args[0], mean);
          Value n = arith::MulFOp::create(b, l, d, rstd);
          Value g = arith::MulFOp::create(b, l, n, args[3]);
          Value y = arith::AddFOp::create(b, l, g, args[4]);
          linalg::YieldOp::create(b, l, y);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, norm.getResult(0), type));
    return success();
  }
};

/// Scalar body of each activation, written as Hugging Face's ACT2FN does.
static Value activationBody(OpBuilder &b, Location l, bert::ActivationKind kind,
                            Value x) {
  Type t = x.getType();
  auto cst = [&](double v) { return floatConst(b, l, t, v); };
  auto sigmoid = [&](Value v) {
    Value neg = arith::NegFOp::create(b, l, v);
    Value e = math::ExpOp::create(b, l, neg);
    Value den = arith::AddFOp::create(b, l, cst(1.0), e);
    return arith::DivFOp::create(b, l, cst(1.0), den).getResult();
  };
  switch (kind) {
  case bert::ActivationKind::gelu: {
    Value s = arith::MulFOp::create(b, l, x, cst(M_SQRT1_2));
    Value e = math::ErfOp::create(b, l, s);
    Value p = arith::AddFOp::create(b, l, cst(1.0), e);
    Value h = arith::MulFOp::create(b, l, x, cst(0.5));
    return arith::MulFOp::create(b, l, h, p);
  }
  case bert::ActivationKind::gelu_tanh: {
    Value x3 = arith::MulFOp::create(
        b, l, arith::MulFOp::create(b, l, x, x), x);
    Value inner = arith::AddFOp::create(
        b, l, x, arith::MulFOp::create(b, l, x3, cst(0.044715)));
    Value t2 = math::TanhOp::create(
        b, l, arith::MulFOp::create(b, l, inner, cst(std::sqrt(2.0 / M_PI))));
    Value p = arith::AddFOp::create(b, l, cst(1.0), t2);
    Value h = arith::MulFOp::create(b, l, x, cst(0.5));
    return arith::MulFOp::create(b, l, h, p);
  }
  case bert::ActivationKind::relu:
    return arith::MaximumFOp::create(b, l, x, cst(0.0));
  case bert::ActivationKind::tanh:
    return math::TanhOp::create(b, l, x);
  case bert::ActivationKind::silu:
    return arith::MulFOp::create(b, l, x, sigmoid(x));
  case bert::ActivationKind::quick_gelu:
    return arith::MulFOp::create(
        b, l, x, sigmoid(arith::MulFOp::create(b, l, x, cst(1.702))));
  }
  llvm_unreachable("unknown activation");
}

struct ActivationLowering : OpRewritePattern<bert::ActivationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::ActivationOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    unsigned rank = type.getRank();
    Value out = emptyTensor(rw, loc, mixedSizes(rw, loc, op.getInput()),
                            type.getElementType());
    AffineMap id = identityMap(rw.getContext(), rank);
    bert::ActivationKind kind = op.getKind();
    Value act = buildElementwise(
        rw, loc, op.getInput(), {id}, out,
        [&](OpBuilder &b, Location l, ValueRange args) {
          return activationBody(b, l, kind, args[0]);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, act, type));
    return success();
  }
};

struct AddLowering : OpRewritePattern<bert::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::AddOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    unsigned rank = type.getRank();
    Value out = emptyTensor(rw, loc, mixedSizes(rw, loc, op.getLhs()),
                            type.getElementType());
    AffineMap id = identityMap(rw.getContext(), rank);
    Value add = buildElementwise(
        rw, loc, ValueRange{op.getLhs(), op.getRhs()}, {id, id}, out,
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          return arith::AddFOp::create(b, l, args[0], args[1]);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, add, type));
    return success();
  }
};

} // namespace

void mlir::bertc::bert_to_linalg::populateLayerPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LinearLowering, LayerNormLowering, ActivationLowering,
               AddLowering>(patterns.getContext());
}
