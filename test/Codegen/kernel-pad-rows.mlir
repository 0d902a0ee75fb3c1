// RUN: bertc-opt %s --bertc-cpu-contraction-kernels | FileCheck %s
// RUN: bertc-opt %s --bertc-cpu-contraction-kernels="pad-rows=false" | FileCheck %s --check-prefix=OFF

// K = 1024 floats: A's rows are 4 KiB apart. The kernel copies A, its
// batch and row loops flattened, into rows of 1040 and reads the copy,
// which is freed after the tile loops.
// CHECK-LABEL: func.func @aliasing_rows
// CHECK: %[[ROWS:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : memref<2x19x1024xf32> into memref<38x1024xf32>
// CHECK: %[[PADDED:.*]] = memref.alloc() {alignment = 64 : i64} : memref<38x1040xf32>
// CHECK: %[[VIEW:.*]] = memref.subview %[[PADDED]][0, 0] [38, 1024] [1, 1] : memref<38x1040xf32> to memref<38x1024xf32, strided<[1040, 1]>>
// CHECK: linalg.copy ins(%[[ROWS]] : memref<38x1024xf32>) outs(%[[VIEW]] : memref<38x1024xf32, strided<[1040, 1]>>)
// CHECK: scf.parallel
// CHECK: memref.load %[[VIEW]][
// CHECK: } {bertc.kernel_tiles = "matmul 2x19x64x1024"}
// CHECK-NEXT: memref.dealloc %[[PADDED]] : memref<38x1040xf32>
// OFF-LABEL: func.func @aliasing_rows
// OFF-NOT: linalg.copy
// OFF: memref.load %{{.*}} : memref<38x1024xf32>
func.func @aliasing_rows(%x: memref<2x19x1024xf32>, %w: memref<2x1024x32xf32>,
                         %y: memref<2x19x2x32xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%x, %w : memref<2x19x1024xf32>, memref<2x1024x32xf32>)
      outs(%y : memref<2x19x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// Rows 4000 bytes apart spread over the sets: A is read in place.
// CHECK-LABEL: func.func @spread_rows
// CHECK-NOT: linalg.copy
// CHECK: } {bertc.kernel_tiles = "matmul 19x64x1000"}
func.func @spread_rows(%x: memref<19x1000xf32>, %w: memref<2x1000x32xf32>,
                       %y: memref<19x2x32xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d1, d2, d3, d4) -> (d1, d4)>,
                       affine_map<(d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d1, d2, d3, d4) -> (d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<19x1000xf32>, memref<2x1000x32xf32>)
      outs(%y : memref<19x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// A dynamic k: its stride is unknown when compiling, nothing is copied.
// CHECK-LABEL: func.func @dynamic_k
// CHECK-NOT: linalg.copy
// CHECK: bertc.kernel_tiles = "matmul 19x64x?"
func.func @dynamic_k(%x: memref<19x?xf32>, %w: memref<2x?x32xf32>,
                     %y: memref<19x2x32xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d1, d2, d3, d4) -> (d1, d4)>,
                       affine_map<(d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d1, d2, d3, d4) -> (d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<19x?xf32>, memref<2x?x32xf32>)
      outs(%y : memref<19x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}
