//===- Safetensors.h - safetensors reading and writing ------------*- C++ -*-===//
//
// One reader serves bertc (weights at compile time) and the compiled
// programs (weights, inputs). It checks the header the way the reference
// implementation does: bounded header size, known dtypes, byte ranges that
// match shape x dtype, lie inside the data area and tile it exactly.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_RUNTIME_SAFETENSORS_H
#define BERTC_RUNTIME_SAFETENSORS_H

#include "bertc_runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bertc::rt {

/// Size in bytes of one element, or 0 for an unknown dtype.
size_t dtypeSize(bertc_dtype dtype);
/// "F32", "I64", ... as safetensors spells them.
const char *dtypeName(bertc_dtype dtype);
bool parseDtype(const std::string &name, bertc_dtype &out);

struct TensorInfo {
  std::string name;
  bertc_dtype dtype;
  std::vector<int64_t> shape;
  const uint8_t *data = nullptr; // inside the mapped file
  size_t bytes = 0;
  int64_t numElements() const;
};

/// A safetensors file mapped read-only.
class SafetensorsFile {
public:
  SafetensorsFile() = default;
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;
  ~SafetensorsFile();

  /// Maps and validates `path`; on failure sets `error` (naming the file).
  bool open(const std::string &path, std::string &error);
  /// Validates a safetensors image already in memory (kept alive by the
  /// caller); `open` maps the file and calls this. The fuzzers enter here.
  bool parse(const uint8_t *data, size_t size, std::string &error);

  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  /// The tensors as C API views (names and data point into this file), as
  /// bertc_model_run takes its inputs.
  std::vector<bertc_tensor> views() const;
  const TensorInfo *find(const std::string &name) const;
  const std::string &path() const { return path_; }

private:
  std::string path_;
  void *map_ = nullptr;
  size_t size_ = 0;
  std::vector<TensorInfo> tensors_;
};

/// A tensor to write: `data` holds numElements * dtypeSize bytes.
struct OutTensor {
  std::string name;
  bertc_dtype dtype;
  std::vector<int64_t> shape;
  const void *data;
};

/// Writes `tensors` to `path` through a temporary file renamed on success,
/// so a failure never leaves a partial output.
bool writeSafetensors(const std::string &path,
                      const std::vector<OutTensor> &tensors,
                      std::string &error);

/// The safetensors files of a weights location: a file, a sharded
/// `*.index.json`, or a directory holding `model.safetensors` or
/// `model.safetensors.index.json`.
bool resolveWeightFiles(const std::string &path,
                        std::vector<std::string> &files, std::string &error);

} // namespace bertc::rt

#endif
