//===- Utils.h - helpers shared by the bert-to-linalg patterns ----*- C++ -*-===//

#ifndef BERTC_CONVERSION_BERTTOLINALG_UTILS_H
#define BERTC_CONVERSION_BERTTOLINALG_UTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::bertc::bert_to_linalg {

/// The sizes of `value` (a ranked tensor), static ones as attributes.
SmallVector<OpFoldResult> mixedSizes(OpBuilder &b, Location loc, Value value);

/// `tensor.empty` of the given sizes, optionally filled with `fill`.
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType);
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elementType, double fill);

/// `n` parallel iterators followed by `r` reductions.
SmallVector<utils::IteratorType> iterators(unsigned n, unsigned r = 0);

/// The map (d0..d{n-1}) -> (d{dims[0]}, d{dims[1]}, ...).
AffineMap dimsMap(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> dims);

/// Identity map of rank `n` and the map that drops the last dimension.
AffineMap identityMap(MLIRContext *ctx, unsigned n);
AffineMap dropLastMap(MLIRContext *ctx, unsigned n);

/// A contraction `init += lhs * rhs` over loops indexed by `maps`
/// (lhs, rhs, init); the last `reductions` loops are reductions.
Value buildMulAddContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                             Value init, ArrayRef<AffineMap> maps,
                             unsigned reductions = 1);

/// A parallel generic over `init` (identity-indexed, every loop parallel)
/// reading `inputs` through `inputMaps`; `body` maps the input scalars to the
/// result scalar.
Value buildElementwise(
    OpBuilder &b, Location loc, ValueRange inputs,
    ArrayRef<AffineMap> inputMaps, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// A reduction over the last axis of `inputs[0]` into `init` (rank one
/// less); further inputs of that smaller rank are read per row. `body` gets
/// the input scalars and the accumulator last.
Value buildRowReduction(
    OpBuilder &b, Location loc, ValueRange inputs, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// max over the last axis of `input`, and sum(exp(input - rowMax)).
Value buildRowMax(OpBuilder &b, Location loc, Value input);
Value buildRowSumExp(OpBuilder &b, Location loc, Value input, Value rowMax);

/// Softmax of `input` over its last axis, three passes (max, sum, divide).
Value buildSoftmaxLastDim(OpBuilder &b, Location loc, Value input);

/// Casts `value` to `type` when they differ (static vs dynamic sizes only).
Value castIfNeeded(OpBuilder &b, Location loc, Value value, Type type);

/// An index constant.
Value indexConst(OpBuilder &b, Location loc, int64_t value);

/// `x * weight^T (+ bias)` as a bert.linear (weight [out, in]), for patterns
/// that build on the layer patterns' matrix products.
Value createLinear(OpBuilder &b, Location loc, Value x, Value weight,
                   Value bias = Value());

/// One step of RoBERTa's position scan over token `id`: pad tokens get
/// `pad`, the others `pad` + their running count. Returns {position, new
/// count}; `count` is the number of non-pad tokens before this one (i64).
std::pair<Value, Value> paddingAwarePosition(OpBuilder &b, Location loc,
                                             Value id, Value count, Value pad);

/// Multi-head attention of `query` [B, Lq, H] over `key`/`value` [B, Lk, H]
/// with an optional additive `bias` [B, Lk]: bert.attention's lowering
/// (Attention.cpp), also run per sequence by bert.packed_attention's.
Value buildMultiHeadAttention(OpBuilder &b, Location loc, Value query,
                              Value key, Value value, Value bias,
                              int64_t heads, double scale);

/// A float constant of `type`.
Value floatConst(OpBuilder &b, Location loc, Type type, double value);

} // namespace mlir::bertc::bert_to_linalg

#endif
