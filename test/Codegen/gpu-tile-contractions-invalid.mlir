// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="thread-m=3" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tile-m=128 tile-n=128 thread-m=2 thread-n=2" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tile-k=0" 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="operand-type=f64" 2>&1 | FileCheck %s --check-prefix=TYPE
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tensor-cores=1" 2>&1 | FileCheck %s --check-prefix=MMA-F32
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tensor-cores=1 operand-type=f16 tile-k=8" 2>&1 | FileCheck %s --check-prefix=MMA-K
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="small-tile-m=30 small-tile-n=32 small-tile-k=16" 2>&1 | FileCheck %s --check-prefix=SMALL-DIVIDE
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tensor-cores=1 operand-type=f16 small-tile-m=16 small-tile-n=32 small-tile-k=16" 2>&1 | FileCheck %s --check-prefix=SMALL-MMA
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tensor-cores=1 operand-type=f16 warp-m=24" 2>&1 | FileCheck %s --check-prefix=WARP-16
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tensor-cores=1 operand-type=f16 warp-n=48" 2>&1 | FileCheck %s --check-prefix=WARP-DIVIDE
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="shared-bytes=8000" 2>&1 | FileCheck %s --check-prefix=SHARED
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tensor-cores=1 operand-type=f16 async-copies=1 stages=3 shared-bytes=18000" 2>&1 | FileCheck %s --check-prefix=SHARED-ASYNC
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="split-k=4 split-k-min=0" 2>&1 | FileCheck %s --check-prefix=SPLIT-MIN
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="split-k=-2" 2>&1 | FileCheck %s --check-prefix=SPLIT-NEG

// DIVIDE: error: bertc-gpu-tile-contractions: tile 64x64x16 with 3x4 per thread needs positive sizes, thread tiles that divide the block tile, and at most 1024 threads per block
// THREADS: error: bertc-gpu-tile-contractions: tile 128x128x16 with 2x2 per thread
// ZERO: error: bertc-gpu-tile-contractions: tile 64x64x0
// MMA-F32: error: bertc-gpu-tile-contractions: tensor-cores needs operand-type f16 or bf16, a warp tile of multiples of 16, tile-m and tile-n multiples of the warp tile and tile-k a multiple of 16 (got f32, 64x64x16, warp tile 32x32)
// WARP-16: error: bertc-gpu-tile-contractions: tensor-cores needs {{.*}} (got f16, 64x64x16, warp tile 24x32)
// WARP-DIVIDE: error: bertc-gpu-tile-contractions: tensor-cores needs {{.*}} (got f16, 64x64x16, warp tile 32x48)
// MMA-K: error: bertc-gpu-tile-contractions: tensor-cores needs {{.*}} (got f16, 64x64x8, warp tile 32x32)
// SMALL-DIVIDE: error: bertc-gpu-tile-contractions: small-tile 30x32x16 with 4x4 per thread needs positive sizes
// SMALL-MMA: error: bertc-gpu-tile-contractions: small-tile: tensor-cores needs {{.*}} (got f16, 16x32x16, warp tile 32x32)
// SHARED: error: bertc-gpu-tile-contractions: the tile 64x64x16 needs 8704 bytes of shared memory for its slices, more than the 8000 bytes a block may have (shared-bytes)
// SHARED-ASYNC: error: bertc-gpu-tile-contractions: async-copies needs 2 or more stages whose slices fit in 18000 bytes of shared memory (shared-bytes; got 3 stages of 6144 bytes)
// SPLIT-MIN: error: bertc-gpu-tile-contractions: split-k must be 0 or more and split-k-min 1 or more (got 4 and 0)
// SPLIT-NEG: error: bertc-gpu-tile-contractions: split-k must be 0 or more and split-k-min 1 or more (got -2 and 4)
// TYPE: error: bertc-gpu-tile-contractions: operand-type must be f32, f16 or bf16, got 'f64'
func.func @empty() {
  return
}
