// RUN: bertc-opt %s --bertc-cpu-contraction-kernels | FileCheck %s
// RUN: bertc-opt %s --bertc-cpu-contraction-kernels="prefetch=false" | FileCheck %s --check-prefix=OFF

// Weight panels (views of a function argument) come from memory once per call: while the row tiles of one
// k block run, each tile first prefetches its share of the panel's next
// block (rows [kHi + i * share, + share), share = ceil(512 / tiles in the
// block)), one prefetch per 64-byte line of the 32-column row.
// CHECK-LABEL: func.func @linear_panels
// CHECK: scf.for %[[K0:.*]] = %{{.*}} to %{{.*}} step %c512
// CHECK: %[[KHI:.*]] = arith.minui
// CHECK: scf.for %[[MT:.*]] = %[[LO:.*]] to %[[HI:.*]] step
// CHECK: %[[TILES:.*]] = arith.subi %[[HI]], %[[LO]]
// CHECK: %[[SHARE:.*]] = arith.ceildivui %c512{{.*}}, %[[TILES]]
// CHECK: %[[I:.*]] = arith.subi %[[MT]], %[[LO]]
// CHECK: %[[START:.*]] = arith.muli %[[I]], %[[SHARE]]
// CHECK: %[[FROM:.*]] = arith.addi %[[KHI]], %[[START]]
// CHECK: %[[TO:.*]] = arith.addi %[[FROM]], %[[SHARE]]
// CHECK: scf.for %[[K:.*]] = %[[FROM]] to %[[TO]]
// CHECK-COUNT-2: memref.prefetch %{{.*}}[%{{.*}}, %[[K]], %{{.*}}], read, locality<3>, data : memref<4x1000x32xf32>
// CHECK: vector.fma
// OFF-LABEL: func.func @linear_panels
// OFF-NOT: memref.prefetch
func.func @linear_panels(%x: memref<2x19x1000xf32>, %w: memref<4x1000x32xf32>,
                         %y: memref<2x19x4x32xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%x, %w : memref<2x19x1000xf32>, memref<4x1000x32xf32>)
      outs(%y : memref<2x19x4x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// An intermediate result as B (attention's V, just computed): no prefetch.
// CHECK-LABEL: func.func @intermediate_b
// CHECK-NOT: memref.prefetch
// CHECK: } {bertc.kernel_tiles = "matmul 2x19x128x1000"}
func.func @intermediate_b(%x: memref<2x19x1000xf32>, %y: memref<2x19x4x32xf32>) {
  %w = memref.alloc() : memref<4x1000x32xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%x, %w : memref<2x19x1000xf32>, memref<4x1000x32xf32>)
      outs(%y : memref<2x19x4x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  memref.dealloc %w : memref<4x1000x32xf32>
  return
}
