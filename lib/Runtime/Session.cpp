//===- Session.cpp - memory that persists across calls (C API) ------------===//
//
// A session runs a memory-recurrent model (Transformer-XL, XLNet) segment
// after segment and keeps the new memories between calls, so the caller
// never handles mems.{i}. They stay in the buffer compiled code wrote them to
// (on the GPU in CUDA programs), which the next call reads in place. The
// first call of a session (or after a reset) uses the default memory, as
// transformers does (Transformer-XL: zeros of length mem_len; XLNet: none).
//
//===----------------------------------------------------------------------===//

#include "Buffers.h"
#include "ModelImpl.h"

#include <cstdlib>
#include <string>
#include <utility>

using namespace bertc::rt;

struct bertc_session {
  bertc_model *model;
  MemoryState memory;
  bool hasMemory = false;

  /// Replaces the state, freeing the buffer of the old one.
  void setMemory(MemoryState next, bool has) {
    if (memory.allocated && memory.allocated != next.allocated)
      bufferFree(memory.allocated);
    memory = std::move(next);
    hasMemory = has;
  }
  ~bertc_session() { setMemory({}, false); }
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
  if (session)
    session->setMemory({}, false);
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
  // The new memories ([L, M', B, width]) stay in the buffer compiled code
  // wrote them to and become the state.
  MemoryState next;
  if (runModel(m, inputs, numInputs,
               session->hasMemory ? &session->memory : nullptr, raw,
               /*seqOffsets=*/nullptr, &next))
    return 1;
  session->setMemory(std::move(next), true);
  std::vector<bertc_tensor> out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (m->outputs[i].isMemory)
      std::free(const_cast<char *>(raw[i].name));
    else
      out.push_back(raw[i]);
  }
  *outputs = toArray(out, numOutputs);
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
  // Copied out of the buffer it is kept in (from the GPU in CUDA programs).
  std::vector<float> host;
  const float *data = mem.data.data();
  if (mem.buffer) {
    host.resize(perLayer * spec->layers);
    if (!bufferDownload(host.data(), mem.buffer, host.size() * sizeof(float)))
      return 1;
    data = host.data();
  }
  std::vector<bertc_tensor> layers;
  const int64_t shape[3] = {mem.rows, mem.batch, spec->width};
  appendLayers(spec->name, data, spec->layers, shape, layers);
  *outputs = toArray(layers, numOutputs);
  return 0;
}
