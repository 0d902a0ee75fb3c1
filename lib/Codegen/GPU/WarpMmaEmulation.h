//===- WarpMmaEmulation.h - tensor-core products without a GPU --*- C++ -*-===//
//
// bertc-gpu-launches-to-loops runs kernels one thread at a time; an
// nvvm.mma.sync needs the fragments of all 32 lanes of a warp at once, an
// ldmatrix the row addresses of all of them, a shuffle another lane's value;
// cp.async copies complete later.
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

/// Replaces each nvgpu.ldmatrix (untransposed 8 x 8 matrices of 16-bit
/// elements) in `launch` by what each lane receives, as PTX defines it:
/// every lane writes its row address (its two indices) to a new workgroup
/// buffer, a barrier, lane l loads row l / 4 of matrix i from the address
/// of lane 8 i + l / 4 of its warp, columns 2 (l % 4) + {0, 1}, a barrier.
/// Same block size requirement.
LogicalResult emulateLdMatrices(gpu::LaunchOp launch);

/// Replaces each nvgpu.device_async_copy (cp.async) in `launch` by the
/// copy done at once, elements past its source count zero-filled, and
/// erases the groups and waits: every copy has landed when it is issued,
/// which the waits then only allow. (So emulation cannot find a missing
/// wait; racecheck on a GPU can.)
LogicalResult emulateAsyncCopies(gpu::LaunchOp launch);

/// Replaces each gpu.shuffle in `launch` (reached by every thread of the
/// block, as a barrier must be) by what each lane receives: every thread
/// writes its value to a new workgroup buffer, a barrier, a lane reads its
/// source lane's entry within its group of `width` (its own where the
/// source is out of range, and `valid` false, as PTX's shfl.sync), a
/// barrier. Needs constant block and width sizes, the width dividing the
/// block.
LogicalResult emulateShuffles(gpu::LaunchOp launch);

} // namespace mlir::bertc

#endif
