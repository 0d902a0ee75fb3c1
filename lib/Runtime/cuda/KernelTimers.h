//===- KernelTimers.h - CUDA event timers of --profile programs -*- C++ -*-===//
//
// A GPU program built with `bertc compile --profile` holds a table that
// describes each kernel (bertc-gpu-profile-kernels). The mgpu* functions
// then time every launch of those kernels with two CUDA events on the
// launch's stream, and add the elapsed times to the profile
// (lib/Runtime/Profile.h) once the stream has synchronized. Programs
// without the table time nothing.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_RUNTIME_CUDA_KERNELTIMERS_H
#define BERTC_RUNTIME_CUDA_KERNELTIMERS_H

#include "cuda/CudaDriver.h"

#include <cstdint>

namespace bertc::rt::cuda {

/// Records that `function` is the kernel `name` (from mgpuModuleGetFunction).
void timersNameFunction(CUfunction function, const char *name);

/// The events of one timed launch, and the kernel's record in the table.
struct LaunchTimer {
  CUevent start = nullptr, stop = nullptr;
  int64_t id = -1;
  const char *description = nullptr; // "KIND\tNAME"
};

/// Starts timing a launch of `function` on `stream`: false (and nothing
/// recorded) when the program is not profiled or the kernel not described.
bool timerStart(const Driver &api, CUfunction function, CUstream stream,
                LaunchTimer &timer);

/// Ends the launch's time and queues it until its stream synchronizes.
void timerStop(const Driver &api, CUstream stream, const LaunchTimer &timer);

/// After `stream` has synchronized: adds its queued launches' times to the
/// profile and frees their events.
void timersCollect(const Driver &api, CUstream stream);

} // namespace bertc::rt::cuda

#endif
