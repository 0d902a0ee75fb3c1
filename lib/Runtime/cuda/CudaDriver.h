//===- CudaDriver.h - the CUDA driver API, loaded when a program runs ----*- C++ -*-===//
//
// CUDA programs load libcuda.so.1 with dlopen instead of linking it: they
// build and link on machines without a driver, and on one without a GPU they
// report that as an error instead of failing in the dynamic loader.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_RUNTIME_CUDA_CUDADRIVER_H
#define BERTC_RUNTIME_CUDA_CUDADRIVER_H

#include <cuda.h>

#include <string>

namespace bertc::rt::cuda {

// X(name): the driver functions the runtime calls. cuda.h maps some names
// to versioned symbols (cuMemAlloc -> cuMemAlloc_v2); the table follows it.
#define BERTC_CUDA_FUNCTIONS(X)                                                \
  X(cuInit)                                                                    \
  X(cuGetErrorString)                                                          \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDeviceGetName)                                                           \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxSetCurrent)                                                           \
  X(cuModuleLoadData)                                                          \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncSetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamWaitEvent)                                                         \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuMemAlloc)                                                                \
  X(cuMemFree)                                                                 \
  X(cuMemAllocAsync)                                                           \
  X(cuMemFreeAsync)                                                            \
  X(cuMemcpyAsync)                                                             \
  X(cuMemcpyHtoD)                                                              \
  X(cuMemcpyDtoH)                                                              \
  X(cuMemsetD32Async)                                                          \
  X(cuDeviceGetDefaultMemPool)                                                 \
  X(cuMemPoolSetAttribute)

struct Driver {
#define BERTC_CUDA_POINTER(name) decltype(&::name) name = nullptr;
  BERTC_CUDA_FUNCTIONS(BERTC_CUDA_POINTER)
#undef BERTC_CUDA_POINTER
  /// Only --profile programs time launches, and cuda.h names the version
  /// of drivers from 12.8 on: null where neither version resolves.
  decltype(&::cuEventElapsedTime) eventElapsedTime = nullptr;
};

/// The driver with a current context on the calling thread, or null with
/// `error` saying why (no libcuda.so.1, no device, ...). Loads and
/// initializes once per process.
const Driver *driver(std::string *error = nullptr);

/// The GPU's streaming multiprocessors, or 0 without a usable driver.
int multiprocessors();

/// The GPU's compute capability as major * 10 + minor (90 for sm_90), or 0
/// without a usable driver.
int computeCapability();

/// "what: CUDA_ERROR_... (text)" for a failed call.
std::string describe(const char *what, CUresult result);

} // namespace bertc::rt::cuda

#endif
