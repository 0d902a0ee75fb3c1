// RUN: bertc-opt %s -split-input-file -verify-diagnostics

// One negative test per numbered constraint of BertOps.td, named after it.

func.func @param_c1() -> tensor<?x32xf32> {
  // expected-error @+1 {{expects a static shape, got [?, 32]}}
  %w = bert.param "w" : tensor<?x32xf32>
  return %w : tensor<?x32xf32>
}

// -----

func.func @param_c2() -> tensor<32xf32> {
  // expected-error @+1 {{expects a non-empty parameter name}}
  %w = bert.param "" : tensor<32xf32>
  return %w : tensor<32xf32>
}

// -----

func.func @embedding_c1(%t: tensor<99xf32>, %ids: tensor<?x?xi64>) {
  // expected-error @+1 {{expects a rank-2 table, got rank 1}}
  %e = bert.embedding %t[%ids] : tensor<99xf32>, tensor<?x?xi64> -> tensor<?x?x32xf32>
  return
}

// -----

func.func @embedding_c2(%t: tensor<99x32xf32>, %ids: tensor<?x?xi64>) {
  // expected-error @+1 {{expects result shape [?, ?, 32], got [?, ?, 16]}}
  %e = bert.embedding %t[%ids] : tensor<99x32xf32>, tensor<?x?xi64> -> tensor<?x?x16xf32>
  return
}

// -----

func.func @embedding_c3(%t: tensor<99x32xf32>, %ids: tensor<?x?xi64>) {
  // expected-error @+1 {{expects result element type 'f32', got 'f16'}}
  %e = bert.embedding %t[%ids] : tensor<99x32xf32>, tensor<?x?xi64> -> tensor<?x?x32xf16>
  return
}

// -----

func.func @position_ids_c1(%ids: tensor<?xi64>) {
  // expected-error @+1 {{expects rank-2 input_ids, got rank 1}}
  %p = bert.position_ids %ids : tensor<?xi64>
  return
}

// -----

func.func @position_ids_c2(%ids: tensor<?x?xi64>) {
  // expected-error @+1 {{expects a non-negative padding_idx, got -1}}
  %p = bert.position_ids %ids {padding_idx = -1 : i64} : tensor<?x?xi64>
  return
}

// -----

func.func @select_token_c1(%x: tensor<?x32xf32>) {
  // expected-error @+1 {{expects a rank-3 input and a rank-2 result, got 2 and 2}}
  %c = bert.select_token %x[0] : tensor<?x32xf32> -> tensor<?x32xf32>
  return
}

// -----

func.func @select_token_c2(%x: tensor<?x?x32xf32>) {
  // expected-error @+1 {{expects result [?, 32] of 'f32', got [?, 16] of 'f32'}}
  %c = bert.select_token %x[0] : tensor<?x?x32xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @select_token_c3(%x: tensor<2x5x32xf32>) {
  // expected-error @+1 {{expects index in [-5, 5), got 5}}
  %c = bert.select_token %x[5] : tensor<2x5x32xf32> -> tensor<2x32xf32>
  return
}

// -----

func.func @linear_c1(%x: tensor<?x?x32xf32>, %w: tensor<37xf32>) {
  // expected-error @+1 {{expects a rank-2 weight and an input of rank >= 1, got ranks 1 and 3}}
  %y = bert.linear %x, %w : (tensor<?x?x32xf32>, tensor<37xf32>) -> tensor<?x?x37xf32>
  return
}

// -----

func.func @linear_c2(%x: tensor<?x?x32xf32>, %w: tensor<37x16xf32>) {
  // expected-error @+1 {{expects input width 16 (weight.dim(1)), got 32}}
  %y = bert.linear %x, %w : (tensor<?x?x32xf32>, tensor<37x16xf32>) -> tensor<?x?x37xf32>
  return
}

// -----

func.func @linear_c3(%x: tensor<?x?x32xf32>, %w: tensor<37x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{expects bias shape [37], got [32]}}
  %y = bert.linear %x, %w, %b : (tensor<?x?x32xf32>, tensor<37x32xf32>, tensor<32xf32>) -> tensor<?x?x37xf32>
  return
}

// -----

func.func @linear_c4(%x: tensor<?x?x32xf32>, %w: tensor<37x32xf32>) {
  // expected-error @+1 {{expects result shape [?, ?, 37], got [?, ?, 32]}}
  %y = bert.linear %x, %w : (tensor<?x?x32xf32>, tensor<37x32xf32>) -> tensor<?x?x32xf32>
  return
}

// -----

func.func @layer_norm_c1(%x: tensor<?x?x32xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{expects gamma and beta of shape [32], got [16]}}
  %y = bert.layer_norm %x, %g, %g {epsilon = 1.0e-12 : f64} : tensor<?x?x32xf32>, tensor<16xf32>
  return
}

// -----

func.func @layer_norm_c2(%x: tensor<?x?x32xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{expects a positive epsilon, got 0}}
  %y = bert.layer_norm %x, %g, %g {epsilon = 0.0 : f64} : tensor<?x?x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @layer_norm_c3(%x: tensor<?x?x32xf32>, %g: tensor<32xf16>) {
  // expected-error @+1 {{expects gamma of element type 'f32', got 'f16'}}
  %y = bert.layer_norm %x, %g, %g {epsilon = 1.0e-12 : f64} : tensor<?x?x32xf32>, tensor<32xf16>
  return
}

// -----

func.func @softmax_c1(%x: tensor<f32>) {
  // expected-error @+1 {{expects an input of rank >= 1}}
  %y = bert.softmax %x : tensor<f32>
  return
}

// -----

func.func @mask_bias_c1(%m: tensor<?xi64>) {
  // expected-error @+1 {{expects a rank-2 mask, got rank 1}}
  %b = bert.mask_bias %m {fill = -1.0e4 : f64} : tensor<?xi64> -> tensor<?xf32>
  return
}

// -----

func.func @mask_bias_c2(%m: tensor<2x3xi64>) {
  // expected-error @+1 {{expects result shape [2, 3], got [2, 4]}}
  %b = bert.mask_bias %m {fill = -1.0e4 : f64} : tensor<2x3xi64> -> tensor<2x4xf32>
  return
}

// -----

func.func @attention_c1(%q: tensor<?x?x32xf32>) {
  // expected-error @+1 {{expects num_heads to divide the width 32, got 3}}
  %c = bert.attention %q, %q, %q {num_heads = 3 : i64, scale = 1.0 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  return
}

// -----

func.func @attention_c1_dynamic_width(%q: tensor<?x?x?xf32>) {
  // expected-error @+1 {{expects a static hidden width}}
  %c = bert.attention %q, %q, %q {num_heads = 4 : i64, scale = 1.0 : f64} : (tensor<?x?x?xf32>, tensor<?x?x?xf32>, tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  return
}

// -----

func.func @attention_c2(%q: tensor<2x5x32xf32>, %k: tensor<2x7x32xf32>, %v: tensor<2x6x32xf32>) {
  // expected-error @+1 {{expects query, key and value of one batch and width and key/value of one length, got [2, 5, 32], [2, 7, 32] and [2, 6, 32]}}
  %c = bert.attention %q, %k, %v {num_heads = 4 : i64, scale = 1.0 : f64} : (tensor<2x5x32xf32>, tensor<2x7x32xf32>, tensor<2x6x32xf32>) -> tensor<2x5x32xf32>
  return
}

// -----

func.func @attention_c3(%q: tensor<2x5x32xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{expects bias shape [2, 5], got [2, 4]}}
  %c = bert.attention %q, %q, %q, %b {num_heads = 4 : i64, scale = 1.0 : f64} : (tensor<2x5x32xf32>, tensor<2x5x32xf32>, tensor<2x5x32xf32>, tensor<2x4xf32>) -> tensor<2x5x32xf32>
  return
}

// -----

func.func @attention_c4(%q: tensor<2x5x32xf32>) {
  // expected-error @+1 {{expects the result to have the query's type 'tensor<2x5x32xf32>', got 'tensor<2x5x16xf32>'}}
  %c = bert.attention %q, %q, %q {num_heads = 4 : i64, scale = 1.0 : f64} : (tensor<2x5x32xf32>, tensor<2x5x32xf32>, tensor<2x5x32xf32>) -> tensor<2x5x16xf32>
  return
}

// -----

func.func @shared_layers_c1(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{expects a positive count, got 0}}
  %h = bert.shared_layers 0 (%x) : tensor<4x8xf32> {
  ^bb0(%in: tensor<4x8xf32>):
    bert.yield %in : tensor<4x8xf32>
  }
  return %h : tensor<4x8xf32>
}

// -----

func.func @shared_layers_c2(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{expects the body to take one argument of type 'tensor<4x8xf32>'}}
  %h = bert.shared_layers 2 (%x) : tensor<4x8xf32> {
  ^bb0(%in: tensor<4x8xf16>):
    %c = arith.constant dense<0.0> : tensor<4x8xf32>
    bert.yield %c : tensor<4x8xf32>
  }
  return %h : tensor<4x8xf32>
}

// -----

func.func @shared_layers_c3(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{expects the body to yield one value of type 'tensor<4x8xf32>'}}
  %h = bert.shared_layers 2 (%x) : tensor<4x8xf32> {
  ^bb0(%in: tensor<4x8xf32>):
    bert.yield
  }
  return %h : tensor<4x8xf32>
}

// -----

func.func @early_exit_c1(%h: tensor<?x?x4xf32>, %b: tensor<?x?xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{expects at least one layer region}}
  %l, %e, %u = bert.early_exit(%h, %b, %s) : (tensor<?x?x4xf32>, tensor<?x?xf32>, tensor<1xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>)
  return
}

// -----

func.func @early_exit_c2(%h: tensor<?x?x4xf32>, %b: tensor<?x?xf32>, %s: tensor<1xf32>, %c: tensor<1x4xf32>) {
  // expected-error @+1 {{expects region 0 to yield logits [?, N] with one static N >= 2}}
  %l, %e, %u = bert.early_exit(%h, %b, %s) : (tensor<?x?x4xf32>, tensor<?x?xf32>, tensor<1xf32>) -> (tensor<?x1xf32>, tensor<?xi64>, tensor<?xf32>) {
  ^bb0(%x: tensor<?x?x4xf32>, %bb: tensor<?x?xf32>):
    %t = bert.select_token %x[0] : tensor<?x?x4xf32> -> tensor<?x4xf32>
    %lg = bert.linear %t, %c : (tensor<?x4xf32>, tensor<1x4xf32>) -> tensor<?x1xf32>
    bert.yield %x, %lg : tensor<?x?x4xf32>, tensor<?x1xf32>
  }
  return
}

// -----

func.func @early_exit_c2_region_args(%h: tensor<?x?x4xf32>, %b: tensor<?x?xf32>, %s: tensor<1xf32>, %lg: tensor<?x2xf32>) {
  // expected-error @+1 {{expects region 0 to take ('tensor<?x?x4xf32>', 'tensor<?x?xf32>')}}
  %l, %e, %u = bert.early_exit(%h, %b, %s) : (tensor<?x?x4xf32>, tensor<?x?xf32>, tensor<1xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>) {
  ^bb0(%x: tensor<?x?x4xf32>):
    bert.yield %x, %lg : tensor<?x?x4xf32>, tensor<?x2xf32>
  }
  return
}

// -----

func.func @early_exit_c3(%h: tensor<?x?x4xf32>, %b: tensor<?x?xf32>, %s: tensor<2xf32>, %lg: tensor<?x2xf32>) {
  // expected-error @+1 {{expects speed of type tensor<1xf32>, got 'tensor<2xf32>'}}
  %l, %e, %u = bert.early_exit(%h, %b, %s) : (tensor<?x?x4xf32>, tensor<?x?xf32>, tensor<2xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>) {
  ^bb0(%x: tensor<?x?x4xf32>, %bb: tensor<?x?xf32>):
    bert.yield %x, %lg : tensor<?x?x4xf32>, tensor<?x2xf32>
  }
  return
}

// -----

func.func @early_exit_c4(%h: tensor<?x?x4xf32>, %b: tensor<?x?xf32>, %s: tensor<1xf32>, %lg: tensor<?x2xf32>) {
  // expected-error @+1 {{expects results logits [?, 2], exit layers and uncertainties [?]}}
  %l, %e, %u = bert.early_exit(%h, %b, %s) : (tensor<?x?x4xf32>, tensor<?x?xf32>, tensor<1xf32>) -> (tensor<?x3xf32>, tensor<?xi64>, tensor<?xf32>) {
  ^bb0(%x: tensor<?x?x4xf32>, %bb: tensor<?x?xf32>):
    bert.yield %x, %lg : tensor<?x?x4xf32>, tensor<?x2xf32>
  }
  return
}
