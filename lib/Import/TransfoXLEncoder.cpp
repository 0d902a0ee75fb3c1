//===- TransfoXLEncoder.cpp - Transformer-XL from HF checkpoints ----------===//
//
// model-semantics.md §4: the adaptive input embedding, n_layer
// memory-recurrent layers (bert.rel_attention, post-LN, ReLU FFN), the new
// memories, and for TransfoXLLMHeadModel the adaptive log-softmax with its
// tied weights (the file drops tied copies: crit.out_layers.{i}.weight falls
// back to the embedding table, crit.out_projs.{i} to its projection).
//
//===----------------------------------------------------------------------===//

#include "Import/GraphBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::import;

namespace {

/// The vocabulary's clusters: [0, cutoffs..., V].
SmallVector<int64_t> clusterBounds(const ModelInfo &info) {
  SmallVector<int64_t> bounds{0};
  bounds.append(info.cutoffs.begin(), info.cutoffs.end());
  bounds.push_back(info.vocabSize);
  return bounds;
}

/// Rows [lo, hi) of a 2-D or 1-D parameter (div_val 1 slices one table).
Value rows(GraphBuilder &g, Value v, int64_t lo, int64_t hi) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = hi - lo;
  SmallVector<OpFoldResult> offsets(type.getRank(), g.b.getIndexAttr(0)),
      sizes, strides(type.getRank(), g.b.getIndexAttr(1));
  offsets[0] = g.b.getIndexAttr(lo);
  for (int64_t d : shape)
    sizes.push_back(g.b.getIndexAttr(d));
  return tensor::ExtractSliceOp::create(g.b, v.getLoc(), g.f32(shape), v,
                                        offsets, sizes, strides);
}

/// word_emb: the tables and projections of each cluster.
Value adaptiveEmbedding(GraphBuilder &g, Value ids) {
  const ModelInfo &info = g.info;
  int64_t D = info.hiddenSize, E = info.embedWidth;
  SmallVector<int64_t> bounds = clusterBounds(info);
  SmallVector<Value> tables, projs;
  if (info.divVal == 1) { // one table for the whole vocabulary
    bounds = {0, info.vocabSize};
    tables.push_back(g.param("word_emb.emb_layers.0.weight", {info.vocabSize, E}));
    if (D != E)
      projs.push_back(g.param("word_emb.emb_projs.0", {D, E}));
  } else {
    int64_t width = E;
    for (size_t c = 0; c + 1 < bounds.size(); ++c, width /= info.divVal) {
      std::string i = std::to_string(c);
      tables.push_back(g.param("word_emb.emb_layers." + i + ".weight",
                               {bounds[c + 1] - bounds[c], width}));
      projs.push_back(g.param("word_emb.emb_projs." + i, {D, width}));
    }
  }
  if (g.failed)
    return nullptr;
  auto type = g.f32({g.B, g.S, D});
  return bert::AdaptiveEmbeddingOp::create(
      g.b, g.locFor("word_emb"), type, ids, tables, projs,
      g.b.getDenseI64ArrayAttr(bounds), g.b.getF64FloatAttr(std::sqrt((double)D)));
}

/// crit: log-probabilities over the vocabulary.
Value adaptiveLogSoftmax(GraphBuilder &g, Value h) {
  const ModelInfo &info = g.info;
  int64_t D = info.hiddenSize, E = info.embedWidth, V = info.vocabSize;
  SmallVector<int64_t> bounds = clusterBounds(info);
  size_t clusters = bounds.size() - 1;
  auto tied = [&](const std::string &own, const std::string &shared) {
    return g.has(own) ? own : shared;
  };
  SmallVector<Value> weights, biases, projs;
  if (info.divVal == 1) {
    Value w = g.param(tied("crit.out_layers.0.weight",
                           "word_emb.emb_layers.0.weight"), {V, E});
    Value bias = g.param("crit.out_layers.0.bias", {V});
    if (g.failed)
      return nullptr;
    for (size_t c = 0; c < clusters; ++c) {
      weights.push_back(rows(g, w, bounds[c], bounds[c + 1]));
      biases.push_back(rows(g, bias, bounds[c], bounds[c + 1]));
      if (D != E)
        projs.push_back(g.param(tied("crit.out_projs." + std::to_string(c),
                                     "word_emb.emb_projs.0"), {D, E}));
    }
  } else {
    int64_t width = E;
    for (size_t c = 0; c < clusters; ++c, width /= info.divVal) {
      std::string i = std::to_string(c);
      weights.push_back(g.param(tied("crit.out_layers." + i + ".weight",
                                     "word_emb.emb_layers." + i + ".weight"),
                                {bounds[c + 1] - bounds[c], width}));
      biases.push_back(g.param("crit.out_layers." + i + ".bias",
                               {bounds[c + 1] - bounds[c]}));
      projs.push_back(g.param(tied("crit.out_projs." + i,
                                   "word_emb.emb_projs." + i), {D, width}));
    }
  }
  Value clusterWeight, clusterBias;
  if (clusters > 1) {
    int64_t tails = clusters - 1;
    clusterWeight = g.param("crit.cluster_weight", {tails, E});
    clusterBias = g.param("crit.cluster_bias", {tails});
  }
  if (g.failed)
    return nullptr;
  return bert::AdaptiveLogSoftmaxOp::create(
      g.b, g.locFor("crit"), g.f32({g.B, g.S, V}), h, weights, biases, projs,
      clusterWeight, clusterBias, g.b.getDenseI64ArrayAttr(bounds));
}

} // namespace

SmallVector<Value> mlir::bertc::import::buildTransfoXL(GraphBuilder &g,
                                                        Value ids, Value mems) {
  const ModelInfo &info = g.info;
  OpBuilder &b = g.b;
  int64_t D = info.hiddenSize, N = info.numHeads, dh = info.headDim,
          L = info.numLayers;
  Location loc = g.locFor("transformer");
  Value x = adaptiveEmbedding(g, ids);
  if (!x)
    return {};

  // Relative positions for klen = M + Q, shared by all layers.
  Value Q = tensor::DimOp::create(b, loc, ids, 1);
  Value B = tensor::DimOp::create(b, loc, ids, 0);
  Value M = mems ? Value(tensor::DimOp::create(b, loc, mems, 1))
                 : Value(arith::ConstantIndexOp::create(b, loc, 0));
  Value klen = arith::AddIOp::create(b, loc, M, Q);
  Value invFreq = g.has("pos_emb.inv_freq")
                      ? g.param("pos_emb.inv_freq", {D / 2})
                      : Value();
  Value start = arith::SubIOp::create(
      b, loc, klen, arith::ConstantIndexOp::create(b, loc, 1));
  Value positions = bert::RelPositionsOp::create(
      b, g.locFor("pos_emb"), g.f32({ShapedType::kDynamic, D}), start, klen,
      invFreq, b.getI64IntegerAttr(info.clampLen));

  // untie_r: false shares one pair of biases (the file keeps them once).
  Value sharedRW, sharedRR;
  if (!info.untieR) {
    sharedRW = g.param("r_w_bias", {N, dh});
    sharedRR = g.param("r_r_bias", {N, dh});
  }
  SmallVector<Value> newMems;
  auto memType = g.f32({ShapedType::kDynamic, g.B, D});
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1),
               dAttr = b.getIndexAttr(D);
  for (int64_t l = 0; l < L; ++l) {
    std::string p = "layers." + std::to_string(l) + ".";
    Location lloc = g.locFor(p + "dec_attn");
    Value qkv = g.param(p + "dec_attn.qkv_net.weight", {3 * N * dh, D});
    Value wr = g.param(p + "dec_attn.r_net.weight", {N * dh, D});
    Value wo = g.param(p + "dec_attn.o_net.weight", {D, N * dh});
    Value rwb = info.untieR ? g.param(p + "dec_attn.r_w_bias", {N, dh}) : sharedRW;
    Value rrb = info.untieR ? g.param(p + "dec_attn.r_r_bias", {N, dh}) : sharedRR;
    if (g.failed)
      return {};
    // mems[l]: [M, B, D]; an empty one without memory (mem_len 0).
    Value mem = mems ? Value(tensor::ExtractSliceOp::create(
                           b, lloc, memType, mems,
                           ArrayRef<OpFoldResult>{b.getIndexAttr(l), zero,
                                                  zero, zero},
                           ArrayRef<OpFoldResult>{one, M, B, dAttr},
                           ArrayRef<OpFoldResult>{one, one, one, one}))
                     : Value(tensor::EmptyOp::create(
                           b, lloc, ArrayRef<OpFoldResult>{zero, B, dAttr},
                           b.getF32Type()));
    mem = mem.getType() == memType
              ? mem
              : tensor::CastOp::create(b, lloc, memType, mem);
    // pre_lnorm: the attention normalizes its inputs, the residuals do not.
    Value normW, normB;
    FloatAttr normEps;
    if (info.preNorm) {
      normW = g.param(p + "dec_attn.layer_norm.weight", {D});
      normB = g.param(p + "dec_attn.layer_norm.bias", {D});
      normEps = b.getF64FloatAttr(info.layerNormEps);
      if (g.failed)
        return {};
    }
    auto attn = bert::RelAttentionOp::create(
        b, lloc, x.getType(), memType, x, mem, positions, qkv, wr, wo, rwb,
        rrb, normW, normB, b.getI64IntegerAttr(info.memLen),
        b.getBoolAttr(info.sameLength),
        b.getF64FloatAttr(1.0 / std::sqrt((double)dh)), normEps);
    newMems.push_back(attn.getNewMemory());
    Value res = bert::AddOp::create(b, lloc, attn.getOutput(), x);
    Value a = info.preNorm ? res
                           : g.layerNorm(res, p + "dec_attn.layer_norm", D);
    Value ffIn = info.preNorm ? g.layerNorm(a, p + "pos_ff.layer_norm", D) : a;
    if (g.failed)
      return {};
    Value inner =
        g.linear(ffIn, p + "pos_ff.CoreNet.0", info.intermediateSize, D);
    if (g.failed)
      return {};
    Value act = bert::ActivationOp::create(b, g.locFor(p + "pos_ff"),
                                           bert::ActivationKind::relu, inner);
    Value out = g.linear(act, p + "pos_ff.CoreNet.3", D, info.intermediateSize);
    if (g.failed)
      return {};
    Value res2 = bert::AddOp::create(b, g.locFor(p + "pos_ff"), out, a);
    x = info.preNorm ? res2 : g.layerNorm(res2, p + "pos_ff.layer_norm", D);
    if (g.failed)
      return {};
  }
  Value head = x;
  if (info.architecture == "TransfoXLLMHeadModel")
    head = adaptiveLogSoftmax(g, x); // crit.* resolves without the prefix
  if (!head)
    return {};
  if (!mems)
    return {head};

  return {head, g.packMemories(newMems, B)};
}
