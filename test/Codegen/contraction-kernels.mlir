// RUN: bertc-opt %s --bertc-cpu-contraction-kernels --split-input-file | FileCheck %s
// RUN: bertc-opt %s --bertc-cpu-contraction-kernels="outer-m-block=2" --canonicalize --split-input-file | FileCheck %s --check-prefix=MBLOCK
// RUN: bertc-opt %s --bertc-cpu-contraction-kernels="dot-rows=2 dot-cols=3 vector-width=8 outer-k-block=4" --split-input-file | FileCheck %s --check-prefix=OPTS

// A linear layer's product, B = [N, K] weight: the dot form. Tiles of
// 4 x 6 outputs over (batch, n tiles, m tiles); 24 accumulators of 16 lanes
// over whole vectors of k, one masked step for the remainder, one horizontal
// sum per output; edge tiles compute one output at a time.
// CHECK-LABEL: func.func @linear
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = {{.*}} {
// CHECK: scf.if
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-24: vector.fma {{.*}} : vector<16xf32>
// CHECK: vector.create_mask {{.*}} : vector<16xi1>
// CHECK: vector.maskedload
// CHECK: vector.reduction <add>, {{.*}} fastmath<reassoc,contract>
// CHECK: } else {
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.fma
// CHECK: } {bertc.kernel_tiles = "matmul 2x19x64x100"}
// CHECK-NOT: linalg.generic
// OPTS-LABEL: func.func @linear
// OPTS-COUNT-6: vector.fma {{.*}} : vector<8xf32>
// OPTS-NOT: vector.fma {{.*}} : vector<8xf32>
// OPTS: vector.create_mask
func.func @linear(%x: memref<2x19x100xf32>, %w: memref<64x100xf32>,
                  %y: memref<2x19x64xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d2, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<2x19x100xf32>, memref<64x100xf32>)
      outs(%y : memref<2x19x64xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Attention's P.V: B = V [b, j, h, e] is contiguous in n (e): the
// outer-product form. m is the query position (d1), outside the head loop
// (d2) in the output [b, i, h, e]; b and h are batch loops. Threads take
// column panels (b, h, n tile); each walks k in blocks of 512, and for every
// row tile a 14 x 32 tile of C is loaded, updated by broadcast A elements
// times B vectors, stored. The 2 rows left of 16 take the same kernel one
// row at a time.
// CHECK-LABEL: func.func @probs_times_values
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = {{.*}} {
// CHECK: scf.for %[[K0:.*]] = %{{.*}} to %{{.*}} step %c512
// CHECK: arith.minui
// CHECK: scf.for
// CHECK-COUNT-28: vector.load {{.*}} : memref<1x16x2x32xf32>, vector<16xf32>
// CHECK: scf.for
// CHECK-COUNT-2: vector.load {{.*}} : memref<1x16x2x32xf32>, vector<16xf32>
// CHECK: memref.load {{.*}} : memref<1x2x16x16xf32>
// CHECK-NEXT: vector.broadcast
// CHECK-COUNT-2: vector.fma
// CHECK-COUNT-28: vector.store
// CHECK: } else {
// CHECK: scf.if
// CHECK: scf.for
// CHECK-COUNT-2: vector.load {{.*}} : memref<1x16x2x32xf32>, vector<16xf32>
// OPTS-LABEL: func.func @probs_times_values
// OPTS: step %c4
// CHECK: } else {
// CHECK: arith.mulf
// CHECK: } {bertc.kernel_tiles = "matmul 1x2x16x32x16"}
func.func @probs_times_values(%p: memref<1x2x16x16xf32>,
                              %v: memref<1x16x2x32xf32>,
                              %o: memref<1x16x2x32xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%p, %v : memref<1x2x16x16xf32>, memref<1x16x2x32xf32>)
      outs(%o : memref<1x16x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A linear layer over [batch, seq, K] with its weight in panels [N/32, K, 32]:
// the outer-product form. The batch loop (d0) indexes A and C but not the
// weight, so it joins the rows: A and C are viewed [batch * seq, ...], and
// the parallel loop is over (row blocks, panels, n tiles). Row blocks split
// the 3 row tiles of 38 rows evenly; each weight panel is read once per
// block, not once per sample.
// CHECK-LABEL: func.func @linear_panels
// CHECK-DAG: %[[A:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : memref<2x19x100xf32> into memref<38x100xf32>
// CHECK-DAG: %[[C:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : memref<2x19x2x32xf32> into memref<38x2x32xf32>
// CHECK: scf.parallel (%[[MB:.*]], %[[P:.*]], %[[NT:.*]]) = (%c0, %c0, %c0) to
// CHECK: arith.divui
// CHECK: scf.for
// CHECK: scf.for
// CHECK-COUNT-28: vector.load %[[C]]
// With 2 row tiles per block: 2 blocks (tiles 0 and 1-2) by 2 panels (the
// unit n loop folds away).
// MBLOCK-LABEL: func.func @linear_panels
// MBLOCK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c2, %c2)
func.func @linear_panels(%x: memref<2x19x100xf32>, %w: memref<2x100x32xf32>,
                         %y: memref<2x19x2x32xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%x, %w : memref<2x19x100xf32>, memref<2x100x32xf32>)
      outs(%y : memref<2x19x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not a kernel: A is not contiguous in k (a transposed left operand), and
// a body that is not out + a * b. Both stay linalg.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NOT: scf.parallel
func.func @left_alone(%a: memref<4x4xf32>, %b: memref<4x4xf32>,
                      %c: memref<4x4xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>,
                       affine_map<(d0, d1, d2) -> (d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>)
      outs(%c : memref<4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                       affine_map<(d0, d1, d2) -> (d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>)
      outs(%c : memref<4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.maximumf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}
