//===- ProfileNames.h - the names profiles group kernels by ----*- C++ -*-===//
//
// Header-only and dependency-free: the runtime groups kernel times by these
// names, and the compiler (bertc-gpu-profile-kernels) uses the same rule to
// tell whether two launches of one kernel come from one place.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_RUNTIME_PROFILENAMES_H
#define BERTC_RUNTIME_PROFILENAMES_H

#include <cctype>
#include <string>

namespace bertc::rt {

/// "encoder.layer.11.output" -> "encoder.layer.*.output": a number between
/// dots is a layer (or head) index.
inline std::string foldIndices(const std::string &name) {
  std::string out;
  for (size_t i = 0; i < name.size();) {
    size_t j = i;
    while (j < name.size() && std::isdigit((unsigned char)name[j]))
      ++j;
    bool field = j > i && (i == 0 || name[i - 1] == '.') &&
                 (j == name.size() || name[j] == '.');
    if (field) {
      out += '*';
      i = j;
    } else {
      out += name[i++];
    }
  }
  return out;
}

} // namespace bertc::rt

#endif
