//===- BertOps.cpp - verifiers of the bert dialect -------------------------===//
//
// Each check carries the tag of the constraint it enforces (see BertOps.td);
// test/Dialect/Bert/invalid.mlir has a negative test of the same name.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "VerifyUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::bertc::bert;

LogicalResult ParamOp::verify() {
  auto type = getResult().getType();
  // param_c1
  if (!type.hasStaticShape())
    return emitOpError() << "expects a static shape, got "
                         << shapeStr(type.getShape());
  // param_c2
  if (getName().empty())
    return emitOpError() << "expects a non-empty parameter name";
  return success();
}

LogicalResult EmbeddingOp::verify() {
  auto table = getTable().getType();
  auto ids = getIds().getType();
  auto result = getResult().getType();
  // embedding_c1
  if (table.getRank() != 2)
    return emitOpError() << "expects a rank-2 table, got rank "
                         << table.getRank();
  // embedding_c2
  SmallVector<int64_t> expected(ids.getShape());
  expected.push_back(table.getDimSize(1));
  if (!shapesCompatible(result.getShape(), expected))
    return emitOpError() << "expects result shape " << shapeStr(expected)
                         << ", got " << shapeStr(result.getShape());
  // embedding_c3
  if (result.getElementType() != table.getElementType())
    return emitOpError() << "expects result element type "
                         << table.getElementType() << ", got "
                         << result.getElementType();
  return success();
}

LogicalResult PositionIdsOp::verify() {
  // position_ids_c1
  if (getInputIds().getType().getRank() != 2)
    return emitOpError() << "expects rank-2 input_ids, got rank "
                         << getInputIds().getType().getRank();
  // position_ids_c2
  return verifyPaddingIdx(*this, getPaddingIdxAttr());
}

LogicalResult SelectTokenOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  // select_token_c1
  if (in.getRank() != 3 || out.getRank() != 2)
    return emitOpError() << "expects a rank-3 input and a rank-2 result, got "
                         << in.getRank() << " and " << out.getRank();
  // select_token_c2
  SmallVector<int64_t> expected{in.getDimSize(0), in.getDimSize(2)};
  if (!shapesCompatible(out.getShape(), expected) ||
      out.getElementType() != in.getElementType())
    return emitOpError() << "expects result " << shapeStr(expected) << " of "
                         << in.getElementType() << ", got "
                         << shapeStr(out.getShape()) << " of "
                         << out.getElementType();
  // select_token_c3
  int64_t len = in.getDimSize(1);
  int64_t index = getIndexAttr().getInt();
  if (!ShapedType::isDynamic(len) && (index >= len || index < -len))
    return emitOpError() << "expects index in [" << -len << ", " << len
                         << "), got " << index;
  return success();
}

LogicalResult LinearOp::verify() {
  auto in = getInput().getType();
  auto w = getWeight().getType();
  auto out = getResult().getType();
  // linear_c1
  if (w.getRank() != 2 || in.getRank() < 1)
    return emitOpError() << "expects a rank-2 weight and an input of rank >= 1, "
                            "got ranks "
                         << w.getRank() << " and " << in.getRank();
  // linear_c2
  if (!dimsCompatible(in.getShape().back(), w.getDimSize(1)))
    return emitOpError() << "expects input width " << w.getDimSize(1)
                         << " (weight.dim(1)), got " << in.getShape().back();
  // linear_c3
  if (Value bias = getBias()) {
    auto b = cast<RankedTensorType>(bias.getType());
    if (b.getRank() != 1 || !dimsCompatible(b.getDimSize(0), w.getDimSize(0)))
      return emitOpError() << "expects bias shape [" << w.getDimSize(0)
                           << "], got " << shapeStr(b.getShape());
    if (b.getElementType() != w.getElementType())
      return emitOpError() << "expects bias element type "
                           << w.getElementType();
  }
  // linear_c4
  SmallVector<int64_t> expected(in.getShape());
  expected.back() = w.getDimSize(0);
  if (!shapesCompatible(out.getShape(), expected))
    return emitOpError() << "expects result shape " << shapeStr(expected)
                         << ", got " << shapeStr(out.getShape());
  if (in.getElementType() != w.getElementType() ||
      out.getElementType() != w.getElementType())
    return emitOpError() << "expects input, weight and result of one element "
                            "type, got "
                         << in.getElementType() << ", " << w.getElementType()
                         << " and " << out.getElementType();
  return success();
}

LogicalResult LayerNormOp::verify() {
  auto in = getInput().getType();
  auto g = getGamma().getType();
  // layer_norm_c1
  if (in.getRank() < 1 || g.getRank() != 1 ||
      !dimsCompatible(g.getDimSize(0), in.getShape().back()))
    return emitOpError() << "expects gamma and beta of shape ["
                         << (in.getRank() ? in.getShape().back() : 0)
                         << "], got " << shapeStr(g.getShape());
  // layer_norm_c2
  if (!(getEpsilon().convertToDouble() > 0.0))
    return emitOpError() << "expects a positive epsilon, got "
                         << getEpsilon().convertToDouble();
  // layer_norm_c3
  if (g.getElementType() != in.getElementType())
    return emitOpError() << "expects gamma of element type "
                         << in.getElementType() << ", got "
                         << g.getElementType();
  return success();
}

LogicalResult SoftmaxOp::verify() {
  // softmax_c1
  if (getInput().getType().getRank() < 1)
    return emitOpError() << "expects an input of rank >= 1";
  return success();
}

LogicalResult MaskBiasOp::verify() {
  auto mask = getMask().getType();
  // mask_bias_c1
  if (mask.getRank() != 2)
    return emitOpError() << "expects a rank-2 mask, got rank "
                         << mask.getRank();
  // mask_bias_c2
  if (!shapesCompatible(mask.getShape(), getResult().getType().getShape()))
    return emitOpError() << "expects result shape " << shapeStr(mask.getShape())
                         << ", got "
                         << shapeStr(getResult().getType().getShape());
  return success();
}

LogicalResult AttentionOp::verify() {
  auto q = getQuery().getType();
  auto k = getKey().getType();
  auto v = getValue().getType();
  // attention_c2 (ranks first: the other checks index dimensions)
  if (q.getRank() != 3 || k.getRank() != 3 || v.getRank() != 3)
    return emitOpError() << "expects rank-3 query, key and value, got ranks "
                         << q.getRank() << ", " << k.getRank() << " and "
                         << v.getRank();
  // attention_c1
  int64_t width = q.getDimSize(2);
  if (failed(verifyHeads(*this, width, getNumHeads())))
    return failure();
  // attention_c2
  if (!dimsCompatible(q.getDimSize(0), k.getDimSize(0)) ||
      !dimsCompatible(q.getDimSize(0), v.getDimSize(0)) ||
      !dimsCompatible(width, k.getDimSize(2)) ||
      !dimsCompatible(width, v.getDimSize(2)) ||
      !dimsCompatible(k.getDimSize(1), v.getDimSize(1)))
    return emitOpError() << "expects query, key and value of one batch and "
                            "width and key/value of one length, got "
                         << shapeStr(q.getShape()) << ", "
                         << shapeStr(k.getShape()) << " and "
                         << shapeStr(v.getShape());
  // attention_c3
  if (Value bias = getBias()) {
    auto b = cast<RankedTensorType>(bias.getType());
    SmallVector<int64_t> expected{q.getDimSize(0), k.getDimSize(1)};
    if (!shapesCompatible(b.getShape(), expected))
      return emitOpError() << "expects bias shape " << shapeStr(expected)
                           << ", got " << shapeStr(b.getShape());
  }
  // attention_c4
  return verifyQueryTyped(*this, q, getResult().getType());
}

LogicalResult SharedLayersOp::verify() {
  // shared_layers_c1
  if (getCountAttr().getInt() <= 0)
    return emitOpError() << "expects a positive count, got "
                         << getCountAttr().getInt();
  return success();
}

LogicalResult SharedLayersOp::verifyRegions() {
  Block &body = getBody().front();
  Type type = getInit().getType();
  // shared_layers_c2
  if (body.getNumArguments() != 1 || body.getArgument(0).getType() != type)
    return emitOpError() << "expects the body to take one argument of type "
                         << type;
  // shared_layers_c3
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getResults().size() != 1 ||
      yield.getResults()[0].getType() != type)
    return emitOpError() << "expects the body to yield one value of type "
                         << type;
  return success();
}

LogicalResult EarlyExitOp::verifyRegions() {
  // early_exit_c1
  if (getStages().empty())
    return emitOpError() << "expects at least one layer region";
  auto hidden = getHidden().getType();
  auto bias = getBias().getType();
  // early_exit_c2
  if (hidden.getRank() != 3 || bias.getRank() != 2 ||
      !dimsCompatible(hidden.getDimSize(0), bias.getDimSize(0)) ||
      !dimsCompatible(hidden.getDimSize(1), bias.getDimSize(1)))
    return emitOpError() << "expects hidden [B, S, H] and bias [B, S], got "
                         << shapeStr(hidden.getShape()) << " and "
                         << shapeStr(bias.getShape());
  auto running = [](RankedTensorType t) {
    SmallVector<int64_t> shape(t.getShape());
    shape[0] = ShapedType::kDynamic;
    return RankedTensorType::get(shape, t.getElementType());
  };
  Type hRun = running(hidden), bRun = running(bias);
  int64_t classes = ShapedType::kDynamic;
  for (auto [i, region] : llvm::enumerate(getStages())) {
    Block &body = region.front();
    auto yield = dyn_cast<YieldOp>(body.getTerminator());
    if (body.getNumArguments() != 2 || body.getArgument(0).getType() != hRun ||
        body.getArgument(1).getType() != bRun)
      return emitOpError() << "expects region " << i << " to take (" << hRun
                           << ", " << bRun << ")";
    if (!yield || yield.getResults().size() != 2 ||
        yield.getResults()[0].getType() != hRun)
      return emitOpError() << "expects region " << i << " to yield (" << hRun
                           << ", logits)";
    auto logits = dyn_cast<RankedTensorType>(yield.getResults()[1].getType());
    if (!logits || logits.getRank() != 2 || logits.isDynamicDim(1) ||
        logits.getDimSize(1) < 2 ||
        (!ShapedType::isDynamic(classes) && logits.getDimSize(1) != classes))
      return emitOpError() << "expects region " << i
                           << " to yield logits [?, N] with one static N >= 2";
    classes = logits.getDimSize(1);
  }
  // early_exit_c3
  auto speed = getSpeed().getType();
  if (speed.getRank() != 1 || speed.getDimSize(0) != 1 ||
      !speed.getElementType().isF32())
    return emitOpError() << "expects speed of type tensor<1xf32>, got "
                         << speed;
  // early_exit_c4
  auto logits = getLogits().getType();
  auto exitLayer = getExitLayer().getType();
  auto u = getUncertainty().getType();
  SmallVector<int64_t> expected{hidden.getDimSize(0), classes};
  if (!shapesCompatible(logits.getShape(), expected) ||
      !shapesCompatible(exitLayer.getShape(), {hidden.getDimSize(0)}) ||
      !shapesCompatible(u.getShape(), {hidden.getDimSize(0)}) ||
      u.getElementType() != logits.getElementType())
    return emitOpError() << "expects results logits " << shapeStr(expected)
                         << ", exit layers and uncertainties ["
                         << (hidden.isDynamicDim(0)
                                 ? std::string("?")
                                 : std::to_string(hidden.getDimSize(0)))
                         << "]";
  return success();
}

#define GET_OP_CLASSES
#include "Bert/BertOps.cpp.inc"
