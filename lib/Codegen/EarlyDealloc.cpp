//===- EarlyDealloc.cpp - free buffers after their last use ----------------===//

#include "Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_EARLYDEALLOC
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {

/// The last op of `block` that uses `buffer` or a memref derived from it
/// (nested uses count as their ancestor in `block`); null when the buffer
/// escapes: a terminator or a call uses it, or a use lies outside `block`.
Operation *lastUse(Value buffer, Block *block, Operation *dealloc) {
  SetVector<Value> aliases;
  aliases.insert(buffer);
  Operation *last = buffer.getDefiningOp();
  for (size_t i = 0; i < aliases.size(); ++i) {
    for (Operation *user : aliases[i].getUsers()) {
      // A dim reads the descriptor, not the memory: it may follow the free.
      if (user == dealloc || isa<memref::DimOp>(user))
        continue;
      if (user->hasTrait<OpTrait::IsTerminator>() ||
          isa<CallOpInterface>(user))
        return nullptr;
      for (Value result : user->getResults())
        if (isa<BaseMemRefType>(result.getType()))
          aliases.insert(result);
      Operation *inBlock = block->findAncestorOpInBlock(*user);
      if (!inBlock)
        return nullptr;
      if (last->isBeforeInBlock(inBlock))
        last = inBlock;
    }
  }
  return last;
}

struct EarlyDeallocPass
    : mlir::bertc::impl::EarlyDeallocBase<EarlyDeallocPass> {
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
    for (memref::DeallocOp dealloc : deallocs) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      Block *block = dealloc->getBlock();
      if (!alloc || alloc->getBlock() != block)
        continue;
      if (Operation *last = lastUse(alloc, block, dealloc))
        if (last->isBeforeInBlock(dealloc))
          dealloc->moveAfter(last);
    }
  }
};

} // namespace
