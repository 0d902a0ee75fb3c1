//===- FuseElementwise.cpp - elementwise fusion without recomputation ------===//

#include "Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
/// A generic whose body yields one of its inputs unchanged: a copy, a
/// transpose or a broadcast. Fusing it only rewrites an indexing map.
bool isPureDataMovement(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 1)
    return false;
  Block &body = generic.getRegion().front();
  return body.getOperations().size() == 1 &&
         body.getTerminator()->getOperand(0) == body.getArgument(0);
}

/// A generic that only widens a bound weight (stored f16/bf16) to f32.
/// Fused into a matrix product it repeats one conversion per read, which
/// costs less than writing the f32 copy and reading it back.
bool isWidenedWeight(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 1 ||
      !generic.getDpsInputs()[0].getDefiningOp<bufferization::ToTensorOp>())
    return false;
  Block &body = generic.getRegion().front();
  auto ext = body.getTerminator()->getOperand(0).getDefiningOp<arith::ExtFOp>();
  return body.getOperations().size() == 2 && ext &&
         ext.getIn() == body.getArgument(0);
}

/// True when fusing `operand`'s producer into its consumer computes each
/// produced element once (see the pass description).
bool fusesWithoutRecomputation(OpOperand *operand) {
  Operation *producer = operand->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
  if (!producer || !consumer || !producer->hasOneUse())
    return false;
  return isPureDataMovement(producer) || isWidenedWeight(producer) ||
         consumer.getMatchingIndexingMap(operand).isPermutation();
}

/// A collapse_shape of packed weights (a data movement of a bound
/// parameter): folded into its consumer by expanding the consumer's loops.
bool isUnpackedWeight(OpOperand *operand) {
  auto collapse = operand->get().getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || !collapse->hasOneUse())
    return false;
  Operation *moved = collapse.getSrc().getDefiningOp();
  return moved && isPureDataMovement(moved) &&
         moved->getOperand(0).getDefiningOp<bufferization::ToTensorOp>();
}

struct FuseElementwisePass
    : mlir::bertc::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns,
                                                 fusesWithoutRecomputation);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      isUnpackedWeight);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    unshareFills();
  }

  /// CSE leaves one fill feeding several reductions (a layer norm's sum
  /// and variance, every layer norm of a layer); bufferization then fills
  /// one buffer and copies it for each. A fill per use is written in place.
  void unshareFills() {
    SmallVector<linalg::FillOp> shared;
    getOperation().walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->hasOneUse() &&
          !fill->use_empty())
        shared.push_back(fill);
    });
    for (linalg::FillOp fill : shared) {
      SmallVector<OpOperand *> uses = llvm::map_to_vector(
          fill->getResult(0).getUses(), [](OpOperand &use) { return &use; });
      for (OpOperand *use : uses) {
        OpBuilder b(use->getOwner());
        use->set(b.clone(*fill)->getResult(0));
      }
      fill->erase();
    }
  }
};
} // namespace
