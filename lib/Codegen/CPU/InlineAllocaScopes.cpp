//===- InlineAllocaScopes.cpp - drop alloca_scope regions without allocas --===//

#include "Codegen/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_INLINEALLOCASCOPES
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
struct InlineAllocaScopesPass
    : mlir::bertc::impl::InlineAllocaScopesBase<InlineAllocaScopesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation().walk([&](memref::AllocaScopeOp scope) {
      bool allocates = scope.getBodyRegion()
                           .walk([](memref::AllocaOp) {
                             return WalkResult::interrupt();
                           })
                           .wasInterrupted();
      if (!allocates)
        scopes.push_back(scope);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocaScopeOp scope : scopes) {
      Block *body = &scope.getBodyRegion().front();
      Operation *ret = body->getTerminator();
      SmallVector<Value> results(ret->getOperands());
      rewriter.eraseOp(ret);
      rewriter.inlineBlockBefore(body, scope);
      rewriter.replaceOp(scope, results);
    }
  }
};
} // namespace
