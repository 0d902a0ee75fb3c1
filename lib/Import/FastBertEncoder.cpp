//===- FastBertEncoder.cpp - FastBERT: backbone + per-layer classifiers ----===//
//
// model-semantics.md §6. The backbone is a BERT; after layer i, classifier i
// (dense H -> C + tanh, C-wide multi-head attention without residual or
// norm, first token, dense + tanh, dense -> N) labels the sample, and the
// bert.early_exit op stops samples whose normalized entropy is below speed.
//
// Two checkpoint layouts name the same model:
// - "hf": Hugging Face BERT names (with or without "bert.") for the backbone;
// - "uer": the original implementation's (UER) names, its LayerNorm
//   (unbiased std, eps added to it) and its 3-row segment table (row 0 for
//   padding, rows 1.. for token types).
// Both name the classifiers `classifiers.{i}.output_layer_0`,
// `.self_attn.linear_layers.{0,1,2}` (query, key, value),
// `.self_attn.final_linear`, `.output_layer_1`, `.output_layer_2`; the PyPI
// fastbert package spells the attention `self_atten`, also accepted.
//
//===----------------------------------------------------------------------===//

#include "Import/GraphBuilder.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::import;

/// UER embeddings: word + position + segment, then UER LayerNorm. Segment
/// row 0 is for padding positions, whose values no output depends on (they
/// are masked as keys); real tokens of type t use row t + 1.
static Value uerEmbeddings(GraphBuilder &g, Value ids, Value types) {
  const ModelInfo &info = g.info;
  int64_t H = info.hiddenSize, T = info.typeVocabSize;
  Value word = g.param("embedding.word_embedding.weight", {info.vocabSize, H});
  Value pos = g.param("embedding.position_embedding.weight",
                      {info.maxPositions, H});
  Value seg = g.param("embedding.segment_embedding.weight", {T + 1, H});
  if (g.failed)
    return nullptr;
  Location loc = g.locFor("embedding");
  OpBuilder &b = g.b;
  Value typeTable = tensor::ExtractSliceOp::create(
      b, loc, g.f32({T, H}), seg,
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(T), b.getIndexAttr(H)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  auto out = g.f32({g.B, g.S, H});
  Value e = bert::EmbeddingOp::create(b, loc, out, word, ids);
  Value positions = bert::PositionIdsOp::create(b, loc, ids.getType(), ids,
                                                IntegerAttr());
  Value pe = bert::EmbeddingOp::create(b, loc, out, pos, positions);
  Value te = bert::EmbeddingOp::create(b, loc, out, typeTable, types);
  Value sum =
      bert::AddOp::create(b, loc, bert::AddOp::create(b, loc, e, pe), te);
  return g.layerNorm(sum, "embedding.layer_norm", H);
}

static LayerNames layerNames(const ModelInfo &info, int64_t l) {
  std::string i = std::to_string(l);
  if (info.uerLayout) {
    std::string p = "encoder.transformer." + i + ".";
    return {p + "self_attn.linear_layers.0", p + "self_attn.linear_layers.1",
            p + "self_attn.linear_layers.2", p + "self_attn.final_linear",
            p + "layer_norm_1",               p + "feed_forward.linear_1",
            p + "feed_forward.linear_2",      p + "layer_norm_2"};
  }
  std::string p = "encoder.layer." + i + ".";
  return {p + "attention.self.query",       p + "attention.self.key",
          p + "attention.self.value",       p + "attention.output.dense",
          p + "attention.output.LayerNorm", p + "intermediate.dense",
          p + "output.dense",               p + "output.LayerNorm"};
}

/// Classifier `l` on hidden states [A, S, H] -> logits [A, N].
static Value classifier(GraphBuilder &g, Value h, Value bias, int64_t l) {
  const ModelInfo &info = g.info;
  int64_t H = info.hiddenSize, C = info.classifierWidth;
  std::string p = "classifiers." + std::to_string(l) + ".";
  OpBuilder &b = g.b;
  Location loc = g.locFor(p + "self_attn");
  return g.withoutPrefix([&]() -> Value {
    std::string attn =
        g.has(p + "self_atten.final_linear.weight") ? "self_atten" : "self_attn";
    Value z = g.linear(h, p + "output_layer_0", C, H);
    if (!z)
      return nullptr;
    z = bert::ActivationOp::create(b, loc, bert::ActivationKind::tanh, z);
    Value q = g.linear(z, p + attn + ".linear_layers.0", C, C);
    Value k = g.linear(z, p + attn + ".linear_layers.1", C, C);
    Value v = g.linear(z, p + attn + ".linear_layers.2", C, C);
    if (g.failed)
      return nullptr;
    int64_t dh = C / info.classifierHeads;
    Value ctx = bert::AttentionOp::create(
        b, loc, z.getType(), q, k, v, bias,
        b.getI64IntegerAttr(info.classifierHeads),
        b.getF64FloatAttr(1.0 / std::sqrt((double)dh)));
    Value a = g.linear(ctx, p + attn + ".final_linear", C, C);
    if (!a)
      return nullptr;
    auto aType = cast<RankedTensorType>(a.getType());
    Value first = bert::SelectTokenOp::create(
        b, loc, g.f32({aType.getDimSize(0), C}), a, b.getI64IntegerAttr(0));
    Value u = g.linear(first, p + "output_layer_1", C, C);
    if (!u)
      return nullptr;
    u = bert::ActivationOp::create(b, loc, bert::ActivationKind::tanh, u);
    return g.linear(u, p + "output_layer_2", info.numLabels, C);
  });
}

SmallVector<Value> mlir::bertc::import::buildFastBert(GraphBuilder &g,
                                                      Value ids, Value mask,
                                                      Value types,
                                                      Value speed) {
  const ModelInfo &info = g.info;
  int64_t H = info.hiddenSize, N = info.numLabels;
  OpBuilder &b = g.b;
  Value x = info.uerLayout ? uerEmbeddings(g, ids, types)
                           : g.embeddings(ids, types, H);
  if (!x)
    return {};
  // UER's additive mask is -10000; the HF layout keeps transformers' value.
  // They differ only for a fully padded row.
  double fill = info.uerLayout ? -10000.0 : -3.4028234663852886e38;
  Value bias = bert::MaskBiasOp::create(b, g.locFor("attention_mask"),
                                        g.f32({g.B, g.S}), mask,
                                        b.getF64FloatAttr(fill));
  Location loc = g.locFor("classifiers");
  auto logitsType = g.f32({g.B, N});
  auto exitType = RankedTensorType::get({g.B}, b.getI64Type());
  auto uType = g.f32({g.B});
  auto op = bert::EarlyExitOp::create(
      b, loc, TypeRange{logitsType, exitType, uType}, x, bias, speed,
      /*stagesCount=*/info.numLayers);

  // Inside the regions the batch is the running samples: dynamic.
  int64_t savedB = g.B;
  g.B = ShapedType::kDynamic;
  auto hRun = g.f32({ShapedType::kDynamic, g.S, H});
  auto bRun = g.f32({ShapedType::kDynamic, g.S});
  for (int64_t l = 0; l < info.numLayers; ++l) {
    OpBuilder::InsertionGuard guard(b);
    Region &region = op.getStages()[l];
    Block *body = b.createBlock(&region, {}, {hRun, bRun}, {loc, loc});
    Value h = g.transformerLayer(body->getArgument(0), body->getArgument(1),
                                 layerNames(info, l));
    Value logits = h ? classifier(g, h, body->getArgument(1), l) : nullptr;
    if (!logits) {
      g.B = savedB;
      return {};
    }
    bert::YieldOp::create(b, loc, ValueRange{h, logits});
  }
  g.B = savedB;
  return {op.getLogits(), op.getExitLayer(), op.getUncertainty()};
}
