//===- TransposeDotOperands.cpp - B contiguous in n for the CPU kernels ----===//

#include "Codegen/ContractionMatch.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_CPUTRANSPOSEDOTOPERANDS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {
/// The input of `op` to transpose, or -1: B of a contraction whose operands
/// are both contiguous in the reduction loop k.
int dotOperand(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
      !isMulAddBody(op))
    return -1;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return -1;
  SmallVector<unsigned> reductions;
  op.getReductionDims(reductions);
  unsigned k = reductions.front(), n = lastDim(maps[2]);
  int bIndex = hasDim(maps[1], n) ? 1 : 0;
  AffineMap aMap = maps[1 - bIndex], bMap = maps[bIndex];
  if (hasDim(aMap, n) || !hasDim(bMap, n) || lastDim(aMap) != k ||
      lastDim(bMap) != k)
    return -1;
  if (op.getDpsInputs()[bIndex].getDefiningOp<bufferization::ToTensorOp>())
    return -1;
  return bIndex;
}

struct CPUTransposeDotOperandsPass
    : mlir::bertc::impl::CPUTransposeDotOperandsBase<
          CPUTransposeDotOperandsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, int>> matches;
    getOperation().walk([&](linalg::GenericOp op) {
      if (int b = dotOperand(op); b >= 0)
        matches.push_back({op, b});
    });
    for (auto [op, bIndex] : matches) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      MLIRContext *ctx = &getContext();
      SmallVector<AffineMap> maps = op.getIndexingMapsArray();
      AffineMap bMap = maps[bIndex];
      unsigned rank = bMap.getNumResults();
      unsigned n = lastDim(maps[2]), nPos = 0;
      for (unsigned r = 0; r < rank; ++r)
        if (bMap.getDimPosition(r) == n)
          nPos = r;

      // B'[..., k at nPos, ..., n last]: B with two dimensions swapped.
      Value source = op.getDpsInputs()[bIndex];
      auto type = cast<RankedTensorType>(source.getType());
      SmallVector<OpFoldResult> sizes =
          tensor::getMixedSizes(b, loc, source);
      std::swap(sizes[nPos], sizes[rank - 1]);
      Value empty =
          tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
      SmallVector<unsigned> swap = llvm::to_vector(llvm::seq<unsigned>(rank));
      std::swap(swap[nPos], swap[rank - 1]);
      AffineMap swapMap = AffineMap::getPermutationMap(swap, ctx);
      SmallVector<utils::IteratorType> parallel(rank,
                                                utils::IteratorType::parallel);
      Value moved =
          linalg::GenericOp::create(
              b, loc, empty.getType(), source, empty,
              {swapMap, AffineMap::getMultiDimIdentityMap(rank, ctx)},
              parallel,
              [](OpBuilder &nb, Location l, ValueRange args) {
                linalg::YieldOp::create(nb, l, args[0]);
              })
              .getResult(0);

      SmallVector<AffineExpr> results(bMap.getResults());
      std::swap(results[nPos], results[rank - 1]);
      maps[bIndex] = AffineMap::get(bMap.getNumDims(), 0, results, ctx);
      op->setOperand(bIndex, moved);
      op.setIndexingMapsAttr(b.getAffineMapArrayAttr(maps));
    }
  }
};
} // namespace
