//===- LaunchesToLoops.cpp - gpu.launch -> host loops (emulation) ----------===//
//
// See bertc-gpu-launches-to-loops in Passes.td. A kernel is a list of
// phases separated by barriers; the emulation runs each phase for all
// threads of a block before the next one starts, which is what a barrier
// guarantees on the GPU (for kernels without data races).
//
//===----------------------------------------------------------------------===//

#include "Codegen/GPU/WarpMmaEmulation.h"
#include "Codegen/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPULAUNCHESTOLOOPS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {

bool containsBarrier(Operation *op) {
  return op
      ->walk([](gpu::BarrierOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

/// A host buffer with `type`'s shape (after `prefix` leading dimensions) in
/// the default memory space.
MemRefType hostType(MemRefType type, ArrayRef<int64_t> prefix = {}) {
  SmallVector<int64_t> shape(prefix);
  llvm::append_range(shape, type.getShape());
  return MemRefType::get(shape, type.getElementType());
}

/// A new per-thread slot of `launch` for a value of `type` (a rank-0
/// private attribution). A type the emulation cannot keep is an error on
/// `user`: "<what> a value of type T, which has no emulation".
FailureOr<Value> addSlot(gpu::LaunchOp launch, Type type, Operation *user,
                         StringRef what) {
  // Vectors: tensor-core fragments loaded before an emulated warp product.
  if (!type.isIntOrIndexOrFloat() && !isa<VectorType>(type))
    return user->emitError("bertc-gpu-launches-to-loops: ")
           << what << " a value of type " << type
           << ", which has no emulation";
  auto slotType = MemRefType::get(
      {}, type, MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(launch.getContext(),
                                 gpu::AddressSpace::Private));
  return Value(launch.addPrivateAttribution(slotType, user->getLoc()));
}

/// Rewrites the values carried by `loop` (which holds barriers) into private
/// attributions of `launch`: each is stored before the loop and after its
/// value for the next iteration is computed, loaded before each use and
/// after the loop. The emulator then gives each thread its own copy, as the
/// GPU keeps it in the thread's registers.
LogicalResult privatizeCarried(gpu::LaunchOp launch, scf::ForOp loop) {
  Location loc = loop.getLoc();
  Block *body = loop.getBody();
  auto yield = cast<scf::YieldOp>(body->getTerminator());
  OpBuilder b(loop);
  SmallVector<Value> slots;
  for (auto [init, arg] : llvm::zip(loop.getInitArgs(),
                                    loop.getRegionIterArgs())) {
    FailureOr<Value> slot = addSlot(launch, arg.getType(), loop,
                                    "a loop around barriers carries");
    if (failed(slot))
      return failure();
    memref::StoreOp::create(b, loc, init, *slot);
    slots.push_back(*slot);
  }
  auto host = scf::ForOp::create(b, loc, loop.getLowerBound(),
                                 loop.getUpperBound(), loop.getStep());
  Block *newBody = host.getBody();
  newBody->getOperations().splice(newBody->begin(), body->getOperations(),
                                  body->begin(), std::prev(body->end()));
  loop.getInductionVar().replaceAllUsesWith(host.getInductionVar());
  for (auto [i, arg] : llvm::enumerate(loop.getRegionIterArgs())) {
    // The value for the next iteration is stored where it is computed, so
    // no use of this iteration's value may come later.
    Value next = yield.getOperand(i);
    Operation *nextAt = nullptr;
    if (Operation *def = next.getDefiningOp())
      nextAt = newBody->findAncestorOpInBlock(*def);
    for (OpOperand &use : llvm::make_early_inc_range(arg.getUses())) {
      Operation *user = newBody->findAncestorOpInBlock(*use.getOwner());
      if (!user)
        continue; // the old yield, erased below
      if (nextAt && nextAt->isBeforeInBlock(user))
        return loop.emitError("bertc-gpu-launches-to-loops: a carried value "
                              "is used after its next value is computed");
      OpBuilder at(user);
      use.set(memref::LoadOp::create(at, loc, slots[i]));
    }
    if (next == arg)
      continue;
    OpBuilder at(newBody, std::prev(newBody->end()));
    if (nextAt)
      at.setInsertionPointAfter(nextAt);
    memref::StoreOp::create(at, loc, next, slots[i]);
  }
  b.setInsertionPointAfter(host);
  for (auto [result, slot] : llvm::zip(loop.getResults(), slots))
    result.replaceAllUsesWith(memref::LoadOp::create(b, loc, slot));
  loop.erase();
  return success();
}

/// Whether the emulation can compute `v` again in any phase: it comes from
/// outside the launch, is an id, a size or an induction variable, or is a
/// pure function of such values.
bool recomputable(Value v, gpu::LaunchOp launch,
                  llvm::DenseMap<Value, bool> &memo) {
  Operation *def = v.getDefiningOp();
  if (!def || !launch->isProperAncestor(def))
    return true;
  if (auto it = memo.find(v); it != memo.end())
    return it->second;
  // As in materialize: memory-effect free ops compute again where the
  // original ran (a division by a grid size is not speculatable).
  bool result = def->getNumRegions() == 0 && isMemoryEffectFree(def) &&
                llvm::all_of(def->getOperands(), [&](Value operand) {
                  return recomputable(operand, launch, memo);
                });
  memo[v] = result;
  return result;
}

/// Gives every value that is used in a later phase than the one that
/// computes it, and cannot be computed again, a private slot: stored where
/// it is computed, loaded where it is used.
LogicalResult privatizeCrossing(gpu::LaunchOp launch) {
  SmallVector<Block *> blocks{&launch.getBody().front()};
  launch.getBody().walk([&](scf::ForOp loop) {
    if (containsBarrier(loop))
      blocks.push_back(loop.getBody());
  });
  llvm::DenseMap<Value, bool> memo;
  for (Block *block : blocks) {
    // Ops between barriers share a phase; an op holding barriers is its
    // own.
    llvm::DenseMap<Operation *, unsigned> phase;
    unsigned current = 0;
    for (Operation &op : *block) {
      if (containsBarrier(&op)) {
        phase[&op] = ++current;
        ++current;
      } else {
        phase[&op] = current;
      }
    }
    for (Operation &op : llvm::make_early_inc_range(*block)) {
      for (Value result : op.getResults()) {
        if (recomputable(result, launch, memo))
          continue;
        SmallVector<OpOperand *> crossing;
        for (OpOperand &use : result.getUses()) {
          Operation *user = block->findAncestorOpInBlock(*use.getOwner());
          if (user && phase.lookup(user) != phase.lookup(&op))
            crossing.push_back(&use);
        }
        if (crossing.empty())
          continue;
        FailureOr<Value> found = addSlot(launch, result.getType(), &op,
                                         "a barrier is crossed by");
        if (failed(found))
          return failure();
        Value slot = *found;
        OpBuilder b(op.getContext());
        b.setInsertionPointAfter(&op);
        memref::StoreOp::create(b, op.getLoc(), result, slot);
        for (OpOperand *use : crossing) {
          Operation *user = use->getOwner();
          b.setInsertionPoint(user);
          auto load = memref::LoadOp::create(b, op.getLoc(), slot);
          use->set(load);
          // A load in this block is in its user's phase (and is visited).
          if (user->getBlock() == block)
            phase[load] = phase.lookup(user);
        }
      }
    }
  }
  return success();
}

class LaunchEmulator {
public:
  LaunchEmulator(gpu::LaunchOp launch)
      : launch(launch), b(launch), loc(launch.getLoc()) {}

  LogicalResult run();

private:
  /// Makes `v` available under `map` at the insertion point: values from
  /// outside the launch are themselves, pure values of an earlier phase
  /// are computed again.
  LogicalResult materialize(Value v, IRMapping &map);
  /// Everything `op` (and its regions) uses from outside itself.
  LogicalResult materializeUses(Operation *op, IRMapping &map);
  /// Emits `block`'s ops as phases at the insertion point, where `uniform`
  /// maps what does not depend on the thread.
  LogicalResult emitPhases(Block &block, IRMapping uniform);
  LogicalResult emitPhase(ArrayRef<Operation *> ops, const IRMapping &uniform);
  /// Loops over `sizes` (z, y, x, outermost first) at the insertion point,
  /// which ends inside them; `ids` map to their induction variables.
  SmallVector<Value> openLoops(gpu::KernelDim3 ids, gpu::KernelDim3 sizes,
                               IRMapping &map);

  gpu::LaunchOp launch;
  OpBuilder b;
  Location loc;
  llvm::SmallDenseSet<Value> privateBuffers; // one slice per thread
};

LogicalResult LaunchEmulator::materialize(Value v, IRMapping &map) {
  if (map.contains(v) || !launch.getBody().isAncestor(v.getParentRegion()))
    return success();
  // Memory-effect free is enough: the value dominates its use, so its
  // operands were valid where it was first computed (a division by a grid
  // size is not speculatable, yet runs in the kernel just the same).
  Operation *def = v.getDefiningOp();
  if (!def || def->getNumRegions() != 0 || !isMemoryEffectFree(def)) {
    InFlightDiagnostic diag = launch.emitError(
        "bertc-gpu-launches-to-loops: a value crosses a barrier or depends "
        "on the thread where the emulation needs it uniform");
    if (isa<BlockArgument>(v))
      diag.attachNote(v.getLoc()) << "it depends on a thread id";
    else
      diag.attachNote(v.getLoc()) << "the value";
    return diag;
  }
  for (Value operand : def->getOperands())
    if (failed(materialize(operand, map)))
      return failure();
  b.clone(*def, map);
  return success();
}

LogicalResult LaunchEmulator::materializeUses(Operation *op, IRMapping &map) {
  SmallVector<Value> used(op->getOperands());
  visitUsedValuesDefinedAbove(op->getRegions(),
                              [&](OpOperand *use) { used.push_back(use->get()); });
  for (Value v : used)
    if (failed(materialize(v, map)))
      return failure();
  return success();
}

SmallVector<Value> LaunchEmulator::openLoops(gpu::KernelDim3 ids,
                                             gpu::KernelDim3 sizes,
                                             IRMapping &map) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> ivs;
  for (auto [id, size] : {std::pair{ids.z, sizes.z}, std::pair{ids.y, sizes.y},
                          std::pair{ids.x, sizes.x}}) {
    auto loop = scf::ForOp::create(b, loc, zero, size, one);
    map.map(id, loop.getInductionVar());
    ivs.push_back(loop.getInductionVar());
    b.setInsertionPointToStart(loop.getBody());
  }
  return ivs;
}

LogicalResult LaunchEmulator::emitPhase(ArrayRef<Operation *> ops,
                                        const IRMapping &uniform) {
  // Pure ops alone do nothing; later phases compute what they use again.
  if (llvm::all_of(ops, [](Operation *op) { return isPure(op); }))
    return success();
  OpBuilder::InsertionGuard guard(b);
  IRMapping map = uniform;
  gpu::KernelDim3 sizes = launch.getBlockSizeOperandValues();
  SmallVector<Value> tivs = openLoops(launch.getThreadIds(), sizes, map);
  Block *threadBody = b.getInsertionBlock();
  Value linear = tivs[0];
  linear = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, linear, sizes.y), tivs[1]);
  linear = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, linear, sizes.x), tivs[2]);
  for (Operation *op : ops) {
    if (failed(materializeUses(op, map)))
      return failure();
    b.clone(*op, map);
  }
  // A thread's private buffer is its slice of the emulation's buffer.
  SmallVector<Operation *> privateAccesses;
  threadBody->walk([&](Operation *op) {
    if (auto load = dyn_cast<memref::LoadOp>(op);
        load && privateBuffers.contains(load.getMemref()))
      privateAccesses.push_back(op);
    if (auto store = dyn_cast<memref::StoreOp>(op);
        store && privateBuffers.contains(store.getMemref()))
      privateAccesses.push_back(op);
  });
  for (Operation *op : privateAccesses) {
    OpBuilder at(op);
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      SmallVector<Value> indices{linear};
      llvm::append_range(indices, load.getIndices());
      load.replaceAllUsesWith(
          memref::LoadOp::create(at, loc, load.getMemref(), indices)
              .getResult());
    } else {
      auto store = cast<memref::StoreOp>(op);
      SmallVector<Value> indices{linear};
      llvm::append_range(indices, store.getIndices());
      memref::StoreOp::create(at, loc, store.getValueToStore(),
                              store.getMemref(), indices);
    }
    op->erase();
  }
  return success();
}

LogicalResult LaunchEmulator::emitPhases(Block &block, IRMapping uniform) {
  SmallVector<Operation *> phase;
  for (Operation &op : block.without_terminator()) {
    if (!containsBarrier(&op)) {
      phase.push_back(&op);
      continue;
    }
    if (failed(emitPhase(phase, uniform)))
      return failure();
    phase.clear();
    if (isa<gpu::BarrierOp>(op))
      continue;
    // A loop around barriers runs on the host, around its phases: its
    // bounds must be the same for every thread.
    auto loop = dyn_cast<scf::ForOp>(op);
    if (!loop || loop.getNumRegionIterArgs() != 0)
      return op.emitError("bertc-gpu-launches-to-loops: a barrier under "
                          "control flow other than an scf.for without "
                          "loop-carried values has no emulation");
    for (Value bound : {loop.getLowerBound(), loop.getUpperBound(),
                        loop.getStep()})
      if (failed(materialize(bound, uniform)))
        return failure();
    auto host = scf::ForOp::create(b, loc, uniform.lookupOrDefault(loop.getLowerBound()),
                                   uniform.lookupOrDefault(loop.getUpperBound()),
                                   uniform.lookupOrDefault(loop.getStep()));
    IRMapping inner = uniform;
    inner.map(loop.getInductionVar(), host.getInductionVar());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(host.getBody());
    if (failed(emitPhases(*loop.getBody(), inner)))
      return failure();
  }
  return emitPhase(phase, uniform);
}

/// Dynamic shared memory seen only through static views at constant byte
/// offsets (the tiled products' slices) becomes one workgroup attribution
/// per view, which the emulation handles like any other.
static LogicalResult viewsToAttributions(gpu::LaunchOp launch) {
  SmallVector<gpu::DynamicSharedMemoryOp> raws;
  launch.getBody().walk(
      [&](gpu::DynamicSharedMemoryOp raw) { raws.push_back(raw); });
  for (gpu::DynamicSharedMemoryOp raw : raws) {
    for (Operation *user : llvm::make_early_inc_range(raw->getUsers())) {
      auto view = dyn_cast<memref::ViewOp>(user);
      if (!view || !view.getSizes().empty() ||
          !getConstantIntValue(view.getByteShift()))
        return raw.emitError("bertc-gpu-launches-to-loops: dynamic shared "
                             "memory used other than by static views at "
                             "constant offsets");
      view.replaceAllUsesWith(
          launch.addWorkgroupAttribution(view.getType(), view.getLoc()));
      view.erase();
    }
    raw.erase();
  }
  launch.getDynamicSharedMemorySizeMutable().clear();
  return success();
}

LogicalResult LaunchEmulator::run() {
  if (launch.getDynamicSharedMemorySize() &&
      failed(viewsToAttributions(launch)))
    return failure();
  if (!launch.getBody().hasOneBlock() || launch.getAsyncToken() ||
      launch.getClusterSizeX() || launch.getDynamicSharedMemorySize())
    return launch.emitError("bertc-gpu-launches-to-loops: only synchronous "
                            "single-block launches without clusters or "
                            "dynamic shared memory");
  if (failed(bertc::emulateShuffles(launch)) ||
      failed(bertc::emulateAsyncCopies(launch)) ||
      failed(bertc::emulateLdMatrices(launch)) ||
      failed(bertc::emulateWarpMmas(launch)))
    return failure();
  SmallVector<scf::ForOp> carrying; // inner loops first
  launch.getBody().walk([&](scf::ForOp loop) {
    if (loop.getNumRegionIterArgs() != 0 && containsBarrier(loop))
      carrying.push_back(loop);
  });
  for (scf::ForOp loop : carrying)
    if (failed(privatizeCarried(launch, loop)))
      return failure();
  if (failed(privatizeCrossing(launch)))
    return failure();

  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  IRMapping uniform;
  uniform.map(launch.getGridSize().x, grid.x);
  uniform.map(launch.getGridSize().y, grid.y);
  uniform.map(launch.getGridSize().z, grid.z);
  uniform.map(launch.getBlockSize().x, block.x);
  uniform.map(launch.getBlockSize().y, block.y);
  uniform.map(launch.getBlockSize().z, block.z);

  // Shared buffers are reused by every block, which writes them before it
  // reads them; private ones have a slice per thread of a block.
  Value threadCount = arith::MulIOp::create(
      b, loc, arith::MulIOp::create(b, loc, block.x, block.y), block.z);
  SmallVector<Value> buffers;
  for (BlockArgument shared : launch.getWorkgroupAttributions()) {
    Value host = memref::AllocOp::create(
        b, loc, hostType(cast<MemRefType>(shared.getType())));
    uniform.map(shared, host);
    buffers.push_back(host);
  }
  for (BlockArgument priv : launch.getPrivateAttributions()) {
    Value host = memref::AllocOp::create(
        b, loc,
        hostType(cast<MemRefType>(priv.getType()), {ShapedType::kDynamic}),
        ValueRange{threadCount});
    uniform.map(priv, host);
    privateBuffers.insert(host);
    buffers.push_back(host);
  }

  OpBuilder::InsertionGuard guard(b);
  openLoops(launch.getBlockIds(), grid, uniform);
  if (failed(emitPhases(launch.getBody().front(), uniform)))
    return failure();
  b.setInsertionPointAfter(launch);
  for (Value buffer : buffers)
    memref::DeallocOp::create(b, loc, buffer);
  launch.erase();
  return success();
}

struct GPULaunchesToLoopsPass
    : mlir::bertc::impl::GPULaunchesToLoopsBase<GPULaunchesToLoopsPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(LaunchEmulator(launch).run()))
        return signalPassFailure();
    WalkResult result = getOperation().walk([&](Operation *op) {
      OpBuilder b(op);
      if (auto alloc = dyn_cast<gpu::AllocOp>(op)) {
        if (alloc.getAsyncToken())
          return WalkResult::interrupt();
        // Aligned as a device allocation is (256 bytes there), for
        // bertc-gpu-check-accesses' address checks.
        auto host = memref::AllocOp::create(
            b, op->getLoc(), alloc.getType(), alloc.getDynamicSizes(),
            alloc.getSymbolOperands(), b.getI64IntegerAttr(64));
        alloc.getMemref().replaceAllUsesWith(host.getResult());
        op->erase();
      } else if (auto dealloc = dyn_cast<gpu::DeallocOp>(op)) {
        if (dealloc.getAsyncToken())
          return WalkResult::interrupt();
        memref::DeallocOp::create(b, op->getLoc(), dealloc.getMemref());
        op->erase();
      } else if (auto copy = dyn_cast<gpu::MemcpyOp>(op)) {
        if (copy.getAsyncToken())
          return WalkResult::interrupt();
        memref::CopyOp::create(b, op->getLoc(), copy.getSrc(), copy.getDst());
        op->erase();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted()) {
      getOperation().emitError("bertc-gpu-launches-to-loops: asynchronous gpu "
                               "ops have no emulation");
      signalPassFailure();
    }
  }
};
} // namespace
