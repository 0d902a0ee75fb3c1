// RUN: bertc-opt %s --bertc-gpu-merge-kernel-modules | FileCheck %s

// Outlined kernels share a name across their modules: in the one module
// they take their module's name, and launches follow.
// CHECK:     gpu.module @bertc_kernels {
// CHECK:       gpu.func @f_kernel(%{{.*}}: memref<?xf32>) kernel
// CHECK:       gpu.func @f_kernel_0(%{{.*}}: memref<?xf32>) kernel
// CHECK:     }
// CHECK-NOT: gpu.module
// CHECK:     func.func @f
// CHECK:       gpu.launch_func @bertc_kernels::@f_kernel blocks
// CHECK:       gpu.launch_func @bertc_kernels::@f_kernel_0 blocks
module attributes {gpu.container_module} {
  gpu.module @f_kernel {
    gpu.func @f_kernel(%a: memref<?xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @f_kernel_0 {
    gpu.func @f_kernel(%a: memref<?xf32>) kernel {
      gpu.return
    }
  }
  func.func @f(%a: memref<?xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
}
