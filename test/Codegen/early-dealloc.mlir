// RUN: bertc-opt %s --bertc-early-dealloc --split-input-file | FileCheck %s

// A buffer is freed right after the last op that uses it or a view of it
// (a nested use counts as its parent op); a dim may follow the free.
// CHECK-LABEL: func.func @moved
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: memref.expand_shape %[[A]]
// CHECK: scf.for
// CHECK: linalg.copy
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: %[[B:.*]] = memref.alloc
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: memref.dim %[[A]]
// CHECK-NEXT: return
func.func @moved(%n: index, %out: memref<?x2xf32>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  %v = memref.expand_shape %a [[0, 1]] output_shape [%n, 1] : memref<?xf32> into memref<?x1xf32>
  linalg.fill ins(%f : f32) outs(%a : memref<?xf32>)
  scf.for %i = %c0 to %c1 step %c1 {
    %s = memref.subview %out[0, 0] [%n, 1] [1, 1] : memref<?x2xf32> to memref<?x1xf32, strided<[2, 1]>>
    linalg.copy ins(%v : memref<?x1xf32>) outs(%s : memref<?x1xf32, strided<[2, 1]>>)
  }
  %b = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%f : f32) outs(%b : memref<?xf32>)
  %d = memref.dim %a, %c0 : memref<?xf32>
  memref.dealloc %a : memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  return %d : index
}

// -----

// A buffer that reaches a call keeps its dealloc; one carried through a
// loop is freed after the last use of the loop's result.
// CHECK-LABEL: func.func @escapes
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: call @use
// CHECK: %[[B:.*]] = memref.alloc
// CHECK: %[[R:.*]] = scf.for
// CHECK: %[[C:.*]] = memref.alloc
// CHECK-NEXT: linalg.copy ins(%[[R]] : memref<?xf32>) outs(%[[C]] : memref<?xf32>)
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: return
func.func private @use(memref<?xf32>)
func.func @escapes(%n: index, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  %v = memref.cast %a : memref<?xf32> to memref<?xf32>
  call @use(%v) : (memref<?xf32>) -> ()
  %b = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%f : f32) outs(%b : memref<?xf32>)
  %r = scf.for %i = %c0 to %c1 step %c1 iter_args(%x = %b) -> (memref<?xf32>) {
    scf.yield %x : memref<?xf32>
  }
  %c = memref.alloc(%n) : memref<?xf32>
  linalg.copy ins(%r : memref<?xf32>) outs(%c : memref<?xf32>)
  linalg.fill ins(%f : f32) outs(%out : memref<?xf32>)
  memref.dealloc %a : memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  return
}
