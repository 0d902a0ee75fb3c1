// split-k: a product whose grid has fewer blocks than small-below (an SM
// count) sums k ranges in blocks of their own, chosen on the host at run
// time, and a second launch adds C's start and the ranges' sums, then runs
// the epilogue.
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="split-k=16 split-k-min=2 specialize-wide=0" -cse | FileCheck %s
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="split-k=0 specialize-wide=0" -cse | FileCheck %s --check-prefix=OFF
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="split-k=16 split-k-min=2 specialize-wide=0 sms-at-run-time=1" -cse | FileCheck %s --check-prefix=SMS
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="split-k=16 split-k-min=2 specialize-wide=0 split-k-waves=1" -cse | FileCheck %s --check-prefix=WAVES

// split-k-waves: the host tries 1 to `most` ranges and keeps the one whose
// waves (ceil(tiles x ranges / SMs)) times k blocks per range is least,
// the first of equals, if it saves an eighth of one range's.
// WAVES-LABEL: func.func @linear_gelu
// WAVES:         %[[SAMPLES:.*]] = arith.maxui %{{.*}}, %c1
// WAVES:         %[[TILES:.*]] = arith.muli %{{.*}}, %[[SAMPLES]]
// WAVES:         %[[KBLOCKS:.*]] = arith.maxui %{{.*}}, %c1
// WAVES:         %[[BYMIN:.*]] = arith.divui %[[KBLOCKS]], %c2
// WAVES:         %[[MOST:.*]] = arith.minui %c16, %[[BYMIN]]
// WAVES:         %[[GPUS:.*]] = arith.maxui %c132, %c1
// WAVES:         %[[W1:.*]] = arith.ceildivui %[[TILES]], %[[GPUS]]
// WAVES:         %[[COST1:.*]] = arith.muli %[[W1]], %[[KBLOCKS]]
// WAVES:         %[[LAST:.*]] = arith.addi %[[MOST]], %c1
// WAVES:         %[[BEST:.*]]:2 = scf.for %[[R:.*]] = %c2 to %[[LAST]] step %c1 iter_args(%[[BR:.*]] = %c1, %[[BC:.*]] = %[[COST1]])
// WAVES:           %[[ALL:.*]] = arith.muli %[[TILES]], %[[R]]
// WAVES:           %[[W:.*]] = arith.ceildivui %[[ALL]], %[[GPUS]]
// WAVES:           %[[PER:.*]] = arith.ceildivui %[[KBLOCKS]], %[[R]]
// WAVES:           %[[COST:.*]] = arith.muli %[[W]], %[[PER]]
// WAVES:           %[[BETTER:.*]] = arith.cmpi ult, %[[COST]], %[[BC]]
// WAVES:           arith.select %[[BETTER]], %[[R]], %[[BR]]
// WAVES:           arith.select %[[BETTER]], %[[COST]], %[[BC]]
// WAVES:         %[[SAVED:.*]] = arith.muli %[[BEST]]#1, %c8
// WAVES:         %[[BAR:.*]] = arith.muli %[[COST1]], %c7
// WAVES:         %[[WORTH:.*]] = arith.cmpi ule, %[[SAVED]], %[[BAR]]
// WAVES:         %[[CHOSEN:.*]] = arith.select %[[WORTH]], %[[BEST]]#0, %c1
// WAVES:         %[[RANGES0:.*]] = arith.maxui %[[CHOSEN]], %c1
// WAVES:         %[[PERR:.*]] = arith.ceildivui %[[KBLOCKS]], %[[RANGES0]]
// WAVES:         arith.ceildivui %[[KBLOCKS]], %[[PERR]]
// WAVES:         scf.if
// WAVES:           gpu.launch
// WAVES:           gpu.launch
// WAVES:         } else {
// WAVES:           gpu.launch

// sms-at-run-time: the ranges fill the GPU the program runs on, whose SM
// count the runtime gives (declared once per module).
// SMS-LABEL: func.func @linear_gelu
// SMS:         %[[COUNT:.*]] = call @bertc_gpu_multiprocessors() : () -> i64
// SMS:         %[[SMS:.*]] = arith.index_castui %[[COUNT]] : i64 to index
// SMS:         arith.divui %[[SMS]], %{{.*}} : index
// SMS-NOT:     %c132
// SMS:         func.func private @bertc_gpu_multiprocessors() -> i64
// SMS-NEXT:  }

// A linear layer with a bias (C's start) and GELU after it; k = 256 is 16
// blocks of 16. Host: ranges = max(min(132 / tiles, 16, 16 / 2), 1), evened
// out to ceil(16 / ceil(16 / ranges)); two or more split.
// CHECK-LABEL: func.func @linear_gelu
// CHECK:         %[[SAMPLES:.*]] = arith.maxui %{{.*}}, %c1
// CHECK:         %[[TILES:.*]] = arith.muli %{{.*}}, %[[SAMPLES]]
// CHECK:         %[[KBLOCKS:.*]] = arith.maxui %{{.*}}, %c1
// CHECK:         %[[FILL:.*]] = arith.divui %c132, %[[TILES]]
// CHECK:         %[[BYMIN:.*]] = arith.divui %[[KBLOCKS]], %c2
// CHECK:         %[[MOST:.*]] = arith.minui %c16, %[[BYMIN]]
// CHECK:         %[[R0:.*]] = arith.minui %[[FILL]], %[[MOST]]
// CHECK:         %[[R1:.*]] = arith.maxui %[[R0]], %c1
// CHECK:         %[[PER:.*]] = arith.ceildivui %[[KBLOCKS]], %[[R1]]
// CHECK:         %[[RANGES:.*]] = arith.ceildivui %[[KBLOCKS]], %[[PER]]
// The sum's grid has a row per y and a sample per z: both at most 65535.
// CHECK:         %[[ROWSFIT:.*]] = arith.cmpi ule, %{{.*}}, %c65535
// CHECK:         %[[SAMPLESFIT:.*]] = arith.cmpi ule, %[[SAMPLES]], %c65535
// CHECK:         %[[FITS:.*]] = arith.andi %[[ROWSFIT]], %[[SAMPLESFIT]]
// CHECK:         %[[SEVERAL:.*]] = arith.cmpi uge, %[[RANGES]], %c2
// CHECK:         %[[SPLIT:.*]] = arith.andi %[[SEVERAL]], %[[FITS]]
// CHECK:         scf.if %[[SPLIT]] {
// The [ranges x samples][m][n] sums, then the split launch: grid z is
// ranges x samples, and block z's k loop runs over range z / samples only.
// CHECK:           %[[Z:.*]] = arith.muli %[[RANGES]], %[[SAMPLES]]
// CHECK:           %[[PARTIALS:.*]] = memref.alloc(%[[Z]], %{{.*}}, %c192) : memref<?x?x?xf32>
// CHECK:           %[[SPAN:.*]] = arith.muli %[[PER]], %c16
// CHECK:           gpu.launch blocks(%{{.*}}, %{{.*}}, %[[BZ:.*]]) in ({{.*}}, %{{.*}} = %[[Z]])
// CHECK:             %[[RANGE:.*]] = arith.divui %[[BZ]], %[[SAMPLES]]
// CHECK:             %[[START:.*]] = arith.muli %[[RANGE]], %[[SPAN]]
// CHECK:             %[[END:.*]] = arith.addi %[[START]], %[[SPAN]]
// CHECK:             %[[LIMIT:.*]] = arith.minui %c256, %[[END]]
// CHECK:             scf.for %{{.*}} = %[[START]] to %[[LIMIT]] step %c16
// The ranges' sums go to the buffer at z, not to C or the GELU's output: a
// thread's 4 adjacent columns in one 16-byte store where the buffer's rows
// keep it aligned, else one element at a time.
// CHECK-NOT:         math.erf
// CHECK:             vector.store %{{.*}}, %[[PARTIALS]][%[[BZ]], %{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<?x?x?xf32>, vector<4xf32>
// CHECK-NEXT:      } else {
// CHECK:             memref.store %{{.*}}, %[[PARTIALS]][%[[BZ]], %{{.*}}, %{{.*}}]
// CHECK-NOT:         math.erf
// CHECK:             gpu.terminator
// The sum: a thread per element of C (128 columns a block, a row per
// grid y, a sample per grid z: no division by a run-time size), the bias
// first, then the ranges' sums, then C and the GELU.
// CHECK:           gpu.launch blocks(%{{.*}}, %[[ROW:.*]], %{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %[[SAMPLES]]) threads(%{{.*}}) in (%{{.*}} = %c128, %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK-NOT:         arith.divui
// CHECK:             %[[BIAS:.*]] = memref.load %arg2
// CHECK:             %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %[[RANGES]] step %c1 iter_args(%{{.*}} = %[[BIAS]])
// CHECK:               memref.load %[[PARTIALS]][%{{.*}}, %[[ROW]], %{{.*}}]
// CHECK:             memref.store %[[SUM]], %arg3
// CHECK:             %[[GELU:.*]] = math.erf %[[SUM]]
// CHECK:             memref.store %[[GELU]], %arg4
// CHECK:             gpu.terminator
// CHECK:           memref.dealloc %[[PARTIALS]]
// CHECK:         } else {
// CHECK:           gpu.launch
// CHECK:             math.erf
// CHECK:             gpu.terminator
// CHECK:         }
// OFF-LABEL: func.func @linear_gelu
// OFF-NOT:     scf.if
// OFF:         gpu.launch
// OFF-NOT:     gpu.launch
// OFF:         return
func.func @linear_gelu(%x: memref<?x?x256xf32>, %w: memref<192x256xf32>,
                       %bias: memref<192xf32>, %c: memref<?x?x192xf32>,
                       %out: memref<?x?x192xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(b, s, n) -> (n)>,
                       affine_map<(b, s, n) -> (b, s, n)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias : memref<192xf32>) outs(%c : memref<?x?x192xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(b, s, n, k) -> (b, s, k)>,
                       affine_map<(b, s, n, k) -> (n, k)>,
                       affine_map<(b, s, n, k) -> (b, s, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x256xf32>, memref<192x256xf32>)
      outs(%c : memref<?x?x192xf32>) {
  ^bb0(%a: f32, %bw: f32, %acc: f32):
    %p = arith.mulf %a, %bw : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(b, s, n) -> (b, s, n)>,
                       affine_map<(b, s, n) -> (b, s, n)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c : memref<?x?x192xf32>) outs(%out : memref<?x?x192xf32>) {
  ^bb0(%v: f32, %o: f32):
    %e = math.erf %v : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// m = n = 1024 is 16 x 16 blocks of 64, more than twice small-below: the
// grid fills the GPU whatever the batch, so without split-k-waves there are
// no split kernels; with it, the host may still split to even out waves.
// CHECK-LABEL: func.func @full_grid
// CHECK-NOT:     scf.if
// CHECK:         gpu.launch
// CHECK-NOT:     gpu.launch
// CHECK:         return
// WAVES-LABEL: func.func @full_grid
// WAVES:         scf.for
// WAVES:         scf.if
// WAVES:           gpu.launch
// WAVES:           gpu.launch
// WAVES:         } else {
// WAVES:           gpu.launch
func.func @full_grid(%x: memref<?x1024x256xf32>, %w: memref<1024x256xf32>,
                     %c: memref<?x1024x1024xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(b, s, n, k) -> (b, s, k)>,
                       affine_map<(b, s, n, k) -> (n, k)>,
                       affine_map<(b, s, n, k) -> (b, s, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x1024x256xf32>, memref<1024x256xf32>)
      outs(%c : memref<?x1024x1024xf32>) {
  ^bb0(%a: f32, %bw: f32, %acc: f32):
    %p = arith.mulf %a, %bw : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// k = 48 is 3 blocks of 16, fewer than two ranges of split-k-min: no split
// kernels at all. (A dynamic k would get them.)
// CHECK-LABEL: func.func @short_k
// CHECK-NOT:     scf.if
// CHECK:         gpu.launch
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @short_k(%x: memref<?x?x48xf32>, %w: memref<192x48xf32>,
                   %c: memref<?x?x192xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(b, s, n, k) -> (b, s, k)>,
                       affine_map<(b, s, n, k) -> (n, k)>,
                       affine_map<(b, s, n, k) -> (b, s, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x48xf32>, memref<192x48xf32>)
      outs(%c : memref<?x?x192xf32>) {
  ^bb0(%a: f32, %bw: f32, %acc: f32):
    %p = arith.mulf %a, %bw : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}
