//===- KernelKind.cpp - what a GPU launch computes, for --profile ---------===//

#include "Codegen/GPU/KernelKind.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

/// Marks the metadata as bertc's, apart from other fused locations'.
static constexpr StringLiteral kPrefix = "bertc.kernel: ";

Location mlir::bertc::withKernelKind(Location loc, StringRef kind) {
  MLIRContext *ctx = loc->getContext();
  return FusedLoc::get(ctx, {loc},
                       StringAttr::get(ctx, (kPrefix + kind).str()));
}

gpu::LaunchOp mlir::bertc::createLaunch(OpBuilder &b, Location loc,
                                        ValueRange grid, Value block,
                                        StringRef kind) {
  assert(!grid.empty() && grid.size() <= 3 && "a grid has 1 to 3 sizes");
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto at = [&](size_t i) { return i < grid.size() ? grid[i] : one; };
  auto launch = gpu::LaunchOp::create(b, withKernelKind(loc, kind), at(0),
                                      at(1), at(2), block, one, one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  return launch;
}

std::string mlir::bertc::kernelKind(Location loc) {
  std::string kind = "kernel";
  loc->walk([&](Location inner) {
    auto fused = dyn_cast<FusedLoc>(inner);
    auto text = fused ? dyn_cast_or_null<StringAttr>(fused.getMetadata())
                      : StringAttr();
    if (text && text.getValue().starts_with(kPrefix)) {
      kind = text.getValue().drop_front(kPrefix.size()).str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return kind;
}
