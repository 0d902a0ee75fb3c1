//===- ProgramMain.cpp - main() of the programs bertc compiles -------------===//
//
//   OUT --input IN.safetensors --output OUT.safetensors [--weights PATH]
//       [--threads N] [--speed F] [--repeat N] [--mems FILE]
//       [--segment-len N] [--remove-padding | --keep-padding]
//
// Errors: one `error: ...` line on stderr, exit 1 (2 for a bad command line),
// and no output file.
//
//===----------------------------------------------------------------------===//

#include "Profile.h"
#include "Safetensors.h"
#include "bertc_runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
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
    "names: input_ids, attention_mask, token_type_ids; XLNet also perm_mask,\n"
    "target_mapping; memory models mems.0 ...) and writes its outputs\n"
    "(last_hidden_state, pooler_output, logits, prediction_scores, mems.0 ...)\n"
    "to OUT. --info lists this model's inputs and outputs.\n"
    "\n"
    "options:\n"
    "  --weights PATH   weights (.safetensors, sharded .index.json or a model\n"
    "                   directory); default: the file the model was compiled from\n"
    "  --threads N      worker threads (N >= 1); default: one per core (or\n"
    "                   OMP_NUM_THREADS); no effect in programs compiled\n"
    "                   with --no-threads or for a GPU (--target=cuda)\n"
    "  --speed F        early-exit threshold in [0, 1] (early-exit models only;\n"
    "                   default: the model's): a sample stops at the first\n"
    "                   layer whose classifier's normalized entropy is below F\n"
    "  --repeat N       run N more times after one warm-up and print\n"
    "                   'latency_ms: min=<x> median=<y>' on stderr (a\n"
    "                   program compiled with --profile then also prints\n"
    "                   its kernels' times per run)\n"
    "  --remove-padding run each row whose attention_mask is ones then zeros\n"
    "                   at its own length (rows of one length together): a\n"
    "                   mixed-length batch costs its valid tokens. Valid\n"
    "                   positions are unchanged; token outputs hold zeros at\n"
    "                   padding positions. BERT, RoBERTa, ALBERT, FastBERT;\n"
    "                   the default for models compiled with --remove-padding\n"
    "  --keep-padding   compute the padded batch as it is\n"
    "\n"
    "memory-recurrent models (Transformer-XL, XLNet; inputs and outputs\n"
    "mems.0 ...):\n"
    "  --mems FILE      take mems.0 ... from FILE (e.g. the previous call's\n"
    "                   output; its other tensors are ignored); without it\n"
    "                   the default memory, as transformers (Transformer-XL:\n"
    "                   zeros of length mem_len; XLNet: none)\n"
    "  --segment-len N  streaming: run input_ids [B, T] segment by segment\n"
    "                   (N tokens each), keeping the memory in the process;\n"
    "                   OUT (optional here) gets the per-token outputs of all\n"
    "                   segments and the final mems. An LM head also prints\n"
    "                   the log-likelihood of each next token and the\n"
    "                   perplexity on stdout, and OUT gets log_likelihood [B]\n"
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

/// Token id `i` of an integer tensor.
static int64_t tokenAt(const bertc_tensor &t, int64_t i) {
  switch (t.dtype) {
  case BERTC_I64: return ((const int64_t *)t.data)[i];
  case BERTC_I32: return ((const int32_t *)t.data)[i];
  default: return -1;
  }
}

/// Streaming (--segment-len): one session over the segments of input_ids.
static int stream(bertc_model *model, const std::vector<bertc_tensor> &inputs,
                  long long segLen, const std::string &output) {
  if (inputs.size() != 1 || std::strcmp(inputs[0].name, "input_ids") != 0)
    return runtimeError("streaming takes one input tensor, input_ids");
  const bertc_tensor &ids = inputs[0];
  if (ids.rank != 2 || (ids.dtype != BERTC_I64 && ids.dtype != BERTC_I32))
    return runtimeError("input 'input_ids' must be an I64 or I32 [batch, "
                        "sequence] tensor for streaming");
  int64_t B = ids.shape[0], T = ids.shape[1];
  size_t esize = ids.dtype == BERTC_I64 ? 8 : 4;
  bertc_session *session = bertc_session_new(model);
  if (!session)
    return runtimeError(bertc_last_error());
  // Per-token outputs of every segment, concatenated along the sequence.
  std::vector<std::string> names;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<std::vector<uint8_t>>> pieces; // [output][segment]
  double logLikelihood = 0;
  std::vector<float> rowLikelihood(B, 0.0f); // written as log_likelihood [B]
  std::vector<double> rowSum(B, 0.0);
  int64_t scored = 0, segments = 0;
  bool lm = false;
  for (int64_t t0 = 0; t0 < T; t0 += segLen) {
    int64_t q = std::min<int64_t>(segLen, T - t0);
    std::vector<uint8_t> seg((size_t)(B * q) * esize);
    for (int64_t b = 0; b < B; ++b)
      std::memcpy(seg.data() + b * q * esize,
                  (const uint8_t *)ids.data + (b * T + t0) * esize, q * esize);
    bertc_tensor in = ids;
    in.shape[1] = q;
    in.data = seg.data();
    bertc_tensor *outs = nullptr;
    int n = 0;
    if (bertc_session_run(session, &in, 1, &outs, &n) != 0) {
      std::string msg = bertc_last_error();
      bertc_session_free(session);
      return runtimeError("segment " + std::to_string(segments) + ": " + msg);
    }
    ++segments;
    if (names.empty()) {
      for (int i = 0; i < n; ++i) {
        names.push_back(outs[i].name);
        shapes.emplace_back(outs[i].shape, outs[i].shape + outs[i].rank);
        shapes.back()[1] = T;
      }
      pieces.resize(n);
    }
    for (int i = 0; i < n; ++i) {
      const bertc_tensor &o = outs[i];
      size_t row = (size_t)q * dtypeSize(o.dtype);
      for (int d = 2; d < o.rank; ++d)
        row *= (size_t)o.shape[d];
      if (!output.empty())
        pieces[i].emplace_back((const uint8_t *)o.data,
                               (const uint8_t *)o.data + B * row);
      if (names[i] != "prediction_scores")
        continue;
      // Log-probability of each next token of the stream.
      lm = true;
      int64_t V = o.shape[2];
      const float *lp = (const float *)o.data;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < q && t0 + t + 1 < T; ++t) {
          int64_t next = tokenAt(ids, b * T + t0 + t + 1);
          if (next < 0 || next >= V)
            continue; // the next segment's run reports the bad id
          logLikelihood += lp[(b * q + t) * V + next];
          rowSum[b] += lp[(b * q + t) * V + next];
          ++scored;
        }
    }
    bertc_tensors_free(outs, n);
  }
  if (lm)
    std::printf("segments: %lld  tokens: %lld  log_likelihood: %.6f  "
                "perplexity: %.6f\n",
                (long long)segments, (long long)scored, logLikelihood,
                std::exp(-logLikelihood / std::max<int64_t>(scored, 1)));
  int status = 0;
  if (!output.empty()) {
    // Concatenate per batch row: [B, T, ...] from the segments' [B, q, ...].
    std::vector<std::vector<uint8_t>> joined(names.size());
    std::vector<OutTensor> toWrite;
    for (size_t i = 0; i < names.size(); ++i) {
      for (int64_t b = 0; b < B; ++b)
        for (const auto &p : pieces[i]) {
          size_t rowBytes = p.size() / B;
          joined[i].insert(joined[i].end(), p.begin() + b * rowBytes,
                           p.begin() + (b + 1) * rowBytes);
        }
    }
    bertc_tensor *mems = nullptr;
    int numMems = 0;
    if (bertc_session_memory(session, &mems, &numMems) != 0) {
      bertc_session_free(session);
      return runtimeError(bertc_last_error());
    }
    for (size_t i = 0; i < names.size(); ++i)
      toWrite.push_back({names[i], BERTC_F32, shapes[i], joined[i].data()});
    if (lm) {
      for (int64_t b = 0; b < B; ++b)
        rowLikelihood[b] = (float)rowSum[b];
      toWrite.push_back({"log_likelihood", BERTC_F32, {B}, rowLikelihood.data()});
    }
    for (int i = 0; i < numMems; ++i)
      toWrite.push_back({mems[i].name, mems[i].dtype,
                         std::vector<int64_t>(mems[i].shape, mems[i].shape + 3),
                         mems[i].data});
    std::string error;
    if (!writeSafetensors(output, toWrite, error))
      status = runtimeError(error);
    bertc_tensors_free(mems, numMems);
  }
  bertc_session_free(session);
  return status;
}

static bool parseInt(const char *s, long long lo, long long hi, long long &v) {
  char *end = nullptr;
  errno = 0;
  v = std::strtoll(s, &end, 10);
  return errno == 0 && end != s && *end == 0 && v >= lo && v <= hi;
}

int main(int argc, char **argv) {
  // A line at a time: an emulated program's failed access check
  // (bertc-gpu-check-accesses) puts its message right before abort(),
  // which flushes nothing.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string input, output, weights, memsFile;
  long long repeat = 0, threads = 0, segmentLen = 0;
  bool haveSpeed = false;
  float speed = 0;
  int padding = -1; // --remove-padding 1, --keep-padding 0, else the model's
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
    } else if (arg == "--mems") {
      if (!next(memsFile)) return usageError("--mems needs a file");
    } else if (arg == "--segment-len") {
      if (!next(v) || !parseInt(v.c_str(), 1, 1 << 24, segmentLen))
        return usageError("--segment-len needs an integer >= 1");
    } else if ((arg == "--remove-padding" || arg == "--keep-padding") &&
               !hasInline) {
      padding = arg == "--remove-padding";
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
  if (input.empty() || (output.empty() && segmentLen == 0))
    return usageError("--input and --output are required");
  if (segmentLen > 0 && (repeat > 0 || !memsFile.empty() || haveSpeed))
    return usageError("--segment-len does not combine with --repeat, --mems "
                      "or --speed");
  if (threads > 0)
    bertc_set_threads((int)threads);
  bertc_model *model = bertc_model_load(weights.empty() ? nullptr
                                                        : weights.c_str());
  if (!model)
    return runtimeError(bertc_last_error());
  if (padding >= 0 && bertc_model_remove_padding(model, padding) != 0) {
    std::string msg = bertc_last_error();
    bertc_model_free(model);
    return runtimeError("--remove-padding: " + msg);
  }
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
  bool memoryModel = bertc_model_has_input(model, "mems");
  if ((!memsFile.empty() || segmentLen > 0) && !memoryModel) {
    bertc_model_free(model);
    return runtimeError(std::string(memsFile.empty() ? "--segment-len"
                                                     : "--mems") +
                        " applies to memory-recurrent models only; this "
                        "model keeps no memory");
  }
  SafetensorsFile memsIn;
  if (!memsFile.empty()) {
    if (!memsIn.open(memsFile, error)) {
      bertc_model_free(model);
      return runtimeError("mems " + error);
    }
    size_t before = tensors.size();
    for (const bertc_tensor &t : memsIn.views())
      if (std::strncmp(t.name, "mems.", 5) == 0)
        tensors.push_back(t);
    if (tensors.size() == before) {
      bertc_model_free(model);
      return runtimeError("mems file '" + memsFile +
                          "' has no mems.0 ... tensors");
    }
  }
  // Programs built with --profile print their kernels' times on exit.
  auto start = std::chrono::steady_clock::now();
  auto reportProfile = [&](long long runs) {
    if (!profileRecorded())
      return;
    std::chrono::duration<double, std::milli> ms =
        std::chrono::steady_clock::now() - start;
    profileReport(stderr, runs, ms.count());
  };
  if (segmentLen > 0) {
    int status = stream(model, tensors, segmentLen, output);
    reportProfile(1);
    bertc_model_free(model);
    return status;
  }
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
  reportProfile(1 + repeat);

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
