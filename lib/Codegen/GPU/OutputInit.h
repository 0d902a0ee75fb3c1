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

namespace mlir::bertc {

/// The op that writes every element of `out` right before `consumer`
/// (only ops without memory effects between them): a `linalg.fill`, or,
/// unless `fillOnly`, an all-parallel `linalg.generic` whose one output is
/// `out` under an identity map, whose body does not read it and whose
/// inputs are not `out`. Null when there is none.
Operation *findOutputInit(Operation *consumer, Value out, bool fillOnly);

/// The value `init` writes at `indices` of its output: the fill's scalar,
/// or the generic's body on its inputs loaded there. Loads are emitted
/// unguarded: call it only for indices inside the output.
Value emitOutputInit(OpBuilder &b, Location loc, Operation *init,
                     ValueRange indices);

} // namespace mlir::bertc

#endif
