//===- ModelInfo.cpp - model description and summary -----------------------===//

#include "Import/Importer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::bertc;

std::string ModelInfo::describe(func::FuncOp lowered) const {
  llvm::json::Array params;
  if (auto layout = lowered->getAttrOfType<ArrayAttr>("bert.weights_layout")) {
    for (Attribute a : layout) {
      auto entry = cast<DictionaryAttr>(a);
      llvm::json::Array shape;
      for (int64_t d : cast<DenseI64ArrayAttr>(entry.get("shape")).asArrayRef())
        shape.push_back(d);
      llvm::json::Object param{
          {"name", cast<StringAttr>(entry.get("name")).getValue()},
          {"offset", cast<IntegerAttr>(entry.get("offset")).getInt()},
          {"shape", std::move(shape)}};
      if (auto panel = entry.getAs<IntegerAttr>("panel"))
        param["panel"] = panel.getInt();
      // Absent: f32. Narrower linear weights (--dtype) are rounded at load.
      if (auto type = entry.getAs<TypeAttr>("type")) {
        if (type.getValue().isF16())
          param["dtype"] = "F16";
        else if (type.getValue().isBF16())
          param["dtype"] = "BF16";
      }
      params.push_back(std::move(param));
    }
  }
  int64_t bytes = 0;
  if (auto attr = lowered->getAttrOfType<IntegerAttr>("bert.weights_bytes"))
    bytes = attr.getInt();

  llvm::json::Array inputsJson, outputsJson;
  for (const InputInfo &in : inputs) {
    if (in.isMemory)
      inputsJson.push_back(llvm::json::Object{{"name", in.name},
                                              {"kind", "memory"},
                                              {"layers", numLayers},
                                              {"default_rows", in.memoryDefaultRows},
                                              {"width", hiddenSize}});
    else if (!in.floatLayout.empty())
      inputsJson.push_back(llvm::json::Object{{"name", in.name},
                                              {"kind", "float"},
                                              {"layout", in.floatLayout}});
    else if (in.isSpeed)
      inputsJson.push_back(llvm::json::Object{{"name", in.name},
                                              {"kind", "speed"},
                                              {"default_speed", in.defaultSpeed}});
    else
      inputsJson.push_back(llvm::json::Object{{"name", in.name},
                                              {"kind", "tokens"},
                                              {"required", in.required},
                                              {"default", in.defaultValue},
                                              {"upper", in.upper}});
  }
  for (const OutputInfo &out : outputs)
    outputsJson.push_back(llvm::json::Object{
        {"name", out.name},
        {"rank", (int64_t)out.shape.size()},
        {"dtype", out.dtype},
        {"kind", out.isMemory ? "memory" : "tensor"},
        {"token_axis", out.hasTokenAxis()}});
  llvm::json::Object root{
      {"bertc_abi", 1},
      {"family", family},
      {"architecture", architecture},
      {"weights", weightsPath},
      {"weights_bytes", bytes},
      {"max_positions", maxPositions},
      {"position_padding_idx", positionPaddingIdx},
      {"batch", batch},
      {"seq_len", seqLen},
      {"even_batch", biData}, // XLNet bi_data: half forward, half backward
      {"rows_independent", rowsIndependent()},
      {"remove_padding", removePadding},
      {"packed_entry", packedEntry},
      {"inputs", std::move(inputsJson)},
      {"outputs", std::move(outputsJson)},
      {"params", std::move(params)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(root));
  return text;
}

std::string ModelInfo::summary() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  auto dims = [&](const std::vector<int64_t> &shape) {
    std::string s = "[";
    for (size_t d = 0; d < shape.size(); ++d) {
      if (d)
        s += ", ";
      if (shape[d] >= 0)
        s += std::to_string(shape[d]);
      else if (d == 0)
        s += batch > 0 ? std::to_string(batch) : "batch";
      else
        s += seqLen > 0 ? std::to_string(seqLen) : "seq";
    }
    return s + "]";
  };
  os << "model:         " << source << "\n";
  os << "config:        " << configPath << "\n";
  os << "weights:       " << weightsPath << "\n";
  os << "family:        " << family << " (" << architecture << ")\n";
  if (family == "xlnet") {
    os << "layers:        " << numLayers << " two-stream layers, d_model "
       << hiddenSize << ", " << numHeads << " heads of width " << headDim
       << ", d_inner " << intermediateSize << ", " << activation
       << ", relative positions ("
       << (causal ? std::string(sameLength ? "uni, same_length" : "uni")
                  : std::string("bi"))
       << (clampLen > 0 ? ", clamped at " + std::to_string(clampLen) : "")
       << "), layer norm eps " << llvm::format("%g", layerNormEps) << "\n";
    os << "memory:        "
       << (memLen > 0 ? "the last " + std::to_string(memLen) + " steps"
                      : std::string("every step (mem_len unset)"))
       << (reuseLen > 0 ? " of the first " + std::to_string(reuseLen) +
                              " tokens of each call"
                        : std::string())
       << "; none on a first call, as transformers\n";
    os << "vocabulary:    " << vocabSize << " tokens\n";
  } else if (family == "transfo-xl") {
    os << "decoder:       " << numLayers << " layers, d_model " << hiddenSize
       << ", " << numHeads << " heads of width " << headDim << ", d_inner "
       << intermediateSize << ", relu, " << (preNorm ? "pre-norm, " : "")
       << "relative positions"
       << (clampLen > 0 ? " clamped at " + std::to_string(clampLen) : "")
       << "\n";
    if (memLen > 0)
      os << "memory:        mem_len " << memLen << " per layer"
         << (sameLength ? ", same_length" : "") << "\n";
    else
      os << "memory:        none (mem_len 0)\n";
    os << "vocabulary:    " << vocabSize << " tokens";
    if (cutoffs.empty()) {
      os << ", one embedding table";
    } else {
      os << ", adaptive clusters at";
      for (int64_t c : cutoffs)
        os << " " << c;
      os << " (div_val " << divVal << ")";
    }
    os << ", d_embed " << embedWidth << "\n";
  } else {
  os << "encoder:       " << numLayers << " layers, hidden " << hiddenSize
     << ", " << numHeads << " heads of width " << hiddenSize / numHeads
     << ", intermediate " << intermediateSize << ", " << activation << "\n";
  if (family == "fastbert")
    os << "early exit:    a classifier after each layer (width "
       << classifierWidth << ", " << classifierHeads
       << " heads); a sample stops when its normalized entropy < speed"
       << (uerLayout ? "; UER checkpoint layout" : "") << "\n";
  if (family == "albert")
    os << "sharing:       " << numGroups << " layer group(s) of " << innerGroups
       << " layer(s), applied " << numLayers
       << " times as loops (shared weights)\n";
  os << "embeddings:    vocab " << vocabSize << ", positions " << maxPositions
     << ", token types " << typeVocabSize
     << (embeddingSize != hiddenSize
             ? ", width " + std::to_string(embeddingSize) + " projected to " +
                   std::to_string(hiddenSize)
             : std::string())
     << ", layer norm eps "
     << llvm::format("%g", layerNormEps) << "\n";
  }
  if (positionPaddingIdx >= 0)
    os << "positions:     padding-aware, counted after pad id "
       << positionPaddingIdx << " (RoBERTa)\n";
  os << "parameters:    " << numParams << " tensors, " << numParamValues
     << " values (" << llvm::format("%.1f", numParamValues * 4.0 / (1 << 20))
     << " MiB as f32)\n";
  os << "inputs:\n";
  for (const InputInfo &in : inputs) {
    if (in.isMemory) {
      os << "  mems.0 ... mems." << numLayers - 1 << " [mem, "
         << (batch > 0 ? std::to_string(batch) : "batch") << ", " << hiddenSize
         << "] float32, optional (default: "
         << (in.memoryDefaultRows > 0
                 ? "zeros of length " + std::to_string(in.memoryDefaultRows)
                 : std::string("no memory"))
         << ", as transformers)\n";
      continue;
    }
    if (in.floatLayout == "BSS") {
      os << "  " << in.name << " " << dims({-1, -1}).substr(0, dims({-1, -1}).size() - 1)
         << ", seq] float32, default zeros (1: i may not see j)\n";
      continue;
    }
    if (in.floatLayout == "BPS") {
      os << "  " << in.name << " [" << (batch > 0 ? std::to_string(batch) : "batch")
         << ", targets, seq] float32, optional (given: the query stream runs "
            "and its outputs are returned per target)\n";
      continue;
    }
    if (in.isSpeed) {
      os << "  " << in.name << " float32 scalar, default "
         << llvm::format("%g", in.defaultSpeed)
         << ", in [0, 1] (early-exit threshold)\n";
      continue;
    }
    os << "  " << in.name << " " << dims({-1, -1}) << " int64";
    if (in.required)
      os << ", required";
    else if (in.defaultValue < 0)
      os << ", optional (absent: no segment term)";
    else
      os << ", default " << in.defaultValue;
    os << ", values in [0, " << in.upper << ")\n";
  }
  os << "outputs:\n";
  for (const OutputInfo &out : outputs)
    if (out.isMemory)
      os << "  mems.0 ... mems." << numLayers - 1 << " [mem, "
         << (batch > 0 ? std::to_string(batch) : "batch") << ", " << hiddenSize
         << "] float32 (the next call's memory"
         << (memLen > 0 ? ", at most " + std::to_string(memLen) + " steps"
                        : std::string())
         << ")\n";
    else
    os << "  " << out.name << " " << dims(out.shape) << " "
       << (out.dtype == "I64" ? "int64" : "float32") << "\n";
  os << "compiles to:   bert dialect -> linalg -> LLVM -> native code (CPU), "
     << (batch > 0 || seqLen > 0 ? "specialized shapes"
                                 : "dynamic batch and sequence length")
     << "\n";
  return text;
}
