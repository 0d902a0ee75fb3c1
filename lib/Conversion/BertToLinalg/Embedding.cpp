//===- Embedding.cpp - embeddings, positions and token selection -----------===//

#include "Bert/BertOps.h"
#include "Conversion/BertToLinalg/PopulatePatterns.h"
#include "Conversion/BertToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::bert_to_linalg;

namespace {

/// result[b, s, h] = table[ids[b, s], h]: a generic over the result whose
/// body reads the table at the data-dependent row.
struct EmbeddingLowering : OpRewritePattern<bert::EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::EmbeddingOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto outType = op.getType();
    unsigned rank = outType.getRank();
    SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, op.getIds());
    sizes.push_back(rw.getIndexAttr(op.getTable().getType().getDimSize(1)));
    Value init = emptyTensor(rw, loc, sizes, outType.getElementType());
    Value table = op.getTable();
    SmallVector<unsigned> idDims;
    for (unsigned d = 0; d + 1 < rank; ++d)
      idDims.push_back(d);
    MLIRContext *ctx = rw.getContext();
    auto gather = linalg::GenericOp::create(
        rw, loc, init.getType(), op.getIds(), init,
        {dimsMap(ctx, rank, idDims), identityMap(ctx, rank)}, iterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value row = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value col = linalg::IndexOp::create(b, l, rank - 1);
          Value v = tensor::ExtractOp::create(b, l, table, ValueRange{row, col});
          linalg::YieldOp::create(b, l, v);
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, gather.getResult(0), outType));
    return success();
  }
};

/// Plain positions are an iota along the sequence. Padding-aware (RoBERTa)
/// positions need a running count per row: an scf.for scan over the
/// sequence, so the cost stays linear in its length.
struct PositionIdsLowering : OpRewritePattern<bert::PositionIdsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::PositionIdsOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value ids = op.getInputIds();
    auto type = op.getType();
    Type i64 = rw.getI64Type();
    SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, ids);
    Value init = emptyTensor(rw, loc, sizes, i64);
    MLIRContext *ctx = rw.getContext();

    if (!op.getPaddingIdx()) {
      auto iota = linalg::GenericOp::create(
          rw, loc, init.getType(), ValueRange{}, init, {identityMap(ctx, 2)},
          iterators(2), [](OpBuilder &b, Location l, ValueRange) {
            Value t = linalg::IndexOp::create(b, l, 1);
            Value v = arith::IndexCastOp::create(b, l, b.getI64Type(), t);
            linalg::YieldOp::create(b, l, v);
          });
      rw.replaceOp(op, castIfNeeded(rw, loc, iota.getResult(0), type));
      return success();
    }

    int64_t pad = op.getPaddingIdxAttr().getInt();
    Value c0 = arith::ConstantIndexOp::create(rw, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rw, loc, 1);
    Value batch = tensor::DimOp::create(rw, loc, ids, 0);
    Value len = tensor::DimOp::create(rw, loc, ids, 1);
    Value padV = arith::ConstantIntOp::create(rw, loc, i64, pad);
    Value zero = arith::ConstantIntOp::create(rw, loc, i64, 0);
    auto outer = scf::ForOp::create(
        rw, loc, c0, batch, c1, ValueRange{init},
        [&](OpBuilder &b, Location l, Value bi, ValueRange outerArgs) {
          auto inner = scf::ForOp::create(
              b, l, c0, len, c1, ValueRange{outerArgs[0], zero},
              [&](OpBuilder &ib, Location il, Value t, ValueRange args) {
                Value id = tensor::ExtractOp::create(ib, il, ids,
                                                     ValueRange{bi, t});
                auto [pos, count] =
                    paddingAwarePosition(ib, il, id, args[1], padV);
                Value acc = tensor::InsertOp::create(ib, il, pos, args[0],
                                                     ValueRange{bi, t});
                scf::YieldOp::create(ib, il, ValueRange{acc, count});
              });
          scf::YieldOp::create(b, l, inner.getResult(0));
        });
    rw.replaceOp(op, castIfNeeded(rw, loc, outer.getResult(0), type));
    return success();
  }
};

/// A rank-reducing slice at one sequence position.
struct SelectTokenLowering : OpRewritePattern<bert::SelectTokenOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::SelectTokenOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value in = op.getInput();
    auto inType = op.getInput().getType();
    SmallVector<OpFoldResult> sizes = mixedSizes(rw, loc, in);
    OpFoldResult pos;
    int64_t index = op.getIndexAttr().getInt(); // signed, unlike getIndex()
    if (index >= 0) {
      pos = rw.getIndexAttr(index);
    } else {
      Value len = tensor::DimOp::create(rw, loc, in, 1);
      Value neg = arith::ConstantIndexOp::create(rw, loc, index);
      pos = arith::AddIOp::create(rw, loc, len, neg).getResult();
    }
    SmallVector<OpFoldResult> offsets{rw.getIndexAttr(0), pos,
                                      rw.getIndexAttr(0)};
    SmallVector<OpFoldResult> sliceSizes{sizes[0], rw.getIndexAttr(1),
                                         sizes[2]};
    SmallVector<OpFoldResult> strides(3, rw.getIndexAttr(1));
    auto sliceType = RankedTensorType::get(
        {inType.getDimSize(0), inType.getDimSize(2)}, inType.getElementType());
    Value slice = tensor::ExtractSliceOp::create(rw, loc, sliceType, in,
                                                 offsets, sliceSizes, strides);
    rw.replaceOp(op, castIfNeeded(rw, loc, slice, op.getType()));
    return success();
  }
};

} // namespace

void mlir::bertc::bert_to_linalg::populateEmbeddingPatterns(
    RewritePatternSet &patterns) {
  patterns.add<EmbeddingLowering, PositionIdsLowering, SelectTokenLowering>(
      patterns.getContext());
}
