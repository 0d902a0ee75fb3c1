// The tiled matrix-product kernel with narrow operands
// (bertc-gpu-tile-contractions operand-type=bf16), emulated on the CPU:
// A is f32 and B an f16 weight widened in the product's body, as
// convert-bert-params-to-memref{linear-weight-type=f16} leaves them. The
// kernel must round both to bf16 as it stages them and sum in f32.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=8 tile-n=8 tile-k=4 thread-m=2 thread-n=2 operand-type=bf16" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// The same on tensor cores (tensor-cores: nvvm.mma.sync m16n8k16, which
// the emulation computes on the fragment layout PTX defines): one warp
// tile per block and one k step, then two warps and two k steps per block.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=32 tile-n=32 tile-k=16 operand-type=bf16 tensor-cores=1" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=64 tile-n=32 tile-k=32 operand-type=bf16 tensor-cores=1" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Other warp tiles: 64 x 32 (4 x 4 products per 16 of k, two warps), and
// 16 x 16 (1 x 2, four warps, each with some of the 19 x 21 outputs).
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=64 tile-n=64 tile-k=32 operand-type=bf16 tensor-cores=1 warp-m=64 warp-n=32" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=32 tile-n=32 tile-k=16 operand-type=bf16 tensor-cores=1 warp-m=16 warp-n=16" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// Double-buffered slices.
// RUN: bertc-opt %s --bertc-gpu-tile-contractions="tile-m=32 tile-n=32 tile-k=16 operand-type=bf16 tensor-cores=1 warp-m=16 warp-n=16 double-buffer=1" \
// RUN:   --bertc-gpu-check-accesses --bertc-gpu-launches-to-loops --convert-linalg-to-loops --expand-strided-metadata \
// RUN:   --lower-affine --convert-scf-to-cf --convert-vector-to-llvm --convert-math-to-llvm \
// RUN:   --convert-arith-to-llvm --finalize-memref-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s
// It matches loops that round the same way (f32 rounding only: 1e-5), and
// differs from loops in f32 by more than 1e-4 (the operands, multiples of
// 0.1, are not bf16 values): the rounding happened.
// CHECK: 1
// CHECK-NEXT: 1

#a = affine_map<(b, m, n, k) -> (b, m, k)>
#bDot = affine_map<(b, m, n, k) -> (n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>

// buf[i, j] = ((i * seed + j) mod 13) * 0.1 - 0.6
func.func private @fill(%buf: memref<?x?xf32>, %seed: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c13 = arith.constant 13 : index
  %rows = memref.dim %buf, %c0 : memref<?x?xf32>
  %cols = memref.dim %buf, %c1 : memref<?x?xf32>
  %scale = arith.constant 0.1 : f32
  %shift = arith.constant 0.6 : f32
  scf.for %i = %c0 to %rows step %c1 {
    scf.for %j = %c0 to %cols step %c1 {
      %s = arith.muli %i, %seed : index
      %t = arith.addi %s, %j : index
      %r = arith.remui %t, %c13 : index
      %ri = arith.index_cast %r : index to i32
      %f = arith.sitofp %ri : i32 to f32
      %v = arith.mulf %f, %scale : f32
      %w = arith.subf %v, %shift : f32
      memref.store %w, %buf[%i, %j] : memref<?x?xf32>
    }
  }
  return
}

func.func private @maxdiff(%x: memref<2x19x21xf32>, %y: memref<2x19x21xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c19 = arith.constant 19 : index
  %c21 = arith.constant 21 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %b = %c0 to %c2 step %c1 iter_args(%m0 = %zero) -> f32 {
    %r1 = scf.for %i = %c0 to %c19 step %c1 iter_args(%m1 = %m0) -> f32 {
      %r2 = scf.for %j = %c0 to %c21 step %c1 iter_args(%m2 = %m1) -> f32 {
        %u = memref.load %x[%b, %i, %j] : memref<2x19x21xf32>
        %v = memref.load %y[%b, %i, %j] : memref<2x19x21xf32>
        %d = arith.subf %u, %v : f32
        %e = math.absf %d : f32
        %m = arith.maximumf %m2, %e : f32
        scf.yield %m : f32
      }
      scf.yield %r2 : f32
    }
    scf.yield %r1 : f32
  }
  return %r : f32
}

// C = A * B by plain loops, the operands rounded to bf16 when `round`.
func.func private @reference(%a: memref<2x19x11xf32>, %w: memref<21x11xf16>,
                             %out: memref<2x19x21xf32>, %round: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c11 = arith.constant 11 : index
  %c19 = arith.constant 19 : index
  %c21 = arith.constant 21 : index
  %zero = arith.constant 0.0 : f32
  scf.for %b = %c0 to %c2 step %c1 {
    scf.for %i = %c0 to %c19 step %c1 {
      scf.for %j = %c0 to %c21 step %c1 {
        memref.store %zero, %out[%b, %i, %j] : memref<2x19x21xf32>
        scf.for %k = %c0 to %c11 step %c1 {
          %x = memref.load %a[%b, %i, %k] : memref<2x19x11xf32>
          %yh = memref.load %w[%j, %k] : memref<21x11xf16>
          %y = arith.extf %yh : f16 to f32
          %xr, %yr = scf.if %round -> (f32, f32) {
            %xb = arith.truncf %x : f32 to bf16
            %yb = arith.truncf %y : f32 to bf16
            %xw = arith.extf %xb : bf16 to f32
            %yw = arith.extf %yb : bf16 to f32
            scf.yield %xw, %yw : f32, f32
          } else {
            scf.yield %x, %y : f32, f32
          }
          %c = memref.load %out[%b, %i, %j] : memref<2x19x21xf32>
          %p = arith.mulf %xr, %yr : f32
          %s = arith.addf %c, %p : f32
          memref.store %s, %out[%b, %i, %j] : memref<2x19x21xf32>
        }
      }
    }
  }
  return
}

func.func @main() {
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c11 = arith.constant 11 : index
  %c21 = arith.constant 21 : index
  %c38 = arith.constant 38 : index
  %true = arith.constant true
  %false = arith.constant false
  %zero = arith.constant 0.0 : f32

  %a2 = memref.alloc(%c38, %c11) : memref<?x?xf32>
  func.call @fill(%a2, %c3) : (memref<?x?xf32>, index) -> ()
  %a = memref.reinterpret_cast %a2 to offset: [0], sizes: [2, 19, 11], strides: [209, 11, 1]
      : memref<?x?xf32> to memref<2x19x11xf32>
  %w32 = memref.alloc(%c21, %c11) : memref<?x?xf32>
  func.call @fill(%w32, %c5) : (memref<?x?xf32>, index) -> ()
  %w = memref.alloc() : memref<21x11xf16>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%w32 : memref<?x?xf32>) outs(%w : memref<21x11xf16>) {
  ^bb0(%x: f32, %o: f16):
    %h = arith.truncf %x : f32 to f16
    linalg.yield %h : f16
  }

  %got = memref.alloc() : memref<2x19x21xf32>
  %want = memref.alloc() : memref<2x19x21xf32>
  %f32 = memref.alloc() : memref<2x19x21xf32>
  linalg.fill ins(%zero : f32) outs(%got : memref<2x19x21xf32>)
  linalg.generic {indexing_maps = [#a, #bDot, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %w : memref<2x19x11xf32>, memref<21x11xf16>) outs(%got : memref<2x19x21xf32>) {
  ^bb0(%x: f32, %yh: f16, %acc: f32):
    %y = arith.extf %yh : f16 to f32
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  func.call @reference(%a, %w, %want, %true)
      : (memref<2x19x11xf32>, memref<21x11xf16>, memref<2x19x21xf32>, i1) -> ()
  func.call @reference(%a, %w, %f32, %false)
      : (memref<2x19x11xf32>, memref<21x11xf16>, memref<2x19x21xf32>, i1) -> ()
  %d = func.call @maxdiff(%got, %want) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %small = arith.constant 1.0e-5 : f32
  %ok = arith.cmpf olt, %d, %small : f32
  vector.print %ok : i1
  %e = func.call @maxdiff(%got, %f32) : (memref<2x19x21xf32>, memref<2x19x21xf32>) -> f32
  %large = arith.constant 1.0e-4 : f32
  %rounded = arith.cmpf ogt, %e, %large : f32
  vector.print %rounded : i1
  return
}
