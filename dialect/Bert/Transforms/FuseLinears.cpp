//===- FuseLinears.cpp - one product for the linears of one input ---------===//
//
// See bert-fuse-linears in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "Bert/Transforms/Passes.h"

#include "llvm/ADT/MapVector.h"

namespace mlir::bertc::bert {
#define GEN_PASS_DEF_BERTFUSELINEARS
#include "Bert/Transforms/Passes.h.inc"
} // namespace mlir::bertc::bert

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::bert;

namespace {

/// The parameter that `v` is, when nothing else reads it (the fused op
/// then holds the only reference to it).
ParamOp ownParam(Value v) {
  auto param = v ? v.getDefiningOp<ParamOp>() : ParamOp();
  return param && param->hasOneUse() ? param : ParamOp();
}

/// Whether `op` may join a fused product: its weight and bias (if any)
/// are parameters of its own.
bool fusable(LinearOp op) {
  return ownParam(op.getWeight()) && (!op.getBias() || ownParam(op.getBias()));
}

/// The fused op's location: named after its members' names (the module
/// paths the importer gives) as "common.prefix.a+b+c", so that profiles and
/// diagnostics name what it computes; none without names.
Location fusedLoc(MLIRContext *ctx, ArrayRef<Location> locs) {
  SmallVector<StringRef> names;
  SmallVector<Location> inner;
  for (Location loc : locs) {
    auto named = dyn_cast<NameLoc>(loc);
    if (named)
      names.push_back(named.getName().getValue());
    inner.push_back(named ? named.getChildLoc() : loc);
  }
  Location fused = FusedLoc::get(ctx, inner);
  if (names.size() != locs.size())
    return fused;
  // The common prefix, up to its last '.'.
  StringRef prefix = names.front();
  for (StringRef name : names)
    while (!name.starts_with(prefix))
      prefix = prefix.drop_back();
  prefix = prefix.take_front(prefix.rfind('.') + 1);
  std::string joined = prefix.str();
  for (auto [i, name] : llvm::enumerate(names))
    joined += (i ? "+" : "") + name.drop_front(prefix.size()).str();
  return NameLoc::get(StringAttr::get(ctx, joined), fused);
}

/// Replaces `group` (two or more linears of one input, in block order, all
/// with a bias or all without) by one linear and a slice of it for each.
void fuse(ArrayRef<LinearOp> group) {
  LinearOp first = group.front();
  bool withBias = first.getBias() != nullptr;
  SmallVector<Value> weights, biases;
  SmallVector<Location> locs;
  int64_t rows = 0;
  for (LinearOp op : group) {
    weights.push_back(op.getWeight());
    if (withBias)
      biases.push_back(op.getBias());
    locs.push_back(op.getLoc());
    rows += cast<RankedTensorType>(op.getWeight().getType()).getDimSize(0);
  }
  // Parameters have no operands: they can all move before the first op.
  for (LinearOp op : group.drop_front()) {
    op.getWeight().getDefiningOp()->moveBefore(first);
    if (withBias)
      op.getBias().getDefiningOp()->moveBefore(first);
  }
  OpBuilder b(first);
  Location loc = fusedLoc(b.getContext(), locs);
  Value weight = tensor::ConcatOp::create(b, loc, /*dim=*/0, weights);
  Value bias =
      withBias ? tensor::ConcatOp::create(b, loc, /*dim=*/0, biases) : Value();
  auto type = cast<RankedTensorType>(first.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = rows;
  auto fused = LinearOp::create(b, loc, type.clone(shape), first.getInput(),
                                weight, bias);

  int64_t rank = type.getRank(), offset = 0;
  // The leading sizes are the input's.
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(b, loc, first.getInput());
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
      strides(rank, b.getIndexAttr(1));
  for (LinearOp op : group) {
    auto opType = cast<RankedTensorType>(op.getType());
    int64_t width = opType.getShape().back();
    offsets.back() = b.getIndexAttr(offset);
    sizes.back() = b.getIndexAttr(width);
    Value slice = tensor::ExtractSliceOp::create(b, op.getLoc(), opType, fused,
                                                 offsets, sizes, strides);
    offset += width;
    op.replaceAllUsesWith(slice);
  }
  // Erased last: the builder's insertion point is `first`.
  for (LinearOp op : group)
    op.erase();
}

struct BertFuseLinearsPass
    : mlir::bertc::bert::impl::BertFuseLinearsBase<BertFuseLinearsPass> {
  void runOnOperation() override {
    // Candidates by block, input and bias, in block order (a walk visits a
    // block's ops in order).
    using Key = std::tuple<Block *, Value, unsigned>;
    llvm::MapVector<Key, SmallVector<LinearOp>> groups;
    getOperation().walk([&](LinearOp op) {
      if (fusable(op))
        groups[{op->getBlock(), op.getInput(), op.getBias() ? 1u : 0u}]
            .push_back(op);
    });
    for (auto &entry : groups)
      if (entry.second.size() > 1)
        fuse(entry.second);
  }
};

} // namespace
