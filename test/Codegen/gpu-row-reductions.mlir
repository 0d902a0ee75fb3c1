// RUN: bertc-opt %s --split-input-file --bertc-gpu-row-reductions -cse | FileCheck %s
// RUN: bertc-opt %s --split-input-file --bertc-gpu-row-reductions="block-size=32" -cse | FileCheck %s --check-prefix=B32
// RUN: not bertc-opt %s --split-input-file --bertc-gpu-row-reductions="block-size=96" 2>&1 | FileCheck %s --check-prefix=POW2
// RUN: bertc-opt %s --split-input-file --bertc-gpu-row-reductions="normalizations=0" -cse | FileCheck %s --check-prefix=NONORM
// RUN: bertc-opt %s --split-input-file --bertc-gpu-row-reductions="chains=0" -cse | FileCheck %s --check-prefix=NOCHAIN
// RUN: bertc-opt %s --split-input-file --bertc-gpu-row-reductions="warp-rows-up-to=64" -cse | FileCheck %s --check-prefix=WARP
// RUN: not bertc-opt %s --split-input-file --bertc-gpu-row-reductions="warp-rows-up-to=-1" 2>&1 | FileCheck %s --check-prefix=WARP-NEG
// WARP-NEG: error: bertc-gpu-row-reductions: warp-rows-up-to must be 0 or more, got -1

// warp-rows-up-to: the variance's 768-element rows are longer than 64, so
// they keep a block each (the kernel above, nothing chosen on the host).
// WARP-LABEL: func.func @variance
// WARP-NOT:     scf.if
// WARP:         gpu.launch
// WARP-SAME:      workgroup(%{{.*}} : memref<4xf32, #gpu.address_space<workgroup>>)
// WARP-NOT:     gpu.launch
// WARP:         return

// Layer norm's variance: one block of 128 threads per row (batch x seq
// rows), each folding the body over a strided share of the row; a warp's
// partials meet by 5 butterfly shuffles, lane 0 of each of the 4 warps
// stores the warp's total, one barrier, then thread 0 adds the 4 totals to
// the output.
// CHECK-LABEL: func.func @variance
// CHECK:         %[[B:.*]] = memref.dim %arg0, %c0
// CHECK:         %[[S:.*]] = memref.dim %arg0, %c1
// CHECK:         %[[R0:.*]] = arith.muli %c1, %[[B]]
// CHECK:         %[[ROWS:.*]] = arith.muli %[[R0]], %[[S]]
// CHECK:         %[[GRID:.*]] = arith.maxui %[[ROWS]], %c1
// CHECK:         gpu.launch blocks(%[[ROW:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %[[GRID]], %{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME:      threads(%[[T:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c128, %{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME:      workgroup(%[[SH:.*]] : memref<4xf32, #gpu.address_space<workgroup>>)
// Row -> (sample, position), dividing by at least 1 (an empty dimension
// has no valid rows).
// CHECK:           %[[S1:.*]] = arith.maxui %[[S]], %c1
// CHECK:           %[[POS:.*]] = arith.remui %[[ROW]], %[[S1]]
// CHECK:           %[[REST:.*]] = arith.divui %[[ROW]], %[[S1]]
// CHECK:           %[[B1:.*]] = arith.maxui %[[B]], %c1
// CHECK:           %[[SAMPLE:.*]] = arith.remui %[[REST]], %[[B1]]
// CHECK:           %[[VALID:.*]] = arith.cmpi ult, %[[ROW]], %[[ROWS]]
// CHECK:           %[[LEN:.*]] = arith.select %[[VALID]], %c768, %c0
// CHECK:           %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:           %[[PART:.*]] = scf.for %[[I:.*]] = %[[T]] to %[[LEN]] step %c128 iter_args(%[[P:.*]] = %[[ZERO]])
// CHECK:             memref.load %arg0[%[[SAMPLE]], %[[POS]], %[[I]]]
// CHECK:             memref.load %arg1[%[[SAMPLE]], %[[POS]]]
// CHECK:             arith.mulf
// CHECK:             %[[NEXT:.*]] = arith.addf %[[P]], %{{.*}} fastmath<reassoc>
// CHECK:             scf.yield %[[NEXT]]
// CHECK-NOT:       gpu.barrier
// CHECK:           %[[C16:.*]] = arith.constant 16 : i32
// CHECK:           %[[C32:.*]] = arith.constant 32 : i32
// CHECK:           %[[X16:.*]], %{{.*}} = gpu.shuffle xor %[[PART]], %[[C16]], %[[C32]] : f32
// CHECK:           %[[W16:.*]] = arith.addf %[[PART]], %[[X16]] fastmath<reassoc>
// CHECK:           gpu.shuffle xor %[[W16]], %{{.*}}, %[[C32]] : f32
// CHECK-COUNT-3:   gpu.shuffle xor
// CHECK:           %[[WTOTAL:.*]] = arith.addf %{{.*}} fastmath<reassoc>
// CHECK:           %[[LANE:.*]] = arith.remui %[[T]], %c32
// CHECK:           %[[LANE0:.*]] = arith.cmpi eq, %[[LANE]], %c0
// CHECK:           scf.if %[[LANE0]] {
// CHECK:             %[[W:.*]] = arith.divui %[[T]], %c32
// CHECK:             memref.store %[[WTOTAL]], %[[SH]][%[[W]]]
// CHECK:           }
// CHECK-NEXT:      gpu.barrier
// CHECK-NOT:       gpu.barrier
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[T]], %c0
// CHECK:           %[[STORE:.*]] = arith.andi %[[FIRST]], %[[VALID]]
// CHECK:           scf.if %[[STORE]] {
// CHECK:             %[[T0:.*]] = memref.load %[[SH]][%c0]
// CHECK:             %[[T1:.*]] = memref.load %[[SH]][%c1]
// CHECK:             %[[T01:.*]] = arith.addf %[[T0]], %[[T1]] fastmath<reassoc>
// CHECK:             memref.load %[[SH]][%c2]
// CHECK:             memref.load %[[SH]][%c3]
// CHECK:             %[[TOTAL:.*]] = arith.addf %{{.*}} fastmath<reassoc>
// CHECK:             %[[OLD:.*]] = memref.load %arg2[%[[SAMPLE]], %[[POS]]]
// CHECK:             %[[SUM:.*]] = arith.addf %[[OLD]], %[[TOTAL]] fastmath<reassoc>
// CHECK:             memref.store %[[SUM]], %arg2[%[[SAMPLE]], %[[POS]]]
// CHECK-NOT:     linalg.generic

// One warp: the shuffles leave the total in every lane; no shared memory,
// no barrier.
// B32-LABEL: func.func @variance
// B32:         gpu.launch
// B32-SAME:      threads(%{{.*}}) in (%{{.*}} = %c32,
// B32-NOT:       workgroup
// B32-COUNT-5:   gpu.shuffle xor
// B32-NOT:       gpu.barrier
// B32:           gpu.terminator

// POW2: error: bertc-gpu-row-reductions: block-size 96 is not a power of two in [1, 1024]
func.func @variance(%x: memref<?x?x768xf32>, %mean: memref<?x?xf32>,
                    %var: memref<?x?xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %mean : memref<?x?x768xf32>, memref<?x?xf32>)
      outs(%var : memref<?x?xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %sq = arith.mulf %d, %d : f32
    %s = arith.addf %out, %sq fastmath<reassoc> : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Softmax's row maximum starts from -inf; the operand order is kept. The
// fill before it is the output's value: no kernel of its own, no load.
// warp-rows-up-to=64 with a dynamic row: the host runs the warp kernel
// for rows of at most 64 elements, the block kernel for longer ones.
// WARP-LABEL: func.func @row_max
// WARP:         %[[SHORT:.*]] = arith.cmpi ule, %{{.*}}, %c64 : index
// WARP:         scf.if %[[SHORT]] {
// WARP:           gpu.launch
// WARP-NOT:         workgroup
// WARP-NOT:         gpu.barrier
// WARP:             gpu.terminator
// WARP:         } else {
// WARP:           gpu.launch
// WARP-SAME:        workgroup(%{{.*}} : memref<4xf32, #gpu.address_space<workgroup>>)
// WARP:             gpu.barrier
// CHECK-LABEL: func.func @row_max
// CHECK-NOT:     linalg.fill
// CHECK:         gpu.launch
// CHECK:           %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK:           scf.for %{{.*}} iter_args(%[[P:.*]] = %[[NEG]])
// CHECK:             %[[IN:.*]] = memref.load %arg0
// CHECK:             arith.maximumf %[[IN]], %[[P]] : f32
// CHECK:           gpu.shuffle xor
// CHECK:           scf.if
// CHECK:             memref.load
// CHECK-COUNT-3:     arith.maximumf
// CHECK-NOT:         memref.load %arg1[
// CHECK:             arith.maximumf %{{.*}}, %arg2 : f32
func.func @row_max(%x: memref<?x12x?x?xf32>, %y: memref<?x12x?xf32>, %init: f32) {
  linalg.fill ins(%init : f32) outs(%y : memref<?x12x?xf32>)
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x : memref<?x12x?x?xf32>) outs(%y : memref<?x12x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A sum without `reassoc` has an order that is part of its value, a
// reduction that is not the innermost loop, and a body whose output is
// used twice stay as they are.
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     gpu.launch
// CHECK-COUNT-3: linalg.generic
func.func @kept(%x: memref<?x64xf32>, %y: memref<?xf32>, %z: memref<64xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                       affine_map<(d0, d1) -> (d0)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                       affine_map<(d0, d1) -> (d1)>],
      iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%z : memref<64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in fastmath<reassoc> : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                       affine_map<(d0, d1) -> (d0)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %p = arith.mulf %out, %in : f32
    %s = arith.addf %out, %p fastmath<reassoc> : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A softmax's sum and normalization: the block that sums the row
// (e = exp(x - max) stored before) passes the total through shared memory
// and divides its elements of the row by it, into a fresh buffer; the
// division has no kernel of its own. Without normalizations it stays.
// The second normalization writes into %t, which the other blocks of its
// reduction read (transposed): it stays a kernel of its own.
// CHECK-LABEL: func.func @normalize
// CHECK:         %[[P:.*]] = memref.alloc
// CHECK:         gpu.launch
// CHECK:           memref.store %[[ROW:.*]], %arg2[
// CHECK-NEXT:      memref.store %[[ROW]], %[[SHARED:.*]][%c0]
// CHECK:           gpu.barrier
// CHECK-NEXT:      %[[V:.*]] = memref.load %[[SHARED]][%c0]
// CHECK-NEXT:      scf.for %[[R:.*]] = %{{.*}} to %{{.*}} step %c128 {
// CHECK-NEXT:        %[[E:.*]] = memref.load %arg0[%{{.*}}, %[[R]]]
// CHECK-NEXT:        %[[Q:.*]] = arith.divf %[[E]], %[[V]] : f32
// CHECK-NEXT:        memref.store %[[Q]], %[[P]][%{{.*}}, %[[R]]]
// CHECK:         gpu.launch
// CHECK:         linalg.generic
// CHECK-SAME:      outs(%arg1 : memref<64x64xf32>)
// CHECK:         return %[[P]]
// NONORM-LABEL: func.func @normalize
// NONORM:         gpu.launch
// NONORM:         linalg.generic
// NONORM-SAME:      outs(%alloc : memref<?x64xf32>)
func.func @normalize(%e: memref<?x64xf32>, %t: memref<64x64xf32>,
                     %sum: memref<?xf32>, %e2: memref<64x64xf32>,
                     %sum2: memref<64xf32>) -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %rows = memref.dim %e, %c0 : memref<?x64xf32>
  %p = memref.alloc(%rows) : memref<?x64xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%e : memref<?x64xf32>) outs(%sum : memref<?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v fastmath<reassoc> : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%e, %sum : memref<?x64xf32>, memref<?xf32>) outs(%p : memref<?x64xf32>) {
  ^bb0(%v: f32, %u: f32, %o: f32):
    %q = arith.divf %v, %u : f32
    linalg.yield %q : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j, i)>,
                                   affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%e2, %t : memref<64x64xf32>, memref<64x64xf32>) outs(%sum2 : memref<64xf32>) {
  ^bb0(%v: f32, %w: f32, %acc: f32):
    %m = arith.mulf %v, %w : f32
    %s = arith.addf %acc, %m fastmath<reassoc> : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%e2, %sum2 : memref<64x64xf32>, memref<64xf32>) outs(%t : memref<64x64xf32>) {
  ^bb0(%v: f32, %u: f32, %o: f32):
    %q = arith.divf %v, %u : f32
    linalg.yield %q : f32
  }
  return %p : memref<?x64xf32>
}

// -----

// A layer norm: the mean's sum, the variance's sum (which reads the mean
// at its row) and the normalization run in one block per row. The warps'
// totals go through a 4-float buffer, the values through a 2-float one; the variance's body and the normalization
// take the sum from it instead of loading it. With chains=0 the variance
// is a kernel of its own and the normalization stays with it.
// CHECK-LABEL: func.func @layer_norm
// CHECK:         gpu.launch
// CHECK-SAME:      workgroup(%[[SH:.*]] : memref<4xf32, #gpu.address_space<workgroup>>, %[[VALS:.*]] : memref<2xf32, #gpu.address_space<workgroup>>)
// CHECK:           memref.store %[[SUM:.*]], %arg1[
// CHECK-NEXT:      memref.store %[[SUM]], %[[VALS]][%c0]
// CHECK:           gpu.barrier
// CHECK-NEXT:      %[[MEAN:.*]] = memref.load %[[VALS]][%c0]
// CHECK:           scf.for
// CHECK-NOT:         memref.load %arg1
// CHECK:             arith.divf %[[MEAN]], %{{.*}}
// CHECK:           memref.store %[[VAR:.*]], %arg2[
// CHECK-NEXT:      memref.store %[[VAR]], %[[VALS]][%c1]
// CHECK:           gpu.barrier
// CHECK-NEXT:      %[[V:.*]] = memref.load %[[VALS]][%c1]
// CHECK:           scf.for
// CHECK-NOT:         memref.load %arg1
// CHECK:             arith.divf %[[MEAN]], %{{.*}}
// CHECK:             arith.divf %[[V]], %{{.*}}
// CHECK:             memref.store %{{.*}}, %arg3[
// CHECK:         }
// CHECK-NOT:     gpu.launch
// CHECK-NOT:     linalg.generic
// warp-rows-up-to=64: the 32-element rows are a warp's, 4 rows a block of
// 128: lane = t mod 32 folds its elements, no shared memory, no barrier,
// and lane 0 of the row stores each sum and gives it to the warp by a
// shuffle, which the variance and the normalization read.
// WARP-LABEL: func.func @layer_norm
// WARP:         %[[ROWS:.*]] = arith.muli %c1, %{{.*}} : index
// WARP:         %[[BLOCKS:.*]] = arith.ceildivui %[[ROWS]], %c4
// WARP:         %[[GRID:.*]] = arith.maxui %[[BLOCKS]], %c1
// WARP:         gpu.launch blocks(%[[B:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %[[GRID]],
// WARP-SAME:      threads(%[[T:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c128, %{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %c1) {
// WARP:           %[[IN:.*]] = arith.divui %[[T]], %c32
// WARP:           %[[FIRST:.*]] = arith.muli %[[B]], %c4
// WARP:           %[[ROW:.*]] = arith.addi %[[FIRST]], %[[IN]]
// WARP:           %[[LANE:.*]] = arith.remui %[[T]], %c32
// WARP:           %[[VALID:.*]] = arith.cmpi ult, %[[ROW]], %[[ROWS]]
// WARP:           %[[LEN:.*]] = arith.select %[[VALID]], %c32, %c0
// WARP:           scf.for %{{.*}} = %[[LANE]] to %[[LEN]] step %c32
// WARP-COUNT-5:   gpu.shuffle xor
// WARP:           %[[LANE0:.*]] = arith.cmpi eq, %[[LANE]], %c0
// WARP:           %[[STORE:.*]] = arith.andi %[[LANE0]], %[[VALID]]
// WARP:           %[[SUM:.*]] = scf.if %[[STORE]] -> (f32) {
// WARP:             memref.store %[[S:.*]], %arg1[
// WARP-NEXT:        scf.yield %[[S]] : f32
// WARP-NEXT:      } else {
// WARP-NEXT:        scf.yield %cst : f32
// WARP:           %[[MEAN:.*]], %{{.*}} = gpu.shuffle idx %[[SUM]], %c0_i32, %c32_i32 : f32
// WARP:           scf.for %{{.*}} = %[[LANE]] to %[[LEN]] step %c32
// WARP:             arith.divf %[[MEAN]], %{{.*}}
// WARP-COUNT-5:   gpu.shuffle xor
// WARP:           %[[VAR:.*]] = scf.if %[[STORE]] -> (f32) {
// WARP:           %[[V:.*]], %{{.*}} = gpu.shuffle idx %[[VAR]], %c0_i32, %c32_i32 : f32
// WARP:           scf.for %{{.*}} = %[[LANE]] to %[[LEN]] step %c32 {
// WARP:             arith.divf %[[V]], %{{.*}}
// WARP:             memref.store %{{.*}}, %arg3[
// WARP-NOT:       gpu.barrier
// WARP:           gpu.terminator
// WARP-NEXT:    }
// WARP-NEXT:    return
// NOCHAIN-LABEL: func.func @layer_norm
// NOCHAIN-COUNT-2: gpu.launch
// NOCHAIN-NOT:     linalg.generic
func.func @layer_norm(%x: memref<?x32xf32>, %sum: memref<?xf32>,
                      %var: memref<?xf32>, %y: memref<?x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 32.0 : f32
  linalg.fill ins(%zero : f32) outs(%sum : memref<?xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x32xf32>) outs(%sum : memref<?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v fastmath<reassoc> : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%zero : f32) outs(%var : memref<?xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x, %sum : memref<?x32xf32>, memref<?xf32>) outs(%var : memref<?xf32>) {
  ^bb0(%v: f32, %s: f32, %acc: f32):
    %mean = arith.divf %s, %n : f32
    %d = arith.subf %v, %mean : f32
    %d2 = arith.mulf %d, %d : f32
    %a = arith.addf %acc, %d2 fastmath<reassoc> : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum, %var : memref<?x32xf32>, memref<?xf32>, memref<?xf32>)
      outs(%y : memref<?x32xf32>) {
  ^bb0(%v: f32, %s: f32, %q: f32, %o: f32):
    %mean = arith.divf %s, %n : f32
    %variance = arith.divf %q, %n : f32
    %d = arith.subf %v, %mean : f32
    %r = arith.divf %d, %variance : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A normalization with two outputs (its value and the value rounded for
// the products that read it: bertc-gpu-narrow-product-operands) runs in
// the reduction's block too and stores both.
// CHECK-LABEL: func.func @layer_norm_two_outputs
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             %[[Y:.*]] = arith.divf
// CHECK:             %[[H:.*]] = arith.truncf %[[Y]] : f32 to f16
// CHECK:             memref.store %[[Y]], %arg2[
// CHECK:             memref.store %[[H]], %arg3[
// CHECK:         }
// CHECK-NOT:     linalg.generic
func.func @layer_norm_two_outputs(%x: memref<?x32xf32>, %sum: memref<?xf32>,
                                  %y: memref<?x32xf32>, %y16: memref<?x32xf16>) {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 32.0 : f32
  linalg.fill ins(%zero : f32) outs(%sum : memref<?xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x32xf32>) outs(%sum : memref<?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v fastmath<reassoc> : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum : memref<?x32xf32>, memref<?xf32>)
      outs(%y, %y16 : memref<?x32xf32>, memref<?x32xf16>) {
  ^bb0(%v: f32, %s: f32, %o: f32, %o16: f16):
    %r = arith.divf %v, %s : f32
    %h = arith.truncf %r : f32 to f16
    linalg.yield %r, %h : f32, f16
  }
  return
}

// -----

// The same in place (bufferization may give the layer norm its input's
// buffer): each thread stores an element it has read, after the block's
// last reduction, so it still runs in the reduction's block.
// CHECK-LABEL: func.func @layer_norm_two_outputs_in_place
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             %[[Y:.*]] = arith.divf
// CHECK:             %[[H:.*]] = arith.truncf %[[Y]] : f32 to f16
// CHECK:             memref.store %[[Y]], %arg0[
// CHECK:             memref.store %[[H]], %arg2[
// CHECK:         }
// CHECK-NOT:     linalg.generic
func.func @layer_norm_two_outputs_in_place(%x: memref<?x32xf32>, %sum: memref<?xf32>,
                                           %y16: memref<?x32xf16>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%sum : memref<?xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x32xf32>) outs(%sum : memref<?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v fastmath<reassoc> : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum : memref<?x32xf32>, memref<?xf32>)
      outs(%x, %y16 : memref<?x32xf32>, memref<?x32xf16>) {
  ^bb0(%v: f32, %s: f32, %o: f32, %o16: f16):
    %r = arith.divf %v, %s : f32
    %h = arith.truncf %r : f32 to f16
    linalg.yield %r, %h : f32, f16
  }
  return
}

// -----

// Two sums that read the same row value %m but over rows of different
// lengths (12 and 1, as Transformer-XL's adaptive softmax has): %m does not
// say how long the rows are, so they do not chain: two kernels.
// CHECK-LABEL: func.func @unequal_rows
// CHECK-COUNT-2: gpu.launch
// CHECK-NOT:     linalg.generic
func.func @unequal_rows(%x: memref<?x12xf32>, %y: memref<?x1xf32>,
                        %m: memref<?xf32>, %s: memref<?xf32>, %t: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x, %m : memref<?x12xf32>, memref<?xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%v: f32, %w: f32, %acc: f32):
    %d = arith.subf %v, %w : f32
    %a = arith.addf %acc, %d fastmath<reassoc> : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%y, %m : memref<?x1xf32>, memref<?xf32>) outs(%t : memref<?xf32>) {
  ^bb0(%v: f32, %w: f32, %acc: f32):
    %d = arith.subf %v, %w : f32
    %a = arith.addf %acc, %d fastmath<reassoc> : f32
    linalg.yield %a : f32
  }
  return
}
