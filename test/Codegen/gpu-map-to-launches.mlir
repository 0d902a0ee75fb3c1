// RUN: bertc-opt %s --split-input-file --bertc-gpu-map-to-launches --canonicalize | FileCheck %s

// An outermost parallel loop becomes one launch, one thread per iteration,
// the innermost loop fastest; host buffers become device buffers.
// CHECK-LABEL: func.func @parallel
// CHECK-DAG:     %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG:     %[[M:.*]] = memref.dim %{{.*}}, %c0
// CHECK-DAG:     %[[N:.*]] = memref.dim %{{.*}}, %c1
// CHECK:         %[[T:.*]] = gpu.alloc (%[[M]], %[[N]]) : memref<?x?xf32>
// CHECK:         %[[TOTAL:.*]] = arith.muli %[[M]], %[[N]] : index
// CHECK:         %[[BLOCKS:.*]] = arith.ceildivui %[[TOTAL]], %[[C256]]
// CHECK:         %[[GRID:.*]] = arith.maxui %[[BLOCKS]], %c1
// CHECK:         gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID]], %{{.*}} = %c1, %{{.*}} = %c1) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256]], %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK:           %[[BASE:.*]] = arith.muli %[[BX]], %[[C256]]
// CHECK:           %[[ID:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:           %[[IN:.*]] = arith.cmpi ult, %[[ID]], %[[TOTAL]]
// CHECK:           scf.if %[[IN]] {
// CHECK:             %[[J:.*]] = arith.remui %[[ID]], %[[N]]
// CHECK:             %[[I:.*]] = arith.divui %[[ID]], %[[N]]
// CHECK:             %[[X:.*]] = memref.load %{{.*}}[%[[I]], %[[J]]]
// CHECK:             memref.store %[[X]], %[[T]][%[[I]], %[[J]]]
// CHECK:           gpu.terminator
// CHECK:         gpu.dealloc %[[T]]
func.func @parallel(%a: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf32>
  %n = memref.dim %a, %c1 : memref<?x?xf32>
  %t = memref.alloc(%m, %n) : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<?x?xf32>
    memref.store %x, %t[%i, %j] : memref<?x?xf32>
  }
  memref.dealloc %t : memref<?x?xf32>
  return
}

// -----

// A loop nest with no parallel loop (a reduction over everything) runs on
// one thread.
// CHECK-LABEL: func.func @sequential
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1)
// CHECK-NEXT:      scf.for
// CHECK:           gpu.terminator
func.func @sequential(%a: memref<?xf32>, %s: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xf32>
    %y = memref.load %s[] : memref<f32>
    %z = arith.addf %x, %y : f32
    memref.store %z, %s[] : memref<f32>
  }
  return
}

// -----

// Loops around kernels stay on the host; the host reads a device element
// through a one-thread copy to a scratch element and a gpu.memcpy.
// CHECK-LABEL: func.func @host_loop
// CHECK:         %[[HOST:.*]] = memref.alloca() : memref<1xi1>
// CHECK:         scf.while
// CHECK:           %[[SCRATCH:.*]] = gpu.alloc () : memref<1xi1>
// CHECK:           gpu.launch
// CHECK:             %[[FLAG:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<?xi1>
// CHECK:             memref.store %[[FLAG]], %[[SCRATCH]][%c0] : memref<1xi1>
// CHECK:           gpu.memcpy %[[HOST]], %[[SCRATCH]]
// CHECK:           gpu.dealloc %[[SCRATCH]]
// CHECK:           %[[GO:.*]] = memref.load %[[HOST]][%c0] : memref<1xi1>
// CHECK:           scf.condition(%[[GO]])
// CHECK:         } do {
// CHECK:           gpu.launch
// CHECK:             memref.store %true
func.func @host_loop(%flags: memref<?xi1>, %k: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %true = arith.constant true
  %n = memref.dim %flags, %c0 : memref<?xi1>
  scf.while : () -> () {
    %go = memref.load %flags[%k] : memref<?xi1>
    scf.condition(%go)
  } do {
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %true, %flags[%i] : memref<?xi1>
    }
    scf.yield
  }
  return
}

// -----

// The host writes a device element with a one-thread kernel.
// CHECK-LABEL: func.func @host_store
// CHECK:         gpu.launch
// CHECK-NEXT:      memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xf32>
// CHECK-NEXT:      gpu.terminator
func.func @host_store(%a: memref<?xf32>, %v: f32, %i: index) {
  memref.store %v, %a[%i] : memref<?xf32>
  return
}

// -----

// Buffers that only host code touches (buffer deallocation's ownership
// flags) stay in host memory.
// CHECK-LABEL: func.func @host_only
// CHECK:         %[[FLAGS:.*]] = memref.alloc() : memref<2xi1>
// CHECK:         memref.store %{{.*}}, %[[FLAGS]][%c0]
// CHECK:         memref.load %[[FLAGS]][%c1]
// CHECK:         memref.dealloc %[[FLAGS]]
// CHECK-NOT:     gpu.
func.func @host_only(%b: i1) -> i1 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %flags = memref.alloc() : memref<2xi1>
  memref.store %b, %flags[%c0] : memref<2xi1>
  memref.store %b, %flags[%c1] : memref<2xi1>
  %x = memref.load %flags[%c1] : memref<2xi1>
  memref.dealloc %flags : memref<2xi1>
  return %x : i1
}

// -----

// Buffer deallocation's conditional frees stay host control flow and free
// device buffers: a host free() of a device pointer would crash.
// CHECK-LABEL: func.func @conditional_free
// CHECK:         %[[T:.*]] = gpu.alloc
// CHECK:         gpu.terminator
// CHECK:         scf.if %{{.*}} {
// CHECK-NEXT:      gpu.dealloc %[[T]]
// CHECK-NOT:     memref.dealloc
func.func @conditional_free(%a: memref<4xf32>, %owned: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %t = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %x = memref.load %a[%i] : memref<4xf32>
    memref.store %x, %t[%i] : memref<4xf32>
  }
  scf.if %owned {
    memref.dealloc %t : memref<4xf32>
  }
  return
}

// -----

// Buffer deallocation's run-time alias check (a private helper over pointer
// and flag buffers) is host bookkeeping: the helper is not mapped, the
// buffers handed to it stay host buffers, and the host reads its flags
// without a copy.
// CHECK-LABEL: func.func private @alias_helper
// CHECK-NOT:     gpu.launch
// CHECK:         return
// CHECK-LABEL: func.func @alias_check
// CHECK:         %[[P:.*]] = memref.alloc() : memref<1xindex>
// CHECK:         %[[F:.*]] = memref.alloc() : memref<1xi1>
// CHECK:         call @alias_helper
// CHECK-NOT:     gpu.memcpy
// CHECK:         %[[OWN:.*]] = memref.load %[[F]]
// CHECK:         scf.if %[[OWN]]
// CHECK-NEXT:      gpu.dealloc
// CHECK:         memref.dealloc %[[P]]
// CHECK:         memref.dealloc %[[F]]
func.func private @alias_helper(%p: memref<?xindex>, %f: memref<?xi1>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %p[%c0] : memref<?xindex>
  %c0i = arith.constant 0 : index
  %nonnull = arith.cmpi ne, %x, %c0i : index
  memref.store %nonnull, %f[%c0] : memref<?xi1>
  return
}
func.func @alias_check(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %t = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %x = memref.load %a[%i] : memref<4xf32>
    memref.store %x, %t[%i] : memref<4xf32>
  }
  %p = memref.alloc() : memref<1xindex>
  %f = memref.alloc() : memref<1xi1>
  %ptr = memref.extract_aligned_pointer_as_index %t : memref<4xf32> -> index
  memref.store %ptr, %p[%c0] : memref<1xindex>
  %pc = memref.cast %p : memref<1xindex> to memref<?xindex>
  %fc = memref.cast %f : memref<1xi1> to memref<?xi1>
  call @alias_helper(%pc, %fc) : (memref<?xindex>, memref<?xi1>) -> ()
  %own = memref.load %f[%c0] : memref<1xi1>
  scf.if %own {
    memref.dealloc %t : memref<4xf32>
  }
  memref.dealloc %p : memref<1xindex>
  memref.dealloc %f : memref<1xi1>
  return
}

// -----

// A buffer that a one-thread kernel writes is a device buffer even though
// the host initializes it (a 0-d sum: the fill is a store outside any
// loop): the store runs on one thread too, and the host reads the sum
// through a copy.
// CHECK-LABEL: func.func @sum_read_by_host
// CHECK:         %[[S:.*]] = gpu.alloc () : memref<i64>
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}}, %[[S]][]
// CHECK:         gpu.launch
// CHECK-NEXT:      scf.for
// CHECK:         gpu.memcpy
// CHECK:         gpu.dealloc %[[S]]
func.func @sum_read_by_host(%a: memref<?xi64>) -> i64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0 : i64
  %n = memref.dim %a, %c0 : memref<?xi64>
  %s = memref.alloc() : memref<i64>
  memref.store %zero, %s[] : memref<i64>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xi64>
    %acc = memref.load %s[] : memref<i64>
    %y = arith.addi %acc, %x : i64
    memref.store %y, %s[] : memref<i64>
  }
  %r = memref.load %s[] : memref<i64>
  memref.dealloc %s : memref<i64>
  return %r : i64
}
