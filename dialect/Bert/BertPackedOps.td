//===- BertPackedOps.td - batches stored as their valid tokens -*- tablegen -*-===//
//
// A packed batch holds only the valid tokens of its sequences, back to back,
// as one row: hidden states are [1, T, H] and `offsets` ([B + 1] i64, like
// FlashAttention's cu_seqlens) says that sequence b is tokens
// offsets[b] ... offsets[b+1] - 1. Every op that works token by token (linear,
// layer norm, activations, adds, embeddings) runs on a packed batch as it is;
// the ops here are the ones that need to know where sequences start: the
// positions, attention, and taking one token of each sequence. No work is
// spent on padding, and the products see T rows however uneven the lengths.
//
// Offsets are the caller's promise, not checked in compiled code:
// offsets[0] = 0, offsets[B] = T, and every sequence has at least one token.
// Constraints are numbered as in BertOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef BERT_PACKED_OPS_TD
#define BERT_PACKED_OPS_TD

include "Bert/BertDialect.td"
include "Bert/BertOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Bert_PackedPositionIdsOp : Bert_Op<"packed_position_ids", [Pure,
    AllTypesMatch<["input_ids", "result"]>]> {
  let summary = "position ids of a packed batch, restarting at each sequence";
  let description = [{
    `bert.position_ids` of each sequence of a packed batch: without
    `padding_idx`, `result[0, t] = t - offsets[b]` for the sequence b that
    holds token t; with `padding_idx = p` (RoBERTa), the running count of
    non-pad tokens restarts at each sequence.

    Constraints:
    - C1: `input_ids` has shape `[1, T]`.
    - C2: `offsets` has rank 1.
    - C3: `padding_idx`, when present, is not negative.

    Example:
    ```mlir
    %pos = bert.packed_position_ids %ids, %offsets : tensor<1x?xi64>, tensor<?xi64>
    ```
  }];
  let arguments = (ins Bert_IndexTensor:$input_ids, Bert_IndexTensor:$offsets,
                       OptionalAttr<I64Attr>:$padding_idx);
  let results = (outs Bert_IndexTensor:$result);
  let assemblyFormat = [{
    $input_ids `,` $offsets attr-dict `:` type($input_ids) `,` type($offsets)
  }];
  let hasVerifier = 1;
}

def Bert_PackedAttentionOp : Bert_Op<"packed_attention", [Pure]> {
  let summary = "multi-head attention within each sequence of a packed batch";
  let description = [{
    `bert.attention` of each sequence on its own: the tokens of sequence b
    (rows `offsets[b] ... offsets[b+1] - 1` of `query`, `key` and `value`,
    all `[1, T, H]`) attend to each other and to nothing else, so there is
    no padding bias. Each sequence costs its own length squared.

    Constraints:
    - C1: the hidden width `H` is static and `num_heads` is positive and
      divides it.
    - C2: `query`, `key` and `value` have one shape `[1, T, H]`.
    - C3: `offsets` has rank 1.
    - C4: the result has the type of `query`.

    Example:
    ```mlir
    %c = bert.packed_attention %q, %k, %v, %offsets {num_heads = 4 : i64, scale = 0.35355339059327373 : f64}
        : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<?xi64>) -> tensor<1x?x32xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$query, Bert_FloatTensor:$key,
                       Bert_FloatTensor:$value, Bert_IndexTensor:$offsets,
                       I64Attr:$num_heads, F64Attr:$scale);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $offsets attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bert_PackedSelectTokenOp : Bert_Op<"packed_select_token", [Pure]> {
  let summary = "takes one token position of every sequence of a packed batch";
  let description = [{
    `result[b, :] = input[0, offsets[b] + index, :]` for `index >= 0`, and
    `input[0, offsets[b+1] + index, :]` for a negative index (counted from
    the end of the sequence): `bert.select_token` of each sequence, giving
    one row per sequence. The index must lie inside every sequence.

    Constraints:
    - C1: `input` has shape `[1, T, H]` and the result has rank 2.
    - C2: `offsets` has rank 1.
    - C3: the result shape is `[offsets.dim(0) - 1, H]`, same element type.

    Example:
    ```mlir
    %cls = bert.packed_select_token %h[0], %offsets
        : tensor<1x?x32xf32>, tensor<?xi64> -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$input, I64Attr:$index,
                       Bert_IndexTensor:$offsets);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $input `[` $index `]` `,` $offsets attr-dict `:` type($input) `,` type($offsets) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // BERT_PACKED_OPS_TD
