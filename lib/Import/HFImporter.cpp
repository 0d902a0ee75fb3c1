//===- HFImporter.cpp - Hugging Face BERT/RoBERTa checkpoints -> bert IR ---===//
//
// Reads config.json with llvm::json (errors name the file and field), checks
// every weight against the config before any IR is built, and emits the
// forward pass of reference/model-semantics.md §1-2 as bert ops.
//
//===----------------------------------------------------------------------===//

#include "Import/Importer.h"

#include "Bert/BertOps.h"
#include "Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <limits>
#include <memory>

using namespace mlir;
using namespace mlir::bertc;
namespace rt = ::bertc::rt;

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

/// Builds the IR; resolves and checks each weight as it is referenced.
class IRBuilderFromHF {
public:
  IRBuilderFromHF(MLIRContext &ctx, ModelInfo &info, std::string &error)
      : ctx(ctx), b(&ctx), info(info), error(error) {}

  bool openWeights();
  OwningOpRef<ModuleOp> build(const ImportOptions &options);

private:
  /// The weight `name` (under the model prefix) with the expected shape.
  Value param(const std::string &name, ArrayRef<int64_t> shape);
  bool has(const std::string &name) const;
  std::string resolve(const std::string &name) const;

  Value linear(Value x, const std::string &prefix, int64_t out, int64_t in);
  Value layerNorm(Value x, const std::string &prefix, int64_t width);
  Value encoderLayer(Value x, Value bias, int64_t layer);
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
  Location fileLoc = UnknownLoc::get(&ctx);
  std::vector<std::unique_ptr<rt::SafetensorsFile>> files;
  llvm::StringMap<const rt::TensorInfo *> tensors;
  llvm::StringMap<Value> params;
  std::string prefix; // "bert." / "roberta." or "" (bare model files)
  int64_t B = ShapedType::kDynamic, S = ShapedType::kDynamic;
  bool failed = false;
};

bool IRBuilderFromHF::openWeights() {
  std::vector<std::string> paths;
  std::string err;
  if (!rt::resolveWeightFiles(info.weightsPath, paths, err)) {
    error = "weights " + err;
    return false;
  }
  for (const auto &p : paths) {
    files.push_back(std::make_unique<rt::SafetensorsFile>());
    if (!files.back()->open(p, err)) {
      error = "weights " + err;
      return false;
    }
    for (const auto &t : files.back()->tensors())
      tensors[t.name] = &t;
  }
  // The model prefix: classification checkpoints nest the encoder under
  // "bert." / "roberta."; bare model files may or may not.
  std::string base = info.family + ".";
  bool isBare = StringRef(info.architecture).ends_with("Model");
  for (const std::string &cand :
       isBare ? SmallVector<std::string>{"", base}
              : SmallVector<std::string>{base, ""}) {
    prefix = cand;
    if (tensors.count(prefix + "embeddings.word_embeddings.weight"))
      break;
  }
  // A base model saved without its pooler (add_pooling_layer=False) has no
  // pooler_output.
  if (isBare && !has("pooler.dense.weight"))
    info.outputs.pop_back();
  return true;
}

bool IRBuilderFromHF::has(const std::string &name) const {
  return !resolve(name).empty();
}

/// The tensor name in the file: with or without the model prefix, and the
/// legacy gamma/beta names of LayerNorm parameters.
std::string IRBuilderFromHF::resolve(const std::string &name) const {
  SmallVector<std::string> candidates{prefix + name, name};
  for (const std::string &c : SmallVector<std::string>(candidates)) {
    StringRef s(c);
    if (s.ends_with(".weight"))
      candidates.push_back(s.drop_back(7).str() + ".gamma");
    if (s.ends_with(".bias"))
      candidates.push_back(s.drop_back(5).str() + ".beta");
  }
  for (const std::string &c : candidates)
    if (tensors.count(c))
      return c;
  return "";
}

Value IRBuilderFromHF::param(const std::string &name, ArrayRef<int64_t> shape) {
  auto type = f32(shape);
  if (failed)
    return nullptr;
  std::string actual = resolve(name);
  if (actual.empty()) {
    error = "weights '" + info.weightsPath + "' have no tensor '" + prefix +
            name + "' (needed by " + info.architecture + ")";
    failed = true;
    return nullptr;
  }
  if (Value v = params.lookup(actual))
    return v;
  const rt::TensorInfo *t = tensors.lookup(actual);
  if (t->shape != std::vector<int64_t>(shape.begin(), shape.end())) {
    std::string got, want;
    for (int64_t d : t->shape)
      got += (got.empty() ? "" : ", ") + std::to_string(d);
    for (int64_t d : shape)
      want += (want.empty() ? "" : ", ") + std::to_string(d);
    error = "weights '" + info.weightsPath + "': tensor '" + actual +
            "' has shape [" + got + "], the config implies [" + want + "]";
    failed = true;
    return nullptr;
  }
  if (t->dtype != BERTC_F32 && t->dtype != BERTC_F16 &&
      t->dtype != BERTC_BF16 && t->dtype != BERTC_F64) {
    error = "weights '" + info.weightsPath + "': tensor '" + actual +
            "' has dtype " + rt::dtypeName(t->dtype) +
            ", expected a float tensor";
    failed = true;
    return nullptr;
  }
  Value v = bert::ParamOp::create(b, locFor(actual), type, actual);
  params[actual] = v;
  ++info.numParams;
  info.numParamValues += t->numElements();
  return v;
}

Value IRBuilderFromHF::linear(Value x, const std::string &p, int64_t out, int64_t in) {
  Value w = param(p + ".weight", {out, in});
  Value bias = param(p + ".bias", {out});
  if (failed)
    return nullptr;
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(xType.getShape());
  shape.back() = out;
  return bert::LinearOp::create(b, locFor(p), f32(shape), x, w, bias);
}

Value IRBuilderFromHF::layerNorm(Value x, const std::string &p, int64_t width) {
  Value g = param(p + ".weight", {width});
  Value beta = param(p + ".bias", {width});
  if (failed)
    return nullptr;
  return bert::LayerNormOp::create(b, locFor(p), x.getType(), x, g, beta,
                                   b.getF64FloatAttr(info.layerNormEps));
}

static std::optional<bert::ActivationKind> activationKind(StringRef name) {
  return llvm::StringSwitch<std::optional<bert::ActivationKind>>(name)
      .Case("gelu", bert::ActivationKind::gelu)
      .Cases({"gelu_new", "gelu_fast", "gelu_pytorch_tanh"},
             bert::ActivationKind::gelu_tanh)
      .Case("relu", bert::ActivationKind::relu)
      .Case("tanh", bert::ActivationKind::tanh)
      .Cases({"silu", "swish"}, bert::ActivationKind::silu)
      .Case("quick_gelu", bert::ActivationKind::quick_gelu)
      .Default(std::nullopt);
}

/// One post-LN encoder layer (model-semantics.md §1.3 step 4).
Value IRBuilderFromHF::encoderLayer(Value x, Value bias, int64_t l) {
  int64_t H = info.hiddenSize, I = info.intermediateSize;
  std::string p = "encoder.layer." + std::to_string(l) + ".";
  Value q = linear(x, p + "attention.self.query", H, H);
  Value k = linear(x, p + "attention.self.key", H, H);
  Value v = linear(x, p + "attention.self.value", H, H);
  if (failed)
    return nullptr;
  int64_t dh = H / info.numHeads;
  Value ctx = bert::AttentionOp::create(
      b, locFor(p + "attention.self"), x.getType(), q, k, v, bias,
      b.getI64IntegerAttr(info.numHeads),
      b.getF64FloatAttr(1.0 / std::sqrt((double)dh)));
  Value attnOut = linear(ctx, p + "attention.output.dense", H, H);
  if (failed)
    return nullptr;
  Value res1 = bert::AddOp::create(b, locFor(p + "attention.output"), attnOut, x);
  Value a = layerNorm(res1, p + "attention.output.LayerNorm", H);
  Value inter = linear(a, p + "intermediate.dense", I, H);
  if (failed)
    return nullptr;
  Value act = bert::ActivationOp::create(
      b, locFor(p + "intermediate"), *activationKind(info.activation), inter);
  Value out = linear(act, p + "output.dense", H, I);
  if (failed)
    return nullptr;
  Value res2 = bert::AddOp::create(b, locFor(p + "output"), out, a);
  return layerNorm(res2, p + "output.LayerNorm", H);
}

OwningOpRef<ModuleOp> IRBuilderFromHF::build(const ImportOptions &options) {
  fileLoc = FileLineColLoc::get(&ctx, info.configPath, 1, 1);
  if (options.batch > 0)
    B = options.batch;
  if (options.seqLen > 0)
    S = options.seqLen;
  int64_t H = info.hiddenSize;

  auto ids = RankedTensorType::get({B, S}, b.getI64Type());
  SmallVector<Type> inputTypes(info.inputs.size(), ids);
  SmallVector<Type> resultTypes;
  for (const OutputInfo &o : info.outputs) {
    SmallVector<int64_t> shape;
    for (size_t d = 0; d < o.shape.size(); ++d)
      shape.push_back(o.shape[d] >= 0 ? o.shape[d] : (d == 0 ? B : S));
    resultTypes.push_back(f32(shape));
  }
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(
      b, fileLoc, "bertc_forward", b.getFunctionType(inputTypes, resultTypes));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  func->setAttr("bert.architecture", b.getStringAttr(info.architecture));
  for (size_t i = 0; i < info.inputs.size(); ++i)
    func.setArgAttr(i, "bert.name", b.getStringAttr(info.inputs[i].name));
  for (size_t i = 0; i < info.outputs.size(); ++i)
    func.setResultAttr(i, "bert.name", b.getStringAttr(info.outputs[i].name));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value inputIds = entry->getArgument(0);
  Value mask = entry->getArgument(1);
  Value tokenTypes = entry->getArgument(2);

  // Embeddings: word + token type, then position (HF's order), LayerNorm.
  Value word = param("embeddings.word_embeddings.weight", {info.vocabSize, H});
  Value type = param("embeddings.token_type_embeddings.weight",
                     {info.typeVocabSize, H});
  Value pos = param("embeddings.position_embeddings.weight",
                    {info.maxPositions, H});
  if (failed)
    return nullptr;
  auto hidden = f32({B, S, H});
  Location embLoc = locFor("embeddings");
  Value e = bert::EmbeddingOp::create(b, embLoc, hidden, word, inputIds);
  Value t = bert::EmbeddingOp::create(b, embLoc, hidden, type, tokenTypes);
  Value positions = bert::PositionIdsOp::create(
      b, embLoc, ids, inputIds,
      info.positionPaddingIdx >= 0
          ? b.getI64IntegerAttr(info.positionPaddingIdx)
          : IntegerAttr());
  Value pe = bert::EmbeddingOp::create(b, embLoc, hidden, pos, positions);
  Value sum = bert::AddOp::create(b, embLoc, bert::AddOp::create(b, embLoc, e, t), pe);
  Value x = layerNorm(sum, "embeddings.LayerNorm", H);
  if (failed)
    return nullptr;

  // Additive padding bias with torch.finfo(float32).min, as transformers.
  Value bias = bert::MaskBiasOp::create(
      b, locFor("attention_mask"), f32({B, S}), mask,
      b.getF64FloatAttr(-3.4028234663852886e38));
  for (int64_t l = 0; l < info.numLayers && !failed; ++l)
    x = encoderLayer(x, bias, l);
  if (failed)
    return nullptr;

  SmallVector<Value> results;
  auto pooled = [&]() -> Value {
    Value cls = bert::SelectTokenOp::create(b, locFor("pooler"), f32({B, H}),
                                            x, b.getI64IntegerAttr(0));
    Value d = linear(cls, "pooler.dense", H, H);
    if (failed)
      return nullptr;
    return bert::ActivationOp::create(b, locFor("pooler"),
                                      bert::ActivationKind::tanh, d);
  };
  for (const OutputInfo &o : info.outputs) {
    Value r;
    if (o.name == "last_hidden_state") {
      r = x;
    } else if (o.name == "pooler_output") {
      r = pooled();
    } else if (o.name == "logits" && info.family == "bert") {
      Value p = pooled();
      // The classifier sits at the top level, outside the model prefix.
      std::string saved = prefix;
      prefix = "";
      r = p ? linear(p, "classifier", info.numLabels, H) : nullptr;
      prefix = saved;
    } else if (o.name == "logits") { // RobertaClassificationHead
      std::string saved = prefix;
      Value cls = bert::SelectTokenOp::create(
          b, locFor("classifier"), f32({B, H}), x, b.getI64IntegerAttr(0));
      prefix = "";
      Value d = linear(cls, "classifier.dense", H, H);
      Value th = d ? bert::ActivationOp::create(b, locFor("classifier"),
                                                bert::ActivationKind::tanh, d)
                   : nullptr;
      r = th ? linear(th, "classifier.out_proj", info.numLabels, H) : nullptr;
      prefix = saved;
    }
    if (failed || !r)
      return nullptr;
    results.push_back(r);
  }
  func::ReturnOp::create(b, fileLoc, results);
  return module;
}

/// Reads config.json (or a description file) into `info`.
bool readConfig(const std::string &model, ModelInfo &info, std::string &error) {
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
  if (modelType != "bert" && modelType != "roberta") {
    bool planned = modelType == "albert" || modelType == "xlnet" ||
                   modelType == "transfo-xl" || modelType == "fastbert";
    return r.fail("unsupported model_type '" + modelType + "'" +
                  (planned ? " (not implemented yet; supported: bert, roberta)"
                           : " (supported: bert, roberta)"));
  }
  info.family = modelType;

  const llvm::json::Array *archs = obj->getArray("architectures");
  std::string prefix = modelType == "bert" ? "Bert" : "Roberta";
  if (archs && !archs->empty()) {
    std::optional<StringRef> a = (*archs)[0].getAsString();
    if (!a)
      return r.fail("field 'architectures' must hold strings");
    info.architecture = a->str();
  } else {
    info.architecture = prefix + "Model";
  }
  if (info.architecture != prefix + "Model" &&
      info.architecture != prefix + "ForSequenceClassification")
    return r.fail("unsupported architecture '" + info.architecture +
                  "' (supported for " + modelType + ": " + prefix +
                  "Model, " + prefix + "ForSequenceClassification)");

  int64_t defaultPad = modelType == "roberta" ? 1 : 0;
  info.padTokenId = defaultPad;
  if (!r.integer("vocab_size", info.vocabSize, true, 1) ||
      !r.integer("hidden_size", info.hiddenSize, true, 1) ||
      !r.integer("num_hidden_layers", info.numLayers, true, 0, 1024) ||
      !r.integer("num_attention_heads", info.numHeads, true, 1) ||
      !r.integer("intermediate_size", info.intermediateSize, true, 1) ||
      !r.integer("max_position_embeddings", info.maxPositions, true, 1) ||
      !r.integer("type_vocab_size", info.typeVocabSize, false, 1) ||
      !r.integer("pad_token_id", info.padTokenId, false, 0) ||
      !r.number("layer_norm_eps", info.layerNormEps, false))
    return false;
  if (!obj->get("type_vocab_size"))
    info.typeVocabSize = 2;
  if (info.hiddenSize % info.numHeads != 0)
    return r.fail("hidden_size " + std::to_string(info.hiddenSize) +
                  " is not divisible by num_attention_heads " +
                  std::to_string(info.numHeads));
  if (!(info.layerNormEps > 0))
    return r.fail("field 'layer_norm_eps' must be positive");
  info.activation = "gelu";
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
  if (!r.integer("num_labels", info.numLabels, false, 1))
    return false;

  info.inputs = {{"input_ids", true, 0, info.vocabSize},
                 {"attention_mask", false, 1, 2},
                 {"token_type_ids", false, 0, info.typeVocabSize}};
  if (StringRef(info.architecture).ends_with("Model"))
    info.outputs = {{"last_hidden_state", {-1, -1, info.hiddenSize}},
                    {"pooler_output", {-1, info.hiddenSize}}};
  else
    info.outputs = {{"logits", {-1, info.numLabels}}};
  return true;
}

} // namespace

OwningOpRef<ModuleOp> mlir::bertc::importModel(MLIRContext &ctx,
                                               const std::string &model,
                                               const ImportOptions &options,
                                               ModelInfo &info,
                                               std::string &error) {
  ctx.loadDialect<bert::BertDialect, func::FuncDialect>();
  info.source = model;
  info.batch = options.batch;
  info.seqLen = options.seqLen;
  if (!readConfig(model, info, error))
    return nullptr;
  IRBuilderFromHF builder(ctx, info, error);
  if (!builder.openWeights())
    return nullptr;
  OwningOpRef<ModuleOp> module = builder.build(options);
  return module;
}
