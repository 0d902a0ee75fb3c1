//===- OutputInit.cpp - the op that initializes a kernel's output ----------===//

#include "Codegen/GPU/OutputInit.h"

#include "Codegen/GPU/GenericBody.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {
/// Whether `op` writes every element of `buffer` without reading it.
bool writesAll(Operation *op, Value buffer, bool fillOnly) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == buffer;
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (fillOnly || !generic || !generic.hasPureBufferSemantics() ||
      generic.getNumDpsInits() != 1 || generic.getDpsInits()[0] != buffer ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getIndexingMapsArray().back().isIdentity() ||
      generic.payloadUsesValueFromOperand(generic.getDpsInitOperand(0)))
    return false;
  return llvm::all_of(generic.getDpsInputOperands(), [&](OpOperand *input) {
    return input->get() != buffer &&
           generic.getMatchingIndexingMap(input).isProjectedPermutation(
               /*allowZeroInResults=*/false);
  });
}
} // namespace

mlir::bertc::OutputInit
mlir::bertc::findOutputInit(Operation *consumer, Value out, bool fillOnly) {
  Operation *prev = consumer->getPrevNode();
  while (prev && isMemoryEffectFree(prev) && prev->getNumRegions() == 0)
    prev = prev->getPrevNode();
  if (!prev)
    return {};
  if (writesAll(prev, out, fillOnly))
    return {prev, nullptr};
  auto view = out.getDefiningOp<memref::ExpandShapeOp>();
  if (view && writesAll(prev, view.getSrc(), fillOnly))
    return {prev, view};
  return {};
}

Value mlir::bertc::emitOutputInit(OpBuilder &b, Location loc,
                                  const OutputInit &init, ValueRange indices) {
  if (auto fill = dyn_cast<linalg::FillOp>(init.op))
    return fill.getDpsInputs()[0];
  // Through the view: each group of its dimensions is one dimension of the
  // buffer, row-major.
  SmallVector<Value> at(indices);
  if (memref::ExpandShapeOp view = init.view) {
    at.clear();
    for (ReassociationIndices group : view.getReassociationIndices()) {
      Value linear = indices[group.front()];
      for (int64_t dim : ArrayRef(group).drop_front()) {
        Value size = memref::DimOp::create(b, loc, view.getResult(), dim);
        linear = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, linear, size),
            indices[dim]);
      }
      at.push_back(linear);
    }
  }
  return emitBodyAt(b, loc, cast<linalg::GenericOp>(init.op), at,
                    /*out=*/nullptr);
}
