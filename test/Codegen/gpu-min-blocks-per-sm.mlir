// RUN: bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-min-blocks-per-sm))" | FileCheck %s
// RUN: bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-min-blocks-per-sm{blocks=3}))" | FileCheck %s --check-prefix=THREE
// RUN: not bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-min-blocks-per-sm{blocks=0}))" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-min-blocks-per-sm),gpu.module(convert-gpu-to-nvvm))" | FileCheck %s --check-prefix=NVVM

// Every tiled product kernel (launch kind "matmul ...") asks for the blocks
// per SM (2 by default); row reductions, element-wise kernels, kernels
// without a kind and functions that are not kernels are left alone.
// convert-gpu-to-nvvm keeps the attribute on the kernel's llvm.func, where
// the NVPTX backend makes it .minnctapersm (cuda-target.test checks the PTX
// and ptxas).
// CHECK-LABEL: gpu.func @product
// CHECK-SAME:    nvvm.minctasm = 2 : i32
// CHECK-LABEL: gpu.func @split
// CHECK-SAME:    nvvm.minctasm = 2 : i32
// CHECK-LABEL: gpu.func @helper
// CHECK-NOT:     nvvm.minctasm
// CHECK-LABEL: gpu.func @row
// CHECK-NOT:     nvvm.minctasm
// CHECK-LABEL: gpu.func @sum
// CHECK-NOT:     nvvm.minctasm
// CHECK-LABEL: gpu.func @plain
// CHECK-NOT:     nvvm.minctasm
// THREE-COUNT-2: nvvm.minctasm = 3 : i32
// THREE-NOT:     nvvm.minctasm
// BAD: error: bertc-gpu-min-blocks-per-sm: blocks must be 1 or more, got 0
// NVVM: llvm.func @product() attributes {gpu.kernel, {{.*}}nvvm.minctasm = 2 : i32
gpu.module @kernels {
  gpu.func @product() kernel attributes {known_block_size = array<i32: 32, 16, 1>} {
    gpu.return
  } loc(fused<"bertc.kernel: matmul ?x128x768x768 128x128x32 mma +epilogue">["encoder.layer.0.intermediate.dense"])
  gpu.func @split() kernel attributes {known_block_size = array<i32: 32, 16, 1>} {
    gpu.return
  } loc(fused<"bertc.kernel: matmul ?x128x768x3072 128x128x32 mma split-k">["encoder.layer.0.output.dense"])
  gpu.func @helper() {
    gpu.return
  } loc(fused<"bertc.kernel: matmul ?x128x768x768 128x128x32 mma">["not.a.kernel"])
  gpu.func @row() kernel {
    gpu.return
  } loc(fused<"bertc.kernel: reduction ?x128x768 x2">["encoder.layer.0.output.LayerNorm"])
  gpu.func @sum() kernel {
    gpu.return
  } loc(fused<"bertc.kernel: split-k sum ?x128x768x3072 +epilogue">["encoder.layer.0.output.dense"])
  gpu.func @plain() kernel {
    gpu.return
  }
}
