// RUN: bertc-opt %s --split-input-file --verify-diagnostics --bertc-gpu-launches-to-loops --cse | FileCheck %s

// A launch becomes loops over blocks and threads (z, y, x); device buffers
// and copies become host ones (device allocations 64-byte aligned, for
// bertc-gpu-check-accesses: cuMemAlloc gives 256).
// CHECK-LABEL: func.func @launch
// CHECK:         %[[BUF:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c1
// CHECK:             scf.for %[[BX:.*]] = %c0 to %[[GRID:.*]] step %c1
// CHECK:               scf.for %{{.*}} = %c0 to %c1
// CHECK:                 scf.for %{{.*}} = %c0 to %c1
// CHECK:                   scf.for %[[TX:.*]] = %c0 to %c32 step %c1
// CHECK:                     %[[BASE:.*]] = arith.muli %[[BX]], %c32
// CHECK:                     %[[ID:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:                     memref.store %{{.*}}, %[[BUF]][%[[ID]]]
// CHECK:         memref.copy %[[BUF]], %{{.*}} : memref<?xf32> to memref<?xf32>
// CHECK:         memref.dealloc %[[BUF]]
// CHECK-NOT:     gpu.
func.func @launch(%out: memref<?xf32>, %grid: index, %n: index) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %buf = gpu.alloc (%n) : memref<?xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %grid, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c32 : index
    %id = arith.addi %base, %tx : index
    memref.store %zero, %buf[%id] : memref<?xf32>
    gpu.terminator
  }
  gpu.memcpy %out, %buf : memref<?xf32>, memref<?xf32>
  gpu.dealloc %buf : memref<?xf32>
  return
}

// -----

// Barriers split the thread loops into phases: each phase runs for all
// threads before the next. Shared memory is one buffer, what a loop around
// barriers carries and what crosses a barrier get a slot per thread, pure
// index arithmetic is computed again in each phase.
// CHECK-LABEL: func.func @phases
// CHECK:         %[[SHARED:.*]] = memref.alloc() : memref<32xf32>
// CHECK:         %[[SUM:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK:         %[[X:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK:         scf.for %[[BX:.*]] = %c0 to %arg2 step %c1
// Phase 1: x = in[...]; the sum starts from it.
// CHECK:           scf.for %[[T1:.*]] = %c0 to %c32
// CHECK:             %[[V:.*]] = memref.load %arg1
// CHECK:             memref.store %[[V]], %[[X]][%{{.*}}]
// CHECK:             memref.store %{{.*}}, %[[SUM]][%{{.*}}]
// The loop around barriers is a host loop around its phases.
// CHECK:           scf.for %{{.*}} = %c0 to %c4
// CHECK:             scf.for %[[T2:.*]] = %c0 to %c32
// CHECK:               %[[XV:.*]] = memref.load %[[X]][%{{.*}}]
// CHECK:               memref.store %[[XV]], %[[SHARED]][%[[T2]]]
// CHECK:             scf.for %[[T3:.*]] = %c0 to %c32
// CHECK:               %[[MIRROR:.*]] = arith.subi %c31, %[[T3]]
// CHECK:               memref.load %[[SHARED]][%[[MIRROR]]]
// CHECK:               memref.load %[[SUM]][
// CHECK:               memref.store %{{.*}}, %[[SUM]][
// After the loop, out[id] = the sum.
// CHECK:           scf.for %[[T4:.*]] = %c0 to %c32
// CHECK:             %[[FINAL:.*]] = memref.load %[[SUM]][
// CHECK:             %[[BASE:.*]] = arith.muli %[[BX]], %c32
// CHECK:             %[[ID:.*]] = arith.addi %[[BASE]], %[[T4]]
// CHECK:             memref.store %[[FINAL]], %arg0[%[[ID]]]
// CHECK:         memref.dealloc %[[SHARED]]
// CHECK-NOT:     gpu.
func.func @phases(%out: memref<?xf32>, %in: memref<?xf32>, %grid: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c31 = arith.constant 31 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %grid, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<32xf32, #gpu.address_space<workgroup>>) {
    %base = arith.muli %bx, %c32 : index
    %id = arith.addi %base, %tx : index
    %x = memref.load %in[%id] : memref<?xf32>
    %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %x) -> f32 {
      gpu.barrier
      memref.store %x, %shared[%tx] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %mirror = arith.subi %c31, %tx : index
      %y = memref.load %shared[%mirror] : memref<32xf32, #gpu.address_space<workgroup>>
      %next = arith.addf %acc, %y : f32
      scf.yield %next : f32
    }
    memref.store %sum, %out[%id] : memref<?xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @divergent_barrier(%n: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %small = arith.cmpi ult, %tx, %n : index
    // expected-error @+1 {{a barrier under control flow other than an scf.for without loop-carried values has no emulation}}
    scf.if %small {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

func.func @thread_dependent_trip_count(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @+2 {{a value crosses a barrier or depends on the thread where the emulation needs it uniform}}
  // expected-note @+2 {{it depends on a thread id}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %trips = arith.addi %tx, %n : index
    scf.for %i = %c0 to %trips step %c1 {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}
