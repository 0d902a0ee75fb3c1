//===- FuzzProgramInput.cpp - libFuzzer target: a compiled program's input -===//
//
// Links a model object compiled by bertc (test/Fuzz/program-input.test uses
// models/bert-tiny) and feeds arbitrary bytes through the path of the
// program's --input: safetensors parsing, input validation, the model run,
// once padded and once with padding removal. Any input must be rejected with
// a message or run the model.
//
//===----------------------------------------------------------------------===//

#include "Safetensors.h"
#include "bertc_runtime.h"

#include <cstdlib>
#include <vector>

static bertc_model *model() {
  static bertc_model *m = [] {
    bertc_model *loaded = bertc_model_load(nullptr);
    if (!loaded)
      std::abort(); // the model's own weights must load
    return loaded;
  }();
  return m;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bertc::rt::SafetensorsFile file;
  std::string error;
  if (!file.parse(data, size, error))
    return 0;
  std::vector<bertc_tensor> inputs = file.views();
  for (int removePadding : {0, 1}) {
    bertc_model_remove_padding(model(), removePadding);
    bertc_tensor *outs = nullptr;
    int n = 0;
    if (bertc_model_run(model(), inputs.data(), (int)inputs.size(), &outs,
                        &n) == 0)
      bertc_tensors_free(outs, n);
    else if (!*bertc_last_error())
      std::abort();
  }
  return 0;
}
