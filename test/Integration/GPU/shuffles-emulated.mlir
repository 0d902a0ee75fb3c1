// gpu.shuffle emulated on the CPU (bertc-gpu-launches-to-loops), against
// what PTX's shfl.sync gives each lane: 16 threads, thread t holds t; a
// source lane outside the lane's group of `width` gives the lane its own
// value and `valid` false. The row reductions' butterflies are xor
// shuffles; the other modes are here so that the emulation is whole.
// RUN: bertc-opt %s --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Values: xor 3 (width 8), down 2 (width 8), up 3 (width 8), idx 5 (width 16).
// CHECK: 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
// CHECK-NEXT: 2, 3, 4, 5, 6, 7, 6, 7, 10, 11, 12, 13, 14, 15, 14, 15,
// CHECK-NEXT: 0, 1, 2, 0, 1, 2, 3, 4, 8, 9, 10, 8, 9, 10, 11, 12,
// CHECK-NEXT: 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
// Valid flags, same order.
// CHECK-NEXT: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
// CHECK-NEXT: 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0,
// CHECK-NEXT: 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1,
// CHECK-NEXT: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %i2 = arith.constant 2 : i32
  %i3 = arith.constant 3 : i32
  %i5 = arith.constant 5 : i32
  %i8 = arith.constant 8 : i32
  %i16 = arith.constant 16 : i32
  %values = memref.alloc() : memref<4x16xi32>
  %valid = memref.alloc() : memref<4x16xi32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1) {
    %v = arith.index_cast %tx : index to i32
    %x, %xv = gpu.shuffle xor %v, %i3, %i8 : i32
    %d, %dv = gpu.shuffle down %v, %i2, %i8 : i32
    %u, %uv = gpu.shuffle up %v, %i3, %i8 : i32
    %j, %jv = gpu.shuffle idx %v, %i5, %i16 : i32
    memref.store %x, %values[%c0, %tx] : memref<4x16xi32>
    memref.store %d, %values[%c1, %tx] : memref<4x16xi32>
    memref.store %u, %values[%c2, %tx] : memref<4x16xi32>
    memref.store %j, %values[%c3, %tx] : memref<4x16xi32>
    %xw = arith.extui %xv : i1 to i32
    %dw = arith.extui %dv : i1 to i32
    %uw = arith.extui %uv : i1 to i32
    %jw = arith.extui %jv : i1 to i32
    memref.store %xw, %valid[%c0, %tx] : memref<4x16xi32>
    memref.store %dw, %valid[%c1, %tx] : memref<4x16xi32>
    memref.store %uw, %valid[%c2, %tx] : memref<4x16xi32>
    memref.store %jw, %valid[%c3, %tx] : memref<4x16xi32>
    gpu.terminator
  }
  // Each row as "a, b, ...,": 4 rows of values, then 4 of flags.
  scf.for %r = %c0 to %c4 step %c1 {
    scf.for %t = %c0 to %c16 step %c1 {
      %e = memref.load %values[%r, %t] : memref<4x16xi32>
      vector.print %e : i32 punctuation <no_punctuation>
      vector.print punctuation <comma>
    }
    vector.print punctuation <newline>
  }
  scf.for %r = %c0 to %c4 step %c1 {
    scf.for %t = %c0 to %c16 step %c1 {
      %e = memref.load %valid[%r, %t] : memref<4x16xi32>
      vector.print %e : i32 punctuation <no_punctuation>
      vector.print punctuation <comma>
    }
    vector.print punctuation <newline>
  }
  memref.dealloc %values : memref<4x16xi32>
  memref.dealloc %valid : memref<4x16xi32>
  return
}
