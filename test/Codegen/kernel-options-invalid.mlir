// RUN: not bertc-opt %s --bertc-cpu-contraction-kernels="dot-rows=0" 2>&1 | FileCheck %s
// CHECK: error: bertc-cpu-contraction-kernels: tile sizes and vector-width must be at least 1
func.func @f() {
  return
}
