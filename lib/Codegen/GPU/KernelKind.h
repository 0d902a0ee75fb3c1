//===- KernelKind.h - what a GPU launch computes, for --profile -*- C++ -*-===//
//
// The passes that make launches say what each computes ("matmul
// ?x?x768x768 mma 128x128x32 +epilogue", "reduction ?x?x768 x2
// +epilogue", "elementwise ?x?x768"). Outlining drops a launch's attributes
// but gives the kernel and its gpu.launch_func the launch's location, so the
// kind travels as the metadata of a fused location around the op's own
// (whose name, the Hugging Face module path, stays what diagnostics and
// profiles show). bertc-gpu-profile-kernels reads it back.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_GPU_KERNELKIND_H
#define BERTC_CODEGEN_GPU_KERNELKIND_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Location.h"

#include <string>

namespace mlir::bertc {

/// `loc` marked as the location of a launch that computes `kind`.
Location withKernelKind(Location loc, StringRef kind);

/// A launch of `grid` (x, then y and z, 1 where not given) blocks of
/// `block` threads along x that computes `kind`, created at b's insertion
/// point; `b` is left inside its body, before the terminator.
gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, ValueRange grid,
                           Value block, StringRef kind);

/// The kind withKernelKind put on `loc` (or on a location inside it), or
/// "kernel" when none did.
std::string kernelKind(Location loc);

} // namespace mlir::bertc

#endif
