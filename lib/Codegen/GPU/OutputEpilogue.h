//===- OutputEpilogue.h - the op that reads a kernel's output ---*- C++ -*-===//
//
// The elementwise op right after a kernel that reads its output: GELU or a
// residual add after a matrix product, which reads each element of the
// product once; a softmax's or layer norm's normalization after its last
// row reduction, which reads the row's value with every element of the row.
// The kernel applies it where it has the value, so the op needs no kernel
// of its own, and a product's output is not stored when nothing else reads
// it.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_GPU_OUTPUTEPILOGUE_H
#define BERTC_CODEGEN_GPU_OUTPUTEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::bertc {

struct OutputEpilogue {
  linalg::GenericOp op;
  /// The kernel's output, one of op's inputs.
  Value c;
  /// Whether the kernel must still store C (something else reads it).
  bool storeC = true;
  explicit operator bool() const { return op != nullptr; }
};

/// The all-parallel linalg.generic right after `producer` (only ops without
/// memory effects, or the allocation of its outputs, between them) that
/// reads `c` once, under `cMap` (null: an identity map), and writes
/// buffers under identity maps that are none of `reads` (what other blocks
/// of the kernel still read). With several outputs (a value and its
/// rounded copy: bertc-gpu-narrow-product-operands), the body reads none. Ops in `ignore` (the producer, the op that
/// initializes C) do not count as readers of C. Moves the output's
/// allocation before `producer`.
OutputEpilogue findOutputEpilogue(Operation *producer, Value c, AffineMap cMap,
                                  ArrayRef<Value> reads,
                                  ArrayRef<Operation *> ignore);

/// The buffer `v` is a view of (through view-like ops), or `v`.
Value viewRoot(Value v);

/// The values the epilogue stores into its outputs (one per output, in
/// order) at its loop point `ivs` when C holds `value` there; `known` as
/// below.
SmallVector<Value>
outputEpilogueValues(OpBuilder &b, Location loc,
                     const OutputEpilogue &epilogue, Value value,
                     ValueRange ivs,
                     ArrayRef<std::pair<Value, Value>> known = {});

/// Stores the epilogue's values at its loop point `ivs` when C holds
/// `value` there into its outputs at `ivs` (identity maps). `known` gives
/// other inputs' values (earlier row reductions).
void emitOutputEpilogue(OpBuilder &b, Location loc,
                        const OutputEpilogue &epilogue, Value value,
                        ValueRange ivs,
                        ArrayRef<std::pair<Value, Value>> known = {});

} // namespace mlir::bertc

#endif
