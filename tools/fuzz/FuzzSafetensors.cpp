//===- FuzzSafetensors.cpp - libFuzzer target: the safetensors reader -----===//
//
// Every byte string must be accepted or rejected with a message: no crash,
// no out-of-bounds read (run under ASan + UBSan), and an accepted file's
// tensors must lie inside the buffer.
//
//===----------------------------------------------------------------------===//

#include "Safetensors.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bertc::rt::SafetensorsFile file;
  std::string error;
  if (!file.parse(data, size, error)) {
    if (error.empty())
      std::abort(); // a rejection must say why
    return 0;
  }
  for (const auto &t : file.tensors())
    if (t.data < data || t.data + t.bytes > data + size)
      std::abort();
  return 0;
}
