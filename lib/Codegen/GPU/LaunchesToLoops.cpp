//===- LaunchesToLoops.cpp - gpu.launch -> host loops (emulation) ----------===//
//
// See bertc-gpu-launches-to-loops in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "Codegen/Passes.h"

#include "mlir/IR/IRMapping.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPULAUNCHESTOLOOPS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
LogicalResult launchToLoops(gpu::LaunchOp launch) {
  if (!launch.getBody().hasOneBlock() || launch.getAsyncToken() ||
      launch.getClusterSizeX())
    return launch.emitError("bertc-gpu-launches-to-loops: only synchronous "
                            "single-block launches without clusters");
  WalkResult barriers = launch.getBody().walk([](Operation *op) {
    return isa<gpu::BarrierOp>(op) ? WalkResult::interrupt()
                                   : WalkResult::advance();
  });
  if (barriers.wasInterrupted() || !launch.getWorkgroupAttributions().empty())
    return launch.emitError("bertc-gpu-launches-to-loops: barriers and shared "
                            "memory have no sequential emulation");
  OpBuilder b(launch);
  Location loc = launch.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  IRMapping map;
  map.map(launch.getGridSize().x, grid.x);
  map.map(launch.getGridSize().y, grid.y);
  map.map(launch.getGridSize().z, grid.z);
  map.map(launch.getBlockSize().x, block.x);
  map.map(launch.getBlockSize().y, block.y);
  map.map(launch.getBlockSize().z, block.z);
  // Outermost first: block z, y, x, then thread z, y, x.
  std::pair<Value, Value> dims[] = {
      {launch.getBlockIds().z, grid.z},  {launch.getBlockIds().y, grid.y},
      {launch.getBlockIds().x, grid.x},  {launch.getThreadIds().z, block.z},
      {launch.getThreadIds().y, block.y}, {launch.getThreadIds().x, block.x}};
  for (auto [id, size] : dims) {
    auto loop = scf::ForOp::create(b, loc, zero, size, one);
    map.map(id, loop.getInductionVar());
    b.setInsertionPointToStart(loop.getBody());
  }
  for (Operation &op : launch.getBody().front().without_terminator())
    b.clone(op, map);
  launch.erase();
  return success();
}

struct GPULaunchesToLoopsPass
    : mlir::bertc::impl::GPULaunchesToLoopsBase<GPULaunchesToLoopsPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(launchToLoops(launch)))
        return signalPassFailure();
    WalkResult result = getOperation().walk([&](Operation *op) {
      OpBuilder b(op);
      if (auto alloc = dyn_cast<gpu::AllocOp>(op)) {
        if (alloc.getAsyncToken())
          return WalkResult::interrupt();
        auto host = memref::AllocOp::create(b, op->getLoc(), alloc.getType(),
                                            alloc.getDynamicSizes(),
                                            alloc.getSymbolOperands());
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
