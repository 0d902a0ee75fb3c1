//===- Passes.td - bert-level passes ------------------------*- tablegen -*-===//

#ifndef BERT_TRANSFORMS_PASSES_TD
#define BERT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def BertFuseLinears : Pass<"bert-fuse-linears", "func::FuncOp"> {
  let summary = "Fuse the bert.linear ops that read the same input into one";
  let description = [{
    Attention's query, key and value projections read the same input: as
    one product of N = 3 H columns they make one kernel with three times
    the blocks or tiles, where three products of H columns each leave the
    GPU's last wave (and, at batch 1, most of its SMs) partly idle.

    In each block, the `bert.linear` ops that read the same input and whose
    weight and bias are `bert.param` ops used nowhere else become one
    linear whose weight is the `tensor.concat` (dimension 0) of their
    weights, and whose bias is that of their biases (with a bias or without
    one: those with and those without fuse apart). Each former result is a
    `tensor.extract_slice` of the fused result's last dimension, in the
    order of the ops in the block. `convert-bert-params-to-memref` gives
    the parameters of such a concatenation adjacent slots, so the fused
    weight is a view of the weights buffer and nothing is copied.

    Example, with `%x : tensor<?x?x32xf32>`:
    ```mlir
    %wq = bert.param "q.weight" : tensor<32x32xf32>
    %q = bert.linear %x, %wq : (tensor<?x?x32xf32>, tensor<32x32xf32>) -> tensor<?x?x32xf32>
    %wk = bert.param "k.weight" : tensor<32x32xf32>
    %k = bert.linear %x, %wk : (tensor<?x?x32xf32>, tensor<32x32xf32>) -> tensor<?x?x32xf32>
    ```
    becomes
    ```mlir
    %wq = bert.param "q.weight" : tensor<32x32xf32>
    %wk = bert.param "k.weight" : tensor<32x32xf32>
    %w = tensor.concat dim(0) %wq, %wk : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
    %qk = bert.linear %x, %w : (tensor<?x?x32xf32>, tensor<64x32xf32>) -> tensor<?x?x64xf32>
    %q = tensor.extract_slice %qk[0, 0, 0] [%b, %l, 32] [1, 1, 1] : ...
    %k = tensor.extract_slice %qk[0, 0, 32] [%b, %l, 32] [1, 1, 1] : ...
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

#endif // BERT_TRANSFORMS_PASSES_TD
