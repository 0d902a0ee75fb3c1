//===- Json.h - a small JSON reader for the runtime ---------------*- C++ -*-===//
//
// The runtime parses safetensors headers and the compiled-in model
// description without LLVM, so it carries its own strict reader: objects
// keep key order and reject duplicate keys, nesting depth is bounded.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_RUNTIME_JSON_H
#define BERTC_RUNTIME_JSON_H

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bertc::rt {

struct JsonValue {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  bool isInteger = false; // the literal had no fraction or exponent
  int64_t integer = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;

  /// The member `key` of an object, or nullptr.
  const JsonValue *get(const std::string &key) const;
};

/// Parses `text`; on failure returns false and sets `error`.
bool parseJson(const char *text, size_t size, JsonValue &out,
               std::string &error);

/// Appends `s` to `out` as a JSON string literal.
void appendJsonString(std::string &out, const std::string &s);

} // namespace bertc::rt

#endif
