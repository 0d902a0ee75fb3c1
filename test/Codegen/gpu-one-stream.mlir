// RUN: bertc-opt %s --bertc-gpu-one-stream | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-one-stream --convert-scf-to-cf --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm --gpu-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM

// Every GPU op, in the branch and the loop too, queues on the token made at
// entry; a copy into host memory (the alloca) is followed by a wait on the
// stream, a copy into device memory is not; the function waits at return.
// The wait's runtime function is declared once.
// CHECK:       llvm.func @mgpuStreamSynchronize(!llvm.ptr)
// CHECK-NOT:   llvm.func @mgpuStreamSynchronize
// CHECK-LABEL: func.func @nested(
// CHECK-NEXT:    %[[S:.*]] = gpu.wait async
// CHECK:         %{{.*}}, %{{.*}} = gpu.alloc async [%[[S]]] (%{{.*}}) : memref<?xf32>
// CHECK:         scf.if
// CHECK-NEXT:      gpu.launch_func async [%[[S]]] @k::@f blocks
// CHECK-NEXT:    } else {
// CHECK-NEXT:      gpu.launch_func async [%[[S]]] @k::@g blocks
// CHECK:         scf.for
// CHECK-NEXT:      gpu.memset async [%[[S]]]
// CHECK-NEXT:      gpu.memcpy async [%[[S]]] %{{.*}}, %arg2
// CHECK:           gpu.memcpy async [%[[S]]] %[[HOST:.*]], %{{.*}} : memref<1xf32>
// CHECK-NEXT:      %[[P:.*]] = builtin.unrealized_conversion_cast %[[S]] : !gpu.async.token to !llvm.ptr
// CHECK-NEXT:      llvm.call @mgpuStreamSynchronize(%[[P]])
// CHECK-NEXT:      memref.load %[[HOST]]
// CHECK:         gpu.dealloc async [%[[S]]]
// CHECK-NEXT:    gpu.wait [%[[S]]]
// CHECK-NEXT:    return

// Lowered: one stream, the same in the branch and the loop, synchronized
// in the loop and at return, destroyed once.
// LLVM-LABEL: llvm.func @nested(
// LLVM:         %[[STREAM:.*]] = llvm.call @mgpuStreamCreate()
// LLVM-NOT:     @mgpuStreamCreate
// LLVM:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @k::@f
// LLVM:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @k::@g
// LLVM:         llvm.call @mgpuMemset32({{.*}}, %[[STREAM]])
// LLVM:         llvm.call @mgpuMemcpy({{.*}}, %[[STREAM]])
// LLVM:         llvm.call @mgpuMemcpy({{.*}}, %[[STREAM]])
// LLVM-NEXT:    llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// LLVM:         llvm.call @mgpuMemFree({{.*}}, %[[STREAM]])
// LLVM-NEXT:    llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// LLVM-NEXT:    llvm.call @mgpuStreamDestroy(%[[STREAM]])
// LLVM-NEXT:    llvm.return
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel { gpu.return }
    gpu.func @g() kernel { gpu.return }
  }
  func.func @nested(%wide: i1, %n: index, %in: memref<?xf32>) -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %zero = arith.constant 0.0 : f32
    %host = memref.alloca() : memref<1xf32>
    %buf = gpu.alloc (%n) : memref<?xf32>
    scf.if %wide {
      gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    } else {
      gpu.launch_func @k::@g blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    }
    %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f32 {
      gpu.memset %buf, %zero : memref<?xf32>, f32
      gpu.memcpy %buf, %in : memref<?xf32>, memref<?xf32>
      %first = memref.subview %buf[0] [1] [1] : memref<?xf32> to memref<1xf32, strided<[1]>>
      gpu.memcpy %host, %first : memref<1xf32>, memref<1xf32, strided<[1]>>
      %v = memref.load %host[%c0] : memref<1xf32>
      %next = arith.addf %acc, %v : f32
      scf.yield %next : f32
    }
    gpu.dealloc %buf : memref<?xf32>
    return %sum : f32
  }

  // No GPU work: nothing changes.
  // CHECK-LABEL: func.func @host_only(
  // CHECK-NOT:     gpu.wait
  // CHECK:         return
  func.func @host_only(%x: f32) -> f32 {
    return %x : f32
  }
}
