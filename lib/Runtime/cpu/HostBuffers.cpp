//===- HostBuffers.cpp - compiled code's buffers in host memory ------------===//
//
// CPU programs: compiled code allocates its results with malloc (aligned
// variants included), so std::free releases them.
//
//===----------------------------------------------------------------------===//

#include "Buffers.h"

#include <cstdlib>
#include <cstring>

bool bertc::rt::buffersAreHost() { return true; }

bool bertc::rt::buffersInit() { return true; }

void *bertc::rt::bufferAlloc(size_t bytes) {
  return std::aligned_alloc(64, ((bytes + 63) / 64) * 64 + 64);
}

void bertc::rt::bufferFree(void *buffer) { std::free(buffer); }

bool bertc::rt::bufferUpload(void *dst, const void *src, size_t bytes) {
  if (bytes)
    std::memcpy(dst, src, bytes);
  return true;
}

bool bertc::rt::bufferDownload(void *dst, const void *src, size_t bytes) {
  if (bytes)
    std::memcpy(dst, src, bytes);
  return true;
}

bool bertc::rt::buffersCheckRun() { return true; }
