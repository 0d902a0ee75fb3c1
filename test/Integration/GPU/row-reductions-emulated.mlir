// The one-block-per-row reduction kernel (bertc-gpu-row-reductions),
// emulated on the CPU, against plain loops: rows of 37 elements over 8
// threads (several per thread, a ragged last round), 15 rows in two
// dimensions, a sum with an elementwise body that starts from the output's
// value and a maximum after a fill (which the kernel takes over) above every
// element, so only a kernel that starts from the fill's value gets it.
// RUN: bertc-opt %s --bertc-gpu-row-reductions="block-size=8" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// 64 threads: two warps (their totals meet in shared memory), and 27
// threads with no element of the row (they hold the identity).
// RUN: bertc-opt %s --bertc-gpu-row-reductions="block-size=64" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// warp-rows-up-to=64: a warp per 37-element row (one or two elements a
// lane), 4 rows a block of 128, the last block's last row past the 15.
// RUN: bertc-opt %s --bertc-gpu-row-reductions="block-size=128 warp-rows-up-to=64" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Per reduction: matches the loops (rounding only), and the kernel ran
// (the output moved from its initial value).
// CHECK: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1
// CHECK-NEXT: 1

func.func private @fill(%buf: memref<3x5x37xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c17 = arith.constant 17 : index
  %c37 = arith.constant 37 : index
  %scale = arith.constant 0.25 : f32
  %shift = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c5 step %c1 {
      scf.for %k = %c0 to %c37 step %c1 {
        %a = arith.muli %i, %c37 : index
        %b = arith.muli %j, %c5 : index
        %t = arith.addi %a, %b : index
        %u = arith.addi %t, %k : index
        %v = arith.muli %u, %c3 : index
        %r = arith.remui %v, %c17 : index
        %ri = arith.index_cast %r : index to i32
        %f = arith.sitofp %ri : i32 to f32
        %g = arith.mulf %f, %scale : f32
        %h = arith.subf %g, %shift : f32
        memref.store %h, %buf[%i, %j, %k] : memref<3x5x37xf32>
      }
    }
  }
  return
}

func.func private @maxdiff(%x: memref<3x5xf32>, %y: memref<3x5xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%m0 = %zero) -> f32 {
    %r1 = scf.for %j = %c0 to %c5 step %c1 iter_args(%m1 = %m0) -> f32 {
      %u = memref.load %x[%i, %j] : memref<3x5xf32>
      %v = memref.load %y[%i, %j] : memref<3x5xf32>
      %d = arith.subf %u, %v : f32
      %e = math.absf %d : f32
      %m = arith.maximumf %m1, %e : f32
      scf.yield %m : f32
    }
    scf.yield %r1 : f32
  }
  return %r : f32
}

func.func private @init(%x: memref<3x5xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  scf.for %i = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c5 step %c1 {
      memref.store %v, %x[%i, %j] : memref<3x5xf32>
    }
  }
  return
}

// sums = init + sum_k (x - 0.5)^2 and maxes = max(init, max_k x), by loops.
func.func private @reference(%x: memref<3x5x37xf32>, %sums: memref<3x5xf32>,
                             %maxes: memref<3x5xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c37 = arith.constant 37 : index
  %half = arith.constant 0.5 : f32
  scf.for %i = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c5 step %c1 {
      scf.for %k = %c0 to %c37 step %c1 {
        %v = memref.load %x[%i, %j, %k] : memref<3x5x37xf32>
        %d = arith.subf %v, %half : f32
        %sq = arith.mulf %d, %d : f32
        %s = memref.load %sums[%i, %j] : memref<3x5xf32>
        %s2 = arith.addf %s, %sq : f32
        memref.store %s2, %sums[%i, %j] : memref<3x5xf32>
        %m = memref.load %maxes[%i, %j] : memref<3x5xf32>
        %m2 = arith.maximumf %m, %v : f32
        memref.store %m2, %maxes[%i, %j] : memref<3x5xf32>
      }
    }
  }
  return
}

func.func @main() {
  %half = arith.constant 0.5 : f32
  %start = arith.constant 1.5 : f32
  %high = arith.constant 5.0 : f32
  %unset = arith.constant 7.0 : f32
  %bound = arith.constant 1.0e-4 : f32
  %x = memref.alloc() : memref<3x5x37xf32>
  func.call @fill(%x) : (memref<3x5x37xf32>) -> ()
  %sums = memref.alloc() : memref<3x5xf32>
  %maxes = memref.alloc() : memref<3x5xf32>
  %wantSums = memref.alloc() : memref<3x5xf32>
  %wantMaxes = memref.alloc() : memref<3x5xf32>
  %initial = memref.alloc() : memref<3x5xf32>
  func.call @init(%sums, %start) : (memref<3x5xf32>, f32) -> ()
  func.call @init(%wantSums, %start) : (memref<3x5xf32>, f32) -> ()
  func.call @init(%initial, %start) : (memref<3x5xf32>, f32) -> ()
  func.call @init(%wantMaxes, %high) : (memref<3x5xf32>, f32) -> ()
  %stale = memref.alloc() : memref<3x5xf32>
  func.call @init(%stale, %unset) : (memref<3x5xf32>, f32) -> ()

  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<3x5x37xf32>) outs(%sums : memref<3x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.subf %in, %half : f32
    %sq = arith.mulf %d, %d : f32
    %s = arith.addf %out, %sq fastmath<reassoc> : f32
    linalg.yield %s : f32
  }
  func.call @init(%maxes, %unset) : (memref<3x5xf32>, f32) -> ()
  linalg.fill ins(%high : f32) outs(%maxes : memref<3x5xf32>)
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<3x5x37xf32>) outs(%maxes : memref<3x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  }
  func.call @reference(%x, %wantSums, %wantMaxes)
      : (memref<3x5x37xf32>, memref<3x5xf32>, memref<3x5xf32>) -> ()

  %d1 = func.call @maxdiff(%sums, %wantSums) : (memref<3x5xf32>, memref<3x5xf32>) -> f32
  %ok1 = arith.cmpf olt, %d1, %bound : f32
  vector.print %ok1 : i1
  %moved1 = func.call @maxdiff(%sums, %initial) : (memref<3x5xf32>, memref<3x5xf32>) -> f32
  %big1 = arith.cmpf ogt, %moved1, %bound : f32
  vector.print %big1 : i1
  %d2 = func.call @maxdiff(%maxes, %wantMaxes) : (memref<3x5xf32>, memref<3x5xf32>) -> f32
  %ok2 = arith.cmpf olt, %d2, %bound : f32
  vector.print %ok2 : i1
  %lowest = func.call @maxdiff(%maxes, %stale) : (memref<3x5xf32>, memref<3x5xf32>) -> f32
  %big2 = arith.cmpf ogt, %lowest, %bound : f32
  vector.print %big2 : i1
  return
}
