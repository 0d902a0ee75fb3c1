//===- NarrowProductOperands.cpp - product-only tensors stored narrow ------===//
//
// See bertc-gpu-narrow-product-operands in Passes.td. Runs on tensors, after
// elementwise fusion, so that every tensor left is one a kernel writes and
// others read.
//
//===----------------------------------------------------------------------===//

#include "Codegen/ContractionMatch.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUNARROWPRODUCTOPERANDS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {

/// A product that bertc-gpu-tile-contractions will take, and that rounds
/// its operands as it stages them (other products read them as they are).
bool isProduct(linalg::GenericOp op) {
  return matchContractionLoops(op, /*allowWidenedInputs=*/true).has_value();
}

/// True when every read of `v`, through reshapes and slices (the query,
/// key and value of one fused product), is as an input of a product:
/// rounding `v` to the operand type where it is written then changes no
/// product's result.
bool onlyProductOperands(Value v) {
  if (v.use_empty())
    return false;
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (isa<tensor::DimOp>(user))
      continue; // reads the shape only
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
            tensor::ExtractSliceOp>(user)) {
      if (!onlyProductOperands(user->getResult(0)))
        return false;
      continue;
    }
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic || !isProduct(generic) || !generic.isDpsInput(&use))
      return false;
  }
  return true;
}

/// All-parallel, and not reading its output.
bool isElementwise(linalg::GenericOp op) {
  return op.getNumReductionLoops() == 0 &&
         op.getMatchingBlockArgument(&op.getDpsInitsMutable()[0]).use_empty();
}

RankedTensorType withElement(Type type, Type element) {
  return cast<RankedTensorType>(type).clone(element);
}

void retypeReaders(Value v, Type narrow);

/// Gives the reader of `use` (a reshape or slice, or a product) the narrow
/// type of the value it now reads: a reshape or slice changes its element
/// type, a product widens the operand in its body as it does for narrow
/// weights.
void retypeReader(OpOperand &use, Type narrow) {
  Operation *user = use.getOwner();
  if (isa<tensor::DimOp>(user))
    return;
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
          tensor::ExtractSliceOp>(user)) {
    Value reshaped = user->getResult(0);
    reshaped.setType(withElement(reshaped.getType(), narrow));
    retypeReaders(reshaped, narrow);
    return;
  }
  auto generic = cast<linalg::GenericOp>(user);
  BlockArgument arg = generic.getMatchingBlockArgument(&use);
  if (arg.getType() == narrow)
    return; // the same tensor read twice: already widened
  Type wide = arg.getType();
  arg.setType(narrow);
  OpBuilder b = OpBuilder::atBlockBegin(arg.getOwner());
  auto ext = arith::ExtFOp::create(b, generic.getLoc(), wide, arg);
  arg.replaceAllUsesExcept(ext, ext);
}

/// retypeReader for every reader of `v`.
void retypeReaders(Value v, Type narrow) {
  for (OpOperand &use : llvm::make_early_inc_range(v.getUses()))
    retypeReader(use, narrow);
}

/// The uses of `v` as a product's input, when `v` has other readers too.
SmallVector<OpOperand *> productReadsAmongOthers(Value v) {
  SmallVector<OpOperand *> products;
  bool others = false;
  for (OpOperand &use : v.getUses()) {
    auto generic = dyn_cast<linalg::GenericOp>(use.getOwner());
    if (generic && isProduct(generic) && generic.isDpsInput(&use))
      products.push_back(&use);
    else if (!isa<tensor::DimOp>(use.getOwner()))
      others = true;
  }
  return others ? products : SmallVector<OpOperand *>();
}

/// An empty tensor shaped like `like`, of element type `element`.
Value emptyLike(OpBuilder &b, Location loc, Value like, Type element) {
  return tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, like),
                                 element);
}

/// The generic that rounds `wide` to `narrow`, element by element.
Value emitRounding(OpBuilder &b, Location loc, Value wide, Type narrow) {
  auto type = cast<RankedTensorType>(wide.getType());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  auto round = linalg::GenericOp::create(
      b, loc, type.clone(narrow), wide, emptyLike(b, loc, wide, narrow),
      ArrayRef<AffineMap>{identity, identity}, parallel,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = arith::TruncFOp::create(nb, nloc, narrow, args[0]);
        linalg::YieldOp::create(nb, nloc, r);
      });
  return round.getResult(0);
}

/// Makes the all-parallel `op` write `narrow` in place of f32: a new empty
/// output, and the body's value rounded before it is yielded.
void narrowElementwise(linalg::GenericOp op, Type narrow) {
  OpBuilder b(op);
  OpOperand &init = op.getDpsInitsMutable()[0];
  init.assign(emptyLike(b, op.getLoc(), init.get(), narrow));
  op.getMatchingBlockArgument(&init).setType(narrow);
  Operation *yield = op.getRegion().front().getTerminator();
  b.setInsertionPoint(yield);
  yield->setOperand(0, arith::TruncFOp::create(b, op.getLoc(), narrow,
                                               yield->getOperand(0)));
  op.getResult(0).setType(withElement(op.getResult(0).getType(), narrow));
}

/// Replaces the all-parallel `op` by one that also yields its value rounded
/// to `narrow`, into a second output that the `productReads` then read.
void addRoundedOutput(linalg::GenericOp op, Type narrow,
                      ArrayRef<OpOperand *> productReads) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value wideInit = op.getDpsInits()[0];
  Value narrowInit = emptyLike(b, loc, wideInit, narrow);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  maps.push_back(maps.back());
  Type wideType = op.getResult(0).getType();
  auto both = linalg::GenericOp::create(
      b, loc, TypeRange{wideType, withElement(wideType, narrow)},
      op.getDpsInputs(), ValueRange{wideInit, narrowInit}, maps,
      op.getIteratorTypesArray());
  both.getRegion().takeBody(op.getRegion());
  Block &body = both.getRegion().front();
  body.addArgument(narrow, loc);
  Operation *yield = body.getTerminator();
  b.setInsertionPoint(yield);
  Value value = yield->getOperand(0);
  yield->setOperands({value, arith::TruncFOp::create(b, loc, narrow, value)});
  for (OpOperand *use : productReads) {
    use->set(both.getResult(1));
    retypeReader(*use, narrow);
  }
  op.getResult(0).replaceAllUsesWith(both.getResult(0));
  op.erase();
}

struct GPUNarrowProductOperandsPass
    : mlir::bertc::impl::GPUNarrowProductOperandsBase<
          GPUNarrowProductOperandsPass> {
  using Base::Base;

  void runOnOperation() override {
    Type narrow;
    if (operandType == "f16")
      narrow = Float16Type::get(&getContext());
    else if (operandType == "bf16")
      narrow = BFloat16Type::get(&getContext());
    else {
      getOperation().emitError("bertc-gpu-narrow-product-operands: "
                               "operand-type must be f16 or bf16, got '")
          << operandType << "'";
      return signalPassFailure();
    }

    SmallVector<linalg::GenericOp> writers;
    SmallVector<std::pair<linalg::GenericOp, SmallVector<OpOperand *>>> mixed;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.getNumResults() != 1 ||
          !getElementTypeOrSelf(op.getResult(0).getType()).isF32())
        return;
      if (onlyProductOperands(op.getResult(0))) {
        writers.push_back(op);
      } else if (isElementwise(op)) {
        SmallVector<OpOperand *> reads =
            productReadsAmongOthers(op.getResult(0));
        if (!reads.empty())
          mixed.push_back({op, reads});
      }
    });
    // A layer norm's output, read by products and by the residual add:
    // the products read a rounded copy that the same op writes. (Rewriting
    // one op leaves the products' operands, listed above, in place.)
    for (auto &[op, reads] : mixed)
      addRoundedOutput(op, narrow, reads);
    for (linalg::GenericOp op : writers) {
      Value result = op.getResult(0);
      // An elementwise writer that does not read its output rounds what it
      // yields; any other (a product, a reduction) keeps its f32 sums and
      // gets a rounding op, which the tiled kernels apply at their store.
      if (isElementwise(op)) {
        narrowElementwise(op, narrow);
        retypeReaders(result, narrow);
        continue;
      }
      SmallVector<OpOperand *> reads;
      for (OpOperand &use : result.getUses())
        reads.push_back(&use);
      OpBuilder b(op->getContext());
      b.setInsertionPointAfter(op);
      Value rounded = emitRounding(b, op.getLoc(), result, narrow);
      for (OpOperand *use : reads)
        if (!isa<tensor::DimOp>(use->getOwner()))
          use->set(rounded);
      retypeReaders(rounded, narrow);
    }
  }
};

} // namespace
