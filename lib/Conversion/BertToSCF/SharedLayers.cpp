//===- SharedLayers.cpp - bert.shared_layers -> scf.for --------------------===//
//
// The loop is the point of the op: ONNX/TorchScript paths unroll ALBERT and
// copy its weights per layer; here one body and one set of weight views
// serve all iterations.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "Conversion/BertToSCF/PopulatePatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::bertc;

namespace {

struct SharedLayersToFor : OpRewritePattern<bert::SharedLayersOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::SharedLayersOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value lb = arith::ConstantIndexOp::create(rw, loc, 0);
    Value ub = arith::ConstantIndexOp::create(rw, loc, op.getCountAttr().getInt());
    Value step = arith::ConstantIndexOp::create(rw, loc, 1);
    auto loop = scf::ForOp::create(rw, loc, lb, ub, step, op.getInit());
    Block *body = loop.getBody();
    // The builder leaves a loop with iter_args without a terminator.
    if (!body->empty())
      rw.eraseOp(body->getTerminator());
    rw.mergeBlocks(&op.getBody().front(), body, loop.getRegionIterArgs());
    auto yield = cast<bert::YieldOp>(body->getTerminator());
    rw.setInsertionPoint(yield);
    rw.replaceOpWithNewOp<scf::YieldOp>(yield, yield.getResults());
    rw.replaceOp(op, loop.getResults());
    return success();
  }
};

/// The explicit alternative: `count` copies of the body, no loop.
struct SharedLayersUnroll : OpRewritePattern<bert::SharedLayersOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bert::SharedLayersOp op,
                                PatternRewriter &rw) const override {
    Block &body = op.getBody().front();
    Value current = op.getInit();
    for (int64_t i = 0, e = op.getCountAttr().getInt(); i < e; ++i) {
      IRMapping map;
      map.map(body.getArgument(0), current);
      for (Operation &inner : body.without_terminator())
        rw.clone(inner, map);
      current = map.lookup(cast<bert::YieldOp>(body.getTerminator())
                               .getResults()[0]);
    }
    rw.replaceOp(op, current);
    return success();
  }
};

} // namespace

void mlir::bertc::bert_to_scf::populateSharedLayersPatterns(
    RewritePatternSet &patterns, bool unroll) {
  if (unroll)
    patterns.add<SharedLayersUnroll>(patterns.getContext());
  else
    patterns.add<SharedLayersToFor>(patterns.getContext());
}
