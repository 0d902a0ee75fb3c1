// RUN: bertc-opt %s --split-input-file --bertc-gpu-profile-kernels --verify-diagnostics | FileCheck %s

// One record per kernel, in the order of first launch, from the launch's
// location: the kind the launching pass put in a fused location's metadata
// ("kernel" where none did) and the location's name ("(model)" where it
// has none). A kernel launched twice has one record: k1's second launch
// is from another layer of the same place, k0's from another place, whose
// name is joined to the first.
// CHECK-LABEL: func.func @forward
// CHECK:       llvm.mlir.global external constant @bertc_gpu_kernel_profile("k1\09matmul ?x?x96x32 64x128x16 mma +epilogue\09encoder.layer.0.attention.self.query+key+value\00k0\09reduction ?x?x32 x2\09embeddings.LayerNorm, encoder.layer.0.output.LayerNorm\00k2\09kernel\09pooler.dense\00k3\09kernel\09(model)\00\00")
module attributes {gpu.container_module} {
  gpu.module @bertc_kernels {
    gpu.func @k0() kernel { gpu.return }
    gpu.func @k1() kernel { gpu.return }
    gpu.func @k2() kernel { gpu.return }
    gpu.func @k3() kernel { gpu.return }
  }
  func.func @forward() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @bertc_kernels::@k1 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) loc(fused<"bertc.kernel: matmul ?x?x96x32 64x128x16 mma +epilogue">["encoder.layer.0.attention.self.query+key+value"])
    gpu.launch_func @bertc_kernels::@k0 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) loc(fused<"bertc.kernel: reduction ?x?x32 x2">["embeddings.LayerNorm"])
    gpu.launch_func @bertc_kernels::@k1 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) loc(fused<"bertc.kernel: matmul other">["encoder.layer.1.attention.self.query+key+value"])
    gpu.launch_func @bertc_kernels::@k0 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) loc(fused<"bertc.kernel: reduction ?x?x32 x2">["encoder.layer.0.output.LayerNorm"])
    gpu.launch_func @bertc_kernels::@k0 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) loc(fused<"bertc.kernel: reduction ?x?x32 x2">["encoder.layer.1.output.LayerNorm"])
    gpu.launch_func @bertc_kernels::@k2 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) loc(fused<"some other tool">["pooler.dense"])
    gpu.launch_func @bertc_kernels::@k3 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}

// -----

// Nothing launched: no table (and the runtime times nothing).
// CHECK-LABEL: func.func @host_only
// CHECK-NOT:   bertc_gpu_kernel_profile
module {
  func.func @host_only() {
    return
  }
}

// -----

// expected-error @+1 {{bertc-gpu-profile-kernels: the module already has a kernel table}}
module attributes {gpu.container_module} {
  llvm.mlir.global external constant @bertc_gpu_kernel_profile("\00")
  gpu.module @bertc_kernels {
    gpu.func @k0() kernel { gpu.return }
  }
  func.func @forward() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @bertc_kernels::@k0 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}
