//===- Passes.h - bert-level passes ------------------------------*- C++ -*-===//

#ifndef BERT_TRANSFORMS_PASSES_H
#define BERT_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::bertc::bert {

#define GEN_PASS_DECL
#include "Bert/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Bert/Transforms/Passes.h.inc"

} // namespace mlir::bertc::bert

#endif // BERT_TRANSFORMS_PASSES_H
