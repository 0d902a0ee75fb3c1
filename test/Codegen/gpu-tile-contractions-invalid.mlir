// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="thread-m=3" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tile-m=128 tile-n=128 thread-m=2 thread-n=2" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="tile-k=0" 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not bertc-opt %s --bertc-gpu-tile-contractions="operand-type=f64" 2>&1 | FileCheck %s --check-prefix=TYPE

// DIVIDE: error: bertc-gpu-tile-contractions: tile 64x64x16 with 3x4 per thread needs positive sizes, thread tiles that divide the block tile, and at most 1024 threads per block
// THREADS: error: bertc-gpu-tile-contractions: tile 128x128x16 with 2x2 per thread
// ZERO: error: bertc-gpu-tile-contractions: tile 64x64x0
// TYPE: error: bertc-gpu-tile-contractions: operand-type must be f32, f16 or bf16, got 'f64'
func.func @empty() {
  return
}
