// RUN: bertc-opt %s --bertc-gpu-check-accesses --split-input-file | FileCheck %s

// An element: each index below its dimension (unsigned: a negative one
// fails too), the static one a constant, the dynamic one from the
// buffer's metadata; no alignment beyond the element's.
// CHECK-LABEL: func.func @element
// CHECK: gpu.launch
// CHECK: %{{.*}}, %{{.*}}, %[[SIZES:.*]]:2, %{{.*}}:2 = memref.extract_strided_metadata
// CHECK: arith.cmpi ult, %[[I:.*]], %[[SIZES]]#0
// CHECK: arith.cmpi ult, %[[J:.*]], %c8
// CHECK: cf.assert %{{.*}}, "bertc-gpu-check-accesses: memref.load: element out of bounds of memref<?x8xf32> at {{.*}}gpu-check-accesses.mlir:[[@LINE+9]]:10"
// CHECK-NOT: remui
// CHECK: memref.load
// CHECK: cf.assert {{.*}}memref.store: element out of bounds of memref<?x8xf32>
// CHECK-NEXT: memref.store
func.func @element(%a: memref<?x8xf32>, %i: index, %j: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = memref.load %a[%i, %j] : memref<?x8xf32>
    memref.store %v, %a[%j, %i] : memref<?x8xf32>
    gpu.terminator
  }
  return
}

// -----

// A global vector: its elements inside the last dimension, and the address
// (pointer + 4 * (offset + i * stride)) a multiple of its alignment.
// CHECK-LABEL: func.func @global_vector
// CHECK: %{{.*}}, %[[OFF:.*]], %[[SIZE:.*]], %[[STRIDE:.*]] = memref.extract_strided_metadata
// CHECK: %[[END:.*]] = arith.addi %[[I:.*]], %c4{{.*}} : index
// CHECK: arith.cmpi ule, %[[END]], %[[SIZE]] : index
// CHECK: cf.assert {{.*}}vector.load: vector out of bounds of memref<?xf32, strided<[1], offset: ?>>
// CHECK: %[[E:.*]] = arith.muli %[[I]], %c1
// CHECK: %[[EL:.*]] = arith.addi %[[OFF]], %[[E]]
// CHECK: %[[BYTES:.*]] = arith.muli %[[EL]], %c4
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index
// CHECK: %[[ADDR:.*]] = arith.addi %[[BYTES]], %[[PTR]]
// CHECK: %[[REST:.*]] = arith.remui %[[ADDR]], %c16
// CHECK: arith.cmpi eq, %[[REST]], %c0
// CHECK: cf.assert {{.*}}"bertc-gpu-check-accesses: vector.load: vector address not a multiple of 16 bytes at {{[^,]*}}"
// CHECK-NEXT: vector.load
func.func @global_vector(%a: memref<?xf32, strided<[1], offset: ?>>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = vector.load %a[%i] {alignment = 16} : memref<?xf32, strided<[1], offset: ?>>, vector<4xf32>
    gpu.terminator
  }
  return
}

// -----

// A workgroup buffer: the offset into it from its static strides, no
// pointer (each starts aligned on the GPU). Without an alignment only the
// bounds are checked.
// CHECK-LABEL: func.func @workgroup_vector
// CHECK: cf.assert {{.*}}vector.store: vector out of bounds
// CHECK-NOT: extract_aligned_pointer
// CHECK: %[[ROW:.*]] = arith.muli %{{.*}}, %c40
// CHECK: arith.remui %{{.*}}, %c8
// CHECK: cf.assert {{.*}}vector.store: vector address not a multiple of 8 bytes
// CHECK-NEXT: vector.store
// CHECK: cf.assert {{.*}}vector.load: vector out of bounds
// CHECK-NEXT: vector.load
func.func @workgroup_vector(%i: index) {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%s : memref<16x40xf16, #gpu.address_space<workgroup>>) {
    %z = arith.constant dense<0.0> : vector<4xf16>
    vector.store %z, %s[%i, %c0] {alignment = 8} : memref<16x40xf16, #gpu.address_space<workgroup>>, vector<4xf16>
    %v = vector.load %s[%c0, %i] : memref<16x40xf16, #gpu.address_space<workgroup>>, vector<4xf16>
    gpu.terminator
  }
  return
}

// -----

// ldmatrix: each lane's row of 16 bytes (8 f16) in bounds and 16-byte
// aligned; with fewer than four matrices only the lanes it reads.
// CHECK-LABEL: func.func @ldmatrix
// CHECK: arith.addi %{{.*}}, %c8
// CHECK: cf.assert {{.*}}nvgpu.ldmatrix: matrix row out of bounds
// CHECK: arith.remui %{{.*}}, %c16
// CHECK: cf.assert {{.*}}nvgpu.ldmatrix: matrix row address not a multiple of 16 bytes
// CHECK-NEXT: nvgpu.ldmatrix {{.*}}numTiles = 4
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK: %[[USED:.*]] = arith.cmpi ult, %[[LANE]], %c16
// CHECK: scf.if %[[USED]] {
// CHECK: cf.assert {{.*}}nvgpu.ldmatrix: matrix row out of bounds
// CHECK: cf.assert {{.*}}nvgpu.ldmatrix: matrix row address not a multiple of 16 bytes
// CHECK-NEXT: }
// CHECK-NEXT: nvgpu.ldmatrix {{.*}}numTiles = 2
func.func @ldmatrix(%i: index) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c0 = arith.constant 0 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1)
             workgroup(%s : memref<32x40xf16, #gpu.address_space<workgroup>>) {
    %four = nvgpu.ldmatrix %s[%tx, %i] {numTiles = 4 : i32, transpose = false} : memref<32x40xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
    %two = nvgpu.ldmatrix %s[%tx, %i] {numTiles = 2 : i32, transpose = false} : memref<32x40xf16, #gpu.address_space<workgroup>> -> vector<2x2xf16>
    gpu.terminator
  }
  return
}

// -----

// cp.async: the destination's 8 elements and the source's count in
// bounds (a count of 0 reads nothing), both addresses multiples of the
// copy's 16 bytes.
// CHECK-LABEL: func.func @async_copy
// CHECK: cf.assert {{.*}}nvgpu.device_async_copy: cp.async destination out of bounds
// CHECK: cf.assert {{.*}}nvgpu.device_async_copy: cp.async destination address not a multiple of 16 bytes
// CHECK: %[[END:.*]] = arith.addi %{{.*}}, %[[COUNT:.*]] : index
// CHECK: arith.cmpi ule, %[[END]]
// CHECK: %[[NONE:.*]] = arith.cmpi eq, %[[COUNT]], %c0
// CHECK: %[[OK:.*]] = arith.ori %{{.*}}, %[[NONE]]
// CHECK: cf.assert %[[OK]], {{.*}}cp.async source out of bounds of memref<?x64xf16>
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: cf.assert {{.*}}cp.async source address not a multiple of 16 bytes
// CHECK-NEXT: nvgpu.device_async_copy
func.func @async_copy(%g: memref<?x64xf16>, %i: index, %count: index) {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%s : memref<16x72xf16, #gpu.address_space<workgroup>>) {
    %t = nvgpu.device_async_copy %g[%i, %c0], %s[%c0, %i], 8, %count {bypassL1} : memref<?x64xf16> to memref<16x72xf16, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

// Private memory (registers on the GPU) is not checked.
// CHECK-LABEL: func.func @private
// CHECK-NOT: cf.assert
// CHECK: return
func.func @private() {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             private(%p : memref<f32, #gpu.address_space<private>>) {
    %v = memref.load %p[] : memref<f32, #gpu.address_space<private>>
    memref.store %v, %p[] : memref<f32, #gpu.address_space<private>>
    gpu.terminator
  }
  return
}
