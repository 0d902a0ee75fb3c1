//===- AlbertEncoder.cpp - ALBERT as shared-layer loops --------------------===//
//
// model-semantics.md §3: embeddings of width E, a projection E -> H, then N
// layer applications where application i uses group int(i / (N / G)), each
// group being K inner layers. Applications of one group are contiguous, so
// each group becomes one bert.shared_layers op: its body (K layers, one set
// of weights) runs as a loop instead of being copied per layer.
//
//===----------------------------------------------------------------------===//

#include "Import/GraphBuilder.h"

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::import;

/// How many of the N applications use each of the G groups, in order.
static SmallVector<std::pair<int64_t, int64_t>> groupRuns(int64_t n,
                                                          int64_t g) {
  SmallVector<std::pair<int64_t, int64_t>> runs; // (group, count)
  // transformers: int(i / (num_hidden_layers / num_hidden_groups)), with a
  // float division, so uneven splits follow Python's rounding.
  double perGroup = (double)n / (double)g;
  for (int64_t i = 0; i < n; ++i) {
    int64_t group = (int64_t)((double)i / perGroup);
    if (!runs.empty() && runs.back().first == group)
      ++runs.back().second;
    else
      runs.push_back({group, 1});
  }
  return runs;
}

Value mlir::bertc::import::buildAlbertEncoder(GraphBuilder &g, Value ids,
                                              Value mask, Value types) {
  const ModelInfo &info = g.info;
  int64_t H = info.hiddenSize, E = info.embeddingSize;
  Value x = g.embeddings(ids, types, E);
  if (!x)
    return nullptr;
  x = g.linear(x, "encoder.embedding_hidden_mapping_in", H, E);
  if (!x)
    return nullptr;
  Value bias = g.maskBias(mask);

  auto hidden = cast<RankedTensorType>(x.getType());
  for (auto [group, count] : groupRuns(info.numLayers, info.numGroups)) {
    std::string gp =
        "encoder.albert_layer_groups." + std::to_string(group) + ".";
    Location loc = g.locFor(gp + "albert_layers");
    auto loop = bert::SharedLayersOp::create(g.b, loc, hidden, x,
                                             g.b.getI64IntegerAttr(count));
    OpBuilder::InsertionGuard guard(g.b);
    Block *body = g.b.createBlock(&loop.getBody(), {}, {hidden}, {loc});
    Value h = body->getArgument(0);
    for (int64_t k = 0; k < info.innerGroups && h; ++k) {
      std::string p = gp + "albert_layers." + std::to_string(k) + ".";
      h = g.transformerLayer(
          h, bias,
          {p + "attention.query", p + "attention.key", p + "attention.value",
           p + "attention.dense", p + "attention.LayerNorm", p + "ffn",
           p + "ffn_output", p + "full_layer_layer_norm"});
    }
    if (!h)
      return nullptr;
    bert::YieldOp::create(g.b, loc, h);
    x = loop.getResult();
  }
  return x;
}
