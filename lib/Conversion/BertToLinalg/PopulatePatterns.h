//===- PopulatePatterns.h - bert-to-linalg pattern families -------*- C++ -*-===//
//
// Private to the conversion: one populate function per op family, one file each.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CONVERSION_BERTTOLINALG_POPULATEPATTERNS_H
#define BERTC_CONVERSION_BERTTOLINALG_POPULATEPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::bertc::bert_to_linalg {

/// bert.embedding, bert.position_ids, bert.select_token (Embedding.cpp).
void populateEmbeddingPatterns(RewritePatternSet &patterns);
/// bert.linear, bert.layer_norm, bert.activation, bert.add (Layers.cpp).
void populateLayerPatterns(RewritePatternSet &patterns);
/// bert.attention, bert.softmax, bert.mask_bias (Attention.cpp).
void populateAttentionPatterns(RewritePatternSet &patterns);
/// bert.rel_positions, bert.rel_attention, bert.two_stream_attention
/// (MemoryAttention.cpp).
void populateMemoryAttentionPatterns(RewritePatternSet &patterns);
/// bert.packed_position_ids, bert.packed_attention,
/// bert.packed_select_token (Packed.cpp).
void populatePackedPatterns(RewritePatternSet &patterns);
/// bert.adaptive_embedding, bert.adaptive_log_softmax (Adaptive.cpp).
void populateAdaptivePatterns(RewritePatternSet &patterns);

} // namespace mlir::bertc::bert_to_linalg

#endif
