// RUN: bertc-opt %s | bertc-opt | FileCheck %s
// RUN: bertc-opt %s --mlir-print-op-generic | bertc-opt | FileCheck %s

// The packed-batch ops (BertPackedOps.td) survive a print/parse round trip,
// custom and generic form.

// CHECK-LABEL: func.func @packed
// CHECK: bert.packed_position_ids %{{.*}}, %{{.*}} : tensor<1x?xi64>, tensor<?xi64>
// CHECK: bert.packed_position_ids %{{.*}}, %{{.*}} {padding_idx = 1 : i64} : tensor<1x?xi64>, tensor<?xi64>
// CHECK: bert.packed_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {num_heads = 4 : i64, scale = 0.3535{{[0-9]*}} : f64}
// CHECK-SAME: (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<?xi64>) -> tensor<1x?x32xf32>
// CHECK: bert.packed_select_token %{{.*}}[-1], %{{.*}} : tensor<1x?x32xf32>, tensor<?xi64> -> tensor<?x32xf32>
func.func @packed(%ids: tensor<1x?xi64>, %offsets: tensor<?xi64>, %h: tensor<1x?x32xf32>)
    -> (tensor<1x?xi64>, tensor<1x?xi64>, tensor<1x?x32xf32>, tensor<?x32xf32>) {
  %p = bert.packed_position_ids %ids, %offsets : tensor<1x?xi64>, tensor<?xi64>
  %r = bert.packed_position_ids %ids, %offsets {padding_idx = 1 : i64} : tensor<1x?xi64>, tensor<?xi64>
  %c = bert.packed_attention %h, %h, %h, %offsets {num_heads = 4 : i64, scale = 0.35355339059327373 : f64}
      : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<?xi64>) -> tensor<1x?x32xf32>
  %s = bert.packed_select_token %c[-1], %offsets : tensor<1x?x32xf32>, tensor<?xi64> -> tensor<?x32xf32>
  return %p, %r, %c, %s : tensor<1x?xi64>, tensor<1x?xi64>, tensor<1x?x32xf32>, tensor<?x32xf32>
}
