//===- OutputInit.cpp - the op that initializes a kernel's output ----------===//

#include "Codegen/GPU/OutputInit.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

Operation *mlir::bertc::findOutputInit(Operation *consumer, Value out,
                                       bool fillOnly) {
  Operation *prev = consumer->getPrevNode();
  while (prev && isMemoryEffectFree(prev) && prev->getNumRegions() == 0)
    prev = prev->getPrevNode();
  if (!prev)
    return nullptr;
  if (auto fill = dyn_cast<linalg::FillOp>(prev))
    return fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == out
               ? prev
               : nullptr;
  auto generic = dyn_cast<linalg::GenericOp>(prev);
  if (fillOnly || !generic || !generic.hasPureBufferSemantics() ||
      generic.getNumDpsInits() != 1 || generic.getDpsInits()[0] != out ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getIndexingMapsArray().back().isIdentity() ||
      generic.payloadUsesValueFromOperand(generic.getDpsInitOperand(0)))
    return nullptr;
  for (OpOperand *input : generic.getDpsInputOperands())
    if (input->get() == out ||
        !generic.getMatchingIndexingMap(input).isProjectedPermutation(
            /*allowZeroInResults=*/false))
      return nullptr;
  return prev;
}

Value mlir::bertc::emitOutputInit(OpBuilder &b, Location loc, Operation *init,
                                  ValueRange indices) {
  if (auto fill = dyn_cast<linalg::FillOp>(init))
    return fill.getDpsInputs()[0];
  auto generic = cast<linalg::GenericOp>(init);
  Block &body = generic.getRegion().front();
  IRMapping map;
  for (auto [arg, input, indexing] :
       llvm::zip(body.getArguments(), generic.getDpsInputs(),
                 generic.getIndexingMapsArray())) {
    SmallVector<Value> at;
    for (unsigned r = 0; r < indexing.getNumResults(); ++r)
      at.push_back(indices[indexing.getDimPosition(r)]);
    map.map(arg, memref::LoadOp::create(b, loc, input, at));
  }
  for (Operation &op : body.without_terminator())
    b.clone(op, map);
  return map.lookupOrDefault(body.getTerminator()->getOperand(0));
}
