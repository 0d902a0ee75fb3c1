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
