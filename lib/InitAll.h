//===- InitAll.h - exactly what bertc registers -------------------*- C++ -*-===//
//
// bertc and bertc-opt register the dialects, interfaces and passes that the
// bert pipelines use, not all of upstream MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_INITALL_H
#define BERTC_INITALL_H

namespace mlir {
class DialectRegistry;
namespace bertc {

/// The bert dialect, the upstream dialects the pipelines lower through, the
/// external interface models bufferization needs, and LLVM IR translation.
void registerAllDialects(DialectRegistry &registry);

/// bertc's passes and pipelines plus the upstream passes they are built from
/// (so that every step can be run alone in bertc-opt).
void registerAllPasses();

} // namespace bertc
} // namespace mlir

#endif
