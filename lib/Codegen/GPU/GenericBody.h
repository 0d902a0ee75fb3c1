//===- GenericBody.h - a linalg.generic's body at one point ------*- C++ -*-===//
//
// The GPU kernels compute elementwise bodies of ops they replace (a row
// reduction's, the bias broadcast before a product) inside their own loops:
// the inputs are loaded where the op's indexing maps put the point.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_GPU_GENERICBODY_H
#define BERTC_CODEGEN_GPU_GENERICBODY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::bertc {

/// `map`'s indices at the loop values `ivs` (map a projected permutation).
SmallVector<Value> indicesAt(AffineMap map, ArrayRef<Value> ivs);

/// Emits `op`'s body at the loop point `ivs`: each input loaded through its
/// indexing map, the output's block argument bound to `out` (null when the
/// body does not read it). Returns the yielded value.
Value emitBodyAt(OpBuilder &b, Location loc, linalg::GenericOp op,
                 ArrayRef<Value> ivs, Value out);

} // namespace mlir::bertc

#endif
