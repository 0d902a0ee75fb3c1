//===- Buffers.h - where compiled code's buffers live -------------*- C++ -*-===//
//
// The weights, inputs and results that compiled code reads and writes live
// in host memory in CPU programs (cpu/HostBuffers.cpp) and in GPU memory in
// CUDA programs (cuda/DeviceBuffers.cpp); a program links one of the two.
// Functions that can fail set the thread's last error (setError) and return
// false or null.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_RUNTIME_BUFFERS_H
#define BERTC_RUNTIME_BUFFERS_H

#include <cstddef>

namespace bertc::rt {

/// Whether buffers are host memory: compiled code then reads the caller's
/// arrays in place and nothing is copied.
bool buffersAreHost();

/// Makes sure compiled code can run (CUDA: a driver, a device, kernels that
/// load on it). Called once by bertc_model_load.
bool buffersInit();

/// A buffer of `bytes` (64-byte aligned at least), or null.
void *bufferAlloc(size_t bytes);

/// Frees a buffer from bufferAlloc or one that compiled code returned.
void bufferFree(void *buffer);

bool bufferUpload(void *dst, const void *src, size_t bytes);
bool bufferDownload(void *dst, const void *src, size_t bytes);

/// After a call of compiled code: whether it ran to completion (CUDA: no
/// launch or copy failed; the error names what did).
bool buffersCheckRun();

} // namespace bertc::rt

#endif
