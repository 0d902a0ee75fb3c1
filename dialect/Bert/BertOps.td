//===- BertOps.td - operations of the bert dialect -----------*- tablegen -*-===//
//
// Constraints are numbered per op (C1, C2, ...). The verifier tags each check
// with `// <op>_c<N>` and test/Dialect/Bert/invalid.mlir has one negative test
// per constraint, named `@<op>_c<N>`.
//
//===----------------------------------------------------------------------===//

#ifndef BERT_OPS_TD
#define BERT_OPS_TD

include "Bert/BertDialect.td"
include "Bert/BertEnums.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Bert_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Bert_IndexTensor : RankedTensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def Bert_ParamOp : Bert_Op<"param", [Pure]> {
  let summary = "a named weight tensor, bound when the program loads";
  let description = [{
    Refers to the tensor `name` of the model's weights file. Weights are not
    IR constants: lowering gives each distinct name a slot in one weights
    buffer, and the runtime fills that buffer from the safetensors file after
    checking each tensor's name, dtype and shape.

    Constraints:
    - C1: the result has a static shape.
    - C2: `name` is not empty.

    Example:
    ```mlir
    %w = bert.param "encoder.layer.0.attention.self.query.weight" : tensor<32x32xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Embeddings and positions
//===----------------------------------------------------------------------===//

def Bert_EmbeddingOp : Bert_Op<"embedding", [Pure]> {
  let summary = "gathers rows of an embedding table";
  let description = [{
    `result[b, s, :] = table[ids[b, s], :]`. Ids must lie inside the table;
    the compiled program checks this on its inputs before running the model.

    Constraints:
    - C1: `table` has rank 2.
    - C2: the result shape is the shape of `ids` followed by the table width.
    - C3: the result element type is the table's element type.

    Example:
    ```mlir
    %e = bert.embedding %table[%ids] : tensor<99x32xf32>, tensor<?x?xi64> -> tensor<?x?x32xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$table, Bert_IndexTensor:$ids);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Bert_PositionIdsOp : Bert_Op<"position_ids", [Pure,
    AllTypesMatch<["input_ids", "result"]>]> {
  let summary = "position ids of a batch of token sequences";
  let description = [{
    Without `padding_idx`: `result[b, t] = t` (BERT, ALBERT).

    With `padding_idx = p` (RoBERTa): tokens equal to `p` get position `p`,
    the others count up from `p + 1`, skipping pad tokens, so left and right
    padding both work: `result[b, t] = p + (ids[b,t] != p) * #{s <= t : ids[b,s] != p}`.
    This is a running count along the sequence, lowered as a scan (linear in
    the sequence length).

    Constraints:
    - C1: `input_ids` has rank 2.
    - C2: `padding_idx`, when present, is not negative.

    Example:
    ```mlir
    %pos = bert.position_ids %ids {padding_idx = 1 : i64} : tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Bert_IndexTensor:$input_ids,
                       OptionalAttr<I64Attr>:$padding_idx);
  let results = (outs Bert_IndexTensor:$result);
  let assemblyFormat = "$input_ids attr-dict `:` type($input_ids)";
  let hasVerifier = 1;
}

def Bert_SelectTokenOp : Bert_Op<"select_token", [Pure]> {
  let summary = "takes one token position of every sequence";
  let description = [{
    `result[b, :] = input[b, index, :]`; a negative index counts from the end
    of the sequence (`-1` is the last token). The pooler and the
    classification heads start from the first token (`[CLS]` / `<s>`).

    Constraints:
    - C1: `input` has rank 3 and the result has rank 2.
    - C2: the result shape is `[input.dim(0), input.dim(2)]`, same element type.
    - C3: with a static sequence length, `index` lies inside it.

    Example:
    ```mlir
    %cls = bert.select_token %h[0] : tensor<?x?x32xf32> -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$input, I64Attr:$index);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $input `[` $index `]` attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

def Bert_LinearOp : Bert_Op<"linear", [Pure]> {
  let summary = "affine map over the last axis: x * W^T + b";
  let description = [{
    `result[..., o] = sum_i input[..., i] * weight[o, i] + bias[o]`, with the
    weight stored `[out, in]` as PyTorch's `nn.Linear` does. The bias is optional.

    Constraints:
    - C1: `weight` has rank 2 and `input` has rank >= 1.
    - C2: the last dimension of `input` equals `weight.dim(1)`.
    - C3: `bias`, when present, has shape `[weight.dim(0)]`.
    - C4: the result shape is the input shape with its last dimension
      replaced by `weight.dim(0)`; all element types agree.

    Example:
    ```mlir
    %y = bert.linear %x, %w, %b : (tensor<?x?x32xf32>, tensor<37x32xf32>, tensor<37xf32>) -> tensor<?x?x37xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$input, Bert_FloatTensor:$weight,
                       Optional<Bert_FloatTensor>:$bias);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bert_LayerNormOp : Bert_Op<"layer_norm", [Pure,
    AllTypesMatch<["input", "result"]>, AllTypesMatch<["gamma", "beta"]>]> {
  let summary = "layer normalization over the last axis";
  let description = [{
    `y = (x - mean(x)) / sqrt(var(x) + epsilon) * gamma + beta`, with the
    biased variance (divide by the width), as `torch.nn.LayerNorm`.
    With `unbiased_std` it is UER's (FastBERT's) variant instead:
    `y = gamma * (x - mean(x)) / (std(x) + epsilon) + beta` with the
    unbiased standard deviation (divide by width - 1) and epsilon added to
    it, not under the square root.

    Constraints:
    - C1: `gamma` and `beta` have rank 1 and the width of the last axis of `input`.
    - C2: `epsilon` is positive.
    - C3: all element types agree.

    Example:
    ```mlir
    %y = bert.layer_norm %x, %g, %b {epsilon = 1.0e-12 : f64} : tensor<?x?x32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$input, Bert_FloatTensor:$gamma,
                       Bert_FloatTensor:$beta, F64Attr:$epsilon,
                       UnitAttr:$unbiased_std);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)
  }];
  let hasVerifier = 1;
}

def Bert_ActivationOp : Bert_Op<"activation", [Pure, SameOperandsAndResultType]> {
  let summary = "elementwise activation function";
  let description = [{
    Applies `kind` elementwise: `gelu` (exact, erf), `gelu_tanh` (the tanh
    approximation), `relu`, `tanh`, `silu` (`x * sigmoid(x)`) or `quick_gelu`
    (`x * sigmoid(1.702 x)`).

    Example:
    ```mlir
    %y = bert.activation gelu %x : tensor<?x?x37xf32>
    ```
  }];
  let arguments = (ins Bert_ActivationKindAttr:$kind, Bert_FloatTensor:$input);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
}

def Bert_AddOp : Bert_Op<"add", [Pure, Commutative, SameOperandsAndResultType]> {
  let summary = "elementwise sum (residual connections, embedding sums)";
  let description = [{
    Example:
    ```mlir
    %y = bert.add %a, %b : tensor<?x?x32xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$lhs, Bert_FloatTensor:$rhs);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Bert_SoftmaxOp : Bert_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax over the last axis";
  let description = [{
    `y = exp(x - max(x)) / sum(exp(x - max(x)))` along the last axis.

    Constraints:
    - C1: `input` has rank >= 1.

    Example:
    ```mlir
    %p = bert.softmax %logits : tensor<?x3xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$input);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Bert_MaskBiasOp : Bert_Op<"mask_bias", [Pure]> {
  let summary = "turns a 0/1 padding mask into an additive attention bias";
  let description = [{
    `result[b, j] = (1 - mask[b, j]) * fill`: 0 where the key is kept and
    `fill` where it is padding. Hugging Face uses `fill = finfo(f32).min`
    (-3.4028234663852886e38); older code -10000.

    Constraints:
    - C1: `mask` has rank 2.
    - C2: the result has the shape of `mask`.

    Example:
    ```mlir
    %bias = bert.mask_bias %mask {fill = -3.4028234663852886e38 : f64} : tensor<?x?xi64> -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Bert_IndexTensor:$mask, F64Attr:$fill);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = "$mask attr-dict `:` type($mask) `->` type($result)";
  let hasVerifier = 1;
}

def Bert_AttentionOp : Bert_Op<"attention", [Pure]> {
  let summary = "multi-head scaled dot-product attention";
  let description = [{
    Splits `query [B, Lq, H]`, `key [B, Lk, H]` and `value [B, Lk, H]` into
    `num_heads` heads of width `H / num_heads` (head `n` owns columns
    `n*dh ... (n+1)*dh - 1`), computes per head
    `softmax(Q K^T * scale + bias) V`, and merges the heads back to
    `[B, Lq, H]`. `bias [B, Lk]` is the additive padding bias of
    `bert.mask_bias`, broadcast over heads and queries. Projections are not
    part of the op (they are `bert.linear`s around it).

    Constraints:
    - C1: the hidden width `H` is static and `num_heads` is positive and
      divides it.
    - C2: `query`, `key` and `value` have rank 3, the same batch and width,
      and `key` and `value` the same length.
    - C3: `bias`, when present, has shape `[B, Lk]`.
    - C4: the result has the shape and element type of `query`.

    Example:
    ```mlir
    %c = bert.attention %q, %k, %v, %bias {num_heads = 4 : i64, scale = 0.35355339059327373 : f64}
        : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xf32>) -> tensor<?x?x32xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$query, Bert_FloatTensor:$key,
                       Bert_FloatTensor:$value, Optional<Bert_FloatTensor>:$bias,
                       I64Attr:$num_heads, F64Attr:$scale);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

def Bert_SharedLayersOp : Bert_Op<"shared_layers", [
    RecursiveMemoryEffects, AllTypesMatch<["init", "result"]>,
    SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "applies one layer body N times with the same weights";
  let description = [{
    ALBERT's cross-layer parameter sharing as IR: the body is one (group of)
    layer(s) whose `bert.param`s name the shared weights; the op applies it
    `count` times, feeding each result to the next application. It lowers to
    an `scf.for` (convert-bert-to-scf), so code size does not grow with
    depth and each weight is bound once; unrolling is an explicit option of
    that pass. Values defined above (the attention bias) may be used in the
    body.

    Constraints:
    - C1: `count` is positive.
    - C2: the body has one argument, of the type of `init`.
    - C3: the body yields one value of the type of `init`.

    Example:
    ```mlir
    %h = bert.shared_layers 12 (%x) : tensor<?x?x768xf32> {
    ^bb0(%in: tensor<?x?x768xf32>):
      %w = bert.param "encoder.albert_layer_groups.0.albert_layers.0.ffn.weight" : tensor<3072x768xf32>
      ...
      bert.yield %out : tensor<?x?x768xf32>
    }
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$init, I64Attr:$count);
  let results = (outs Bert_FloatTensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $count `(` $init `)` attr-dict `:` type($init) $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Bert_EarlyExitOp : Bert_Op<"early_exit", [RecursiveMemoryEffects]> {
  let summary = "layers with per-layer classifiers; samples stop when sure";
  let description = [{
    FastBERT's adaptive inference as IR. Region `i` is layer `i` followed by
    its classifier: it takes the hidden states and attention bias of the
    samples still running and yields their new hidden states and the
    classifier's logits. After region `i`, a sample whose normalized entropy
    `u = -sum(p log p) / log(N)` (p = softmax(logits), N classes) is below
    `speed` stops there; the last region's classifier (the teacher) labels
    every sample still running. Results, per sample of the batch: the
    logits of its exit layer, the 1-based exit layer, and `u` there.

    It lowers to real control flow (convert-bert-to-scf): after each layer
    the finished samples leave the batch and the rest are compacted, so a
    batch costs what its samples need and no layer runs for a sample after
    its exit.

    Constraints:
    - C1: there is at least one region.
    - C2: `hidden` is [B, S, H] and `bias` is [B, S]; every region takes
      ([?, S, H], [?, S]) of those element types and yields ([?, S, H],
      [?, N]) with the same N in every region, N >= 2.
    - C3: `speed` is a tensor<1xf32>.
    - C4: the results are logits [B, N], exit layers [B] of i64 and
      uncertainties [B] of the logits' element type.

    Example:
    ```mlir
    %logits, %exit, %u = bert.early_exit(%h, %bias, %speed)
        : (tensor<?x?x32xf32>, tensor<?x?xf32>, tensor<1xf32>)
        -> (tensor<?x2xf32>, tensor<?xi64>, tensor<?xf32>) {
    ^bb0(%x: tensor<?x?x32xf32>, %b: tensor<?x?xf32>):
      ...  // layer 0 and its classifier
      bert.yield %x1, %logits0 : tensor<?x?x32xf32>, tensor<?x2xf32>
    }, {
      ...  // layer 1 (the teacher)
    }
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$hidden, Bert_FloatTensor:$bias,
                       Bert_FloatTensor:$speed);
  let results = (outs Bert_FloatTensor:$logits, Bert_IndexTensor:$exit_layer,
                      Bert_FloatTensor:$uncertainty);
  let regions = (region VariadicRegion<SizedRegion<1>>:$stages);
  let assemblyFormat = [{
    `(` $hidden `,` $bias `,` $speed `)` attr-dict `:`
    functional-type(operands, results) $stages
  }];
  let hasRegionVerifier = 1;
}

def Bert_YieldOp : Bert_Op<"yield", [Pure, Terminator, ReturnLike,
    ParentOneOf<["SharedLayersOp", "EarlyExitOp"]>]> {
  let summary = "ends the body of a structure op with its result";
  let description = [{
    Example:
    ```mlir
    bert.yield %out : tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$results);
  let builders = [OpBuilder<(ins), [{ /* empty */ }]>];
  let assemblyFormat = "attr-dict ($results^ `:` type($results))?";
}

#endif // BERT_OPS_TD
