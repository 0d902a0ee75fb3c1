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
};

struct ConvertBertParamsToMemRefPass
    : mlir::bertc::impl::ConvertBertParamsToMemRefBase<ConvertBertParamsToMemRefPass> {
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

    int64_t total = 0;
    SmallVector<Attribute> layout;
    for (auto &[name, slot] : slots) {
      slot.offset = llvm::alignTo(total, alignment);
      int64_t bytes = slot.type.getNumElements() *
                      (slot.type.getElementTypeBitWidth() / 8);
      total = slot.offset + bytes;
      SmallVector<NamedAttribute> entry = {
          NamedAttribute(StringAttr::get(ctx, "name"),
                         StringAttr::get(ctx, name)),
          NamedAttribute(StringAttr::get(ctx, "offset"),
                         IntegerAttr::get(IntegerType::get(ctx, 64),
                                          slot.offset)),
          NamedAttribute(StringAttr::get(ctx, "shape"),
                         DenseI64ArrayAttr::get(ctx, slot.type.getShape())),
          NamedAttribute(StringAttr::get(ctx, "type"),
                         TypeAttr::get(slot.type.getElementType()))};
      layout.push_back(DictionaryAttr::get(ctx, entry));
    }

    // The buffer is the first argument; its slots are read-only views.
    auto bufType = MemRefType::get({ShapedType::kDynamic},
                                   IntegerType::get(ctx, 8));
    if (failed(func.insertArgument(0, bufType, {}, func.getLoc())))
      return signalPassFailure();
    func.setArgAttr(0, "bert.weights", UnitAttr::get(ctx));
    Value buffer = func.getArgument(0);
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    for (auto &[name, slot] : slots) {
      Location loc = slot.uses.front().getLoc();
      Value off = arith::ConstantIndexOp::create(b, loc, slot.offset);
      auto viewType =
          MemRefType::get(slot.type.getShape(), slot.type.getElementType());
      Value view = memref::ViewOp::create(b, loc, viewType, buffer, off,
                                          ValueRange{});
      Value tensor = bufferization::ToTensorOp::create(
          b, loc, slot.type, view, /*restrict=*/true, /*writable=*/false);
      for (bert::ParamOp use : slot.uses)
        use.replaceAllUsesWith(tensor);
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
