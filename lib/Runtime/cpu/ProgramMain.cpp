//===- ProgramMain.cpp - main() of the programs bertc compiles -------------===//
//
//   OUT --input IN.safetensors --output OUT.safetensors [--weights PATH]
//       [--threads N] [--speed F] [--repeat N]
//
// Errors: one `error: ...` line on stderr, exit 1 (2 for a bad command line),
// and no output file.
//
//===----------------------------------------------------------------------===//

#include "Safetensors.h"
#include "bertc_runtime.h"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace bertc::rt;

static const char *kUsage =
    "usage: %s --input IN.safetensors --output OUT.safetensors [options]\n"
    "\n"
    "Runs the compiled model on the tensors of IN (Hugging Face argument\n"
    "names: input_ids, attention_mask, token_type_ids) and writes its outputs\n"
    "(last_hidden_state, pooler_output, logits) to OUT.\n"
    "\n"
    "options:\n"
    "  --weights PATH   weights (.safetensors, sharded .index.json or a model\n"
    "                   directory); default: the file the model was compiled from\n"
    "  --threads N      worker threads (N >= 1); the CPU code is single-threaded\n"
    "                   for now, so this is accepted and checked only\n"
    "  --speed F        early-exit threshold in [0, 1] (early-exit models only;\n"
    "                   default: the model's): a sample stops at the first\n"
    "                   layer whose classifier's normalized entropy is below F\n"
    "  --repeat N       run N more times after one warm-up and print\n"
    "                   'latency_ms: min=<x> median=<y>' on stderr\n"
    "  --info           print the model description (JSON) and exit\n"
    "  --help           this text\n";

static int usageError(const std::string &msg) {
  std::fprintf(stderr, "error: %s (see --help)\n", msg.c_str());
  return 2;
}

static int runtimeError(const std::string &msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return 1;
}

static bool parseInt(const char *s, long long lo, long long hi, long long &v) {
  char *end = nullptr;
  errno = 0;
  v = std::strtoll(s, &end, 10);
  return errno == 0 && end != s && *end == 0 && v >= lo && v <= hi;
}

int main(int argc, char **argv) {
  std::string input, output, weights;
  long long repeat = 0, threads = 0;
  bool haveSpeed = false;
  float speed = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool hasInline = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      hasInline = true;
    }
    auto next = [&](std::string &out) {
      if (hasInline) {
        out = value;
        return true;
      }
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      std::printf(kUsage, argv[0]);
      return 0;
    } else if (arg == "--info") {
      std::printf("%s\n", bertc_model_info(nullptr));
      return 0;
    } else if (arg == "--input") {
      if (!next(input)) return usageError("--input needs a file");
    } else if (arg == "--output") {
      if (!next(output)) return usageError("--output needs a file");
    } else if (arg == "--weights") {
      if (!next(weights)) return usageError("--weights needs a path");
    } else if (arg == "--threads") {
      if (!next(v) || !parseInt(v.c_str(), 1, 4096, threads))
        return usageError("--threads needs an integer >= 1");
    } else if (arg == "--repeat") {
      if (!next(v) || !parseInt(v.c_str(), 1, 1000000, repeat))
        return usageError("--repeat needs an integer >= 1");
    } else if (arg == "--speed") {
      char *end = nullptr;
      if (!next(v) || (speed = std::strtof(v.c_str(), &end), *end != 0) ||
          end == v.c_str() || !(speed >= 0.0f && speed <= 1.0f))
        return usageError("--speed needs a number in [0, 1]");
      haveSpeed = true;
    } else {
      return usageError("unknown argument '" + arg + "'");
    }
  }
  if (input.empty() || output.empty())
    return usageError("--input and --output are required");
  bertc_model *model = bertc_model_load(weights.empty() ? nullptr
                                                        : weights.c_str());
  if (!model)
    return runtimeError(bertc_last_error());
  if (haveSpeed && !bertc_model_has_input(model, "speed")) {
    bertc_model_free(model);
    return runtimeError("--speed applies to early-exit models only; this "
                        "model has no early exit");
  }

  SafetensorsFile in;
  std::string error;
  if (!in.open(input, error)) {
    bertc_model_free(model);
    return runtimeError("input " + error);
  }
  std::vector<bertc_tensor> tensors = in.views();
  if (haveSpeed) {
    bertc_tensor st{};
    st.name = "speed";
    st.dtype = BERTC_F32;
    st.rank = 1;
    st.shape[0] = 1;
    st.data = &speed;
    tensors.push_back(st);
  }

  auto runOnce = [&](bertc_tensor **outs, int *n) {
    return bertc_model_run(model, tensors.data(), (int)tensors.size(), outs, n);
  };
  bertc_tensor *outs = nullptr;
  int numOuts = 0;
  if (runOnce(&outs, &numOuts) != 0) {
    std::string msg = bertc_last_error();
    bertc_model_free(model);
    return runtimeError(msg);
  }
  if (repeat > 0) {
    std::vector<double> ms;
    for (long long r = 0; r < repeat; ++r) {
      bertc_tensors_free(outs, numOuts);
      auto t0 = std::chrono::steady_clock::now();
      runOnce(&outs, &numOuts);
      auto t1 = std::chrono::steady_clock::now();
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::fprintf(stderr, "latency_ms: min=%.3f median=%.3f\n", ms.front(),
                 ms[ms.size() / 2]);
  }

  std::vector<OutTensor> toWrite;
  for (int i = 0; i < numOuts; ++i) {
    std::vector<int64_t> shape(outs[i].shape, outs[i].shape + outs[i].rank);
    toWrite.push_back({outs[i].name, outs[i].dtype, shape, outs[i].data});
  }
  bool ok = writeSafetensors(output, toWrite, error);
  bertc_tensors_free(outs, numOuts);
  bertc_model_free(model);
  if (!ok)
    return runtimeError(error);
  return 0;
}
