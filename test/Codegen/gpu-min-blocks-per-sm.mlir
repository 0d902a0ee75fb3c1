// RUN: bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-min-blocks-per-sm))" | FileCheck %s
// RUN: bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-min-blocks-per-sm{blocks=3}))" | FileCheck %s --check-prefix=THREE
// RUN: not bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-min-blocks-per-sm{blocks=0}))" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-min-blocks-per-sm),gpu.module(convert-gpu-to-nvvm))" | FileCheck %s --check-prefix=NVVM

// Every kernel asks for the blocks per SM (2 by default); a function that
// is not a kernel is left alone. convert-gpu-to-nvvm keeps the attribute
// on the kernel's llvm.func, where the NVPTX backend makes it
// .minnctapersm (cuda-target.test checks the PTX and ptxas).
// CHECK-LABEL: gpu.func @product
// CHECK-SAME:    nvvm.minctasm = 2 : i32
// CHECK-LABEL: gpu.func @helper
// CHECK-NOT:     nvvm.minctasm
// CHECK-LABEL: gpu.func @row
// CHECK-SAME:    nvvm.minctasm = 2 : i32
// THREE-COUNT-2: nvvm.minctasm = 3 : i32
// BAD: error: bertc-gpu-min-blocks-per-sm: blocks must be 1 or more, got 0
// NVVM: llvm.func @product() attributes {gpu.kernel, {{.*}}nvvm.minctasm = 2 : i32
gpu.module @kernels {
  gpu.func @product() kernel attributes {known_block_size = array<i32: 32, 16, 1>} {
    gpu.return
  }
  gpu.func @helper() {
    gpu.return
  }
  gpu.func @row() kernel {
    gpu.return
  }
}
