//===- FakeCuda.cpp - a libcuda.so.1 without a GPU, for host-side tests ---===//
//
// CUDA programs load the driver with dlopen (lib/Runtime/cuda/CudaDriver.cpp).
// Pointing LD_LIBRARY_PATH at this library instead runs a program's host code
// for real on a machine without a GPU: its module load, kernel lookups,
// launches, allocations and copies. Kernels do not run (their results are
// whatever the buffers held: zeros), so what a test can check is the host
// side: which kernels launch with which shapes, what crosses the bus, that
// every buffer is freed, and how errors from the driver are reported.
//
// Device memory is host memory (calloc). The driver checks what a real one
// rejects: launch shapes beyond the hardware limits, copies outside a live
// allocation, frees of unknown pointers, a module image that is neither a
// cubin nor a fatbinary with code this GPU can run,
// kernel names that the image does not hold, work on a stream that was
// destroyed, and a launch on a non-blocking stream while a synchronous
// upload may still be in flight (cuMemcpyHtoD from pageable memory returns
// before its DMA lands, on the legacy stream, which a non-blocking stream
// does not wait for).
//
// Environment:
//   BERTC_FAKE_CUDA_TRACE=FILE  one line per event, and a summary when the
//                               module unloads (the program's last call)
//   BERTC_FAKE_CUDA_DEVICES=0   cuInit fails with CUDA_ERROR_NO_DEVICE
//   BERTC_FAKE_CUDA_SMS=N       the GPU's SM count (default 132)
//   BERTC_FAKE_CUDA_CC=N        its compute capability, major * 10 + minor
//                               (default 90): a fatbinary loads the cubin of
//                               the same major and at most its minor, else
//                               "compiles" PTX of at most this capability
//   BERTC_FAKE_CUDA_FAIL=EVENT:N  the Nth launch, alloc (stream-ordered) or
//                               module load fails (a launch failure, out of
//                               memory, no binary for the GPU)
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace {

struct Event {
  unsigned flags;
  long recordedAt = -1; // launches before its last record
};

struct State {
  std::mutex mutex;
  FILE *trace = nullptr;
  std::map<uintptr_t, size_t> live; // device allocations: base -> bytes
  std::map<std::string, int> dynamicShared; // kernel -> allowed bytes
  std::string failEvent;
  long failAt = 0;
  long launches = 0, lookups = 0, allocs = 0, modules = 0;
  long htod = 0, dtoh = 0, dtod = 0;
  size_t htodBytes = 0, dtohBytes = 0, dtodBytes = 0;
  size_t liveBytes = 0, peakBytes = 0; // device memory held, and its most
  // A cuMemcpyHtoD that no synchronization of the legacy stream has waited
  // for since.
  bool uploadInFlight = false;
  long liveEvents = 0;
  // Streams created, those still alive, and host waits on one.
  long streams = 0, syncs = 0;
  std::set<CUstream> liveStreams;

  State() {
    if (const char *path = std::getenv("BERTC_FAKE_CUDA_TRACE"))
      trace = std::fopen(path, "w");
    if (const char *fail = std::getenv("BERTC_FAKE_CUDA_FAIL")) {
      std::string spec(fail);
      size_t colon = spec.find(':');
      failEvent = spec.substr(0, colon);
      failAt = colon == std::string::npos ? 1 : std::atol(spec.c_str() + colon + 1);
    }
  }

  void summary() {
    log("summary: %ld launches, %ld lookups, htod %ld (%zu bytes), "
        "dtoh %ld (%zu bytes), dtod %ld (%zu bytes), peak %zu bytes, "
        "%zu live buffers, %ld live events, streams %ld (%ld live), "
        "syncs %ld",
        launches, lookups, htod, htodBytes, dtoh, dtohBytes, dtod, dtodBytes,
        peakBytes, live.size(), liveEvents, streams, (long)liveStreams.size(),
        syncs);
  }

  void log(const char *format, ...) __attribute__((format(printf, 2, 3))) {
    if (!trace)
      return;
    va_list args;
    va_start(args, format);
    std::vfprintf(trace, format, args);
    va_end(args);
    std::fputc('\n', trace);
    std::fflush(trace);
  }

  /// Whether work may go to `stream`: the legacy stream (null) or one
  /// created and not yet destroyed; logs an error for `what` if not.
  bool usable(CUstream stream, const char *what) {
    if (!stream || liveStreams.count(stream))
      return true;
    log("error: %s on a stream that was destroyed or never created", what);
    return false;
  }

  /// Whether the `count`th event of kind `event` is the one to fail.
  bool fails(const char *event, long count) const {
    return failEvent == event && failAt == count;
  }

  /// Whether [p, p + bytes) lies inside one live allocation; `known` says
  /// whether p is inside any.
  bool inside(uintptr_t p, size_t bytes, bool &known) const {
    auto it = live.upper_bound(p);
    known = false;
    if (it == live.begin())
      return false;
    --it;
    if (p >= it->first + std::max<size_t>(it->second, 1))
      return false;
    known = true;
    return p + bytes <= it->first + std::max<size_t>(it->second, 1);
  }

  CUresult allocate(CUdeviceptr *out, size_t bytes) {
    void *p = std::calloc(std::max<size_t>(bytes, 1), 1);
    if (!p)
      return CUDA_ERROR_OUT_OF_MEMORY;
    live[(uintptr_t)p] = bytes;
    liveBytes += bytes;
    peakBytes = std::max(peakBytes, liveBytes);
    log("alloc %zu at %p", bytes, p);
    *out = (CUdeviceptr)p;
    return CUDA_SUCCESS;
  }

  CUresult release(CUdeviceptr p) {
    auto it = live.find((uintptr_t)p);
    if (it == live.end()) {
      log("error: free of %#llx, not a live allocation", (unsigned long long)p);
      return CUDA_ERROR_INVALID_VALUE;
    }
    log("free %p", (void *)p);
    liveBytes -= it->second;
    live.erase(it);
    std::free((void *)p);
    return CUDA_SUCCESS;
  }

  /// A copy whose ends are classified by the allocations they fall in
  /// (unified addressing, as cuMemcpyAsync does).
  CUresult copy(uintptr_t dst, uintptr_t src, size_t bytes, const char *api) {
    bool dstKnown, srcKnown;
    bool dstFits = inside(dst, bytes, dstKnown);
    bool srcFits = inside(src, bytes, srcKnown);
    if ((dstKnown && !dstFits) || (srcKnown && !srcFits)) {
      log("error: %s of %zu bytes runs past a device allocation", api, bytes);
      return CUDA_ERROR_INVALID_VALUE;
    }
    const char *kind;
    if (dstKnown && srcKnown) {
      kind = "dtod", ++dtod, dtodBytes += bytes;
    } else if (dstKnown) {
      kind = "htod", ++htod, htodBytes += bytes;
    } else if (srcKnown) {
      kind = "dtoh", ++dtoh, dtohBytes += bytes;
    } else {
      log("error: %s of %zu bytes between two host pointers", api, bytes);
      return CUDA_ERROR_INVALID_VALUE;
    }
    log("%s %zu", kind, bytes);
    if (bytes)
      std::memmove((void *)dst, (const void *)src, bytes);
    return CUDA_SUCCESS;
  }
};

State &state() {
  // Never destroyed: the program unloads its module from a destructor that
  // may run after this library's statics are gone.
  static State &s = *new State;
  return s;
}

int dummyContext, dummyPool;

/// A loaded module: the image's bytes, for looking up kernel names.
struct Module {
  const unsigned char *image;
  size_t size;
};

/// An ELF image's size: the end of its section header table.
size_t elfSize(const unsigned char *image) {
  uint64_t shoff;
  uint16_t shentsize, shnum;
  std::memcpy(&shoff, image + 0x28, 8);
  std::memcpy(&shentsize, image + 0x3a, 2);
  std::memcpy(&shnum, image + 0x3c, 2);
  return shoff + (size_t)shentsize * shnum;
}

/// A 64-bit ELF for the CUDA machine (EM_CUDA = 190).
bool isCubin(const unsigned char *bytes) {
  uint16_t machine;
  std::memcpy(&machine, bytes + 0x12, 2);
  return std::memcmp(bytes, "\x7f" "ELF", 4) == 0 && bytes[4] == 2 &&
         machine == 190;
}

/// The GPU's compute capability, major * 10 + minor.
int computeCapability() {
  const char *cc = std::getenv("BERTC_FAKE_CUDA_CC");
  return cc ? std::atoi(cc) : 90;
}

/// What a driver takes from a fatbinary (fatbinary's container: a 16-byte
/// header {magic 0xBA55ED50, version, header size, size of the entries},
/// then entries, each a header {kind (1 PTX, 2 cubin), version, header size,
/// image size, ..., the capability at byte 28} and its image). A cubin runs
/// on the same major capability at the same or a later minor; PTX is
/// compiled for any later one. The fake compiles nothing: a module loaded
/// from PTX looks its kernels up in the container's cubin of the same code.
struct FatbinChoice {
  const unsigned char *cubin = nullptr; // the kernels' names, if any cubin
  int cubinArch = 0, ptxArch = 0;       // what runs here, 0 if none
};

FatbinChoice chooseFromFatbin(const unsigned char *bytes, int cc) {
  FatbinChoice choice;
  uint16_t headerSize;
  uint64_t entriesSize;
  std::memcpy(&headerSize, bytes + 6, 2);
  std::memcpy(&entriesSize, bytes + 8, 8);
  const unsigned char *entry = bytes + headerSize;
  const unsigned char *end = entry + entriesSize;
  while (entry + 32 <= end) {
    uint16_t kind;
    uint32_t entryHeader, arch;
    uint64_t imageSize;
    std::memcpy(&kind, entry, 2);
    std::memcpy(&entryHeader, entry + 4, 4);
    std::memcpy(&imageSize, entry + 8, 8);
    std::memcpy(&arch, entry + 28, 4);
    const unsigned char *image = entry + entryHeader;
    int sm = (int)arch;
    if (kind == 2 && isCubin(image)) {
      bool runs = sm / 10 == cc / 10 && sm <= cc;
      if (!choice.cubin || runs)
        choice.cubin = image;
      if (runs)
        choice.cubinArch = sm;
    } else if (kind == 1 && sm <= cc) {
      choice.ptxArch = sm;
    }
    entry = image + imageSize;
  }
  return choice;
}

} // namespace

extern "C" {

CUresult CUDAAPI cuInit(unsigned int) {
  const char *devices = std::getenv("BERTC_FAKE_CUDA_DEVICES");
  if (devices && std::atoi(devices) == 0)
    return CUDA_ERROR_NO_DEVICE;
  state().log("init");
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorString(CUresult error, const char **text) {
  switch (error) {
  case CUDA_ERROR_NO_DEVICE:
    *text = "no CUDA-capable device is detected";
    break;
  case CUDA_ERROR_OUT_OF_MEMORY:
    *text = "out of memory";
    break;
  case CUDA_ERROR_LAUNCH_FAILED:
    *text = "unspecified launch failure";
    break;
  case CUDA_ERROR_NO_BINARY_FOR_GPU:
    *text = "no kernel image is available for execution on the device";
    break;
  case CUDA_ERROR_NOT_FOUND:
    *text = "named symbol not found";
    break;
  default:
    *text = "invalid argument";
  }
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetCount(int *count) {
  *count = 1;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGet(CUdevice *device, int ordinal) {
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *device = 0;
  return CUDA_SUCCESS;
}

// An H100/H200's 132 SMs, or BERTC_FAKE_CUDA_SMS; every other attribute 0.
CUresult CUDAAPI cuDeviceGetAttribute(int *value, CUdevice_attribute attribute,
                                      CUdevice) {
  *value = 0;
  if (attribute == CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT) {
    const char *sms = std::getenv("BERTC_FAKE_CUDA_SMS");
    *value = sms ? std::atoi(sms) : 132;
  } else if (attribute == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) {
    *value = computeCapability() / 10;
  } else if (attribute == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR) {
    *value = computeCapability() % 10;
  }
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetName(char *name, int len, CUdevice) {
  std::snprintf(name, (size_t)len, "bertc fake GPU");
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice) {
  *context = (CUcontext)&dummyContext;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }

CUresult CUDAAPI cuModuleLoadData(CUmodule *module, const void *image) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  const auto *bytes = (const unsigned char *)image;
  uint32_t magic;
  std::memcpy(&magic, bytes, 4);
  const unsigned char *cubin = bytes;
  std::string what = "cubin";
  if (magic == 0xBA55ED50u) {
    int cc = computeCapability();
    FatbinChoice choice = chooseFromFatbin(bytes, cc);
    if (!choice.cubin) {
      s.log("error: the fatbinary holds no cubin (the fake driver cannot "
            "compile PTX alone)");
      return CUDA_ERROR_INVALID_IMAGE;
    }
    if (!choice.cubinArch && !choice.ptxArch) {
      s.log("error: no cubin or PTX in the fatbinary runs on sm_%d", cc);
      return CUDA_ERROR_NO_BINARY_FOR_GPU;
    }
    cubin = choice.cubin;
    what = choice.cubinArch
               ? "fatbinary's cubin sm_" + std::to_string(choice.cubinArch)
               : "fatbinary's PTX sm_" + std::to_string(choice.ptxArch) +
                     ", compiled for sm_" + std::to_string(cc);
  } else if (!isCubin(bytes)) {
    s.log("error: the module image is neither a cubin nor a fatbinary");
    return CUDA_ERROR_INVALID_IMAGE;
  }
  if (s.fails("module", ++s.modules))
    return CUDA_ERROR_NO_BINARY_FOR_GPU;
  *module = (CUmodule) new Module{cubin, elfSize(cubin)};
  s.log("module load: %s", what.c_str());
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleUnload(CUmodule module) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  delete (Module *)module;
  s.log("module unload");
  s.summary();
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction *function, CUmodule module,
                                     const char *name) {
  // The name must be one of the image's strings (its symbol table).
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.lookups;
  const Module &m = *(const Module *)module;
  size_t n = std::strlen(name) + 1;
  for (size_t i = 1; i + n <= m.size; ++i) {
    if (m.image[i - 1] == 0 && std::memcmp(m.image + i, name, n) == 0) {
      *function = (CUfunction)const_cast<unsigned char *>(m.image + i);
      return CUDA_SUCCESS;
    }
  }
  s.log("error: no kernel %s in the module", name);
  return CUDA_ERROR_NOT_FOUND;
}

CUresult CUDAAPI cuFuncSetAttribute(CUfunction f, CUfunction_attribute attribute,
                                    int value) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  const char *name = (const char *)f;
  // An H100/H200's limit: 227 KiB per block.
  if (attribute != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES ||
      value < 0 || value > 227 * 1024) {
    s.log("error: cuFuncSetAttribute(%s, %d, %d) not supported", name,
          (int)attribute, value);
    return CUDA_ERROR_INVALID_VALUE;
  }
  s.dynamicShared[name] = value;
  s.log("allow %s shared %d", name, value);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned gridX, unsigned gridY,
                                unsigned gridZ, unsigned blockX,
                                unsigned blockY, unsigned blockZ,
                                unsigned sharedBytes, CUstream stream,
                                void **, void **) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  const char *name = (const char *)f;
  ++s.launches;
  if (!s.usable(stream, name))
    return CUDA_ERROR_INVALID_HANDLE;
  if (stream && (*(unsigned *)stream & CU_STREAM_NON_BLOCKING) &&
      s.uploadInFlight)
    s.log("error: %s launched on a non-blocking stream may read an upload "
          "(cuMemcpyHtoD) still in flight on the legacy stream", name);
  // The limits of every GPU since sm_30.
  bool valid = gridX >= 1 && gridY >= 1 && gridZ >= 1 && gridY <= 65535 &&
               gridZ <= 65535 && blockX >= 1 && blockY >= 1 && blockZ >= 1 &&
               blockX <= 1024 && blockY <= 1024 && blockZ <= 64 &&
               (unsigned long)blockX * blockY * blockZ <= 1024 &&
               (sharedBytes <= 48 * 1024 ||
                (s.dynamicShared.count(name) &&
                 sharedBytes <= (unsigned)s.dynamicShared[name]));
  char shared[32] = "";
  if (sharedBytes)
    std::snprintf(shared, sizeof shared, " shared %u", sharedBytes);
  s.log("launch %s grid %u %u %u block %u %u %u%s", name, gridX, gridY, gridZ,
        blockX, blockY, blockZ, shared);
  if (!valid) {
    s.log("error: launch of %s outside the hardware limits", name);
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (s.fails("launch", s.launches))
    return CUDA_ERROR_LAUNCH_FAILED;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamCreate(CUstream *stream, unsigned int flags) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.streams;
  *stream = (CUstream) new unsigned(flags);
  s.liveStreams.insert(*stream);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamDestroy(CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!stream || !s.usable(stream, "cuStreamDestroy"))
    return CUDA_ERROR_INVALID_HANDLE;
  s.liveStreams.erase(stream);
  delete (unsigned *)stream;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamSynchronize(CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.usable(stream, "cuStreamSynchronize"))
    return CUDA_ERROR_INVALID_HANDLE;
  ++s.syncs;
  // The legacy stream, or a blocking one (which waited for it).
  if (!stream || !(*(unsigned *)stream & CU_STREAM_NON_BLOCKING))
    s.uploadInFlight = false;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamWaitEvent(CUstream, CUevent, unsigned int) {
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventCreate(CUevent *event, unsigned int flags) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.liveEvents;
  *event = (CUevent) new Event{flags};
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventDestroy(CUevent event) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  --s.liveEvents;
  delete (Event *)event;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventRecord(CUevent event, CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.usable(stream, "cuEventRecord"))
    return CUDA_ERROR_INVALID_HANDLE;
  ((Event *)event)->recordedAt = s.launches;
  return CUDA_SUCCESS;
}

// Every launch takes one microsecond (what --profile tests check). Only
// the version of drivers from 12.8 on, which the runtime asks for first.
CUresult CUDAAPI cuEventElapsedTime_v2(float *ms, CUevent start, CUevent stop) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto *a = (Event *)start, *b = (Event *)stop;
  if ((a->flags | b->flags) & CU_EVENT_DISABLE_TIMING || a->recordedAt < 0 ||
      b->recordedAt < 0) {
    s.log("error: elapsed time between events without timing or not "
          "recorded");
    return CUDA_ERROR_INVALID_HANDLE;
  }
  *ms = 0.001f * (float)(b->recordedAt - a->recordedAt);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }

CUresult CUDAAPI cuMemAlloc(CUdeviceptr *pointer, size_t bytes) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.allocate(pointer, bytes);
}

CUresult CUDAAPI cuMemFree(CUdeviceptr pointer) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.release(pointer);
}

CUresult CUDAAPI cuMemAllocAsync(CUdeviceptr *pointer, size_t bytes,
                                 CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.usable(stream, "cuMemAllocAsync"))
    return CUDA_ERROR_INVALID_HANDLE;
  if (s.fails("alloc", ++s.allocs))
    return CUDA_ERROR_OUT_OF_MEMORY;
  return s.allocate(pointer, bytes);
}

CUresult CUDAAPI cuMemFreeAsync(CUdeviceptr pointer, CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.usable(stream, "cuMemFreeAsync"))
    return CUDA_ERROR_INVALID_HANDLE;
  return s.release(pointer);
}

CUresult CUDAAPI cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                               CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.usable(stream, "cuMemcpyAsync"))
    return CUDA_ERROR_INVALID_HANDLE;
  return s.copy(dst, src, bytes, "cuMemcpyAsync");
}

CUresult CUDAAPI cuMemcpyHtoD(CUdeviceptr dst, const void *src, size_t bytes) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  bool known;
  if (!s.inside(dst, bytes, known) || s.inside((uintptr_t)src, 1, known))
    return s.log("error: cuMemcpyHtoD of %zu bytes outside a device "
                 "allocation or from one", bytes),
           CUDA_ERROR_INVALID_VALUE;
  s.uploadInFlight = true;
  return s.copy(dst, (uintptr_t)src, bytes, "cuMemcpyHtoD");
}

CUresult CUDAAPI cuMemcpyDtoH(void *dst, CUdeviceptr src, size_t bytes) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  bool known;
  if (!s.inside(src, bytes, known) || s.inside((uintptr_t)dst, 1, known))
    return s.log("error: cuMemcpyDtoH of %zu bytes outside a device "
                 "allocation or into one", bytes),
           CUDA_ERROR_INVALID_VALUE;
  return s.copy((uintptr_t)dst, src, bytes, "cuMemcpyDtoH");
}

CUresult CUDAAPI cuMemsetD32Async(CUdeviceptr dst, unsigned int value,
                                  size_t count, CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.usable(stream, "cuMemsetD32Async"))
    return CUDA_ERROR_INVALID_HANDLE;
  bool known;
  if (!s.inside(dst, count * 4, known))
    return s.log("error: cuMemsetD32Async of %zu words outside a device "
                 "allocation", count),
           CUDA_ERROR_INVALID_VALUE;
  auto *words = (unsigned int *)dst;
  for (size_t i = 0; i < count; ++i)
    words[i] = value;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetDefaultMemPool(CUmemoryPool *pool, CUdevice) {
  *pool = (CUmemoryPool)&dummyPool;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemPoolSetAttribute(CUmemoryPool, CUmemPool_attribute,
                                       void *) {
  return CUDA_SUCCESS;
}

} // extern "C"
