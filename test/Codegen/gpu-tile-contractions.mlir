// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="wide-loads=0 fit-tiles=0 specialize-wide=0" -cse | FileCheck %s
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="fit-tiles=0 specialize-wide=0 tile-m=32 tile-n=16 tile-k=8 thread-m=2 thread-n=1 wide-loads=0" -cse | FileCheck %s --check-prefix=SMALL
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="fit-tiles=0 specialize-wide=0 operand-type=f16 wide-loads=0" -cse | FileCheck %s --check-prefix=NARROW
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="fit-tiles=0 specialize-wide=0 operand-type=bf16 tensor-cores=1" -cse | FileCheck %s --check-prefix=MMA
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="fit-tiles=0 specialize-wide=0 operand-type=bf16 tensor-cores=1 ldmatrix=0" -cse | FileCheck %s --check-prefix=PAIRS
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="fit-tiles=0 specialize-wide=0 epilogues=0" -cse | FileCheck %s --check-prefix=NOEPI
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="fit-tiles=0 specialize-wide=0" -cse | FileCheck %s --check-prefix=WIDEEPI
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="fit-tiles=0 specialize-wide=0 prefetch=0" -cse | FileCheck %s --check-prefix=NOPRE
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="fit-tiles=0 specialize-wide=0 double-buffer=1" -cse | FileCheck %s --check-prefix=DOUBLE
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="fit-tiles=0 specialize-wide=0 small-tile-m=32 small-tile-n=32 small-tile-k=16 small-below=100" -cse | FileCheck %s --check-prefix=SMALLTILE

// A linear layer (W as [N, K], contiguous in k): one block per 64 x 64 tile
// of C and sample, 16 x 16 threads with 4 x 4 sums each, two padded slices
// in shared memory.
// CHECK-LABEL: func.func @linear
// CHECK:         %[[B:.*]] = memref.dim %arg0, %c0
// CHECK:         %[[NT:.*]] = arith.ceildivui %c3072, %c64
// CHECK:         %[[GX:.*]] = arith.maxui %[[NT]], %c1
// CHECK:         %[[MT:.*]] = arith.ceildivui %c128, %c64
// CHECK:         %[[GY:.*]] = arith.maxui %[[MT]], %c1
// CHECK:         %[[GZ:.*]] = arith.maxui %{{.*}}, %c1
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %[[GX]], %{{.*}} = %[[GY]], %{{.*}} = %[[GZ]])
// CHECK-SAME:      threads({{.*}}) in (%{{.*}} = %c16, %{{.*}} = %c16, %{{.*}} = %c1)
// CHECK-SAME:      workgroup(%[[SA:.*]] : memref<16x68xf32, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<16x68xf32, #gpu.address_space<workgroup>>)
// Thread (tx, ty) owns rows 4 ty to 4 ty + 3 and columns 4 tx to 4 tx + 3.
// CHECK:           %[[TY4:.*]] = arith.muli %[[TY:arg[0-9]+]], %c4
// CHECK-NEXT:      %[[RA:.*]] = arith.addi %[[TY4]], %c0
// The sums start from C, guarded.
// CHECK:           scf.if %{{.*}} -> (f32) {
// CHECK-NEXT:        memref.load %arg2[
// A's slice: threads along k (A's contiguous dimension); each thread's
// elements of the first k block are loaded before the loop (prefetch),
// then W's, along k too.
// CHECK:           %[[KK:.*]] = arith.remui %{{.*}}, %c16
// CHECK:           %[[ROW:.*]] = arith.divui %{{.*}}, %c16
// CHECK:           %[[A0:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK-NEXT:        memref.load %arg0[
// CHECK:           memref.load %arg1[
// The loop carries 16 sums and the 4 + 4 elements of the next k block,
// which it stores ([k][m]) between the barriers...
// CHECK:           %[[SUMS:.*]]:24 = scf.for %[[K0:.*]] = %c0 to %c768 step %c16 iter_args({{.*}}%[[AV:arg[0-9]+]] = %[[A0]],
// CHECK-NEXT:        gpu.barrier
// CHECK-NEXT:        memref.store %[[AV]], %[[SA]][%[[KK]], %[[ROW]]]
// CHECK:             memref.store %{{.*}}, %[[SB]][
// CHECK:             gpu.barrier
// ... and loads the next ones from before the products.
// CHECK-NEXT:        %[[K1:.*]] = arith.addi %[[K0]], %c16
// CHECK-NEXT:        %[[KA:.*]] = arith.addi %[[K1]], %[[KK]]
// CHECK:             memref.load %arg0[%{{.*}}, %{{.*}}, %[[KA]]]
// CHECK:             memref.load %arg1[
// Per k, a thread reads its 4 rows of A's slice (rows 4 ty to 4 ty + 3)
// with one 16-byte load, and its 4 columns of W's likewise.
// CHECK:             %[[STEP:.*]]:16 = scf.for %[[KS:.*]] = %c0 to %c16 step %c1 iter_args(
// CHECK:               %[[VA:.*]] = vector.load %[[SA]][%[[KS]], %[[RA]]] {alignment = 16 : i64} : memref<16x68xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK-COUNT-4:       vector.extract %[[VA]][
// CHECK:               %[[VB:.*]] = vector.load %[[SB]][%[[KS]], %{{.*}}] {alignment = 16 : i64} : memref<16x68xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK-COUNT-4:       vector.extract %[[VB]][
// CHECK-COUNT-16:      math.fma
// CHECK:             scf.yield %[[STEP]]#0,
// Each sum is stored once, where it is inside C: a thread's 4 consecutive
// columns of a row with one 16-byte store where all 4 are inside C and C's
// rows are 16-byte aligned (checked once), else one by one.
// CHECK:           %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK-NEXT:      arith.remui %[[PTR]], %c16
// CHECK:           scf.if %{{.*}} {
// CHECK-NEXT:        %[[FOUR_COLS:.*]] = vector.from_elements %[[SUMS]]#0, %[[SUMS]]#1, %[[SUMS]]#2, %[[SUMS]]#3 : vector<4xf32>
// CHECK-NEXT:        vector.store %[[FOUR_COLS]], %arg2[%[[B:.*]], %[[R:.*]], %[[C:.*]]] {alignment = 16 : i64} : memref<?x128x3072xf32>, vector<4xf32>
// CHECK-NEXT:      } else {
// CHECK-NEXT:        scf.if %{{.*}} {
// CHECK-NEXT:          memref.store %[[SUMS]]#0, %arg2[%[[B]], %[[R]], %[[C]]]
// CHECK-COUNT-3:       memref.store
// CHECK-NOT:           memref.store
// CHECK:             }
// CHECK-NEXT:      }
// CHECK-COUNT-3:   vector.store %{{.*}}, %arg2[
// CHECK-NOT:       linalg.generic
// CHECK:           gpu.terminator

// prefetch=0: the loop carries the sums only, and loads each k block
// before storing it.
// NOPRE-LABEL: func.func @linear
// NOPRE-NOT:     memref.load %arg0[
// NOPRE:         %{{.*}}:16 = scf.for %{{.*}} = %c0 to %c768 step %c16 iter_args(
// NOPRE-COUNT-4:   memref.load %arg0[
// NOPRE-COUNT-4:   memref.load %arg1[
// NOPRE:           gpu.barrier
// NOPRE:           gpu.barrier
// NOPRE-NEXT:      scf.for %{{.*}} = %c0 to %c16 step %c1

// A small tile: the host counts the tile's blocks (48 x 2 x batch) and runs
// the 32 x 32 tile's launch (8 x 8 threads) when there are fewer than 100,
// else the 64 x 64 one's.
// SMALLTILE-LABEL: func.func @linear
// SMALLTILE:         %[[NT:.*]] = arith.ceildivui %c3072, %c64
// SMALLTILE:         %[[NT1:.*]] = arith.maxui %[[NT]], %c1
// SMALLTILE:         %[[MT:.*]] = arith.ceildivui %c128, %c64
// SMALLTILE:         %[[MT1:.*]] = arith.maxui %[[MT]], %c1
// SMALLTILE:         %[[Z:.*]] = arith.maxui %{{.*}}, %c1
// SMALLTILE:         %[[NM:.*]] = arith.muli %[[NT1]], %[[MT1]]
// SMALLTILE:         %[[COUNT:.*]] = arith.muli %[[NM]], %[[Z]]
// SMALLTILE:         %[[FEW:.*]] = arith.cmpi ult, %[[COUNT]], %c100
// SMALLTILE:         scf.if %[[FEW]] {
// SMALLTILE:           gpu.launch
// SMALLTILE-SAME:        threads({{.*}}) in (%{{.*}} = %c8, %{{.*}} = %c8, %{{.*}} = %c1)
// SMALLTILE-SAME:        memref<16x36xf32, #gpu.address_space<workgroup>>
// SMALLTILE:         } else {
// SMALLTILE:           gpu.launch
// SMALLTILE-SAME:        threads({{.*}}) in (%{{.*}} = %c16, %{{.*}} = %c16, %{{.*}} = %c1)
// SMALLTILE-SAME:        memref<16x68xf32, #gpu.address_space<workgroup>>
// SMALLTILE-NOT:     linalg.generic
// SMALLTILE:         return
// 32 x 16 tiles, 2 x 1 per thread: 16 x 16 threads. A's 32 x 8 slice is one
// round of the 256 threads, B's 16 x 8 half of one (the threads past it
// store nothing): the loop carries 2 sums and one element of each.
// SMALL-LABEL: func.func @linear
// SMALL:         threads(%{{.*}}) in (%{{.*}} = %c16, %{{.*}} = %c16, %{{.*}} = %c1
// SMALL-SAME:      workgroup(%{{.*}} : memref<8x36xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x20xf32, #gpu.address_space<workgroup>>)
// SMALL:         scf.for {{.*}} -> (f32, f32, f32, f32) {
// SMALL-NEXT:      gpu.barrier
// SMALL-NEXT:      memref.store
// SMALL-NEXT:      scf.if
// SMALL-NEXT:        memref.store
// SMALL-NEXT:      }
// SMALL-NEXT:      gpu.barrier
// SMALL:           memref.load %arg0
// SMALL-NOT:       memref.load %arg0
// SMALL:           memref.load %arg1
// SMALL-NOT:       memref.load %arg1
// SMALL:           scf.for {{.*}} -> (f32, f32) {
// SMALL-COUNT-2:     math.fma
// SMALL-NOT:         math.fma
// SMALL:           scf.yield
// Double buffering: the slices get a stage dimension; the first k block is
// staged (stage 0) before the loop, and each iteration reads stage
// (k0 / 16) % 2, then stores the next block into the other stage, with one
// barrier, at the end.
// DOUBLE-LABEL: func.func @linear
// DOUBLE:         gpu.launch
// DOUBLE-SAME:    workgroup(%[[SA:.*]] : memref<2x16x68xf32, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<2x16x68xf32, #gpu.address_space<workgroup>>)
// DOUBLE:         memref.store %{{.*}}, %[[SA]][%c0,
// DOUBLE:         memref.store %{{.*}}, %[[SB]][%c0,
// DOUBLE:         gpu.barrier
// DOUBLE:         scf.for %[[K:.*]] = %c0 to %c768 step %c16
// DOUBLE-NEXT:      %[[BLOCK:.*]] = arith.divui %[[K]], %c16
// DOUBLE-NEXT:      %[[STAGE:.*]] = arith.remui %[[BLOCK]], %c2
// DOUBLE-NOT:       gpu.barrier
// DOUBLE:           vector.load %[[SA]][%[[STAGE]],
// DOUBLE-NOT:       gpu.barrier
// DOUBLE:           %[[OTHER:.*]] = arith.subi %c1, %[[STAGE]]
// DOUBLE-NOT:       gpu.barrier
// DOUBLE:           memref.store %{{.*}}, %[[SA]][%[[OTHER]],
// DOUBLE-NOT:       gpu.barrier
// DOUBLE:           memref.store %{{.*}}, %[[SB]][%[[OTHER]],
// DOUBLE:           gpu.barrier
// DOUBLE-NEXT:      scf.yield
func.func @linear(%x: memref<?x128x768xf32>, %w: memref<3072x768xf32>,
                  %y: memref<?x128x3072xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d2, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x128x768xf32>, memref<3072x768xf32>)
      outs(%y : memref<?x128x3072xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Attention's P.V: batch and head are batch loops (the grid's z, split
// back into both), V is contiguous in n, so its slice is copied along n.
// CHECK-LABEL: func.func @pv
// CHECK:         %[[B:.*]] = memref.dim %arg0, %c0
// CHECK:         %[[S:.*]] = memref.dim %arg0, %c2
// CHECK:         %[[BH:.*]] = arith.muli %{{.*}}, %[[B]]
// CHECK:         %[[BH2:.*]] = arith.muli %[[BH]], %c12
// CHECK:         %[[GZ:.*]] = arith.maxui %[[BH2]], %c1
// CHECK:         gpu.launch blocks(%{{.*}}, %{{.*}}, %[[BZ:.*]]) in (%{{.*}}, %{{.*}}, %{{.*}} = %[[GZ]])
// CHECK:           %[[HEAD:.*]] = arith.remui %[[BZ]], %c12
// CHECK:           %[[REST:.*]] = arith.divui %[[BZ]], %c12
// CHECK:           %[[B1:.*]] = arith.maxui %[[B]], %c1
// CHECK:           %[[SAMPLE:.*]] = arith.remui %[[REST]], %[[B1]]
// CHECK:           %[[VALID:.*]] = arith.cmpi ult, %[[BZ]], %[[BH2]]
// CHECK:           arith.select %[[VALID]], %[[S]], %c0
// CHECK:           %[[KK:.*]] = arith.divui %{{.*}}, %c64
// CHECK:           %[[COL:.*]] = arith.remui %{{.*}}, %c64
// CHECK:           memref.load %arg0[%[[SAMPLE]], %[[HEAD]],
// CHECK:           memref.load %arg1[%[[SAMPLE]], %{{.*}}, %[[HEAD]], %{{.*}}]
// CHECK:           scf.for
// CHECK:             memref.store %{{.*}}, %{{.*}}[%[[KK]], %[[COL]]]
func.func @pv(%p: memref<?x12x?x?xf32>, %v: memref<?x?x12x64xf32>,
              %out: memref<?x?x12x64xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%p, %v : memref<?x12x?x?xf32>, memref<?x?x12x64xf32>)
      outs(%out : memref<?x?x12x64xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// What is not a matrix product stays for bertc-gpu-map-to-launches.
// CHECK-LABEL: func.func @row_max
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
func.func @row_max(%x: memref<?x768xf32>, %y: memref<?xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                       affine_map<(d0, d1) -> (d0)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x768xf32>) outs(%y : memref<?xf32>) {
  ^bb0(%a: f32, %c: f32):
    %m = arith.maximumf %a, %c : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// The bias broadcast right before the product becomes the sums' start (its
// body on the bias, where the element is inside C): no kernel of its own,
// and C is not read. A fill would be taken the same way.
// The bias is the same down each column: a thread loads each of its 4
// columns' once (guarded by the column alone) for its 16 sums.
// CHECK-LABEL: func.func @biased
// CHECK-NOT:     linalg.generic
// CHECK:         gpu.launch
// CHECK:           %[[IN:.*]] = arith.cmpi ult, %[[COL:.*]], %c3072 : index
// CHECK:           scf.if %[[IN]] -> (f32) {
// CHECK-NEXT:        %[[BIAS:.*]] = memref.load %arg2[%[[COL]]] : memref<3072xf32>
// CHECK-NEXT:        scf.yield %[[BIAS]] : f32
// CHECK-COUNT-3:   memref.load %arg2[
// CHECK-NOT:       memref.load %arg2[
// CHECK-NOT:       memref.load %arg3[
// CHECK:           scf.for
// CHECK-NOT:     linalg.generic
func.func @biased(%x: memref<?x128x768xf32>, %w: memref<3072x768xf32>,
                  %bias: memref<3072xf32>, %y: memref<?x128x3072xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias : memref<3072xf32>) outs(%y : memref<?x128x3072xf32>) {
  ^bb0(%b: f32, %out: f32):
    linalg.yield %b : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d2, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x128x768xf32>, memref<3072x768xf32>)
      outs(%y : memref<?x128x3072xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A writer that reads C (a residual added in place) is not an initializer.
// CHECK-LABEL: func.func @reads_c
// CHECK:         linalg.generic
// CHECK:         gpu.launch
func.func @reads_c(%x: memref<?x128x768xf32>, %w: memref<3072x768xf32>,
                   %y: memref<?x128x3072xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%y : memref<?x128x3072xf32>) {
  ^bb0(%out: f32):
    %d = arith.addf %out, %out : f32
    linalg.yield %d : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d2, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x128x768xf32>, memref<3072x768xf32>)
      outs(%y : memref<?x128x3072xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A linear layer whose weight is stored as f16 and widened in the body
// (linear-weight-type=f16). With f32 slices (the default) the weight is
// widened as it is staged; with operand-type=f16 A is rounded as it is
// staged, W goes in as it is, and both widen after the shared-memory load.
// The loads yield the global type and the conversion waits for the store
// into the slice (after the first barrier): under the load's guard it would
// stall the thread on the load.
// CHECK-LABEL: func.func @narrow_weight
// CHECK:           gpu.launch
// CHECK-SAME:      workgroup(%[[SA:.*]] : memref<16x68xf32, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<16x68xf32, #gpu.address_space<workgroup>>)
// CHECK:           %[[W:.*]] = memref.load %arg1[{{.*}}] : memref<64x32xf16>
// CHECK-NEXT:      scf.yield %[[W]] : f16
// CHECK:           gpu.barrier
// CHECK:           %[[WW:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK-NEXT:      memref.store %[[WW]], %[[SB]]
// CHECK:           gpu.barrier
// CHECK:           scf.for
// CHECK-NOT:       arith.extf
// CHECK:           math.fma
// NARROW-LABEL: func.func @narrow_weight
// NARROW:          gpu.launch
// NARROW-SAME:     workgroup(%[[SA:.*]] : memref<16x68xf16, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<16x68xf16, #gpu.address_space<workgroup>>)
// NARROW:          %[[X:.*]] = memref.load %arg0[{{.*}}] : memref<?x8x32xf32>
// NARROW-NEXT:     scf.yield %[[X]] : f32
// NARROW:          %[[W:.*]] = memref.load %arg1[{{.*}}] : memref<64x32xf16>
// NARROW-NEXT:     scf.yield %[[W]] : f16
// NARROW:          gpu.barrier
// NARROW:          %[[XH:.*]] = arith.truncf %{{.*}} : f32 to f16
// NARROW-NEXT:     memref.store %[[XH]], %[[SA]]
// NARROW:          gpu.barrier
// NARROW:          %[[A:.*]] = vector.load %[[SA]]{{.*}} {alignment = 8 : i64} : memref<16x68xf16, #gpu.address_space<workgroup>>, vector<4xf16>
// NARROW-NEXT:     arith.extf %[[A]] : vector<4xf16> to vector<4xf32>
// NARROW:          %[[B:.*]] = vector.load %[[SB]]
// NARROW-NEXT:     arith.extf %[[B]] : vector<4xf16> to vector<4xf32>
// NARROW:          math.fma %{{.*}}, %{{.*}}, %{{.*}} : f32
// Tensor cores: 4 warps of 32 lanes (a 32 x 32 tile of C each), 32 sums
// per lane. The slices are [row][k] with rows of 16 + 8 (k pairs are
// contiguous); the copies store along k. Per 16 of k, 2 A fragments of 4
// bf16 pairs (i32) and 4 B fragments of 2: one ldmatrix of four 8 x 8
// matrices per A fragment and per two B fragments (lane 8 i + r names row
// r of matrix i: A's matrices go down 8 rows, then right 8 columns; B's
// right, then down), then 2 x 4 m16n8k16 products.
// MMA-LABEL: func.func @narrow_weight
// MMA:          gpu.launch
// MMA-SAME:       threads({{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c4{{.*}}, %{{.*}} = %c1
// MMA-SAME:       workgroup(%[[SA:.*]] : memref<64x24xbf16, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<64x24xbf16, #gpu.address_space<workgroup>>)
// The copies load 16 bytes per thread and round (4 f32 of A, 8 f16 of W:
// 2 + 1 rounds), each group after the checks of the operand's alignment and
// sizes. The loop carries the 32 sums and the prefetched groups in their
// global types; they become bf16 as they are stored, 8 or 16 bytes at a
// time, after the first barrier.
// MMA:            memref.extract_aligned_pointer_as_index %arg0
// MMA:            arith.remui %sizes#2, %c4
// MMA:            %[[KA4:.*]] = arith.remui %{{.*}}, %c4
// MMA-NEXT:       %[[KA:.*]] = arith.muli %[[KA4]], %c4
// MMA-NEXT:       %[[RA:.*]] = arith.divui %{{.*}}, %c4
// MMA:            memref.extract_aligned_pointer_as_index %arg1
// MMA:            vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<64x32xf16>, vector<8xf16>
// MMA:            scf.for {{.*}} -> ({{(f32, ){32}vector<4xf32>, vector<4xf32>, vector<8xf16>}})
// MMA:              gpu.barrier
// MMA-NEXT:         %[[NA:.*]] = arith.truncf %{{.*}} : vector<4xf32> to vector<4xbf16>
// MMA-NEXT:         vector.store %[[NA]], %[[SA]][%[[RA]], %[[KA]]] {alignment = 8 : i64}
// MMA:              %[[WF:.*]] = arith.extf %{{.*}} : vector<8xf16> to vector<8xf32>
// MMA-NEXT:         %[[NB:.*]] = arith.truncf %[[WF]] : vector<8xf32> to vector<8xbf16>
// MMA-NEXT:         vector.store %[[NB]], %[[SB]][{{.*}}] {alignment = 16 : i64}
// MMA-NEXT:         gpu.barrier
// MMA:              %[[MAT:.*]] = arith.divui %{{.*}}, %c8
// MMA:              %[[R:.*]] = arith.remui %{{.*}}, %c8
// MMA:              %[[LOW:.*]] = arith.remui %[[MAT]], %c2
// MMA:              %[[HIGH:.*]] = arith.divui %[[MAT]], %c2
// MMA:              %[[DOWN:.*]] = arith.muli %[[LOW]], %c8
// MMA:              %[[FIRST:.*]] = arith.addi %{{.*}}, %[[DOWN]]
// MMA:              %[[RIGHT:.*]] = arith.muli %[[HIGH]], %c8
// MMA:              %[[COL:.*]] = arith.addi %c0, %[[RIGHT]]
// MMA:              %[[ROW:.*]] = arith.addi %[[FIRST]], %[[R]]
// MMA:              %[[FOUR:.*]] = nvgpu.ldmatrix %[[SA]][%[[ROW]], %[[COL]]] {numTiles = 4 : i32, transpose = false} : memref<64x24xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// MMA:              vector.extract %[[FOUR]][0] : vector<2xbf16> from vector<4x2xbf16>
// MMA-COUNT-3:      nvgpu.ldmatrix
// MMA-COUNT-4:      vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// MMA-NOT:          nvgpu.ldmatrix
// MMA-COUNT-8:      nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// MMA-NOT:          nvvm.mma.sync
// MMA:              scf.yield
// A C fragment's two columns of a row are one 8-byte store where both are
// inside C: 16 per thread.
// MMA-COUNT-16:     vector.store %{{.*}}, %arg2[{{.*}}] {alignment = 8 : i64} : memref<?x8x64xf32>, vector<2xf32>
// MMA-NOT:          vector.store
// MMA:              gpu.terminator
// Without ldmatrix, each pair is one aligned 32-bit load.
// PAIRS-LABEL: func.func @narrow_weight
// PAIRS:          gpu.launch
// PAIRS-SAME:       workgroup(%[[SA:.*]] : memref<64x24xbf16, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<64x24xbf16, #gpu.address_space<workgroup>>)
// PAIRS:            gpu.barrier
// PAIRS:            gpu.barrier
// PAIRS-NOT:        nvgpu.ldmatrix
// PAIRS:            %[[P:.*]] = vector.load %[[SA]][%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<64x24xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// PAIRS-NEXT:       vector.bitcast %[[P]] : vector<2xbf16> to vector<1xi32>
// PAIRS-COUNT-11:   vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// PAIRS:            nvvm.mma.sync
func.func @narrow_weight(%x: memref<?x8x32xf32>, %w: memref<64x32xf16>,
                         %y: memref<?x8x64xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d2, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x8x32xf32>, memref<64x32xf16>)
      outs(%y : memref<?x8x64xf32>) {
  ^bb0(%a: f32, %bh: f16, %acc: f32):
    %b = arith.extf %bh : f16 to f32
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A buffer that holds a product's sums and is then reused (bufferization
// gives Q, K and V's f32 sums one buffer, of which only the rounded copies
// are read): C is not stored when the next op to touch it overwrites all of
// it without reading it (%c here, refilled after the rounding), and is
// stored when the next op reads it (%d, read by the residual add).
// CHECK-LABEL: func.func @reused_sums
// CHECK:         %[[C:.*]] = memref.alloc() : memref<4x64xf32>
// CHECK:         %[[D:.*]] = memref.alloc() : memref<4x64xf32>
// CHECK:         gpu.launch
// CHECK-NOT:       memref.store %{{.*}}, %[[C]][
// CHECK-NOT:       vector.store %{{.*}}, %[[C]][
// The rounding reads nothing but the sums: it runs unguarded, and 4
// consecutive columns are one 8-byte store.
// CHECK:           %[[H:.*]] = arith.truncf %{{.*}} : f32 to f16
// CHECK-COUNT-3:   arith.truncf
// CHECK-NEXT:      %[[IN:.*]] = arith.andi
// CHECK-NEXT:      scf.if %[[IN]] {
// CHECK-NEXT:        %[[V:.*]] = vector.from_elements %[[H]],
// CHECK-NEXT:        vector.store %[[V]], %arg2[{{.*}}] {alignment = 8 : i64} : memref<4x64xf16>, vector<4xf16>
// CHECK-NEXT:      } else {
// CHECK-NEXT:        scf.if
// CHECK-NEXT:          memref.store %[[H]], %arg2[
// CHECK-NOT:       memref.store %{{.*}}, %[[C]][
// CHECK-NOT:       vector.store %{{.*}}, %[[C]][
// CHECK:         gpu.terminator
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[C]] : memref<4x64xf32>)
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}}, %[[D]][
// CHECK:           arith.truncf
// CHECK:           memref.store %{{.*}}, %arg3[
#id = affine_map<(i, j) -> (i, j)>
#mm = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>,
       affine_map<(i, j, k) -> (i, j)>]
func.func @reused_sums(%x: memref<4x64xf32>, %w: memref<64x64xf32>,
                       %h1: memref<4x64xf16>, %h2: memref<4x64xf16>,
                       %y: memref<4x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %c = memref.alloc() : memref<4x64xf32>
  %d = memref.alloc() : memref<4x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x64xf32>)
  linalg.generic {indexing_maps = #mm,
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x64xf32>, memref<64x64xf32>) outs(%c : memref<4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<4x64xf32>) outs(%h1 : memref<4x64xf16>) {
  ^bb0(%v: f32, %o: f16):
    %t = arith.truncf %v : f32 to f16
    linalg.yield %t : f16
  }
  linalg.fill ins(%one : f32) outs(%c : memref<4x64xf32>)
  linalg.fill ins(%zero : f32) outs(%d : memref<4x64xf32>)
  linalg.generic {indexing_maps = #mm,
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x64xf32>, memref<64x64xf32>) outs(%d : memref<4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%d : memref<4x64xf32>) outs(%h2 : memref<4x64xf16>) {
  ^bb0(%v: f32, %o: f16):
    %t = arith.truncf %v : f32 to f16
    linalg.yield %t : f16
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%d, %c : memref<4x64xf32>, memref<4x64xf32>) outs(%y : memref<4x64xf32>) {
  ^bb0(%v: f32, %u: f32, %o: f32):
    %t = arith.addf %v, %u : f32
    linalg.yield %t : f32
  }
  memref.dealloc %c : memref<4x64xf32>
  memref.dealloc %d : memref<4x64xf32>
  return
}

// -----

// The op after the product reads C once (tanh, as GELU's tail) into a
// fresh buffer: the kernel stores tanh(sum) there, and C, filled by the op
// before (folded in) and read by nothing else, is neither stored nor
// allocated. The residual add after the second
// product reads %r too, and C is returned, so C is stored as well. The
// third writes into the product's own input A: the kernel leaves it alone.
// CHECK-LABEL: func.func @epilogues
// CHECK-NOT:     memref.alloc() : memref<4x64xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<4x64xf32>
// CHECK:         gpu.launch
// CHECK:           %[[T:.*]] = math.tanh %{{.*}}#0 : f32
// CHECK:           vector.from_elements %[[T]],
// CHECK-NEXT:      vector.store %{{.*}}, %[[OUT]][
// CHECK:           memref.store %[[T]], %[[OUT]][
// CHECK:         gpu.terminator
// The residual add reads %r: each element's sum is computed where it is
// inside C (wide-loads=0), then C and the sum are stored, 4 columns at a
// time where all 4 are inside C.
// CHECK:         gpu.launch
// CHECK:           memref.extract_aligned_pointer_as_index %arg4
// CHECK:           %[[S:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK-NEXT:        %[[R:.*]] = memref.load %arg2[
// CHECK-NEXT:        %[[ADD:.*]] = arith.addf %[[SUM:[^#]*]]#0, %[[R]] : f32
// CHECK-NEXT:        scf.yield %[[ADD]] : f32
// CHECK:           %[[IN:.*]] = arith.andi
// CHECK-NEXT:      scf.if %[[IN]] {
// CHECK-NEXT:        vector.from_elements %[[SUM]]#0, %[[SUM]]#1, %[[SUM]]#2, %[[SUM]]#3
// CHECK-NEXT:        vector.store %{{.*}}, %arg3[
// CHECK-NEXT:        vector.from_elements %[[S]],
// CHECK-NEXT:        vector.store %{{.*}}, %arg4[
// CHECK-NEXT:      } else {
// CHECK-NEXT:        scf.if %{{.*}} {
// CHECK-NEXT:          memref.store %[[SUM]]#0, %arg3[
// CHECK-NEXT:          memref.store %[[S]], %arg4[
// With wide loads, %r is read where C is 4 columns at a time too: one
// 16-byte load where all 4 are inside C (else one by one where inside),
// and the add runs unguarded.
// WIDEEPI-LABEL: func.func @epilogues
// WIDEEPI:         gpu.launch
// WIDEEPI:         gpu.launch
// WIDEEPI:           memref.extract_aligned_pointer_as_index %arg4
// WIDEEPI:           memref.extract_aligned_pointer_as_index %arg2
// WIDEEPI:           %[[R:.*]] = scf.if %{{.*}} -> (vector<4xf32>) {
// WIDEEPI-NEXT:        %[[RV:.*]] = vector.load %arg2[{{.*}}] {alignment = 16 : i64} : memref<4x64xf32>, vector<4xf32>
// WIDEEPI-NEXT:        scf.yield %[[RV]] : vector<4xf32>
// WIDEEPI-NEXT:      } else {
// WIDEEPI-NEXT:        scf.if %{{.*}} -> (f32) {
// WIDEEPI-NEXT:          memref.load %arg2[
// WIDEEPI:             vector.from_elements
// WIDEEPI:           %[[R0:.*]] = vector.extract %[[R]][0] : f32 from vector<4xf32>
// WIDEEPI-COUNT-3:   vector.extract %[[R]]
// WIDEEPI-NEXT:      %[[S:.*]] = arith.addf %[[SUM:[^#]*]]#0, %[[R0]] : f32
// WIDEEPI-COUNT-3:   arith.addf %[[SUM]]
// WIDEEPI-NEXT:      %[[IN:.*]] = arith.andi
// WIDEEPI-NEXT:      scf.if %[[IN]] {
// WIDEEPI-NEXT:        vector.from_elements %[[SUM]]#0, %[[SUM]]#1, %[[SUM]]#2, %[[SUM]]#3
// WIDEEPI-NEXT:        vector.store %{{.*}}, %arg3[
// WIDEEPI-NEXT:        vector.from_elements %[[S]],
// WIDEEPI-NEXT:        vector.store %{{.*}}, %arg4[
// CHECK:         gpu.launch
// CHECK:         linalg.generic
// CHECK-SAME:      outs(%arg0 : memref<4x64xf32>)
// CHECK:         return %[[OUT]]
// NOEPI-LABEL: func.func @epilogues
// NOEPI-COUNT-3: linalg.generic
#id = affine_map<(i, j) -> (i, j)>
func.func @epilogues(%x: memref<4x64xf32>, %w: memref<64x64xf32>,
                     %r: memref<4x64xf32>, %c2: memref<4x64xf32>,
                     %out2: memref<4x64xf32>) -> memref<4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x64xf32>
  %out = memref.alloc() : memref<4x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x64xf32>)
  linalg.generic {
      indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>,
                       affine_map<(i, j, k) -> (i, j)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x64xf32>, memref<64x64xf32>) outs(%c : memref<4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<4x64xf32>) outs(%out : memref<4x64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    linalg.yield %t : f32
  }
  memref.dealloc %c : memref<4x64xf32>
  linalg.generic {
      indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>,
                       affine_map<(i, j, k) -> (i, j)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x64xf32>, memref<64x64xf32>) outs(%c2 : memref<4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c2, %r : memref<4x64xf32>, memref<4x64xf32>) outs(%out2 : memref<4x64xf32>) {
  ^bb0(%v: f32, %u: f32, %o: f32):
    %s = arith.addf %v, %u : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>,
                       affine_map<(i, j, k) -> (i, j)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x64xf32>, memref<64x64xf32>) outs(%c2 : memref<4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c2 : memref<4x64xf32>) outs(%x : memref<4x64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    linalg.yield %t : f32
  }
  return %out : memref<4x64xf32>
}
