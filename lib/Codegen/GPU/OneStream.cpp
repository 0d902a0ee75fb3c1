//===- OneStream.cpp - a host function's GPU work on one stream ------------===//
//
// See bertc-gpu-one-stream in Passes.td. Everything is queued on the token
// the function creates at entry: it dominates every nested region, so no
// token has to cross a branch or a loop (MLIR's gpu-to-llvm takes a token
// that arrives as a block argument for an event, not a stream).
//
//===----------------------------------------------------------------------===//

#include "Codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUONESTREAM
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {

constexpr const char *kStreamSynchronize = "mgpuStreamSynchronize";

/// Whether `memref` may be host memory: anything but (a view of) a
/// gpu.alloc or an argument of the function, which the runtime passes as
/// device buffers. Unknown origins count as host: a needless wait costs
/// time, a missing one a wrong result.
bool mayBeHostMemory(Value memref) {
  while (true) {
    if (auto arg = dyn_cast<BlockArgument>(memref))
      return !isa<FunctionOpInterface>(arg.getOwner()->getParentOp());
    Operation *def = memref.getDefiningOp();
    if (isa<gpu::AllocOp>(def))
      return false;
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      memref = view.getViewSource();
      continue;
    }
    return true;
  }
}

/// The synchronous `op` with an async token result appended (its other
/// results and operands unchanged), in its place.
gpu::AsyncOpInterface withToken(OpBuilder &b, gpu::AsyncOpInterface op) {
  SmallVector<Type> results(op->getResultTypes());
  results.push_back(b.getType<gpu::AsyncTokenType>());
  Operation *old = op.getOperation();
  b.setInsertionPoint(old);
  Operation *async = Operation::create(
      old->getLoc(), old->getName(), results, old->getOperands(),
      old->getDiscardableAttrDictionary(), old->getPropertiesStorage(),
      old->getSuccessors(), old->getNumRegions());
  for (auto [from, to] : llvm::zip(old->getRegions(), async->getRegions()))
    to.takeBody(from);
  b.insert(async);
  old->replaceAllUsesWith(async->getResults().drop_back());
  old->erase();
  return cast<gpu::AsyncOpInterface>(async);
}

struct GPUOneStreamPass
    : mlir::bertc::impl::GPUOneStreamBase<GPUOneStreamPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal() && failed(runOnFunction(func)))
        return signalPassFailure();
  }

  LogicalResult runOnFunction(func::FuncOp func) {
    SmallVector<gpu::AsyncOpInterface> work;
    WalkResult walk = func.walk([&](gpu::AsyncOpInterface op) {
      // (1) Once, on host code without tokens.
      if (isa<gpu::WaitOp>(op) || !op.getAsyncDependencies().empty() ||
          op.getAsyncToken()) {
        op->emitOpError("bertc-gpu-one-stream: expects host code without "
                        "gpu.wait or async GPU ops (run it once, instead of "
                        "gpu-async-region)");
        return WalkResult::interrupt();
      }
      work.push_back(op);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    if (work.empty())
      return success();

    OpBuilder b(func.getContext());
    Location loc = func.getLoc();
    b.setInsertionPointToStart(&func.getBody().front());
    Value stream = gpu::WaitOp::create(b, loc, b.getType<gpu::AsyncTokenType>(),
                                       ValueRange())
                       .getAsyncToken();
    for (gpu::AsyncOpInterface op : work) {
      gpu::AsyncOpInterface async = withToken(b, op);
      async.addAsyncDependency(stream);
      auto copy = dyn_cast<gpu::MemcpyOp>(async.getOperation());
      if (copy && mayBeHostMemory(copy.getDst()) &&
          failed(synchronizeAfter(b, copy, stream)))
        return failure();
    }
    func.walk([&](func::ReturnOp ret) {
      b.setInsertionPoint(ret);
      gpu::WaitOp::create(b, ret.getLoc(), Type(), ValueRange{stream});
    });
    return success();
  }

  /// The host waits for the stream after `op` without ending it (gpu.wait
  /// would destroy it): the call that gpu-to-llvm makes of the token's
  /// stream, through a cast that reconcile-unrealized-casts removes.
  LogicalResult synchronizeAfter(OpBuilder &b, Operation *op, Value stream) {
    auto ptr = LLVM::LLVMPointerType::get(b.getContext());
    FailureOr<LLVM::LLVMFuncOp> callee = LLVM::lookupOrCreateFn(
        b, getOperation(), kStreamSynchronize, {ptr},
        LLVM::LLVMVoidType::get(b.getContext()));
    if (failed(callee))
      return failure();
    b.setInsertionPointAfter(op);
    Value handle =
        UnrealizedConversionCastOp::create(b, op->getLoc(), ptr, stream)
            .getResult(0);
    LLVM::CallOp::create(b, op->getLoc(), *callee, ValueRange{handle});
    return success();
  }
};
} // namespace
