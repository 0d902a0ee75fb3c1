//===- Params.cpp - bind bert.param to slots of one weights buffer ---------===//
//
// The compiled function receives all weights as one byte buffer (its first
// argument). Each distinct parameter name gets an aligned slot, and a
// read-only tensor view of that slot replaces the bert.param. One buffer
// keeps the calling convention independent of the number of weights and lets
// the runtime fill it straight from the safetensors file.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "Conversion/Passes.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_CONVERTBERTPARAMSTOMEMREF
#include "Conversion/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {
struct Slot {
  RankedTensorType type;
  int64_t offset;
  SmallVector<bert::ParamOp> uses;
  int64_t panel = 0; // > 0: a [N, K] linear weight stored [N/panel, K, panel]
  Type stored;       // the element type in the buffer (narrower than f32
                     // for a linear weight under linear-weight-type)
};

/// True when every use of every op of `slot` is the weight of a bert.linear.
bool onlyLinearWeight(const Slot &slot) {
  if (slot.type.getRank() != 2 || !slot.type.getElementType().isF32())
    return false;
  for (bert::ParamOp op : slot.uses)
    for (OpOperand &use : op->getUses()) {
      auto linear = dyn_cast<bert::LinearOp>(use.getOwner());
      if (!linear || use.getOperandNumber() != 1)
        return false;
    }
  return true;
}

/// A linear weight whose rows split into whole panels.
bool packable(const Slot &slot, int64_t panel) {
  return onlyLinearWeight(slot) && slot.type.getDimSize(0) % panel == 0;
}

/// `narrow` widened to f32, elementwise: a cast that fusion folds into the
/// product reading it, so the weight crosses memory at its stored width.
Value widen(OpBuilder &b, Location loc, Value narrow) {
  auto type = cast<RankedTensorType>(narrow.getType());
  Type f32 = b.getF32Type();
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), f32);
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, type.clone(f32), narrow, empty,
             SmallVector<AffineMap>{id, id}, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   nb, l,
                   arith::ExtFOp::create(nb, l, f32, args[0]).getResult());
             })
      .getResult(0);
}

/// The [N, K] weight back from its panels [N/P, K, P]: a transposing copy
/// to [N/P, P, K] and a collapse. Fusion folds both into the product, whose
/// B then walks each panel contiguously.
Value unpack(OpBuilder &b, Location loc, Value packed, RankedTensorType type) {
  MLIRContext *ctx = b.getContext();
  auto packedType = cast<RankedTensorType>(packed.getType());
  int64_t panels = packedType.getDimSize(0), k = packedType.getDimSize(1),
          panel = packedType.getDimSize(2);
  auto movedType =
      RankedTensorType::get({panels, panel, k}, type.getElementType());
  Value empty = tensor::EmptyOp::create(b, loc, movedType.getShape(),
                                        type.getElementType());
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d2 = getAffineDimExpr(2, ctx);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {d0, d2, d1}, ctx),
                                 AffineMap::get(3, 0, {d0, d1, d2}, ctx)};
  SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
  Value moved = linalg::GenericOp::create(
                    b, loc, movedType, packed, empty, maps, iterators,
                    [](OpBuilder &nb, Location l, ValueRange args) {
                      linalg::YieldOp::create(nb, l, args[0]);
                    })
                    .getResult(0);
  return tensor::CollapseShapeOp::create(
      b, loc, type, moved, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

struct ConvertBertParamsToMemRefPass
    : mlir::bertc::impl::ConvertBertParamsToMemRefBase<
          ConvertBertParamsToMemRefPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    MLIRContext *ctx = &getContext();

    // Assign slots in first-use order so the layout is deterministic.
    llvm::MapVector<StringRef, Slot> slots;
    bool bad = false;
    func.walk([&](bert::ParamOp op) {
      auto [it, inserted] = slots.try_emplace(op.getName());
      Slot &slot = it->second;
      if (inserted) {
        slot.type = op.getType();
      } else if (slot.type != op.getType()) {
        op.emitOpError() << "expects every use of parameter '" << op.getName()
                         << "' to have type " << slot.type << ", got "
                         << op.getType();
        bad = true;
      }
      slot.uses.push_back(op);
    });
    if (bad)
      return signalPassFailure();
    if (alignment <= 0 || !llvm::isPowerOf2_64(alignment)) {
      func.emitError() << "alignment must be a positive power of two, got "
                       << alignment;
      return signalPassFailure();
    }
    Type narrow;
    if (linearWeightType == "f16")
      narrow = Float16Type::get(ctx);
    else if (linearWeightType == "bf16")
      narrow = BFloat16Type::get(ctx);
    else if (linearWeightType != "f32") {
      func.emitError() << "linear-weight-type must be f32, f16 or bf16, got '"
                       << linearWeightType << "'";
      return signalPassFailure();
    }
    if (narrow && linearWeightPanel > 0) {
      func.emitError() << "linear-weight-type=" << linearWeightType
                       << " stores weights as [N, K]; it excludes "
                          "linear-weight-panel";
      return signalPassFailure();
    }

    int64_t total = 0;
    SmallVector<Attribute> layout;
    for (auto &[name, slot] : slots) {
      if (linearWeightPanel > 0 && packable(slot, linearWeightPanel))
        slot.panel = linearWeightPanel;
      slot.stored = narrow && onlyLinearWeight(slot)
                        ? narrow
                        : slot.type.getElementType();
      slot.offset = llvm::alignTo(total, alignment);
      int64_t bytes = slot.type.getNumElements() *
                      (slot.stored.getIntOrFloatBitWidth() / 8);
      total = slot.offset + bytes;
      SmallVector<NamedAttribute> entry = {
          NamedAttribute(StringAttr::get(ctx, "name"),
                         StringAttr::get(ctx, name)),
          NamedAttribute(
              StringAttr::get(ctx, "offset"),
              IntegerAttr::get(IntegerType::get(ctx, 64), slot.offset)),
          NamedAttribute(StringAttr::get(ctx, "shape"),
                         DenseI64ArrayAttr::get(ctx, slot.type.getShape())),
          NamedAttribute(StringAttr::get(ctx, "type"),
                         TypeAttr::get(slot.stored))};
      if (slot.panel > 0)
        entry.push_back(NamedAttribute(
            StringAttr::get(ctx, "panel"),
            IntegerAttr::get(IntegerType::get(ctx, 64), slot.panel)));
      layout.push_back(DictionaryAttr::get(ctx, entry));
    }

    // The buffer is the first argument; its slots are read-only views.
    auto bufType =
        MemRefType::get({ShapedType::kDynamic}, IntegerType::get(ctx, 8));
    if (failed(func.insertArgument(0, bufType, {}, func.getLoc())))
      return signalPassFailure();
    func.setArgAttr(0, "bert.weights", UnitAttr::get(ctx));
    Value buffer = func.getArgument(0);
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    for (auto &[name, slot] : slots) {
      Location loc = slot.uses.front().getLoc();
      Value off = arith::ConstantIndexOp::create(b, loc, slot.offset);
      SmallVector<int64_t> shape(slot.type.getShape());
      if (slot.panel > 0)
        shape = {shape[0] / slot.panel, shape[1], slot.panel};
      auto storedType = RankedTensorType::get(shape, slot.stored);
      auto viewType = MemRefType::get(shape, slot.stored);
      Value view =
          memref::ViewOp::create(b, loc, viewType, buffer, off, ValueRange{});
      Value tensor = bufferization::ToTensorOp::create(
          b, loc, storedType, view, /*restrict=*/true, /*writable=*/false);
      for (bert::ParamOp use : slot.uses) {
        if (slot.panel == 0 && slot.stored == slot.type.getElementType()) {
          use.replaceAllUsesWith(tensor);
          continue;
        }
        // One copy or cast per use, where the param was: each has one
        // consumer for fusion to fold into, inside loops as well.
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(use);
        use.replaceAllUsesWith(slot.panel > 0
                                   ? unpack(b, use.getLoc(), tensor, slot.type)
                                   : widen(b, use.getLoc(), tensor));
      }
    }
    // Erased last: the builder's insertion point may sit on a param op.
    for (auto &entry : slots)
      for (bert::ParamOp use : entry.second.uses)
        use.erase();
    func->setAttr("bert.weights_layout", ArrayAttr::get(ctx, layout));
    func->setAttr("bert.weights_bytes",
                  IntegerAttr::get(IntegerType::get(ctx, 64), total));
  }
};
} // namespace
