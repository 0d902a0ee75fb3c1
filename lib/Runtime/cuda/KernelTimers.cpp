//===- KernelTimers.cpp - CUDA event timers of --profile programs ---------===//

#include "cuda/KernelTimers.h"

#include "Profile.h"

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

using namespace bertc::rt::cuda;

/// The table bertc-gpu-profile-kernels writes; null in programs built
/// without --profile (a weak reference resolves to nothing).
extern "C" __attribute__((weak)) const char bertc_gpu_kernel_profile[];

namespace {

struct Described {
  int64_t id;
  const char *description; // "KIND\tNAME", inside the table
};

struct Pending {
  CUstream stream;
  LaunchTimer timer;
};

struct Timers {
  std::mutex mutex;
  std::map<std::string, Described> byName;
  std::map<CUfunction, Described> byFunction;
  std::vector<Pending> pending;
};

/// The table read once; null when the program is not profiled.
Timers *timers() {
  static Timers *instance = []() -> Timers * {
    const char *record = bertc_gpu_kernel_profile;
    if (!record)
      return nullptr;
    auto *t = new Timers; // never destroyed: launches may outlive statics
    for (int64_t id = 0; *record; record += std::strlen(record) + 1, ++id) {
      const char *tab = std::strchr(record, '\t');
      if (!tab)
        continue;
      t->byName[std::string(record, tab)] = {id, tab + 1};
    }
    return t;
  }();
  return instance;
}

/// The queued launch's time, added to the profile; frees its events.
void finish(const Driver &api, Pending &p) {
  float ms = 0;
  // A stream destroyed before it synchronized still ends its work.
  if (api.cuEventSynchronize(p.timer.stop) == CUDA_SUCCESS &&
      api.eventElapsedTime(&ms, p.timer.start, p.timer.stop) == CUDA_SUCCESS)
    bertc::rt::profileAdd(p.timer.id, (int64_t)(ms * 1e6),
                          p.timer.description);
  api.cuEventDestroy(p.timer.start);
  api.cuEventDestroy(p.timer.stop);
}

} // namespace

void bertc::rt::cuda::timersNameFunction(CUfunction function,
                                         const char *name) {
  Timers *t = timers();
  if (!t || !function)
    return;
  std::lock_guard<std::mutex> lock(t->mutex);
  if (auto it = t->byName.find(name); it != t->byName.end())
    t->byFunction[function] = it->second;
}

bool bertc::rt::cuda::timerStart(const Driver &api, CUfunction function,
                                 CUstream stream, LaunchTimer &timer) {
  Timers *t = timers();
  if (!t || !api.eventElapsedTime)
    return false;
  {
    std::lock_guard<std::mutex> lock(t->mutex);
    auto it = t->byFunction.find(function);
    if (it == t->byFunction.end())
      return false;
    timer.id = it->second.id;
    timer.description = it->second.description;
  }
  // Timing events (flags 0): mgpuEventCreate's disable timing.
  if (api.cuEventCreate(&timer.start, 0) != CUDA_SUCCESS)
    return false;
  if (api.cuEventCreate(&timer.stop, 0) != CUDA_SUCCESS ||
      api.cuEventRecord(timer.start, stream) != CUDA_SUCCESS) {
    api.cuEventDestroy(timer.start);
    if (timer.stop)
      api.cuEventDestroy(timer.stop);
    return false;
  }
  return true;
}

void bertc::rt::cuda::timerStop(const Driver &api, CUstream stream,
                                const LaunchTimer &timer) {
  if (api.cuEventRecord(timer.stop, stream) != CUDA_SUCCESS) {
    api.cuEventDestroy(timer.start);
    api.cuEventDestroy(timer.stop);
    return;
  }
  Timers *t = timers();
  std::lock_guard<std::mutex> lock(t->mutex);
  t->pending.push_back({stream, timer});
}

void bertc::rt::cuda::timersCollect(const Driver &api, CUstream stream) {
  Timers *t = timers();
  if (!t)
    return;
  std::lock_guard<std::mutex> lock(t->mutex);
  std::vector<Pending> kept;
  for (Pending &p : t->pending) {
    if (p.stream == stream)
      finish(api, p);
    else
      kept.push_back(p);
  }
  t->pending.swap(kept);
}
