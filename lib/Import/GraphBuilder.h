//===- GraphBuilder.h - shared machinery of the HF importers ------*- C++ -*-===//
//
// Private to lib/Import. The graph builder resolves and checks weights (with
// the checkpoint's prefix and legacy names) as the family code references
// them, and offers the blocks the families share: embeddings, linear, layer
// norm, one post-LN transformer layer, heads.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_IMPORT_GRAPHBUILDER_H
#define BERTC_IMPORT_GRAPHBUILDER_H

#include "Import/Importer.h"

#include "Bert/BertOps.h"
#include "Safetensors.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <memory>
#include <optional>

namespace mlir::bertc::import {

namespace rt = ::bertc::rt;

std::optional<bert::ActivationKind> activationKind(StringRef name);

/// Reads config.json (or a description file) into `info`: shared fields and
/// the family's own (Config.cpp).
bool readConfig(const std::string &model, ModelInfo &info, std::string &error);

/// Weight names of one post-LN transformer layer, relative to the prefix.
struct LayerNames {
  std::string query, key, value, attnOut, attnNorm, inter, out, outNorm;
};

class GraphBuilder {
public:
  GraphBuilder(MLIRContext &ctx, ModelInfo &info, std::string &error)
      : ctx(ctx), b(&ctx), info(info), error(error) {}

  /// Maps the weight files, finds the model prefix, drops pooler_output for
  /// a base model saved without pooler.
  bool openWeights();
  OwningOpRef<ModuleOp> build(const ImportOptions &options);
  /// Padding bias of the attention masks: null in a packed batch, whose
  /// sequences hold no padding.
  Value maskBias(Value mask);

  // Blocks shared by the families; all return null once `failed`.
  Value param(const std::string &name, ArrayRef<int64_t> shape);
  bool has(const std::string &name) const;
  Value linear(Value x, const std::string &prefix, int64_t out, int64_t in);
  Value layerNorm(Value x, const std::string &prefix, int64_t width);
  /// word + token type + position embeddings of `width`, then LayerNorm.
  Value embeddings(Value ids, Value tokenTypes, int64_t width);
  Value transformerLayer(Value x, Value bias, const LayerNames &names);
  /// The new memories of all layers packed as [layers, M', B, width] (the
  /// memory-recurrent families' output); `batch` is B as an index.
  Value packMemories(ArrayRef<Value> memories, Value batch);
  /// Runs `fn` with the model prefix off (task heads live at the top level).
  Value withoutPrefix(function_ref<Value()> fn);
  Location locFor(const std::string &what) {
    return NameLoc::get(StringAttr::get(&ctx, what), fileLoc);
  }
  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  }

  MLIRContext &ctx;
  OpBuilder b;
  ModelInfo &info;
  std::string &error;
  bool failed = false;
  int64_t B = ShapedType::kDynamic, S = ShapedType::kDynamic;
  /// Set while building the packed entry: the sequences' offsets [B + 1].
  /// The blocks then emit the packed ops (BertPackedOps.td).
  Value offsets;

private:
  std::string resolve(const std::string &name) const;
  /// Adds function `name` of the model at the insertion point; `packed`:
  /// the packed entry (inputs [1, T] and offsets, see ImportOptions).
  bool buildFunction(StringRef name, bool packed);

  Location fileLoc = UnknownLoc::get(&ctx);
  std::vector<std::unique_ptr<rt::SafetensorsFile>> files;
  llvm::StringMap<const rt::TensorInfo *> tensors;
  llvm::StringSet<> counted;
  std::string prefix; // "bert." / "roberta." / "albert." or ""
};

/// The encoder of each family, from inputs to the last hidden state.
Value buildBertEncoder(GraphBuilder &g, Value ids, Value mask, Value types);
Value buildAlbertEncoder(GraphBuilder &g, Value ids, Value mask, Value types);
/// FastBERT: backbone and per-layer classifiers in one bert.early_exit;
/// returns (logits, exit_layer, uncertainty), or nothing on failure.
SmallVector<Value> buildFastBert(GraphBuilder &g, Value ids, Value mask,
                                 Value types, Value speed);

/// Transformer-XL: adaptive input, memory-recurrent layers, and for the LM
/// head the adaptive log-softmax; returns (last_hidden_state or
/// prediction_scores, new memories), or nothing on failure. Without `mems`
/// (mem_len 0) the layers attend over the segment alone and no memory is
/// returned.
SmallVector<Value> buildTransfoXL(GraphBuilder &g, Value ids, Value mems);

/// XLNet: the function's arguments in order (input_ids, attention_mask,
/// token_type_ids, perm_mask, target_mapping, mems); returns (the output or
/// logits, new memories), or nothing on failure.
SmallVector<Value> buildXLNet(GraphBuilder &g, ArrayRef<Value> args);

} // namespace mlir::bertc::import

#endif
