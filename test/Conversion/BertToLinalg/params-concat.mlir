// RUN: bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref))' --split-input-file --verify-diagnostics | FileCheck %s
// RUN: bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref{linear-weight-type=f16}))' --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=F16
// RUN: bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref{linear-weight-panel=4}))' --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=PANEL

// The parameters a tensor.concat joins (bert-fuse-linears) get adjacent
// slots, from an aligned offset and without padding between them, and the
// concatenation becomes one view of them: nothing is copied. Here "q" (2 x
// 3 floats, 24 bytes) is followed by "k" at 24, not 64; the biases start
// at the next aligned offset. A use of "k" alone views its own slot.
// CHECK-LABEL: func.func @adjacent
// CHECK-SAME: (%[[BUF:.*]]: memref<?xi8> {bert.weights}, %[[X:.*]]: tensor<1x3xf32>)
// CHECK-SAME: bert.weights_layout = [{name = "q", offset = 0 : i64, shape = array<i64: 2, 3>, type = f32}, {name = "k", offset = 24 : i64, shape = array<i64: 4, 3>, type = f32}, {name = "qb", offset = 128 : i64, shape = array<i64: 2>, type = f32}, {name = "kb", offset = 136 : i64, shape = array<i64: 4>, type = f32}]
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[W:.*]] = memref.view %[[BUF]][%[[C0]]][] : memref<?xi8> to memref<6x3xf32>
// CHECK: %[[WT:.*]] = bufferization.to_tensor %[[W]]
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: %[[B:.*]] = memref.view %[[BUF]][%[[C128]]][] : memref<?xi8> to memref<6xf32>
// CHECK: %[[BT:.*]] = bufferization.to_tensor %[[B]]
// CHECK: %[[C24:.*]] = arith.constant 24 : index
// CHECK: %[[K:.*]] = memref.view %[[BUF]][%[[C24]]][] : memref<?xi8> to memref<4x3xf32>
// CHECK: %[[KT:.*]] = bufferization.to_tensor %[[K]]
// CHECK: bert.linear %[[X]], %[[WT]], %[[BT]]
// CHECK: return {{.*}}, %[[KT]]
// CHECK-NOT: tensor.concat
// With f16 weights the joined weights are stored narrow (2 x 3 halves: "k"
// at 12) and widened once, at the concatenation's use.
// F16-LABEL: func.func @adjacent
// F16-SAME: {name = "q", offset = 0 : i64, shape = array<i64: 2, 3>, type = f32}, {name = "k", offset = 24 : i64
// The use of "k" alone (returned) keeps both f32 here.
// Panels: "q" has 2 rows, no whole panel of 4, so neither is packed.
// PANEL-LABEL: func.func @adjacent
// PANEL-SAME: {name = "q", offset = 0 : i64, shape = array<i64: 2, 3>, type = f32}, {name = "k", offset = 24 : i64, shape = array<i64: 4, 3>, type = f32}
func.func @adjacent(%x: tensor<1x3xf32>) -> (tensor<1x6xf32>, tensor<4x3xf32>) {
  %q = bert.param "q" : tensor<2x3xf32>
  %k = bert.param "k" : tensor<4x3xf32>
  %qb = bert.param "qb" : tensor<2xf32>
  %kb = bert.param "kb" : tensor<4xf32>
  %w = tensor.concat dim(0) %q, %k : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<6x3xf32>
  %b = tensor.concat dim(0) %qb, %kb : (tensor<2xf32>, tensor<4xf32>) -> tensor<6xf32>
  %y = bert.linear %x, %w, %b : (tensor<1x3xf32>, tensor<6x3xf32>, tensor<6xf32>) -> tensor<1x6xf32>
  %k2 = bert.param "k" : tensor<4x3xf32>
  return %y, %k2 : tensor<1x6xf32>, tensor<4x3xf32>
}

// -----

// Joined weights read only by a linear: stored f16 (q's 8 x 3 halves take
// 48 bytes, so k is at 48) and widened by one generic; as panels of 4
// (both have whole panels), one [4, 3, 4] view that the copy unpacks.
// F16-LABEL: func.func @narrow
// F16-SAME: bert.weights_layout = [{name = "q", offset = 0 : i64, shape = array<i64: 8, 3>, type = f16}, {name = "k", offset = 48 : i64, shape = array<i64: 8, 3>, type = f16}]
// F16: memref.view %{{.*}} : memref<?xi8> to memref<16x3xf16>
// F16: %[[WIDE:.*]] = linalg.generic
// F16: arith.extf
// F16: bert.linear %{{.*}}, %[[WIDE]]
// PANEL-LABEL: func.func @narrow
// PANEL-SAME: bert.weights_layout = [{name = "q", offset = 0 : i64, panel = 4 : i64, shape = array<i64: 8, 3>, type = f32}, {name = "k", offset = 96 : i64, panel = 4 : i64, shape = array<i64: 8, 3>, type = f32}]
// PANEL: memref.view %{{.*}} : memref<?xi8> to memref<4x3x4xf32>
// PANEL: %[[MOVED:.*]] = linalg.generic
// PANEL: %[[W:.*]] = tensor.collapse_shape %[[MOVED]] {{\[}}[0, 1], [2]] : tensor<4x4x3xf32> into tensor<16x3xf32>
// PANEL: bert.linear %{{.*}}, %[[W]]
func.func @narrow(%x: tensor<1x3xf32>) -> tensor<1x16xf32> {
  %q = bert.param "q" : tensor<8x3xf32>
  %k = bert.param "k" : tensor<8x3xf32>
  %w = tensor.concat dim(0) %q, %k : (tensor<8x3xf32>, tensor<8x3xf32>) -> tensor<16x3xf32>
  %y = bert.linear %x, %w : (tensor<1x3xf32>, tensor<16x3xf32>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

// A weight read alone by one linear and concatenated for another is still
// only a linear weight: with f16 the joined weights are stored narrow, and
// the use alone widens its own slot's view.
// F16-LABEL: func.func @alone_and_joined
// F16-SAME: bert.weights_layout = [{name = "q", offset = 0 : i64, shape = array<i64: 2, 3>, type = f16}, {name = "k", offset = 12 : i64, shape = array<i64: 2, 3>, type = f16}]
// F16: memref.view %{{.*}} : memref<?xi8> to memref<4x3xf16>
// F16: memref.view %{{.*}} : memref<?xi8> to memref<2x3xf16>
func.func @alone_and_joined(%x: tensor<1x3xf32>) -> (tensor<1x4xf32>, tensor<1x2xf32>) {
  %q = bert.param "q" : tensor<2x3xf32>
  %k = bert.param "k" : tensor<2x3xf32>
  %w = tensor.concat dim(0) %q, %k : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %y = bert.linear %x, %w : (tensor<1x3xf32>, tensor<4x3xf32>) -> tensor<1x4xf32>
  %z = bert.linear %x, %k : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x2xf32>
  return %y, %z : tensor<1x4xf32>, tensor<1x2xf32>
}

// -----

// Two concatenations of the same names in the same order share the slots
// (an unrolled shared layer); in another order they cannot.
func.func @conflict() -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %q = bert.param "q" : tensor<2x3xf32>
  %k = bert.param "k" : tensor<2x3xf32>
  %a = tensor.concat dim(0) %q, %k : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %q2 = bert.param "q" : tensor<2x3xf32>
  %k2 = bert.param "k" : tensor<2x3xf32>
  %same = tensor.concat dim(0) %q2, %k2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  // expected-error @+1 {{concatenates parameters that another concatenation joins in another order or with others; their slots cannot be adjacent for both}}
  %b = tensor.concat dim(0) %k2, %q2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %a, %same, %b : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}
