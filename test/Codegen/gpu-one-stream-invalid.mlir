// RUN: bertc-opt %s --bertc-gpu-one-stream --split-input-file --verify-diagnostics

// (1) Host code that already has tokens (the pass ran, or gpu-async-region).
func.func @twice(%n: index) {
  // expected-error @+1 {{bertc-gpu-one-stream: expects host code without gpu.wait or async GPU ops}}
  %t = gpu.wait async
  %m, %t1 = gpu.alloc async [%t] (%n) : memref<?xf32>
  gpu.wait [%t1]
  return
}

// -----

func.func @async_alloc(%n: index) {
  // expected-error @+1 {{bertc-gpu-one-stream: expects host code without gpu.wait or async GPU ops}}
  %m, %t = gpu.alloc async (%n) : memref<?xf32>
  return
}
