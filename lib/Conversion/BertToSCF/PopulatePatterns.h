//===- PopulatePatterns.h - bert-to-scf pattern families ----------*- C++ -*-===//

#ifndef BERTC_CONVERSION_BERTTOSCF_POPULATEPATTERNS_H
#define BERTC_CONVERSION_BERTTOSCF_POPULATEPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::bertc::bert_to_scf {

/// bert.shared_layers -> scf.for, or `count` clones with `unroll`
/// (SharedLayers.cpp).
void populateSharedLayersPatterns(RewritePatternSet &patterns, bool unroll);
/// bert.early_exit -> per-layer scf.if with compaction (EarlyExit.cpp).
void populateEarlyExitPatterns(RewritePatternSet &patterns);

} // namespace mlir::bertc::bert_to_scf

#endif
