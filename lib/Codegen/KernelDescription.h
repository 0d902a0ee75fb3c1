//===- KernelDescription.h - how kernels are named to people ----*- C++ -*-===//
//
// The CPU kernels' tile-loop attribute, and the text of it and of
// --profile's tables (CPU and GPU).
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_KERNELDESCRIPTION_H
#define BERTC_CODEGEN_KERNELDESCRIPTION_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::bertc {

/// The string attribute on the tile loop of a contraction kernel
/// ("matmul MxNxK ..."): bertc-cpu-parallel-rows leaves such loops whole,
/// bertc-profile-regions names them by it.
constexpr const char *kKernelTilesAttr = "bertc.kernel_tiles";

/// "2x?x768": loop or dimension sizes, `?` where dynamic.
inline std::string describeSizes(ArrayRef<int64_t> sizes) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      sizes, os,
      [&](int64_t size) {
        if (ShapedType::isDynamic(size))
          os << '?';
        else
          os << size;
      },
      "x");
  return text;
}

/// The first name in `loc`: the Hugging Face module path the importer gave
/// the bert op a kernel comes from (`encoder.layer.0.output.dense`), or
/// "(model)".
inline std::string locationName(Location loc) {
  std::string name = "(model)";
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

} // namespace mlir::bertc

#endif
