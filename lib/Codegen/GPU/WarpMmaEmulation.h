//===- WarpMmaEmulation.h - tensor-core products without a GPU --*- C++ -*-===//
//
// bertc-gpu-launches-to-loops runs kernels one thread at a time; an
// nvvm.mma.sync needs the fragments of all 32 lanes of a warp at once.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_GPU_WARPMMAEMULATION_H
#define BERTC_CODEGEN_GPU_WARPMMAEMULATION_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::bertc {

/// Replaces each m16n8k16 f16/bf16 nvvm.mma.sync (f32 accumulators) in
/// `launch` by what it computes, per lane, on the fragment layout PTX
/// defines: every lane writes its A and B fragments to two new workgroup
/// buffers, a barrier, each lane sums its four D elements from its warp's
/// entries, a barrier. The kernel's barriers then split it into phases as
/// usual. Needs a constant block size that is a multiple of 32.
LogicalResult emulateWarpMmas(gpu::LaunchOp launch);

} // namespace mlir::bertc

#endif
