//===- MapToLaunches.cpp - host loop nests -> gpu.launch kernels -----------===//
//
// See bertc-gpu-map-to-launches in Passes.td. The mapping is deliberately
// simple (one thread per iteration of the outermost parallel loop): it is
// correct for every loop nest linalg produces and is the fallback the
// specialized GPU kernels are measured against.
//
//===----------------------------------------------------------------------===//

#include "Codegen/GPU/KernelKind.h"
#include "Codegen/KernelDescription.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUMAPTOLAUNCHES
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {

/// Whether `op` reads or writes buffer contents (as opposed to allocating,
/// viewing or measuring buffers, which the host does on descriptors).
bool touchesMemory(Operation *op) {
  return isa<memref::LoadOp, memref::StoreOp, vector::TransferReadOp,
             vector::TransferWriteOp, vector::LoadOp, vector::StoreOp,
             vector::MaskedLoadOp, vector::MaskedStoreOp,
             memref::AtomicRMWOp>(op) ||
         isa_and_nonnull<linalg::LinalgDialect>(op->getDialect());
}

/// Whether `op` holds a loop nest that becomes a kernel, or a kernel made
/// earlier (bertc-gpu-tile-contractions): then it is host control flow.
bool containsParallelLoop(Operation *op) {
  return op
      ->walk([](Operation *inner) {
        return isa<scf::ParallelOp, gpu::LaunchOp>(inner)
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

bool containsMemoryAccess(Operation *op) {
  return op
      ->walk([](Operation *inner) {
        return touchesMemory(inner) ? WalkResult::interrupt()
                                    : WalkResult::advance();
      })
      .wasInterrupted();
}

/// Whether host control flow `op` becomes a one-thread kernel
/// (mapSequential): it touches buffers and holds no loop nest. Otherwise it
/// stays on the host around its kernels, or around allocations and frees
/// only (buffer deallocation's conditional frees).
bool runsOnOneThread(Operation *op) {
  return !containsParallelLoop(op) && containsMemoryAccess(op);
}

/// Whether `op` runs on the GPU: inside a loop nest that becomes a kernel, a
/// kernel made earlier, or host control flow that runs on one thread.
bool inKernel(Operation *op) {
  for (Operation *p = op->getParentOp(); p && !isa<func::FuncOp>(p);
       p = p->getParentOp())
    if (isa<scf::ParallelOp, gpu::LaunchOp>(p) || runsOnOneThread(p))
      return true;
  return false;
}

/// One thread per iteration of `loop`, innermost loop fastest.
LogicalResult mapParallelLoop(scf::ParallelOp loop, int64_t blockSize) {
  if (loop.getNumResults() != 0)
    return loop.emitError("bertc-gpu-map-to-launches: a parallel loop with "
                          "reductions is not supported");
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> counts;
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    Value extent = arith::SubIOp::create(b, loc, ub, lb);
    Value count = arith::CeilDivUIOp::create(b, loc, extent, step);
    counts.push_back(count);
    total = arith::MulIOp::create(b, loc, total, count);
  }
  Value block = arith::ConstantIndexOp::create(b, loc, blockSize);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  // A launch of zero blocks is an error in CUDA: an empty loop gets one
  // block whose threads all fail the guard.
  Value grid = arith::MaxUIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, total, block), one);

  SmallVector<int64_t> sizes;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb),
                           u = getConstantIntValue(ub),
                           s = getConstantIntValue(step);
    sizes.push_back(l && u && s && *s > 0 ? llvm::divideCeil(*u - *l, *s)
                                          : ShapedType::kDynamic);
  }
  gpu::LaunchOp launch =
      createLaunch(b, loc, grid, block, "elementwise " + describeSizes(sizes));
  Value id = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, block),
      launch.getThreadIds().x);
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id,
                                        total);
  auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&guard.getThenRegion().front());
  SmallVector<Value> ivs(counts.size());
  Value rest = id;
  for (int64_t d = (int64_t)counts.size() - 1; d >= 0; --d) {
    Value index = d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, counts[d]);
    if (d > 0)
      rest = arith::DivUIOp::create(b, loc, rest, counts[d]);
    ivs[d] = arith::AddIOp::create(
        b, loc, loop.getLowerBound()[d],
        arith::MulIOp::create(b, loc, index, loop.getStep()[d]));
  }
  IRMapping map;
  map.map(loop.getInductionVars(), ivs);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, map);
  loop.erase();
  return success();
}

/// Moves `op` (which has no results) into a one-thread launch in its place.
void runOnOneThread(Operation *op) {
  OpBuilder b(op);
  Value one = arith::ConstantIndexOp::create(b, op->getLoc(), 1);
  createLaunch(b, op->getLoc(), one, one, "one thread");
  op->moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
}

/// A loop nest that has no parallel loop runs on one thread.
LogicalResult mapSequential(Operation *op) {
  if (op->getNumResults() != 0)
    return op->emitError("bertc-gpu-map-to-launches: the host needs the "
                         "results of this loop over device buffers, which "
                         "is not supported");
  runOnOneThread(op);
  return success();
}

/// The host reads one element of a device buffer: a one-thread kernel copies
/// it to a device scratch element, which is copied to the host stack.
void stageLoad(memref::LoadOp load) {
  OpBuilder b(load);
  Location loc = load.getLoc();
  auto scalarType = MemRefType::get({1}, load.getType());
  Value scratch = gpu::AllocOp::create(b, loc, scalarType, Type(),
                                       ValueRange{}, ValueRange{}, ValueRange{})
                      .getMemref();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  {
    OpBuilder::InsertionGuard guard(b);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    createLaunch(b, loc, one, one, "one thread, read by the host");
    Value value = memref::LoadOp::create(b, loc, load.getMemref(),
                                         load.getIndices());
    memref::StoreOp::create(b, loc, value, scratch, zero);
  }
  // At function entry: a loop that reads a flag per iteration must not grow
  // the stack.
  Value host;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(
        &load->getParentOfType<func::FuncOp>().getBody().front());
    host = memref::AllocaOp::create(b, loc, scalarType);
  }
  gpu::MemcpyOp::create(b, loc, TypeRange{}, ValueRange{}, host, scratch);
  gpu::DeallocOp::create(b, loc, TypeRange{}, ValueRange{}, scratch);
  Value value = memref::LoadOp::create(b, loc, host, zero);
  load.replaceAllUsesWith(value);
  load.erase();
}

/// The buffer a value views (through subviews, reshapes, casts).
Value viewedBuffer(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    value = view.getViewSource();
  }
  return value;
}

/// Whether `func` is buffer deallocation's run-time alias check
/// (bufferization-lower-deallocations' helper): a private function over 1-D
/// buffers of pointers (index) and ownership flags (i1) that returns
/// nothing. It is host bookkeeping: it stays on the host, and so do the
/// buffers handed to it.
bool isHostHelper(func::FuncOp func) {
  if (!func.isPrivate() || func.isExternal() || func.getNumResults() != 0)
    return false;
  return llvm::all_of(func.getArgumentTypes(), [](Type t) {
    auto memref = dyn_cast<MemRefType>(t);
    return memref && memref.getRank() == 1 &&
           (memref.getElementType().isIndex() ||
            memref.getElementType().isInteger(1));
  });
}

/// Whether `op` calls a host helper (isHostHelper).
bool callsHostHelper(Operation *op) {
  auto call = dyn_cast<func::CallOp>(op);
  if (!call)
    return false;
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      call, call.getCalleeAttr());
  return callee && isHostHelper(callee);
}

/// Buffers that only the host touches: allocated on the host, read and
/// written by host code alone, never handed on except to a host helper
/// (bookkeeping such as the ownership flags of buffer deallocation). They
/// stay in host memory.
llvm::DenseSet<Operation *> hostOnlyAllocations(func::FuncOp func) {
  llvm::DenseSet<Operation *> result;
  func.walk([&](Operation *op) {
    if (!isa<memref::AllocOp, memref::AllocaOp>(op) || inKernel(op))
      return;
    SmallVector<Value> worklist{op->getResult(0)};
    while (!worklist.empty()) {
      Value value = worklist.pop_back_val();
      for (Operation *user : value.getUsers()) {
        if (inKernel(user))
          return;
        if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
          if (view.getViewSource() == value) {
            worklist.push_back(user->getResult(0));
            continue;
          }
        }
        if (!isa<memref::LoadOp, memref::StoreOp, memref::DeallocOp,
                 memref::DimOp, memref::ExtractAlignedPointerAsIndexOp>(
                user) &&
            !callsHostHelper(user))
          return;
        if (auto store = dyn_cast<memref::StoreOp>(user);
            store && store.getValueToStore() == value)
          return;
      }
    }
    result.insert(op);
  });
  return result;
}

struct GPUMapToLaunchesPass
    : mlir::bertc::impl::GPUMapToLaunchesBase<GPUMapToLaunchesPass> {
  using Base::Base;

  llvm::DenseSet<Operation *> hostOnly;

  bool onHost(Value buffer) {
    Operation *def = viewedBuffer(buffer).getDefiningOp();
    return def && hostOnly.contains(def);
  }

  LogicalResult mapBlock(Block &block) {
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        if (failed(mapParallelLoop(loop, blockSize)))
          return failure();
        continue;
      }
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        if (hostOnly.contains(alloc))
          continue;
        OpBuilder b(alloc);
        auto device = gpu::AllocOp::create(
            b, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
            ValueRange{}, alloc.getDynamicSizes(), alloc.getSymbolOperands());
        alloc.replaceAllUsesWith(device.getMemref());
        alloc.erase();
        continue;
      }
      if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        if (onHost(dealloc.getMemref()))
          continue;
        OpBuilder b(dealloc);
        gpu::DeallocOp::create(b, dealloc.getLoc(), TypeRange{}, ValueRange{},
                               dealloc.getMemref());
        dealloc.erase();
        continue;
      }
      if (auto load = dyn_cast<memref::LoadOp>(op)) {
        if (!onHost(load.getMemref()))
          stageLoad(load);
        continue;
      }
      if (auto store = dyn_cast<memref::StoreOp>(op)) {
        // A one-thread kernel stores the value, its argument.
        if (!onHost(store.getMemref()))
          runOnOneThread(store);
        continue;
      }
      if (isa<gpu::LaunchOp>(op))
        continue;
      if (callsHostHelper(&op)) {
        for (Value operand : op.getOperands())
          if (isa<MemRefType>(operand.getType()) && !onHost(operand))
            return op.emitError("bertc-gpu-map-to-launches: a host helper "
                                "would read a device buffer");
        continue;
      }
      if (op.getNumRegions() == 0) {
        if (touchesMemory(&op))
          return op.emitError("bertc-gpu-map-to-launches: '")
                 << op.getName() << "' would access device memory on the host";
        continue;
      }
      if (runsOnOneThread(&op)) {
        if (failed(mapSequential(&op)))
          return failure();
        continue;
      }
      // Host control flow: its buffers are device buffers all the same.
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          if (failed(mapBlock(inner)))
            return failure();
    }
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (blockSize < 1 || blockSize > 1024) {
      func.emitError() << "bertc-gpu-map-to-launches: block-size "
                       << blockSize.getValue() << " is outside [1, 1024]";
      return signalPassFailure();
    }
    if (isHostHelper(func))
      return;
    hostOnly = hostOnlyAllocations(func);
    for (Block &block : func.getBody())
      if (failed(mapBlock(block)))
        return signalPassFailure();
  }
};
} // namespace
