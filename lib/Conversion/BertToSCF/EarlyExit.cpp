//===- EarlyExit.cpp - bert.early_exit -> scf control flow -----------------===//
//
// Per layer: run the layer and its classifier on the samples still running,
// compute each one's normalized entropy, write the outputs of the samples
// that stop, and compact the rest into a smaller batch for the next layer.
// Each layer sits in an scf.if on "any sample left", so once every sample
// has stopped no further layer runs; a batch costs what its samples need.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "Conversion/BertToSCF/PopulatePatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

using namespace mlir;
using namespace mlir::bertc;

namespace {

/// What flows from one layer to the next.
struct ExitState {
  Value hidden, bias, rows;           // running samples: [A,S,H], [A,S], [A]
  Value logits, exitLayer, uncertainty; // per batch sample: [B,N], [B], [B]
  SmallVector<Value> values() const {
    return {hidden, bias, rows, logits, exitLayer, uncertainty};
  }
  static ExitState from(ValueRange v) {
    return {v[0], v[1], v[2], v[3], v[4], v[5]};
  }
};

RankedTensorType withDynamicBatch(Type t) {
  auto r = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(r.getShape());
  shape[0] = ShapedType::kDynamic;
  return RankedTensorType::get(shape, r.getElementType());
}

Value cst(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}

/// u[r] = -sum_c p log p / log N, with p log p = 0 where p = 0 (as
/// torch.distributions.Categorical.entropy clamps log 0).
Value normalizedEntropy(OpBuilder &b, Location loc, Value probs,
                        int64_t classes) {
  auto type = cast<RankedTensorType>(probs.getType());
  Type elt = type.getElementType();
  Value rowsDim = tensor::DimOp::create(b, loc, probs, 0);
  Value zero = arith::ConstantOp::create(b, loc, elt, b.getFloatAttr(elt, 0));
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{rowsDim},
                                       elt);
  init = linalg::FillOp::create(b, loc, zero, init).getResult(0);
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = id.getMajorSubMap(1);
  Value sum =
      linalg::GenericOp::create(
          b, loc, init.getType(), probs, init, {id, row},
          {utils::IteratorType::parallel, utils::IteratorType::reduction},
          [&](OpBuilder &nb, Location l, ValueRange a) {
            Value logp = math::LogOp::create(nb, l, a[0]);
            Value plogp = arith::MulFOp::create(nb, l, a[0], logp);
            Value positive = arith::CmpFOp::create(
                nb, l, arith::CmpFPredicate::OGT, a[0], zero);
            Value term = arith::SelectOp::create(nb, l, positive, plogp, zero);
            linalg::YieldOp::create(nb, l,
                                    arith::AddFOp::create(nb, l, a[1], term)
                                        .getResult());
          })
          .getResult(0);
  Value logN = arith::ConstantOp::create(
      b, loc, elt, b.getFloatAttr(elt, std::log((double)classes)));
  Value out = tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{rowsDim},
                                      elt);
  AffineMap id1 = AffineMap::getMultiDimIdentityMap(1, ctx);
  return linalg::GenericOp::create(
             b, loc, out.getType(), sum, out, {id1, id1},
             {utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value ent = arith::NegFOp::create(nb, l, a[0]);
               linalg::YieldOp::create(
                   nb, l, arith::DivFOp::create(nb, l, ent, logN).getResult());
             })
      .getResult(0);
}

/// Row r of a [A, ...] tensor as a [1, ...] slice (offsets, sizes, strides).
struct RowSlice {
  SmallVector<OpFoldResult> offsets, sizes, strides;
};
RowSlice rowSlice(OpBuilder &b, Location loc, Value t, Value r) {
  RowSlice s;
  SmallVector<OpFoldResult> dims = tensor::getMixedSizes(b, loc, t);
  s.offsets.push_back(r);
  s.sizes.push_back(b.getIndexAttr(1));
  for (size_t d = 1; d < dims.size(); ++d) {
    s.offsets.push_back(b.getIndexAttr(0));
    s.sizes.push_back(dims[d]);
  }
  s.strides.assign(dims.size(), b.getIndexAttr(1));
  return s;
}

/// dst[dstRow] = src[srcRow] for tensors of equal trailing shape.
Value copyRow(OpBuilder &b, Location loc, Value src, Value srcRow, Value dst,
              Value dstRow) {
  RowSlice from = rowSlice(b, loc, src, srcRow);
  Value row = tensor::ExtractSliceOp::create(b, loc, src, from.offsets,
                                             from.sizes, from.strides);
  RowSlice to = rowSlice(b, loc, dst, dstRow);
  return tensor::InsertSliceOp::create(b, loc, row, dst, to.offsets, to.sizes,
                                       to.strides);
}

/// One layer of the early-exit chain, for running samples (A > 0).
SmallVector<Value> runStage(OpBuilder &b, Location loc, Region &stage,
                            const ExitState &in, Value speed, int64_t layer,
                            bool last, int64_t classes) {
  // The layer and its classifier, on the running samples.
  IRMapping map;
  Block &body = stage.front();
  map.map(body.getArgument(0), in.hidden);
  map.map(body.getArgument(1), in.bias);
  for (Operation &op : body.without_terminator())
    b.clone(op, map);
  auto yield = cast<bert::YieldOp>(body.getTerminator());
  Value hidden = map.lookup(yield.getResults()[0]);
  Value logits = map.lookup(yield.getResults()[1]);
  Value probs = bert::SoftmaxOp::create(b, loc, logits.getType(), logits);
  Value u = normalizedEntropy(b, loc, probs, classes);

  Value c0 = cst(b, loc, 0), c1 = cst(b, loc, 1);
  Value running = tensor::DimOp::create(b, loc, in.hidden, 0);
  Value layerId = arith::ConstantIntOp::create(b, loc, b.getI64Type(), layer + 1);
  auto stops = [&](OpBuilder &nb, Location l, Value r) -> Value {
    if (last) // the teacher labels everything still running
      return arith::ConstantIntOp::create(nb, l, nb.getI1Type(), 1);
    Value ur = tensor::ExtractOp::create(nb, l, u, r);
    return arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT, ur, speed);
  };

  // Outputs of the samples that stop here, at their batch positions, and
  // the number of samples that keep running.
  auto scatter = scf::ForOp::create(
      b, loc, c0, running, c1,
      ValueRange{in.logits, in.exitLayer, in.uncertainty, c0},
      [&](OpBuilder &nb, Location l, Value r, ValueRange acc) {
        auto ifOp = scf::IfOp::create(
            nb, l, stops(nb, l, r),
            [&](OpBuilder &tb, Location tl) {
              Value row64 = tensor::ExtractOp::create(tb, tl, in.rows, r);
              Value row = arith::IndexCastOp::create(tb, tl, tb.getIndexType(),
                                                     row64);
              Value lg = copyRow(tb, tl, logits, r, acc[0], row);
              Value ex = tensor::InsertOp::create(tb, tl, layerId, acc[1], row);
              Value ur = tensor::ExtractOp::create(tb, tl, u, r);
              Value un = tensor::InsertOp::create(tb, tl, ur, acc[2], row);
              scf::YieldOp::create(tb, tl, ValueRange{lg, ex, un, acc[3]});
            },
            [&](OpBuilder &eb, Location el) {
              Value kept = arith::AddIOp::create(eb, el, acc[3], cst(eb, el, 1));
              scf::YieldOp::create(eb, el,
                                   ValueRange{acc[0], acc[1], acc[2], kept});
            });
        scf::YieldOp::create(nb, l, ifOp.getResults());
      });
  if (last) // nothing runs after the teacher
    return {hidden, in.bias, in.rows, scatter.getResult(0),
            scatter.getResult(1), scatter.getResult(2)};

  // Compact the samples that keep running into a smaller batch.
  Value kept = scatter.getResult(3);
  auto emptyLike = [&](Value t) -> Value {
    SmallVector<OpFoldResult> dims = tensor::getMixedSizes(b, loc, t);
    dims[0] = kept;
    return tensor::EmptyOp::create(
        b, loc, dims, cast<RankedTensorType>(t.getType()).getElementType());
  };
  auto compact = scf::ForOp::create(
      b, loc, c0, running, c1,
      ValueRange{emptyLike(hidden), emptyLike(in.bias), emptyLike(in.rows), c0},
      [&](OpBuilder &nb, Location l, Value r, ValueRange acc) {
        auto ifOp = scf::IfOp::create(
            nb, l, stops(nb, l, r),
            [&](OpBuilder &tb, Location tl) { scf::YieldOp::create(tb, tl, acc); },
            [&](OpBuilder &eb, Location el) {
              Value j = acc[3];
              Value h = copyRow(eb, el, hidden, r, acc[0], j);
              Value bs = copyRow(eb, el, in.bias, r, acc[1], j);
              Value row = tensor::ExtractOp::create(eb, el, in.rows, r);
              Value rs = tensor::InsertOp::create(eb, el, row, acc[2], j);
              Value next = arith::AddIOp::create(eb, el, j, cst(eb, el, 1));
              scf::YieldOp::create(eb, el, ValueRange{h, bs, rs, next});
            });
        scf::YieldOp::create(nb, l, ifOp.getResults());
      });
  return {compact.getResult(0), compact.getResult(1), compact.getResult(2),
          scatter.getResult(0), scatter.getResult(1), scatter.getResult(2)};
}

struct EarlyExitLowering : OpRewritePattern<bert::EarlyExitOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::EarlyExitOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto logitsType = op.getLogits().getType();
    Type elt = logitsType.getElementType();
    Value batch = tensor::DimOp::create(rw, loc, op.getHidden(), 0);
    int64_t classes =
        cast<RankedTensorType>(
            cast<bert::YieldOp>(op.getStages().front().front().getTerminator())
                .getResults()[1]
                .getType())
            .getDimSize(1);

    auto filled = [&](ArrayRef<OpFoldResult> sizes, Type t,
                      TypedAttr zero) -> Value {
      Value e = tensor::EmptyOp::create(rw, loc, sizes, t);
      Value z = arith::ConstantOp::create(rw, loc, t, zero);
      return linalg::FillOp::create(rw, loc, z, e).getResult(0);
    };
    ExitState state;
    state.hidden = tensor::CastOp::create(
        rw, loc, withDynamicBatch(op.getHidden().getType()), op.getHidden());
    state.bias = tensor::CastOp::create(
        rw, loc, withDynamicBatch(op.getBias().getType()), op.getBias());
    state.rows = tensor::GenerateOp::create(
        rw, loc, RankedTensorType::get({ShapedType::kDynamic}, rw.getI64Type()),
        ValueRange{batch}, [](OpBuilder &b, Location l, ValueRange idx) {
          tensor::YieldOp::create(
              b, l, arith::IndexCastOp::create(b, l, b.getI64Type(), idx[0])
                        .getResult());
        });
    state.logits = filled({batch, rw.getIndexAttr(classes)}, elt,
                          rw.getFloatAttr(elt, 0));
    state.exitLayer = filled({batch}, rw.getI64Type(), rw.getI64IntegerAttr(0));
    state.uncertainty = filled({batch}, elt, rw.getFloatAttr(elt, 0));
    Value speed = tensor::ExtractOp::create(rw, loc, op.getSpeed(),
                                            ValueRange{cst(rw, loc, 0)});

    int64_t layers = op.getStages().size();
    for (auto [i, stage] : llvm::enumerate(op.getStages())) {
      Value running = tensor::DimOp::create(rw, loc, state.hidden, 0);
      Value any = arith::CmpIOp::create(rw, loc, arith::CmpIPredicate::sgt,
                                        running, cst(rw, loc, 0));
      auto ifOp = scf::IfOp::create(
          rw, loc, any,
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(b, l,
                                 runStage(b, l, stage, state, speed, i,
                                          (int64_t)i == layers - 1, classes));
          },
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(b, l, state.values());
          });
      state = ExitState::from(ifOp.getResults());
    }
    Value logits = state.logits;
    if (logits.getType() != logitsType)
      logits = tensor::CastOp::create(rw, loc, logitsType, logits);
    auto cast1 = [&](Value v, Type t) -> Value {
      return v.getType() == t ? v : tensor::CastOp::create(rw, loc, t, v);
    };
    rw.replaceOp(op, {logits,
                      cast1(state.exitLayer, op.getExitLayer().getType()),
                      cast1(state.uncertainty, op.getUncertainty().getType())});
    return success();
  }
};

} // namespace

void mlir::bertc::bert_to_scf::populateEarlyExitPatterns(
    RewritePatternSet &patterns) {
  patterns.add<EarlyExitLowering>(patterns.getContext());
}
