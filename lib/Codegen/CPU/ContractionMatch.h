//===- ContractionMatch.h - shared tests on linalg contractions --*- C++ -*-===//

#ifndef BERTC_CODEGEN_CPU_CONTRACTIONMATCH_H
#define BERTC_CODEGEN_CPU_CONTRACTIONMATCH_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::bertc {

/// True when `op`'s body is `out + a * b` over its two inputs.
bool isMulAddBody(linalg::GenericOp op);

inline bool hasDim(AffineMap map, unsigned dim) {
  return map.isFunctionOfDim(dim);
}

/// The loop that `map`'s last (contiguous) result indexes.
inline unsigned lastDim(AffineMap map) {
  return map.getDimPosition(map.getNumResults() - 1);
}

} // namespace mlir::bertc

#endif
