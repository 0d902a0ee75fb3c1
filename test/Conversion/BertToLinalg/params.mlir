// RUN: bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref))' --split-input-file --verify-diagnostics | FileCheck %s
// RUN: bertc-opt %s --pass-pipeline='builtin.module(func.func(convert-bert-params-to-memref{alignment=16}))' --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=ALIGN16

// Each distinct name gets one aligned slot of the weights buffer, which
// becomes the first argument; uses of the same name share one view.
// CHECK-LABEL: func.func @bind
// CHECK-SAME: (%[[BUF:.*]]: memref<?xi8> {bert.weights}, %{{.*}}: tensor<3xf32>)
// CHECK-SAME: bert.weights_bytes = 76 : i64
// CHECK-SAME: bert.weights_layout = [{name = "a", offset = 0 : i64, shape = array<i64: 2, 3>, type = f32}, {name = "b", offset = 64 : i64, shape = array<i64: 3>, type = f32}]
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[BUF]][%[[C0]]][] : memref<?xi8> to memref<2x3xf32>
// CHECK: bufferization.to_tensor %{{.*}} restrict : memref<2x3xf32> to tensor<2x3xf32>
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: memref.view %[[BUF]][%[[C64]]][] : memref<?xi8> to memref<3xf32>
// CHECK-NOT: memref.view
// CHECK-NOT: bert.param
// ALIGN16: bert.weights_bytes = 44 : i64
// ALIGN16-SAME: {name = "b", offset = 32 : i64
func.func @bind(%x: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>) {
  %a = bert.param "a" : tensor<2x3xf32>
  %b = bert.param "b" : tensor<3xf32>
  %b2 = bert.param "b" : tensor<3xf32>
  %s = bert.add %b, %b2 : tensor<3xf32>
  return %a, %s : tensor<2x3xf32>, tensor<3xf32>
}

// -----

func.func @conflicting_types() -> (tensor<3xf32>, tensor<4xf32>) {
  %a = bert.param "w" : tensor<3xf32>
  // expected-error @+1 {{expects every use of parameter 'w' to have type 'tensor<3xf32>', got 'tensor<4xf32>'}}
  %b = bert.param "w" : tensor<4xf32>
  return %a, %b : tensor<3xf32>, tensor<4xf32>
}
