// RUN: bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref{linear-weight-type=f16}))' | FileCheck %s
// RUN: bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref{linear-weight-type=bf16},convert-bert-to-linalg,bertc-fuse-elementwise))' | FileCheck %s --check-prefix=FUSED
// RUN: not bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref{linear-weight-type=f8}))' 2>&1 | FileCheck %s --check-prefix=BADTYPE
// RUN: not bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref{linear-weight-type=f16 linear-weight-panel=4}))' 2>&1 | FileCheck %s --check-prefix=PANEL

// "w" is only a linear weight: stored as f16 (2 bytes per element, so "e"
// starts at 64 after 48 bytes), widened to f32 by an elementwise extf at
// its use. "e" is also returned as it is and stays f32.
// CHECK-LABEL: func.func @narrow
// CHECK-SAME: bert.weights_bytes = 112 : i64
// CHECK-SAME: {name = "w", offset = 0 : i64, shape = array<i64: 8, 3>, type = f16}
// CHECK-SAME: {name = "e", offset = 64 : i64, shape = array<i64: 4, 3>, type = f32}
// CHECK: %[[VIEW:.*]] = memref.view {{.*}} to memref<8x3xf16>
// CHECK: %[[NARROW:.*]] = bufferization.to_tensor %[[VIEW]]
// CHECK: %[[W:.*]] = linalg.generic
// CHECK-SAME: ins(%[[NARROW]] : tensor<8x3xf16>) outs(%{{.*}} : tensor<8x3xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: memref.view {{.*}} to memref<4x3xf32>
// CHECK: bert.linear %{{.*}}, %[[W]]

// After lowering and fusion the product reads the bf16 weight and widens
// it in its body.
// FUSED-LABEL: func.func @narrow
// FUSED: linalg.generic
// FUSED-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x2x3xf32>, tensor<8x3xbf16>)
// FUSED: ^bb0(%[[X:.*]]: f32, %[[WB:.*]]: bf16, %[[OUT:.*]]: f32):
// FUSED: %[[WIDE:.*]] = arith.extf %[[WB]] : bf16 to f32
// FUSED: arith.mulf %[[X]], %[[WIDE]]

// BADTYPE: linear-weight-type must be f32, f16 or bf16, got 'f8'
// PANEL: linear-weight-type=f16 stores weights as [N, K]; it excludes linear-weight-panel
func.func @narrow(%x: tensor<1x2x3xf32>) -> (tensor<1x2x8xf32>, tensor<1x2x4xf32>, tensor<4x3xf32>) {
  %w = bert.param "w" : tensor<8x3xf32>
  %e = bert.param "e" : tensor<4x3xf32>
  %y = bert.linear %x, %w : (tensor<1x2x3xf32>, tensor<8x3xf32>) -> tensor<1x2x8xf32>
  %u = bert.linear %x, %e : (tensor<1x2x3xf32>, tensor<4x3xf32>) -> tensor<1x2x4xf32>
  return %y, %u, %e : tensor<1x2x8xf32>, tensor<1x2x4xf32>, tensor<4x3xf32>
}
