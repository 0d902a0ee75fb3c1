//===- BertMemoryOps.cpp - verifiers of the memory-recurrent ops ----------===//
//
// Tags name the constraints of BertMemoryOps.td; test/Dialect/Bert/
// invalid-memory.mlir has one negative test per tag.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "VerifyUtils.h"

using namespace mlir;
using namespace mlir::bertc::bert;

namespace {
/// `value` has the given shape (`?` where `shape` is dynamic).
bool hasShape(Value value, ArrayRef<int64_t> shape) {
  return shapesCompatible(cast<RankedTensorType>(value.getType()).getShape(),
                          shape);
}
std::string shapeOf(Value value) {
  return shapeStr(cast<RankedTensorType>(value.getType()).getShape());
}

/// bounds = [0, c1, ..., V], strictly increasing, one more than `count`.
LogicalResult verifyBounds(Operation *op, ArrayRef<int64_t> bounds,
                           size_t count) {
  if (bounds.size() != count + 1 || bounds.front() != 0)
    return op->emitOpError() << "expects bounds [0, ..., V] with "
                             << count + 1 << " entries";
  for (size_t i = 1; i < bounds.size(); ++i)
    if (bounds[i] <= bounds[i - 1])
      return op->emitOpError() << "expects strictly increasing bounds";
  return success();
}

/// Cluster c's table has bounds[c+1] - bounds[c] rows; projections, if
/// any, are [D, d_c]; without them every table is D wide.
LogicalResult verifyClusters(Operation *op, ValueRange tables,
                             ValueRange projections, ArrayRef<int64_t> bounds,
                             int64_t width, const char *what) {
  for (auto [c, t] : llvm::enumerate(tables)) {
    auto type = cast<RankedTensorType>(t.getType());
    if (type.getRank() != 2 ||
        !dimsCompatible(type.getDimSize(0), bounds[c + 1] - bounds[c]))
      return op->emitOpError()
             << "expects " << what << " " << c << " to have "
             << bounds[c + 1] - bounds[c] << " rows, got " << shapeOf(t);
  }
  if (!projections.empty() && projections.size() != tables.size())
    return op->emitOpError() << "expects no projections or one per cluster ("
                             << tables.size() << "), got "
                             << projections.size();
  for (auto [c, t] : llvm::enumerate(tables)) {
    int64_t dc = cast<RankedTensorType>(t.getType()).getDimSize(1);
    if (projections.empty() ? !dimsCompatible(dc, width)
                            : !hasShape(projections[c], {width, dc}))
      return op->emitOpError()
             << "expects " << (projections.empty() ? what : "projection")
             << " " << c << " to be "
             << (projections.empty() ? "[rows, " + std::to_string(width) + "]"
                                     : shapeStr({width, dc}))
             << ", got "
             << (projections.empty() ? shapeOf(t) : shapeOf(projections[c]));
  }
  return success();
}
} // namespace

LogicalResult RelPositionsOp::verify() {
  auto type = getResult().getType();
  // rel_positions_c1
  if (type.getRank() != 2 || type.isDynamicDim(1) || type.getDimSize(1) % 2)
    return emitOpError() << "expects a [K, D] result with a static even D, got "
                         << shapeStr(type.getShape());
  // rel_positions_c2
  if (getInvFreq() && !hasShape(getInvFreq(), {type.getDimSize(1) / 2}))
    return emitOpError() << "expects inv_freq of shape ["
                         << type.getDimSize(1) / 2 << "], got "
                         << shapeOf(getInvFreq());
  // rel_positions_c3
  if (getClampLenAttr().getInt() < 0)
    return emitOpError() << "expects a non-negative clamp_len";
  return success();
}

LogicalResult RelAttentionOp::verify() {
  auto in = getInput().getType();
  auto mem = getMemory().getType();
  // rel_attention_c1
  if (in.getRank() != 3 || in.isDynamicDim(2))
    return emitOpError() << "expects input [B, Q, D] with a static D, got "
                         << shapeStr(in.getShape());
  int64_t B = in.getDimSize(0), D = in.getDimSize(2);
  if (mem.getRank() != 3 || !dimsCompatible(mem.getDimSize(1), B) ||
      !dimsCompatible(mem.getDimSize(2), D))
    return emitOpError() << "expects memory [M, " << shapeStr({B, D}).substr(1)
                         << ", got " << shapeStr(mem.getShape());
  // rel_attention_c2
  if (!hasShape(getPositions(), {ShapedType::kDynamic, D}))
    return emitOpError() << "expects positions [K, " << D << "], got "
                         << shapeOf(getPositions());
  // rel_attention_c3
  auto rw = getRWBias().getType();
  if (rw.getRank() != 2 || !rw.hasStaticShape() ||
      getRRBias().getType() != rw)
    return emitOpError() << "expects r_w_bias and r_r_bias of one static "
                            "shape [N, dh], got "
                         << shapeOf(getRWBias()) << " and "
                         << shapeOf(getRRBias());
  int64_t inner = rw.getDimSize(0) * rw.getDimSize(1);
  // rel_attention_c4
  if (!hasShape(getQkvWeight(), {3 * inner, D}) ||
      !hasShape(getRWeight(), {inner, D}) ||
      !hasShape(getOutWeight(), {D, inner}))
    return emitOpError() << "expects qkv_weight " << shapeStr({3 * inner, D})
                         << ", r_weight " << shapeStr({inner, D})
                         << " and out_weight " << shapeStr({D, inner})
                         << ", got " << shapeOf(getQkvWeight()) << ", "
                         << shapeOf(getRWeight()) << " and "
                         << shapeOf(getOutWeight());
  // rel_attention_c5
  if (getMemLenAttr().getInt() < 0)
    return emitOpError() << "expects a non-negative mem_len";
  // rel_attention_c6
  if (getOutput().getType() != in)
    return emitOpError() << "expects the output type to be the input type";
  if (!hasShape(getNewMemory(), {ShapedType::kDynamic, B, D}))
    return emitOpError() << "expects new_memory [?, "
                         << shapeStr({B, D}).substr(1) << ", got "
                         << shapeOf(getNewMemory());
  // rel_attention_c7
  bool norm = (bool)getNormWeight();
  if (norm != (bool)getNormBias() || norm != getNormEpsilon().has_value() ||
      (norm && (!hasShape(getNormWeight(), {D}) ||
                !hasShape(getNormBias(), {D}) ||
                !(getNormEpsilon()->convertToDouble() > 0))))
    return emitOpError() << "expects pre_norm weight and bias [" << D
                         << "] with a positive norm_epsilon, or none of them";
  return success();
}

LogicalResult TwoStreamAttentionOp::verify() {
  auto in = getContent().getType();
  // two_stream_attention_c1
  if (in.getRank() != 3 || in.isDynamicDim(2))
    return emitOpError() << "expects content [B, Q, D] with a static D, got "
                         << shapeStr(in.getShape());
  int64_t B = in.getDimSize(0), Q = in.getDimSize(1), D = in.getDimSize(2);
  if (!hasShape(getMemory(), {ShapedType::kDynamic, B, D}))
    return emitOpError() << "expects memory [M, " << shapeStr({B, D}).substr(1)
                         << ", got " << shapeOf(getMemory());
  // two_stream_attention_c2
  if (!hasShape(getPositions(), {ShapedType::kDynamic, D}))
    return emitOpError() << "expects positions [R, " << D << "], got "
                         << shapeOf(getPositions());
  // two_stream_attention_c3
  if (!hasShape(getTokenTypes(), {B, Q}) ||
      !hasShape(getAttentionMask(), {B, Q}) ||
      !hasShape(getPermMask(), {B, Q, Q}))
    return emitOpError() << "expects token_types and attention_mask "
                         << shapeStr({B, Q}) << " and perm_mask "
                         << shapeStr({B, Q, Q}) << ", got "
                         << shapeOf(getTokenTypes()) << ", "
                         << shapeOf(getAttentionMask()) << " and "
                         << shapeOf(getPermMask());
  // two_stream_attention_c4
  auto w = getQWeight().getType();
  if (w.getRank() != 3 || !w.hasStaticShape() || w.getDimSize(0) != D)
    return emitOpError() << "expects q_weight [" << D
                         << ", N, dh] with a static shape, got "
                         << shapeStr(w.getShape());
  int64_t N = w.getDimSize(1), dh = w.getDimSize(2);
  for (Value v : {getKWeight(), getVWeight(), getOWeight(), getRWeight()})
    if (v.getType() != w)
      return emitOpError() << "expects every weight to be "
                           << shapeStr(w.getShape()) << ", got "
                           << shapeOf(v);
  for (Value v : {getRWBias(), getRRBias(), getRSBias()})
    if (!hasShape(v, {N, dh}))
      return emitOpError() << "expects biases " << shapeStr({N, dh})
                           << ", got " << shapeOf(v);
  if (!hasShape(getSegEmbed(), {2, N, dh}))
    return emitOpError() << "expects seg_embed " << shapeStr({2, N, dh})
                         << ", got " << shapeOf(getSegEmbed());
  // two_stream_attention_c5
  bool query = (bool)getQuery();
  if (query != (bool)getTargetMapping() || query != (bool)getQueryOut())
    return emitOpError() << "expects query, target_mapping and query_out "
                            "together or none of them";
  if (query) {
    auto g = getQuery().getType();
    int64_t P = g.getRank() == 3 ? g.getDimSize(1) : ShapedType::kDynamic;
    if (!hasShape(getQuery(), {B, P, D}) ||
        !hasShape(getTargetMapping(), {B, P, Q}) ||
        getQueryOut().getType() != g)
      return emitOpError() << "expects query [B, P, D], target_mapping "
                              "[B, P, Q] and query_out of query's type, got "
                           << shapeOf(getQuery()) << ", "
                           << shapeOf(getTargetMapping()) << " and "
                           << shapeOf(getQueryOut());
  }
  // two_stream_attention_c6
  if (getContentOut().getType() != in)
    return emitOpError() << "expects content_out of the content's type";
  if (!hasShape(getNewMemory(), {ShapedType::kDynamic, B, D}))
    return emitOpError() << "expects new_memory [?, "
                         << shapeStr({B, D}).substr(1) << ", got "
                         << shapeOf(getNewMemory());
  // two_stream_attention_c7
  if (getMemLenAttr().getInt() < 0 || getReuseLenAttr().getInt() < 0)
    return emitOpError() << "expects non-negative mem_len and reuse_len";
  return success();
}

LogicalResult AdaptiveEmbeddingOp::verify() {
  auto result = getResult().getType();
  int64_t D = result.getRank() ? result.getDimSize(result.getRank() - 1)
                               : ShapedType::kDynamic;
  // adaptive_embedding_c1
  if (failed(verifyBounds(*this, getBounds(), getTables().size())))
    return failure();
  // adaptive_embedding_c2
  if (failed(verifyClusters(*this, getTables(), getProjections(), getBounds(),
                            D, "table")))
    return failure();
  // adaptive_embedding_c3
  SmallVector<int64_t> expected(getIds().getType().getShape());
  expected.push_back(D);
  if (result.getRank() != (int64_t)expected.size() ||
      !shapesCompatible(result.getShape(), expected))
    return emitOpError() << "expects result shape ids.shape + [D], got "
                         << shapeStr(result.getShape());
  return success();
}

LogicalResult AdaptiveLogSoftmaxOp::verify() {
  auto in = getInput().getType();
  int64_t D = in.getDimSize(in.getRank() - 1);
  ArrayRef<int64_t> bounds = getBounds();
  size_t clusters = getWeights().size();
  // adaptive_log_softmax_c1
  if (failed(verifyBounds(*this, bounds, clusters)))
    return failure();
  if (getBiases().size() != clusters)
    return emitOpError() << "expects one bias per cluster (" << clusters
                         << "), got " << getBiases().size();
  for (auto [c, b] : llvm::enumerate(getBiases()))
    if (!hasShape(b, {bounds[c + 1] - bounds[c]}))
      return emitOpError() << "expects bias " << c << " of shape ["
                           << bounds[c + 1] - bounds[c] << "], got "
                           << shapeOf(b);
  // adaptive_log_softmax_c1, adaptive_log_softmax_c2
  if (failed(verifyClusters(*this, getWeights(), getProjections(), bounds, D,
                            "weight")))
    return failure();
  // adaptive_log_softmax_c3
  int64_t tails = clusters - 1;
  if ((bool)getClusterWeight() != (tails > 0) ||
      (bool)getClusterBias() != (tails > 0))
    return emitOpError() << "expects cluster weights exactly when there are "
                            "tail clusters";
  if (tails > 0) {
    int64_t d0 = cast<RankedTensorType>(getWeights()[0].getType()).getDimSize(1);
    if (!hasShape(getClusterWeight(), {tails, d0}) ||
        !hasShape(getClusterBias(), {tails}))
      return emitOpError() << "expects cluster_weight " << shapeStr({tails, d0})
                           << " and cluster_bias [" << tails << "], got "
                           << shapeOf(getClusterWeight()) << " and "
                           << shapeOf(getClusterBias());
  }
  // adaptive_log_softmax_c4
  SmallVector<int64_t> expected(in.getShape());
  expected.back() = bounds.back();
  if (!hasShape(getResult(), expected))
    return emitOpError() << "expects result shape " << shapeStr(expected)
                         << ", got " << shapeOf(getResult());
  return success();
}
