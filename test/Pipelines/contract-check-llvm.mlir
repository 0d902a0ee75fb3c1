// RUN: bertc-opt %s --split-input-file --verify-diagnostics --bertc-verify-contract="phase=llvm"

// The llvm phase contract: only the llvm dialect may remain.
func.func @not_lowered() {
  // expected-error @+1 {{'func.return' survived the llvm phase (only the llvm and omp dialects, gpu.binary and gpu.launch_func may remain)}}
  return
}

// -----

llvm.func @lowered(%x: i64) -> i64 {
  llvm.return %x : i64
}

// -----

// The kernels' binary and their launches are translated beside the llvm
// dialect; other gpu ops are not.
module attributes {gpu.container_module} {
  gpu.binary @kernels [#gpu.object<#nvvm.target, "BLOB">]
  llvm.func @launch(%n: i64) {
    gpu.launch_func @kernels::@k blocks in (%n, %n, %n) threads in (%n, %n, %n) : i64
    llvm.return
  }
}

// -----

func.func @device_alloc(%n: index) {
  // expected-error @+1 {{'gpu.alloc' survived the llvm phase}}
  %m = gpu.alloc (%n) : memref<?xf32>
  return
}
