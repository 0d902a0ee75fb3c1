// RUN: bertc-opt %s --bertc-gpu-dedup-kernels | FileCheck %s

// @k_0 is @k but for its name and locations: its launch goes to @k and it
// is erased. @k_1 multiplies by another constant and @k_2 has another block
// size: both stay, and so do their launches. @k_3 is @k_1 again.
// CHECK:      gpu.module @bertc_kernels {
// CHECK-NEXT:   gpu.func @k(
// CHECK:          arith.constant 2.0
// CHECK:        gpu.func @k_1(
// CHECK:          arith.constant 3.0
// CHECK:        gpu.func @k_2(
// CHECK-SAME:     known_block_size = array<i32: 64, 1, 1>
// CHECK-NOT:    gpu.func
// CHECK:      }
// CHECK:      func.func @f
// CHECK-NEXT:   arith.constant
// CHECK-NEXT:   gpu.launch_func @bertc_kernels::@k blocks
// CHECK-NEXT:   gpu.launch_func @bertc_kernels::@k blocks
// CHECK-NEXT:   gpu.launch_func @bertc_kernels::@k_1 blocks
// CHECK-NEXT:   gpu.launch_func @bertc_kernels::@k_2 blocks
// CHECK-NEXT:   gpu.launch_func @bertc_kernels::@k_1 blocks
// CHECK-NEXT:   return
module attributes {gpu.container_module} {
  gpu.module @bertc_kernels {
    gpu.func @k(%a: memref<?xf32>) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %i = gpu.thread_id x
      %c = arith.constant 2.0 : f32
      %v = memref.load %a[%i] : memref<?xf32>
      %p = arith.mulf %v, %c : f32
      memref.store %p, %a[%i] : memref<?xf32>
      gpu.return
    }
    gpu.func @k_0(%a: memref<?xf32>) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %i = gpu.thread_id x loc("layer.1")
      %c = arith.constant 2.0 : f32 loc("layer.1")
      %v = memref.load %a[%i] : memref<?xf32>
      %p = arith.mulf %v, %c : f32
      memref.store %p, %a[%i] : memref<?xf32>
      gpu.return
    }
    gpu.func @k_1(%a: memref<?xf32>) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %i = gpu.thread_id x
      %c = arith.constant 3.0 : f32
      %v = memref.load %a[%i] : memref<?xf32>
      %p = arith.mulf %v, %c : f32
      memref.store %p, %a[%i] : memref<?xf32>
      gpu.return
    }
    gpu.func @k_2(%a: memref<?xf32>) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      %i = gpu.thread_id x
      %c = arith.constant 2.0 : f32
      %v = memref.load %a[%i] : memref<?xf32>
      %p = arith.mulf %v, %c : f32
      memref.store %p, %a[%i] : memref<?xf32>
      gpu.return
    }
    gpu.func @k_3(%a: memref<?xf32>) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %i = gpu.thread_id x
      %c = arith.constant 3.0 : f32
      %v = memref.load %a[%i] : memref<?xf32>
      %p = arith.mulf %v, %c : f32
      memref.store %p, %a[%i] : memref<?xf32>
      gpu.return
    }
  }
  func.func @f(%a: memref<?xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @bertc_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @bertc_kernels::@k_0 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @bertc_kernels::@k_1 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @bertc_kernels::@k_2 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @bertc_kernels::@k_3 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
}
