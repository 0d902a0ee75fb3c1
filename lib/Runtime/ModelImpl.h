//===- ModelImpl.h - the runtime's model object (private) ---------*- C++ -*-===//

#ifndef BERTC_RUNTIME_MODELIMPL_H
#define BERTC_RUNTIME_MODELIMPL_H

#include "Json.h"
#include "bertc_runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bertc::rt {

struct OutputSpec {
  std::string name;
  int rank;
  bertc_dtype dtype;
  bool isMemory = false; // packed new memories, returned as mems.{i}
  bool tokenAxis = false; // [batch, seq, ...]: dimension 1 is the sequence
};

/// One input of the forward function: a [B, S] integer tensor ("tokens"),
/// the early-exit threshold ("speed", an f32 scalar in [0, 1]), or the
/// memories of a memory-recurrent model ("memory": the program's mems.{i},
/// [M, B, width] each, packed as [layers, M, B, width]), or an f32 tensor
/// ("float").
struct InputSpec {
  std::string name;
  bool isSpeed = false;
  bool isMemory = false;
  int64_t layers = 0, defaultRows = 0, width = 0;
  /// f32 inputs ("float"): "BSS" [B, S, S], default zeros (XLNet's
  /// perm_mask), or "BPS" [B, P, S], default P = 0 (target_mapping).
  std::string floatLayout;
  bool required = false;
  int64_t defaultValue = 0;
  double defaultSpeed = 0;
  int64_t upper = -1; // values must lie in [0, upper) when upper > 0
};


/// Memories handed to a run instead of the inputs' mems.{i}: [layers, rows,
/// batch, width] floats, either in host memory (`data`: the inputs'
/// mems.{i}, staged for each call) or in a buffer compiled code returned
/// (`buffer`, where compiled code reads: on the GPU in CUDA programs), which
/// the next call reads in place. A session keeps its memory that way, so it
/// never crosses the bus between segments.
struct MemoryState {
  std::vector<float> data;
  void *allocated = nullptr; // the returned buffer (bufferFree), or null
  const float *buffer = nullptr; // its first element
  int64_t rows = 0, batch = 0;
  /// Bytes of the state: layers x rows x batch x width floats.
  size_t bytes(int64_t layers, int64_t width) const {
    return (size_t)(layers * rows * batch * width) * sizeof(float);
  }
};

/// Sets the thread's last error; returns 1.
int setError(const std::string &msg);

/// Keeps the intermediate buffers of compiled code off mmap (Threads.cpp).
void tuneAllocator();

/// The memory input of a memory-recurrent model, or null.
const InputSpec *memoryInput(const bertc_model *m);

/// Reads element `i` of an integer (or 0/1 float) tensor as int64; false
/// for another dtype or a non-integer value.
bool readInt(const bertc_tensor &t, int64_t i, int64_t &v);

/// Frees the names and data of `tensors` and empties it.
void freeTensors(std::vector<bertc_tensor> &tensors);

/// Appends one malloc'ed f32 tensor `name`.{l} of `shape` per layer l of
/// `packed` ([layers, shape...]): the C API's mems.{i} of a packed memory.
void appendLayers(const std::string &name, const float *packed,
                  int64_t layers, const int64_t (&shape)[3],
                  std::vector<bertc_tensor> &out);

/// A malloc'ed array of `tensors` for the C API (at least one element).
bertc_tensor *toArray(const std::vector<bertc_tensor> &tensors, int *n);

/// Whether `m` can run its rows apart (Padding.cpp); sets `why` if not.
bool paddingRemovable(const bertc_model &m, std::string &why);

/// Validates the inputs as runModel does, without running; 0 if valid.
int checkInputs(bertc_model *m, const bertc_tensor *inputs, int numInputs);

/// Validates and runs. Memory outputs stay packed ([layers, M', B, width],
/// named after the output); `memory` overrides the inputs' mems.{i}.
/// With `keep`, the memory output is not copied out: its buffer goes into
/// `keep` (the caller frees it) and its tensor comes back without data.
/// With `seqOffsets` ([B + 1]) the inputs are a packed batch ([1, T], the
/// sequences' valid tokens back to back) and the packed entry runs it:
/// token outputs come back [1, T, ...], row outputs [B, ...].
int runModel(bertc_model *m, const bertc_tensor *inputs, int numInputs,
             const MemoryState *memory, std::vector<bertc_tensor> &outputs,
             const std::vector<int64_t> *seqOffsets = nullptr,
             MemoryState *keep = nullptr);

/// Padding removal (Padding.cpp): when every row of `attention_mask` is ones
/// then zeros and some row is shorter than the batch's length, runs the
/// valid tokens as one packed batch (models with a packed entry), or else
/// each group of rows of one length at that length, and scatters the results
/// into padded outputs (zeros where the mask is 0). Sets `handled` to false,
/// and does nothing, when the batch is not of that form; runModel then runs
/// it whole. Only for models that paddingRemovable accepts.
int runWithoutPadding(bertc_model *m, const bertc_tensor *inputs,
                      int numInputs, std::vector<bertc_tensor> &outputs,
                      bool &handled);

} // namespace bertc::rt

struct bertc_model {
  bertc::rt::JsonValue meta;
  std::string family;
  uint8_t *weights = nullptr; // host copy, freed once uploaded
  size_t weightsBytes = 0;
  void *weightsBuffer = nullptr; // what compiled code reads (Buffers.h)
  std::vector<bertc::rt::InputSpec> inputs;
  std::vector<bertc::rt::OutputSpec> outputs;
  int64_t maxPositions = 0;
  int64_t positionPaddingIdx = -1;
  int64_t staticBatch = -1, staticSeqLen = -1;
  bool evenBatch = false; // XLNet bi_data pairs forward and backward rows
  /// Rows of a batch are computed independently of each other (no memory),
  /// so a batch may be run in parts: what padding removal needs.
  bool rowsIndependent = false;
  bool removePadding = false; // bertc_model_remove_padding; compile default
  /// Compiled with bertc_forward_packed (bertc compile --remove-padding).
  bool packedEntry = false;
  ~bertc_model();
};


#endif
