//===- EarlyExit.cpp - bert.early_exit -> scf control flow -----------------===//
//
// Per layer: run the layer and its classifier on the samples still running,
// compute each one's normalized entropy, write the outputs of the samples
// that stop, and compact the rest into a smaller batch for the next layer.
// The bookkeeping is data parallel (gathers through each sample's slot and
// prefix counts), so that it maps onto a few GPU kernels as well as CPU loops.
// Each layer sits in an scf.if on "any sample left", so once every sample
// has stopped no further layer runs; a batch costs what its samples need.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "Conversion/BertToLinalg/Utils.h"
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
using bert_to_linalg::dimsMap;
using bert_to_linalg::identityMap;
using bert_to_linalg::iterators;

namespace {

/// What flows from one layer to the next.
struct ExitState {
  Value hidden, bias;                 // running samples: [A,S,H], [A,S]
  /// Per batch sample: its row among the running ones, or -1 once it has
  /// stopped ([B] i64), and its outputs: [B,N], [B], [B].
  Value slot, logits, exitLayer, uncertainty;
  SmallVector<Value> values() const {
    return {hidden, bias, slot, logits, exitLayer, uncertainty};
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

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A linalg.generic with one result, `init`, over the loops of `maps`.
Value generic(OpBuilder &b, Location loc, ValueRange ins, Value init,
              ArrayRef<AffineMap> maps,
              ArrayRef<utils::IteratorType> iterators, BodyFn body) {
  return linalg::GenericOp::create(
             b, loc, init.getType(), ins, init, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args));
             })
      .getResult(0);
}

/// A tensor of `sizes` filled with `value`, or uninitialized when null.
Value tensorOf(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
               Type elt, TypedAttr value = {}) {
  Value t = tensor::EmptyOp::create(b, loc, sizes, elt);
  if (!value)
    return t;
  Value v = arith::ConstantOp::create(b, loc, elt, value);
  return linalg::FillOp::create(b, loc, v, t).getResult(0);
}

Value i64(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}

Value indexOf(OpBuilder &b, Location loc, Value v) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

Value loopIndex(OpBuilder &b, Location loc, int64_t dim) {
  return linalg::IndexOp::create(b, loc, dim);
}

/// Where a sample's slot (its row in the running batch, -1 once it has
/// stopped) points, as an index that is in bounds while rows run.
Value slotRow(OpBuilder &b, Location loc, Value slot) {
  return indexOf(b, loc, arith::MaxSIOp::create(b, loc, slot, i64(b, loc, 0)));
}

Value isRunning(OpBuilder &b, Location loc, Value slot) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, slot,
                               i64(b, loc, 0));
}

/// One layer of the early-exit chain, for running samples (A > 0). All of
/// it is tensor ops over the batch, the running rows or pairs of them (no
/// loop over samples): on a GPU each step is one kernel, and the host reads
/// one value per layer, the number of rows that go on.
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

  MLIRContext *ctx = b.getContext();
  Type i64Type = b.getI64Type();
  auto id = [&](unsigned n) { return identityMap(ctx, n); };
  auto dims = [&](unsigned n, ArrayRef<unsigned> kept) {
    return dimsMap(ctx, n, kept);
  };
  OpFoldResult running = tensor::getMixedSizes(b, loc, in.hidden)[0];
  OpFoldResult batch = tensor::getMixedSizes(b, loc, in.slot)[0];
  auto eq = [](OpBuilder &nb, Location l, Value x, Value y) -> Value {
    return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, x, y);
  };

  // keep[r] = 1 when running row r goes on to the next layer (u >= speed;
  // the teacher labels everything still running).
  Value keep = generic(
      b, loc, u, tensorOf(b, loc, running, i64Type), {id(1), id(1)}, iterators(1),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        if (last)
          return i64(nb, l, 0);
        Value stops = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT,
                                            a[0], speed);
        return arith::SelectOp::create(nb, l, stops, i64(nb, l, 0),
                                       i64(nb, l, 1));
      });

  // The outputs of the samples that stop here, gathered at their batch
  // positions through their slots; the others keep what they had.
  auto updated = [&](Value old, BodyFn fresh) {
    unsigned rank = cast<RankedTensorType>(old.getType()).getRank();
    Value init = tensorOf(b, loc, tensor::getMixedSizes(b, loc, old),
                          getElementTypeOrSelf(old.getType()));
    return generic(
        b, loc, ValueRange{in.slot, old}, init,
        {dims(rank, {0}), id(rank), id(rank)}, iterators(rank),
        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value row = slotRow(nb, l, a[0]);
          Value k = tensor::ExtractOp::create(nb, l, keep, row);
          Value here = arith::AndIOp::create(nb, l, isRunning(nb, l, a[0]),
                                             eq(nb, l, k, i64(nb, l, 0)));
          return arith::SelectOp::create(nb, l, here, fresh(nb, l, row), a[1]);
        });
  };
  Value outLogits = updated(
      in.logits, [&](OpBuilder &nb, Location l, ValueRange row) -> Value {
        return tensor::ExtractOp::create(
            nb, l, logits, ValueRange{row[0], loopIndex(nb, l, 1)});
      });
  Value outExit = updated(in.exitLayer,
                          [&](OpBuilder &nb, Location l, ValueRange) -> Value {
                            return i64(nb, l, layer + 1);
                          });
  Value outU = updated(
      in.uncertainty, [&](OpBuilder &nb, Location l, ValueRange row) -> Value {
        return tensor::ExtractOp::create(nb, l, u, row[0]);
      });
  if (last) // nothing runs after the teacher
    return {hidden, in.bias, in.slot, outLogits, outExit, outU};

  // Compaction, in order: pos[r] = how many rows before r go on; the count
  // of all of them sizes the next batch.
  Value pos = generic(
      b, loc, keep, tensorOf(b, loc, running, i64Type, b.getI64IntegerAttr(0)),
      {dims(2, {1}), dims(2, {0})}, iterators(1, 1),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value before = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult,
                                             loopIndex(nb, l, 1),
                                             loopIndex(nb, l, 0));
        Value add = arith::SelectOp::create(nb, l, before, a[0], i64(nb, l, 0));
        return arith::AddIOp::create(nb, l, a[1], add);
      });
  Value count = generic(
      b, loc, keep, tensorOf(b, loc, {}, i64Type, b.getI64IntegerAttr(0)),
      {id(1), dims(1, {})}, iterators(0, 1),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::AddIOp::create(nb, l, a[1], a[0]);
      });
  Value kept =
      indexOf(b, loc, tensor::ExtractOp::create(b, loc, count, ValueRange{}));

  // A sample's next slot: its row's position, or -1 once it stops.
  Value slot = generic(
      b, loc, in.slot, tensorOf(b, loc, batch, i64Type), {id(1), id(1)}, iterators(1),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value row = slotRow(nb, l, a[0]);
        Value k = tensor::ExtractOp::create(nb, l, keep, row);
        Value p = tensor::ExtractOp::create(nb, l, pos, row);
        Value goes = arith::AndIOp::create(nb, l, isRunning(nb, l, a[0]),
                                           eq(nb, l, k, i64(nb, l, 1)));
        return arith::SelectOp::create(nb, l, goes, p, i64(nb, l, -1));
      });
  // src[j] = the row that becomes row j: the one that goes on at pos j.
  Value src = generic(
      b, loc, ValueRange{keep, pos},
      tensorOf(b, loc, OpFoldResult(kept), i64Type, b.getI64IntegerAttr(0)),
      {dims(2, {1}), dims(2, {1}), dims(2, {0})}, iterators(1, 1),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value j = arith::IndexCastOp::create(nb, l, nb.getI64Type(),
                                             loopIndex(nb, l, 0));
        Value r = arith::IndexCastOp::create(nb, l, nb.getI64Type(),
                                             loopIndex(nb, l, 1));
        Value match = arith::AndIOp::create(
            nb, l, eq(nb, l, a[0], i64(nb, l, 1)), eq(nb, l, a[1], j));
        Value add = arith::SelectOp::create(nb, l, match, r, i64(nb, l, 0));
        return arith::AddIOp::create(nb, l, a[2], add);
      });
  // The rows that go on, gathered.
  auto gather = [&](Value t) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, t);
    sizes[0] = kept;
    unsigned rank = sizes.size();
    return generic(
        b, loc, src, tensorOf(b, loc, sizes, getElementTypeOrSelf(t.getType())),
        {dims(rank, {0}), id(rank)}, iterators(rank),
        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          SmallVector<Value> at{indexOf(nb, l, a[0])};
          for (unsigned d = 1; d < rank; ++d)
            at.push_back(loopIndex(nb, l, d));
          return tensor::ExtractOp::create(nb, l, t, at);
        });
  };
  return {gather(hidden), gather(in.bias), slot, outLogits, outExit, outU};
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
    state.slot = tensor::GenerateOp::create(
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
