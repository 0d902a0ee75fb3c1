// RUN: bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-align-workgroup-memory))" | FileCheck %s
// RUN: bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-align-workgroup-memory{alignment=64}))" | FileCheck %s --check-prefix=A64
// RUN: not bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-align-workgroup-memory{alignment=12}))" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: bertc-opt %s --pass-pipeline="builtin.module(gpu.module(bertc-gpu-align-workgroup-memory),gpu.module(convert-gpu-to-nvvm))" | FileCheck %s --check-prefix=NVVM

// Every shared buffer of every kernel gets the alignment (16 bytes by
// default); one that asks for more keeps it; private buffers are left
// alone. convert-gpu-to-nvvm makes it the shared global's alignment.
// CHECK-LABEL: gpu.func @slices
// CHECK-SAME:    workgroup(%{{.*}} : memref<64x24xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 128 : i64})
// CHECK-SAME:    private(%{{.*}} : memref<4xf32, #gpu.address_space<private>>)
// A64: workgroup(%{{.*}} : memref<64x24xf16, #gpu.address_space<workgroup>> {llvm.align = 64 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 128 : i64})
// BAD: error: bertc-gpu-align-workgroup-memory: alignment 12 is not a power of two
// NVVM-DAG: llvm.mlir.global internal @__wg_slices_0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<1536 x f16>
// NVVM-DAG: llvm.mlir.global internal @__wg_slices_1() {addr_space = 3 : i32, alignment = 128 : i64} : !llvm.array<8 x f32>
gpu.module @kernels {
  gpu.func @slices(%i: index)
      workgroup(%a : memref<64x24xf16, #gpu.address_space<workgroup>>,
                %b : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 128 : i64})
      private(%p : memref<4xf32, #gpu.address_space<private>>) kernel {
    %v = vector.load %a[%i, %i] : memref<64x24xf16, #gpu.address_space<workgroup>>, vector<2xf16>
    gpu.return
  }
}
