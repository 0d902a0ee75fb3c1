// RUN: bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref{linear-weight-panel=4}))' | FileCheck %s
// RUN: bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref{linear-weight-panel=4},convert-bert-to-linalg,bertc-fuse-elementwise))' | FileCheck %s --check-prefix=FUSED

// With panels of 4, "w" ([8, 3], only a linear weight) is stored [2, 3, 4]
// and read back through a transposing copy and a collapse at its use. "v"
// (6 rows: no whole panels) and "e" (also used outside a linear) keep
// their layout.
// CHECK-LABEL: func.func @panels
// CHECK-SAME: {name = "w", offset = 0 : i64, panel = 4 : i64, shape = array<i64: 8, 3>, type = f32}
// CHECK-SAME: {name = "v", offset = 128 : i64, shape = array<i64: 6, 3>, type = f32}
// CHECK-SAME: {name = "e", offset = 256 : i64, shape = array<i64: 4, 3>, type = f32}
// CHECK: memref.view {{.*}} to memref<2x3x4xf32>
// CHECK: %[[MOVED:.*]] = linalg.generic
// CHECK-SAME: ins(%{{.*}} : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<2x4x3xf32>)
// CHECK: linalg.yield
// CHECK: %[[W:.*]] = tensor.collapse_shape %[[MOVED]] {{\[}}[0, 1], [2]] : tensor<2x4x3xf32> into tensor<8x3xf32>
// CHECK: memref.view {{.*}} to memref<6x3xf32>
// CHECK: %[[E:.*]] = bufferization.to_tensor {{.*}} : memref<4x3xf32> to tensor<4x3xf32>
// CHECK: bert.linear %{{.*}}, %[[W]]
// CHECK: bert.linear %{{.*}}, %[[E]]

// After lowering and fusion, the product reads the panels directly:
// C[b, s, panel, lane] += x[b, s, k] * W[panel, k, lane].
// FUSED-DAG: #[[PANELS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>
// FUSED-LABEL: func.func @panels
// FUSED: linalg.generic {indexing_maps = [#{{.*}}, #[[PANELS]], #{{.*}}]
// FUSED-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x2x3xf32>, tensor<2x3x4xf32>)
// FUSED: tensor.collapse_shape
func.func @panels(%x: tensor<1x2x3xf32>) -> (tensor<1x2x8xf32>, tensor<1x2x6xf32>, tensor<1x2x4xf32>, tensor<4x3xf32>) {
  %w = bert.param "w" : tensor<8x3xf32>
  %v = bert.param "v" : tensor<6x3xf32>
  %e = bert.param "e" : tensor<4x3xf32>
  %y = bert.linear %x, %w : (tensor<1x2x3xf32>, tensor<8x3xf32>) -> tensor<1x2x8xf32>
  %z = bert.linear %x, %v : (tensor<1x2x3xf32>, tensor<6x3xf32>) -> tensor<1x2x6xf32>
  %u = bert.linear %x, %e : (tensor<1x2x3xf32>, tensor<4x3xf32>) -> tensor<1x2x4xf32>
  return %y, %z, %u, %e : tensor<1x2x8xf32>, tensor<1x2x6xf32>, tensor<1x2x4xf32>, tensor<4x3xf32>
}
