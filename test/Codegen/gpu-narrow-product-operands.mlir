// RUN: bertc-opt %s --split-input-file --bertc-gpu-narrow-product-operands | FileCheck %s
// RUN: bertc-opt %s --split-input-file --bertc-gpu-narrow-product-operands="operand-type=bf16" | FileCheck %s --check-prefix=BF16
// RUN: not bertc-opt %s --split-input-file --bertc-gpu-narrow-product-operands="operand-type=f8" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: operand-type must be f16 or bf16, got 'f8'

#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>

// GELU's output is read only by the next product: GELU yields it rounded
// into an f16 tensor, and the product widens it in its body. The first
// product's sums feed GELU (not a product), so they stay f32.
// CHECK-LABEL: func.func @gelu_then_product
// CHECK: %[[H:.*]] = linalg.generic
// CHECK: } -> tensor<4x8xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x8xf16>
// CHECK: %[[ACT:.*]] = linalg.generic
// CHECK-SAME: ins(%[[H]] : tensor<4x8xf32>) outs(%[[E]] : tensor<4x8xf16>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f16):
// CHECK: %[[G:.*]] = math.erf
// CHECK: %[[R:.*]] = arith.truncf %[[G]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[R]] : f16
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[ACT]], %{{.*}} : tensor<4x8xf16>, tensor<3x8xf16>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f16, %{{.*}}: f16, %{{.*}}: f32):
// CHECK-NEXT: arith.extf %[[A]] : f16 to f32
// BF16-LABEL: func.func @gelu_then_product
// BF16: arith.truncf %{{.*}} : f32 to bf16
func.func @gelu_then_product(%x: tensor<4x6xf32>, %w1: tensor<8x6xf16>,
                             %w2: tensor<3x8xf16>, %y: tensor<4x3xf32>)
    -> tensor<4x3xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %zero = linalg.fill ins(%z : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = linalg.generic {indexing_maps = [#x, #w, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w1 : tensor<4x6xf32>, tensor<8x6xf16>) outs(%zero : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f16, %o: f32):
    %bw = arith.extf %b : f16 to f32
    %p = arith.mulf %a, %bw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %act = linalg.generic {indexing_maps = [#id, #id],
                         iterator_types = ["parallel", "parallel"]}
      ins(%h : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.erf %a : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [#x, #w, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%act, %w2 : tensor<4x8xf32>, tensor<3x8xf16>) outs(%y : tensor<4x3xf32>) {
  ^bb0(%a: f32, %b: f16, %o: f32):
    %bw = arith.extf %b : f16 to f32
    %p = arith.mulf %a, %bw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// -----

// A product's result read (through a reshape) only by another product, as
// Q is by Q.K^T: the product keeps its f32 sums and a rounding op follows
// it; the reshape and the reader take the narrow type, and a tensor.dim of
// the reshape does not count as a read.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
#h3 = affine_map<(h, i, j, d) -> (i, h, d)>
#k3 = affine_map<(h, i, j, d) -> (j, h, d)>
#s3 = affine_map<(h, i, j, d) -> (h, i, j)>

// CHECK-LABEL: func.func @product_then_product
// CHECK: %[[Q:.*]] = linalg.generic
// CHECK: } -> tensor<4x8xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x8xf16>
// CHECK: %[[Q16:.*]] = linalg.generic
// CHECK-SAME: ins(%[[Q]] : tensor<4x8xf32>) outs(%[[E]] : tensor<4x8xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: %[[V:.*]] = tensor.expand_shape %[[Q16]]
// CHECK-SAME: into tensor<4x2x4xf16>
// CHECK: tensor.dim %[[V]]
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[V]], %[[V]] : tensor<4x2x4xf16>, tensor<4x2x4xf16>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f16, %[[B:.*]]: f16, %{{.*}}: f32):
// CHECK-DAG: arith.extf %[[A]] : f16 to f32
// CHECK-DAG: arith.extf %[[B]] : f16 to f32
func.func @product_then_product(%x: tensor<4x6xf32>, %w: tensor<8x6xf16>,
                                %acc: tensor<4x8xf32>, %s: tensor<2x4x4xf32>)
    -> (tensor<2x4x4xf32>, index) {
  %c0 = arith.constant 0 : index
  %q = linalg.generic {indexing_maps = [#x, #w, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4x6xf32>, tensor<8x6xf16>) outs(%acc : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f16, %o: f32):
    %bw = arith.extf %b : f16 to f32
    %p = arith.mulf %a, %bw : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %v = tensor.expand_shape %q [[0], [1, 2]] output_shape [4, 2, 4]
      : tensor<4x8xf32> into tensor<4x2x4xf32>
  %d = tensor.dim %v, %c0 : tensor<4x2x4xf32>
  %scores = linalg.generic {indexing_maps = [#h3, #k3, #s3],
                            iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%v, %v : tensor<4x2x4xf32>, tensor<4x2x4xf32>) outs(%s : tensor<2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x4xf32>
  return %scores, %d : tensor<2x4x4xf32>, index
}

// -----

// The same through slices: Q and K as two halves of one product's columns
// (bert-fuse-linears). The slices and reshapes take the narrow type.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
#h3 = affine_map<(h, i, j, d) -> (i, h, d)>
#k3 = affine_map<(h, i, j, d) -> (j, h, d)>
#s3 = affine_map<(h, i, j, d) -> (h, i, j)>

// CHECK-LABEL: func.func @slices_then_product
// CHECK: %[[QK:.*]] = linalg.generic
// CHECK: } -> tensor<4x16xf32>
// CHECK: %[[QK16:.*]] = linalg.generic
// CHECK-SAME: ins(%[[QK]] : tensor<4x16xf32>) outs(%{{.*}} : tensor<4x16xf16>)
// CHECK: %[[Q:.*]] = tensor.extract_slice %[[QK16]][0, 0] [4, 8] [1, 1] : tensor<4x16xf16> to tensor<4x8xf16>
// CHECK: %[[K:.*]] = tensor.extract_slice %[[QK16]][0, 8] [4, 8] [1, 1] : tensor<4x16xf16> to tensor<4x8xf16>
// CHECK: %[[QV:.*]] = tensor.expand_shape %[[Q]] {{.*}} into tensor<4x2x4xf16>
// CHECK: %[[KV:.*]] = tensor.expand_shape %[[K]] {{.*}} into tensor<4x2x4xf16>
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[QV]], %[[KV]] : tensor<4x2x4xf16>, tensor<4x2x4xf16>)
func.func @slices_then_product(%x: tensor<4x6xf32>, %w: tensor<16x6xf16>,
                               %acc: tensor<4x16xf32>, %s: tensor<2x4x4xf32>)
    -> tensor<2x4x4xf32> {
  %qk = linalg.generic {indexing_maps = [#x, #w, #c],
                        iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4x6xf32>, tensor<16x6xf16>) outs(%acc : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f16, %o: f32):
    %bw = arith.extf %b : f16 to f32
    %p = arith.mulf %a, %bw : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x16xf32>
  %q = tensor.extract_slice %qk[0, 0] [4, 8] [1, 1] : tensor<4x16xf32> to tensor<4x8xf32>
  %k = tensor.extract_slice %qk[0, 8] [4, 8] [1, 1] : tensor<4x16xf32> to tensor<4x8xf32>
  %qv = tensor.expand_shape %q [[0], [1, 2]] output_shape [4, 2, 4]
      : tensor<4x8xf32> into tensor<4x2x4xf32>
  %kv = tensor.expand_shape %k [[0], [1, 2]] output_shape [4, 2, 4]
      : tensor<4x8xf32> into tensor<4x2x4xf32>
  %scores = linalg.generic {indexing_maps = [#h3, #k3, #s3],
                            iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%qv, %kv : tensor<4x2x4xf32>, tensor<4x2x4xf32>) outs(%s : tensor<2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x4xf32>
  return %scores : tensor<2x4x4xf32>
}

// -----

// An elementwise op whose value a product and something else read (a layer
// norm's output: the next products and the residual add) writes it twice,
// as f32 for the residual and rounded for the product.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>

// CHECK-LABEL: func.func @product_and_residual
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x6xf16>
// CHECK: %[[N:.*]]:2 = linalg.generic
// CHECK-SAME: outs(%{{.*}}, %[[E]] : tensor<4x6xf32>, tensor<4x6xf16>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f16):
// CHECK: %[[T:.*]] = math.tanh
// CHECK: %[[R:.*]] = arith.truncf %[[T]] : f32 to f16
// CHECK: linalg.yield %[[T]], %[[R]] : f32, f16
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[N]]#1, %{{.*}} : tensor<4x6xf16>, tensor<3x6xf16>)
// CHECK: return %{{.*}}, %[[N]]#0
func.func @product_and_residual(%x: tensor<4x6xf32>, %w: tensor<3x6xf16>,
                                %y: tensor<4x3xf32>)
    -> (tensor<4x3xf32>, tensor<4x6xf32>) {
  %e = tensor.empty() : tensor<4x6xf32>
  %n = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.tanh %a : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [#x, #w, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%n, %w : tensor<4x6xf32>, tensor<3x6xf16>) outs(%y : tensor<4x3xf32>) {
  ^bb0(%a: f32, %b: f16, %o: f32):
    %bw = arith.extf %b : f16 to f32
    %p = arith.mulf %a, %bw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x3xf32>
  return %r, %n : tensor<4x3xf32>, tensor<4x6xf32>
}

// -----

// A tensor that no product reads directly (only a return and an
// elementwise op) stays f32, and so does a product's result read by
// something else: rounding either would change that reader's result.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>
#c2 = affine_map<(m, n) -> (m, n)>

// CHECK-LABEL: func.func @also_read_elsewhere
// CHECK-NOT: f16>
// CHECK-NOT: truncf
// CHECK: return
func.func @also_read_elsewhere(%x: tensor<4x6xf32>, %w: tensor<3x6xf32>,
                               %y: tensor<4x3xf32>)
    -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x6xf32>) {
  %e = tensor.empty() : tensor<4x6xf32>
  %n = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.tanh %a : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [#x, #w, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4x6xf32>, tensor<3x6xf32>) outs(%y : tensor<4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x3xf32>
  %e2 = tensor.empty() : tensor<4x3xf32>
  %g = linalg.generic {indexing_maps = [#c2, #c2],
                       iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<4x3xf32>) outs(%e2 : tensor<4x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<4x3xf32>
  return %r, %g, %n : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x6xf32>
}

// -----

// A product the tiled kernels do not take (here A is contiguous in m, not
// in k) reads its inputs as they are: what it reads stays f32.
#xT = affine_map<(m, n, k) -> (k, m)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>

// CHECK-LABEL: func.func @untiled_product
// CHECK-NOT: truncf
// CHECK: return
func.func @untiled_product(%x: tensor<6x4xf32>, %w: tensor<3x6xf16>,
                           %y: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<6x4xf32>
  %n = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<6x4xf32>) outs(%e : tensor<6x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.tanh %a : f32
    linalg.yield %r : f32
  } -> tensor<6x4xf32>
  %r = linalg.generic {indexing_maps = [#xT, #w, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%n, %w : tensor<6x4xf32>, tensor<3x6xf16>) outs(%y : tensor<4x3xf32>) {
  ^bb0(%a: f32, %b: f16, %o: f32):
    %bw = arith.extf %b : f16 to f32
    %p = arith.mulf %a, %bw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}
