// RUN: bertc-opt %s --split-input-file --verify-diagnostics --bertc-gpu-map-to-launches
// RUN: not bertc-opt %s --bertc-gpu-map-to-launches="block-size=2048" 2>&1 | FileCheck %s --check-prefix=BLOCK
// BLOCK: block-size 2048 is outside [1, 1024]

// A parallel loop with reductions has no one-thread-per-iteration mapping.
func.func @reduction(%a: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  // expected-error @+1 {{a parallel loop with reductions is not supported}}
  %s = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %x = memref.load %a[%i] : memref<?xf32>
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %y = arith.addf %l, %r : f32
      scf.reduce.return %y : f32
    }
  }
  return %s : f32
}

// -----

// A kernel cannot hand the host a loop's result.
func.func @loop_result(%a: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  // expected-error @+1 {{the host needs the results of this loop over device buffers}}
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f32 {
    %x = memref.load %a[%i] : memref<?xf32>
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  }
  return %s : f32
}

// -----

// A host helper (buffer deallocation's alias check) runs on the host: it
// must not be handed a buffer that kernels use.
func.func private @alias_helper(%f: memref<?xi1>) {
  return
}
func.func @helper_device_buffer(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %true = arith.constant true
  %f = memref.alloc(%n) : memref<?xi1>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %true, %f[%i] : memref<?xi1>
  }
  // expected-error @+1 {{a host helper would read a device buffer}}
  call @alias_helper(%f) : (memref<?xi1>) -> ()
  memref.dealloc %f : memref<?xi1>
  return
}
