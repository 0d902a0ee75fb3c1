// RUN: bertc-opt %s --convert-bert-to-linalg --split-input-file --verify-diagnostics | FileCheck %s

// A gather: a generic over the result reads table[ids[b, s], h].
// CHECK-LABEL: func.func @embedding
// CHECK-SAME: (%[[T:.*]]: tensor<99x32xf32>
// CHECK: linalg.generic
// CHECK: %[[ROW:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[COL:.*]] = linalg.index 2 : index
// CHECK: tensor.extract %[[T]][%[[ROW]], %[[COL]]] : tensor<99x32xf32>
func.func @embedding(%t: tensor<99x32xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x32xf32> {
  %e = bert.embedding %t[%ids] : tensor<99x32xf32>, tensor<?x?xi64> -> tensor<?x?x32xf32>
  return %e : tensor<?x?x32xf32>
}

// -----

// Plain positions: an iota along the sequence.
// CHECK-LABEL: func.func @positions
// CHECK: linalg.generic
// CHECK: linalg.index 1 : index
// CHECK-NOT: scf.for
func.func @positions(%ids: tensor<?x?xi64>) -> tensor<?x?xi64> {
  %p = bert.position_ids %ids : tensor<?x?xi64>
  return %p : tensor<?x?xi64>
}

// -----

// RoBERTa positions: a running count per row (a scan, linear in length).
// CHECK-LABEL: func.func @roberta_positions
// CHECK: %[[PAD:.*]] = arith.constant 1 : i64
// CHECK: scf.for
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %[[COUNT:.*]] = %{{.*}})
// CHECK: %[[TOK:.*]] = arith.cmpi ne, %{{.*}}, %[[PAD]] : i64
// CHECK: arith.select %[[TOK]]
// CHECK: tensor.insert
func.func @roberta_positions(%ids: tensor<?x?xi64>) -> tensor<?x?xi64> {
  %p = bert.position_ids %ids {padding_idx = 1 : i64} : tensor<?x?xi64>
  return %p : tensor<?x?xi64>
}

// -----

// First token: a rank-reducing slice at a constant offset; the last token
// (index -1) slices at dim(1) - 1.
// CHECK-LABEL: func.func @select_token
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [%{{.*}}, 1, 32] [1, 1, 1] : tensor<?x?x32xf32> to tensor<?x32xf32>
// CHECK: %[[MINUS1:.*]] = arith.constant -1 : index
// CHECK: %[[LAST:.*]] = arith.addi %{{.*}}, %[[MINUS1]] : index
// CHECK: tensor.extract_slice %{{.*}}[0, %[[LAST]], 0] [%{{.*}}, 1, 32] [1, 1, 1] : tensor<?x?x32xf32> to tensor<?x32xf32>
func.func @select_token(%x: tensor<?x?x32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %f = bert.select_token %x[0] : tensor<?x?x32xf32> -> tensor<?x32xf32>
  %l = bert.select_token %x[-1] : tensor<?x?x32xf32> -> tensor<?x32xf32>
  return %f, %l : tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

// A parameter that was not bound first is an error, not silently kept.
func.func @unbound_param() -> tensor<4xf32> {
  // expected-error @+1 {{failed to legalize operation 'bert.param'}}
  %w = bert.param "w" : tensor<4xf32>
  return %w : tensor<4xf32>
}
