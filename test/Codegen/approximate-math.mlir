// RUN: bertc-opt %s --bertc-approximate-math | FileCheck %s
// RUN: bertc-opt %s --bertc-approximate-math="functions=tanh" | FileCheck %s --check-prefix=TANH

// By default erf, exp and tanh become arithmetic; other functions stay.
// CHECK-LABEL: func.func @f
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: math.log
// TANH-LABEL: func.func @f
// TANH: math.erf
// TANH: math.exp
// TANH-NOT: math.tanh
// TANH: math.log
func.func @f(%x: f32) -> (f32, f32, f32, f32) {
  %0 = math.erf %x : f32
  %1 = math.exp %x : f32
  %2 = math.tanh %x : f32
  %3 = math.log %x : f32
  return %0, %1, %2, %3 : f32, f32, f32, f32
}
