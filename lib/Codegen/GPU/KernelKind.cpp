//===- KernelKind.cpp - what a GPU launch computes, for --profile ---------===//

#include "Codegen/GPU/KernelKind.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

/// Marks the metadata as bertc's, apart from other fused locations'.
static constexpr StringLiteral kPrefix = "bertc.kernel: ";

Location mlir::bertc::withKernelKind(Location loc, StringRef kind) {
  MLIRContext *ctx = loc->getContext();
  return FusedLoc::get(ctx, {loc},
                       StringAttr::get(ctx, (kPrefix + kind).str()));
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
