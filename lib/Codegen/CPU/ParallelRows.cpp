//===- ParallelRows.cpp - parallel outer loops, sequential inner loop ------===//

#include "Codegen/KernelDescription.h"
#include "Codegen/Passes.h"

#include "mlir/IR/IRMapping.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_CPUPARALLELROWS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {
struct CPUParallelRowsPass
    : mlir::bertc::impl::CPUParallelRowsBase<CPUParallelRowsPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop.getNumLoops() >= 2 && loop.getNumResults() == 0 &&
          !loop->hasAttr(bertc::kKernelTilesAttr))
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops) {
      OpBuilder b(loop);
      Location loc = loop.getLoc();
      auto drop = [](OperandRange r) {
        return SmallVector<Value>(r.drop_back());
      };
      Block *body = loop.getBody();
      scf::ParallelOp::create(
          b, loc, drop(loop.getLowerBound()), drop(loop.getUpperBound()),
          drop(loop.getStep()), [&](OpBuilder &, Location, ValueRange ivs) {
            scf::ForOp::create(
                b, loc, loop.getLowerBound().back(),
                loop.getUpperBound().back(), loop.getStep().back(),
                ValueRange{}, [&](OpBuilder &, Location, Value iv, ValueRange) {
                  IRMapping map;
                  map.map(body->getArguments().drop_back(), ivs);
                  map.map(body->getArguments().back(), iv);
                  for (Operation &op : body->without_terminator())
                    b.clone(op, map);
                  scf::YieldOp::create(b, loc);
                });
          });
      loop.erase();
    }
  }
};
} // namespace
