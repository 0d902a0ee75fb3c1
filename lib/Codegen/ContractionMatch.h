//===- ContractionMatch.h - linalg matrix products, matched ------*- C++ -*-===//
//
// The CPU kernels and the GPU tiled kernels rewrite the same bufferized
// contractions; this is where a linalg.generic is recognized as one and its
// loops get their roles.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_CONTRACTIONMATCH_H
#define BERTC_CODEGEN_CONTRACTIONMATCH_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir::bertc {

/// True when `op`'s body is `out + a * b` over its two inputs; with
/// `allowWidenedInputs`, either input may first go through arith.extf.
bool isMulAddBody(linalg::GenericOp op, bool allowWidenedInputs = false);

inline bool hasDim(AffineMap map, unsigned dim) {
  return map.isFunctionOfDim(dim);
}

/// The loop that `map`'s last (contiguous) result indexes.
inline unsigned lastDim(AffineMap map) {
  return map.getDimPosition(map.getNumResults() - 1);
}

/// A matched contraction over memrefs, f32 (A or B f16/bf16 when widened
/// in the body) `C[batch..., m, n] += A[.., m, k] *
/// B[.., k, n]` (indices in any order the maps give): which loop plays which
/// role, and its operands.
struct Contraction {
  linalg::GenericOp op;
  unsigned k = 0, m = 0, n = 0;
  SmallVector<unsigned> batch; // the output's other loops, outermost first
  Value a, b, c;
  AffineMap aMap, bMap, cMap;
  bool dotForm = false; // B contiguous in k (else in n)
};

/// Matches a bufferized generic with one reduction loop `k` and body
/// `out + a * b` over projected-permutation maps, whose output's last loop
/// is `n` (indexed by B, not A) and whose A is contiguous in `k`. `m` is the
/// innermost other output loop that A indexes and B does not; every other
/// output loop is a batch loop. Operands are f32 unless
/// `allowWidenedInputs`: then an input may be f16 or bf16, widened to f32
/// by an arith.extf in the body.
std::optional<Contraction> matchContraction(linalg::GenericOp op,
                                            bool allowWidenedInputs = false);

/// matchContraction's checks of the body, the element types and the maps
/// alone, on tensors or buffers (not of layouts): on tensors, whether the
/// op will be a matched contraction once bufferized to unit-stride buffers.
std::optional<Contraction>
matchContractionLoops(linalg::GenericOp op, bool allowWidenedInputs = false);

} // namespace mlir::bertc

#endif
