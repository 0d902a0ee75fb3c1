//===- DeviceBuffers.cpp - compiled code's buffers in GPU memory -----------===//

#include "Buffers.h"
#include "ModelImpl.h"
#include "cuda/CudaDriver.h"
#include "cuda/GpuRuntime.h"

using namespace bertc::rt;
using namespace bertc::rt::cuda;

bool bertc::rt::buffersAreHost() { return false; }

bool bertc::rt::buffersInit() {
  std::string error;
  if (!driver(&error))
    return setError(error), false;
  if (!moduleLoadError().empty())
    return setError(moduleLoadError()), false;
  return true;
}

void *bertc::rt::bufferAlloc(size_t bytes) {
  std::string error;
  const Driver *api = driver(&error);
  if (!api)
    return setError(error), nullptr;
  CUdeviceptr pointer = 0;
  if (CUresult r = api->cuMemAlloc(&pointer, bytes ? bytes : 1);
      r != CUDA_SUCCESS)
    return setError("out of GPU memory for " + std::to_string(bytes) +
                    " bytes: " + describe("cuMemAlloc", r)),
           nullptr;
  return (void *)pointer;
}

void bertc::rt::bufferFree(void *buffer) {
  if (const Driver *api = driver(); api && buffer)
    api->cuMemFree((CUdeviceptr)buffer);
}

/// Runs one synchronous copy of `bytes` (none when 0), reporting failures.
template <typename Copy>
static bool transfer(const char *what, size_t bytes, Copy copy) {
  std::string error;
  const Driver *api = driver(&error);
  if (!api)
    return setError(error), false;
  if (!bytes)
    return true;
  if (CUresult r = copy(*api); r != CUDA_SUCCESS)
    return setError(describe(what, r)), false;
  return true;
}

bool bertc::rt::bufferUpload(void *dst, const void *src, size_t bytes) {
  return transfer("cuMemcpyHtoD", bytes, [&](const Driver &api) {
    return api.cuMemcpyHtoD((CUdeviceptr)dst, src, bytes);
  });
}

bool bertc::rt::bufferDownload(void *dst, const void *src, size_t bytes) {
  return transfer("cuMemcpyDtoH", bytes, [&](const Driver &api) {
    return api.cuMemcpyDtoH(dst, (CUdeviceptr)src, bytes);
  });
}

bool bertc::rt::buffersCheckRun() {
  std::string error = takeRunError();
  if (error.empty())
    return true;
  setError("the model failed on the GPU: " + error);
  return false;
}
