//===- BertEncoder.cpp - BERT and RoBERTa encoders -------------------------===//
//
// model-semantics.md §1 and §2: embeddings (RoBERTa's positions skip pad
// tokens, a property of the position_ids op), then N post-LN layers.
//
//===----------------------------------------------------------------------===//

#include "Import/GraphBuilder.h"

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::import;

Value mlir::bertc::import::buildBertEncoder(GraphBuilder &g, Value ids,
                                            Value mask, Value types) {
  Value x = g.embeddings(ids, types, g.info.hiddenSize);
  if (!x)
    return nullptr;
  Value bias = g.maskBias(mask);
  for (int64_t l = 0; l < g.info.numLayers && x; ++l) {
    std::string p = "encoder.layer." + std::to_string(l) + ".";
    x = g.transformerLayer(
        x, bias,
        {p + "attention.self.query", p + "attention.self.key",
         p + "attention.self.value", p + "attention.output.dense",
         p + "attention.output.LayerNorm", p + "intermediate.dense",
         p + "output.dense", p + "output.LayerNorm"});
  }
  return x;
}
