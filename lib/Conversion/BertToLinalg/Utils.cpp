//===- Utils.cpp - helpers shared by the bert-to-linalg patterns -----------===//

#include "Conversion/BertToLinalg/Utils.h"

#include "Bert/BertOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace mlir::bertc::bert_to_linalg {

SmallVector<OpFoldResult> mixedSizes(OpBuilder &b, Location loc, Value value) {
  return tensor::getMixedSizes(b, loc, value);
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value floatConst(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elementType, double fill) {
  Value empty = emptyTensor(b, loc, sizes, elementType);
  Value cst = floatConst(b, loc, elementType, fill);
  return linalg::FillOp::create(b, loc, cst, empty).getResult(0);
}

SmallVector<utils::IteratorType> iterators(unsigned n, unsigned r) {
  SmallVector<utils::IteratorType> its(n, utils::IteratorType::parallel);
  its.append(r, utils::IteratorType::reduction);
  return its;
}

AffineMap dimsMap(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(n, 0, exprs, ctx);
}

AffineMap identityMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::getMultiDimIdentityMap(n, ctx);
}

AffineMap dropLastMap(MLIRContext *ctx, unsigned n) {
  return identityMap(ctx, n).getMajorSubMap(n - 1);
}

Value buildRowReduction(
    OpBuilder &b, Location loc, ValueRange inputs, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = cast<RankedTensorType>(inputs[0].getType()).getRank();
  AffineMap id = identityMap(b.getContext(), rank);
  AffineMap row = dropLastMap(b.getContext(), rank);
  SmallVector<AffineMap> maps{id};
  maps.append(inputs.size(), row); // the rest of the inputs, then init
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, init, maps,
             iterators(rank - 1, 1),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args));
             })
      .getResult(0);
}

Value buildRowMax(OpBuilder &b, Location loc, Value input) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> sizes = mixedSizes(b, loc, input);
  sizes.pop_back();
  Value init = filledTensor(b, loc, sizes, type.getElementType(),
                            -std::numeric_limits<double>::infinity());
  return buildRowReduction(
      b, loc, input, init, [](OpBuilder &nb, Location l, ValueRange a) {
        return arith::MaximumFOp::create(nb, l, a[0], a[1]).getResult();
      });
}

Value buildRowSumExp(OpBuilder &b, Location loc, Value input, Value rowMax) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> sizes = mixedSizes(b, loc, input);
  sizes.pop_back();
  Value init = filledTensor(b, loc, sizes, type.getElementType(), 0.0);
  return buildRowReduction(
      b, loc, ValueRange{input, rowMax}, init,
      [](OpBuilder &nb, Location l, ValueRange a) {
        Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
        Value e = math::ExpOp::create(nb, l, d);
        // Reassociable, so that LLVM vectorizes the sum.
        return arith::AddFOp::create(nb, l, a[2], e,
                                     arith::FastMathFlags::reassoc)
            .getResult();
      });
}

Value buildSoftmaxLastDim(OpBuilder &b, Location loc, Value input) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elt = type.getElementType();
  unsigned rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = mixedSizes(b, loc, input);
  AffineMap id = identityMap(ctx, rank), row = dropLastMap(ctx, rank);

  // Max-subtraction keeps exp() in range, as PyTorch does.
  Value rowMax = buildRowMax(b, loc, input);
  Value rowSum = buildRowSumExp(b, loc, input, rowMax);

  Value out = emptyTensor(b, loc, sizes, elt);
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{input, rowMax, rowSum}, out,
             {id, row, row, id}, iterators(rank),
             [](OpBuilder &nb, Location l, ValueRange args) {
               Value d = arith::SubFOp::create(nb, l, args[0], args[1]);
               Value e = math::ExpOp::create(nb, l, d);
               Value p = arith::DivFOp::create(nb, l, e, args[2]);
               linalg::YieldOp::create(nb, l, p);
             })
      .getResult(0);
}

Value buildMulAddContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                             Value init, ArrayRef<AffineMap> maps,
                             unsigned reductions) {
  unsigned loops = maps.front().getNumDims();
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{lhs, rhs}, init, maps,
             iterators(loops - reductions, reductions),
             [](OpBuilder &nb, Location l, ValueRange args) {
               // Reassociation lets LLVM vectorize the reduction; the
               // summation order changes by rounding only (~1e-6 here).
               auto fm = arith::FastMathFlags::reassoc |
                         arith::FastMathFlags::contract;
               Value m = arith::MulFOp::create(nb, l, args[0], args[1], fm);
               Value s = arith::AddFOp::create(nb, l, args[2], m, fm);
               linalg::YieldOp::create(nb, l, s);
             })
      .getResult(0);
}

Value buildElementwise(
    OpBuilder &b, Location loc, ValueRange inputs,
    ArrayRef<AffineMap> inputMaps, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = cast<RankedTensorType>(init.getType()).getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(identityMap(b.getContext(), rank));
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, init, maps, iterators(rank),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args.drop_back()));
             })
      .getResult(0);
}

Value indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value createLinear(OpBuilder &b, Location loc, Value x, Value weight,
                   Value bias) {
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(xType.getShape());
  shape.back() = cast<RankedTensorType>(weight.getType()).getDimSize(0);
  return bert::LinearOp::create(
      b, loc, RankedTensorType::get(shape, xType.getElementType()), x, weight,
      bias);
}

Value castIfNeeded(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

} // namespace mlir::bertc::bert_to_linalg

std::pair<Value, Value> mlir::bertc::bert_to_linalg::paddingAwarePosition(
    OpBuilder &b, Location loc, Value id, Value count, Value pad) {
  Value one = arith::ConstantIntOp::create(b, loc, count.getType(), 1);
  Value isTok =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, id, pad);
  Value inc = arith::AddIOp::create(b, loc, count, one);
  Value next = arith::SelectOp::create(b, loc, isTok, inc, count);
  Value tokPos = arith::AddIOp::create(b, loc, next, pad);
  Value pos = arith::SelectOp::create(b, loc, isTok, tokPos, pad);
  return {pos, next};
}
