// The tiled matrix-product kernel's 16-byte slice loads (wide-loads),
// emulated on the CPU. Sizes are multiples of 4 (f32) and 8 (f16), so
// 16-byte aligned buffers take the vector loads; a view at an odd offset
// fails the check and takes the element loads. With specialize-wide (the
// default) the host makes the check and the aligned buffers run the kernel
// that assumes it; with specialize-wide=0 the kernel checks in its loop. The k
// and row tiles are partial at the end (k = 20, m = 2 x 20, n = 24).
// The IR has the wide loads of A (4 f32) and of the f16 weight (8), each
// under the run-time check.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=8 thread-m=2 thread-n=2" \
// RUN:   | FileCheck %s --check-prefix=IR
// IR: memref.extract_aligned_pointer_as_index
// IR: vector.load {{.*}} {alignment = 16 : i64} : memref<2x20x20xf32, strided<[400, 20, 1], offset: ?>>, vector<4xf32>
// IR: vector.load {{.*}} {alignment = 16 : i64} : memref<24x20xf16>, vector<8xf16>
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=8 thread-m=2 thread-n=2" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=8 thread-m=2 thread-n=2 specialize-wide=0" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Fewer groups than threads in a round (tile-k=4: 8 groups of A, 16
// threads), then no prefetch, then element loads only.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=4 thread-m=2 thread-n=2" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=8 thread-m=2 thread-n=2 prefetch=0" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=8 thread-m=2 thread-n=2 wide-loads=0" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Double-buffered slices (one barrier per k block), with and without
// prefetch, FMA and tensor cores.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=4 thread-m=2 thread-n=2 double-buffer=1" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=8 thread-m=2 thread-n=2 double-buffer=1 prefetch=0" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=32 tile-n=32 tile-k=16 operand-type=f16 tensor-cores=1 warp-m=16 warp-n=16 double-buffer=1" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Tensor cores on f16 slices, where the wide stores into the [row][k]
// slices are vector stores too. The operands are multiples of 1/8 below 2,
// exact in f16, so every run matches f32 loops to rounding.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=32 tile-n=32 tile-k=16 operand-type=f16 tensor-cores=1" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Dot form, outer form (B as [K, N]: groups along n), A through a view at
// offset 1 (element loads), an f16 weight widened in the body (8 per load).
// CHECK: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1

#a = affine_map<(b, m, n, k) -> (b, m, k)>
#bDot = affine_map<(b, m, n, k) -> (n, k)>
#bOuter = affine_map<(b, m, n, k) -> (k, n)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
!A = memref<2x20x20xf32, strided<[400, 20, 1], offset: ?>>

// buf[i] = ((i * 7) mod 13) / 8 - 1/8: exact in f16.
func.func private @fill(%buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c13 = arith.constant 13 : index
  %n = memref.dim %buf, %c0 : memref<?xf32>
  %scale = arith.constant 0.125 : f32
  scf.for %i = %c0 to %n step %c1 {
    %s = arith.muli %i, %c7 : index
    %r = arith.remui %s, %c13 : index
    %ri = arith.index_cast %r : index to i32
    %f = arith.sitofp %ri : i32 to f32
    %v = arith.mulf %f, %scale : f32
    %w = arith.subf %v, %scale : f32
    memref.store %w, %buf[%i] : memref<?xf32>
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

// want[b, m, n] = sum_k a[b, m, k] * w[n, k] (or w[k, n]), by loops.
func.func private @reference(%a: !A, %w: memref<24x20xf32>, %wT: memref<20x24xf32>,
                             %out: memref<2x20x24xf32>, %dot: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c20 = arith.constant 20 : index
  %c24 = arith.constant 24 : index
  %zero = arith.constant 0.0 : f32
  scf.for %b = %c0 to %c2 step %c1 {
    scf.for %i = %c0 to %c20 step %c1 {
      scf.for %j = %c0 to %c24 step %c1 {
        %s = scf.for %k = %c0 to %c20 step %c1 iter_args(%acc = %zero) -> f32 {
          %x = memref.load %a[%b, %i, %k] : !A
          %y = scf.if %dot -> f32 {
            %t = memref.load %w[%j, %k] : memref<24x20xf32>
            scf.yield %t : f32
          } else {
            %t = memref.load %wT[%k, %j] : memref<20x24xf32>
            scf.yield %t : f32
          }
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

func.func private @product(%a: !A, %w: memref<24x20xf32>, %out: memref<2x20x24xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<2x20x24xf32>)
  linalg.generic {indexing_maps = [#a, #bDot, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %w : !A, memref<24x20xf32>) outs(%out : memref<2x20x24xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c480 = arith.constant 480 : index
  %c801 = arith.constant 801 : index
  %true = arith.constant true
  %false = arith.constant false

  // A, aligned, and the same values one element further into a buffer.
  %aBuf = memref.alloc(%c801) {alignment = 16 : i64} : memref<?xf32>
  func.call @fill(%aBuf) : (memref<?xf32>) -> ()
  %a0 = memref.reinterpret_cast %aBuf to offset: [0], sizes: [2, 20, 20], strides: [400, 20, 1]
      : memref<?xf32> to memref<2x20x20xf32>
  %a = memref.cast %a0 : memref<2x20x20xf32> to !A
  %oddBuf = memref.alloc(%c801) {alignment = 16 : i64} : memref<?xf32>
  %odd = memref.reinterpret_cast %oddBuf to offset: [1], sizes: [2, 20, 20], strides: [400, 20, 1]
      : memref<?xf32> to !A
  memref.copy %a, %odd : !A to !A
  %wBuf = memref.alloc(%c480) {alignment = 16 : i64} : memref<?xf32>
  func.call @fill(%wBuf) : (memref<?xf32>) -> ()
  %w = memref.reinterpret_cast %wBuf to offset: [0], sizes: [24, 20], strides: [20, 1]
      : memref<?xf32> to memref<24x20xf32>
  %wT = memref.alloc() {alignment = 16 : i64} : memref<20x24xf32>
  linalg.transpose ins(%w : memref<24x20xf32>) outs(%wT : memref<20x24xf32>) permutation = [1, 0]
  %w16 = memref.alloc() {alignment = 16 : i64} : memref<24x20xf16>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%w : memref<24x20xf32>) outs(%w16 : memref<24x20xf16>) {
  ^bb0(%x: f32, %o: f16):
    %h = arith.truncf %x : f32 to f16
    linalg.yield %h : f16
  }

  %dotWant = memref.alloc() : memref<2x20x24xf32>
  func.call @reference(%a, %w, %wT, %dotWant, %true)
      : (!A, memref<24x20xf32>, memref<20x24xf32>, memref<2x20x24xf32>, i1) -> ()
  %got = memref.alloc() {alignment = 16 : i64} : memref<2x20x24xf32>

  // Dot form.
  func.call @product(%a, %w, %got) : (!A, memref<24x20xf32>, memref<2x20x24xf32>) -> ()
  func.call @check(%got, %dotWant) : (memref<2x20x24xf32>, memref<2x20x24xf32>) -> ()

  // Outer form.
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%got : memref<2x20x24xf32>)
  linalg.generic {indexing_maps = [#a, #bOuter, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %wT : !A, memref<20x24xf32>) outs(%got : memref<2x20x24xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  %outerWant = memref.alloc() : memref<2x20x24xf32>
  func.call @reference(%a, %w, %wT, %outerWant, %false)
      : (!A, memref<24x20xf32>, memref<20x24xf32>, memref<2x20x24xf32>, i1) -> ()
  func.call @check(%got, %outerWant) : (memref<2x20x24xf32>, memref<2x20x24xf32>) -> ()

  // A at an odd offset.
  func.call @product(%odd, %w, %got) : (!A, memref<24x20xf32>, memref<2x20x24xf32>) -> ()
  func.call @check(%got, %dotWant) : (memref<2x20x24xf32>, memref<2x20x24xf32>) -> ()

  // An f16 weight, widened in the body.
  linalg.fill ins(%zero : f32) outs(%got : memref<2x20x24xf32>)
  linalg.generic {indexing_maps = [#a, #bDot, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %w16 : !A, memref<24x20xf16>) outs(%got : memref<2x20x24xf32>) {
  ^bb0(%x: f32, %h: f16, %acc: f32):
    %y = arith.extf %h : f16 to f32
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  func.call @check(%got, %dotWant) : (memref<2x20x24xf32>, memref<2x20x24xf32>) -> ()
  return
}
