// RUN: bertc-opt %s --bertc-cpu-pipeline | FileCheck %s
// RUN: bertc-opt %s --bertc-linalg-pipeline | FileCheck %s --check-prefix=LINALG
// RUN: bertc-opt %s --bertc-linalg-pipeline | bertc-opt --bertc-cpu-lowering-pipeline="profile=true" | FileCheck %s --check-prefix=PROFILE

// A one-layer encoder block lowers to the LLVM dialect, with a C interface
// and the weights bound to one buffer.

// LINALG-LABEL: func.func @encoder
// LINALG-SAME: (%{{.*}}: memref<?xi8> {bert.weights}
// LINALG-SAME: bert.weights_bytes = 1536 : i64
// LINALG-SAME: bert.weights_layout = [{name = "emb", offset = 0 : i64, shape = array<i64: 10, 8>, type = f32}, {name = "ln.g", offset = 320 : i64
// LINALG-NOT: bert.
// LINALG: memref.view
// LINALG: linalg.generic

// Matrix products become vector kernels (masked k remainder, horizontal
// sums) under OpenMP loops; GELU's erf is inline arithmetic, not a call.
// CHECK-LABEL: llvm.func @encoder
// CHECK-NOT: @erff
// CHECK: omp.parallel
// CHECK: omp.wsloop
// CHECK: llvm.intr.masked.load
// CHECK: llvm.intr.vector.reduce.fadd
// CHECK-LABEL: llvm.func @_mlir_ciface_encoder

// With profile=true every OpenMP region is timed from the host code
// around it (bertc-profile-regions runs before the loops exist).
// PROFILE: llvm.func @bertc_profile_now() -> i64
// PROFILE: llvm.func @bertc_profile_add(i64, i64, i64)
// PROFILE: llvm.mlir.global private constant @bertc_profile_descriptions
// PROFILE-LABEL: llvm.func @encoder
// PROFILE: %[[T:.*]] = llvm.call @bertc_profile_now() : () -> i64
// PROFILE: omp.parallel
// PROFILE: llvm.call @bertc_profile_add(%{{.*}}, %[[T]], %{{.*}}) : (i64, i64, i64) -> ()
// PROFILE: llvm.call @bertc_profile_now()
// PROFILE: omp.parallel
func.func @encoder(%ids: tensor<?x?xi64>, %mask: tensor<?x?xi64>) -> tensor<?x?x8xf32>
    attributes {llvm.emit_c_interface} {
  %emb = bert.param "emb" : tensor<10x8xf32>
  %g = bert.param "ln.g" : tensor<8xf32>
  %b = bert.param "ln.b" : tensor<8xf32>
  %wq = bert.param "q.w" : tensor<8x8xf32>
  %bq = bert.param "q.b" : tensor<8xf32>
  %wi = bert.param "i.w" : tensor<12x8xf32>
  %wo = bert.param "o.w" : tensor<8x12xf32>
  %e = bert.embedding %emb[%ids] : tensor<10x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  %x = bert.layer_norm %e, %g, %b {epsilon = 1.0e-12 : f64} : tensor<?x?x8xf32>, tensor<8xf32>
  %q = bert.linear %x, %wq, %bq : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %bias = bert.mask_bias %mask {fill = -3.4028234663852886e38 : f64} : tensor<?x?xi64> -> tensor<?x?xf32>
  %c = bert.attention %q, %q, %q, %bias {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?xf32>) -> tensor<?x?x8xf32>
  %r = bert.add %c, %x : tensor<?x?x8xf32>
  %i = bert.linear %r, %wi : (tensor<?x?x8xf32>, tensor<12x8xf32>) -> tensor<?x?x12xf32>
  %a = bert.activation gelu %i : tensor<?x?x12xf32>
  %o = bert.linear %a, %wo : (tensor<?x?x12xf32>, tensor<8x12xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}
