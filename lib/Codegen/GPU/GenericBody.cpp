//===- GenericBody.cpp - a replaced linalg op inside a kernel --------------===//

#include "Codegen/GPU/GenericBody.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

SmallVector<Value> mlir::bertc::loopSizes(OpBuilder &b, Location loc,
                                          linalg::LinalgOp op) {
  SmallVector<Value> sizes;
  for (Range range : op.createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  return sizes;
}

void mlir::bertc::delinearize(OpBuilder &b, Location loc, Value linear,
                              ArrayRef<unsigned> dims, ArrayRef<Value> sizes,
                              MutableArrayRef<Value> ivs) {
  Value one;
  for (unsigned d : llvm::reverse(dims)) {
    Value size = sizes[d];
    if (std::optional<int64_t> known = getConstantIntValue(size);
        !known || *known < 1) {
      if (!one)
        one = arith::ConstantIndexOp::create(b, loc, 1);
      size = arith::MaxUIOp::create(b, loc, size, one);
    }
    ivs[d] = arith::RemUIOp::create(b, loc, linear, size);
    linear = arith::DivUIOp::create(b, loc, linear, size);
  }
}

SmallVector<Value> mlir::bertc::indicesAt(AffineMap map, ArrayRef<Value> ivs) {
  SmallVector<Value> result;
  for (unsigned r = 0; r < map.getNumResults(); ++r)
    result.push_back(ivs[map.getDimPosition(r)]);
  return result;
}

SmallVector<Value>
mlir::bertc::emitBodyValuesAt(OpBuilder &b, Location loc, linalg::GenericOp op,
                              ArrayRef<Value> ivs, Value out,
                              ArrayRef<std::pair<Value, Value>> known) {
  Block &body = op.getRegion().front();
  IRMapping map;
  for (OpOperand *input : op.getDpsInputOperands()) {
    const auto *given = llvm::find_if(
        known, [&](auto pair) { return pair.first == input->get(); });
    map.map(op.getMatchingBlockArgument(input),
            given != known.end()
                ? given->second
                : memref::LoadOp::create(
                      b, loc, input->get(),
                      indicesAt(op.getMatchingIndexingMap(input), ivs))
                      .getResult());
  }
  if (out)
    map.map(op.getMatchingBlockArgument(op.getDpsInitOperand(0)), out);
  for (Operation &inner : body.without_terminator())
    b.clone(inner, map);
  SmallVector<Value> yielded;
  for (Value v : body.getTerminator()->getOperands())
    yielded.push_back(map.lookupOrDefault(v));
  return yielded;
}
