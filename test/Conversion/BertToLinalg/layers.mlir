// RUN: bertc-opt %s --convert-bert-to-linalg --split-input-file | FileCheck %s

// linear: the output starts as the broadcast bias, then one contraction over
// (batch..., out | in) reads W as [out, in].
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @linear
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[INIT]] : tensor<?x?x37xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: bert.
func.func @linear(%x: tensor<?x?x32xf32>, %w: tensor<37x32xf32>, %b: tensor<37xf32>) -> tensor<?x?x37xf32> {
  %y = bert.linear %x, %w, %b : (tensor<?x?x32xf32>, tensor<37x32xf32>, tensor<37xf32>) -> tensor<?x?x37xf32>
  return %y : tensor<?x?x37xf32>
}

// -----

// Without a bias the output starts at zero.
// CHECK-LABEL: func.func @linear_no_bias
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ZERO]] : f32)
// CHECK: linalg.generic
func.func @linear_no_bias(%x: tensor<4x32xf32>, %w: tensor<8x32xf32>) -> tensor<4x8xf32> {
  %y = bert.linear %x, %w : (tensor<4x32xf32>, tensor<8x32xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// layer_norm: sum and squared-deviation reductions, then one normalizing
// pass with rsqrt(var / D + eps).
// CHECK-LABEL: func.func @layer_norm
// CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999996E-13 : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[SUM]], %[[VAR]], %{{.*}}, %{{.*}} :
// CHECK: arith.addf %{{.*}}, %[[EPS]]
// CHECK: math.sqrt
func.func @layer_norm(%x: tensor<?x?x32xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>) -> tensor<?x?x32xf32> {
  %y = bert.layer_norm %x, %g, %b {epsilon = 1.0e-12 : f64} : tensor<?x?x32xf32>, tensor<32xf32>
  return %y : tensor<?x?x32xf32>
}

// -----

// Exact GELU uses erf; the tanh form uses tanh with sqrt(2/pi).
// CHECK-LABEL: func.func @activations
// CHECK: linalg.generic
// CHECK: arith.constant 0.707106769 : f32
// CHECK: math.erf
// CHECK: linalg.generic
// CHECK: arith.constant 4.471500e-02 : f32
// CHECK: arith.constant 0.797884583 : f32
// CHECK: math.tanh
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK: arith.constant 1.702000e+00 : f32
func.func @activations(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %a = bert.activation gelu %x : tensor<?x8xf32>
  %b = bert.activation gelu_tanh %a : tensor<?x8xf32>
  %c = bert.activation relu %b : tensor<?x8xf32>
  %d = bert.activation silu %c : tensor<?x8xf32>
  %e = bert.activation quick_gelu %d : tensor<?x8xf32>
  return %e : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @add
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<?x?x8xf32>)
// CHECK: arith.addf
func.func @add(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %y = bert.add %a, %b : tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// UER's LayerNorm: 1 / (sqrt(ss / (D - 1)) + eps), eps outside the root.
// CHECK-LABEL: func.func @layer_norm_uer
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: %[[DM1:.*]] = arith.subf %{{.*}}, %{{.*}} : f32
// CHECK: %[[VAR:.*]] = arith.divf %{{.*}}, %[[DM1]] : f32
// CHECK: %[[SD:.*]] = math.sqrt %[[VAR]] : f32
// CHECK: arith.addf %[[SD]], %{{.*}} : f32
func.func @layer_norm_uer(%x: tensor<?x?x32xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>) -> tensor<?x?x32xf32> {
  %y = bert.layer_norm %x, %g, %b {epsilon = 1.0e-6 : f64, unbiased_std} : tensor<?x?x32xf32>, tensor<32xf32>
  return %y : tensor<?x?x32xf32>
}
