//===- OutputInit.h - the op that initializes a kernel's output -*- C++ -*-===//
//
// A matrix product or a row reduction accumulates into its output, which the
// op just before it has written: a fill (zeros, -inf) or a bias broadcast.
// The GPU kernels compute that value where they would load it, so the
// writer needs no kernel of its own and the output is not read.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_GPU_OUTPUTINIT_H
#define BERTC_CODEGEN_GPU_OUTPUTINIT_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::bertc {

/// The op that writes every element of a kernel's output, and how the
/// output views what it writes.
struct OutputInit {
  Operation *op = nullptr;
  /// Set when the output is this view of the op's output (a linear layer's
  /// [.., heads * d] result seen as [.., heads, d]).
  memref::ExpandShapeOp view;
  explicit operator bool() const { return op; }
};

/// The op that writes every element of `out` (or of the buffer `out` is an
/// expand_shape of) right before `consumer`, with only ops without memory
/// effects between them: a `linalg.fill`, or, unless `fillOnly`, an
/// all-parallel `linalg.generic` whose one output is that buffer under an
/// identity map, whose body does not read it and whose inputs are not it.
OutputInit findOutputInit(Operation *consumer, Value out, bool fillOnly);

/// The value `init` writes at `indices` of the output: the fill's scalar,
/// or the generic's body on its inputs loaded there. Loads are emitted
/// unguarded: call it only for indices inside the output.
Value emitOutputInit(OpBuilder &b, Location loc, const OutputInit &init,
                     ValueRange indices);

} // namespace mlir::bertc

#endif
