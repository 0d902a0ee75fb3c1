// RUN: bertc-opt %s --convert-bert-to-linalg --split-input-file | FileCheck %s

// Packed attention: one scf.for over the sequences (offsets.dim(0) - 1);
// each takes its rows [offsets[b], offsets[b+1]) of Q, K and V, runs the
// padded lowering on them without a bias, and writes its rows of the result.
// CHECK-LABEL: func.func @packed_attention
// CHECK-SAME: %[[H:[a-z0-9]+]]: tensor<1x?x32xf32>, %[[OFF:[a-z0-9]+]]: tensor<?xi64>
// CHECK: %[[N:.*]] = tensor.dim %[[OFF]], %{{.*}} : tensor<?xi64>
// CHECK: %[[SEQS:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %[[SEQS]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<1x?x32xf32>)
// CHECK: %[[S64:.*]] = tensor.extract %[[OFF]][%[[B]]]
// CHECK: %[[START:.*]] = arith.index_cast %[[S64]] : i64 to index
// CHECK: %[[E64:.*]] = tensor.extract %[[OFF]][%{{.*}}]
// CHECK: %[[END:.*]] = arith.index_cast %[[E64]] : i64 to index
// CHECK: %[[LEN:.*]] = arith.subi %[[END]], %[[START]] : index
// CHECK: tensor.extract_slice %[[H]][0, %[[START]], 0] [1, %[[LEN]], 32] [1, 1, 1] : tensor<1x?x32xf32> to tensor<1x?x32xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: } -> tensor<1x4x?x?xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK: math.exp
// CHECK: %[[CTX:.*]] = tensor.collapse_shape
// CHECK: %[[NEXT:.*]] = tensor.insert_slice %[[CTX]] into %[[ACC]][0, %[[START]], 0] [1, %[[LEN]], 32] [1, 1, 1]
// CHECK: scf.yield %[[NEXT]]
func.func @packed_attention(%h: tensor<1x?x32xf32>, %off: tensor<?xi64>) -> tensor<1x?x32xf32> {
  %c = bert.packed_attention %h, %h, %h, %off {num_heads = 4 : i64, scale = 0.35355339059327373 : f64}
      : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<?xi64>) -> tensor<1x?x32xf32>
  return %c : tensor<1x?x32xf32>
}

// -----

// Positions restart at each sequence: t - offsets[b] over the sequence's
// tokens; RoBERTa's count of non-pad tokens starts again from 0.
// CHECK-LABEL: func.func @packed_positions
// CHECK: scf.for
// CHECK: %[[START:.*]] = arith.index_cast
// CHECK: %[[END:.*]] = arith.index_cast
// CHECK: scf.for %[[T:.*]] = %[[START]] to %[[END]]
// CHECK: %[[D:.*]] = arith.subi %[[T]], %[[START]] : index
// CHECK: arith.index_cast %[[D]] : index to i64
// CHECK: tensor.insert
// CHECK: scf.for
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %c0_i64
// CHECK: arith.cmpi ne
// CHECK: arith.select
func.func @packed_positions(%ids: tensor<1x?xi64>, %off: tensor<?xi64>) -> (tensor<1x?xi64>, tensor<1x?xi64>) {
  %p = bert.packed_position_ids %ids, %off : tensor<1x?xi64>, tensor<?xi64>
  %r = bert.packed_position_ids %ids, %off {padding_idx = 1 : i64} : tensor<1x?xi64>, tensor<?xi64>
  return %p, %r : tensor<1x?xi64>, tensor<1x?xi64>
}

// -----

// One row per sequence, gathered at offsets[b] + index (offsets[b+1] + index
// when counting from the end).
// CHECK-LABEL: func.func @packed_select
// CHECK: linalg.generic
// CHECK: %[[B:.*]] = linalg.index 0 : index
// CHECK: %[[O:.*]] = tensor.extract %{{.*}}[%[[B]]] : tensor<?xi64>
// CHECK: %[[S:.*]] = arith.index_cast %[[O]]
// CHECK: %[[ROW:.*]] = arith.addi %[[S]], %c0
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %[[ROW]], %{{.*}}] : tensor<1x?x32xf32>
// CHECK: } -> tensor<?x32xf32>
// CHECK: linalg.generic
// CHECK: %[[B2:.*]] = linalg.index 0 : index
// CHECK: %[[NEXT:.*]] = arith.addi %[[B2]], %c1
// CHECK: tensor.extract %{{.*}}[%[[NEXT]]] : tensor<?xi64>
// CHECK: arith.addi %{{.*}}, %c-1
func.func @packed_select(%h: tensor<1x?x32xf32>, %off: tensor<?xi64>) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %first = bert.packed_select_token %h[0], %off : tensor<1x?x32xf32>, tensor<?xi64> -> tensor<?x32xf32>
  %last = bert.packed_select_token %h[-1], %off : tensor<1x?x32xf32>, tensor<?xi64> -> tensor<?x32xf32>
  return %first, %last : tensor<?x32xf32>, tensor<?x32xf32>
}
