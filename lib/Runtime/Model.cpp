//===- Model.cpp - load, validate, run: the C API ---------------------------===//
//
// The compiled model object provides two symbols:
//   bertc_model_metadata         the model description (JSON, NUL-terminated)
//   _mlir_ciface_bertc_forward   the forward function, MLIR C interface:
//       (results*, weights memref<?xi8>*, input memref<?x?xi64>*, ...)
//   _mlir_ciface_bertc_forward_packed  (only when the description says
//       packed_entry) the same over a packed batch, with the sequences'
//       offsets memref<?xi64> as its last argument
// This file binds the weights into one aligned buffer laid out as the
// description says, validates inputs, calls the function and copies the
// returned buffers out. Buffers.h says where the buffers live (host memory,
// or GPU memory in CUDA programs, where weights are uploaded once at load
// and inputs and results cross the bus once per call).
//
//===----------------------------------------------------------------------===//

#include "Buffers.h"
#include "Half.h"
#include "Json.h"
#include "Safetensors.h"
#include "bertc_runtime.h"
#include "ModelImpl.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" const char bertc_model_metadata[];
extern "C" void _mlir_ciface_bertc_forward();
extern "C" __attribute__((weak)) void _mlir_ciface_bertc_forward_packed();

using namespace bertc::rt;

namespace {
thread_local std::string lastError;

} // namespace

int bertc::rt::setError(const std::string &msg) {
  lastError = msg;
  return 1;
}

const InputSpec *bertc::rt::memoryInput(const bertc_model *m) {
  for (const InputSpec &s : m->inputs)
    if (s.isMemory)
      return &s;
  return nullptr;
}

namespace {
std::string shapeStr(const int64_t *shape, int rank) {
  std::string s = "[";
  for (int i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Calls a forward function `f` with the results pointer and `args`
/// descriptor pointers (the model description caps their number).
void callForward(void *f, void *results, std::vector<void *> &args) {
  using P = void *;
  P *a = args.data();
  switch (args.size()) {
  case 1: ((void (*)(P, P))f)(results, a[0]); break;
  case 2: ((void (*)(P, P, P))f)(results, a[0], a[1]); break;
  case 3: ((void (*)(P, P, P, P))f)(results, a[0], a[1], a[2]); break;
  case 4: ((void (*)(P, P, P, P, P))f)(results, a[0], a[1], a[2], a[3]); break;
  case 5:
    ((void (*)(P, P, P, P, P, P))f)(results, a[0], a[1], a[2], a[3], a[4]);
    break;
  case 6:
    ((void (*)(P, P, P, P, P, P, P))f)(results, a[0], a[1], a[2], a[3], a[4],
                                        a[5]);
    break;
  case 7:
    ((void (*)(P, P, P, P, P, P, P, P))f)(results, a[0], a[1], a[2], a[3],
                                           a[4], a[5], a[6]);
    break;
  case 8:
    ((void (*)(P, P, P, P, P, P, P, P, P))f)(results, a[0], a[1], a[2], a[3],
                                              a[4], a[5], a[6], a[7]);
    break;
  default:
    std::abort();
  }
}

/// An MLIR memref descriptor as the C interface passes it: allocated and
/// aligned pointers, offset, sizes, strides (row-major, dense).
std::vector<int64_t> descriptor(void *data, const std::vector<int64_t> &sizes) {
  std::vector<int64_t> d{(int64_t)(intptr_t)data, (int64_t)(intptr_t)data, 0};
  d.insert(d.end(), sizes.begin(), sizes.end());
  std::vector<int64_t> strides(sizes.size(), 1);
  for (int i = (int)sizes.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * sizes[i + 1];
  d.insert(d.end(), strides.begin(), strides.end());
  return d;
}
} // namespace

static int64_t metaInt(const JsonValue &meta, const char *key, int64_t dflt) {
  const JsonValue *v = meta.get(key);
  return v && v->kind == JsonValue::Number && v->isInteger ? v->integer : dflt;
}

using WeightIndex = std::unordered_map<std::string, const TensorInfo *>;

/// Finds `name` in the weight files, also under the legacy LayerNorm names
/// (gamma/beta for weight/bias) that some checkpoints use.
static const TensorInfo *findWeight(const WeightIndex &index,
                                    const std::string &name) {
  auto lookup = [&](const std::string &n) -> const TensorInfo * {
    auto it = index.find(n);
    return it == index.end() ? nullptr : it->second;
  };
  if (const TensorInfo *t = lookup(name))
    return t;
  auto swapSuffix = [&](const char *from, const char *to) -> std::string {
    size_t n = std::strlen(from);
    if (name.size() > n && name.compare(name.size() - n, n, from) == 0)
      return name.substr(0, name.size() - n) + to;
    return "";
  };
  for (auto [from, to] : {std::pair{".weight", ".gamma"}, {".bias", ".beta"},
                          {".gamma", ".weight"}, {".beta", ".bias"}}) {
    std::string alt = swapSuffix(from, to);
    if (!alt.empty())
      if (const TensorInfo *t = lookup(alt))
        return t;
  }
  return nullptr;
}

/// [rows, cols] -> [rows / panel, cols, panel]: the compiled code reads a
/// linear layer's weight one contiguous panel of `panel` rows at a time.
static void packPanels(float *data, int64_t rows, int64_t cols, int64_t panel) {
  std::vector<float> copy(data, data + rows * cols);
  for (int64_t p0 = 0; p0 < rows; p0 += panel)
    for (int64_t c = 0; c < cols; ++c)
      for (int64_t r = 0; r < panel; ++r)
        data[p0 * cols + c * panel + r] = copy[(p0 + r) * cols + c];
}

static bool bindWeights(bertc_model &m, const std::string &location) {
  std::vector<std::string> paths;
  std::string error;
  if (!resolveWeightFiles(location, paths, error))
    return setError("weights " + error), false;
  std::vector<std::unique_ptr<SafetensorsFile>> files;
  WeightIndex index; // name -> tensor over all shards, first one wins
  for (const auto &p : paths) {
    files.push_back(std::make_unique<SafetensorsFile>());
    if (!files.back()->open(p, error))
      return setError("weights " + error), false;
    for (const TensorInfo &t : files.back()->tensors())
      index.emplace(t.name, &t);
  }
  m.weightsBytes = (size_t)metaInt(m.meta, "weights_bytes", 0);
  m.weights = (uint8_t *)std::aligned_alloc(
      64, ((m.weightsBytes + 63) / 64) * 64 + 64);
  if (!m.weights)
    return setError("out of memory for the weights"), false;
  const JsonValue *params = m.meta.get("params");
  for (const JsonValue &p : params->array) {
    const std::string &name = p.get("name")->string;
    int64_t offset = p.get("offset")->integer;
    std::vector<int64_t> shape;
    for (const JsonValue &d : p.get("shape")->array)
      shape.push_back(d.integer);
    const TensorInfo *t = findWeight(index, name);
    if (!t)
      return setError("weights '" + location + "' have no tensor '" + name +
                      "'"),
             false;
    if (t->shape != shape)
      return setError("weights '" + location + "': tensor '" + name +
                      "' has shape " +
                      shapeStr(t->shape.data(), (int)t->shape.size()) +
                      ", the model expects " +
                      shapeStr(shape.data(), (int)shape.size())),
             false;
    // The stored width: f32, or f16/bf16 for a GPU program's linear
    // weights (--dtype).
    bertc_dtype stored = BERTC_F32;
    if (const JsonValue *d = p.get("dtype"))
      if (!parseDtype(d->string, stored) ||
          (stored != BERTC_F16 && stored != BERTC_BF16))
        return setError("corrupt model description: parameter '" + name +
                        "' has stored dtype '" + d->string + "'"),
               false;
    if (t->dtype != BERTC_F32 && t->dtype != BERTC_F16 &&
        t->dtype != BERTC_BF16 && t->dtype != BERTC_F64)
      return setError("weights '" + location + "': tensor '" + name +
                      "' has dtype " + dtypeName(t->dtype) +
                      ", the model expects a float tensor (F32, F16, BF16)"),
             false;
    int64_t n = t->numElements();
    size_t width = stored == BERTC_F32 ? 4 : 2;
    if (offset < 0 || (size_t)offset + n * width > m.weightsBytes)
      return setError("corrupt model description: parameter '" + name +
                      "' lies outside the weights buffer"),
             false;
    auto element = [&](int64_t i) -> float {
      uint16_t h;
      double d;
      float f;
      switch (t->dtype) {
      case BERTC_F16:
      case BERTC_BF16:
        std::memcpy(&h, t->data + 2 * i, 2);
        return t->dtype == BERTC_F16 ? halfToFloat(h) : bf16ToFloat(h);
      case BERTC_F64:
        std::memcpy(&d, t->data + 8 * i, 8);
        return (float)d;
      default:
        std::memcpy(&f, t->data + 4 * i, 4);
        return f;
      }
    };
    if (stored != BERTC_F32) {
      uint16_t *dst = (uint16_t *)(m.weights + offset);
      if (t->dtype == stored)
        std::memcpy(dst, t->data, n * 2);
      else
        for (int64_t i = 0; i < n; ++i)
          dst[i] = stored == BERTC_F16 ? floatToHalf(element(i))
                                       : floatToBf16(element(i));
      continue; // narrow weights are never packed into panels
    }
    float *dst = (float *)(m.weights + offset);
    if (t->dtype == BERTC_F32)
      std::memcpy(dst, t->data, n * 4);
    else
      for (int64_t i = 0; i < n; ++i)
        dst[i] = element(i);
    if (const JsonValue *panel = p.get("panel")) {
      // The compiled code reads this weight as panels; anything else would
      // give wrong results silently.
      if (panel->integer <= 0 || shape.size() != 2 ||
          shape[0] % panel->integer != 0)
        return setError("corrupt model description: parameter '" + name +
                        "' cannot be packed into panels of " +
                        std::to_string(panel->integer)),
               false;
      packPanels(dst, shape[0], shape[1], panel->integer);
    }
  }
  return true;
}

bertc_model::~bertc_model() {
  if (weightsBuffer && weightsBuffer != weights)
    bufferFree(weightsBuffer);
  std::free(weights);
}

extern "C" bertc_model *bertc_model_load(const char *weightsPath) {
  tuneAllocator();
  if (!buffersInit())
    return nullptr;
  auto m = std::make_unique<bertc_model>();
  std::string error;
  if (!parseJson(bertc_model_metadata, std::strlen(bertc_model_metadata),
                 m->meta, error)) {
    setError("corrupt model description: " + error);
    return nullptr;
  }
  const JsonValue *family = m->meta.get("family");
  m->family = family ? family->string : "";
  for (const JsonValue &in : m->meta.get("inputs")->array) {
    InputSpec spec;
    spec.name = in.get("name")->string;
    const JsonValue *kind = in.get("kind");
    spec.isSpeed = kind && kind->string == "speed";
    spec.isMemory = kind && kind->string == "memory";
    spec.layers = metaInt(in, "layers", 0);
    spec.defaultRows = metaInt(in, "default_rows", 0);
    if (kind && kind->string == "float")
      spec.floatLayout = in.get("layout")->string;
    spec.width = metaInt(in, "width", 0);
    if (const JsonValue *d = in.get("default_speed"))
      spec.defaultSpeed = d->number;
    spec.required = in.get("required") && in.get("required")->boolean;
    spec.defaultValue = metaInt(in, "default", 0);
    spec.upper = metaInt(in, "upper", -1);
    m->inputs.push_back(spec);
  }
  for (const JsonValue &out : m->meta.get("outputs")->array) {
    bertc_dtype dtype = BERTC_F32;
    if (const JsonValue *d = out.get("dtype"))
      parseDtype(d->string, dtype);
    const JsonValue *kind = out.get("kind");
    const JsonValue *tokens = out.get("token_axis");
    m->outputs.push_back({out.get("name")->string,
                          (int)out.get("rank")->integer, dtype,
                          kind && kind->string == "memory",
                          tokens && tokens->kind == JsonValue::Bool &&
                              tokens->boolean});
  }
  m->maxPositions = metaInt(m->meta, "max_positions", 0);
  m->positionPaddingIdx = metaInt(m->meta, "position_padding_idx", -1);
  m->staticBatch = metaInt(m->meta, "batch", -1);
  m->staticSeqLen = metaInt(m->meta, "seq_len", -1);
  auto flag = [&](const char *key) {
    const JsonValue *v = m->meta.get(key);
    return v && v->kind == JsonValue::Bool && v->boolean;
  };
  m->evenBatch = flag("even_batch");
  m->rowsIndependent = flag("rows_independent");
  std::string why;
  m->removePadding = flag("remove_padding") && paddingRemovable(*m, why);
  m->packedEntry = flag("packed_entry") &&
                   &_mlir_ciface_bertc_forward_packed != nullptr;
  std::string location = weightsPath && *weightsPath
                             ? std::string(weightsPath)
                             : m->meta.get("weights")->string;
  if (!bindWeights(*m, location))
    return nullptr;
  m->weightsBuffer = m->weights;
  if (!buffersAreHost()) {
    m->weightsBuffer = bufferAlloc(std::max<size_t>(m->weightsBytes, 1));
    if (!m->weightsBuffer ||
        !bufferUpload(m->weightsBuffer, m->weights, m->weightsBytes))
      return nullptr;
    std::free(m->weights);
    m->weights = nullptr;
  }
  return m.release();
}

extern "C" void bertc_model_free(bertc_model *model) { delete model; }

extern "C" const char *bertc_model_info(const bertc_model *model) {
  return bertc_model_metadata;
}

extern "C" int bertc_model_remove_padding(bertc_model *model, int remove) {
  if (!model)
    return setError("bertc_model_remove_padding: null model");
  std::string why;
  if (remove && !paddingRemovable(*model, why))
    return setError(why);
  model->removePadding = remove != 0;
  return 0;
}

extern "C" const char *bertc_last_error(void) { return lastError.c_str(); }

extern "C" int bertc_model_has_input(const bertc_model *model,
                                     const char *name) {
  if (!model || !name)
    return 0;
  for (const InputSpec &s : model->inputs)
    if (s.name == name)
      return 1;
  return 0;
}

void bertc::rt::freeTensors(std::vector<bertc_tensor> &tensors) {
  for (bertc_tensor &t : tensors) {
    std::free(const_cast<char *>(t.name));
    std::free(t.data);
  }
  tensors.clear();
}

extern "C" void bertc_tensors_free(bertc_tensor *tensors, int n) {
  if (!tensors)
    return;
  for (int i = 0; i < n; ++i) {
    std::free(const_cast<char *>(tensors[i].name)); // strdup'ed by run
    std::free(tensors[i].data);
  }
  std::free(tensors);
}

/// Reads element `i` of an integer (or 0/1 float) tensor as int64.
bool bertc::rt::readInt(const bertc_tensor &t, int64_t i, int64_t &v) {
  const uint8_t *p = (const uint8_t *)t.data;
  switch (t.dtype) {
  case BERTC_I64: std::memcpy(&v, p + 8 * i, 8); return true;
  case BERTC_I32: { int32_t x; std::memcpy(&x, p + 4 * i, 4); v = x; return true; }
  case BERTC_I16: { int16_t x; std::memcpy(&x, p + 2 * i, 2); v = x; return true; }
  case BERTC_I8: v = (int8_t)p[i]; return true;
  case BERTC_U8: case BERTC_BOOL: v = p[i]; return true;
  case BERTC_F32: {
    float x; std::memcpy(&x, p + 4 * i, 4);
    if (x != std::floor(x) || std::fabs(x) > 1e15) return false;
    v = (int64_t)x; return true;
  }
  default: return false;
  }
}

/// Validates the inputs and converts them to int64 [B, S] buffers in the
/// order of the forward function.
/// The layer of a memory input's name "mems.<i>", or -1.
static int64_t memoryLayer(const InputSpec &spec, const char *name) {
  std::string prefix = spec.name + ".";
  if (!name || std::strncmp(name, prefix.c_str(), prefix.size()) != 0)
    return -1;
  const char *digits = name + prefix.size();
  if (!*digits || std::strlen(digits) > 6 || (digits[0] == '0' && digits[1]))
    return -1;
  int64_t layer = 0;
  for (const char *c = digits; *c; ++c) {
    if (*c < '0' || *c > '9')
      return -1;
    layer = layer * 10 + (*c - '0');
  }
  return layer < spec.layers ? layer : -1;
}

/// Packs mems.0 ... mems.{L-1} (all of them, or none: zeros of length
/// default_rows: Transformer-XL's mem_len, XLNet's 0, as transformers' first
/// call) into [L, M, B, width].
static int prepareMemory(const InputSpec &spec, const bertc_tensor *inputs,
                         int n, int64_t batch, MemoryState &out) {
  std::vector<const bertc_tensor *> layers(spec.layers, nullptr);
  int given = 0;
  for (int i = 0; i < n; ++i) {
    int64_t l = memoryLayer(spec, inputs[i].name);
    if (l >= 0) {
      layers[l] = &inputs[i];
      ++given;
    }
  }
  out.batch = batch;
  if (given == 0) {
    out.rows = spec.defaultRows;
    out.data.assign((size_t)(spec.layers * spec.defaultRows * batch * spec.width),
                    0.0f);
    return 0;
  }
  std::string first = spec.name + ".0";
  for (int64_t l = 0; l < spec.layers; ++l) {
    std::string name = spec.name + "." + std::to_string(l);
    const bertc_tensor *t = layers[l];
    if (!t)
      return setError("input '" + name + "' is missing: give all of " +
                      spec.name + ".0 ... " + spec.name + "." +
                      std::to_string(spec.layers - 1) + " or none");
    if (t->dtype != BERTC_F32)
      return setError("input '" + name + "' has dtype " + dtypeName(t->dtype) +
                      ", expected F32");
    if (t->rank != 3 || t->shape[1] != batch || t->shape[2] != spec.width)
      return setError("input '" + name + "' has shape " +
                      shapeStr(t->shape, t->rank) + ", expected [memory, " +
                      std::to_string(batch) + ", " +
                      std::to_string(spec.width) + "]");
    if (l == 0)
      out.rows = t->shape[0];
    else if (t->shape[0] != out.rows)
      return setError("input '" + name + "' holds " +
                      std::to_string(t->shape[0]) + " memory steps, '" + first +
                      "' " + std::to_string(out.rows) +
                      " (all layers share one length)");
  }
  size_t perLayer = (size_t)(out.rows * batch * spec.width);
  out.data.resize(perLayer * spec.layers);
  for (int64_t l = 0; l < spec.layers; ++l)
    if (perLayer)
      std::memcpy(out.data.data() + l * perLayer, layers[l]->data,
                  perLayer * sizeof(float));
  return 0;
}

/// An f32 input: [B, S, S] ("BSS", default zeros) or [B, P, S] ("BPS",
/// default P = 0). Values must be finite.
static int prepareFloat(const InputSpec &spec, const bertc_tensor *t,
                        int64_t batch, int64_t seq, std::vector<float> &buf,
                        std::vector<int64_t> &shape) {
  bool pairs = spec.floatLayout == "BSS";
  shape = {batch, pairs ? seq : 0, seq};
  if (!t) {
    buf.assign((size_t)(batch * shape[1] * seq), 0.0f);
    return 0;
  }
  if (t->rank != 3 || t->shape[0] != batch || t->shape[2] != seq ||
      (pairs ? t->shape[1] != seq : t->shape[1] < 1))
    return setError("input '" + spec.name + "' has shape " +
                    shapeStr(t->shape, t->rank) + ", expected [" +
                    std::to_string(batch) + ", " +
                    (pairs ? std::to_string(seq) : std::string("targets")) +
                    ", " + std::to_string(seq) + "]");
  if (t->dtype != BERTC_F32)
    return setError("input '" + spec.name + "' has dtype " +
                    dtypeName(t->dtype) + ", expected F32");
  shape[1] = t->shape[1];
  size_t count = (size_t)(batch * shape[1] * seq);
  buf.resize(count);
  std::memcpy(buf.data(), t->data, count * sizeof(float));
  for (size_t i = 0; i < count; ++i)
    if (!std::isfinite(buf[i]))
      return setError("input '" + spec.name + "' holds a non-finite value");
  return 0;
}

static int prepareInputs(bertc_model *m, const bertc_tensor *inputs, int n,
                         std::vector<std::vector<int64_t>> &buffers,
                         std::vector<std::vector<float>> &floats,
                         std::vector<std::vector<int64_t>> &floatShapes,
                         float &speed, int64_t &batch, int64_t &seq,
                         bool packed = false) {
  for (int i = 0; i < n; ++i) {
    bool known = false;
    for (const InputSpec &s : m->inputs)
      known |= inputs[i].name && (s.isMemory ? memoryLayer(s, inputs[i].name) >= 0
                                             : s.name == inputs[i].name);
    if (!known) {
      std::string names;
      for (const InputSpec &s : m->inputs)
        names += (names.empty() ? "" : ", ") +
                 (s.isMemory ? s.name + ".0 ... " + s.name + "." +
                                   std::to_string(s.layers - 1)
                             : s.name);
      return setError(std::string("unknown input tensor '") +
                      (inputs[i].name ? inputs[i].name : "") +
                      "' (this model takes " + names + ")");
    }
    for (int j = 0; j < i; ++j)
      if (std::strcmp(inputs[i].name, inputs[j].name) == 0)
        return setError(std::string("input tensor '") + inputs[i].name +
                        "' given twice");
  }
  auto find = [&](const std::string &name) -> const bertc_tensor * {
    for (int i = 0; i < n; ++i)
      if (name == inputs[i].name)
        return &inputs[i];
    return nullptr;
  };
  const bertc_tensor *ids = find(m->inputs[0].name);
  if (!ids)
    return setError("missing input tensor '" + m->inputs[0].name + "'");
  if (ids->rank != 2)
    return setError("input '" + m->inputs[0].name + "' must have rank 2 " +
                    "[batch, sequence], got shape " +
                    shapeStr(ids->shape, ids->rank));
  batch = ids->shape[0];
  seq = ids->shape[1];
  if (batch < 1 || seq < 1)
    return setError("input '" + m->inputs[0].name +
                    "' must not be empty, got shape " +
                    shapeStr(ids->shape, 2));
  if (m->staticBatch > 0 && batch != m->staticBatch)
    return setError("this model was compiled for batch " +
                    std::to_string(m->staticBatch) + ", input '" +
                    m->inputs[0].name + "' has batch " + std::to_string(batch));
  if (m->evenBatch && batch % 2)
    return setError("this model (bi_data) pairs each forward row with a "
                    "backward one and needs an even batch, input '" +
                    m->inputs[0].name + "' has batch " + std::to_string(batch));
  if (m->staticSeqLen > 0 && seq != m->staticSeqLen)
    return setError("this model was compiled for sequence length " +
                    std::to_string(m->staticSeqLen) + ", input '" +
                    m->inputs[0].name + "' has length " + std::to_string(seq));

  buffers.clear();
  floats.assign(m->inputs.size(), {});
  floatShapes.assign(m->inputs.size(), {});
  for (size_t s = 0; s < m->inputs.size(); ++s) {
    const InputSpec &spec = m->inputs[s];
    if (spec.isMemory) { // prepareMemory's business
      buffers.emplace_back();
      continue;
    }
    if (!spec.floatLayout.empty()) {
      buffers.emplace_back();
      if (prepareFloat(spec, find(spec.name), batch, seq, floats[s],
                       floatShapes[s]))
        return 1;
      continue;
    }
    if (spec.isSpeed) {
      double v = spec.defaultSpeed;
      if (const bertc_tensor *t = find(spec.name)) {
        int64_t count = 1;
        for (int d = 0; d < t->rank; ++d)
          count *= t->shape[d];
        if (count != 1 || (t->dtype != BERTC_F32 && t->dtype != BERTC_F64))
          return setError("input '" + spec.name +
                          "' must be one F32 or F64 value");
        if (t->dtype == BERTC_F32) {
          float f;
          std::memcpy(&f, t->data, 4);
          v = f;
        } else {
          std::memcpy(&v, t->data, 8);
        }
      }
      if (!(v >= 0.0 && v <= 1.0))
        return setError("input '" + spec.name + "' is " + std::to_string(v) +
                        ", expected a value in [0, 1]");
      speed = (float)v;
      buffers.emplace_back();
      continue;
    }
    std::vector<int64_t> buf((size_t)(batch * seq), spec.defaultValue);
    if (const bertc_tensor *t = find(spec.name)) {
      if (t->rank != 2 || t->shape[0] != batch || t->shape[1] != seq)
        return setError("input '" + spec.name + "' has shape " +
                        shapeStr(t->shape, t->rank) + ", expected " +
                        shapeStr(ids->shape, 2) + " like '" +
                        m->inputs[0].name + "'");
      if (t->dtype == BERTC_F16 || t->dtype == BERTC_BF16 ||
          t->dtype == BERTC_F64 ||
          (t->dtype == BERTC_F32 && spec.name == m->inputs[0].name))
        return setError("input '" + spec.name + "' has dtype " +
                        dtypeName(t->dtype) + ", expected an integer tensor");
      for (int64_t i = 0; i < batch * seq; ++i) {
        int64_t v;
        if (!readInt(*t, i, v))
          return setError("input '" + spec.name +
                          "' holds a non-integer value");
        if (spec.upper > 0 && (v < 0 || v >= spec.upper))
          return setError("input '" + spec.name + "' value " +
                          std::to_string(v) + " at [" +
                          std::to_string(i / seq) + ", " +
                          std::to_string(i % seq) + "] is outside [0, " +
                          std::to_string(spec.upper) + ")");
        buf[i] = v;
      }
    }
    buffers.push_back(std::move(buf));
  }

  // The position table bounds the sequence; with padding-aware positions
  // (RoBERTa) only non-pad tokens consume positions, starting after pad.
  // A packed batch's sequences were checked in their padded form.
  if (m->maxPositions > 0 && !packed) {
    const std::vector<int64_t> &idv = buffers[0];
    int64_t worst = seq - 1;
    if (m->positionPaddingIdx >= 0) {
      worst = 0;
      for (int64_t b = 0; b < batch; ++b) {
        int64_t count = 0;
        for (int64_t t = 0; t < seq; ++t)
          count += idv[b * seq + t] != m->positionPaddingIdx;
        worst = std::max(worst, count + m->positionPaddingIdx);
      }
    }
    if (worst >= m->maxPositions)
      return setError("input '" + m->inputs[0].name + "': sequence length " +
                      std::to_string(seq) +
                      " needs position " + std::to_string(worst) +
                      ", beyond the model's position table (" +
                      std::to_string(m->maxPositions) + " entries)");
  }
  return 0;
}

int bertc::rt::checkInputs(bertc_model *m, const bertc_tensor *inputs,
                           int numInputs) {
  std::vector<std::vector<int64_t>> buffers, floatShapes;
  std::vector<std::vector<float>> floats;
  int64_t batch = 0, seq = 0;
  float speed = 0;
  return prepareInputs(m, inputs, numInputs, buffers, floats, floatShapes,
                       speed, batch, seq);
}

int bertc::rt::runModel(bertc_model *m, const bertc_tensor *inputs,
                       int numInputs, const MemoryState *memory,
                       std::vector<bertc_tensor> &outputs,
                       const std::vector<int64_t> *seqOffsets,
                       MemoryState *keep) {
  // packedEntry is only set when the packed symbol is linked in.
  if (seqOffsets && !m->packedEntry)
    return setError("this model has no packed entry (compile it with "
                    "bertc compile --remove-padding)");
  void *forward = seqOffsets ? (void *)&_mlir_ciface_bertc_forward_packed
                             : (void *)&_mlir_ciface_bertc_forward;
  std::vector<std::vector<int64_t>> buffers, floatShapes;
  std::vector<std::vector<float>> floats;
  int64_t batch = 0, seq = 0;
  float speed = 0;
  if (prepareInputs(m, inputs, numInputs, buffers, floats, floatShapes, speed,
                    batch, seq, seqOffsets != nullptr))
    return 1;
  MemoryState given;
  if (const InputSpec *spec = memoryInput(m)) {
    if (memory) {
      for (int i = 0; i < numInputs; ++i)
        if (memoryLayer(*spec, inputs[i].name) >= 0)
          return setError(std::string("input '") + inputs[i].name +
                          "' conflicts with the session's memory");
      if (memory->batch != batch)
        return setError("the session's memory has batch " +
                        std::to_string(memory->batch) + ", input '" +
                        m->inputs[0].name + "' has batch " +
                        std::to_string(batch) +
                        " (reset the session to change it)");
    } else {
      if (prepareMemory(*spec, inputs, numInputs, batch, given))
        return 1;
      memory = &given;
    }
  }

  // Inputs in the buffers compiled code reads: the arrays themselves on
  // host, uploaded copies (freed after the call) on a device.
  struct Staged {
    std::vector<void *> owned;
    ~Staged() {
      for (void *p : owned)
        bufferFree(p);
    }
  } staged;
  bool stagingFailed = false;
  auto stage = [&](const void *data, size_t bytes) -> void * {
    if (buffersAreHost())
      return const_cast<void *>(data);
    void *buffer = bufferAlloc(std::max<size_t>(bytes, 1));
    if (!buffer) {
      stagingFailed = true;
      return nullptr;
    }
    staged.owned.push_back(buffer);
    stagingFailed |= !bufferUpload(buffer, data, bytes);
    return buffer;
  };
  auto elements = [](const std::vector<int64_t> &shape) {
    size_t n = 1;
    for (int64_t d : shape)
      n *= (size_t)d;
    return n;
  };
  std::vector<std::vector<int64_t>> descs;
  descs.push_back(descriptor(m->weightsBuffer, {(int64_t)m->weightsBytes}));
  for (size_t i = 0; i < m->inputs.size(); ++i) {
    const InputSpec &spec = m->inputs[i];
    std::vector<int64_t> shape;
    const void *data;
    size_t elementBytes = sizeof(float);
    if (spec.isSpeed) {
      shape = {1};
      data = &speed;
    } else if (spec.isMemory) {
      shape = {spec.layers, memory->rows, batch, spec.width};
      if (memory->buffer) { // already where compiled code reads
        descs.push_back(
            descriptor(const_cast<float *>(memory->buffer), shape));
        continue;
      }
      data = memory->data.data();
    } else if (!spec.floatLayout.empty()) {
      shape = floatShapes[i];
      data = floats[i].data();
    } else {
      shape = {batch, seq};
      data = buffers[i].data();
      elementBytes = sizeof(int64_t);
    }
    descs.push_back(
        descriptor(stage(data, elements(shape) * elementBytes), shape));
  }
  if (seqOffsets)
    descs.push_back(descriptor(
        stage(seqOffsets->data(), seqOffsets->size() * sizeof(int64_t)),
        {(int64_t)seqOffsets->size()}));
  if (stagingFailed)
    return 1;
  std::vector<void *> args;
  for (auto &d : descs)
    args.push_back(d.data());

  // Results: one descriptor per output, 8-byte words:
  // allocated, aligned, offset, sizes[rank], strides[rank].
  size_t words = 0;
  for (const OutputSpec &o : m->outputs)
    words += 3 + 2 * o.rank;
  std::vector<int64_t> results(words, 0);
  callForward(forward, results.data(), args);
  bool ran = buffersCheckRun();

  // Returned buffers are owned by the caller unless they alias the weights
  // or the inputs (never for these models, but never free what we do not
  // own).
  auto inside = [](const void *p, const void *begin, size_t bytes) {
    return (const uint8_t *)p >= (const uint8_t *)begin &&
           (const uint8_t *)p < (const uint8_t *)begin + bytes;
  };
  const InputSpec *memorySpec = memoryInput(m);
  auto foreign = [&](const void *allocated) {
    return inside(allocated, m->weightsBuffer, m->weightsBytes) ||
           (memory && inside(allocated, memory->data.data(),
                             memory->data.size() * sizeof(float))) ||
           (memory && memory->buffer &&
            inside(allocated, memory->buffer,
                   memory->bytes(memorySpec->layers, memorySpec->width))) ||
           std::find(staged.owned.begin(), staged.owned.end(), allocated) !=
               staged.owned.end();
  };

  outputs.assign(m->outputs.size(), bertc_tensor{});
  std::vector<void *> toFree;
  void *kept = nullptr; // the memory output's buffer, taken into `keep`
  std::vector<uint8_t> hostCopy;
  bool downloaded = ran;
  size_t w = 0;
  for (size_t i = 0; i < m->outputs.size(); ++i) {
    const OutputSpec &o = m->outputs[i];
    void *allocated = (void *)results[w];
    const uint8_t *aligned = (const uint8_t *)results[w + 1];
    size_t esize = dtypeSize(o.dtype);
    int64_t offset = results[w + 2];
    const int64_t *sizes = &results[w + 3];
    const int64_t *strides = &results[w + 3 + o.rank];
    w += 3 + 2 * o.rank;
    bertc_tensor &t = outputs[i];
    t.name = strdup(o.name.c_str());
    t.dtype = o.dtype;
    t.rank = o.rank;
    int64_t count = 1;
    for (int d = 0; d < o.rank; ++d) {
      t.shape[d] = sizes[d];
      count *= sizes[d];
    }
    bool dense = true;
    int64_t expect = 1;
    for (int d = o.rank - 1; d >= 0; expect *= sizes[d], --d)
      dense &= sizes[d] == 1 || strides[d] == expect;
    // The memory a session keeps stays in its buffer, uncopied.
    if (keep && o.isMemory && dense && allocated && !foreign(allocated)) {
      keep->allocated = kept = allocated;
      keep->buffer = (const float *)(aligned + offset * esize);
      keep->rows = sizes[1];
      keep->batch = sizes[2];
      continue;
    }
    // On a device, the span the result covers is downloaded first.
    if (!buffersAreHost() && downloaded && count > 0) {
      int64_t last = offset;
      for (int d = 0; d < o.rank; ++d)
        last += (sizes[d] - 1) * strides[d];
      hostCopy.resize((size_t)(last + 1) * esize);
      downloaded = bufferDownload(hostCopy.data(), aligned, hostCopy.size());
      aligned = hostCopy.data();
    }
    uint8_t *dst = (uint8_t *)std::malloc(std::max<int64_t>(count, 1) * esize);
    // Returned buffers are usually dense; otherwise gather honoring strides.
    std::vector<int64_t> idx(o.rank, 0);
    if (!downloaded)
      count = 0; // nothing valid to copy; the outputs are dropped below
    if (dense && count > 0)
      std::memcpy(dst, aligned + offset * esize, count * esize);
    for (int64_t e = 0; !dense && e < count; ++e) {
      int64_t src = offset;
      for (int d = 0; d < o.rank; ++d)
        src += idx[d] * strides[d];
      std::memcpy(dst + e * esize, aligned + src * esize, esize);
      for (int d = o.rank - 1; d >= 0; --d) {
        if (++idx[d] < sizes[d])
          break;
        idx[d] = 0;
      }
    }
    t.data = dst;
    // A memory output that could not stay in its buffer (a view of the
    // inputs, or strided): the state keeps a host copy.
    if (keep && o.isMemory) {
      keep->data.assign((const float *)dst, (const float *)dst + count);
      keep->rows = sizes[1];
      keep->batch = sizes[2];
      std::free(dst);
      t.data = nullptr;
    }
    bool seen = false;
    for (void *p : toFree)
      seen |= p == allocated;
    if (allocated && !foreign(allocated) && !seen)
      toFree.push_back(allocated);
  }
  for (void *p : toFree)
    if (p != kept)
      bufferFree(p);
  if (!downloaded) {
    freeTensors(outputs);
    if (kept)
      bufferFree(kept);
    if (keep)
      *keep = {};
    return 1;
  }
  return 0;
}

void bertc::rt::appendLayers(const std::string &name, const float *packed,
                             int64_t layers, const int64_t (&shape)[3],
                             std::vector<bertc_tensor> &out) {
  size_t perLayer = (size_t)(shape[0] * shape[1] * shape[2]);
  for (int64_t l = 0; l < layers; ++l) {
    bertc_tensor t{};
    t.name = strdup((name + "." + std::to_string(l)).c_str());
    t.dtype = BERTC_F32;
    t.rank = 3;
    std::copy(shape, shape + 3, t.shape);
    t.data = std::malloc(std::max<size_t>(perLayer, 1) * sizeof(float));
    if (perLayer)
      std::memcpy(t.data, packed + l * perLayer, perLayer * sizeof(float));
    out.push_back(t);
  }
}

bertc_tensor *bertc::rt::toArray(const std::vector<bertc_tensor> &tensors,
                                 int *n) {
  auto *a = (bertc_tensor *)std::calloc(std::max<size_t>(tensors.size(), 1),
                                        sizeof(bertc_tensor));
  std::copy(tensors.begin(), tensors.end(), a);
  *n = (int)tensors.size();
  return a;
}

extern "C" int bertc_model_run(bertc_model *m, const bertc_tensor *inputs,
                               int numInputs, bertc_tensor **outputs,
                               int *numOutputs) {
  if (!m || !outputs || !numOutputs || numInputs < 0 ||
      (numInputs > 0 && !inputs))
    return setError("bertc_model_run: null argument");
  std::vector<bertc_tensor> raw, out;
  bool unpadded = false;
  if (m->removePadding &&
      runWithoutPadding(m, inputs, numInputs, raw, unpadded))
    return 1;
  if (!unpadded && runModel(m, inputs, numInputs, nullptr, raw))
    return 1;
  for (size_t i = 0; i < raw.size(); ++i) {
    bertc_tensor &t = raw[i];
    if (!m->outputs[i].isMemory) {
      out.push_back(t);
      continue;
    }
    // A packed [L, M, B, W] memory becomes mems.{l}.
    const int64_t shape[3] = {t.shape[1], t.shape[2], t.shape[3]};
    appendLayers(t.name, (const float *)t.data, t.shape[0], shape, out);
    std::free(const_cast<char *>(t.name));
    std::free(t.data);
  }
  *outputs = toArray(out, numOutputs);
  return 0;
}
