// RUN: bertc-opt %s --convert-bert-to-linalg --split-input-file | FileCheck %s

// bert.rel_attention: c = concat(transpose(memory), input) along time; q
// from the segment's rows of qkv_weight, k and v from c (the projections
// lower like every bert.linear); scores are AC + the rel-shifted position
// term, masked to -FLT_MAX, then softmax; the new memory is the last
// mem_len steps of c, transposed back to time-major.
// CHECK-LABEL: func.func @rel_attention
// CHECK: %[[MT:.*]] = linalg.transpose ins(%[[MEM:.*]] : tensor<?x?x32xf32>) {{.*}} permutation = [1, 0, 2]
// CHECK: %[[C0:.*]] = tensor.insert_slice %[[MT]] into %{{.*}}[0, 0, 0]
// CHECK: %[[C:.*]] = tensor.insert_slice %[[H:.*]] into %[[C0]][0, %{{.*}}, 0]
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [32, 32] [1, 1] : tensor<96x32xf32> to tensor<32x32xf32>
// CHECK: tensor.extract_slice %{{.*}}[32, 0] [32, 32] [1, 1] : tensor<96x32xf32> to tensor<32x32xf32>
// CHECK: tensor.extract_slice %{{.*}}[64, 0] [32, 32] [1, 1] : tensor<96x32xf32> to tensor<32x32xf32>
// CHECK: %[[LOWEST:.*]] = arith.constant -3.40282347E+38 : f32
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<?x4x?x?xf32>
// CHECK: arith.select %{{.*}}, %[[LOWEST]], %{{.*}} : f32
// CHECK: math.exp
// CHECK: %[[KEPT:.*]] = tensor.extract_slice %[[C]][0, %{{.*}}, 0]
// CHECK: %[[NEW:.*]] = linalg.transpose ins(%[[KEPT]] : tensor<?x?x32xf32>) {{.*}} permutation = [1, 0, 2]
// CHECK: return %{{.*}}, %[[NEW]]
func.func @rel_attention(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>,
    %qkv: tensor<96x32xf32>, %wr: tensor<32x32xf32>, %wo: tensor<32x32xf32>,
    %rw: tensor<4x8xf32>, %rr: tensor<4x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rr
      {mem_len = 6 : i64, same_length = true, scale = 0.35355339059327373 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<96x32xf32>,
         tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return %o, %m : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// -----

// Relative positions: sines then cosines of min(klen - 1 - t, clamp_len)
// times the checkpoint's inv_freq.
// CHECK-LABEL: func.func @rel_positions
// CHECK: linalg.generic
// CHECK: arith.minsi %{{.*}}, %c7
// CHECK: tensor.extract %{{.*}}[%{{.*}}] : tensor<16xf32>
// CHECK: math.sin
// CHECK: math.cos
// CHECK: -> tensor<?x32xf32>
func.func @rel_positions(%k: index, %inv: tensor<16xf32>) -> tensor<?x32xf32> {
  %r = bert.rel_positions %k, %k, %inv : tensor<16xf32> {clamp_len = 7 : i64} -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}

// -----

// Adaptive log-softmax: the head normalizes over cluster 0 and the tail
// logits; each tail block adds its head logit (column c - 1 of the tail
// logits) to its own log-softmax; blocks are inserted at the cluster bounds.
// CHECK-DAG: #[[TAIL:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-LABEL: func.func @adaptive_log_softmax
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0] [%{{.*}}, %{{.*}}, 10] [1, 1, 1] : tensor<?x?x10xf32> into tensor<?x?x40xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #[[TAIL]], #{{.*}}, #{{.*}}, #{{.*}}]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 10] [%{{.*}}, %{{.*}}, 30] [1, 1, 1] : tensor<?x?x30xf32> into tensor<?x?x40xf32>
func.func @adaptive_log_softmax(%h: tensor<?x?x32xf32>, %w0: tensor<10x32xf32>, %w1: tensor<30x16xf32>,
    %b0: tensor<10xf32>, %b1: tensor<30xf32>, %p0: tensor<32x32xf32>, %p1: tensor<32x16xf32>,
    %cw: tensor<1x32xf32>, %cb: tensor<1xf32>) -> tensor<?x?x40xf32> {
  %lp = bert.adaptive_log_softmax %h, weights(%w0, %w1), biases(%b0, %b1),
      projections(%p0, %p1), cluster(%cw, %cb) {bounds = array<i64: 0, 10, 40>}
      : (tensor<?x?x32xf32>, tensor<10x32xf32>, tensor<30x16xf32>, tensor<10xf32>,
         tensor<30xf32>, tensor<32x32xf32>, tensor<32x16xf32>, tensor<1x32xf32>,
         tensor<1xf32>) -> tensor<?x?x40xf32>
  return %lp : tensor<?x?x40xf32>
}

// -----

// Adaptive embedding: one clamped gather per cluster, projected to D, then
// the token's cluster is selected by its id and the result scaled.
// CHECK-LABEL: func.func @adaptive_embedding
// CHECK: arith.maxsi
// CHECK: tensor.extract %{{.*}} : tensor<10x32xf32>
// CHECK: tensor.extract %{{.*}} : tensor<30x16xf32>
// CHECK: arith.cmpi sge, %{{.*}}, %c10_i64
// CHECK: arith.select
// CHECK: arith.mulf
func.func @adaptive_embedding(%ids: tensor<?x?xi64>, %t0: tensor<10x32xf32>, %t1: tensor<30x16xf32>,
    %p0: tensor<32x32xf32>, %p1: tensor<32x16xf32>) -> tensor<?x?x32xf32> {
  %e = bert.adaptive_embedding %ids, tables(%t0, %t1), projections(%p0, %p1)
      {bounds = array<i64: 0, 10, 40>, scale = 5.65685424949238 : f64}
      : (tensor<?x?xi64>, tensor<10x32xf32>, tensor<30x16xf32>, tensor<32x32xf32>, tensor<32x16xf32>)
      -> tensor<?x?x32xf32>
  return %e : tensor<?x?x32xf32>
}

// -----

// bert.two_stream_attention: the segment scores per class [B, N, L, 2], the
// masked scores minus 1e30, and the query stream only under scf.if (P > 0):
// without targets none of its work runs. The target mapping's two products
// are batched matrix products over merged heads (j = 4 x 8): the scatter
// reads the mapping transposed (A contiguous along k, the targets), the
// gather reads it as it is.
// CHECK-LABEL: func.func @two_stream
// CHECK: %[[BIG:.*]] = arith.constant 1.000000e+30 : f32
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x?x4x8xf32>, tensor<2x4x8xf32>) outs(%{{.*}} : tensor<?x4x?x2xf32>)
// CHECK: arith.subf %{{.*}}, %[[BIG]] : f32
// CHECK: %[[ANY:.*]] = arith.cmpi sgt, %{{.*}}, %c0
// CHECK: %[[G:.*]] = scf.if %[[ANY]] -> (tensor<?x?x32xf32>) {
// CHECK: %[[TMT:.*]] = linalg.transpose ins(%arg10 : tensor<?x?x?xf32>) outs(%{{.*}} : tensor<?x?x?xf32>) permutation = [0, 2, 1]
// CHECK: %[[QG:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<?x?x4x8xf32> into tensor<?x?x32xf32>
// CHECK: %[[SCATTER:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[TMT]], %[[QG]] : tensor<?x?x?xf32>, tensor<?x?x32xf32>)
// CHECK: tensor.expand_shape %[[SCATTER]] {{\[}}[0], [1], [2, 3]]
// CHECK: tensor<?x4x?x2xf32>
// CHECK: %[[AV:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<?x?x4x8xf32> into tensor<?x?x32xf32>
// CHECK: %[[GATHER:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%arg10, %[[AV]] : tensor<?x?x?xf32>, tensor<?x?x32xf32>)
// CHECK: tensor.expand_shape %[[GATHER]] {{\[}}[0], [1], [2, 3]]
// CHECK: scf.yield
// CHECK: } else {
// CHECK: tensor.empty
// CHECK: scf.yield
// CHECK: return %{{.*}}, %{{.*}}, %[[G]]
func.func @two_stream(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>, %tt: tensor<?x?xi64>, %am: tensor<?x?xi64>, %pm: tensor<?x?x?xf32>, %w: tensor<32x4x8xf32>, %b: tensor<4x8xf32>, %seg: tensor<2x4x8xf32>, %g: tensor<?x?x32xf32>, %tm: tensor<?x?x?xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %h2, %m2, %g2 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm)
      weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg) query(%g, %tm)
      {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = 0 : i64, scale = 0.35355339059327373 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>, tensor<?x?x32xf32>, tensor<?x?x?xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return %h2, %m2, %g2 : tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
}
