//===- BertPackedOps.cpp - verifiers of the packed-batch ops ---------------===//
//
// Tags name the constraints of BertPackedOps.td; test/Dialect/Bert/
// invalid-packed.mlir has one negative test per tag.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "VerifyUtils.h"

using namespace mlir;
using namespace mlir::bertc::bert;

namespace {
/// A packed batch's tensors are [1, T, ...]: one row of tokens.
bool isPackedRow(RankedTensorType type, int64_t rank) {
  return type.getRank() == rank && dimsCompatible(type.getDimSize(0), 1);
}

LogicalResult verifyOffsets(Operation *op, Value offsets) {
  auto type = cast<RankedTensorType>(offsets.getType());
  if (type.getRank() != 1)
    return op->emitOpError() << "expects rank-1 offsets [B + 1], got shape "
                             << shapeStr(type.getShape());
  return success();
}
} // namespace

LogicalResult PackedPositionIdsOp::verify() {
  auto ids = getInputIds().getType();
  // packed_position_ids_c1
  if (!isPackedRow(ids, 2))
    return emitOpError() << "expects input_ids of shape [1, T], got "
                         << shapeStr(ids.getShape());
  // packed_position_ids_c2
  if (failed(verifyOffsets(*this, getOffsets())))
    return failure();
  // packed_position_ids_c3
  return verifyPaddingIdx(*this, getPaddingIdxAttr());
}

LogicalResult PackedAttentionOp::verify() {
  auto q = getQuery().getType();
  // packed_attention_c1
  if (q.getRank() == 3 &&
      failed(verifyHeads(*this, q.getDimSize(2), getNumHeads())))
    return failure();
  // packed_attention_c2
  auto k = getKey().getType(), v = getValue().getType();
  if (!isPackedRow(q, 3) || !shapesCompatible(q.getShape(), k.getShape()) ||
      !shapesCompatible(q.getShape(), v.getShape()))
    return emitOpError() << "expects query, key and value of one shape "
                            "[1, T, H], got "
                         << shapeStr(q.getShape()) << ", "
                         << shapeStr(k.getShape()) << " and "
                         << shapeStr(v.getShape());
  // packed_attention_c3
  if (failed(verifyOffsets(*this, getOffsets())))
    return failure();
  // packed_attention_c4
  return verifyQueryTyped(*this, q, getResult().getType());
}

LogicalResult PackedSelectTokenOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  // packed_select_token_c1
  if (!isPackedRow(in, 3) || out.getRank() != 2)
    return emitOpError() << "expects an input of shape [1, T, H] and a "
                            "rank-2 result, got "
                         << shapeStr(in.getShape()) << " and "
                         << shapeStr(out.getShape());
  // packed_select_token_c2
  if (failed(verifyOffsets(*this, getOffsets())))
    return failure();
  // packed_select_token_c3
  int64_t rows = getOffsets().getType().getDimSize(0);
  SmallVector<int64_t> expected{
      ShapedType::isDynamic(rows) ? ShapedType::kDynamic : rows - 1,
      in.getDimSize(2)};
  if (!shapesCompatible(out.getShape(), expected) ||
      out.getElementType() != in.getElementType())
    return emitOpError() << "expects result " << shapeStr(expected) << " of "
                         << in.getElementType() << ", got "
                         << shapeStr(out.getShape()) << " of "
                         << out.getElementType();
  return success();
}
