// RUN: bertc-opt %s --bertc-cpu-transpose-dot-operands | FileCheck %s

// Q.K^T: K [b, j, h, d] is contiguous in d = k. It gets a copy [b, h, d, j]
// (j = n last), and the product reads the copy through the swapped map.
// CHECK-DAG: #[[SWAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2, d1)>
// CHECK-DAG: #[[NEWB:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d1, d3)>
// CHECK-LABEL: func.func @scores
// CHECK: %[[KT:.*]] = linalg.generic {indexing_maps = [#[[SWAP]], #{{.*}}]
// CHECK-SAME: ins(%{{.*}} : tensor<1x16x2x8xf32>) outs(%{{.*}} : tensor<1x8x2x16xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[NEWB]], #{{.*}}]
// CHECK-SAME: ins(%{{.*}}, %[[KT]] : tensor<1x16x2x8xf32>, tensor<1x8x2x16xf32>)
func.func @scores(%q: tensor<1x16x2x8xf32>, %k: tensor<1x16x2x8xf32>,
                  %s: tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32> {
  %r = linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%q, %k : tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>)
      outs(%s : tensor<1x2x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %t = arith.addf %c, %m : f32
    linalg.yield %t : f32
  } -> tensor<1x2x16x16xf32>
  return %r : tensor<1x2x16x16xf32>
}

// A weight bound to the weights buffer is not copied per call.
// CHECK-LABEL: func.func @weight
// CHECK-NOT: tensor.empty
// CHECK: linalg.generic
// CHECK-NOT: linalg.generic
func.func @weight(%x: tensor<4x8xf32>, %w: memref<3x8xf32>,
                  %y: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %wt = bufferization.to_tensor %w restrict : memref<3x8xf32> to tensor<3x8xf32>
  %r = linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                       affine_map<(d0, d1, d2) -> (d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %wt : tensor<4x8xf32>, tensor<3x8xf32>) outs(%y : tensor<4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %t = arith.addf %c, %m : f32
    linalg.yield %t : f32
  } -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}
