// Emulated kernels stop where a GPU would fault (bertc-gpu-check-accesses
// before bertc-gpu-launches-to-loops): each entry below runs one kernel;
// the first is correct, each other breaks one rule and must abort with its
// message. stdbuf: the message is put on stdout right before abort().
// RUN: bertc-opt %s --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops \
// RUN:   --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts > %t.mlir
// RUN: mlir-runner %t.mlir -e in_bounds -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s --check-prefix=OK
// RUN: not --crash stdbuf -oL mlir-runner %t.mlir -e misaligned_index -entry-point-result=void -shared-libs=%mlir_runner_utils 2>&1 | FileCheck %s --check-prefix=INDEX
// RUN: not --crash stdbuf -oL mlir-runner %t.mlir -e misaligned_pointer -entry-point-result=void -shared-libs=%mlir_runner_utils 2>&1 | FileCheck %s --check-prefix=POINTER
// RUN: not --crash stdbuf -oL mlir-runner %t.mlir -e past_the_end -entry-point-result=void -shared-libs=%mlir_runner_utils 2>&1 | FileCheck %s --check-prefix=END
// RUN: not --crash stdbuf -oL mlir-runner %t.mlir -e ldmatrix_rows -entry-point-result=void -shared-libs=%mlir_runner_utils 2>&1 | FileCheck %s --check-prefix=LDMATRIX
// RUN: not --crash stdbuf -oL mlir-runner %t.mlir -e async_source -entry-point-result=void -shared-libs=%mlir_runner_utils 2>&1 | FileCheck %s --check-prefix=ASYNC

// OK: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
// INDEX: bertc-gpu-check-accesses: vector.load: vector address not a multiple of 16 bytes at
// INDEX-NOT: 0, 1, 2
// POINTER: bertc-gpu-check-accesses: vector.load: vector address not a multiple of 16 bytes at
// END: bertc-gpu-check-accesses: vector.load: vector out of bounds of memref<?xf32> at
// LDMATRIX: bertc-gpu-check-accesses: nvgpu.ldmatrix: matrix row address not a multiple of 16 bytes at
// ASYNC: bertc-gpu-check-accesses: nvgpu.device_async_copy: cp.async source out of bounds of memref<16xf16> at

// Four threads copy 4 floats each, from a[4 t + shift] to b[4 t].
func.func @copy(%a: memref<?xf32>, %b: memref<16xf32>, %shift: index) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %i = arith.muli %tx, %c4 : index
    %j = arith.addi %i, %shift : index
    %v = vector.load %a[%j] {alignment = 16} : memref<?xf32>, vector<4xf32>
    vector.store %v, %b[%i] {alignment = 16} : memref<16xf32>, vector<4xf32>
    gpu.terminator
  }
  return
}

// a[i] = i, in a buffer of n floats at byte `at` of a 64-byte aligned one
// (as the weights' views are).
func.func @iota(%n: index, %at: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %nb = arith.muli %n, %c4 : index
  %bytes = arith.addi %nb, %at : index
  %raw = memref.alloc(%bytes) {alignment = 64} : memref<?xi8>
  %a = memref.view %raw[%at][%n] : memref<?xi8> to memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %x = arith.index_cast %i : index to i32
    %f = arith.sitofp %x : i32 to f32
    memref.store %f, %a[%i] : memref<?xf32>
  }
  return %a : memref<?xf32>
}

func.func @print(%b: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.for %i = %c0 to %c16 step %c1 {
    %e = memref.load %b[%i] : memref<16xf32>
    vector.print %e : f32 punctuation <no_punctuation>
    vector.print punctuation <comma>
  }
  vector.print punctuation <newline>
  return
}

func.func @run(%n: index, %at: index, %shift: index) {
  %a = func.call @iota(%n, %at) : (index, index) -> memref<?xf32>
  %b = memref.alloc() {alignment = 64} : memref<16xf32>
  func.call @copy(%a, %b, %shift) : (memref<?xf32>, memref<16xf32>, index) -> ()
  func.call @print(%b) : (memref<16xf32>) -> ()
  return
}

func.func @in_bounds() {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  func.call @run(%c16, %c0, %c0) : (index, index, index) -> ()
  return
}

// In bounds, but a[1] is 4 bytes past a 16-byte boundary.
func.func @misaligned_index() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c20 = arith.constant 20 : index
  func.call @run(%c20, %c0, %c1) : (index, index, index) -> ()
  return
}

// Index 0, but the view starts 8 bytes into its buffer.
func.func @misaligned_pointer() {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  func.call @run(%c16, %c8, %c0) : (index, index, index) -> ()
  return
}

// Aligned, but the last thread reads a[16 .. 19] of 16.
func.func @past_the_end() {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  func.call @run(%c16, %c0, %c4) : (index, index, index) -> ()
  return
}

// Rows of 12 halves (24 bytes): lane 1's row starts 8 bytes off.
func.func @ldmatrix_rows() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %out = memref.alloc() : memref<32x2xf16>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1)
             workgroup(%s : memref<32x12xf16, #gpu.address_space<workgroup>>) {
    %m = nvgpu.ldmatrix %s[%tx, %c0] {numTiles = 4 : i32, transpose = false} : memref<32x12xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
    %r = vector.extract %m[0] : vector<2xf16> from vector<4x2xf16>
    vector.store %r, %out[%tx, %c0] : memref<32x2xf16>, vector<2xf16>
    gpu.terminator
  }
  return
}

// Eight halves from g[12]: four past the end of 16.
func.func @async_source() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c12 = arith.constant 12 : index
  %g = memref.alloc() {alignment = 64} : memref<16xf16>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%s : memref<16xf16, #gpu.address_space<workgroup>>) {
    %t = nvgpu.device_async_copy %g[%c12], %s[%c0], 8, %c8 : memref<16xf16> to memref<16xf16, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}
