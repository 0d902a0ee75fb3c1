//===- XLNetEncoder.cpp - XLNet from HF checkpoints ------------------------===//
//
// model-semantics.md §5: word embeddings (no positions), per layer one
// bert.two_stream_attention (content stream, and the query stream when a
// target_mapping has targets) with residual + LayerNorm and the shared FFN
// on both streams, the memories, and the heads. The query stream starts
// from mask_emb at each target.
//
//===----------------------------------------------------------------------===//

#include "Import/GraphBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::import;

namespace {

/// LayerNorm(x + FFN(x)) with the layer's ff weights (both streams).
Value feedForward(GraphBuilder &g, Value x, const std::string &p) {
  const ModelInfo &info = g.info;
  int64_t D = info.hiddenSize, I = info.intermediateSize;
  Value inner = g.linear(x, p + "ff.layer_1", I, D);
  if (g.failed)
    return nullptr;
  Value act = bert::ActivationOp::create(
      g.b, g.locFor(p + "ff"), *activationKind(info.activation), inner);
  Value out = g.linear(act, p + "ff.layer_2", D, I);
  if (g.failed)
    return nullptr;
  Value res = bert::AddOp::create(g.b, g.locFor(p + "ff"), out, x);
  return g.layerNorm(res, p + "ff.layer_norm", D);
}

} // namespace

SmallVector<Value> mlir::bertc::import::buildXLNet(GraphBuilder &g,
                                                    ArrayRef<Value> args) {
  const ModelInfo &info = g.info;
  OpBuilder &b = g.b;
  Value ids = args[0], mask = args[1], types = args[2], perm = args[3],
        targets = args[4], mems = args[5];
  int64_t D = info.hiddenSize, N = info.numHeads, dh = info.headDim,
          L = info.numLayers, V = info.vocabSize;
  Location loc = g.locFor("transformer");
  Value table = g.param("word_embedding.weight", {V, D});
  Value maskEmb = g.param("mask_emb", {1, 1, D});
  if (g.failed)
    return {};
  Value h = bert::EmbeddingOp::create(b, g.locFor("word_embedding"),
                                      g.f32({g.B, g.S, D}), table, ids);

  // The query stream's start: mask_emb at each of the P targets (P = 0
  // when no target_mapping was given).
  Value B = tensor::DimOp::create(b, loc, ids, 0);
  Value Q = tensor::DimOp::create(b, loc, ids, 1);
  Value P = tensor::DimOp::create(b, loc, targets, 1);
  auto zeroIdsType = RankedTensorType::get({g.B, ShapedType::kDynamic},
                                           b.getI64Type());
  SmallVector<Value> dyn;
  if (ShapedType::isDynamic(g.B))
    dyn.push_back(B);
  dyn.push_back(P);
  auto zeroIds = tensor::GenerateOp::create(
      b, loc, zeroIdsType, dyn,
      [&](OpBuilder &nb, Location l, ValueRange) {
        tensor::YieldOp::create(nb, l,
                                arith::ConstantIntOp::create(nb, l, 0, 64));
      });
  auto rowType = g.f32({1, D});
  Value maskRow = tensor::CollapseShapeOp::create(
      b, loc, rowType, maskEmb, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  auto streamType = g.f32({g.B, ShapedType::kDynamic, D});
  Value q = bert::EmbeddingOp::create(b, g.locFor("mask_emb"), streamType,
                                      maskRow, zeroIds);

  // Relative positions: distances K, K-1, ... down to -Q+1 (bi) or 0 (uni).
  Value M = tensor::DimOp::create(b, loc, mems, 1);
  Value K = arith::AddIOp::create(b, loc, M, Q);
  Value rows = info.causal
                   ? Value(arith::AddIOp::create(
                         b, loc, K, arith::ConstantIndexOp::create(b, loc, 1)))
                   : Value(arith::AddIOp::create(b, loc, K, Q));
  Value positions = bert::RelPositionsOp::create(
      b, g.locFor("pos_emb"), g.f32({ShapedType::kDynamic, D}), K, rows,
      Value(), b.getI64IntegerAttr(info.clampLen));

  auto memType = g.f32({ShapedType::kDynamic, g.B, D});
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1),
               dAttr = b.getIndexAttr(D);
  SmallVector<Value> newMems;
  for (int64_t l = 0; l < L; ++l) {
    std::string p = "layer." + std::to_string(l) + ".";
    std::string a = p + "rel_attn.";
    Location lloc = g.locFor(a);
    SmallVector<Value> w;
    for (const char *name : {"q", "k", "v", "o", "r"})
      w.push_back(g.param(a + name, {D, N, dh}));
    Value rwb = g.param(a + "r_w_bias", {N, dh});
    Value rrb = g.param(a + "r_r_bias", {N, dh});
    Value rsb = g.param(a + "r_s_bias", {N, dh});
    Value seg = g.param(a + "seg_embed", {2, N, dh});
    if (g.failed)
      return {};
    Value mem = tensor::ExtractSliceOp::create(
        b, lloc, memType, mems,
        ArrayRef<OpFoldResult>{b.getIndexAttr(l), zero, zero, zero},
        ArrayRef<OpFoldResult>{one, M, B, dAttr},
        ArrayRef<OpFoldResult>{one, one, one, one});
    auto attn = bert::TwoStreamAttentionOp::create(
        b, lloc, TypeRange{h.getType(), memType, q.getType()}, h, mem,
        positions, types, mask, perm, w[0], w[1], w[2], w[3], w[4], rwb, rrb,
        rsb, seg, q, targets, b.getBoolAttr(info.causal),
        b.getBoolAttr(info.sameLength), b.getI64IntegerAttr(info.memLen),
        b.getI64IntegerAttr(info.reuseLen),
        b.getF64FloatAttr(1.0 / std::sqrt((double)dh)));
    attn.setBiData(info.biData);
    newMems.push_back(attn.getNewMemory());
    // post_attention: LayerNorm(x + attention), one norm for both streams.
    Value hRes = bert::AddOp::create(b, lloc, attn.getContentOut(), h);
    Value qRes = bert::AddOp::create(b, lloc, attn.getQueryOut(), q);
    Value hn = g.layerNorm(hRes, a + "layer_norm", D);
    Value qn = g.layerNorm(qRes, a + "layer_norm", D);
    if (g.failed)
      return {};
    h = feedForward(g, hn, p);
    q = feedForward(g, qn, p);
    if (!h || !q)
      return {};
  }

  // The output is the query stream's when there are targets.
  Value hasTargets = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::sgt, P,
      arith::ConstantIndexOp::create(b, loc, 0));
  Value hOut = h.getType() == streamType
                   ? h
                   : tensor::CastOp::create(b, loc, streamType, h);
  auto pick = scf::IfOp::create(
      b, loc, TypeRange{streamType}, hasTargets, /*withElse=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(pick.thenBlock());
    scf::YieldOp::create(b, loc, q);
    b.setInsertionPointToStart(pick.elseBlock());
    scf::YieldOp::create(b, loc, hOut);
  }
  Value out = pick.getResult(0);

  Value head = out;
  if (info.architecture == "XLNetLMHeadModel") {
    Value w = g.has("lm_loss.weight") ? g.param("lm_loss.weight", {V, D})
                                      : table;
    Value bias = g.param("lm_loss.bias", {V});
    if (g.failed)
      return {};
    head = bert::LinearOp::create(b, g.locFor("lm_loss"),
                                  g.f32({g.B, ShapedType::kDynamic, V}), out,
                                  w, bias);
  } else if (info.architecture == "XLNetForSequenceClassification") {
    // SequenceSummary: the last (or first) token, tanh(dense), then the
    // classifier.
    int64_t index = info.summaryType == "first" ? 0 : -1;
    Value tok = bert::SelectTokenOp::create(
        b, g.locFor("sequence_summary"), g.f32({g.B, D}), out,
        b.getI64IntegerAttr(index));
    Value s = g.withoutPrefix(
        [&] { return g.linear(tok, "sequence_summary.summary", D, D); });
    if (!s)
      return {};
    s = bert::ActivationOp::create(b, g.locFor("sequence_summary"),
                                   bert::ActivationKind::tanh, s);
    head = g.withoutPrefix(
        [&] { return g.linear(s, "logits_proj", info.numLabels, D); });
    if (!head)
      return {};
  }

  return {head, g.packMemories(newMems, B)};
}
