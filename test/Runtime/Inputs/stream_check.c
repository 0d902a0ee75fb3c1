// Drives the fake driver (test/Runtime/FakeCuda) the way a faulty host
// would: work on a stream after it was destroyed. The driver must refuse it
// and say so in its trace (fake-cuda-streams.test).
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>

typedef int (*StreamCreate)(void **, unsigned);
typedef int (*StreamOp)(void *);
typedef int (*AllocAsync)(unsigned long long *, size_t, void *);
typedef int (*FreeAsync)(unsigned long long, void *);

int main(void) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW);
  if (!lib) {
    printf("no driver: %s\n", dlerror());
    return 1;
  }
  StreamCreate create = (StreamCreate)dlsym(lib, "cuStreamCreate");
  // cuda.h names the current version of cuStreamDestroy with a suffix.
  StreamOp destroy = (StreamOp)dlsym(lib, "cuStreamDestroy_v2");
  StreamOp sync = (StreamOp)dlsym(lib, "cuStreamSynchronize");
  AllocAsync alloc = (AllocAsync)dlsym(lib, "cuMemAllocAsync");
  FreeAsync release = (FreeAsync)dlsym(lib, "cuMemFreeAsync");
  if (!create || !destroy || !sync || !alloc || !release) {
    printf("a driver function is missing\n");
    return 1;
  }
  void *stream = NULL;
  unsigned long long p = 0;
  printf("create %d\n", create(&stream, 0));
  printf("alloc %d\n", alloc(&p, 16, stream));
  printf("free %d\n", release(p, stream));
  printf("sync %d\n", sync(stream));
  printf("destroy %d\n", destroy(stream));
  // Each of these is an error now (CUDA_ERROR_INVALID_HANDLE, 400).
  printf("alloc after destroy %d\n", alloc(&p, 16, stream));
  printf("sync after destroy %d\n", sync(stream));
  printf("destroy again %d\n", destroy(stream));
  // The legacy stream is always there.
  printf("legacy alloc %d\n", alloc(&p, 16, NULL));
  printf("legacy free %d\n", release(p, NULL));
  return 0;
}
