//===- Config.cpp - config.json of Hugging Face checkpoints ----------------===//
//
// Reads config.json with llvm::json: every field that matters is checked for
// presence, type and range, and errors name the file and the field.
//
//===----------------------------------------------------------------------===//

#include "Import/GraphBuilder.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <limits>

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::import;

namespace {

/// Reads typed fields of config.json with errors that name file and field.
struct ConfigReader {
  const llvm::json::Object &obj;
  std::string path;
  std::string &error;

  bool fail(const std::string &msg) {
    if (error.empty())
      error = path + ": " + msg;
    return false;
  }
  bool integer(StringRef key, int64_t &out, bool required, int64_t lo,
               int64_t hi = std::numeric_limits<int64_t>::max()) {
    const llvm::json::Value *v = obj.get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return required ? fail("missing field '" + key.str() + "'") : true;
    std::optional<int64_t> i = v->getAsInteger();
    if (!i)
      return fail("field '" + key.str() + "' must be an integer");
    if (*i < lo || *i > hi)
      return fail("field '" + key.str() + "' is " + std::to_string(*i) +
                  ", expected a value in [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "]");
    out = *i;
    return true;
  }
  bool number(StringRef key, double &out, bool required) {
    const llvm::json::Value *v = obj.get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return required ? fail("missing field '" + key.str() + "'") : true;
    std::optional<double> d = v->getAsNumber();
    if (!d)
      return fail("field '" + key.str() + "' must be a number");
    out = *d;
    return true;
  }
  bool boolean(StringRef key, bool &out) {
    const llvm::json::Value *v = obj.get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return true;
    std::optional<bool> b = v->getAsBoolean();
    if (!b)
      return fail("field '" + key.str() + "' must be true or false");
    out = *b;
    return true;
  }
  bool string(StringRef key, std::string &out, bool required) {
    const llvm::json::Value *v = obj.get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return required ? fail("missing field '" + key.str() + "'") : true;
    std::optional<StringRef> s = v->getAsString();
    if (!s)
      return fail("field '" + key.str() + "' must be a string");
    out = s->str();
    return true;
  }
};

// Upper bounds far above any released model keep every size product the
// importer and the runtime form inside int64.
constexpr int64_t kMaxRows = 1 << 24, kMaxWidth = 1 << 20;

/// Transformer-XL (model-semantics.md §4.1). Missing optional fields take
/// TransfoXLConfig's defaults, as transformers does.
bool readTransfoXL(ConfigReader &r, const llvm::json::Object &obj,
                   ModelInfo &info) {
  if (info.architecture != "TransfoXLModel" &&
      info.architecture != "TransfoXLLMHeadModel")
    return r.fail("unsupported architecture '" + info.architecture +
                  "' (supported for transfo-xl: TransfoXLModel, "
                  "TransfoXLLMHeadModel)");
  info.embedWidth = 1024;
  info.divVal = 4;
  info.memLen = 1600;
  info.clampLen = 1000;
  info.sameLength = true;
  info.layerNormEps = 1e-5;
  int64_t attnType = 0;
  if (!r.integer("vocab_size", info.vocabSize, true, 1, kMaxRows) ||
      !r.integer("d_model", info.hiddenSize, true, 2, kMaxWidth) ||
      !r.integer("d_embed", info.embedWidth, false, 1, kMaxWidth) ||
      !r.integer("n_head", info.numHeads, true, 1, kMaxWidth) ||
      !r.integer("d_head", info.headDim, true, 1, kMaxWidth) ||
      !r.integer("d_inner", info.intermediateSize, true, 1, kMaxWidth) ||
      !r.integer("n_layer", info.numLayers, true, 1, 1024) ||
      !r.integer("div_val", info.divVal, false, 1, 1 << 10) ||
      !r.integer("mem_len", info.memLen, false, 0, kMaxRows) ||
      !r.integer("clamp_len", info.clampLen, false,
                 std::numeric_limits<int64_t>::min()) ||
      !r.integer("attn_type", attnType, false, 0, 3) ||
      !r.boolean("same_length", info.sameLength) ||
      !r.boolean("pre_lnorm", info.preNorm) ||
      !r.boolean("untie_r", info.untieR) ||
      !r.number("layer_norm_epsilon", info.layerNormEps, false))
    return false;
  if (info.hiddenSize % 2)
    return r.fail("field 'd_model' is " + std::to_string(info.hiddenSize) +
                  ", expected an even width (sine and cosine halves)");
  if (info.numHeads * info.headDim > kMaxWidth)
    return r.fail("n_head * d_head is too large");
  if (attnType != 0)
    return r.fail("attn_type " + std::to_string(attnType) +
                  " is not supported (transformers implements only 0, "
                  "relative positions with learnable biases)");
  if (!(info.layerNormEps > 0 && info.layerNormEps <= 1))
    return r.fail("field 'layer_norm_epsilon' must lie in (0, 1]");
  info.clampLen = std::max<int64_t>(info.clampLen, 0); // <= 0: no clamp

  // cutoffs: strictly increasing, inside (0, V); HF's default is wt103's.
  info.cutoffs = {20000, 40000, 200000};
  if (const llvm::json::Value *v = obj.get("cutoffs")) {
    const llvm::json::Array *a = v->getAsArray();
    if (!a)
      return r.fail("field 'cutoffs' must be an array of integers");
    info.cutoffs.clear();
    for (const llvm::json::Value &c : *a) {
      std::optional<int64_t> i = c.getAsInteger();
      int64_t prev = info.cutoffs.empty() ? 0 : info.cutoffs.back();
      if (!i || *i <= prev || *i >= info.vocabSize)
        return r.fail("field 'cutoffs' must increase strictly inside (0, "
                      "vocab_size = " + std::to_string(info.vocabSize) + ")");
      info.cutoffs.push_back(*i);
    }
  }
  int64_t width = info.embedWidth;
  for (size_t c = 0; info.divVal > 1 && c <= info.cutoffs.size(); ++c, width /= info.divVal)
    if (width < 1)
      return r.fail("d_embed " + std::to_string(info.embedWidth) +
                    " leaves cluster " + std::to_string(c) +
                    " with no width at div_val " + std::to_string(info.divVal));

  InputInfo ids{"input_ids", true, 0, info.vocabSize};
  if (info.architecture == "TransfoXLLMHeadModel")
    info.outputs = {{"prediction_scores", {-1, -1, info.vocabSize}}};
  else
    info.outputs = {{"last_hidden_state", {-1, -1, info.hiddenSize}}};
  info.inputs = {ids};
  // mem_len 0: no memory at all, as transformers (mems is None).
  if (info.memLen > 0) {
    InputInfo mems;
    mems.name = "mems";
    mems.isMemory = true;
    mems.memoryDefaultRows = info.memLen; // transformers: zeros
    info.inputs.push_back(mems);
    OutputInfo newMems;
    newMems.name = "mems";
    newMems.shape = {info.numLayers, -1, -1, info.hiddenSize};
    newMems.isMemory = true;
    info.outputs.push_back(newMems);
  }
  return true;
}

/// XLNet (model-semantics.md §5.1). Missing optional fields take
/// XLNetConfig's defaults.
bool readXLNet(ConfigReader &r, const llvm::json::Object &obj,
               ModelInfo &info) {
  if (info.architecture != "XLNetModel" &&
      info.architecture != "XLNetLMHeadModel" &&
      info.architecture != "XLNetForSequenceClassification")
    return r.fail("unsupported architecture '" + info.architecture +
                  "' (supported for xlnet: XLNetModel, XLNetLMHeadModel, "
                  "XLNetForSequenceClassification)");
  info.layerNormEps = 1e-12;
  info.clampLen = -1;
  info.activation = "gelu";
  std::string attnType = "bi";
  bool biData = false;
  int64_t dHead = 0;
  if (!r.integer("vocab_size", info.vocabSize, true, 1, kMaxRows) ||
      !r.integer("d_model", info.hiddenSize, true, 2, kMaxWidth) ||
      !r.integer("n_layer", info.numLayers, true, 1, 1024) ||
      !r.integer("n_head", info.numHeads, true, 1, kMaxWidth) ||
      !r.integer("d_inner", info.intermediateSize, true, 1, kMaxWidth) ||
      !r.integer("d_head", dHead, false, 1, kMaxWidth) ||
      !r.integer("mem_len", info.memLen, false, 0, kMaxRows) ||
      !r.integer("reuse_len", info.reuseLen, false, 0, kMaxRows) ||
      !r.integer("clamp_len", info.clampLen, false,
                 std::numeric_limits<int64_t>::min()) ||
      !r.string("attn_type", attnType, false) ||
      !r.string("ff_activation", info.activation, false) ||
      !r.string("summary_type", info.summaryType, false) ||
      !r.boolean("same_length", info.sameLength) ||
      !r.boolean("bi_data", biData) ||
      !r.number("layer_norm_eps", info.layerNormEps, false))
    return false;
  if (info.hiddenSize % info.numHeads != 0)
    return r.fail("d_model " + std::to_string(info.hiddenSize) +
                  " is not divisible by n_head " +
                  std::to_string(info.numHeads));
  info.headDim = info.hiddenSize / info.numHeads;
  if (dHead && dHead != info.headDim)
    return r.fail("field 'd_head' is " + std::to_string(dHead) +
                  ", but d_model / n_head is " + std::to_string(info.headDim));
  if (info.hiddenSize % 2)
    return r.fail("field 'd_model' must be even (sine and cosine halves)");
  if (attnType != "bi" && attnType != "uni")
    return r.fail("field 'attn_type' is '" + attnType +
                  "', expected bi or uni");
  info.causal = attnType == "uni";
  info.biData = biData;
  if (!activationKind(info.activation))
    return r.fail("unsupported ff_activation '" + info.activation + "'");
  if (!(info.layerNormEps > 0 && info.layerNormEps <= 1))
    return r.fail("field 'layer_norm_eps' must lie in (0, 1]");
  info.clampLen = std::max<int64_t>(info.clampLen, 0);
  info.numLabels = 2;
  if (const llvm::json::Object *labels = obj.getObject("id2label"))
    info.numLabels = labels->size();
  if (!r.integer("num_labels", info.numLabels, false, 1, kMaxRows))
    return false;
  if (info.architecture == "XLNetForSequenceClassification" &&
      info.summaryType != "last" && info.summaryType != "first")
    return r.fail("summary_type '" + info.summaryType +
                  "' is not implemented yet (supported: last, first)");

  // token_type_ids: absent is not all zeros (no segment term at all); the
  // program passes -1 for absent.
  info.inputs = {{"input_ids", true, 0, info.vocabSize},
                 {"attention_mask", false, 1, 2},
                 {"token_type_ids", false, -1, 1 << 30}};
  InputInfo perm;
  perm.name = "perm_mask";
  perm.floatLayout = "BSS";
  InputInfo targets;
  targets.name = "target_mapping";
  targets.floatLayout = "BPS";
  InputInfo mems;
  mems.name = "mems";
  mems.isMemory = true;
  mems.memoryDefaultRows = 0; // transformers: no memory on a first call
  info.inputs.insert(info.inputs.end(), {perm, targets, mems});
  OutputInfo newMems;
  newMems.name = "mems";
  newMems.shape = {info.numLayers, -1, -1, info.hiddenSize};
  newMems.isMemory = true;
  if (info.architecture == "XLNetModel")
    info.outputs = {{"last_hidden_state", {-1, -1, info.hiddenSize}}, newMems};
  else if (info.architecture == "XLNetLMHeadModel")
    info.outputs = {{"logits", {-1, -1, info.vocabSize}}, newMems};
  else
    info.outputs = {{"logits", {-1, info.numLabels}}, newMems};
  return true;
}

} // namespace

/// Reads config.json (or a description file) into `info`.
bool mlir::bertc::import::readConfig(const std::string &model, ModelInfo &info,
                                     std::string &error) {
  std::string configPath = model, dir = model;
  if (llvm::sys::fs::is_directory(model)) {
    configPath = (llvm::Twine(model) + "/config.json").str();
  } else {
    dir = llvm::sys::path::parent_path(model).str();
    if (dir.empty())
      dir = ".";
  }
  if (!llvm::sys::fs::exists(model)) {
    error = model + ": no such file or directory";
    return false;
  }
  info.configPath = configPath;
  auto buf = llvm::MemoryBuffer::getFile(configPath);
  if (!buf) {
    error = configPath + ": " + buf.getError().message();
    return false;
  }
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buf)->getBuffer());
  if (!json) {
    error = configPath + ": invalid JSON: " + llvm::toString(json.takeError());
    return false;
  }
  const llvm::json::Object *obj = json->getAsObject();
  if (!obj) {
    error = configPath + ": expected a JSON object";
    return false;
  }
  ConfigReader r{*obj, configPath, error};

  // Where the weights are: a description file may name them; an HF
  // directory holds model.safetensors or a sharded index.
  std::string weights;
  if (!r.string("bertc_weights", weights, false))
    return false;
  SmallString<256> wpath(weights.empty() ? dir : dir + "/" + weights);
  if (weights.empty()) {
    // Name the file itself, so errors and the program's default point at it.
    if (llvm::sys::fs::exists(wpath + "/model.safetensors"))
      llvm::sys::path::append(wpath, "model.safetensors");
    else if (llvm::sys::fs::exists(wpath + "/model.safetensors.index.json"))
      llvm::sys::path::append(wpath, "model.safetensors.index.json");
    else {
      error = dir + ": no model.safetensors or model.safetensors.index.json "
                    "(bertc reads safetensors checkpoints)";
      return false;
    }
  }
  llvm::sys::fs::make_absolute(wpath);
  llvm::sys::path::remove_dots(wpath, /*remove_dot_dot=*/true);
  info.weightsPath = wpath.str().str();

  std::string modelType;
  if (!r.string("model_type", modelType, true))
    return false;
  if (modelType != "bert" && modelType != "roberta" && modelType != "albert" &&
      modelType != "fastbert" && modelType != "transfo-xl" &&
      modelType != "xlnet")
    return r.fail("unsupported model_type '" + modelType +
                  "' (supported: bert, roberta, albert, fastbert, "
                  "transfo-xl, xlnet)");
  info.family = modelType;

  const llvm::json::Value *archValue = obj->get("architectures");
  const llvm::json::Array *archs = obj->getArray("architectures");
  if (archValue && archValue->kind() != llvm::json::Value::Null && !archs)
    return r.fail("field 'architectures' must be an array of strings");
  std::string prefix = modelType == "bert"         ? "Bert"
                       : modelType == "roberta"    ? "Roberta"
                       : modelType == "albert"     ? "Albert"
                       : modelType == "transfo-xl" ? "TransfoXL"
                       : modelType == "xlnet"      ? "XLNet"
                                                   : "FastBert";
  if (archs && !archs->empty()) {
    std::optional<StringRef> a = (*archs)[0].getAsString();
    if (!a)
      return r.fail("field 'architectures' must hold strings");
    info.architecture = a->str();
  } else {
    info.architecture = prefix + "Model";
  }
  if (modelType == "transfo-xl")
    return readTransfoXL(r, *obj, info);
  if (modelType == "xlnet")
    return readXLNet(r, *obj, info);
  if (modelType == "fastbert") {
    if (!archs || archs->empty())
      info.architecture = "FastBertForSequenceClassification";
    if (info.architecture != "FastBertForSequenceClassification")
      return r.fail("unsupported architecture '" + info.architecture +
                    "' (supported for fastbert: "
                    "FastBertForSequenceClassification)");
  } else if (modelType == "albert") {
    if (info.architecture != "AlbertModel" &&
        info.architecture != "AlbertForSequenceClassification" &&
        info.architecture != "AlbertForMaskedLM" &&
        info.architecture != "AlbertForPreTraining")
      return r.fail("unsupported architecture '" + info.architecture +
                    "' (supported for albert: AlbertModel, "
                    "AlbertForSequenceClassification, AlbertForMaskedLM, "
                    "AlbertForPreTraining)");
  } else if (info.architecture != prefix + "Model" &&
             info.architecture != prefix + "ForSequenceClassification") {
    return r.fail("unsupported architecture '" + info.architecture +
                  "' (supported for " + modelType + ": " + prefix +
                  "Model, " + prefix + "ForSequenceClassification)");
  }

  int64_t defaultPad = modelType == "roberta" ? 1 : 0;
  info.padTokenId = defaultPad;
  if (!r.integer("vocab_size", info.vocabSize, true, 1, kMaxRows) ||
      !r.integer("hidden_size", info.hiddenSize, true, 1, kMaxWidth) ||
      !r.integer("num_hidden_layers", info.numLayers, true, 0, 1024) ||
      !r.integer("num_attention_heads", info.numHeads, true, 1, kMaxWidth) ||
      !r.integer("intermediate_size", info.intermediateSize, true, 1,
                 kMaxWidth) ||
      !r.integer("max_position_embeddings", info.maxPositions, true, 1,
                 kMaxRows) ||
      !r.integer("type_vocab_size", info.typeVocabSize, false, 1, kMaxRows) ||
      !r.integer("pad_token_id", info.padTokenId, false, 0,
                 info.vocabSize - 1) ||
      !r.number("layer_norm_eps", info.layerNormEps, false))
    return false;
  if (!obj->get("type_vocab_size"))
    info.typeVocabSize = 2;
  if (modelType == "albert") {
    // ALBERT: factorized embeddings and shared layer groups (§3.1).
    info.embeddingSize = 128;
    info.numGroups = info.innerGroups = 1;
    if (!r.integer("embedding_size", info.embeddingSize, false, 1,
                   kMaxWidth) ||
        !r.integer("num_hidden_groups", info.numGroups, false, 1,
                   std::max<int64_t>(info.numLayers, 1)) ||
        !r.integer("inner_group_num", info.innerGroups, false, 1, 1024))
      return false;
  } else {
    info.embeddingSize = info.hiddenSize;
  }
  if (modelType == "fastbert") {
    // FastBERT (model-semantics.md §6): a BERT backbone, a classifier after
    // every layer, and the speed threshold.
    std::string layout = "hf";
    if (!r.integer("cla_hidden_size", info.classifierWidth, false, 1,
                   kMaxWidth) ||
        !r.integer("cla_heads_num", info.classifierHeads, false, 1,
                   kMaxWidth) ||
        !r.number("speed", info.defaultSpeed, false) ||
        !r.string("checkpoint_layout", layout, false))
      return false;
    if (info.classifierWidth % info.classifierHeads != 0)
      return r.fail("cla_hidden_size " + std::to_string(info.classifierWidth) +
                    " is not divisible by cla_heads_num " +
                    std::to_string(info.classifierHeads));
    if (!(info.defaultSpeed >= 0 && info.defaultSpeed <= 1))
      return r.fail("field 'speed' must lie in [0, 1]");
    if (layout != "hf" && layout != "uer")
      return r.fail("field 'checkpoint_layout' is '" + layout +
                    "', expected hf or uer");
    info.uerLayout = layout == "uer";
    if (info.uerLayout && !obj->get("layer_norm_eps"))
      info.layerNormEps = 1e-6; // UER's LayerNorm
    if (info.numLayers < 1)
      return r.fail("field 'num_hidden_layers' must be at least 1");
  }
  if (info.hiddenSize % info.numHeads != 0)
    return r.fail("hidden_size " + std::to_string(info.hiddenSize) +
                  " is not divisible by num_attention_heads " +
                  std::to_string(info.numHeads));
  // Released models use 1e-12 .. 1e-5; above 1 the normalization is gone.
  if (!(info.layerNormEps > 0 && info.layerNormEps <= 1))
    return r.fail("field 'layer_norm_eps' must lie in (0, 1]");
  info.activation = modelType == "albert" ? "gelu_new" : "gelu";
  if (!r.string("hidden_act", info.activation, false))
    return false;
  if (!activationKind(info.activation))
    return r.fail("unsupported hidden_act '" + info.activation +
                  "' (supported: gelu, gelu_new, gelu_fast, "
                  "gelu_pytorch_tanh, relu, tanh, silu, swish, quick_gelu)");
  std::string posType = "absolute";
  if (!r.string("position_embedding_type", posType, false))
    return false;
  if (posType != "absolute")
    return r.fail("unsupported position_embedding_type '" + posType +
                  "' (supported: absolute)");
  if (std::optional<bool> dec = obj->getBoolean("is_decoder"); dec && *dec)
    return r.fail("decoder models (is_decoder: true) are not supported");
  if (modelType == "roberta")
    info.positionPaddingIdx = info.padTokenId;

  // num_labels: explicit, or the size of id2label, or 2 (transformers).
  info.numLabels = 2;
  if (const llvm::json::Object *labels = obj->getObject("id2label"))
    info.numLabels = labels->size();
  if (!r.integer("num_labels", info.numLabels, false, 1, kMaxRows))
    return false;
  if (modelType == "fastbert" && info.numLabels < 2)
    return r.fail("field 'num_labels' must be at least 2 (uncertainty is "
                  "normalized by log(num_labels))");

  info.inputs = {{"input_ids", true, 0, info.vocabSize},
                 {"attention_mask", false, 1, 2},
                 {"token_type_ids", false, 0, info.typeVocabSize}};
  if (modelType == "fastbert") {
    InputInfo speed;
    speed.name = "speed";
    speed.isSpeed = true;
    speed.defaultSpeed = info.defaultSpeed;
    info.inputs.push_back(speed);
    info.outputs = {{"logits", {-1, info.numLabels}},
                    {"exit_layer", {-1}, "I64"},
                    {"uncertainty", {-1}}};
  } else if (info.architecture == "AlbertForMaskedLM") {
    info.outputs = {{"logits", {-1, -1, info.vocabSize}}};
  } else if (info.architecture == "AlbertForPreTraining") {
    info.outputs = {{"prediction_logits", {-1, -1, info.vocabSize}},
                    {"sop_logits", {-1, info.numLabels}}};
  } else if (StringRef(info.architecture).ends_with("Model"))
    info.outputs = {{"last_hidden_state", {-1, -1, info.hiddenSize}},
                    {"pooler_output", {-1, info.hiddenSize}}};
  else
    info.outputs = {{"logits", {-1, info.numLabels}}};
  return true;
}

