// The runtime's f16/bf16 conversions (lib/Runtime/Half.h) on values whose
// rounding is known: ties to even, the largest half, overflow to inf,
// subnormals, signed zero, NaN; and every finite half back and forth.
#include "Half.h"

#include <cmath>
#include <cstdio>

using namespace bertc::rt;

static int failures = 0;

static void expect(const char *what, unsigned got, unsigned want) {
  if (got != want) {
    std::printf("FAIL %s: got 0x%04x, want 0x%04x\n", what, got, want);
    ++failures;
  }
}

int main() {
  expect("half 1", floatToHalf(1.0f), 0x3C00);
  expect("half -0", floatToHalf(-0.0f), 0x8000);
  expect("half max", floatToHalf(65504.0f), 0x7BFF);
  expect("half 65519", floatToHalf(65519.0f), 0x7BFF);
  expect("half 65520 -> inf", floatToHalf(65520.0f), 0x7C00);
  expect("half -inf", floatToHalf(-INFINITY), 0xFC00);
  expect("half nan", floatToHalf(NAN) & 0x7E00, 0x7E00);
  // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: to even (1).
  expect("half tie down", floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  // 1 + 3 * 2^-11 lies halfway between 1 + 2^-10 and 1 + 2^-9: to even.
  expect("half tie up", floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  expect("half above tie",
         floatToHalf(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)),
         0x3C01);
  expect("half min subnormal", floatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  expect("half subnormal tie", floatToHalf(std::ldexp(1.0f, -25)), 0x0000);
  expect("half subnormal tie up", floatToHalf(3 * std::ldexp(1.0f, -25)),
         0x0002);
  expect("half to min normal",
         floatToHalf(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -26)), 0x0400);
  expect("bf16 1", floatToBf16(1.0f), 0x3F80);
  expect("bf16 tie down", floatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
  expect("bf16 tie up", floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
  expect("bf16 nan", (floatToBf16(NAN) & 0x7FC0) == 0x7FC0, 1);
  unsigned roundTrips = 0;
  for (unsigned h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF))
      continue; // NaN payloads
    roundTrips += floatToHalf(halfToFloat(h)) == h;
    roundTrips += floatToBf16(bf16ToFloat(h)) == h || (h & 0x7F80) == 0x7F80;
  }
  expect("round trips", roundTrips == 2 * (0x10000 - 2 * 1023), 1);
  std::printf("%d failures\n", failures);
  return failures != 0;
}
