//===- Model.cpp - load, validate, run: the C API on CPUs ------------------===//
//
// The compiled model object provides two symbols:
//   bertc_model_metadata         the model description (JSON, NUL-terminated)
//   _mlir_ciface_bertc_forward   the forward function, MLIR C interface:
//       (results*, weights memref<?xi8>*, input memref<?x?xi64>*, ...)
// This file binds the weights into one aligned buffer laid out as the
// description says, validates inputs, calls the function and copies the
// returned buffers out.
//
//===----------------------------------------------------------------------===//

#include "Json.h"
#include "Safetensors.h"
#include "bertc_runtime.h"

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

using namespace bertc::rt;

namespace {
thread_local std::string lastError;

int setError(const std::string &msg) {
  lastError = msg;
  return 1;
}

struct OutputSpec {
  std::string name;
  int rank;
  bertc_dtype dtype;
};

/// One input of the forward function: a [B, S] integer tensor ("tokens"),
/// or the early-exit threshold ("speed", an f32 scalar in [0, 1]).
struct InputSpec {
  std::string name;
  bool isSpeed = false;
  bool required = false;
  int64_t defaultValue = 0;
  double defaultSpeed = 0;
  int64_t upper = -1; // values must lie in [0, upper) when upper > 0
};

/// An MLIR memref descriptor of rank <= 2 as the C interface passes it.
struct MemRef {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizesAndStrides[4];
};

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { // subnormal: renormalize
      exp = 127 - 15 + 1;
      while (!(man & 0x400)) {
        man <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((man & 0x3FF) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bf16ToFloat(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::string shapeStr(const int64_t *shape, int rank) {
  std::string s = "[";
  for (int i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Calls the forward function with `n` descriptor pointers.
void callForward(void *results, std::vector<void *> &args) {
  void *f = (void *)&_mlir_ciface_bertc_forward;
  void **a = args.data();
  switch (args.size()) {
  case 1: ((void (*)(void *, void *))f)(results, a[0]); break;
  case 2: ((void (*)(void *, void *, void *))f)(results, a[0], a[1]); break;
  case 3:
    ((void (*)(void *, void *, void *, void *))f)(results, a[0], a[1], a[2]);
    break;
  case 4:
    ((void (*)(void *, void *, void *, void *, void *))f)(results, a[0], a[1],
                                                          a[2], a[3]);
    break;
  case 5:
    ((void (*)(void *, void *, void *, void *, void *, void *))f)(
        results, a[0], a[1], a[2], a[3], a[4]);
    break;
  case 6:
    ((void (*)(void *, void *, void *, void *, void *, void *, void *))f)(
        results, a[0], a[1], a[2], a[3], a[4], a[5]);
    break;
  default:
    std::abort(); // the model description caps the argument count
  }
}
} // namespace

struct bertc_model {
  JsonValue meta;
  std::string family;
  uint8_t *weights = nullptr;
  size_t weightsBytes = 0;
  std::vector<InputSpec> inputs;
  std::vector<OutputSpec> outputs;
  int64_t maxPositions = 0;
  int64_t positionPaddingIdx = -1;
  int64_t staticBatch = -1, staticSeqLen = -1;
  ~bertc_model() { std::free(weights); }
};

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
    int64_t n = t->numElements();
    if (offset < 0 || (size_t)offset + n * 4 > m.weightsBytes)
      return setError("corrupt model description: parameter '" + name +
                      "' lies outside the weights buffer"),
             false;
    float *dst = (float *)(m.weights + offset);
    switch (t->dtype) {
    case BERTC_F32:
      std::memcpy(dst, t->data, n * 4);
      break;
    case BERTC_F16:
    case BERTC_BF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t->data + 2 * i, 2);
        dst[i] = t->dtype == BERTC_F16 ? halfToFloat(h) : bf16ToFloat(h);
      }
      break;
    case BERTC_F64:
      for (int64_t i = 0; i < n; ++i) {
        double d;
        std::memcpy(&d, t->data + 8 * i, 8);
        dst[i] = (float)d;
      }
      break;
    default:
      return setError("weights '" + location + "': tensor '" + name +
                      "' has dtype " + dtypeName(t->dtype) +
                      ", the model expects a float tensor (F32, F16, BF16)"),
             false;
    }
  }
  return true;
}

extern "C" bertc_model *bertc_model_load(const char *weightsPath) {
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
    m->outputs.push_back(
        {out.get("name")->string, (int)out.get("rank")->integer, dtype});
  }
  m->maxPositions = metaInt(m->meta, "max_positions", 0);
  m->positionPaddingIdx = metaInt(m->meta, "position_padding_idx", -1);
  m->staticBatch = metaInt(m->meta, "batch", -1);
  m->staticSeqLen = metaInt(m->meta, "seq_len", -1);
  std::string location = weightsPath && *weightsPath
                             ? std::string(weightsPath)
                             : m->meta.get("weights")->string;
  if (!bindWeights(*m, location))
    return nullptr;
  return m.release();
}

extern "C" void bertc_model_free(bertc_model *model) { delete model; }

extern "C" const char *bertc_model_info(const bertc_model *model) {
  return bertc_model_metadata;
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
static bool readInt(const bertc_tensor &t, int64_t i, int64_t &v) {
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
static int prepareInputs(bertc_model *m, const bertc_tensor *inputs, int n,
                         std::vector<std::vector<int64_t>> &buffers,
                         float &speed, int64_t &batch, int64_t &seq) {
  for (int i = 0; i < n; ++i) {
    bool known = false;
    for (const InputSpec &s : m->inputs)
      known |= inputs[i].name && s.name == inputs[i].name;
    if (!known) {
      std::string names;
      for (const InputSpec &s : m->inputs)
        names += (names.empty() ? "" : ", ") + s.name;
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
  if (m->staticSeqLen > 0 && seq != m->staticSeqLen)
    return setError("this model was compiled for sequence length " +
                    std::to_string(m->staticSeqLen) + ", input '" +
                    m->inputs[0].name + "' has length " + std::to_string(seq));

  buffers.clear();
  for (const InputSpec &spec : m->inputs) {
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
  if (m->maxPositions > 0) {
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

extern "C" int bertc_model_run(bertc_model *m, const bertc_tensor *inputs,
                               int numInputs, bertc_tensor **outputs,
                               int *numOutputs) {
  if (!m || !outputs || !numOutputs || numInputs < 0 ||
      (numInputs > 0 && !inputs))
    return setError("bertc_model_run: null argument");
  std::vector<std::vector<int64_t>> buffers;
  int64_t batch = 0, seq = 0;
  float speed = 0;
  if (prepareInputs(m, inputs, numInputs, buffers, speed, batch, seq))
    return 1;

  MemRef weights{m->weights, m->weights, 0,
                 {(int64_t)m->weightsBytes, 1, 0, 0}};
  std::vector<MemRef> descs;
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (m->inputs[i].isSpeed)
      descs.push_back(MemRef{&speed, &speed, 0, {1, 1, 0, 0}});
    else
      descs.push_back(MemRef{buffers[i].data(), buffers[i].data(), 0,
                             {batch, seq, seq, 1}});
  }
  std::vector<void *> args{&weights};
  for (MemRef &d : descs)
    args.push_back(&d);

  // Results: one descriptor per output, 8-byte words:
  // allocated, aligned, offset, sizes[rank], strides[rank].
  size_t words = 0;
  for (const OutputSpec &o : m->outputs)
    words += 3 + 2 * o.rank;
  std::vector<int64_t> results(words, 0);
  callForward(results.data(), args);

  auto *outs = (bertc_tensor *)std::calloc(m->outputs.size(), sizeof(bertc_tensor));
  std::vector<void *> toFree;
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
    bertc_tensor &t = outs[i];
    t.name = strdup(o.name.c_str());
    t.dtype = o.dtype;
    t.rank = o.rank;
    int64_t count = 1;
    for (int d = 0; d < o.rank; ++d) {
      t.shape[d] = sizes[d];
      count *= sizes[d];
    }
    uint8_t *dst = (uint8_t *)std::malloc(std::max<int64_t>(count, 1) * esize);
    bool dense = true;
    int64_t expect = 1;
    for (int d = o.rank - 1; d >= 0; expect *= sizes[d], --d)
      dense &= sizes[d] == 1 || strides[d] == expect;
    // Returned buffers are usually dense; otherwise gather honoring strides.
    std::vector<int64_t> idx(o.rank, 0);
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
    // Returned buffers are owned by the caller unless they alias the
    // weights (never for these models, but never free what we do not own).
    bool inWeights = (uint8_t *)allocated >= m->weights &&
                     (uint8_t *)allocated < m->weights + m->weightsBytes;
    bool seen = false;
    for (void *p : toFree)
      seen |= p == allocated;
    if (allocated && !inWeights && !seen)
      toFree.push_back(allocated);
  }
  for (void *p : toFree)
    std::free(p);
  *outputs = outs;
  *numOutputs = (int)m->outputs.size();
  return 0;
}
