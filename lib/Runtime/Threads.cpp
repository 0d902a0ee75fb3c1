//===- Threads.cpp - worker threads and the allocator of compiled code -----===//
//
// Compiled models run their parallel loops on LLVM's OpenMP runtime, which
// bertc links into threaded programs. The runtime reaches it through weak
// symbols, so it also links into programs compiled without threads.
//
//===----------------------------------------------------------------------===//

#include "bertc_runtime.h"
#include "ModelImpl.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace bertc::rt;

extern "C" {
void omp_set_num_threads(int) __attribute__((weak));
int omp_get_max_threads(void) __attribute__((weak));
}

extern "C" int bertc_set_threads(int threads) {
  if (threads < 1) {
    setError("bertc_set_threads: the number of threads must be at least 1");
    return 1;
  }
  if (omp_set_num_threads)
    omp_set_num_threads(threads);
  return 0;
}

extern "C" int bertc_get_threads(void) {
  return omp_get_max_threads ? omp_get_max_threads() : 1;
}

void bertc::rt::tuneAllocator() {
#if defined(__GLIBC__)
  // Every call allocates and frees the same intermediate buffers, many of
  // them above glibc's 128 KiB mmap threshold: each call would map fresh
  // pages and fault on every one of them. Keep them on the heap instead.
  static bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    return true;
  }();
  (void)done;
#endif
}
