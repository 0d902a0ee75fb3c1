//===- ContractionMatch.cpp - linalg matrix products, matched --------------===//

#include "Codegen/ContractionMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

/// `v` with an arith.extf of it looked through.
static Value unwidened(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    return ext.getIn();
  return v;
}

bool mlir::bertc::isMulAddBody(linalg::GenericOp op, bool allowWidenedInputs) {
  Block &body = op.getRegion().front();
  size_t ops = body.getOperations().size();
  if (ops < 3 || ops > (allowWidenedInputs ? 5 : 3))
    return false;
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value out = body.getArgument(2), product;
  if (add.getLhs() == out)
    product = add.getRhs();
  else if (add.getRhs() == out)
    product = add.getLhs();
  else
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  Value x = body.getArgument(0), y = body.getArgument(1);
  Value lhs = mul.getLhs(), rhs = mul.getRhs();
  if (allowWidenedInputs) {
    lhs = unwidened(lhs);
    rhs = unwidened(rhs);
  }
  // Every op is the add, the mul, the yield or one of these widenings.
  size_t widened = (lhs != mul.getLhs()) + (rhs != mul.getRhs());
  return ops == 3 + widened &&
         ((lhs == x && rhs == y) || (lhs == y && rhs == x));
}

std::optional<mlir::bertc::Contraction>
mlir::bertc::matchContraction(linalg::GenericOp op, bool allowWidenedInputs) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.isLastDimUnitStride())
      return std::nullopt;
  }
  return matchContractionLoops(op, allowWidenedInputs);
}

std::optional<mlir::bertc::Contraction>
mlir::bertc::matchContractionLoops(linalg::GenericOp op,
                                   bool allowWidenedInputs) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !isMulAddBody(op, allowWidenedInputs))
    return std::nullopt;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<ShapedType>(v.getType());
    if (!type || !type.hasRank() || type.getRank() == 0)
      return std::nullopt;
    Type element = type.getElementType();
    bool narrowInput =
        v != op.getDpsInits()[0] && (element.isF16() || element.isBF16());
    if (!element.isF32() && !(allowWidenedInputs && narrowInput))
      return std::nullopt;
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;

  Contraction ct;
  ct.op = op;
  ct.cMap = maps[2];
  unsigned reductions = 0;
  for (auto [dim, type] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (type == utils::IteratorType::reduction) {
      ct.k = dim;
      ++reductions;
    } else if (!hasDim(ct.cMap, dim)) {
      return std::nullopt; // a parallel loop the output does not index
    }
  }
  if (reductions != 1 || ct.cMap.getNumResults() < 2)
    return std::nullopt;
  unsigned rank = ct.cMap.getNumResults();
  ct.n = ct.cMap.getDimPosition(rank - 1);

  // B is the input that indexes n; A is contiguous in k.
  unsigned bIndex = hasDim(maps[1], ct.n) ? 1 : 0;
  ct.aMap = maps[1 - bIndex];
  ct.bMap = maps[bIndex];
  ct.a = op.getDpsInputs()[1 - bIndex];
  ct.b = op.getDpsInputs()[bIndex];
  ct.c = op.getDpsInits()[0];
  if (hasDim(ct.aMap, ct.n) || lastDim(ct.aMap) != ct.k ||
      !hasDim(ct.bMap, ct.k))
    return std::nullopt;
  // m: the innermost other output loop that A indexes and B does not (in
  // attention's P.V, the query position, outside the head loop).
  std::optional<unsigned> m;
  for (unsigned r = rank - 1; r-- > 0 && !m;) {
    unsigned dim = ct.cMap.getDimPosition(r);
    if (hasDim(ct.aMap, dim) && !hasDim(ct.bMap, dim))
      m = dim;
  }
  if (!m)
    return std::nullopt;
  ct.m = *m;
  for (unsigned r = 0; r + 1 < rank; ++r)
    if (ct.cMap.getDimPosition(r) != ct.m)
      ct.batch.push_back(ct.cMap.getDimPosition(r));
  if (lastDim(ct.bMap) == ct.k)
    ct.dotForm = true;
  else if (lastDim(ct.bMap) != ct.n)
    return std::nullopt;
  return ct;
}
