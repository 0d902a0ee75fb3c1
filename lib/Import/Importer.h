//===- Importer.h - Hugging Face checkpoints -> bert IR -----------*- C++ -*-===//

#ifndef BERTC_IMPORT_IMPORTER_H
#define BERTC_IMPORT_IMPORTER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::bertc {

struct ImportOptions {
  int64_t batch = -1;  // > 0 specializes the batch dimension
  int64_t seqLen = -1; // > 0 specializes the sequence dimension
  /// Also build `bertc_forward_packed` (families where packable()): the
  /// model over a packed batch, inputs [1, T] holding the valid tokens of
  /// all sequences back to back plus their offsets [B + 1] (last argument,
  /// "seq_offsets"); token outputs [1, T, ...], row outputs [B, ...].
  bool packedEntry = false;
};

/// One input of the compiled forward function: a [B, S] integer tensor,
/// (isSpeed) an early-exit model's threshold, one f32 in [0, 1], or
/// (isMemory) the memories of a memory-recurrent model, packed as
/// [layers, M, B, width] f32 (the program's inputs mems.0 ... mems.{L-1}).
struct InputInfo {
  std::string name;
  bool required = false;
  int64_t defaultValue = 0;
  int64_t upper = -1; // valid values are [0, upper)
  bool isSpeed = false;
  double defaultSpeed = 0;
  bool isMemory = false;
  int64_t memoryDefaultRows = 0; // memory rows when mems.* are absent
  /// f32 inputs: "BSS" ([B, S, S], default zeros) or "BPS" ([B, P, S],
  /// default P = 0, i.e. absent).
  std::string floatLayout;
};

struct OutputInfo {
  std::string name;
  std::vector<int64_t> shape; // -1 for batch/sequence dimensions
  std::string dtype = "F32";  // or "I64"
  /// The new memories, [layers, M', B, width] (outputs mems.0 ...).
  bool isMemory = false;

  /// [batch, seq, ...]: one entry per token.
  bool hasTokenAxis() const {
    return !isMemory && shape.size() >= 2 && shape[1] < 0;
  }
};

/// What the importer learned about the model: drives `bertc inspect`, the
/// compiled program's description, and its input validation.
struct ModelInfo {
  std::string source;       // the MODEL argument
  std::string configPath;   // config.json or the description file
  std::string weightsPath;  // absolute: file, index.json
  std::string family;       // bert, roberta, albert, fastbert
  std::string architecture; // BertModel, ...
  int64_t vocabSize = 0, hiddenSize = 0, numLayers = 0, numHeads = 0,
          intermediateSize = 0, maxPositions = 0, typeVocabSize = 0;
  int64_t embeddingSize = 0;            // ALBERT: E (= hidden elsewhere)
  int64_t numGroups = 1, innerGroups = 1; // ALBERT: G and K
  // FastBERT: per-layer classifiers and the checkpoint's naming.
  int64_t classifierWidth = 128, classifierHeads = 2;
  double defaultSpeed = 0.5;
  bool uerLayout = false; // UER names, UER LayerNorm, 3-row segment table
  // Transformer-XL (model-semantics.md §4): hidden = d_model, heads =
  // n_head of width headDim, intermediate = d_inner.
  std::vector<int64_t> cutoffs; // adaptive clusters, without 0 and V
  int64_t embedWidth = 0, headDim = 0, divVal = 1, memLen = 0, clampLen = 0;
  bool sameLength = false, untieR = true, preNorm = false;
  // XLNet (§5): attn_type "uni", reuse_len (0: the whole segment), the
  // sequence summary of the classifier ("last" or "first").
  bool causal = false, biData = false;
  int64_t reuseLen = 0;
  std::string summaryType = "last";
  int64_t padTokenId = 0, numLabels = 0;
  int64_t positionPaddingIdx = -1; // RoBERTa: positions skip this id
  double layerNormEps = 1e-12;
  std::string activation;
  std::vector<InputInfo> inputs;
  std::vector<OutputInfo> outputs;
  int64_t numParams = 0, numParamValues = 0;
  int64_t batch = -1, seqLen = -1;
  /// Programs skip padding by default (bertc compile --remove-padding).
  bool removePadding = false;

  /// No state or pairing across the rows of a batch: a batch may run in
  /// parts, which padding removal needs.
  bool rowsIndependent() const {
    return family == "bert" || family == "roberta" || family == "albert" ||
           family == "fastbert";
  }

  /// Has a packed entry (ImportOptions::packedEntry): the token-by-token
  /// encoders whose only cross-token op is attention.
  bool packable() const {
    return family == "bert" || family == "roberta" || family == "albert";
  }
  /// The module has `bertc_forward_packed`.
  bool packedEntry = false;
  /// The description compiled into the program (JSON), given the weights
  /// layout chosen by the linalg phase (the function's attributes).
  std::string describe(func::FuncOp lowered) const;
  /// Human-readable summary for `bertc inspect`.
  std::string summary() const;
};

/// Reads MODEL (a directory with config.json and model.safetensors or a
/// sharded index, or a description .json file) and builds the bert-dialect
/// module with the function `bertc_forward` (and `bertc_forward_packed`,
/// see ImportOptions). On failure returns null and sets
/// `error` to a message naming the file and the problem.
OwningOpRef<ModuleOp> importModel(MLIRContext &ctx, const std::string &model,
                                  const ImportOptions &options,
                                  ModelInfo &info, std::string &error);

} // namespace mlir::bertc

#endif
