//===- CudaDriver.cpp - load libcuda.so.1 and make a context current -------===//

#include "cuda/CudaDriver.h"

#include <dlfcn.h>
#include <mutex>

using namespace bertc::rt::cuda;

#define BERTC_STRING(x) #x
#define BERTC_SYMBOL(x) BERTC_STRING(x)

namespace {
// Set as soon as it resolves, so that describe() works while loading.
decltype(&::cuGetErrorString) errorString = nullptr;

struct Loaded {
  Driver api;
  CUcontext context = nullptr;
  std::string error;
  int multiprocessors = 0;
  int computeCapability = 0; // major * 10 + minor
};

Loaded &load() {
  // Never destroyed: the kernels are unloaded by a destructor that may run
  // after function-local statics are gone.
  static Loaded &loaded = *new Loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      loaded.error = "no NVIDIA driver: cannot load libcuda.so.1 (this "
                     "program was compiled for an NVIDIA GPU)";
      return;
    }
    Driver api;
#define BERTC_CUDA_RESOLVE(name)                                               \
  api.name = reinterpret_cast<decltype(api.name)>(                             \
      dlsym(lib, BERTC_SYMBOL(name)));                                         \
  if (!api.name) {                                                             \
    loaded.error = "the NVIDIA driver is too old: libcuda.so.1 has no " +      \
                   std::string(BERTC_SYMBOL(name));                            \
    return;                                                                    \
  }
    BERTC_CUDA_FUNCTIONS(BERTC_CUDA_RESOLVE)
#undef BERTC_CUDA_RESOLVE
    for (const char *name : {"cuEventElapsedTime_v2", "cuEventElapsedTime"})
      if (!api.eventElapsedTime)
        api.eventElapsedTime =
            reinterpret_cast<decltype(api.eventElapsedTime)>(dlsym(lib, name));
    errorString = api.cuGetErrorString;
    if (CUresult r = api.cuInit(0); r != CUDA_SUCCESS) {
      loaded.error = "no usable NVIDIA GPU: " + describe("cuInit", r);
      if (r == CUDA_ERROR_NO_DEVICE)
        loaded.error = "no NVIDIA GPU found (cuInit: CUDA_ERROR_NO_DEVICE)";
      return;
    }
    int count = 0;
    if (api.cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0) {
      loaded.error = "no NVIDIA GPU found";
      return;
    }
    CUdevice device;
    if (CUresult r = api.cuDeviceGet(&device, 0); r != CUDA_SUCCESS) {
      loaded.error = describe("cuDeviceGet", r);
      return;
    }
    // What compiled code compares its grids with (bertc_gpu_multiprocessors).
    if (api.cuDeviceGetAttribute(&loaded.multiprocessors,
                                 CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                 device) != CUDA_SUCCESS)
      loaded.multiprocessors = 0;
    // For the error when the program has no code for this GPU.
    int major = 0, minor = 0;
    if (api.cuDeviceGetAttribute(
            &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device) ==
            CUDA_SUCCESS &&
        api.cuDeviceGetAttribute(
            &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device) ==
            CUDA_SUCCESS)
      loaded.computeCapability = major * 10 + minor;
    if (CUresult r = api.cuDevicePrimaryCtxRetain(&loaded.context, device);
        r != CUDA_SUCCESS) {
      loaded.error = describe("cuDevicePrimaryCtxRetain", r);
      return;
    }
    // Buffers freed by one call are reused by the next instead of going
    // back to the driver.
    CUmemoryPool pool;
    if (api.cuDeviceGetDefaultMemPool(&pool, device) == CUDA_SUCCESS) {
      cuuint64_t keep = ~cuuint64_t(0);
      api.cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
    }
    loaded.api = api;
  });
  return loaded;
}
} // namespace

const Driver *bertc::rt::cuda::driver(std::string *error) {
  Loaded &loaded = load();
  if (!loaded.context) {
    if (error)
      *error = loaded.error;
    return nullptr;
  }
  // A context is current per thread; callers may come from any thread.
  thread_local bool current = false;
  if (!current) {
    if (CUresult r = loaded.api.cuCtxSetCurrent(loaded.context);
        r != CUDA_SUCCESS) {
      if (error)
        *error = describe("cuCtxSetCurrent", r);
      return nullptr;
    }
    current = true;
  }
  return &loaded.api;
}

int bertc::rt::cuda::multiprocessors() {
  Loaded &loaded = load();
  return loaded.context ? loaded.multiprocessors : 0;
}

int bertc::rt::cuda::computeCapability() {
  Loaded &loaded = load();
  return loaded.context ? loaded.computeCapability : 0;
}

std::string bertc::rt::cuda::describe(const char *what, CUresult result) {
  const char *text = nullptr;
  if (errorString)
    errorString(result, &text);
  return std::string(what) + " failed: " +
         (text ? text : "CUDA error " + std::to_string((int)result));
}
