// Attention as one kernel (bertc-gpu-fuse-attention), emulated on the CPU:
// 70 query rows (a second, partial block of 64), 150 keys (three chunks,
// the last partial: the running maximum rises between chunks, so the
// rescaling of the sum and the context is exercised: with the factor
// fixed at 1 the first check fails), a head of 24 (padded to 32 in the
// products), two samples and two heads, a mask that drops every seventh
// key and favours later ones. The same chain with f32 probabilities, which
// the pass leaves alone, runs as loops and is the reference: the kernel
// rounds its probabilities to f16 before P.V, within 5e-4 of it here (4e-5
// seen).
// RUN: bertc-opt %s --bertc-gpu-fuse-attention \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// It matches the reference, with K and V copied 16 bytes at a time and
// (misaligned) one element at a time, and the reference without its mask
// differs by more than 1e-2 (the mask counts).
// CHECK: {{^}}1{{$}}
// CHECK-NEXT: {{^}}1{{$}}
// CHECK-NEXT: {{^}}1{{$}}

#qk_q = affine_map<(b, h, i, j, d) -> (b, i, h, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, j, h, d)>
#qk_s = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask = affine_map<(b, h, i, j) -> (b, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#pv_p = affine_map<(b, i, h, d, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, i, h, d, j) -> (b, j, h, d)>
#pv_o = affine_map<(b, i, h, d, j) -> (b, i, h, d)>

// softmax(Q K^T * 0.5 + mask) V into %o, with probabilities of type
// `element` (f16: the fused kernel; f32: the reference, left as loops).
func.func private @attention_f16(%q: memref<2x?x2x24xf16>, %k: memref<2x?x2x24xf16>,
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

func.func private @attention_f32(%q: memref<2x?x2x24xf16>, %k: memref<2x?x2x24xf16>,
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

// buf[i, j] = f16(((i * seed + j) mod 13) * 0.1 - 0.6), buf [rows, 24].
func.func private @fill(%buf: memref<?x24xf16>, %seed: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c13 = arith.constant 13 : index
  %c24 = arith.constant 24 : index
  %rows = memref.dim %buf, %c0 : memref<?x24xf16>
  %scale = arith.constant 0.1 : f32
  %shift = arith.constant 0.6 : f32
  scf.for %i = %c0 to %rows step %c1 {
    scf.for %j = %c0 to %c24 step %c1 {
      %s = arith.muli %i, %seed : index
      %t = arith.addi %s, %j : index
      %r = arith.remui %t, %c13 : index
      %ri = arith.index_cast %r : index to i32
      %f = arith.sitofp %ri : i32 to f32
      %v = arith.mulf %f, %scale : f32
      %w = arith.subf %v, %shift : f32
      %h = arith.truncf %w : f32 to f16
      memref.store %h, %buf[%i, %j] : memref<?x24xf16>
    }
  }
  return
}

func.func private @maxdiff(%x: memref<2x?x2x24xf32>, %y: memref<2x?x2x24xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c24 = arith.constant 24 : index
  %rows = memref.dim %x, %c1 : memref<2x?x2x24xf32>
  %zero = arith.constant 0.0 : f32
  %r = scf.for %b = %c0 to %c2 step %c1 iter_args(%m0 = %zero) -> f32 {
    %r1 = scf.for %i = %c0 to %rows step %c1 iter_args(%m1 = %m0) -> f32 {
      %r2 = scf.for %h = %c0 to %c2 step %c1 iter_args(%m2 = %m1) -> f32 {
        %r3 = scf.for %d = %c0 to %c24 step %c1 iter_args(%m3 = %m2) -> f32 {
          %u = memref.load %x[%b, %i, %h, %d] : memref<2x?x2x24xf32>
          %v = memref.load %y[%b, %i, %h, %d] : memref<2x?x2x24xf32>
          %e = arith.subf %u, %v : f32
          %a = math.absf %e : f32
          // NaN (a kernel bug) compares as the largest difference.
          %big = arith.cmpf ugt, %a, %m3 : f32
          %m = arith.select %big, %a, %m3 : f32
          scf.yield %m : f32
        }
        scf.yield %r3 : f32
      }
      scf.yield %r2 : f32
    }
    scf.yield %r1 : f32
  }
  return %r : f32
}

// [2, rows, 2, 24] starting `shift` bytes into a 64-byte aligned buffer.
func.func private @operand(%rows: index, %seed: index, %shift: index) -> memref<2x?x2x24xf16> {
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %n = arith.muli %rows, %c4 : index
  %row_bytes = arith.constant 48 : index
  %bytes0 = arith.muli %n, %row_bytes : index
  %bytes = arith.addi %bytes0, %c64 : index
  %raw = memref.alloc(%bytes) {alignment = 64 : i64} : memref<?xi8>
  %flat = memref.view %raw[%shift][%n] : memref<?xi8> to memref<?x24xf16>
  func.call @fill(%flat, %seed) : (memref<?x24xf16>, index) -> ()
  %c48 = arith.constant 48 : index
  %stride = arith.muli %rows, %c48 : index
  %t = memref.reinterpret_cast %flat to offset: [0], sizes: [2, %rows, 2, 24], strides: [%stride, 48, 24, 1]
      : memref<?x24xf16> to memref<2x?x2x24xf16>
  return %t : memref<2x?x2x24xf16>
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c11 = arith.constant 11 : index
  %c70 = arith.constant 70 : index
  %c150 = arith.constant 150 : index
  %q = func.call @operand(%c70, %c3, %c0) : (index, index, index) -> memref<2x?x2x24xf16>
  %k = func.call @operand(%c150, %c5, %c0) : (index, index, index) -> memref<2x?x2x24xf16>
  %v = func.call @operand(%c150, %c11, %c0) : (index, index, index) -> memref<2x?x2x24xf16>
  // The same K and V 2 bytes off 16-byte alignment: the kernel copies them
  // an element at a time.
  %k2 = func.call @operand(%c150, %c5, %c2) : (index, index, index) -> memref<2x?x2x24xf16>
  %v2 = func.call @operand(%c150, %c11, %c2) : (index, index, index) -> memref<2x?x2x24xf16>
  // mask[b, j] = -10000 where (j + b) % 7 == 3, else 0.03 j: later keys
  // score higher, so each chunk raises the rows' maximum; nomask: 0.03 j.
  %mask = memref.alloc(%c150) : memref<2x?xf32>
  %nomask = memref.alloc(%c150) : memref<2x?xf32>
  %drop = arith.constant -10000.0 : f32
  %rise = arith.constant 0.03 : f32
  scf.for %b = %c0 to %c2 step %c1 {
    scf.for %j = %c0 to %c150 step %c1 {
      %t = arith.addi %j, %b : index
      %r = arith.remui %t, %c7 : index
      %is = arith.cmpi eq, %r, %c3 : index
      %ji = arith.index_cast %j : index to i32
      %jf = arith.sitofp %ji : i32 to f32
      %up = arith.mulf %jf, %rise : f32
      %x = arith.select %is, %drop, %up : f32
      memref.store %x, %mask[%b, %j] : memref<2x?xf32>
      memref.store %up, %nomask[%b, %j] : memref<2x?xf32>
    }
  }
  %got = memref.alloc(%c70) : memref<2x?x2x24xf32>
  %want = memref.alloc(%c70) : memref<2x?x2x24xf32>
  %unmasked = memref.alloc(%c70) : memref<2x?x2x24xf32>
  func.call @attention_f16(%q, %k, %v, %mask, %got)
      : (memref<2x?x2x24xf16>, memref<2x?x2x24xf16>, memref<2x?x2x24xf16>, memref<2x?xf32>, memref<2x?x2x24xf32>) -> ()
  func.call @attention_f32(%q, %k, %v, %mask, %want)
      : (memref<2x?x2x24xf16>, memref<2x?x2x24xf16>, memref<2x?x2x24xf16>, memref<2x?xf32>, memref<2x?x2x24xf32>) -> ()
  func.call @attention_f32(%q, %k, %v, %nomask, %unmasked)
      : (memref<2x?x2x24xf16>, memref<2x?x2x24xf16>, memref<2x?x2x24xf16>, memref<2x?xf32>, memref<2x?x2x24xf32>) -> ()
  %d = func.call @maxdiff(%got, %want) : (memref<2x?x2x24xf32>, memref<2x?x2x24xf32>) -> f32
  %tol = arith.constant 5.0e-4 : f32
  %ok = arith.cmpf olt, %d, %tol : f32
  vector.print %ok : i1
  %got2 = memref.alloc(%c70) : memref<2x?x2x24xf32>
  func.call @attention_f16(%q, %k2, %v2, %mask, %got2)
      : (memref<2x?x2x24xf16>, memref<2x?x2x24xf16>, memref<2x?x2x24xf16>, memref<2x?xf32>, memref<2x?x2x24xf32>) -> ()
  %d2 = func.call @maxdiff(%got2, %want) : (memref<2x?x2x24xf32>, memref<2x?x2x24xf32>) -> f32
  %ok2 = arith.cmpf olt, %d2, %tol : f32
  vector.print %ok2 : i1
  %e = func.call @maxdiff(%want, %unmasked) : (memref<2x?x2x24xf32>, memref<2x?x2x24xf32>) -> f32
  %far = arith.constant 1.0e-2 : f32
  %masked = arith.cmpf ogt, %e, %far : f32
  vector.print %masked : i1
  return
}
