// RUN: bertc-opt %s | bertc-opt | FileCheck %s
// RUN: bertc-opt %s --mlir-print-op-generic | bertc-opt | FileCheck %s

// Every bert op survives a print/parse round trip, custom and generic form.

// CHECK-LABEL: func.func @params
// CHECK: bert.param "encoder.layer.0.attention.self.query.weight" : tensor<32x32xf32>
func.func @params() -> tensor<32x32xf32> {
  %w = bert.param "encoder.layer.0.attention.self.query.weight" : tensor<32x32xf32>
  return %w : tensor<32x32xf32>
}

// CHECK-LABEL: func.func @embeddings
// CHECK: %[[E:.*]] = bert.embedding %{{.*}}[%{{.*}}] : tensor<99x32xf32>, tensor<?x?xi64> -> tensor<?x?x32xf32>
// CHECK: bert.position_ids %{{.*}} : tensor<?x?xi64>
// CHECK: bert.position_ids %{{.*}} {padding_idx = 1 : i64} : tensor<?x?xi64>
// CHECK: bert.select_token %[[E]][0] : tensor<?x?x32xf32> -> tensor<?x32xf32>
// CHECK: bert.select_token %[[E]][-1] : tensor<?x?x32xf32> -> tensor<?x32xf32>
func.func @embeddings(%t: tensor<99x32xf32>, %ids: tensor<?x?xi64>) -> (tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>) {
  %e = bert.embedding %t[%ids] : tensor<99x32xf32>, tensor<?x?xi64> -> tensor<?x?x32xf32>
  %p = bert.position_ids %ids : tensor<?x?xi64>
  %r = bert.position_ids %ids {padding_idx = 1 : i64} : tensor<?x?xi64>
  %first = bert.select_token %e[0] : tensor<?x?x32xf32> -> tensor<?x32xf32>
  %last = bert.select_token %e[-1] : tensor<?x?x32xf32> -> tensor<?x32xf32>
  return %first, %last, %p, %r : tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>, tensor<?x?xi64>
}

// CHECK-LABEL: func.func @layers
// CHECK: bert.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x32xf32>, tensor<37x32xf32>, tensor<37xf32>) -> tensor<?x?x37xf32>
// CHECK: bert.activation gelu %{{.*}} : tensor<?x?x37xf32>
// CHECK: bert.activation gelu_tanh
// CHECK: bert.activation relu
// CHECK: bert.activation tanh
// CHECK: bert.activation silu
// CHECK: bert.activation quick_gelu
// CHECK: bert.linear %{{.*}}, %{{.*}} : (tensor<?x?x37xf32>, tensor<32x37xf32>) -> tensor<?x?x32xf32>
// CHECK: bert.add %{{.*}}, %{{.*}} : tensor<?x?x32xf32>
// CHECK: bert.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.9999999999999998E-13 : f64} : tensor<?x?x32xf32>, tensor<32xf32>
func.func @layers(%x: tensor<?x?x32xf32>, %w1: tensor<37x32xf32>, %b1: tensor<37xf32>, %w2: tensor<32x37xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>) -> tensor<?x?x32xf32> {
  %h = bert.linear %x, %w1, %b1 : (tensor<?x?x32xf32>, tensor<37x32xf32>, tensor<37xf32>) -> tensor<?x?x37xf32>
  %a = bert.activation gelu %h : tensor<?x?x37xf32>
  %a1 = bert.activation gelu_tanh %a : tensor<?x?x37xf32>
  %a2 = bert.activation relu %a1 : tensor<?x?x37xf32>
  %a3 = bert.activation tanh %a2 : tensor<?x?x37xf32>
  %a4 = bert.activation silu %a3 : tensor<?x?x37xf32>
  %a5 = bert.activation quick_gelu %a4 : tensor<?x?x37xf32>
  %o = bert.linear %a5, %w2 : (tensor<?x?x37xf32>, tensor<32x37xf32>) -> tensor<?x?x32xf32>
  %r = bert.add %o, %x : tensor<?x?x32xf32>
  %y = bert.layer_norm %r, %g, %b {epsilon = 1.0e-12 : f64} : tensor<?x?x32xf32>, tensor<32xf32>
  return %y : tensor<?x?x32xf32>
}

// CHECK-LABEL: func.func @attention
// CHECK: %[[B:.*]] = bert.mask_bias %{{.*}} {fill = -3.4028234663852886E+38 : f64} : tensor<?x?xi64> -> tensor<?x?xf32>
// CHECK: bert.attention %{{.*}}, %{{.*}}, %{{.*}}, %[[B]] {num_heads = 4 : i64, scale = 0.35355339059327373 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xf32>) -> tensor<?x?x32xf32>
// CHECK: bert.attention %{{.*}}, %{{.*}}, %{{.*}} {num_heads = 2 : i64, scale = 2.500000e-01 : f64} : (tensor<2x5x32xf32>, tensor<2x9x32xf32>, tensor<2x9x32xf32>) -> tensor<2x5x32xf32>
// CHECK: bert.softmax %{{.*}} : tensor<?x3xf32>
func.func @attention(%q: tensor<?x?x32xf32>, %m: tensor<?x?xi64>, %q2: tensor<2x5x32xf32>, %kv: tensor<2x9x32xf32>, %l: tensor<?x3xf32>) -> (tensor<?x?x32xf32>, tensor<2x5x32xf32>, tensor<?x3xf32>) {
  %bias = bert.mask_bias %m {fill = -3.4028234663852886e38 : f64} : tensor<?x?xi64> -> tensor<?x?xf32>
  %c = bert.attention %q, %q, %q, %bias {num_heads = 4 : i64, scale = 0.35355339059327373 : f64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xf32>) -> tensor<?x?x32xf32>
  %c2 = bert.attention %q2, %kv, %kv {num_heads = 2 : i64, scale = 0.25 : f64} : (tensor<2x5x32xf32>, tensor<2x9x32xf32>, tensor<2x9x32xf32>) -> tensor<2x5x32xf32>
  %p = bert.softmax %l : tensor<?x3xf32>
  return %c, %c2, %p : tensor<?x?x32xf32>, tensor<2x5x32xf32>, tensor<?x3xf32>
}

// CHECK-LABEL: func.func @shared_layers
// CHECK: %[[R:.*]] = bert.shared_layers 12(%{{.*}}) : tensor<?x?x8xf32> {
// CHECK: ^bb0(%[[IN:.*]]: tensor<?x?x8xf32>):
// CHECK: bert.param "layer.ffn.weight" : tensor<8x8xf32>
// CHECK: bert.yield %{{.*}} : tensor<?x?x8xf32>
func.func @shared_layers(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %h = bert.shared_layers 12 (%x) : tensor<?x?x8xf32> {
  ^bb0(%in: tensor<?x?x8xf32>):
    %w = bert.param "layer.ffn.weight" : tensor<8x8xf32>
    %y = bert.linear %in, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
    bert.yield %y : tensor<?x?x8xf32>
  }
  return %h : tensor<?x?x8xf32>
}

// CHECK-LABEL: func.func @early_exit
// CHECK: bert.early_exit(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?x?x4xf32>, tensor<?x?xf32>, tensor<1xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>) {
// CHECK: bert.yield %{{.*}}, %{{.*}} : tensor<?x?x4xf32>, tensor<?x2xf32>
// CHECK: }, {
// CHECK: bert.layer_norm %{{.*}} {epsilon = 9.9999999999999995E-7 : f64, unbiased_std}
func.func @early_exit(%h: tensor<?x?x4xf32>, %bias: tensor<?x?xf32>, %speed: tensor<1xf32>, %c: tensor<2x4xf32>, %g: tensor<4xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>) {
  %l, %e, %u = bert.early_exit(%h, %bias, %speed) : (tensor<?x?x4xf32>, tensor<?x?xf32>, tensor<1xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>) {
  ^bb0(%x: tensor<?x?x4xf32>, %b: tensor<?x?xf32>):
    %t = bert.select_token %x[0] : tensor<?x?x4xf32> -> tensor<?x4xf32>
    %lg = bert.linear %t, %c : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x2xf32>
    bert.yield %x, %lg : tensor<?x?x4xf32>, tensor<?x2xf32>
  }, {
  ^bb0(%x: tensor<?x?x4xf32>, %b: tensor<?x?xf32>):
    %n = bert.layer_norm %x, %g, %g {epsilon = 1.0e-6 : f64, unbiased_std} : tensor<?x?x4xf32>, tensor<4xf32>
    %t = bert.select_token %n[0] : tensor<?x?x4xf32> -> tensor<?x4xf32>
    %lg = bert.linear %t, %c : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x2xf32>
    bert.yield %n, %lg : tensor<?x?x4xf32>, tensor<?x2xf32>
  }
  return %l, %e, %u : tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>
}
