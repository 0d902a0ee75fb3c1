//===- KernelDescription.h - how kernels are named to people ----*- C++ -*-===//
//
// The kernels' tile-loop attribute, and the text of it and of --profile's
// table.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_CPU_KERNELDESCRIPTION_H
#define BERTC_CODEGEN_CPU_KERNELDESCRIPTION_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
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

} // namespace mlir::bertc

#endif
