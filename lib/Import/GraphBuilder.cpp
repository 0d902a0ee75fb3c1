//===- GraphBuilder.cpp - weights, shared blocks, heads --------------------===//

#include "Import/GraphBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::import;

std::optional<bert::ActivationKind>
mlir::bertc::import::activationKind(StringRef name) {
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

bool GraphBuilder::openWeights() {
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
  // Task-head checkpoints nest the encoder under "<family>."; base-model
  // files may or may not.
  // FastBERT's backbone is a BERT ("bert." in HF layout); UER checkpoints
  // have no prefix, the PyPI package's "kernel.".
  std::string base = (info.family == "fastbert" ? "bert" : info.family) + ".";
  std::string probe = "embeddings.word_embeddings.weight";
  bool isBare = StringRef(info.architecture).ends_with("Model");
  SmallVector<std::string> candidates =
      isBare ? SmallVector<std::string>{"", base}
             : SmallVector<std::string>{base, ""};
  if (info.uerLayout) {
    probe = "embedding.word_embedding.weight";
    candidates = {"", "kernel."};
  }
  if (info.family == "transfo-xl") { // the LM head nests "transformer."
    probe = "word_emb.emb_layers.0.weight";
    candidates = {"", "transformer."};
  }
  if (info.family == "xlnet") {
    probe = "word_embedding.weight";
    candidates = {"", "transformer."};
  }
  for (const std::string &cand : candidates) {
    prefix = cand;
    if (tensors.count(prefix + probe))
      break;
  }
  // A base model saved without its pooler (add_pooling_layer=False) has no
  // pooler_output.
  if (isBare && info.family != "transfo-xl" && info.family != "xlnet" &&
      !has(info.family == "albert" ? "pooler.weight" : "pooler.dense.weight"))
    info.outputs.pop_back();
  return true;
}

bool GraphBuilder::has(const std::string &name) const {
  return !resolve(name).empty();
}

/// The tensor name in the file: with or without the model prefix, and the
/// legacy gamma/beta names of LayerNorm parameters.
std::string GraphBuilder::resolve(const std::string &name) const {
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

Value GraphBuilder::param(const std::string &name, ArrayRef<int64_t> shape) {
  if (failed)
    return nullptr;
  std::string actual = resolve(name);
  if (actual.empty()) {
    error = "weights '" + info.weightsPath + "' have no tensor '" + prefix +
            name + "' (needed by " + info.architecture + ")";
    failed = true;
    return nullptr;
  }
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
  // A new op per reference: a value defined in a shared-layer body must
  // not be reused outside it. Binding dedupes by name.
  if (counted.insert(actual).second) {
    ++info.numParams;
    info.numParamValues += t->numElements();
  }
  return bert::ParamOp::create(b, locFor(actual), f32(shape), actual);
}

Value GraphBuilder::packMemories(ArrayRef<Value> memories, Value batch) {
  // [L, M', B, D] from L memories [M', B, D] of one length.
  Location loc = fileLoc;
  int64_t L = memories.size(), D = info.hiddenSize;
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1),
               dAttr = b.getIndexAttr(D);
  Value rows = tensor::DimOp::create(b, loc, memories[0], 0);
  SmallVector<Value> sizes{rows};
  if (ShapedType::isDynamic(B))
    sizes.push_back(batch);
  Value packed = tensor::EmptyOp::create(
      b, loc, f32({L, ShapedType::kDynamic, B, D}), sizes);
  for (int64_t l = 0; l < L; ++l)
    packed = tensor::InsertSliceOp::create(
        b, loc, memories[l], packed,
        ArrayRef<OpFoldResult>{b.getIndexAttr(l), zero, zero, zero},
        ArrayRef<OpFoldResult>{one, rows, batch, dAttr},
        ArrayRef<OpFoldResult>{one, one, one, one});
  return packed;
}

Value GraphBuilder::linear(Value x, const std::string &p, int64_t out,
                           int64_t in) {
  Value w = param(p + ".weight", {out, in});
  Value bias = param(p + ".bias", {out});
  if (failed)
    return nullptr;
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(xType.getShape());
  shape.back() = out;
  return bert::LinearOp::create(b, locFor(p), f32(shape), x, w, bias);
}

Value GraphBuilder::layerNorm(Value x, const std::string &p, int64_t width) {
  Value g = param(p + ".weight", {width});
  Value beta = param(p + ".bias", {width});
  if (failed)
    return nullptr;
  auto ln = bert::LayerNormOp::create(b, locFor(p), x.getType(), x, g, beta,
                                      b.getF64FloatAttr(info.layerNormEps));
  if (info.uerLayout) // UER's LayerNorm: unbiased std, eps added to it
    ln.setUnbiasedStd(true);
  return ln;
}

Value GraphBuilder::embeddings(Value ids, Value tokenTypes, int64_t width) {
  Value word = param("embeddings.word_embeddings.weight",
                     {info.vocabSize, width});
  Value type = param("embeddings.token_type_embeddings.weight",
                     {info.typeVocabSize, width});
  Value pos = param("embeddings.position_embeddings.weight",
                    {info.maxPositions, width});
  if (failed)
    return nullptr;
  auto out = f32({B, S, width});
  Location loc = locFor("embeddings");
  auto idsType = cast<RankedTensorType>(ids.getType());
  Value e = bert::EmbeddingOp::create(b, loc, out, word, ids);
  Value t = bert::EmbeddingOp::create(b, loc, out, type, tokenTypes);
  IntegerAttr pad = info.positionPaddingIdx >= 0
                        ? b.getI64IntegerAttr(info.positionPaddingIdx)
                        : IntegerAttr();
  Value positions =
      offsets ? Value(bert::PackedPositionIdsOp::create(b, loc, idsType, ids,
                                                        offsets, pad))
              : Value(bert::PositionIdsOp::create(b, loc, idsType, ids, pad));
  Value pe = bert::EmbeddingOp::create(b, loc, out, pos, positions);
  // Hugging Face adds word + token type first, then position.
  Value sum =
      bert::AddOp::create(b, loc, bert::AddOp::create(b, loc, e, t), pe);
  return layerNorm(sum, "embeddings.LayerNorm", width);
}

Value GraphBuilder::maskBias(Value mask) {
  if (offsets)
    return nullptr;
  // Additive padding bias with torch.finfo(float32).min, as transformers.
  return bert::MaskBiasOp::create(b, locFor("attention_mask"), f32({B, S}),
                                  mask,
                                  b.getF64FloatAttr(-3.4028234663852886e38));
}

Value GraphBuilder::withoutPrefix(function_ref<Value()> fn) {
  std::string saved = prefix;
  prefix = "";
  Value v = fn();
  prefix = saved;
  return v;
}

/// One post-LN layer (model-semantics.md §1.3 step 4, §3.3 step 4).
Value GraphBuilder::transformerLayer(Value x, Value bias,
                                     const LayerNames &n) {
  int64_t H = info.hiddenSize, I = info.intermediateSize;
  Value q = linear(x, n.query, H, H);
  Value k = linear(x, n.key, H, H);
  Value v = linear(x, n.value, H, H);
  if (failed)
    return nullptr;
  int64_t dh = H / info.numHeads;
  IntegerAttr heads = b.getI64IntegerAttr(info.numHeads);
  FloatAttr scale = b.getF64FloatAttr(1.0 / std::sqrt((double)dh));
  Value ctxv =
      offsets ? Value(bert::PackedAttentionOp::create(
                    b, locFor(n.query), x.getType(), q, k, v, offsets, heads,
                    scale))
              : Value(bert::AttentionOp::create(b, locFor(n.query),
                                                x.getType(), q, k, v, bias,
                                                heads, scale));
  Value attnOut = linear(ctxv, n.attnOut, H, H);
  if (failed)
    return nullptr;
  Value res1 = bert::AddOp::create(b, locFor(n.attnOut), attnOut, x);
  Value a = layerNorm(res1, n.attnNorm, H);
  Value inter = linear(a, n.inter, I, H);
  if (failed)
    return nullptr;
  Value act = bert::ActivationOp::create(
      b, locFor(n.inter), *activationKind(info.activation), inter);
  Value out = linear(act, n.out, H, I);
  if (failed)
    return nullptr;
  Value res2 = bert::AddOp::create(b, locFor(n.out), out, a);
  return layerNorm(res2, n.outNorm, H);
}

OwningOpRef<ModuleOp> GraphBuilder::build(const ImportOptions &options) {
  fileLoc = FileLineColLoc::get(&ctx, info.configPath, 1, 1);
  if (options.batch > 0)
    B = options.batch;
  if (options.seqLen > 0)
    S = options.seqLen;
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());
  if (!buildFunction("bertc_forward", /*packed=*/false))
    return nullptr;
  if (options.packedEntry && info.packable()) {
    // The same graph over a packed batch: token tensors [1, T, ...].
    B = 1;
    S = ShapedType::kDynamic;
    b.setInsertionPointToEnd(module->getBody());
    if (!buildFunction("bertc_forward_packed", /*packed=*/true))
      return nullptr;
    info.packedEntry = true;
  }
  return module;
}

bool GraphBuilder::buildFunction(StringRef name, bool packed) {
  int64_t H = info.hiddenSize;
  // Rows of the row outputs (pooler, classifier logits): B, or in a packed
  // batch the number of sequences.
  int64_t rows = packed ? ShapedType::kDynamic : B;

  auto ids = RankedTensorType::get({B, S}, b.getI64Type());
  SmallVector<Type> inputTypes;
  // Memories: [layers, M, B, width], M dynamic.
  auto memType = f32({info.numLayers, ShapedType::kDynamic, B, H});
  for (const InputInfo &in : info.inputs)
    inputTypes.push_back(
        in.isMemory               ? memType
        : in.isSpeed              ? f32({1})
        : !in.floatLayout.empty() ? Type(f32({B, ShapedType::kDynamic, S}))
                                  : Type(ids));
  if (packed) // offsets [B + 1] of the sequences
    inputTypes.push_back(
        RankedTensorType::get({ShapedType::kDynamic}, b.getI64Type()));
  SmallVector<Type> resultTypes;
  for (const OutputInfo &o : info.outputs) {
    if (o.isMemory) {
      resultTypes.push_back(memType);
      continue;
    }
    SmallVector<int64_t> shape;
    for (size_t d = 0; d < o.shape.size(); ++d)
      shape.push_back(o.shape[d] >= 0 ? o.shape[d]
                      : d == 0        ? (o.hasTokenAxis() ? B : rows)
                                      : S);
    resultTypes.push_back(RankedTensorType::get(
        shape, o.dtype == "I64" ? Type(b.getI64Type()) : b.getF32Type()));
  }
  auto func = func::FuncOp::create(b, fileLoc, name,
                                   b.getFunctionType(inputTypes, resultTypes));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  func->setAttr("bert.architecture", b.getStringAttr(info.architecture));
  for (size_t i = 0; i < info.inputs.size(); ++i)
    func.setArgAttr(i, "bert.name", b.getStringAttr(info.inputs[i].name));
  if (packed)
    func.setArgAttr(info.inputs.size(), "bert.name",
                    b.getStringAttr("seq_offsets"));
  for (size_t i = 0; i < info.outputs.size(); ++i)
    func.setResultAttr(i, "bert.name", b.getStringAttr(info.outputs[i].name));
  Block *entry = func.addEntryBlock();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);
  offsets = packed ? entry->getArguments().back() : Value();

  // Families whose builders return every output.
  SmallVector<Value> args(entry->getArguments().begin(),
                          entry->getArguments().end());
  std::optional<SmallVector<Value>> outs;
  if (info.family == "xlnet")
    outs = buildXLNet(*this, args);
  else if (info.family == "transfo-xl")
    outs = buildTransfoXL(*this, args[0],
                          info.memLen > 0 ? args[1] : Value());
  else if (info.family == "fastbert")
    outs = buildFastBert(*this, args[0], args[1], args[2], args[3]);
  if (outs) {
    if (failed || outs->empty())
      return false;
    func::ReturnOp::create(b, fileLoc, *outs);
    return true;
  }
  Value x = info.family == "albert"
                ? buildAlbertEncoder(*this, entry->getArgument(0),
                                     entry->getArgument(1),
                                     entry->getArgument(2))
                : buildBertEncoder(*this, entry->getArgument(0),
                                   entry->getArgument(1),
                                   entry->getArgument(2));
  if (failed || !x)
    return false;

  // Heads. The pooler is tanh(dense(first token)); ALBERT names it
  // "pooler", BERT/RoBERTa "pooler.dense". Classifiers sit at the top
  // level, outside the model prefix.
  std::string poolerName = info.family == "albert" ? "pooler" : "pooler.dense";
  auto first = [&](const char *what) -> Value {
    if (offsets)
      return bert::PackedSelectTokenOp::create(
          b, locFor(what), f32({rows, H}), x, b.getI64IntegerAttr(0), offsets);
    return bert::SelectTokenOp::create(b, locFor(what), f32({B, H}), x,
                                       b.getI64IntegerAttr(0));
  };
  auto tanhOf = [&](Value v, const char *what) -> Value {
    if (!v) // a missing weight was reported
      return nullptr;
    return bert::ActivationOp::create(b, locFor(what),
                                      bert::ActivationKind::tanh, v);
  };
  // ALBERT's MLM head: dense H -> E, activation, LayerNorm, then the
  // decoder, tied to the word embeddings unless the file has its own.
  auto mlmHead = [&]() -> Value {
    int64_t E = info.embeddingSize, V = info.vocabSize;
    Value decoder = has("predictions.decoder.weight")
                        ? withoutPrefix([&] {
                            return param("predictions.decoder.weight", {V, E});
                          })
                        : param("embeddings.word_embeddings.weight", {V, E});
    return withoutPrefix([&]() -> Value {
      Value d = linear(x, "predictions.dense", E, H);
      if (!d || !decoder)
        return nullptr;
      Value a = bert::ActivationOp::create(
          b, locFor("predictions"), *activationKind(info.activation), d);
      Value n = layerNorm(a, "predictions.LayerNorm", E);
      Value bias = param("predictions.bias", {V});
      if (failed)
        return nullptr;
      return bert::LinearOp::create(b, locFor("predictions.decoder"),
                                    f32({B, S, V}), n, decoder, bias);
    });
  };
  SmallVector<Value> results;
  for (const OutputInfo &o : info.outputs) {
    Value r;
    if (o.name == "last_hidden_state") {
      r = x;
    } else if (o.name == "prediction_logits" ||
               (o.name == "logits" && info.architecture == "AlbertForMaskedLM")) {
      r = mlmHead();
    } else if (o.name == "sop_logits") {
      Value pooled = tanhOf(linear(first("pooler"), poolerName, H, H),
                            "pooler");
      r = pooled ? withoutPrefix([&] {
        return linear(pooled, "sop_classifier.classifier", info.numLabels, H);
      })
                 : nullptr;
    } else if (o.name == "pooler_output") {
      r = tanhOf(linear(first("pooler"), poolerName, H, H), "pooler");
    } else if (info.family == "roberta") { // RobertaClassificationHead
      Value cls = first("classifier");
      r = withoutPrefix([&] {
        Value d = tanhOf(linear(cls, "classifier.dense", H, H), "classifier");
        return d ? linear(d, "classifier.out_proj", info.numLabels, H)
                 : nullptr;
      });
    } else {
      Value pooled = tanhOf(linear(first("pooler"), poolerName, H, H),
                            "pooler");
      r = pooled ? withoutPrefix([&] {
        return linear(pooled, "classifier", info.numLabels, H);
      })
                 : nullptr;
    }
    if (failed || !r)
      return false;
    results.push_back(r);
  }
  func::ReturnOp::create(b, fileLoc, results);
  return true;
}
