//===- VerifyUtils.h - shape helpers of the bert verifiers --------*- C++ -*-===//

#ifndef BERT_IR_VERIFYUTILS_H
#define BERT_IR_VERIFYUTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::bertc::bert {

/// Two dimensions agree unless both are static and differ.
inline bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Prints a shape as `[2, ?, 32]` for diagnostics.
inline std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  });
  os << "]";
  return s;
}

inline bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip(a, b))
    if (!dimsCompatible(x, y))
      return false;
  return true;
}

/// A position op's `padding_idx`, when present, is not negative (I64Attr
/// accessors return uint64_t: read the signed value).
inline LogicalResult verifyPaddingIdx(Operation *op, IntegerAttr pad) {
  if (pad && pad.getInt() < 0)
    return op->emitOpError() << "expects a non-negative padding_idx, got "
                             << pad.getInt();
  return success();
}

/// Multi-head attention's shared checks: a static hidden width that
/// `heads` divides, and a result of the query's type.
inline LogicalResult verifyHeads(Operation *op, int64_t width, int64_t heads) {
  if (ShapedType::isDynamic(width))
    return op->emitOpError() << "expects a static hidden width";
  if (heads <= 0 || width % heads != 0)
    return op->emitOpError() << "expects num_heads to divide the width "
                             << width << ", got " << heads;
  return success();
}
inline LogicalResult verifyQueryTyped(Operation *op, RankedTensorType query,
                                      RankedTensorType result) {
  if (!shapesCompatible(result.getShape(), query.getShape()) ||
      result.getElementType() != query.getElementType())
    return op->emitOpError() << "expects the result to have the query's type "
                             << query << ", got " << result;
  return success();
}

} // namespace mlir::bertc::bert

#endif
