//===- GpuRuntime.cpp - the mgpu* functions lowered host code calls --------===//
//
// MLIR's gpu-to-llvm lowering turns launches, device allocations and copies
// into calls of these functions, and the embedded kernel binary is loaded by
// a global constructor through mgpuModuleLoad. The Debian MLIR packages ship
// no CUDA runtime wrappers, so bertc implements them on the driver API.
//
// Compiled code cannot take an error back, so a failure is recorded and
// every later launch or copy of the same call is skipped;
// buffersCheckRun() reports it once the call returns (DeviceBuffers.cpp).
//
//===----------------------------------------------------------------------===//

#include "cuda/GpuRuntime.h"
#include "cuda/CudaDriver.h"
#include "cuda/KernelTimers.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

using namespace bertc::rt::cuda;

namespace {
thread_local std::string runError;

// mgpuModuleLoad runs in a constructor of priority 123, before ordinary
// globals are constructed: its error lives in a function-local static.
std::string &moduleErrorStorage() {
  static std::string error;
  return error;
}

/// The driver, or null once this call has failed.
const Driver *forRun() {
  if (!runError.empty())
    return nullptr;
  std::string error;
  const Driver *api = driver(&error);
  if (!api)
    runError = error;
  return api;
}

/// What the driver said of each kernel, kept for the process: LLVM's launch
/// lowering looks a kernel up before every launch, and at batch 1 the host's
/// time per launch is the model's. Names are the program's constants, so
/// their address is the key.
struct Kernels {
  std::mutex mutex;
  std::map<std::pair<CUmodule, const char *>, CUfunction> byName;
  std::map<CUfunction, int> sharedAllowed; // past the default 48 KiB
};

Kernels &kernels() {
  static Kernels *k = new Kernels; // outlives the module unload at exit
  return *k;
}

bool check(const char *what, CUresult result) {
  if (result == CUDA_SUCCESS)
    return true;
  if (runError.empty())
    runError = describe(what, result);
  return false;
}
bool allowShared(const Driver &api, CUfunction function, int bytes) {
  Kernels &k = kernels();
  std::lock_guard<std::mutex> lock(k.mutex);
  int &allowed = k.sharedAllowed[function];
  if (bytes <= allowed)
    return true;
  if (!check("cuFuncSetAttribute",
             api.cuFuncSetAttribute(
                 function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                 bytes)))
    return false;
  allowed = bytes;
  return true;
}
} // namespace

std::string bertc::rt::cuda::takeRunError() {
  std::string error;
  std::swap(error, runError);
  return error;
}

const std::string &bertc::rt::cuda::moduleLoadError() {
  return moduleErrorStorage();
}

extern "C" {

void *mgpuModuleLoad(void *data, size_t size) {
  const Driver *api = driver();
  if (!api)
    return nullptr; // buffersInit() reports the missing driver
  CUmodule module = nullptr;
  if (CUresult r = api->cuModuleLoadData(&module, data); r != CUDA_SUCCESS) {
    // The program carries a cubin for its --sm and that target's PTX, which
    // the driver compiles for a later GPU: only an earlier one (or another
    // major version's cubin without the PTX) ends here.
    int cc = computeCapability();
    moduleErrorStorage() =
        "the GPU cannot load this program's kernels: " +
        describe("cuModuleLoadData", r) +
        (cc ? " (this GPU is sm_" + std::to_string(cc) +
                  ": compile for it with bertc compile --sm=" +
                  std::to_string(cc) + ")"
            : std::string(" (compile for this GPU with bertc compile --sm)"));
    return nullptr;
  }
  return module;
}

void mgpuModuleUnload(void *module) {
  if (!module)
    return;
  {
    // A module loaded later may get the same handle.
    Kernels &k = kernels();
    std::lock_guard<std::mutex> lock(k.mutex);
    for (auto it = k.byName.begin(); it != k.byName.end();) {
      if (it->first.first != (CUmodule)module) {
        ++it;
        continue;
      }
      k.sharedAllowed.erase(it->second);
      it = k.byName.erase(it);
    }
  }
  if (const Driver *api = driver())
    api->cuModuleUnload((CUmodule)module);
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  const Driver *api = forRun();
  if (!api)
    return nullptr;
  if (!module) {
    const std::string &loadError = moduleErrorStorage();
    runError = loadError.empty() ? "the GPU kernels are not loaded" : loadError;
    return nullptr;
  }
  Kernels &k = kernels();
  std::pair<CUmodule, const char *> key((CUmodule)module, name);
  {
    std::lock_guard<std::mutex> lock(k.mutex);
    if (auto it = k.byName.find(key); it != k.byName.end())
      return it->second;
  }
  CUfunction function = nullptr;
  if (!check("cuModuleGetFunction",
             api->cuModuleGetFunction(&function, (CUmodule)module, name)))
    return nullptr;
  timersNameFunction(function, name);
  std::lock_guard<std::mutex> lock(k.mutex);
  k.byName.emplace(key, function);
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  const Driver *api = forRun();
  if (!api || !function)
    return;
  // Past 48 KiB a kernel's dynamic shared memory must be allowed first
  // (the tiled products' cp.async stages), once per kernel and size.
  if (sharedBytes > 48 * 1024 && !allowShared(*api, (CUfunction)function,
                                              sharedBytes))
    return;
  LaunchTimer timer;
  bool timed = timerStart(*api, (CUfunction)function, (CUstream)stream, timer);
  check("cuLaunchKernel",
        api->cuLaunchKernel((CUfunction)function, gridX, gridY, gridZ, blockX,
                            blockY, blockZ, sharedBytes, (CUstream)stream,
                            params, extra));
  if (timed)
    timerStop(*api, (CUstream)stream, timer);
}

void *mgpuStreamCreate() {
  const Driver *api = forRun();
  CUstream stream = nullptr;
  // A blocking stream: its work waits for the legacy stream's, where the
  // runtime's synchronous copies run. cuMemcpyHtoD from pageable memory
  // may return before its DMA lands, and a non-blocking stream's kernels
  // would not wait for it.
  if (api)
    check("cuStreamCreate", api->cuStreamCreate(&stream, CU_STREAM_DEFAULT));
  return stream;
}

void mgpuStreamDestroy(void *stream) {
  if (const Driver *api = driver(); api && stream) {
    timersCollect(*api, (CUstream)stream);
    api->cuStreamDestroy((CUstream)stream);
  }
}

void mgpuStreamSynchronize(void *stream) {
  // Also after a failure: the stream must drain before its buffers go.
  if (const Driver *api = driver(); api && stream) {
    check("cuStreamSynchronize", api->cuStreamSynchronize((CUstream)stream));
    timersCollect(*api, (CUstream)stream);
  }
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  if (const Driver *api = forRun())
    check("cuStreamWaitEvent",
          api->cuStreamWaitEvent((CUstream)stream, (CUevent)event, 0));
}

void *mgpuEventCreate() {
  const Driver *api = forRun();
  CUevent event = nullptr;
  if (api)
    check("cuEventCreate", api->cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

void mgpuEventDestroy(void *event) {
  if (const Driver *api = driver(); api && event)
    api->cuEventDestroy((CUevent)event);
}

void mgpuEventSynchronize(void *event) {
  if (const Driver *api = driver(); api && event)
    check("cuEventSynchronize", api->cuEventSynchronize((CUevent)event));
}

void mgpuEventRecord(void *event, void *stream) {
  if (const Driver *api = forRun())
    check("cuEventRecord", api->cuEventRecord((CUevent)event, (CUstream)stream));
}

void *mgpuMemAlloc(uint64_t bytes, void *stream, bool /*hostShared*/) {
  const Driver *api = forRun();
  CUdeviceptr pointer = 0;
  // Zero-sized buffers (an empty memory) still get a distinct pointer.
  if (api)
    check("cuMemAllocAsync", api->cuMemAllocAsync(&pointer, bytes ? bytes : 1,
                                                  (CUstream)stream));
  return (void *)pointer;
}

void mgpuMemFree(void *pointer, void *stream) {
  // Frees go through even after a failure, so that nothing leaks.
  if (const Driver *api = driver(); api && pointer)
    api->cuMemFreeAsync((CUdeviceptr)pointer, (CUstream)stream);
}

/// The SM count that compiled code compares a product's grid with (small
/// tile, split k); 0 without a GPU, where no launch runs anyway.
int64_t bertc_gpu_multiprocessors() { return multiprocessors(); }

void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  if (const Driver *api = forRun(); api && bytes)
    check("cuMemcpyAsync", api->cuMemcpyAsync((CUdeviceptr)dst, (CUdeviceptr)src,
                                              bytes, (CUstream)stream));
}

void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream) {
  if (const Driver *api = forRun(); api && count)
    check("cuMemsetD32Async", api->cuMemsetD32Async((CUdeviceptr)dst, value,
                                                    count, (CUstream)stream));
}

} // extern "C"
