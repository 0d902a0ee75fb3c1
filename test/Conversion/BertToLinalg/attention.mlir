// RUN: bertc-opt %s --convert-bert-to-linalg --split-input-file | FileCheck %s

// Heads are split by expand_shape [B, L, H] -> [B, L, heads, H/heads],
// scores are [B, heads, Lq, Lk], the bias is broadcast over heads and
// queries, softmax runs max / exp-sum / divide, and heads merge back.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d4)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-LABEL: func.func @attention
// CHECK: %[[Q4:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] output_shape [%{{.*}}, %{{.*}}, 4, 8] : tensor<?x?x32xf32> into tensor<?x?x4x8xf32>
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[Q]], #[[K]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK: } -> tensor<?x4x?x?xf32>
// CHECK: %[[SCALE:.*]] = arith.constant 0.353553385 : f32
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[BIAS]], #{{.*}}]
// CHECK: arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<?x?x4x8xf32> into tensor<?x?x32xf32>
func.func @attention(%q: tensor<?x?x32xf32>, %bias: tensor<?x?xf32>) -> tensor<?x?x32xf32> {
  %c = bert.attention %q, %q, %q, %bias {num_heads = 4 : i64, scale = 0.35355339059327373 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xf32>) -> tensor<?x?x32xf32>
  return %c : tensor<?x?x32xf32>
}

// -----

// Without a bias no bias operand is read.
// CHECK-LABEL: func.func @attention_no_bias
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
func.func @attention_no_bias(%q: tensor<2x5x16xf32>) -> tensor<2x5x16xf32> {
  %c = bert.attention %q, %q, %q {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>) -> tensor<2x5x16xf32>
  return %c : tensor<2x5x16xf32>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
func.func @softmax(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %p = bert.softmax %x : tensor<?x3xf32>
  return %p : tensor<?x3xf32>
}

// -----

// bias = (1 - float(mask)) * fill
// CHECK-LABEL: func.func @mask_bias
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[FILL:.*]] = arith.constant -1.000000e+04 : f32
// CHECK: linalg.generic
// CHECK: %[[M:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[INV:.*]] = arith.subf %[[ONE]], %[[M]]
// CHECK: arith.mulf %[[INV]], %[[FILL]]
func.func @mask_bias(%m: tensor<?x?xi64>) -> tensor<?x?xf32> {
  %b = bert.mask_bias %m {fill = -1.0e4 : f64} : tensor<?x?xi64> -> tensor<?x?xf32>
  return %b : tensor<?x?xf32>
}
