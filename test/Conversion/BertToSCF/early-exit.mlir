// RUN: bertc-opt %s --convert-bert-to-scf | FileCheck %s
// RUN: bertc-opt %s --bertc-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// Each layer runs under "any sample left"; after it, the samples whose
// normalized entropy is below speed write their outputs, the rest are
// compacted; the last layer (the teacher) labels everything left.
// CHECK-LABEL: func.func @fastbert
// CHECK: %[[ROWS:.*]] = tensor.generate
// CHECK: %[[SPEED:.*]] = tensor.extract %arg2
// CHECK: %[[ANY0:.*]] = arith.cmpi sgt
// CHECK: scf.if %[[ANY0]]
// CHECK: bert.linear
// CHECK: bert.softmax
// CHECK: math.log
// The scatter loop also counts the samples that keep running; the
// compaction loop then builds the batch of exactly that size.
// CHECK: %[[SCATTER:.*]]:4 = scf.for {{.*}} -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>, index)
// CHECK: arith.cmpf olt, %{{.*}}, %[[SPEED]]
// CHECK: tensor.insert_slice
// CHECK: tensor.empty(%[[SCATTER]]#3,
// CHECK: scf.for {{.*}} -> (tensor<?x?x4xf32>, tensor<?x?xf32>, tensor<?xi64>, index)
// CHECK-NOT: scf.for
// CHECK: %[[ANY1:.*]] = arith.cmpi sgt
// CHECK: scf.if %[[ANY1]]
// CHECK: bert.linear
// CHECK-NOT: bert.early_exit

// LLVM-LABEL: llvm.func @fastbert
// LLVM: llvm.intr.log
func.func @fastbert(%h: tensor<?x?x4xf32>, %bias: tensor<?x?xf32>, %speed: tensor<1xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>) {
  %l, %e, %u = bert.early_exit(%h, %bias, %speed) : (tensor<?x?x4xf32>, tensor<?x?xf32>, tensor<1xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>) {
  ^bb0(%x: tensor<?x?x4xf32>, %b: tensor<?x?xf32>):
    %w = bert.param "l0.w" : tensor<4x4xf32>
    %c = bert.param "c0.w" : tensor<2x4xf32>
    %y = bert.linear %x, %w : (tensor<?x?x4xf32>, tensor<4x4xf32>) -> tensor<?x?x4xf32>
    %t = bert.select_token %y[0] : tensor<?x?x4xf32> -> tensor<?x4xf32>
    %lg = bert.linear %t, %c : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x2xf32>
    bert.yield %y, %lg : tensor<?x?x4xf32>, tensor<?x2xf32>
  }, {
  ^bb0(%x: tensor<?x?x4xf32>, %b: tensor<?x?xf32>):
    %w = bert.param "l1.w" : tensor<4x4xf32>
    %c = bert.param "c1.w" : tensor<2x4xf32>
    %y = bert.linear %x, %w : (tensor<?x?x4xf32>, tensor<4x4xf32>) -> tensor<?x?x4xf32>
    %t = bert.select_token %y[0] : tensor<?x?x4xf32> -> tensor<?x4xf32>
    %lg = bert.linear %t, %c : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x2xf32>
    bert.yield %y, %lg : tensor<?x?x4xf32>, tensor<?x2xf32>
  }
  return %l, %e, %u : tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>
}
