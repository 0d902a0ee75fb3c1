//===- Half.h - f16 and bf16 <-> f32 conversions ----------------*- C++ -*-===//
//
// Weights files may hold f16/bf16 tensors, and GPU programs compiled with
// --dtype store linear weights at that width: both directions, rounding to
// nearest even like the GPU's cvt.rn.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_RUNTIME_HALF_H
#define BERTC_RUNTIME_HALF_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace bertc::rt {

inline float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { // subnormal: renormalize
      exp = 127 - 15 + 1;
      while (!(man & 0x400)) {
        man <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((man & 0x3FF) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline float bf16ToFloat(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = (x >> 16) & 0x8000;
  uint32_t abs = x & 0x7FFFFFFFu;
  if (abs >= 0x7F800000u) // inf, or NaN kept quiet
    return sign | 0x7C00 | (abs > 0x7F800000u ? 0x200 : 0);
  if (abs >= 0x477FF000u) // 65520 and above round to inf
    return sign | 0x7C00;
  if (abs < 0x38800000u) { // below 2^-14: a multiple of 2^-24
    float a;
    std::memcpy(&a, &abs, 4);
    return sign | (uint16_t)std::nearbyint(a * 16777216.0f);
  }
  uint32_t rebiased = abs - 0x38000000u; // exponent bias 127 -> 15
  rebiased += 0xFFF + ((rebiased >> 13) & 1);
  return sign | (uint16_t)(rebiased >> 13);
}

inline uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u)
    return (uint16_t)((x >> 16) | 0x40);
  return (uint16_t)((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

} // namespace bertc::rt

#endif
