//===- BertToSCF.cpp - the convert-bert-to-scf pass ------------------------===//
//
// Thin pass: structure ops (shared-layer loops, early exit) become scf
// control flow; their bodies stay bert ops for convert-bert-to-linalg.
//
//===----------------------------------------------------------------------===//

#include "Bert/BertOps.h"
#include "Conversion/Passes.h"

#include "Conversion/BertToSCF/PopulatePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_CONVERTBERTTOSCF
#include "Conversion/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {

struct ConvertBertToSCFPass
    : mlir::bertc::impl::ConvertBertToSCFBase<ConvertBertToSCFPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    bert_to_scf::populateSharedLayersPatterns(patterns, unroll);
    bert_to_scf::populateEarlyExitPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
