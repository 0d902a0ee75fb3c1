// RUN: bertc-opt %s --pass-pipeline='builtin.module(gpu.module(bertc-gpu-extern-dynamic-shared))' | FileCheck %s

// The zero-length shared global that gpu.dynamic_shared_memory lowers to
// becomes external (PTX .extern, the dynamic region's base); a static
// shared buffer and a zero-length global in another address space stay
// as they are.
// CHECK-LABEL: gpu.module @kernels
// CHECK: llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK: llvm.mlir.global internal @slice() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<64 x i8>
// CHECK: llvm.mlir.global internal @other() {addr_space = 1 : i32} : !llvm.array<0 x i8>
gpu.module @kernels {
  llvm.mlir.global internal @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
  llvm.mlir.global internal @slice() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<64 x i8>
  llvm.mlir.global internal @other() {addr_space = 1 : i32} : !llvm.array<0 x i8>
}
