//===- OutputEpilogue.cpp - the op that reads a kernel's output ------------===//

#include "Codegen/GPU/OutputEpilogue.h"

#include "Codegen/GPU/GenericBody.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

Value mlir::bertc::viewRoot(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// Whether `op` writes all of `buffer` (itself or a reshape of it, as its
/// only init under an identity map) without reading it.
static bool overwrites(Operation *op, Value buffer) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureBufferSemantics())
    return false;
  bool written = false;
  for (OpOperand &operand : op->getOpOperands()) {
    Value v = operand.get();
    while (v != buffer && isa_and_nonnull<memref::ExpandShapeOp,
                                          memref::CollapseShapeOp>(
                              v.getDefiningOp()))
      v = v.getDefiningOp()->getOperand(0);
    if (v != buffer)
      continue;
    if (!linalgOp.isDpsInit(&operand) ||
        !linalgOp.getMatchingIndexingMap(&operand).isIdentity() ||
        linalgOp.payloadUsesValueFromOperand(&operand))
      return false;
    written = true;
  }
  return written;
}

/// Whether anything may read the fresh buffer `c` after `epilogue`: c's
/// allocation is in the epilogue's block (so no loop carries it into an
/// earlier op), and the first op after the epilogue that touches c or a
/// view of it, other than `ignore`, reads it (rather than overwriting all
/// of it or freeing it).
static bool readAfter(Value c, Operation *epilogue,
                      ArrayRef<Operation *> ignore) {
  auto alloc = c.getDefiningOp<memref::AllocOp>();
  Block *block = epilogue->getBlock();
  if (!alloc || alloc->getBlock() != block)
    return true;
  SmallVector<Value> views = {c};
  Operation *first = nullptr;
  for (size_t i = 0; i < views.size(); ++i) {
    for (Operation *user : views[i].getUsers()) {
      if (user == epilogue || llvm::is_contained(ignore, user))
        continue;
      if (isa<ViewLikeOpInterface>(user)) {
        llvm::append_range(views, user->getResults());
        continue;
      }
      Operation *at = block->findAncestorOpInBlock(*user);
      if (!at)
        return true;
      if (at->isBeforeInBlock(epilogue))
        continue;
      if (at != user)
        return true; // inside a loop or branch after the epilogue
      if (!first || user->isBeforeInBlock(first))
        first = user;
    }
  }
  return first && !isa<memref::DeallocOp>(first) && !overwrites(first, c);
}

mlir::bertc::OutputEpilogue
mlir::bertc::findOutputEpilogue(Operation *producer, Value c, AffineMap cMap,
                                ArrayRef<Value> reads,
                                ArrayRef<Operation *> ignore) {
  SmallVector<memref::AllocOp> allocs; // between producer and the epilogue
  Operation *next = producer->getNextNode();
  while (next && ((isMemoryEffectFree(next) && next->getNumRegions() == 0) ||
                  isa<memref::AllocOp>(next))) {
    if (auto alloc = dyn_cast<memref::AllocOp>(next))
      allocs.push_back(alloc);
    next = next->getNextNode();
  }
  auto op = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!op || !op.hasPureBufferSemantics() ||
      op.getNumParallelLoops() != op.getNumLoops())
    return {};
  SmallVector<Value> outs(op.getDpsInits());
  for (OpOperand &init : op.getDpsInitsMutable())
    if (!op.getMatchingIndexingMap(&init).isIdentity() ||
        (outs.size() > 1 && op.payloadUsesValueFromOperand(&init)))
      return {};
  Value out = outs.front();
  unsigned cInputs = 0;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (input->get() == c) {
      ++cInputs;
      if (cMap ? map != cMap : !map.isIdentity())
        return {};
    } else if (llvm::is_contained(outs, input->get()) && !map.isIdentity()) {
      // In place at the same element is safe: the thread that stores an
      // element has read it (with one output or several, as a layer norm
      // that also writes a rounded copy does in place).
      return {};
    }
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return {};
  }
  // In place into C: the body must not read C as its output too.
  if (cInputs != 1 ||
      (out == c && op.payloadUsesValueFromOperand(op.getDpsInitOperand(0))))
    return {};
  // Other blocks of the kernel still read the product's inputs while one
  // stores its tile.
  for (Value read : reads)
    for (Value written : outs)
      if (viewRoot(read) == viewRoot(written))
        return {};
  // The output's allocation moves before the kernel: its sizes must be
  // known there.
  for (memref::AllocOp alloc : allocs) {
    if (!llvm::is_contained(outs, alloc.getResult()))
      return {};
    for (Value size : alloc->getOperands())
      if (Operation *def = size.getDefiningOp();
          def && !def->isBeforeInBlock(producer) &&
          def->getBlock() == producer->getBlock())
        return {};
  }
  for (memref::AllocOp alloc : allocs)
    alloc->moveBefore(producer);

  OutputEpilogue epilogue;
  epilogue.op = op;
  epilogue.c = c;
  // C need not be stored when it is a fresh buffer that nothing reads
  // after the epilogue (the next op to touch it overwrites or frees it:
  // bufferization may reuse the buffer of an f32 product of which only
  // the rounded copy is read, such as the fused Q, K and V's).
  epilogue.storeC = !llvm::is_contained(outs, c) && readAfter(c, op, ignore);
  return epilogue;
}

SmallVector<Value>
mlir::bertc::outputEpilogueValues(OpBuilder &b, Location loc,
                                  const OutputEpilogue &epilogue, Value value,
                                  ValueRange ivs,
                                  ArrayRef<std::pair<Value, Value>> known) {
  linalg::GenericOp op = epilogue.op;
  Value out;
  if (op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)))
    out = memref::LoadOp::create(b, loc, op.getDpsInits()[0], ivs);
  SmallVector<std::pair<Value, Value>> values(known);
  values.push_back({epilogue.c, value});
  return emitBodyValuesAt(b, loc, op, SmallVector<Value>(ivs), out, values);
}

void mlir::bertc::emitOutputEpilogue(OpBuilder &b, Location loc,
                                     const OutputEpilogue &epilogue,
                                     Value value, ValueRange ivs,
                                     ArrayRef<std::pair<Value, Value>> known) {
  linalg::GenericOp op = epilogue.op;
  for (auto [result, buffer] :
       llvm::zip(outputEpilogueValues(b, loc, epilogue, value, ivs, known),
                 op.getDpsInits()))
    memref::StoreOp::create(b, loc, result, buffer, ivs);
}
