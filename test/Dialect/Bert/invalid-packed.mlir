// RUN: bertc-opt %s -split-input-file -verify-diagnostics

// One negative test per numbered constraint of BertPackedOps.td, named after it.

func.func @packed_position_ids_c1(%ids: tensor<2x?xi64>, %off: tensor<?xi64>) {
  // expected-error @+1 {{expects input_ids of shape [1, T], got [2, ?]}}
  %p = bert.packed_position_ids %ids, %off : tensor<2x?xi64>, tensor<?xi64>
  return
}

// -----

func.func @packed_position_ids_c2(%ids: tensor<1x?xi64>, %off: tensor<1x?xi64>) {
  // expected-error @+1 {{expects rank-1 offsets [B + 1], got shape [1, ?]}}
  %p = bert.packed_position_ids %ids, %off : tensor<1x?xi64>, tensor<1x?xi64>
  return
}

// -----

func.func @packed_position_ids_c3(%ids: tensor<1x?xi64>, %off: tensor<?xi64>) {
  // expected-error @+1 {{expects a non-negative padding_idx, got -1}}
  %p = bert.packed_position_ids %ids, %off {padding_idx = -1 : i64} : tensor<1x?xi64>, tensor<?xi64>
  return
}

// -----

func.func @packed_attention_c1(%h: tensor<1x?x30xf32>, %off: tensor<?xi64>) {
  // expected-error @+1 {{expects num_heads to divide the width 30, got 4}}
  %c = bert.packed_attention %h, %h, %h, %off {num_heads = 4 : i64, scale = 0.5 : f64}
      : (tensor<1x?x30xf32>, tensor<1x?x30xf32>, tensor<1x?x30xf32>, tensor<?xi64>) -> tensor<1x?x30xf32>
  return
}

// -----

func.func @packed_attention_c2(%h: tensor<2x?x32xf32>, %off: tensor<?xi64>) {
  // expected-error @+1 {{expects query, key and value of one shape [1, T, H], got [2, ?, 32], [2, ?, 32] and [2, ?, 32]}}
  %c = bert.packed_attention %h, %h, %h, %off {num_heads = 4 : i64, scale = 0.5 : f64}
      : (tensor<2x?x32xf32>, tensor<2x?x32xf32>, tensor<2x?x32xf32>, tensor<?xi64>) -> tensor<2x?x32xf32>
  return
}

// -----

func.func @packed_attention_c3(%h: tensor<1x?x32xf32>, %off: tensor<i64>) {
  // expected-error @+1 {{expects rank-1 offsets [B + 1], got shape []}}
  %c = bert.packed_attention %h, %h, %h, %off {num_heads = 4 : i64, scale = 0.5 : f64}
      : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<i64>) -> tensor<1x?x32xf32>
  return
}

// -----

func.func @packed_attention_c4(%h: tensor<1x?x32xf32>, %off: tensor<?xi64>) {
  // expected-error @+1 {{expects the result to have the query's type}}
  %c = bert.packed_attention %h, %h, %h, %off {num_heads = 4 : i64, scale = 0.5 : f64}
      : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<?xi64>) -> tensor<1x?x16xf32>
  return
}

// -----

func.func @packed_select_token_c1(%h: tensor<?x?x32xf32>, %off: tensor<?xi64>) {
  // expected-error @+1 {{expects an input of shape [1, T, H] and a rank-2 result, got [?, ?, 32] and [?, ?, 32]}}
  %s = bert.packed_select_token %h[0], %off : tensor<?x?x32xf32>, tensor<?xi64> -> tensor<?x?x32xf32>
  return
}

// -----

func.func @packed_select_token_c2(%h: tensor<1x?x32xf32>, %off: tensor<3x1xi64>) {
  // expected-error @+1 {{expects rank-1 offsets [B + 1], got shape [3, 1]}}
  %s = bert.packed_select_token %h[0], %off : tensor<1x?x32xf32>, tensor<3x1xi64> -> tensor<?x32xf32>
  return
}

// -----

func.func @packed_select_token_c3(%h: tensor<1x?x32xf32>, %off: tensor<3xi64>) {
  // expected-error @+1 {{expects result [2, 32] of 'f32', got [3, 32] of 'f32'}}
  %s = bert.packed_select_token %h[0], %off : tensor<1x?x32xf32>, tensor<3xi64> -> tensor<3x32xf32>
  return
}
