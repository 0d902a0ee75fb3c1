// RUN: bertc-opt %s --split-input-file --verify-diagnostics --bertc-gpu-launches-to-loops | FileCheck %s

// A launch becomes loops over blocks and threads (z, y, x); device buffers
// and copies become host ones.
// CHECK-LABEL: func.func @launch
// CHECK:         %[[BUF:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c1
// CHECK:             scf.for %[[BX:.*]] = %c0 to %[[GRID:.*]] step %c1
// CHECK:               scf.for %{{.*}} = %c0 to %c1
// CHECK:                 scf.for %{{.*}} = %c0 to %c1
// CHECK:                   scf.for %[[TX:.*]] = %c0 to %c32 step %c1
// CHECK:                     %[[BASE:.*]] = arith.muli %[[BX]], %c32
// CHECK:                     %[[ID:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:                     memref.store %{{.*}}, %[[BUF]][%[[ID]]]
// CHECK:         memref.copy %[[BUF]], %{{.*}} : memref<?xf32> to memref<?xf32>
// CHECK:         memref.dealloc %[[BUF]]
// CHECK-NOT:     gpu.
func.func @launch(%out: memref<?xf32>, %grid: index, %n: index) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %buf = gpu.alloc (%n) : memref<?xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %grid, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c32 : index
    %id = arith.addi %base, %tx : index
    memref.store %zero, %buf[%id] : memref<?xf32>
    gpu.terminator
  }
  gpu.memcpy %out, %buf : memref<?xf32>, memref<?xf32>
  gpu.dealloc %buf : memref<?xf32>
  return
}

// -----

func.func @barrier() {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{barriers and shared memory have no sequential emulation}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    gpu.barrier
    gpu.terminator
  }
  return
}
