// RUN: bertc-opt %s --split-input-file --bert-fuse-linears | FileCheck %s
// RUN: bertc-opt %s --split-input-file --bert-fuse-linears --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// Query, key and value of one input (key 16 wide): one linear of 80
// columns, whose weight and bias concatenate theirs in block order; each
// result is its slice of the last dimension. "n" (no bias) fuses apart,
// and alone it stays as it is.
// CHECK-LABEL: func.func @qkv
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x32xf32>)
// CHECK-DAG: %[[WQ:.*]] = bert.param "q.weight"
// CHECK-DAG: %[[WK:.*]] = bert.param "k.weight"
// CHECK-DAG: %[[WV:.*]] = bert.param "v.weight"
// CHECK-DAG: %[[BQ:.*]] = bert.param "q.bias"
// CHECK-DAG: %[[BK:.*]] = bert.param "k.bias"
// CHECK-DAG: %[[BV:.*]] = bert.param "v.bias"
// CHECK: %[[W:.*]] = tensor.concat dim(0) %[[WQ]], %[[WK]], %[[WV]] : (tensor<32x32xf32>, tensor<16x32xf32>, tensor<32x32xf32>) -> tensor<80x32xf32>
// CHECK: %[[B:.*]] = tensor.concat dim(0) %[[BQ]], %[[BK]], %[[BV]] : (tensor<32xf32>, tensor<16xf32>, tensor<32xf32>) -> tensor<80xf32>
// CHECK: %[[Y:.*]] = bert.linear %[[X]], %[[W]], %[[B]] : (tensor<?x?x32xf32>, tensor<80x32xf32>, tensor<80xf32>) -> tensor<?x?x80xf32>
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[Q:.*]] = tensor.extract_slice %[[Y]][0, 0, 0] [%[[D0]], %[[D1]], 32] [1, 1, 1] : tensor<?x?x80xf32> to tensor<?x?x32xf32>
// CHECK: %[[K:.*]] = tensor.extract_slice %[[Y]][0, 0, 32] [%[[D0]], %[[D1]], 16] [1, 1, 1] : tensor<?x?x80xf32> to tensor<?x?x16xf32>
// CHECK: %[[V:.*]] = tensor.extract_slice %[[Y]][0, 0, 48] [%[[D0]], %[[D1]], 32] [1, 1, 1] : tensor<?x?x80xf32> to tensor<?x?x32xf32>
// CHECK: %[[N:.*]] = bert.linear %[[X]], %{{.*}} : (tensor<?x?x32xf32>, tensor<8x32xf32>) -> tensor<?x?x8xf32>
// CHECK: return %[[Q]], %[[K]], %[[V]], %[[N]]
// The fused op is named after the three ops' names (the module paths the
// importer gives), so that profiles say what it computes.
// LOC-LABEL: func.func @qkv
// LOC: bert.linear {{.*}} -> tensor<?x?x80xf32> loc(#[[FUSED:loc[0-9]+]])
// LOC: #[[FUSED]] = loc("layer.attn.q+k+v"(
func.func @qkv(%x: tensor<?x?x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x?x32xf32>, tensor<?x?x8xf32>) {
  %wq = bert.param "q.weight" : tensor<32x32xf32>
  %bq = bert.param "q.bias" : tensor<32xf32>
  %q = bert.linear %x, %wq, %bq : (tensor<?x?x32xf32>, tensor<32x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> loc("layer.attn.q"("m.json":1:1))
  %wk = bert.param "k.weight" : tensor<16x32xf32>
  %bk = bert.param "k.bias" : tensor<16xf32>
  %k = bert.linear %x, %wk, %bk : (tensor<?x?x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<?x?x16xf32> loc("layer.attn.k"("m.json":1:1))
  %wv = bert.param "v.weight" : tensor<32x32xf32>
  %bv = bert.param "v.bias" : tensor<32xf32>
  %v = bert.linear %x, %wv, %bv : (tensor<?x?x32xf32>, tensor<32x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> loc("layer.attn.v"("m.json":1:1))
  %wn = bert.param "n.weight" : tensor<8x32xf32>
  %n = bert.linear %x, %wn : (tensor<?x?x32xf32>, tensor<8x32xf32>) -> tensor<?x?x8xf32>
  return %q, %k, %v, %n : tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x?x32xf32>, tensor<?x?x8xf32>
}

// -----

// Static shapes slice with static sizes. Linears of other inputs do not
// fuse with these; nor does one whose weight is read elsewhere too (its
// param is not the fused op's alone), nor one whose weight is not a param.
// CHECK-LABEL: func.func @apart
// CHECK-SAME: (%[[X:.*]]: tensor<2x32xf32>, %[[Z:.*]]: tensor<2x32xf32>, %[[ARG:.*]]: tensor<4x32xf32>)
// CHECK: %[[W:.*]] = tensor.concat dim(0) %{{.*}}, %{{.*}} : (tensor<4x32xf32>, tensor<4x32xf32>) -> tensor<8x32xf32>
// CHECK: %[[Y:.*]] = bert.linear %[[X]], %[[W]] : (tensor<2x32xf32>, tensor<8x32xf32>) -> tensor<2x8xf32>
// CHECK: tensor.extract_slice %[[Y]][0, 0] [2, 4] [1, 1] : tensor<2x8xf32> to tensor<2x4xf32>
// CHECK: tensor.extract_slice %[[Y]][0, 4] [2, 4] [1, 1] : tensor<2x8xf32> to tensor<2x4xf32>
// CHECK: bert.linear %[[Z]], %{{.*}} : (tensor<2x32xf32>, tensor<4x32xf32>) -> tensor<2x4xf32>
// CHECK: %[[S:.*]] = bert.param "shared"
// CHECK: bert.linear %[[X]], %[[S]] : (tensor<2x32xf32>, tensor<4x32xf32>) -> tensor<2x4xf32>
// CHECK: bert.linear %[[X]], %[[ARG]] : (tensor<2x32xf32>, tensor<4x32xf32>) -> tensor<2x4xf32>
// CHECK-NOT: tensor.concat
func.func @apart(%x: tensor<2x32xf32>, %z: tensor<2x32xf32>, %arg: tensor<4x32xf32>)
    -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<4x32xf32>) {
  %wa = bert.param "a" : tensor<4x32xf32>
  %a = bert.linear %x, %wa : (tensor<2x32xf32>, tensor<4x32xf32>) -> tensor<2x4xf32>
  %wb = bert.param "b" : tensor<4x32xf32>
  %b = bert.linear %x, %wb : (tensor<2x32xf32>, tensor<4x32xf32>) -> tensor<2x4xf32>
  %wc = bert.param "c" : tensor<4x32xf32>
  %c = bert.linear %z, %wc : (tensor<2x32xf32>, tensor<4x32xf32>) -> tensor<2x4xf32>
  %ws = bert.param "shared" : tensor<4x32xf32>
  %s = bert.linear %x, %ws : (tensor<2x32xf32>, tensor<4x32xf32>) -> tensor<2x4xf32>
  %d = bert.linear %x, %arg : (tensor<2x32xf32>, tensor<4x32xf32>) -> tensor<2x4xf32>
  return %a, %b, %c, %s, %d, %ws : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<4x32xf32>
}
