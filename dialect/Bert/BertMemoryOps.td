//===- BertMemoryOps.td - memory-recurrent attention ----------*- tablegen -*-===//
//
// Memory-recurrent attention with relative positions: each segment attends
// over a memory of the previous segments' hidden states, and the ops return
// the memory for the next segment. Transformer-XL's (model-semantics.md §4)
// and XLNet's two-stream variant (§5), plus Transformer-XL's adaptive input
// and output layers.
// Constraints are numbered as in BertOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef BERT_MEMORY_OPS_TD
#define BERT_MEMORY_OPS_TD

include "Bert/BertDialect.td"
include "Bert/BertOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Bert_RelPositionsOp : Bert_Op<"rel_positions", [Pure]> {
  let summary = "sinusoidal embeddings of relative distances start, start-1, ...";
  let description = [{
    Row `t` (of `rows`) embeds the distance `p_t = start - t`, clamped to
    `[-clamp_len, clamp_len]` when `clamp_len > 0`:
    `result[t] = concat(sin(p_t * inv_freq), cos(p_t * inv_freq))` (all
    sines, then all cosines, not interleaved). `inv_freq[k]` is
    `1 / 10000^(2k / D)`: the checkpoint's buffer when given (so the
    frequencies match it bit for bit), else computed in f32.
    Transformer-XL uses `start = klen - 1, rows = klen`; XLNet
    `start = klen` and `rows = klen + qlen` (bidirectional) or `klen + 1`.

    Constraints:
    - C1: the result has rank 2 and a static, even width D.
    - C2: `inv_freq`, when present, has shape `[D / 2]`.
    - C3: `clamp_len` is not negative.

    Example:
    ```mlir
    %r = bert.rel_positions %start, %rows, %inv_freq : tensor<16xf32> {clamp_len = 0 : i64} -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins Index:$start, Index:$rows,
                       Optional<Bert_FloatTensor>:$inv_freq,
                       I64Attr:$clamp_len);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $start `,` $rows (`,` $inv_freq^ `:` type($inv_freq))? attr-dict `->` type($result)
  }];
  let hasVerifier = 1;
}

def Bert_RelAttentionOp : Bert_Op<"rel_attention",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "memory-recurrent multi-head attention with relative positions";
  let description = [{
    Transformer-XL's attention (`RelPartialLearnableMultiHeadAttn`) of a
    segment `input [B, Q, D]` over `c = concat(memory, input)` along time,
    where `memory [M, B, D]` is time-major as Transformer-XL keeps it;
    `K = M + Q`. With `N` heads of width `dh` (from `r_w_bias [N, dh]`):

    - `q = input · Wq^T`, `[k | v] = c · [Wk | Wv]^T` (`qkv_weight` holds
      Wq, Wk, Wv stacked, no bias); `rk = positions · r_weight^T`;
    - `score[b, n, i, j] = ((q + r_w_bias) · k[j] + (q + r_r_bias) · rk[Q-1-i+j]) * scale`:
      the second term is the rel-shifted position term, relative distance
      `M + i - j`;
    - keys `j > i + M` (the future) are masked; with `same_length`, keys
      `j <= i - s` too, where `s = Q - (K - mem_len)` if `K > mem_len`, else
      `Q`, so every query sees the same number of keys;
    - `output = merge_heads(softmax_j(score) · v) · out_weight^T` (no bias;
      the residual and layer norm are separate ops).

    `new_memory` is the memory of the next segment:
    `concat(memory, input)[max(0, K - mem_len) : K]`, time-major, so at most
    `mem_len` steps (none with `mem_len = 0`).

    With `pre_norm(%w, %b)` (Transformer-XL's `pre_lnorm`), `c` is layer-
    normalized (`norm_epsilon`) before the projections; the new memory still
    holds the raw input.

    Constraints:
    - C1: `input` is `[B, Q, D]` with a static D and `memory` is
      `[M, B, D]` with the same B and D.
    - C2: `positions` is `[K, D]`.
    - C3: `r_w_bias` and `r_r_bias` are both `[N, dh]`, static.
    - C4: `qkv_weight` is `[3 N dh, D]`, `r_weight` `[N dh, D]` and
      `out_weight` `[D, N dh]`.
    - C5: `mem_len` is not negative.
    - C6: `output` has the type of `input`; `new_memory` is `[?, B, D]`.
    - C7: `norm_weight` and `norm_bias` are both `[D]` or both absent, and
      `norm_epsilon` is given with them (positive) and only with them.

    Example:
    ```mlir
    %o, %m = bert.rel_attention %h, %mem, %r, %qkv, %wr, %wo, %rw, %rr
        {mem_len = 6 : i64, same_length = false, scale = 0.35355339059327373 : f64}
        : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<96x32xf32>,
           tensor<32x32xf32>, tensor<32x32xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
        -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$input, Bert_FloatTensor:$memory,
                       Bert_FloatTensor:$positions,
                       Bert_FloatTensor:$qkv_weight, Bert_FloatTensor:$r_weight,
                       Bert_FloatTensor:$out_weight,
                       Bert_FloatTensor:$r_w_bias, Bert_FloatTensor:$r_r_bias,
                       Optional<Bert_FloatTensor>:$norm_weight,
                       Optional<Bert_FloatTensor>:$norm_bias,
                       I64Attr:$mem_len, BoolAttr:$same_length, F64Attr:$scale,
                       OptionalAttr<F64Attr>:$norm_epsilon);
  let results = (outs Bert_FloatTensor:$output, Bert_FloatTensor:$new_memory);
  let assemblyFormat = [{
    $input `,` $memory `,` $positions `,` $qkv_weight `,` $r_weight `,`
    $out_weight `,` $r_w_bias `,` $r_r_bias
    (`pre_norm` `(` $norm_weight^ `,` $norm_bias `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bert_TwoStreamAttentionOp : Bert_Op<"two_stream_attention",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "XLNet's two-stream relative attention with memory";
  let description = [{
    XLNet's `XLNetRelativeAttention` (model-semantics §5.4-5.6) for one
    layer. The content stream `content [B, Q, D]` attends over
    `c = concat(memory, content)` (`memory [M, B, D]` time-major,
    `K = M + Q`); when `query [B, P, D]` and `target_mapping [B, P, Q]` are
    given, the query stream does too, from its own queries scattered to the
    target positions, and `query_out` is its result. Without them the query
    stream is not computed at all.

    Weights are XLNet's `[D, N, dh]` tensors (`x · W`, no bias). With
    `Qx` the queries of a stream and `k = c · k_weight`:
    `score[b,n,i,j] = ((Qx + r_w_bias) · k[j] + (Qx + r_r_bias) · kr[K - (M+i-j)]
    + ef) / sqrt(dh)`, where `kr = positions · r_weight` (row t at relative
    distance `K - t`, see `bert.rel_positions`) and the segment term
    `ef = (Qx + r_s_bias) · seg_embed[s]`, `s = 1` when the token types of
    i and j differ (memory counts as type 0). A token type of -1 means no
    token types (the program's value when `token_type_ids` is absent): no
    segment term, as in transformers.

    Masks (1 = masked): key j of the segment is masked for query i when
    `attention_mask[b, j] == 0` or `perm_mask[b, i, j] > 0` (more exactly
    when `(1 - attention_mask) + perm_mask > 0`); memory keys never are.
    With `causal` (attn_type "uni") also `j > i + M`, and with
    `same_length` `j < i`. The content stream may always see its own
    position (`j = M + i`). A masked score becomes `score - 1e30`.

    With `bi_data` (a pretraining setting), batch rows from B/2 on read the
    positions backwards (distance -p for the row of p), as XLNet pairs a
    forward and a backward copy of each sequence.

    Results are the attention vectors projected by `o_weight`
    (`sum_{n,d} av · o`, no residual or norm) of each stream, and
    `new_memory = concat(memory, content[:, :reuse_len])[-mem_len:]`
    (`reuse_len = 0`: the whole segment; `mem_len = 0`: keep everything),
    time-major.

    Constraints:
    - C1: `content` is `[B, Q, D]` with a static D and `memory` `[M, B, D]`.
    - C2: `positions` is `[R, D]`.
    - C3: `token_types` and `attention_mask` are `[B, Q]`, `perm_mask`
      `[B, Q, Q]`.
    - C4: the five weights have one static shape `[D, N, dh]`; `r_w_bias`,
      `r_r_bias` and `r_s_bias` are `[N, dh]`, `seg_embed` `[2, N, dh]`.
    - C5: `query [B, P, D]` and `target_mapping [B, P, Q]` are given
      together, and exactly then `query_out`, of the type of `query`.
    - C6: `content_out` has the type of `content`; `new_memory` is `[?, B, D]`.
    - C7: `mem_len` and `reuse_len` are not negative.

    Example:
    ```mlir
    %h2, %mem2, %g2 = bert.two_stream_attention %h, %mem, %r
        inputs(%types, %mask, %perm) weights(%wq, %wk, %wv, %wo, %wr)
        biases(%rw, %rr, %rs, %seg) query(%g, %tm)
        {causal = false, same_length = false, mem_len = 6 : i64, reuse_len = 0 : i64,
         scale = 0.35355339059327373 : f64}
        : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?xi64>,
           tensor<?x?xi64>, tensor<?x?x?xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>,
           tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<32x4x8xf32>, tensor<4x8xf32>,
           tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>, tensor<?x?x32xf32>,
           tensor<?x?x?xf32>)
        -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>)
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$content, Bert_FloatTensor:$memory,
                       Bert_FloatTensor:$positions,
                       Bert_IndexTensor:$token_types,
                       Bert_IndexTensor:$attention_mask,
                       Bert_FloatTensor:$perm_mask,
                       Bert_FloatTensor:$q_weight, Bert_FloatTensor:$k_weight,
                       Bert_FloatTensor:$v_weight, Bert_FloatTensor:$o_weight,
                       Bert_FloatTensor:$r_weight,
                       Bert_FloatTensor:$r_w_bias, Bert_FloatTensor:$r_r_bias,
                       Bert_FloatTensor:$r_s_bias, Bert_FloatTensor:$seg_embed,
                       Optional<Bert_FloatTensor>:$query,
                       Optional<Bert_FloatTensor>:$target_mapping,
                       BoolAttr:$causal, BoolAttr:$same_length,
                       I64Attr:$mem_len, I64Attr:$reuse_len, F64Attr:$scale,
                       UnitAttr:$bi_data);
  let results = (outs Bert_FloatTensor:$content_out,
                      Bert_FloatTensor:$new_memory,
                      Optional<Bert_FloatTensor>:$query_out);
  let assemblyFormat = [{
    $content `,` $memory `,` $positions
    `inputs` `(` $token_types `,` $attention_mask `,` $perm_mask `)`
    `weights` `(` $q_weight `,` $k_weight `,` $v_weight `,` $o_weight `,` $r_weight `)`
    `biases` `(` $r_w_bias `,` $r_r_bias `,` $r_s_bias `,` $seg_embed `)`
    (`query` `(` $query^ `,` $target_mapping `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Adaptive input and output (Transformer-XL)
//===----------------------------------------------------------------------===//

def Bert_AdaptiveEmbeddingOp : Bert_Op<"adaptive_embedding",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "embedding lookup with per-frequency-cluster tables";
  let description = [{
    Token ids are split into clusters by `bounds = [0, c1, ..., V]`; an id
    in cluster `c` (`bounds[c] <= id < bounds[c+1]`) reads row
    `id - bounds[c]` of `tables[c]` (width `d_c`) and, when projections are
    given, maps it to the model width with `projections[c] [D, d_c]`
    (`e = row · P^T`). The result is scaled by `scale` (sqrt(D) in
    Transformer-XL). With one cluster and no projection this is a plain
    embedding.

    Constraints:
    - C1: `bounds` starts at 0, increases strictly and has one more entry
      than there are tables; table `c` has `bounds[c+1] - bounds[c]` rows.
    - C2: there are no projections or one per table, `projections[c]` is
      `[D, d_c]`; without projections every table is D wide.
    - C3: the result is `ids.shape + [D]`.

    Example:
    ```mlir
    %e = bert.adaptive_embedding %ids, tables(%t0, %t1), projections(%p0, %p1)
        {bounds = array<i64: 0, 10, 40>, scale = 5.65685424949238 : f64}
        : (tensor<?x?xi64>, tensor<10x32xf32>, tensor<30x16xf32>, tensor<32x32xf32>, tensor<32x16xf32>)
        -> tensor<?x?x32xf32>
    ```
  }];
  let arguments = (ins Bert_IndexTensor:$ids,
                       Variadic<Bert_FloatTensor>:$tables,
                       Variadic<Bert_FloatTensor>:$projections,
                       DenseI64ArrayAttr:$bounds, F64Attr:$scale);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` `tables` `(` $tables `)` (`,` `projections` `(` $projections^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bert_AdaptiveLogSoftmaxOp : Bert_Op<"adaptive_log_softmax",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "log-probabilities over the vocabulary from clustered weights";
  let description = [{
    Transformer-XL's `ProjectedAdaptiveLogSoftmax` without labels: the
    log-probability of every token. Cluster `c` (`bounds` as in
    `bert.adaptive_embedding`) has `weights[c] [n_c, d_c]`, `biases[c]` and,
    when projections are given, `projections[c] [D, d_c]`, giving
    `logit_c = (h · P_c) · W_c^T + b_c`. The head scores cluster 0's tokens
    plus one logit per tail cluster (`cluster_weight [C, d_0]`,
    `cluster_bias [C]`, through P_0): `head = log_softmax(concat(logit_0,
    tail logits))`. Then
    `out[v] = head[v]` in cluster 0 and
    `out[v] = head[n_0 + c - 1] + log_softmax(logit_c)[v - bounds[c]]` in
    tail cluster c.

    Constraints:
    - C1: `bounds` as in `bert.adaptive_embedding`; as many weights and
      biases as clusters, `weights[c]` has `bounds[c+1] - bounds[c]` rows
      and `biases[c]` that many entries.
    - C2: no projections or one per cluster, `projections[c]` is
      `[D, d_c]`; without projections every weight is D wide.
    - C3: `cluster_weight` and `cluster_bias` are given exactly when there
      is more than one cluster, with shapes `[C, d_0]` and `[C]`.
    - C4: the result is `input.shape[:-1] + [V]`, V = the last bound.

    Example:
    ```mlir
    %lp = bert.adaptive_log_softmax %h, weights(%w0, %w1), biases(%b0, %b1),
        projections(%p0, %p1), cluster(%cw, %cb) {bounds = array<i64: 0, 10, 40>}
        : (tensor<?x?x32xf32>, tensor<10x32xf32>, tensor<30x16xf32>, tensor<10xf32>,
           tensor<30xf32>, tensor<32x32xf32>, tensor<32x16xf32>, tensor<1x32xf32>,
           tensor<1xf32>) -> tensor<?x?x40xf32>
    ```
  }];
  let arguments = (ins Bert_FloatTensor:$input,
                       Variadic<Bert_FloatTensor>:$weights,
                       Variadic<Bert_FloatTensor>:$biases,
                       Variadic<Bert_FloatTensor>:$projections,
                       Optional<Bert_FloatTensor>:$cluster_weight,
                       Optional<Bert_FloatTensor>:$cluster_bias,
                       DenseI64ArrayAttr:$bounds);
  let results = (outs Bert_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` `weights` `(` $weights `)` `,` `biases` `(` $biases `)`
    (`,` `projections` `(` $projections^ `)`)?
    (`,` `cluster` `(` $cluster_weight^ `,` $cluster_bias `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // BERT_MEMORY_OPS_TD
