//===- GenericBody.cpp - a linalg.generic's body at one point --------------===//

#include "Codegen/GPU/GenericBody.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

SmallVector<Value> mlir::bertc::indicesAt(AffineMap map, ArrayRef<Value> ivs) {
  SmallVector<Value> result;
  for (unsigned r = 0; r < map.getNumResults(); ++r)
    result.push_back(ivs[map.getDimPosition(r)]);
  return result;
}

Value mlir::bertc::emitBodyAt(OpBuilder &b, Location loc, linalg::GenericOp op,
                              ArrayRef<Value> ivs, Value out) {
  Block &body = op.getRegion().front();
  IRMapping map;
  for (OpOperand *input : op.getDpsInputOperands())
    map.map(op.getMatchingBlockArgument(input),
            memref::LoadOp::create(b, loc, input->get(),
                                   indicesAt(op.getMatchingIndexingMap(input),
                                             ivs)));
  if (out)
    map.map(op.getMatchingBlockArgument(op.getDpsInitOperand(0)), out);
  for (Operation &inner : body.without_terminator())
    b.clone(inner, map);
  return map.lookupOrDefault(body.getTerminator()->getOperand(0));
}
