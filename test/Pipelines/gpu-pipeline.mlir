// RUN: bertc-opt %s --bertc-linalg-pipeline | bertc-opt --bertc-gpu-lowering-pipeline="operand-type=f16 tensor-cores=true" --mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 | FileCheck %s
// RUN: bertc-opt %s --bertc-linalg-pipeline | bertc-opt --bertc-gpu-lowering-pipeline="operand-type=f16 tensor-cores=true" --mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 | FileCheck %s --check-prefix=HOST
// REQUIRES: cuda-toolkit

// Kernels take only what differs between calls: buffers (and, with dynamic
// shapes, their sizes). Constants and index computations of them go inside
// the launch before outlining (gpu-launch-sink-index-computations), so ptxas
// sees a tensor-core kernel's lane arithmetic (lane / 4) as constants, not as
// a division by a kernel parameter. With static shapes every kernel's
// parameters are memrefs.
// CHECK-LABEL: gpu.module @encoder_kernel
// CHECK: gpu.func @encoder_kernel({{(%arg[0-9]+: memref<[0-9x]+x(i64|f16|f32)>(, )?)+}}) kernel
// CHECK: gpu.func @encoder_kernel({{(%arg[0-9]+: memref<[0-9x]+x(i64|f16|f32)>(, )?)+}}) workgroup({{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>
// The Q product on tensor cores, its 128 x 128 tile fitted to the 16 rows
// (per sample) and 8 columns: one warp of 32 lanes.
// CHECK: gpu.func @encoder_kernel({{(%arg[0-9]+: memref<[0-9x]+x(i64|f16|f32)>(, )?)+}}) workgroup({{.*}}) kernel attributes {known_block_size = array<i32: 32, 1, 1>
// CHECK: %[[TX:.*]] = gpu.thread_id x
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: arith.divui %[[TX]], %[[C4]] : index
// CHECK: nvvm.mma.sync
// CHECK: gpu.func @encoder_kernel({{(%arg[0-9]+: memref<[0-9x]+x(i64|f16|f32)>(, )?)+}}) kernel
// Each intermediate buffer goes back to the stream's pool right after the
// last launch that uses it (bertc-early-dealloc), not when the call returns:
// the layer norm's row statistics after its kernel, the FFN's activation
// after the last product.
// HOST-LABEL: func.func @encoder
// HOST: gpu.launch_func @encoder_kernel_0::@encoder_kernel
// HOST-NEXT: gpu.dealloc
// HOST: gpu.launch_func @encoder_kernel_10::@encoder_kernel
// HOST-NEXT: gpu.dealloc {{.*}} : memref<2x16x12xf16>
// HOST-NEXT: return
func.func @encoder(%ids: tensor<2x16xi64>, %mask: tensor<2x16xi64>) -> tensor<2x16x8xf32>
    attributes {llvm.emit_c_interface} {
  %emb = bert.param "emb" : tensor<10x8xf32>
  %g = bert.param "ln.g" : tensor<8xf32>
  %b = bert.param "ln.b" : tensor<8xf32>
  %wq = bert.param "q.w" : tensor<8x8xf32>
  %bq = bert.param "q.b" : tensor<8xf32>
  %wi = bert.param "i.w" : tensor<12x8xf32>
  %wo = bert.param "o.w" : tensor<8x12xf32>
  %e = bert.embedding %emb[%ids] : tensor<10x8xf32>, tensor<2x16xi64> -> tensor<2x16x8xf32>
  %x = bert.layer_norm %e, %g, %b {epsilon = 1.0e-12 : f64} : tensor<2x16x8xf32>, tensor<8xf32>
  %q = bert.linear %x, %wq, %bq : (tensor<2x16x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<2x16x8xf32>
  %bias = bert.mask_bias %mask {fill = -3.4028234663852886e38 : f64} : tensor<2x16xi64> -> tensor<2x16xf32>
  %c = bert.attention %q, %q, %q, %bias {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<2x16xf32>) -> tensor<2x16x8xf32>
  %r = bert.add %c, %x : tensor<2x16x8xf32>
  %i = bert.linear %r, %wi : (tensor<2x16x8xf32>, tensor<12x8xf32>) -> tensor<2x16x12xf32>
  %a = bert.activation gelu %i : tensor<2x16x12xf32>
  %o = bert.linear %a, %wo : (tensor<2x16x12xf32>, tensor<8x12xf32>) -> tensor<2x16x8xf32>
  return %o : tensor<2x16x8xf32>
}
