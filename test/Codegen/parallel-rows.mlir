// RUN: bertc-opt %s --bertc-cpu-parallel-rows | FileCheck %s

// The rows stay parallel and the innermost loop becomes sequential; the
// kernels' tile loops keep all their dimensions.
// CHECK-LABEL: func.func @rows
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0, %c0) to (%c2, %c3)
// CHECK-NEXT: scf.for %[[K:.*]] = %c0 to %c4
// CHECK-NEXT: memref.load %{{.*}}[%[[I]], %[[J]], %[[K]]]
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c2, %c3)
// CHECK-NEXT: memref.store
// CHECK: bertc.kernel_tiles
func.func @rows(%m: memref<2x3x4xf32>, %n: memref<2x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c2, %c3, %c4) step (%c1, %c1, %c1) {
    %v = memref.load %m[%i, %j, %k] : memref<2x3x4xf32>
    %w = arith.addf %v, %f : f32
    memref.store %w, %m[%i, %j, %k] : memref<2x3x4xf32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    memref.store %f, %n[%i, %j] : memref<2x3xf32>
    scf.reduce
  } {bertc.kernel_tiles}
  return
}
