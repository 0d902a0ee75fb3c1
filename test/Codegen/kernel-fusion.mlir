// RUN: bertc-opt %s --bertc-cpu-contraction-kernels --split-input-file | FileCheck %s
// RUN: bertc-opt %s --bertc-cpu-contraction-kernels="fuse-elementwise=false" --split-input-file | FileCheck %s --check-prefix=NOFUSE

// The outer-product kernel takes over the op that initializes C and the
// elementwise op that reads it next: a linear layer's bias broadcast (C =
// bias on the first k block instead of a pass that writes it) and GELU in
// place (applied to the accumulators after the last k block, before the
// store). The bias, indexed by C's buffer's last dimension, is split like
// C's panels ([2, 32]).
// CHECK-LABEL: func.func @bias_gelu_in_place
// CHECK-SAME: (%{{.*}}: memref<2x19x64xf32>, %{{.*}}: memref<2x64x32xf32>, %[[BIAS:.*]]: memref<64xf32>)
// CHECK-DAG: %[[R:.*]] = memref.alloc() : memref<2x19x64xf32>
// CHECK-DAG: %[[ROW:.*]] = memref.expand_shape %[[BIAS]] {{\[}}[0, 1]] output_shape [2, 32] : memref<64xf32> into memref<2x32xf32>
// CHECK: scf.parallel
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK: scf.if %[[FIRST]] -> (vector<16xf32>
// CHECK: vector.load %[[ROW]]
// CHECK: } else {
// CHECK: vector.load %{{.*}} : memref<38x2x32xf32>, vector<16xf32>
// CHECK: scf.for
// CHECK: vector.fma
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %{{.*}}, %c64
// CHECK: scf.if %[[LAST]] {
// CHECK: math.erf %{{.*}} : vector<16xf32>
// CHECK: vector.store
// CHECK: } else {
// CHECK: vector.store
// CHECK: } {bertc.kernel_tiles = "matmul 2x19x64x64 +epilogue"}
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
// NOFUSE-LABEL: func.func @bias_gelu_in_place
// NOFUSE: linalg.generic
// NOFUSE: scf.parallel
// NOFUSE-NOT: math.erf {{.*}} vector
// NOFUSE: } {bertc.kernel_tiles = "matmul 2x19x64x64"}
// NOFUSE: linalg.generic
// NOFUSE: math.erf
func.func @bias_gelu_in_place(%x: memref<2x19x64xf32>, %w: memref<2x64x32xf32>,
                              %bias: memref<64xf32>) -> memref<2x19x64xf32> {
  %half = arith.constant 0.5 : f32
  %r = memref.alloc() : memref<2x19x64xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias : memref<64xf32>) outs(%r : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %c = memref.expand_shape %r [[0], [1], [2, 3]] output_shape [2, 19, 2, 32]
      : memref<2x19x64xf32> into memref<2x19x2x32xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%x, %w : memref<2x19x64xf32>, memref<2x64x32xf32>)
      outs(%c : memref<2x19x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r : memref<2x19x64xf32>) outs(%r : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.erf %in : f32
    %g = arith.mulf %e, %half : f32
    linalg.yield %g : f32
  }
  return %r : memref<2x19x64xf32>
}

// -----

// A residual add into another buffer: the kernel keeps its partial sums in
// that buffer between k blocks and stores bias + x.W + residual after the
// last; C's own buffer, its views and its deallocation are gone.
// CHECK-LABEL: func.func @bias_residual
// CHECK-SAME: %[[RES:[^:]*]]: memref<2x19x64xf32>) -> memref<2x19x64xf32>
// CHECK: %[[D:.*]] = memref.alloc() : memref<2x19x64xf32>
// CHECK-NOT: memref.alloc
// CHECK-DAG: memref.expand_shape %[[D]] {{\[}}[0], [1], [2, 3]]
// CHECK-DAG: memref.expand_shape %[[RES]] {{\[}}[0], [1], [2, 3]]
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: scf.for
// CHECK: scf.if
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: } {bertc.kernel_tiles = "matmul 2x19x64x64 +epilogue"}
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.dealloc
// CHECK: return %[[D]]
func.func @bias_residual(%x: memref<2x19x64xf32>, %w: memref<2x64x32xf32>,
                         %bias: memref<64xf32>, %res: memref<2x19x64xf32>)
    -> memref<2x19x64xf32> {
  %r = memref.alloc() : memref<2x19x64xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias : memref<64xf32>) outs(%r : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %c = memref.expand_shape %r [[0], [1], [2, 3]] output_shape [2, 19, 2, 32]
      : memref<2x19x64xf32> into memref<2x19x2x32xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%x, %w : memref<2x19x64xf32>, memref<2x64x32xf32>)
      outs(%c : memref<2x19x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  %d = memref.alloc() : memref<2x19x64xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r, %res : memref<2x19x64xf32>, memref<2x19x64xf32>)
      outs(%d : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  }
  memref.dealloc %r : memref<2x19x64xf32>
  return %d : memref<2x19x64xf32>
}

// -----

// A residual updated in place (the add's output is its residual input):
// the last k block reads each residual element and stores the sum over it;
// the partial sums of earlier blocks stay in C's buffer.
// CHECK-LABEL: func.func @residual_in_place
// CHECK-SAME: %[[RES:[^:]*]]: memref<2x19x64xf32>)
// CHECK: %[[R:.*]] = memref.alloc() : memref<2x19x64xf32>
// CHECK-DAG: %[[C:.*]] = memref.expand_shape %[[R]] {{\[}}[0], [1], [2, 3]]
// CHECK-DAG: %[[RESV:.*]] = memref.expand_shape %[[RES]] {{\[}}[0], [1], [2, 3]]
// CHECK-DAG: %[[CF:.*]] = memref.collapse_shape %[[C]]
// CHECK-DAG: %[[RESF:.*]] = memref.collapse_shape %[[RESV]]
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: scf.if %{{.*}} {
// CHECK: %[[OLD:.*]] = vector.load %[[RESF]]
// CHECK: %[[SUM:.*]] = arith.addf %{{.*}}, %[[OLD]] : vector<16xf32>
// CHECK: vector.store %[[SUM]], %[[RESF]]
// CHECK: } else {
// CHECK: vector.store %{{.*}}, %[[CF]]
// CHECK: } {bertc.kernel_tiles = "matmul 2x19x64x64 +epilogue"}
// CHECK-NOT: linalg.generic
// CHECK: memref.dealloc %[[R]]
func.func @residual_in_place(%x: memref<2x19x64xf32>, %w: memref<2x64x32xf32>,
                             %bias: memref<64xf32>, %res: memref<2x19x64xf32>) {
  %r = memref.alloc() : memref<2x19x64xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias : memref<64xf32>) outs(%r : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %c = memref.expand_shape %r [[0], [1], [2, 3]] output_shape [2, 19, 2, 32]
      : memref<2x19x64xf32> into memref<2x19x2x32xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%x, %w : memref<2x19x64xf32>, memref<2x64x32xf32>)
      outs(%c : memref<2x19x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r, %res : memref<2x19x64xf32>, memref<2x19x64xf32>)
      outs(%res : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  }
  memref.dealloc %r : memref<2x19x64xf32>
  return
}

// -----

// A zero fill before attention's P.V: the first k block starts from zeros.
// Its 16 columns are fewer than a tile: the scalar edge path starts from
// the fill value too.
// CHECK-LABEL: func.func @fill_prologue
// CHECK-NOT: linalg.fill
// CHECK: scf.parallel
// CHECK: vector.broadcast %[[ZERO:.*]] : f32 to vector<16xf32>
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK-NEXT: scf.yield %[[ZERO]] : f32
// CHECK: } {bertc.kernel_tiles = "matmul 1x2x16x16x16"}
// NOFUSE-LABEL: func.func @fill_prologue
// NOFUSE: linalg.fill
func.func @fill_prologue(%p: memref<1x2x16x16xf32>, %v: memref<1x16x2x16xf32>,
                         %o: memref<1x16x2x16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%o : memref<1x16x2x16xf32>)
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%p, %v : memref<1x2x16x16xf32>, memref<1x16x2x16xf32>)
      outs(%o : memref<1x16x2x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// What stays apart. A store between the product and the add: the add
// could read what the store wrote, so it stays a separate op. The bias
// buffer is freed between its broadcast and the product: the kernel could
// not read it any more, so the broadcast stays too.
// CHECK-LABEL: func.func @not_fused
// CHECK: linalg.generic
// CHECK: memref.dealloc
// CHECK: scf.parallel
// CHECK: } {bertc.kernel_tiles = "matmul 2x19x64x64"}
// CHECK: memref.store
// CHECK: linalg.generic
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
func.func @not_fused(%x: memref<2x19x64xf32>, %w: memref<2x64x32xf32>,
                     %bias: memref<64xf32>, %res: memref<2x19x64xf32>)
    -> memref<2x19x64xf32> {
  %r = memref.alloc() : memref<2x19x64xf32>
  %t = memref.alloc() : memref<64xf32>
  memref.copy %bias, %t : memref<64xf32> to memref<64xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%t : memref<64xf32>) outs(%r : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  memref.dealloc %t : memref<64xf32>
  %c = memref.expand_shape %r [[0], [1], [2, 3]] output_shape [2, 19, 2, 32]
      : memref<2x19x64xf32> into memref<2x19x2x32xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%x, %w : memref<2x19x64xf32>, memref<2x64x32xf32>)
      outs(%c : memref<2x19x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  %zero = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  memref.store %zero, %res[%i, %i, %i] : memref<2x19x64xf32>
  %d = memref.alloc() : memref<2x19x64xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r, %res : memref<2x19x64xf32>, memref<2x19x64xf32>)
      outs(%d : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  }
  memref.dealloc %r : memref<2x19x64xf32>
  return %d : memref<2x19x64xf32>
}

// -----

// An epilogue that reads its own output (accumulates into a buffer that
// holds something else) cannot take the kernel's partial sums there.
// CHECK-LABEL: func.func @epilogue_reads_output
// CHECK: } {bertc.kernel_tiles = "matmul 2x19x64x64"}
// CHECK: linalg.generic
func.func @epilogue_reads_output(%x: memref<2x19x64xf32>,
                                 %w: memref<2x64x32xf32>, %bias: memref<64xf32>,
                                 %d: memref<2x19x64xf32>) {
  %r = memref.alloc() : memref<2x19x64xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias : memref<64xf32>) outs(%r : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %c = memref.expand_shape %r [[0], [1], [2, 3]] output_shape [2, 19, 2, 32]
      : memref<2x19x64xf32> into memref<2x19x2x32xf32>
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d2, d4, d3)>,
                       affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%x, %w : memref<2x19x64xf32>, memref<2x64x32xf32>)
      outs(%c : memref<2x19x2x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r : memref<2x19x64xf32>) outs(%d : memref<2x19x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  memref.dealloc %r : memref<2x19x64xf32>
  return
}
