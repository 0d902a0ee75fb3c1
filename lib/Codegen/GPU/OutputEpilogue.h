//===- OutputEpilogue.h - the op that reads a kernel's output ---*- C++ -*-===//
//
// The elementwise op right after a matrix product (GELU, a residual add)
// reads each element of the product once. The tiled kernel applies it to
// its sums before the store, so the op needs no kernel of its own and the
// product's output is neither stored nor read again when nothing else
// reads it.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_GPU_OUTPUTEPILOGUE_H
#define BERTC_CODEGEN_GPU_OUTPUTEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::bertc {

struct OutputEpilogue {
  linalg::GenericOp op;
  /// The product's output, one of op's inputs under an identity map.
  Value c;
  /// Whether the kernel must still store C (something else reads it).
  bool storeC = true;
  explicit operator bool() const { return op != nullptr; }
};

/// The all-parallel linalg.generic right after `producer` (only ops without
/// memory effects, or the allocation of its output, between them) that
/// reads `c` once under an identity map and writes a buffer under an
/// identity map that `producer` does not read (`reads`). Ops in `ignore`
/// (the product, the op that initializes C) do not count as readers of C.
/// Moves the output's allocation before `producer`.
OutputEpilogue findOutputEpilogue(Operation *producer, Value c,
                                  ArrayRef<Value> reads,
                                  ArrayRef<Operation *> ignore);

/// The epilogue's value at `indices` of C when C holds `value` there; the
/// store goes to the epilogue's output at the same indices.
Value emitOutputEpilogue(OpBuilder &b, Location loc,
                         const OutputEpilogue &epilogue, Value value,
                         ValueRange indices);

} // namespace mlir::bertc

#endif
