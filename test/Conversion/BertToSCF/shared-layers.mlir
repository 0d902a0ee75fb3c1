// RUN: bertc-opt %s --convert-bert-to-scf | FileCheck %s
// RUN: bertc-opt %s --convert-bert-to-scf=unroll=true | FileCheck %s --check-prefix=UNROLL
// RUN: bertc-opt %s --bertc-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// One layer body inside one loop of 12 iterations; the weight it names is
// referenced once.
// CHECK-LABEL: func.func @albert
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[R:.*]] = scf.for %{{.*}} = %[[C0]] to %[[C12]] step %[[C1]] iter_args(%[[H:.*]] = %arg0) -> (tensor<?x?x8xf32>)
// CHECK: bert.param "layer.ffn.weight"
// CHECK: %[[Y:.*]] = bert.linear %[[H]]
// CHECK: %[[A:.*]] = bert.add %[[Y]], %[[H]]
// CHECK: scf.yield %[[A]] : tensor<?x?x8xf32>
// CHECK: return %[[R]]
// CHECK-NOT: bert.linear

// UNROLL-LABEL: func.func @albert
// UNROLL-NOT: scf.for
// UNROLL-COUNT-12: bert.linear
// UNROLL-NOT: bert.linear

// The loop survives to the LLVM dialect, with the weight view bound once.
// LLVM-LABEL: llvm.func @albert
// LLVM-COUNT-1: llvm.mlir.constant(12 : index)
func.func @albert(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %h = bert.shared_layers 12 (%x) : tensor<?x?x8xf32> {
  ^bb0(%in: tensor<?x?x8xf32>):
    %w = bert.param "layer.ffn.weight" : tensor<8x8xf32>
    %y = bert.linear %in, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
    %a = bert.add %y, %in : tensor<?x?x8xf32>
    bert.yield %a : tensor<?x?x8xf32>
  }
  return %h : tensor<?x?x8xf32>
}
