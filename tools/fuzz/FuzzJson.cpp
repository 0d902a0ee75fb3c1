//===- FuzzJson.cpp - libFuzzer target: the runtime's JSON reader ---------===//

#include "Json.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bertc::rt::JsonValue value;
  std::string error;
  if (!bertc::rt::parseJson((const char *)data, size, value, error) &&
      error.empty())
    std::abort(); // a rejection must say why
  return 0;
}
