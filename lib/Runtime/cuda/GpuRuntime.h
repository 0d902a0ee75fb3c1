//===- GpuRuntime.h - what the mgpu* functions recorded -----------*- C++ -*-===//

#ifndef BERTC_RUNTIME_CUDA_GPURUNTIME_H
#define BERTC_RUNTIME_CUDA_GPURUNTIME_H

#include <string>

namespace bertc::rt::cuda {

/// The first failure of compiled code on this thread since the last call
/// (empty if none), and clears it.
std::string takeRunError();

/// Why the embedded kernels did not load at start-up (empty if they did or
/// there is no driver).
const std::string &moduleLoadError();

} // namespace bertc::rt::cuda

#endif
