//===- BertToLinalg.cpp - the convert-bert-to-linalg pass ------------------===//
//
// Thin pass: the patterns live in one file per op family (PopulatePatterns.h).
//
//===----------------------------------------------------------------------===//

#include "Bert/BertDialect.h"
#include "Bert/BertOps.h"
#include "Conversion/BertToLinalg/PopulatePatterns.h"
#include "Conversion/Passes.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_CONVERTBERTTOLINALG
#include "Conversion/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {
struct ConvertBertToLinalgPass
    : mlir::bertc::impl::ConvertBertToLinalgBase<ConvertBertToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    bert_to_linalg::populateEmbeddingPatterns(patterns);
    bert_to_linalg::populateLayerPatterns(patterns);
    bert_to_linalg::populateAttentionPatterns(patterns);
    bert_to_linalg::populateMemoryAttentionPatterns(patterns);
    bert_to_linalg::populateAdaptivePatterns(patterns);
    bert_to_linalg::populatePackedPatterns(patterns);

    ConversionTarget target(*ctx);
    target.addIllegalDialect<bert::BertDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           scf::SCFDialect, arith::ArithDialect,
                           math::MathDialect, memref::MemRefDialect,
                           bufferization::BufferizationDialect,
                           func::FuncDialect>();
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
