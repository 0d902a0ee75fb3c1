// RUN: bertc-opt %s --convert-bert-to-scf | FileCheck %s
// RUN: bertc-opt %s --bertc-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// Each layer runs under "any sample left"; after it, the samples whose
// normalized entropy is below speed write their outputs, the rest are
// compacted; the last layer (the teacher) labels everything left. The
// bookkeeping is data parallel: no loop over samples, and the host reads
// one value per layer (the count of samples that go on).
// CHECK-LABEL: func.func @fastbert
// CHECK: %[[SLOT:.*]] = tensor.generate
// CHECK: %[[SPEED:.*]] = tensor.extract %arg2
// CHECK: %[[ANY0:.*]] = arith.cmpi sgt
// CHECK: scf.if %[[ANY0]]
// CHECK: bert.linear
// CHECK: bert.softmax
// CHECK: math.log
// keep[r]: 0 where u < speed.
// CHECK: %[[KEEP:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?xi64>)
// CHECK:   arith.cmpf olt, %{{.*}}, %[[SPEED]]
// CHECK:   arith.select %{{.*}}, %c0_i64, %c1_i64
// Outputs gathered through each sample's slot where it stops here.
// CHECK: linalg.generic {{.*}} ins(%[[SLOT]], %{{.*}} : tensor<?xi64>, tensor<?x2xf32>)
// CHECK:   tensor.extract %[[KEEP]]
// CHECK:   arith.cmpi sge
// CHECK:   linalg.index 1
// CHECK: linalg.generic {{.*}} ins(%[[SLOT]], %{{.*}} : tensor<?xi64>, tensor<?xi64>)
// CHECK:   arith.select %{{.*}}, %c1_i64,
// CHECK: linalg.generic {{.*}} ins(%[[SLOT]], %{{.*}} : tensor<?xi64>, tensor<?xf32>)
// Positions: how many rows before each one go on; their count.
// CHECK: %[[POS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[KEEP]]
// CHECK:   arith.cmpi ult
// CHECK: %[[COUNT:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[KEEP]] : tensor<?xi64>) outs(%{{.*}} : tensor<i64>)
// CHECK: %[[KEPT64:.*]] = tensor.extract %[[COUNT]][]
// CHECK: %[[KEPT:.*]] = arith.index_cast %[[KEPT64]]
// The next slots, then the source row of each kept row and the gathers.
// CHECK: linalg.generic {{.*}} ins(%[[SLOT]] : tensor<?xi64>)
// CHECK:   tensor.extract %[[POS]]
// CHECK:   arith.select %{{.*}}, %{{.*}}, %c-1_i64
// CHECK: tensor.empty(%[[KEPT]]) : tensor<?xi64>
// CHECK: %[[SRC:.*]] = linalg.generic {{.*}} ins(%[[KEEP]], %[[POS]]
// CHECK: tensor.empty(%[[KEPT]], %{{.*}}) : tensor<?x?x4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[SRC]] : tensor<?xi64>)
// CHECK:   tensor.extract
// CHECK: tensor.empty(%[[KEPT]], %{{.*}}) : tensor<?x?xf32>
// CHECK-NOT: scf.for
// CHECK: %[[ANY1:.*]] = arith.cmpi sgt
// CHECK: scf.if %[[ANY1]]
// CHECK: bert.linear
// CHECK-NOT: scf.for
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
