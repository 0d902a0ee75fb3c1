// fit-tiles: a tile is halved along m or n while the half still covers the
// product's static size there and divides into warp (thread) tiles.
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="tile-m=128 tile-n=128 tile-k=32 operand-type=f16 tensor-cores=1" | FileCheck %s --check-prefix=MMA
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="tile-m=128 tile-n=128 tile-k=32 operand-type=f16 tensor-cores=1 fit-tiles=0" | FileCheck %s --check-prefix=NOFIT
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="tile-m=64 tile-n=128 tile-k=16" | FileCheck %s --check-prefix=FMA
// RUN: bertc-opt %s --split-input-file --bertc-gpu-tile-contractions="tile-m=128 tile-n=128 tile-k=32 operand-type=f16 tensor-cores=1 small-tile-m=64 small-tile-n=128 small-tile-k=32" | FileCheck %s --check-prefix=SMALL

// Attention's P.V: m (the sequence) dynamic, n = 64 (a head). The 128 x 64
// tile is 4 x 2 warps of 32 x 32; FMA threads of 4 x 4 are 16 x 16. (V is
// contiguous in n: its tensor-core slice is [k][n].)
// MMA-LABEL: func.func @p_times_v
// MMA:         gpu.launch
// MMA-SAME:      threads({{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c8{{.*}}, %{{.*}} = %c1
// MMA-SAME:      workgroup(%{{.*}} : memref<128x40xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x72xf16, #gpu.address_space<workgroup>>)
// NOFIT-LABEL: func.func @p_times_v
// NOFIT:         gpu.launch
// NOFIT-SAME:      threads({{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c16{{.*}}, %{{.*}} = %c1
// NOFIT-SAME:      workgroup(%{{.*}} : memref<128x40xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x136xf16, #gpu.address_space<workgroup>>)
// FMA-LABEL: func.func @p_times_v
// FMA:         gpu.launch
// FMA-SAME:      threads({{.*}}) in (%{{.*}} = %c16{{.*}}, %{{.*}} = %c16{{.*}}, %{{.*}} = %c1
// FMA-SAME:      workgroup(%{{.*}} : memref<16x68xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x68xf32, #gpu.address_space<workgroup>>)
func.func @p_times_v(%p: memref<?x?x?xf16>, %v: memref<?x?x64xf16>,
                     %o: memref<?x?x64xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                       affine_map<(b, m, n, k) -> (b, k, n)>,
                       affine_map<(b, m, n, k) -> (b, m, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<?x?x?xf16>, memref<?x?x64xf16>)
      outs(%o : memref<?x?x64xf32>) {
  ^bb0(%a: f16, %bv: f16, %acc: f32):
    %x = arith.extf %a : f16 to f32
    %y = arith.extf %bv : f16 to f32
    %p2 = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p2 : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Both static and small: m = 20 stops at 32 (16 would not cover it), n =
// 50 at 64; the block is 1 x 2 warps. With FMAs n stops at 64 and m at 32.
// MMA-LABEL: func.func @small_static
// MMA:         gpu.launch
// MMA-SAME:      threads({{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c2{{.*}}, %{{.*}} = %c1
// MMA-SAME:      workgroup(%{{.*}} : memref<32x40xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x40xf16, #gpu.address_space<workgroup>>)
// FMA-LABEL: func.func @small_static
// FMA:         gpu.launch
// FMA-SAME:      threads({{.*}}) in (%{{.*}} = %c16{{.*}}, %{{.*}} = %c8{{.*}}, %{{.*}} = %c1
// FMA-SAME:      workgroup(%{{.*}} : memref<16x36xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x68xf32, #gpu.address_space<workgroup>>)
// The small tile (64 x 128) is fitted too, to 32 x 64: the host's choice
// is between two launches of 2 warps.
// SMALL-LABEL: func.func @small_static
// SMALL:         scf.if
// SMALL:           gpu.launch
// SMALL-SAME:        threads({{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c2{{.*}}, %{{.*}} = %c1
// SMALL:         } else {
// SMALL:           gpu.launch
// SMALL-SAME:        threads({{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c2{{.*}}, %{{.*}} = %c1
func.func @small_static(%x: memref<20x96xf16>, %w: memref<50x96xf16>,
                        %y: memref<20x50xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<20x96xf16>, memref<50x96xf16>)
      outs(%y : memref<20x50xf32>) {
  ^bb0(%a: f16, %bw: f16, %acc: f32):
    %x2 = arith.extf %a : f16 to f32
    %y2 = arith.extf %bw : f16 to f32
    %p = arith.mulf %x2, %y2 : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
