//===- Session.cpp - memory that persists across calls (C API) ------------===//
//
// A session runs a memory-recurrent model (Transformer-XL, XLNet) segment
// after segment and keeps the new memories between calls, so the caller
// never handles mems.{i}. The first call of a session (or after a reset) uses the
// default memory, as transformers does (Transformer-XL: zeros of length
// mem_len; XLNet: none).
//
//===----------------------------------------------------------------------===//

#include "ModelImpl.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

using namespace bertc::rt;

struct bertc_session {
  bertc_model *model;
  MemoryState memory;
  bool hasMemory = false;
};

extern "C" bertc_session *bertc_session_new(bertc_model *model) {
  if (!model) {
    setError("bertc_session_new: null model");
    return nullptr;
  }
  if (!memoryInput(model)) {
    setError("this model keeps no memory across calls (sessions are for "
             "memory-recurrent models such as Transformer-XL)");
    return nullptr;
  }
  return new bertc_session{model, {}, false};
}

extern "C" void bertc_session_reset(bertc_session *session) {
  if (session) {
    session->hasMemory = false;
    session->memory = {};
  }
}

extern "C" void bertc_session_free(bertc_session *session) { delete session; }

extern "C" int bertc_session_run(bertc_session *session,
                                 const bertc_tensor *inputs, int numInputs,
                                 bertc_tensor **outputs, int *numOutputs) {
  if (!session || !outputs || !numOutputs || numInputs < 0 ||
      (numInputs > 0 && !inputs))
    return setError("bertc_session_run: null argument");
  bertc_model *m = session->model;
  std::vector<bertc_tensor> raw;
  if (runModel(m, inputs, numInputs,
               session->hasMemory ? &session->memory : nullptr, raw))
    return 1;
  std::vector<bertc_tensor> out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!m->outputs[i].isMemory) {
      out.push_back(raw[i]);
      continue;
    }
    // The new memories become the state: [L, M', B, width].
    const bertc_tensor &t = raw[i];
    size_t count = 1;
    for (int d = 0; d < 4; ++d)
      count *= (size_t)t.shape[d];
    session->memory.data.assign((float *)t.data, (float *)t.data + count);
    session->memory.rows = t.shape[1];
    session->memory.batch = t.shape[2];
    session->hasMemory = true;
    std::free(const_cast<char *>(t.name));
    std::free(t.data);
  }
  auto *a = (bertc_tensor *)std::calloc(std::max<size_t>(out.size(), 1),
                                        sizeof(bertc_tensor));
  std::copy(out.begin(), out.end(), a);
  *outputs = a;
  *numOutputs = (int)out.size();
  return 0;
}

extern "C" int bertc_session_memory(const bertc_session *session,
                                    bertc_tensor **outputs, int *numOutputs) {
  if (!session || !outputs || !numOutputs)
    return setError("bertc_session_memory: null argument");
  if (!session->hasMemory)
    return setError("the session has no memory yet (run a segment first)");
  const InputSpec *spec = memoryInput(session->model);
  const MemoryState &mem = session->memory;
  size_t perLayer = (size_t)(mem.rows * mem.batch * spec->width);
  auto *a = (bertc_tensor *)std::calloc(spec->layers, sizeof(bertc_tensor));
  for (int64_t l = 0; l < spec->layers; ++l) {
    bertc_tensor &t = a[l];
    t.name = strdup((spec->name + "." + std::to_string(l)).c_str());
    t.dtype = BERTC_F32;
    t.rank = 3;
    t.shape[0] = mem.rows;
    t.shape[1] = mem.batch;
    t.shape[2] = spec->width;
    t.data = std::malloc(std::max<size_t>(perLayer, 1) * sizeof(float));
    if (perLayer)
      std::memcpy(t.data, mem.data.data() + l * perLayer,
                  perLayer * sizeof(float));
  }
  *outputs = a;
  *numOutputs = (int)spec->layers;
  return 0;
}
