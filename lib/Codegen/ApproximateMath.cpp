//===- ApproximateMath.cpp - inline polynomial math functions --------------===//

#include "Codegen/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
struct ApproximateMathPass
    : mlir::bertc::impl::ApproximateMathBase<ApproximateMathPass> {
  using ApproximateMathBase::ApproximateMathBase;

  void runOnOperation() override {
    // Upstream's predicate sees full op names (math.erf); take both forms.
    SmallVector<std::string> names;
    for (const std::string &f : functions)
      names.push_back(StringRef(f).starts_with("math.") ? f : "math." + f);
    if (names.empty())
      names = {"math.erf", "math.exp", "math.tanh"};
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [&](StringRef name) { return llvm::is_contained(names, name); });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
