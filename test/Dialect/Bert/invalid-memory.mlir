// RUN: bertc-opt %s -split-input-file -verify-diagnostics

// One negative test per numbered constraint of BertMemoryOps.td, named after it.

func.func @rel_positions_c1(%k: index) {
  // expected-error @+1 {{expects a [K, D] result with a static even D, got [?, 31]}}
  %r = bert.rel_positions %k, %k {clamp_len = 0 : i64} -> tensor<?x31xf32>
  return
}

// -----

func.func @rel_positions_c2(%k: index, %inv: tensor<8xf32>) {
  // expected-error @+1 {{expects inv_freq of shape [16], got [8]}}
  %r = bert.rel_positions %k, %k, %inv : tensor<8xf32> {clamp_len = 0 : i64} -> tensor<?x32xf32>
  return
}

// -----

func.func @rel_positions_c3(%k: index) {
  // expected-error @+1 {{expects a non-negative clamp_len}}
  %r = bert.rel_positions %k, %k {clamp_len = -1 : i64} -> tensor<?x32xf32>
  return
}

// -----

func.func @rel_attention_c1(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x16xf32>, %r: tensor<?x32xf32>,
    %qkv: tensor<96x32xf32>, %wr: tensor<32x32xf32>, %wo: tensor<32x32xf32>, %rw: tensor<4x8xf32>) {
  // expected-error @+1 {{expects memory [M, ?, 32], got [?, ?, 16]}}
  %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rw {mem_len = 6 : i64, same_length = false, scale = 1.0 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x32xf32>, tensor<96x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @rel_attention_c2(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x16xf32>,
    %qkv: tensor<96x32xf32>, %wr: tensor<32x32xf32>, %wo: tensor<32x32xf32>, %rw: tensor<4x8xf32>) {
  // expected-error @+1 {{expects positions [K, 32], got [?, 16]}}
  %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rw {mem_len = 6 : i64, same_length = false, scale = 1.0 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x16xf32>, tensor<96x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @rel_attention_c3(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>,
    %qkv: tensor<96x32xf32>, %wr: tensor<32x32xf32>, %wo: tensor<32x32xf32>, %rw: tensor<4x8xf32>, %rr: tensor<8x4xf32>) {
  // expected-error @+1 {{expects r_w_bias and r_r_bias of one static shape [N, dh], got [4, 8] and [8, 4]}}
  %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rr {mem_len = 6 : i64, same_length = false, scale = 1.0 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<96x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<8x4xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @rel_attention_c4(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>,
    %qkv: tensor<64x32xf32>, %wr: tensor<32x32xf32>, %wo: tensor<32x32xf32>, %rw: tensor<4x8xf32>) {
  // expected-error @+1 {{expects qkv_weight [96, 32], r_weight [32, 32] and out_weight [32, 32], got [64, 32], [32, 32] and [32, 32]}}
  %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rw {mem_len = 6 : i64, same_length = false, scale = 1.0 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<64x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @rel_attention_c5(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>,
    %qkv: tensor<96x32xf32>, %wr: tensor<32x32xf32>, %wo: tensor<32x32xf32>, %rw: tensor<4x8xf32>) {
  // expected-error @+1 {{expects a non-negative mem_len}}
  %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rw {mem_len = -1 : i64, same_length = false, scale = 1.0 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<96x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @rel_attention_c6(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>,
    %qkv: tensor<96x32xf32>, %wr: tensor<32x32xf32>, %wo: tensor<32x32xf32>, %rw: tensor<4x8xf32>) {
  // expected-error @+1 {{expects new_memory [?, ?, 32], got [?, ?, 16]}}
  %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rw {mem_len = 6 : i64, same_length = false, scale = 1.0 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<96x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x16xf32>)
  return
}

// -----

func.func @rel_attention_c7(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>,
    %qkv: tensor<96x32xf32>, %wr: tensor<32x32xf32>, %wo: tensor<32x32xf32>, %rw: tensor<4x8xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{expects pre_norm weight and bias [32] with a positive norm_epsilon, or none of them}}
  %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rw pre_norm(%g, %g) {mem_len = 6 : i64, same_length = false, scale = 1.0 : f64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<96x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<32xf32>, tensor<32xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @two_stream_attention_c1(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x16xf32>, %r: tensor<?x32xf32>, %tt: tensor<?x?xi64>, %am: tensor<?x?xi64>, %pm: tensor<?x?x?xf32>, %w: tensor<32x4x8xf32>, %b: tensor<4x8xf32>, %seg: tensor<2x4x8xf32>) {
  // expected-error @+1 {{expects memory [M, ?, 32], got [?, ?, 16]}}
  %o:2 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm) weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg) {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = 0 : i64, scale = 0.35355339059327373 : f64} : (tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @two_stream_attention_c2(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x16xf32>, %tt: tensor<?x?xi64>, %am: tensor<?x?xi64>, %pm: tensor<?x?x?xf32>, %w: tensor<32x4x8xf32>, %b: tensor<4x8xf32>, %seg: tensor<2x4x8xf32>) {
  // expected-error @+1 {{expects positions [R, 32], got [?, 16]}}
  %o:2 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm) weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg) {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = 0 : i64, scale = 0.35355339059327373 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x16xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @two_stream_attention_c3(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>, %tt: tensor<?x?xi64>, %am: tensor<?x?xi64>, %pm: tensor<?x?xf32>, %w: tensor<32x4x8xf32>, %b: tensor<4x8xf32>, %seg: tensor<2x4x8xf32>) {
  // expected-error @+1 {{expects token_types and attention_mask [?, ?] and perm_mask [?, ?, ?], got [?, ?], [?, ?] and [?, ?]}}
  %o:2 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm) weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg) {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = 0 : i64, scale = 0.35355339059327373 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @two_stream_attention_c4(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>, %tt: tensor<?x?xi64>, %am: tensor<?x?xi64>, %pm: tensor<?x?x?xf32>, %w: tensor<32x4x8xf32>, %b: tensor<8x4xf32>, %seg: tensor<2x4x8xf32>) {
  // expected-error @+1 {{expects biases [4, 8], got [8, 4]}}
  %o:2 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm) weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg) {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = 0 : i64, scale = 0.35355339059327373 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<2x4x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @two_stream_attention_c5(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>, %tt: tensor<?x?xi64>, %am: tensor<?x?xi64>, %pm: tensor<?x?x?xf32>, %w: tensor<32x4x8xf32>, %b: tensor<4x8xf32>, %seg: tensor<2x4x8xf32>, %g: tensor<?x?x32xf32>, %tm: tensor<?x?x?xf32>) {
  // expected-error @+1 {{expects query, target_mapping and query_out together or none of them}}
  %o:2 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm) weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg) query(%g, %tm) {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = 0 : i64, scale = 0.35355339059327373 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>, tensor<?x?x32xf32>, tensor<?x?x?xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @two_stream_attention_c6(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>, %tt: tensor<?x?xi64>, %am: tensor<?x?xi64>, %pm: tensor<?x?x?xf32>, %w: tensor<32x4x8xf32>, %b: tensor<4x8xf32>, %seg: tensor<2x4x8xf32>) {
  // expected-error @+1 {{expects new_memory [?, ?, 32], got [?, ?, 16]}}
  %o:2 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm) weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg) {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = 0 : i64, scale = 0.35355339059327373 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x16xf32>)
  return
}

// -----

func.func @two_stream_attention_c7(%h: tensor<?x?x32xf32>, %mem: tensor<?x?x32xf32>, %r: tensor<?x32xf32>, %tt: tensor<?x?xi64>, %am: tensor<?x?xi64>, %pm: tensor<?x?x?xf32>, %w: tensor<32x4x8xf32>, %b: tensor<4x8xf32>, %seg: tensor<2x4x8xf32>) {
  // expected-error @+1 {{expects non-negative mem_len and reuse_len}}
  %o:2 = bert.two_stream_attention %h, %mem, %r inputs(%tt, %am, %pm) weights(%w, %w, %w, %w, %w) biases(%b, %b, %b, %seg) {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = -1 : i64, scale = 1.0 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
  return
}

// -----

func.func @adaptive_embedding_c1(%ids: tensor<?x?xi64>, %t0: tensor<10x32xf32>, %t1: tensor<30x32xf32>) {
  // expected-error @+1 {{expects strictly increasing bounds}}
  %e = bert.adaptive_embedding %ids, tables(%t0, %t1) {bounds = array<i64: 0, 10, 10>, scale = 1.0 : f64}
      : (tensor<?x?xi64>, tensor<10x32xf32>, tensor<30x32xf32>) -> tensor<?x?x32xf32>
  return
}

// -----

func.func @adaptive_embedding_c2(%ids: tensor<?x?xi64>, %t0: tensor<10x32xf32>, %t1: tensor<30x16xf32>, %p0: tensor<32x32xf32>, %p1: tensor<32x8xf32>) {
  // expected-error @+1 {{expects projection 1 to be [32, 16], got [32, 8]}}
  %e = bert.adaptive_embedding %ids, tables(%t0, %t1), projections(%p0, %p1) {bounds = array<i64: 0, 10, 40>, scale = 1.0 : f64}
      : (tensor<?x?xi64>, tensor<10x32xf32>, tensor<30x16xf32>, tensor<32x32xf32>, tensor<32x8xf32>) -> tensor<?x?x32xf32>
  return
}

// -----

func.func @adaptive_embedding_c3(%ids: tensor<?x?xi64>, %t0: tensor<40x32xf32>) {
  // expected-error @+1 {{expects result shape ids.shape + [D], got [?, 32]}}
  %e = bert.adaptive_embedding %ids, tables(%t0) {bounds = array<i64: 0, 40>, scale = 1.0 : f64}
      : (tensor<?x?xi64>, tensor<40x32xf32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @adaptive_log_softmax_c1(%h: tensor<?x?x32xf32>, %w: tensor<40x32xf32>, %b: tensor<30xf32>) {
  // expected-error @+1 {{expects bias 0 of shape [40], got [30]}}
  %lp = bert.adaptive_log_softmax %h, weights(%w), biases(%b) {bounds = array<i64: 0, 40>}
      : (tensor<?x?x32xf32>, tensor<40x32xf32>, tensor<30xf32>) -> tensor<?x?x40xf32>
  return
}

// -----

func.func @adaptive_log_softmax_c2(%h: tensor<?x?x32xf32>, %w: tensor<40x16xf32>, %b: tensor<40xf32>) {
  // expected-error @+1 {{expects weight 0 to be [rows, 32], got [40, 16]}}
  %lp = bert.adaptive_log_softmax %h, weights(%w), biases(%b) {bounds = array<i64: 0, 40>}
      : (tensor<?x?x32xf32>, tensor<40x16xf32>, tensor<40xf32>) -> tensor<?x?x40xf32>
  return
}

// -----

func.func @adaptive_log_softmax_c3(%h: tensor<?x?x32xf32>, %w0: tensor<10x32xf32>, %w1: tensor<30x32xf32>, %b0: tensor<10xf32>, %b1: tensor<30xf32>) {
  // expected-error @+1 {{expects cluster weights exactly when there are tail clusters}}
  %lp = bert.adaptive_log_softmax %h, weights(%w0, %w1), biases(%b0, %b1) {bounds = array<i64: 0, 10, 40>}
      : (tensor<?x?x32xf32>, tensor<10x32xf32>, tensor<30x32xf32>, tensor<10xf32>, tensor<30xf32>) -> tensor<?x?x40xf32>
  return
}

// -----

func.func @adaptive_log_softmax_c4(%h: tensor<?x?x32xf32>, %w: tensor<40x32xf32>, %b: tensor<40xf32>) {
  // expected-error @+1 {{expects result shape [?, ?, 40], got [?, ?, 41]}}
  %lp = bert.adaptive_log_softmax %h, weights(%w), biases(%b) {bounds = array<i64: 0, 40>}
      : (tensor<?x?x32xf32>, tensor<40x32xf32>, tensor<40xf32>) -> tensor<?x?x41xf32>
  return
}
