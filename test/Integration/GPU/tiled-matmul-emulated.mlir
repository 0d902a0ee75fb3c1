// The tiled matrix-product kernel (bertc-gpu-tile-contractions), emulated
// on the CPU, against plain loops: sizes that fill no tile evenly (several
// blocks in m and n, a ragged last k block, two samples), small tiles so
// that every edge path runs, and C's initial value (a bias) kept.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=4 thread-m=2 thread-n=2" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// With a small tile (4 x 4 x 2), chosen on the host when the tile's grid
// (3 x 3 x 2 blocks here) has fewer than small-below blocks: taken (100),
// and not (1).
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=4 thread-m=2 thread-n=2 small-tile-m=4 small-tile-n=4 small-tile-k=2 small-below=100" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=4 thread-m=2 thread-n=2 small-tile-m=4 small-tile-n=4 small-tile-k=2 small-below=1" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Split k by waves (split-k-waves) on 12 SMs: 18 blocks (two waves) of 3 k
// blocks each split into 3 ranges (five waves of one k block), which only
// the waves allow (18 blocks fill 12 SMs).
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=4 thread-m=2 thread-n=2 split-k=16 split-k-min=1 split-k-waves=1 small-below=12" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Dot form (B as [N, K]), outer form (B as [K, N]), the dot form after a
// bias broadcast (which the kernel takes over as the sums' start), and the
// same with the product written into a [.., 3, 7] view of the biased
// [.., 21] buffer (as linear layers split heads): each matches the loops
// (rounding only) and moved C away from its start.
// CHECK: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1

#a = affine_map<(b, m, n, k) -> (b, m, k)>
#bDot = affine_map<(b, m, n, k) -> (n, k)>
#bOuter = affine_map<(b, m, n, k) -> (k, n)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>

func.func private @fill(%buf: memref<?x?xf32>, %seed: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c13 = arith.constant 13 : index
  %rows = memref.dim %buf, %c0 : memref<?x?xf32>
  %cols = memref.dim %buf, %c1 : memref<?x?xf32>
  %scale = arith.constant 0.125 : f32
  scf.for %i = %c0 to %rows step %c1 {
    scf.for %j = %c0 to %cols step %c1 {
      %s = arith.muli %i, %seed : index
      %t = arith.addi %s, %j : index
      %r = arith.remui %t, %c13 : index
      %ri = arith.index_cast %r : index to i32
      %f = arith.sitofp %ri : i32 to f32
      %v = arith.mulf %f, %scale : f32
      %w = arith.subf %v, %scale : f32
      memref.store %w, %buf[%i, %j] : memref<?x?xf32>
    }
  }
  return
}

// The largest |x - y| over two [2, M, N] buffers.
func.func private @maxdiff(%x: memref<2x19x21xf32>, %y: memref<2x19x21xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c19 = arith.constant 19 : index
  %c21 = arith.constant 21 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %b = %c0 to %c2 step %c1 iter_args(%m0 = %zero) -> f32 {
    %r1 = scf.for %i = %c0 to %c19 step %c1 iter_args(%m1 = %m0) -> f32 {
      %r2 = scf.for %j = %c0 to %c21 step %c1 iter_args(%m2 = %m1) -> f32 {
        %u = memref.load %x[%b, %i, %j] : memref<2x19x21xf32>
        %v = memref.load %y[%b, %i, %j] : memref<2x19x21xf32>
        %d = arith.subf %u, %v : f32
        %e = math.absf %d : f32
        %m = arith.maximumf %m2, %e : f32
        scf.yield %m : f32
      }
      scf.yield %r2 : f32
    }
    scf.yield %r1 : f32
  }
  return %r : f32
}

// C = bias + A * B by plain loops; B is [N, K] when `dot`, else [K, N].
func.func private @reference(%a: memref<2x19x11xf32>, %bm: memref<?x?xf32>,
                             %out: memref<2x19x21xf32>, %dot: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c11 = arith.constant 11 : index
  %c19 = arith.constant 19 : index
  %c21 = arith.constant 21 : index
  scf.for %b = %c0 to %c2 step %c1 {
    scf.for %i = %c0 to %c19 step %c1 {
      scf.for %j = %c0 to %c21 step %c1 {
        scf.for %k = %c0 to %c11 step %c1 {
          %x = memref.load %a[%b, %i, %k] : memref<2x19x11xf32>
          %y = scf.if %dot -> f32 {
            %t = memref.load %bm[%j, %k] : memref<?x?xf32>
            scf.yield %t : f32
          } else {
            %t = memref.load %bm[%k, %j] : memref<?x?xf32>
            scf.yield %t : f32
          }
          %c = memref.load %out[%b, %i, %j] : memref<2x19x21xf32>
          %p = arith.mulf %x, %y : f32
          %s = arith.addf %c, %p : f32
          memref.store %s, %out[%b, %i, %j] : memref<2x19x21xf32>
        }
      }
    }
  }
  return
}

func.func @main() {
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c11 = arith.constant 11 : index
  %c21 = arith.constant 21 : index
  %c38 = arith.constant 38 : index
  %true = arith.constant true
  %false = arith.constant false
  %bound = arith.constant 1.0e-5 : f32

  %a2 = memref.alloc(%c38, %c11) : memref<?x?xf32>
  func.call @fill(%a2, %c3) : (memref<?x?xf32>, index) -> ()
  %a = memref.reinterpret_cast %a2 to offset: [0], sizes: [2, 19, 11], strides: [209, 11, 1]
      : memref<?x?xf32> to memref<2x19x11xf32>
  %wDot = memref.alloc(%c21, %c11) : memref<?x?xf32>
  func.call @fill(%wDot, %c5) : (memref<?x?xf32>, index) -> ()
  %wOuter = memref.alloc(%c11, %c21) : memref<?x?xf32>
  func.call @fill(%wOuter, %c7) : (memref<?x?xf32>, index) -> ()
  %bias2 = memref.alloc(%c38, %c21) : memref<?x?xf32>
  func.call @fill(%bias2, %c2) : (memref<?x?xf32>, index) -> ()
  %bias = memref.reinterpret_cast %bias2 to offset: [0], sizes: [2, 19, 21], strides: [399, 21, 1]
      : memref<?x?xf32> to memref<2x19x21xf32>

  %got = memref.alloc() : memref<2x19x21xf32>
  %want = memref.alloc() : memref<2x19x21xf32>
  %wd = memref.cast %wDot : memref<?x?xf32> to memref<21x11xf32>
  %wo = memref.cast %wOuter : memref<?x?xf32> to memref<11x21xf32>

  // Dot form.
  memref.copy %bias, %got : memref<2x19x21xf32> to memref<2x19x21xf32>
  memref.copy %bias, %want : memref<2x19x21xf32> to memref<2x19x21xf32>
  linalg.generic {indexing_maps = [#a, #bDot, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %wd : memref<2x19x11xf32>, memref<21x11xf32>) outs(%got : memref<2x19x21xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  func.call @reference(%a, %wDot, %want, %true)
      : (memref<2x19x11xf32>, memref<?x?xf32>, memref<2x19x21xf32>, i1) -> ()
  %d1 = func.call @maxdiff(%got, %want) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %ok1 = arith.cmpf olt, %d1, %bound : f32
  vector.print %ok1 : i1
  // The product is not trivially zero: C changed from the bias.
  %moved1 = func.call @maxdiff(%got, %bias) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %big1 = arith.cmpf ogt, %moved1, %bound : f32
  vector.print %big1 : i1

  // Outer form.
  memref.copy %bias, %got : memref<2x19x21xf32> to memref<2x19x21xf32>
  memref.copy %bias, %want : memref<2x19x21xf32> to memref<2x19x21xf32>
  linalg.generic {indexing_maps = [#a, #bOuter, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %wo : memref<2x19x11xf32>, memref<11x21xf32>) outs(%got : memref<2x19x21xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  func.call @reference(%a, %wOuter, %want, %false)
      : (memref<2x19x11xf32>, memref<?x?xf32>, memref<2x19x21xf32>, i1) -> ()
  %d2 = func.call @maxdiff(%got, %want) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %ok2 = arith.cmpf olt, %d2, %bound : f32
  vector.print %ok2 : i1
  %moved2 = func.call @maxdiff(%got, %bias) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %big2 = arith.cmpf ogt, %moved2, %bound : f32
  vector.print %big2 : i1


  // A bias row broadcast into C, then the product.
  %row2 = memref.alloc(%c2, %c21) : memref<?x?xf32>
  func.call @fill(%row2, %c3) : (memref<?x?xf32>, index) -> ()
  %row = memref.reinterpret_cast %row2 to offset: [0], sizes: [21], strides: [1]
      : memref<?x?xf32> to memref<21xf32>
  linalg.generic {indexing_maps = [affine_map<(b, m, n) -> (n)>,
                                   affine_map<(b, m, n) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%row : memref<21xf32>) outs(%got : memref<2x19x21xf32>) {
  ^bb0(%r: f32, %o: f32):
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#a, #bDot, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %wd : memref<2x19x11xf32>, memref<21x11xf32>) outs(%got : memref<2x19x21xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  %rowsBias = memref.alloc() : memref<2x19x21xf32>
  func.call @broadcast(%row, %rowsBias) : (memref<21xf32>, memref<2x19x21xf32>) -> ()
  memref.copy %rowsBias, %want : memref<2x19x21xf32> to memref<2x19x21xf32>
  func.call @reference(%a, %wDot, %want, %true)
      : (memref<2x19x11xf32>, memref<?x?xf32>, memref<2x19x21xf32>, i1) -> ()
  %d3 = func.call @maxdiff(%got, %want) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %ok3 = arith.cmpf olt, %d3, %bound : f32
  vector.print %ok3 : i1
  %moved3 = func.call @maxdiff(%got, %rowsBias) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %big3 = arith.cmpf ogt, %moved3, %bound : f32
  vector.print %big3 : i1

  // The same through a view that splits n into 3 x 7.
  %split = memref.alloc() : memref<2x19x21xf32>
  linalg.generic {indexing_maps = [affine_map<(b, m, n) -> (n)>,
                                   affine_map<(b, m, n) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%row : memref<21xf32>) outs(%split : memref<2x19x21xf32>) {
  ^bb0(%r: f32, %o: f32):
    linalg.yield %r : f32
  }
  %heads = memref.expand_shape %split [[0], [1], [2, 3]] output_shape [2, 19, 3, 7]
      : memref<2x19x21xf32> into memref<2x19x3x7xf32>
  %wHeads = memref.expand_shape %wd [[0, 1], [2]] output_shape [3, 7, 11]
      : memref<21x11xf32> into memref<3x7x11xf32>
  linalg.generic {indexing_maps = [affine_map<(b, m, h, d, k) -> (b, m, k)>,
                                   affine_map<(b, m, h, d, k) -> (h, d, k)>,
                                   affine_map<(b, m, h, d, k) -> (b, m, h, d)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %wHeads : memref<2x19x11xf32>, memref<3x7x11xf32>)
      outs(%heads : memref<2x19x3x7xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  %d4 = func.call @maxdiff(%split, %want) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %ok4 = arith.cmpf olt, %d4, %bound : f32
  vector.print %ok4 : i1
  %moved4 = func.call @maxdiff(%split, %rowsBias) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %big4 = arith.cmpf ogt, %moved4, %bound : f32
  vector.print %big4 : i1
  return
}

// out[b, m, n] = row[n], by loops.
func.func private @broadcast(%row: memref<21xf32>, %out: memref<2x19x21xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c19 = arith.constant 19 : index
  %c21 = arith.constant 21 : index
  scf.for %b = %c0 to %c2 step %c1 {
    scf.for %i = %c0 to %c19 step %c1 {
      scf.for %j = %c0 to %c21 step %c1 {
        %v = memref.load %row[%j] : memref<21xf32>
        memref.store %v, %out[%b, %i, %j] : memref<2x19x21xf32>
      }
    }
  }
  return
}
