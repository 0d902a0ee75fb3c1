//===- GenericBody.h - a replaced linalg op inside a kernel ------*- C++ -*-===//
//
// The GPU kernels replace linalg ops and walk their loops themselves: a
// block id stands for a point of the op's outer loops, and elementwise
// bodies (a row reduction's, the bias broadcast before a product) run at a
// point, their inputs loaded where the op's indexing maps put it.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_GPU_GENERICBODY_H
#define BERTC_CODEGEN_GPU_GENERICBODY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::bertc {

/// The sizes of `op`'s loops, as index values (constants where static).
SmallVector<Value> loopSizes(OpBuilder &b, Location loc, linalg::LinalgOp op);

/// Sets `ivs[d]` for the loops `dims` (outermost first) from `linear`, the
/// last loop varying fastest. Sizes that may be 0 divide as 1: the point is
/// then outside the loops, and the caller's guards keep it unused.
void delinearize(OpBuilder &b, Location loc, Value linear,
                 ArrayRef<unsigned> dims, ArrayRef<Value> sizes,
                 MutableArrayRef<Value> ivs);

/// `map`'s indices at the loop values `ivs` (map a projected permutation).
SmallVector<Value> indicesAt(AffineMap map, ArrayRef<Value> ivs);

/// Emits `op`'s body at the loop point `ivs`: each input loaded through its
/// indexing map, except the inputs that are a buffer in `known`, which take
/// the value paired with it; the output's block argument bound to `out`
/// (null when the body does not read it). Returns the yielded values, one
/// per output (emitBodyAt: the first).
SmallVector<Value> emitBodyValuesAt(OpBuilder &b, Location loc,
                                    linalg::GenericOp op, ArrayRef<Value> ivs,
                                    Value out,
                                    ArrayRef<std::pair<Value, Value>> known = {});
inline Value emitBodyAt(OpBuilder &b, Location loc, linalg::GenericOp op,
                        ArrayRef<Value> ivs, Value out,
                        ArrayRef<std::pair<Value, Value>> known = {}) {
  return emitBodyValuesAt(b, loc, op, ivs, out, known).front();
}

} // namespace mlir::bertc

#endif
