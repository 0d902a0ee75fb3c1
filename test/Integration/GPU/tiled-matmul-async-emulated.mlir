// The tensor-core kernel's cp.async slice copies (async-copies), emulated
// on the CPU: both operands f16 (a narrow activation and a weight), k = 40
// (two whole k blocks of 16 and a half one), m = 2 x 20 and n = 24
// (partial row tiles; at 32 x 32, 64 groups of A per k block for 128
// threads). The IR has a 16-byte copy per group with a source count (0
// outside the operand), stages - 1 groups before the loop, and a wait that
// leaves stages - 2 pending.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=32 tile-n=32 tile-k=16 operand-type=f16 tensor-cores=1 warp-m=16 warp-n=16 async-copies=1 stages=3" \
// RUN:   | FileCheck %s --check-prefix=IR
// IR: gpu.launch
// IR-SAME: workgroup(%{{.*}} : memref<3x32x24xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<3x32x24xf16, #gpu.address_space<workgroup>>)
// IR: nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1} : memref<2x20x40xf16, strided<[800, 40, 1], offset: ?>> to memref<3x32x24xf16, #gpu.address_space<workgroup>>
// IR: nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1} : memref<24x40xf16> to memref<3x32x24xf16
// IR: %[[FIRST:.*]] = nvgpu.device_async_create_group
// IR: nvgpu.device_async_create_group
// IR: scf.for
// IR: nvgpu.device_async_wait %[[FIRST]] {numGroups = 1 : i32}
// IR-NEXT: gpu.barrier
// IR: nvgpu.device_async_create_group
// IR: nvvm.mma.sync
// IR-NOT: gpu.barrier
// IR: scf.yield
// IR: nvgpu.device_async_wait %[[FIRST]] {numGroups = 0 : i32}
// A B contiguous in n (V in attention's P.V) is copied along n into a
// [k][n] slice (rows of 32 + 8), whose fragments ldmatrix transposes.
// IR-LABEL: func.func private @productOuter
// IR: gpu.launch
// IR-SAME: workgroup(%{{.*}} : memref<3x32x24xf16, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<3x16x40xf16, #gpu.address_space<workgroup>>)
// IR: nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1} : memref<40x24xf16> to memref<3x16x40xf16
// IR: scf.for
// IR: nvgpu.ldmatrix %[[SB]][{{.*}}] {numTiles = 4 : i32, transpose = true}
// IR: nvvm.mma.sync
// An f32 operand (rounded as it is staged) keeps the register copies.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=32 tile-n=32 tile-k=16 operand-type=f16 tensor-cores=1 warp-m=16 warp-n=16 async-copies=1" \
// RUN:   | FileCheck %s --check-prefix=F32
// F32-LABEL: func.func private @product32
// F32-NOT: nvgpu.device_async_copy
// F32: return
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=32 tile-n=32 tile-k=16 operand-type=f16 tensor-cores=1 warp-m=16 warp-n=16 async-copies=1" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=32 tile-n=32 tile-k=16 operand-type=f16 tensor-cores=1 warp-m=16 warp-n=16 async-copies=1 stages=3" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// One warp per block, more k blocks than stages.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=16 tile-n=16 tile-k=16 operand-type=f16 tensor-cores=1 warp-m=16 warp-n=16 async-copies=1 stages=2" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Three stages of a 128 x 128 x 32 tile (60 KiB) go past the 48 KiB of
// static shared memory: the slices are views of the launch's dynamic
// shared memory, A's at 0 and B's after A's three stages.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=128 tile-n=128 tile-k=32 operand-type=f16 tensor-cores=1 async-copies=1 stages=3 fit-tiles=0" \
// RUN:   | FileCheck %s --check-prefix=DYN
// DYN: %[[BYTES:.*]] = arith.constant 61440 : i32
// DYN: gpu.launch
// DYN-SAME: dynamic_shared_memory_size %[[BYTES]]
// DYN: %[[RAW:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// DYN: memref.view %[[RAW]][%c0{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<3x128x40xf16, #gpu.address_space<workgroup>>
// DYN: memref.view %[[RAW]][%c30720{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<3x128x40xf16, #gpu.address_space<workgroup>>
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=128 tile-n=128 tile-k=32 operand-type=f16 tensor-cores=1 async-copies=1 stages=3 fit-tiles=0" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Aligned operands (cp.async), A at an offset of one element (element
// copies), the f32 A of @product32, and B as [k][n] (@productOuter).
// CHECK: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1

#a = affine_map<(b, m, n, k) -> (b, m, k)>
#bDot = affine_map<(b, m, n, k) -> (n, k)>
#bOuter = affine_map<(b, m, n, k) -> (k, n)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
!A = memref<2x20x40xf16, strided<[800, 40, 1], offset: ?>>
!A32 = memref<2x20x40xf32>

// buf[i] = ((i * 5) mod 11) / 8 - 1/4: exact in f16.
func.func private @fill(%buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %c11 = arith.constant 11 : index
  %n = memref.dim %buf, %c0 : memref<?xf32>
  %eighth = arith.constant 0.125 : f32
  %quarter = arith.constant 0.25 : f32
  scf.for %i = %c0 to %n step %c1 {
    %s = arith.muli %i, %c5 : index
    %r = arith.remui %s, %c11 : index
    %ri = arith.index_cast %r : index to i32
    %f = arith.sitofp %ri : i32 to f32
    %v = arith.mulf %f, %eighth : f32
    %w = arith.subf %v, %quarter : f32
    memref.store %w, %buf[%i] : memref<?xf32>
  }
  return
}

func.func private @narrow(%x: memref<?xf32>, %y: memref<?xf16>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      ins(%x : memref<?xf32>) outs(%y : memref<?xf16>) {
  ^bb0(%v: f32, %o: f16):
    %h = arith.truncf %v : f32 to f16
    linalg.yield %h : f16
  }
  return
}

// Prints whether |got - want| < 1e-5 everywhere and got is not all zero.
func.func private @check(%got: memref<2x20x24xf32>, %want: memref<2x20x24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c20 = arith.constant 20 : index
  %c24 = arith.constant 24 : index
  %zero = arith.constant 0.0 : f32
  %bound = arith.constant 1.0e-5 : f32
  %r:2 = scf.for %b = %c0 to %c2 step %c1 iter_args(%d0 = %zero, %g0 = %zero) -> (f32, f32) {
    %r1:2 = scf.for %i = %c0 to %c20 step %c1 iter_args(%d1 = %d0, %g1 = %g0) -> (f32, f32) {
      %r2:2 = scf.for %j = %c0 to %c24 step %c1 iter_args(%d2 = %d1, %g2 = %g1) -> (f32, f32) {
        %x = memref.load %got[%b, %i, %j] : memref<2x20x24xf32>
        %y = memref.load %want[%b, %i, %j] : memref<2x20x24xf32>
        %d = arith.subf %x, %y : f32
        %a = math.absf %d : f32
        %ax = math.absf %x : f32
        %m = arith.maximumf %d2, %a : f32
        %g = arith.maximumf %g2, %ax : f32
        scf.yield %m, %g : f32, f32
      }
      scf.yield %r2#0, %r2#1 : f32, f32
    }
    scf.yield %r1#0, %r1#1 : f32, f32
  }
  %close = arith.cmpf olt, %r#0, %bound : f32
  %moved = arith.cmpf ogt, %r#1, %bound : f32
  %ok = arith.andi %close, %moved : i1
  vector.print %ok : i1
  return
}

// want[b, m, n] = sum_k a[b, m, k] * w[n, k], by loops.
func.func private @reference(%a: !A32, %w: memref<24x40xf32>, %out: memref<2x20x24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c20 = arith.constant 20 : index
  %c24 = arith.constant 24 : index
  %c40 = arith.constant 40 : index
  %zero = arith.constant 0.0 : f32
  scf.for %b = %c0 to %c2 step %c1 {
    scf.for %i = %c0 to %c20 step %c1 {
      scf.for %j = %c0 to %c24 step %c1 {
        %s = scf.for %k = %c0 to %c40 step %c1 iter_args(%acc = %zero) -> f32 {
          %x = memref.load %a[%b, %i, %k] : !A32
          %y = memref.load %w[%j, %k] : memref<24x40xf32>
          %p = arith.mulf %x, %y : f32
          %n = arith.addf %acc, %p : f32
          scf.yield %n : f32
        }
        memref.store %s, %out[%b, %i, %j] : memref<2x20x24xf32>
      }
    }
  }
  return
}

func.func private @product(%a: !A, %w: memref<24x40xf16>, %out: memref<2x20x24xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<2x20x24xf32>)
  linalg.generic {indexing_maps = [#a, #bDot, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %w : !A, memref<24x40xf16>) outs(%out : memref<2x20x24xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xw = arith.extf %x : f16 to f32
    %yw = arith.extf %y : f16 to f32
    %p = arith.mulf %xw, %yw : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

func.func private @product32(%a: !A32, %w: memref<24x40xf16>, %out: memref<2x20x24xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<2x20x24xf32>)
  linalg.generic {indexing_maps = [#a, #bDot, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %w : !A32, memref<24x40xf16>) outs(%out : memref<2x20x24xf32>) {
  ^bb0(%x: f32, %y: f16, %acc: f32):
    %yw = arith.extf %y : f16 to f32
    %p = arith.mulf %x, %yw : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// The same product with B given as [k][n].
func.func private @productOuter(%a: !A, %wT: memref<40x24xf16>, %out: memref<2x20x24xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<2x20x24xf32>)
  linalg.generic {indexing_maps = [#a, #bOuter, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %wT : !A, memref<40x24xf16>) outs(%out : memref<2x20x24xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xw = arith.extf %x : f16 to f32
    %yw = arith.extf %y : f16 to f32
    %p = arith.mulf %xw, %yw : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

func.func private @transpose(%w: memref<24x40xf16>, %wT: memref<40x24xf16>) {
  linalg.transpose ins(%w : memref<24x40xf16>) outs(%wT : memref<40x24xf16>) permutation = [1, 0]
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c960 = arith.constant 960 : index
  %c1600 = arith.constant 1600 : index
  %c1601 = arith.constant 1601 : index

  %aBuf = memref.alloc(%c1600) {alignment = 16 : i64} : memref<?xf32>
  func.call @fill(%aBuf) : (memref<?xf32>) -> ()
  %a32 = memref.reinterpret_cast %aBuf to offset: [0], sizes: [2, 20, 40], strides: [800, 40, 1]
      : memref<?xf32> to !A32
  %wBuf = memref.alloc(%c960) {alignment = 16 : i64} : memref<?xf32>
  func.call @fill(%wBuf) : (memref<?xf32>) -> ()
  %w = memref.reinterpret_cast %wBuf to offset: [0], sizes: [24, 40], strides: [40, 1]
      : memref<?xf32> to memref<24x40xf32>

  // f16 copies: A aligned, A one element further into a buffer, W.
  %a16Buf = memref.alloc(%c1600) {alignment = 16 : i64} : memref<?xf16>
  func.call @narrow(%aBuf, %a16Buf) : (memref<?xf32>, memref<?xf16>) -> ()
  %a16 = memref.reinterpret_cast %a16Buf to offset: [0], sizes: [2, 20, 40], strides: [800, 40, 1]
      : memref<?xf16> to !A
  %oddBuf = memref.alloc(%c1601) {alignment = 16 : i64} : memref<?xf16>
  %odd = memref.reinterpret_cast %oddBuf to offset: [1], sizes: [2, 20, 40], strides: [800, 40, 1]
      : memref<?xf16> to !A
  memref.copy %a16, %odd : !A to !A
  %w16Buf = memref.alloc(%c960) {alignment = 16 : i64} : memref<?xf16>
  func.call @narrow(%wBuf, %w16Buf) : (memref<?xf32>, memref<?xf16>) -> ()
  %w16 = memref.reinterpret_cast %w16Buf to offset: [0], sizes: [24, 40], strides: [40, 1]
      : memref<?xf16> to memref<24x40xf16>

  %want = memref.alloc() : memref<2x20x24xf32>
  func.call @reference(%a32, %w, %want) : (!A32, memref<24x40xf32>, memref<2x20x24xf32>) -> ()
  %got = memref.alloc() {alignment = 16 : i64} : memref<2x20x24xf32>

  func.call @product(%a16, %w16, %got) : (!A, memref<24x40xf16>, memref<2x20x24xf32>) -> ()
  func.call @check(%got, %want) : (memref<2x20x24xf32>, memref<2x20x24xf32>) -> ()
  func.call @product(%odd, %w16, %got) : (!A, memref<24x40xf16>, memref<2x20x24xf32>) -> ()
  func.call @check(%got, %want) : (memref<2x20x24xf32>, memref<2x20x24xf32>) -> ()
  func.call @product32(%a32, %w16, %got) : (!A32, memref<24x40xf16>, memref<2x20x24xf32>) -> ()
  func.call @check(%got, %want) : (memref<2x20x24xf32>, memref<2x20x24xf32>) -> ()
  %wT16 = memref.alloc() {alignment = 16 : i64} : memref<40x24xf16>
  func.call @transpose(%w16, %wT16) : (memref<24x40xf16>, memref<40x24xf16>) -> ()
  func.call @productOuter(%a16, %wT16, %got) : (!A, memref<40x24xf16>, memref<2x20x24xf32>) -> ()
  func.call @check(%got, %want) : (memref<2x20x24xf32>, memref<2x20x24xf32>) -> ()
  return
}
