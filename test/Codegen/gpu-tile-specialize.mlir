// specialize-wide: where an operand's slice copy takes 16-byte groups, the
// host checks the groups' alignment (the check the kernel would make) and
// launches either a kernel whose copies assume them aligned and whole (no
// element-wise path) or the general one.
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="tile-m=64 tile-n=64 tile-k=16 operand-type=f16 tensor-cores=1" -canonicalize | FileCheck %s
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="tile-m=64 tile-n=64 tile-k=16 operand-type=f16 tensor-cores=1 specialize-wide=0" -canonicalize | FileCheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @dynamic
// CHECK:         memref.extract_aligned_pointer_as_index %arg0
// CHECK:         memref.extract_aligned_pointer_as_index %arg1
// CHECK:         scf.if
// The aligned kernel: its copies are 16-byte loads only.
// CHECK:           gpu.launch
// CHECK-NOT:         memref.load %arg{{[01]}}[
// CHECK-NOT:         extract_aligned_pointer
// CHECK:             vector.load %arg0{{.*}} : memref<?x?xf16>, vector<8xf16>
// CHECK-NOT:         memref.load %arg{{[01]}}[
// CHECK:             nvvm.mma.sync
// CHECK:         } else {
// The general kernel checks the groups itself and loads elements where
// they fail.
// CHECK:           gpu.launch
// CHECK:             memref.extract_aligned_pointer_as_index %arg0
// CHECK:             memref.load %arg0
// CHECK:             nvvm.mma.sync
// OFF-LABEL: func.func @dynamic
// OFF-NOT:     scf.if
// OFF:         gpu.launch
// OFF:           memref.extract_aligned_pointer_as_index %arg0
// OFF-NOT:     gpu.launch
// OFF:         return
func.func @dynamic(%x: memref<?x?xf16>, %w: memref<?x?xf16>, %y: memref<?x?xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?xf16>, memref<?x?xf16>) outs(%y : memref<?x?xf32>) {
  ^bb0(%a: f16, %b: f16, %acc: f32):
    %aw = arith.extf %a : f16 to f32
    %bw = arith.extf %b : f16 to f32
    %p = arith.mulf %aw, %bw : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// k = 37: rows of 37 elements never hold whole aligned groups, the host's
// check folds to false and only the general kernel is left.
// CHECK-LABEL: func.func @odd_k
// CHECK-NOT:     scf.if
// CHECK:         gpu.launch
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @odd_k(%x: memref<?x37xf16>, %w: memref<32x37xf16>, %y: memref<?x32xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x37xf16>, memref<32x37xf16>) outs(%y : memref<?x32xf32>) {
  ^bb0(%a: f16, %b: f16, %acc: f32):
    %aw = arith.extf %a : f16 to f32
    %bw = arith.extf %b : f16 to f32
    %p = arith.mulf %aw, %bw : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
