// RUN: bertc-opt %s --split-input-file --bertc-gpu-fuse-attention -cse | FileCheck %s

// The chain of one attention (scores, the in-place scale and mask,
// softmax's max, sum and division, the context) becomes one launch of 128
// threads per 64 query rows of a (sample, head), none for an empty grid.
// A head of 24 is padded to 32 in the products and in the K and V chunks'
// shared rows (+8 against bank conflicts). Per chunk of 64 keys: a barrier,
// the chunk's copies, a barrier, 2 x 8 products for the scores, op 2's
// body (the scale), quad shuffles for the rows' maxima and sums, then 4 x 4
// products for the context. After the loop each context sum is divided by
// its row's sum and stored, and the rounding op after the chain (its
// output epilogue) stores the f16 copy; S, M, L and P are gone.
// CHECK-LABEL: func.func @fused
// CHECK-NOT:     memref.alloc
// CHECK:         %[[TILES:.*]] = arith.ceildivui %{{.*}}, %c64
// CHECK:         scf.if
// CHECK:           gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c128, {{.*}} workgroup(%[[K:.*]] : memref<64x40xf16, #gpu.address_space<workgroup>>, %[[V:.*]] : memref<64x40xf16, #gpu.address_space<workgroup>>)
// CHECK:             scf.for %{{.*}} = %c0 to %{{.*}} step %c64 iter_args(
// CHECK-NEXT:          gpu.barrier
// CHECK:               memref.store %{{.*}}, %[[K]]
// CHECK:               memref.store %{{.*}}, %[[V]]
// CHECK:               gpu.barrier
// CHECK-COUNT-16:      nvvm.mma.sync
// CHECK-NOT:           nvvm.mma.sync
// CHECK:               arith.mulf %{{.*}}, %cst : f32
// CHECK:               gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32
// CHECK:               gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32
// CHECK:               math.exp
// CHECK-COUNT-16:      nvvm.mma.sync
// CHECK:               scf.yield
// CHECK:             arith.divf
// CHECK:             scf.if
// CHECK-NEXT:          memref.store %{{.*}}, %arg4
// CHECK-NEXT:          arith.truncf
// CHECK-NEXT:          memref.store %{{.*}}, %arg5
// CHECK-NOT:     linalg.generic
// CHECK:         return
#qk_q = affine_map<(b, h, i, j, d) -> (b, i, h, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, j, h, d)>
#qk_s = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask = affine_map<(b, h, i, j) -> (b, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#pv_p = affine_map<(b, i, h, d, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, i, h, d, j) -> (b, j, h, d)>
#pv_o = affine_map<(b, i, h, d, j) -> (b, i, h, d)>

func.func @fused(%q: memref<2x?x2x24xf16>, %k: memref<2x?x2x24xf16>,
                                 %v: memref<2x?x2x24xf16>, %m: memref<2x?xf32>,
                                 %o: memref<2x?x2x24xf32>, %o16: memref<2x?x2x24xf16>) {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %half = arith.constant 0.5 : f32
  %sq = memref.dim %q, %c1 : memref<2x?x2x24xf16>
  %sk = memref.dim %k, %c1 : memref<2x?x2x24xf16>
  %s = memref.alloc(%sq, %sk) : memref<2x2x?x?xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<2x2x?x?xf32>)
  linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_s],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<2x?x2x24xf16>, memref<2x?x2x24xf16>) outs(%s : memref<2x2x?x?xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xf = arith.extf %x : f16 to f32
    %yf = arith.extf %y : f16 to f32
    %p = arith.mulf %xf, %yf fastmath<reassoc,contract> : f32
    %a = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id4, #mask, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %m : memref<2x2x?x?xf32>, memref<2x?xf32>) outs(%s : memref<2x2x?x?xf32>) {
  ^bb0(%x: f32, %b: f32, %out: f32):
    %y = arith.mulf %x, %half : f32
    %z = arith.addf %y, %b : f32
    linalg.yield %z : f32
  }
  %mx = memref.alloc(%sq) : memref<2x2x?xf32>
  %l = memref.alloc(%sq) : memref<2x2x?xf32>
  linalg.fill ins(%ninf : f32) outs(%mx : memref<2x2x?xf32>)
  linalg.generic {indexing_maps = [#id4, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s : memref<2x2x?x?xf32>) outs(%mx : memref<2x2x?xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = arith.maximumf %x, %out : f32
    linalg.yield %y : f32
  }
  linalg.fill ins(%zero : f32) outs(%l : memref<2x2x?xf32>)
  linalg.generic {indexing_maps = [#id4, #row, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s, %mx : memref<2x2x?x?xf32>, memref<2x2x?xf32>) outs(%l : memref<2x2x?xf32>) {
  ^bb0(%x: f32, %mm: f32, %out: f32):
    %d = arith.subf %x, %mm : f32
    %e = math.exp %d : f32
    %a = arith.addf %out, %e fastmath<reassoc> : f32
    linalg.yield %a : f32
  }
  %p = memref.alloc(%sq, %sk) : memref<2x2x?x?xf16>
  linalg.generic {indexing_maps = [#id4, #row, #row, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %mx, %l : memref<2x2x?x?xf32>, memref<2x2x?xf32>, memref<2x2x?xf32>) outs(%p : memref<2x2x?x?xf16>) {
  ^bb0(%x: f32, %mm: f32, %ll: f32, %out: f16):
    %d = arith.subf %x, %mm : f32
    %e = math.exp %d : f32
    %r = arith.divf %e, %ll : f32
    %t = arith.truncf %r : f32 to f16
    linalg.yield %t : f16
  }
  linalg.fill ins(%zero : f32) outs(%o : memref<2x?x2x24xf32>)
  linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<2x2x?x?xf16>, memref<2x?x2x24xf16>) outs(%o : memref<2x?x2x24xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xf = arith.extf %x : f16 to f32
    %yf = arith.extf %y : f16 to f32
    %pp = arith.mulf %xf, %yf fastmath<reassoc,contract> : f32
    %a = arith.addf %acc, %pp fastmath<reassoc,contract> : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%o : memref<2x?x2x24xf32>) outs(%o16 : memref<2x?x2x24xf16>) {
  ^bb0(%x: f32, %out: f16):
    %t = arith.truncf %x : f32 to f16
    linalg.yield %t : f16
  }
  memref.dealloc %s : memref<2x2x?x?xf32>
  memref.dealloc %mx : memref<2x2x?xf32>
  memref.dealloc %l : memref<2x2x?xf32>
  memref.dealloc %p : memref<2x2x?x?xf16>
  return
}


// -----

// Probabilities kept in f32 (no tensor-core P.V): left alone.
// CHECK-LABEL: func.func @f32_probabilities
// CHECK-NOT:     gpu.launch
// CHECK-COUNT-6: linalg.generic
#qk_q = affine_map<(b, h, i, j, d) -> (b, i, h, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, j, h, d)>
#qk_s = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask = affine_map<(b, h, i, j) -> (b, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#pv_p = affine_map<(b, i, h, d, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, i, h, d, j) -> (b, j, h, d)>
#pv_o = affine_map<(b, i, h, d, j) -> (b, i, h, d)>

func.func @f32_probabilities(%q: memref<2x?x2x24xf16>, %k: memref<2x?x2x24xf16>,
                                 %v: memref<2x?x2x24xf16>, %m: memref<2x?xf32>,
                                 %o: memref<2x?x2x24xf32>) {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %half = arith.constant 0.5 : f32
  %sq = memref.dim %q, %c1 : memref<2x?x2x24xf16>
  %sk = memref.dim %k, %c1 : memref<2x?x2x24xf16>
  %s = memref.alloc(%sq, %sk) : memref<2x2x?x?xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<2x2x?x?xf32>)
  linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_s],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<2x?x2x24xf16>, memref<2x?x2x24xf16>) outs(%s : memref<2x2x?x?xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xf = arith.extf %x : f16 to f32
    %yf = arith.extf %y : f16 to f32
    %p = arith.mulf %xf, %yf fastmath<reassoc,contract> : f32
    %a = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id4, #mask, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %m : memref<2x2x?x?xf32>, memref<2x?xf32>) outs(%s : memref<2x2x?x?xf32>) {
  ^bb0(%x: f32, %b: f32, %out: f32):
    %y = arith.mulf %x, %half : f32
    %z = arith.addf %y, %b : f32
    linalg.yield %z : f32
  }
  %mx = memref.alloc(%sq) : memref<2x2x?xf32>
  %l = memref.alloc(%sq) : memref<2x2x?xf32>
  linalg.fill ins(%ninf : f32) outs(%mx : memref<2x2x?xf32>)
  linalg.generic {indexing_maps = [#id4, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s : memref<2x2x?x?xf32>) outs(%mx : memref<2x2x?xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = arith.maximumf %x, %out : f32
    linalg.yield %y : f32
  }
  linalg.fill ins(%zero : f32) outs(%l : memref<2x2x?xf32>)
  linalg.generic {indexing_maps = [#id4, #row, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s, %mx : memref<2x2x?x?xf32>, memref<2x2x?xf32>) outs(%l : memref<2x2x?xf32>) {
  ^bb0(%x: f32, %mm: f32, %out: f32):
    %d = arith.subf %x, %mm : f32
    %e = math.exp %d : f32
    %a = arith.addf %out, %e fastmath<reassoc> : f32
    linalg.yield %a : f32
  }
  %p = memref.alloc(%sq, %sk) : memref<2x2x?x?xf32>
  linalg.generic {indexing_maps = [#id4, #row, #row, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %mx, %l : memref<2x2x?x?xf32>, memref<2x2x?xf32>, memref<2x2x?xf32>) outs(%p : memref<2x2x?x?xf32>) {
  ^bb0(%x: f32, %mm: f32, %ll: f32, %out: f32):
    %d = arith.subf %x, %mm : f32
    %e = math.exp %d : f32
    %r = arith.divf %e, %ll : f32
    linalg.yield %r : f32
  }
  linalg.fill ins(%zero : f32) outs(%o : memref<2x?x2x24xf32>)
  linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<2x2x?x?xf32>, memref<2x?x2x24xf16>) outs(%o : memref<2x?x2x24xf32>) {
  ^bb0(%x: f32, %y: f16, %acc: f32):
    %yf = arith.extf %y : f16 to f32
    %pp = arith.mulf %x, %yf fastmath<reassoc,contract> : f32
    %a = arith.addf %acc, %pp fastmath<reassoc,contract> : f32
    linalg.yield %a : f32
  }
  memref.dealloc %s : memref<2x2x?x?xf32>
  memref.dealloc %mx : memref<2x2x?xf32>
  memref.dealloc %l : memref<2x2x?xf32>
  memref.dealloc %p : memref<2x2x?x?xf32>
  return
}


// -----

// Something else reads the probabilities: left alone.
// CHECK-LABEL: func.func @probabilities_read
// CHECK-NOT:     gpu.launch
// CHECK-COUNT-6: linalg.generic
#qk_q = affine_map<(b, h, i, j, d) -> (b, i, h, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, j, h, d)>
#qk_s = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask = affine_map<(b, h, i, j) -> (b, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#pv_p = affine_map<(b, i, h, d, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, i, h, d, j) -> (b, j, h, d)>
#pv_o = affine_map<(b, i, h, d, j) -> (b, i, h, d)>

func.func @probabilities_read(%q: memref<2x?x2x24xf16>, %k: memref<2x?x2x24xf16>,
                                 %v: memref<2x?x2x24xf16>, %m: memref<2x?xf32>,
                                 %o: memref<2x?x2x24xf32>, %probs: memref<2x2x?x?xf16>) {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %half = arith.constant 0.5 : f32
  %sq = memref.dim %q, %c1 : memref<2x?x2x24xf16>
  %sk = memref.dim %k, %c1 : memref<2x?x2x24xf16>
  %s = memref.alloc(%sq, %sk) : memref<2x2x?x?xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<2x2x?x?xf32>)
  linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_s],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<2x?x2x24xf16>, memref<2x?x2x24xf16>) outs(%s : memref<2x2x?x?xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xf = arith.extf %x : f16 to f32
    %yf = arith.extf %y : f16 to f32
    %p = arith.mulf %xf, %yf fastmath<reassoc,contract> : f32
    %a = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id4, #mask, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %m : memref<2x2x?x?xf32>, memref<2x?xf32>) outs(%s : memref<2x2x?x?xf32>) {
  ^bb0(%x: f32, %b: f32, %out: f32):
    %y = arith.mulf %x, %half : f32
    %z = arith.addf %y, %b : f32
    linalg.yield %z : f32
  }
  %mx = memref.alloc(%sq) : memref<2x2x?xf32>
  %l = memref.alloc(%sq) : memref<2x2x?xf32>
  linalg.fill ins(%ninf : f32) outs(%mx : memref<2x2x?xf32>)
  linalg.generic {indexing_maps = [#id4, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s : memref<2x2x?x?xf32>) outs(%mx : memref<2x2x?xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = arith.maximumf %x, %out : f32
    linalg.yield %y : f32
  }
  linalg.fill ins(%zero : f32) outs(%l : memref<2x2x?xf32>)
  linalg.generic {indexing_maps = [#id4, #row, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s, %mx : memref<2x2x?x?xf32>, memref<2x2x?xf32>) outs(%l : memref<2x2x?xf32>) {
  ^bb0(%x: f32, %mm: f32, %out: f32):
    %d = arith.subf %x, %mm : f32
    %e = math.exp %d : f32
    %a = arith.addf %out, %e fastmath<reassoc> : f32
    linalg.yield %a : f32
  }
  %p = memref.alloc(%sq, %sk) : memref<2x2x?x?xf16>
  linalg.generic {indexing_maps = [#id4, #row, #row, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %mx, %l : memref<2x2x?x?xf32>, memref<2x2x?xf32>, memref<2x2x?xf32>) outs(%p : memref<2x2x?x?xf16>) {
  ^bb0(%x: f32, %mm: f32, %ll: f32, %out: f16):
    %d = arith.subf %x, %mm : f32
    %e = math.exp %d : f32
    %r = arith.divf %e, %ll : f32
    %t = arith.truncf %r : f32 to f16
    linalg.yield %t : f16
  }
  linalg.fill ins(%zero : f32) outs(%o : memref<2x?x2x24xf32>)
  linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<2x2x?x?xf16>, memref<2x?x2x24xf16>) outs(%o : memref<2x?x2x24xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xf = arith.extf %x : f16 to f32
    %yf = arith.extf %y : f16 to f32
    %pp = arith.mulf %xf, %yf fastmath<reassoc,contract> : f32
    %a = arith.addf %acc, %pp fastmath<reassoc,contract> : f32
    linalg.yield %a : f32
  }
  memref.copy %p, %probs : memref<2x2x?x?xf16> to memref<2x2x?x?xf16>
  memref.dealloc %s : memref<2x2x?x?xf32>
  memref.dealloc %mx : memref<2x2x?xf32>
  memref.dealloc %l : memref<2x2x?xf32>
  memref.dealloc %p : memref<2x2x?x?xf16>
  return
}


// -----

// A store between the chain's ops (into the mask the scale's op read):
// left alone, as the kernel would read the mask after it.
// CHECK-LABEL: func.func @mask_written_between
// CHECK-NOT:     gpu.launch
// CHECK-COUNT-6: linalg.generic
#qk_q = affine_map<(b, h, i, j, d) -> (b, i, h, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, j, h, d)>
#qk_s = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask = affine_map<(b, h, i, j) -> (b, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#pv_p = affine_map<(b, i, h, d, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, i, h, d, j) -> (b, j, h, d)>
#pv_o = affine_map<(b, i, h, d, j) -> (b, i, h, d)>

func.func @mask_written_between(%q: memref<2x?x2x24xf16>, %k: memref<2x?x2x24xf16>,
                                 %v: memref<2x?x2x24xf16>, %m: memref<2x?xf32>,
                                 %o: memref<2x?x2x24xf32>, %other: memref<2x?xf32>) {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %half = arith.constant 0.5 : f32
  %sq = memref.dim %q, %c1 : memref<2x?x2x24xf16>
  %sk = memref.dim %k, %c1 : memref<2x?x2x24xf16>
  %s = memref.alloc(%sq, %sk) : memref<2x2x?x?xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<2x2x?x?xf32>)
  linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_s],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<2x?x2x24xf16>, memref<2x?x2x24xf16>) outs(%s : memref<2x2x?x?xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xf = arith.extf %x : f16 to f32
    %yf = arith.extf %y : f16 to f32
    %p = arith.mulf %xf, %yf fastmath<reassoc,contract> : f32
    %a = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id4, #mask, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %m : memref<2x2x?x?xf32>, memref<2x?xf32>) outs(%s : memref<2x2x?x?xf32>) {
  ^bb0(%x: f32, %b: f32, %out: f32):
    %y = arith.mulf %x, %half : f32
    %z = arith.addf %y, %b : f32
    linalg.yield %z : f32
  }
  %mx = memref.alloc(%sq) : memref<2x2x?xf32>
  %l = memref.alloc(%sq) : memref<2x2x?xf32>
  linalg.fill ins(%ninf : f32) outs(%mx : memref<2x2x?xf32>)
  linalg.generic {indexing_maps = [#id4, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s : memref<2x2x?x?xf32>) outs(%mx : memref<2x2x?xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = arith.maximumf %x, %out : f32
    linalg.yield %y : f32
  }
  linalg.fill ins(%zero : f32) outs(%l : memref<2x2x?xf32>)
  memref.store %zero, %m[%c1, %c1] : memref<2x?xf32>
  linalg.generic {indexing_maps = [#id4, #row, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s, %mx : memref<2x2x?x?xf32>, memref<2x2x?xf32>) outs(%l : memref<2x2x?xf32>) {
  ^bb0(%x: f32, %mm: f32, %out: f32):
    %d = arith.subf %x, %mm : f32
    %e = math.exp %d : f32
    %a = arith.addf %out, %e fastmath<reassoc> : f32
    linalg.yield %a : f32
  }
  %p = memref.alloc(%sq, %sk) : memref<2x2x?x?xf16>
  linalg.generic {indexing_maps = [#id4, #row, #row, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %mx, %l : memref<2x2x?x?xf32>, memref<2x2x?xf32>, memref<2x2x?xf32>) outs(%p : memref<2x2x?x?xf16>) {
  ^bb0(%x: f32, %mm: f32, %ll: f32, %out: f16):
    %d = arith.subf %x, %mm : f32
    %e = math.exp %d : f32
    %r = arith.divf %e, %ll : f32
    %t = arith.truncf %r : f32 to f16
    linalg.yield %t : f16
  }
  linalg.fill ins(%zero : f32) outs(%o : memref<2x?x2x24xf32>)
  linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<2x2x?x?xf16>, memref<2x?x2x24xf16>) outs(%o : memref<2x?x2x24xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xf = arith.extf %x : f16 to f32
    %yf = arith.extf %y : f16 to f32
    %pp = arith.mulf %xf, %yf fastmath<reassoc,contract> : f32
    %a = arith.addf %acc, %pp fastmath<reassoc,contract> : f32
    linalg.yield %a : f32
  }
  memref.dealloc %s : memref<2x2x?x?xf32>
  memref.dealloc %mx : memref<2x2x?xf32>
  memref.dealloc %l : memref<2x2x?xf32>
  memref.dealloc %p : memref<2x2x?x?xf16>
  return
}

