//===- Params.cpp - bind bert.param to slots of one weights buffer ---------===//
//
// The compiled function receives all weights as one byte buffer (its first
// argument). Each distinct parameter name gets an aligned slot, and a
// read-only tensor view of that slot replaces the bert.param. One buffer
// keeps the calling convention independent of the number of weights and lets
// the runtime fill it straight from the safetensors file. Parameters that a
// tensor.concat joins (bert-fuse-linears) get adjacent slots, and the
// concatenation is a view of them.
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
  int64_t offset = -1; // -1: not placed yet
  SmallVector<bert::ParamOp> uses;
  int64_t panel = 0; // > 0: a [N, K] linear weight stored [N/panel, K, panel]
  Type stored;       // the element type in the buffer (narrower than f32
                     // for a linear weight under linear-weight-type)
  int group = -1;    // the concatenation it is part of, if any
};

/// Parameters that tensor.concat ops join along dimension 0, in order: they
/// are stored adjacently, so that the concatenation is one view.
struct Group {
  SmallVector<StringRef> names;
  SmallVector<tensor::ConcatOp> uses;
};

/// The concatenation of parameters only (along dimension 0) that `op` is,
/// as their names, or nothing.
std::optional<SmallVector<StringRef>> paramNames(tensor::ConcatOp op) {
  if (op.getDim() != 0)
    return std::nullopt;
  SmallVector<StringRef> names;
  for (Value input : op.getInputs()) {
    auto param = input.getDefiningOp<bert::ParamOp>();
    if (!param)
      return std::nullopt;
    names.push_back(param.getName());
  }
  return names;
}

/// True when `v` is read only as the weight of a bert.linear, directly or
/// through concatenations.
bool onlyLinearWeightReads(Value v) {
  for (OpOperand &use : v.getUses()) {
    if (auto concat = dyn_cast<tensor::ConcatOp>(use.getOwner())) {
      if (!onlyLinearWeightReads(concat))
        return false;
      continue;
    }
    auto linear = dyn_cast<bert::LinearOp>(use.getOwner());
    if (!linear || use.getOperandNumber() != 1)
      return false;
  }
  return true;
}

/// True when every use of every op of `slot` is the weight of a bert.linear
/// (alone, or concatenated with others).
bool onlyLinearWeight(const Slot &slot) {
  if (slot.type.getRank() != 2 || !slot.type.getElementType().isF32())
    return false;
  return llvm::all_of(slot.uses, [](bert::ParamOp op) {
    return onlyLinearWeightReads(op.getResult());
  });
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

    // Concatenations of parameters (bert-fuse-linears). A name joins at
    // most one sequence of names, however many ops concatenate it.
    SmallVector<Group> groups;
    func.walk([&](tensor::ConcatOp op) {
      std::optional<SmallVector<StringRef>> names = paramNames(op);
      if (!names)
        return;
      int index = slots.find(names->front())->second.group;
      if (index < 0) {
        index = groups.size();
        groups.push_back({*names, {}});
      }
      Group &group = groups[index];
      bool conflict = group.names != *names;
      for (StringRef name : *names) {
        Slot &slot = slots.find(name)->second;
        conflict |= slot.group >= 0 && slot.group != index;
        slot.group = index;
      }
      if (conflict) {
        op.emitOpError() << "concatenates parameters that another "
                            "concatenation joins in another order or with "
                            "others; their slots cannot be adjacent for both";
        bad = true;
      }
      group.uses.push_back(op);
    });
    if (bad)
      return signalPassFailure();

    for (auto &[name, slot] : slots) {
      if (linearWeightPanel > 0 && packable(slot, linearWeightPanel))
        slot.panel = linearWeightPanel;
      slot.stored = narrow && onlyLinearWeight(slot)
                        ? narrow
                        : slot.type.getElementType();
    }
    // A group's members share one layout: panels or narrow only if all are.
    for (Group &group : groups) {
      bool allPanels = true, allNarrow = true;
      for (StringRef name : group.names) {
        const Slot &slot = slots.find(name)->second;
        allPanels &= slot.panel > 0;
        allNarrow &= slot.stored != slot.type.getElementType();
      }
      for (StringRef name : group.names) {
        Slot &slot = slots.find(name)->second;
        if (!allPanels)
          slot.panel = 0;
        if (!allNarrow)
          slot.stored = slot.type.getElementType();
      }
    }

    // Offsets in first-use order; a group's members follow each other, from
    // an aligned offset.
    int64_t total = 0;
    SmallVector<Attribute> layout;
    auto place = [&](StringRef name, Slot &slot, int64_t offset) {
      slot.offset = offset;
      total = offset + slot.type.getNumElements() *
                           (slot.stored.getIntOrFloatBitWidth() / 8);
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
    };
    for (auto &[name, slot] : slots) {
      if (slot.offset >= 0)
        continue;
      if (slot.group < 0) {
        place(name, slot, llvm::alignTo(total, alignment));
        continue;
      }
      int64_t offset = llvm::alignTo(total, alignment);
      for (StringRef member : groups[slot.group].names) {
        place(member, slots.find(member)->second, offset);
        offset = total;
      }
    }

    // The buffer is the first argument; its slots are read-only views.
    auto bufType =
        MemRefType::get({ShapedType::kDynamic}, IntegerType::get(ctx, 8));
    if (failed(func.insertArgument(0, bufType, {}, func.getLoc())))
      return signalPassFailure();
    func.setArgAttr(0, "bert.weights", UnitAttr::get(ctx));
    Value buffer = func.getArgument(0);
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    // Replaces the results of `ops` (of type `type`) by the view at
    // `offset` of `stored` elements, as `panel`-wide panels if > 0.
    auto bind = [&](ArrayRef<Operation *> ops, RankedTensorType type,
                    int64_t offset, int64_t panel, Type stored) {
      Location loc = ops.front()->getLoc();
      Value off = arith::ConstantIndexOp::create(b, loc, offset);
      SmallVector<int64_t> shape(type.getShape());
      if (panel > 0)
        shape = {shape[0] / panel, shape[1], panel};
      auto storedType = RankedTensorType::get(shape, stored);
      auto viewType = MemRefType::get(shape, stored);
      Value view =
          memref::ViewOp::create(b, loc, viewType, buffer, off, ValueRange{});
      Value tensor = bufferization::ToTensorOp::create(
          b, loc, storedType, view, /*restrict=*/true, /*writable=*/false);
      for (Operation *use : ops) {
        if (panel == 0 && stored == type.getElementType()) {
          use->replaceAllUsesWith(ValueRange{tensor});
          continue;
        }
        // One copy or cast per use, where the param was: each has one
        // consumer for fusion to fold into, inside loops as well.
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(use);
        use->replaceAllUsesWith(
            ValueRange{panel > 0 ? unpack(b, use->getLoc(), tensor, type)
                                 : widen(b, use->getLoc(), tensor)});
      }
    };
    // Concatenations first, erased at once (never the builder's insertion
    // point: their operands come before them): their params' other uses
    // are left.
    for (Group &group : groups) {
      const Slot &first = slots.find(group.names.front())->second;
      SmallVector<Operation *> ops(group.uses.begin(), group.uses.end());
      bind(ops, group.uses.front().getResultType(), first.offset, first.panel,
           first.stored);
      for (Operation *op : ops)
        op->erase();
    }
    for (auto &[name, slot] : slots) {
      SmallVector<Operation *> ops;
      for (bert::ParamOp use : slot.uses)
        if (!use->use_empty())
          ops.push_back(use);
      if (!ops.empty())
        bind(ops, slot.type, slot.offset, slot.panel, slot.stored);
    }
    // Erased last: the builder's insertion point may sit on one of them.
    for (auto &entry : slots)
      for (bert::ParamOp use : entry.second.uses)
        use.erase();
    func->setAttr("bert.weights_layout", ArrayAttr::get(ctx, layout));
    func->setAttr("bert.weights_bytes",
                  IntegerAttr::get(IntegerType::get(ctx, 64), total));
  }
};
} // namespace
