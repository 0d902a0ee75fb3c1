// RUN: bertc-opt %s | bertc-opt | FileCheck %s
// RUN: bertc-opt %s --mlir-print-op-generic | bertc-opt | FileCheck %s

// The memory-recurrent and adaptive ops (BertMemoryOps.td) survive a
// print/parse round trip, custom and generic form.

// CHECK-LABEL: func.func @memory_attention
// CHECK: bert.rel_positions %{{.*}}, %{{.*}}, %{{.*}} : tensor<16xf32> {clamp_len = 7 : i64} -> tensor<?x32xf32>
// CHECK: bert.rel_positions %{{.*}}, %{{.*}} {clamp_len = 0 : i64} -> tensor<?x32xf32>
// CHECK: bert.rel_attention {{.*}} {mem_len = 6 : i64, same_length = true, scale = 0.3535{{[0-9]*}} : f64}
// CHECK-SAME: -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
// CHECK: bert.rel_attention {{.*}} pre_norm(%{{.*}}, %{{.*}}) {mem_len = 0 : i64, norm_epsilon = 1.000000e-05 : f64
func.func @memory_attention(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %klen: index,
    %inv: tensor<16xf32>, %qkv: tensor<96x32xf32>, %wr: tensor<32x32xf32>, %wo: tensor<32x32xf32>,
    %rw: tensor<4x8xf32>, %rr: tensor<4x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>) {
  %r = bert.rel_positions %klen, %klen, %inv : tensor<16xf32> {clamp_len = 7 : i64} -> tensor<?x32xf32>
  %r2 = bert.rel_positions %klen, %klen {clamp_len = 0 : i64} -> tensor<?x32xf32>
  %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rr
      {mem_len = 6 : i64, same_length = true, scale = 0.35355339059327373 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<96x32xf32>,
         tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  %g = arith.constant dense<1.0> : tensor<32xf32>
  %o2, %m2 = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rr pre_norm(%g, %g)
      {mem_len = 0 : i64, same_length = false, scale = 0.35355339059327373 : f64, norm_epsilon = 1.0e-5 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<96x32xf32>,
         tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<32xf32>, tensor<32xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return %o, %m, %r2 : tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>
}

// CHECK-LABEL: func.func @two_stream
// CHECK: bert.two_stream_attention %{{.*}}, %{{.*}}, %{{.*}} inputs(%{{.*}}, %{{.*}}, %{{.*}}) weights(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) biases(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) query(%{{.*}}, %{{.*}}) {causal = false
// CHECK-SAME: -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>)
// CHECK: bert.two_stream_attention %{{.*}}, %{{.*}}, %{{.*}} inputs(%{{.*}}, %{{.*}}, %{{.*}}) weights(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) biases(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {causal = true
// CHECK-SAME: -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
func.func @two_stream(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>, %tt: tensor<?x?xi64>, %am: tensor<?x?xi64>, %pm: tensor<?x?x?xf32>, %w: tensor<32x4x8xf32>, %b: tensor<4x8xf32>, %seg: tensor<2x4x8xf32>, %g: tensor<?x?x32xf32>, %tm: tensor<?x?x?xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %h2, %m2, %g2 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm)
      weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg) query(%g, %tm) {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = 0 : i64, scale = 0.35355339059327373 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>, tensor<?x?x32xf32>, tensor<?x?x?xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  %h3, %m3 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm)
      weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg)
      {causal = true, same_length = true, mem_len = 0 : i64, reuse_len = 3 : i64, scale = 0.35355339059327373 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return %h2, %m2, %g2, %h3 : tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// CHECK-LABEL: func.func @adaptive
// CHECK: bert.adaptive_embedding %{{.*}}, tables(%{{.*}}, %{{.*}}), projections(%{{.*}}, %{{.*}}) {bounds = array<i64: 0, 10, 40>
// CHECK: bert.adaptive_embedding %{{.*}}, tables(%{{.*}}) {bounds = array<i64: 0, 40>
// CHECK: bert.adaptive_log_softmax %{{.*}}, weights(%{{.*}}, %{{.*}}), biases(%{{.*}}, %{{.*}}), projections(%{{.*}}, %{{.*}}), cluster(%{{.*}}, %{{.*}}) {bounds = array<i64: 0, 10, 40>}
// CHECK: bert.adaptive_log_softmax %{{.*}}, weights(%{{.*}}), biases(%{{.*}}) {bounds = array<i64: 0, 40>}
func.func @adaptive(%ids: tensor<?x?xi64>, %h: tensor<?x?x32xf32>, %t0: tensor<10x32xf32>,
    %t1: tensor<30x16xf32>, %p0: tensor<32x32xf32>, %p1: tensor<32x16xf32>, %b0: tensor<10xf32>,
    %b1: tensor<30xf32>, %cw: tensor<1x32xf32>, %cb: tensor<1xf32>, %w: tensor<40x32xf32>,
    %b: tensor<40xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x40xf32>, tensor<?x?x40xf32>) {
  %e = bert.adaptive_embedding %ids, tables(%t0, %t1), projections(%p0, %p1)
      {bounds = array<i64: 0, 10, 40>, scale = 5.65685424949238 : f64}
      : (tensor<?x?xi64>, tensor<10x32xf32>, tensor<30x16xf32>, tensor<32x32xf32>, tensor<32x16xf32>)
      -> tensor<?x?x32xf32>
  %e2 = bert.adaptive_embedding %ids, tables(%w) {bounds = array<i64: 0, 40>, scale = 1.0 : f64}
      : (tensor<?x?xi64>, tensor<40x32xf32>) -> tensor<?x?x32xf32>
  %lp = bert.adaptive_log_softmax %h, weights(%t0, %t1), biases(%b0, %b1),
      projections(%p0, %p1), cluster(%cw, %cb) {bounds = array<i64: 0, 10, 40>}
      : (tensor<?x?x32xf32>, tensor<10x32xf32>, tensor<30x16xf32>, tensor<10xf32>,
         tensor<30xf32>, tensor<32x32xf32>, tensor<32x16xf32>, tensor<1x32xf32>,
         tensor<1xf32>) -> tensor<?x?x40xf32>
  %lp2 = bert.adaptive_log_softmax %h, weights(%w), biases(%b) {bounds = array<i64: 0, 40>}
      : (tensor<?x?x32xf32>, tensor<40x32xf32>, tensor<40xf32>) -> tensor<?x?x40xf32>
  return %e, %e2, %lp, %lp2 : tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x40xf32>, tensor<?x?x40xf32>
}
