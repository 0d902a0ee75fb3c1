//===- Profile.h - kernel times of programs built with --profile *- C++ -*-===//
//
// Compiled code built with `bertc compile --profile` calls
// bertc_profile_now / bertc_profile_add around each of its kernels
// (bertc-profile-regions), and the GPU runtime times the launches of GPU
// programs built with it (cuda/KernelTimers.h); the times are summed per
// kernel.
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_RUNTIME_PROFILE_H
#define BERTC_RUNTIME_PROFILE_H

#include <cstdint>
#include <cstdio>

extern "C" {
/// Monotonic nanoseconds.
int64_t bertc_profile_now(void);
/// Adds now - start to kernel `id`, described by the NUL-terminated
/// "KIND\tNAME" at address `description`.
void bertc_profile_add(int64_t id, int64_t start, int64_t description);
}

namespace bertc::rt {

/// Adds `ns` to kernel `id`, described by "KIND\tNAME".
void profileAdd(int64_t id, int64_t ns, const char *description);

/// Whether any kernel was timed (the program was built with --profile).
bool profileRecorded();

/// Prints the kernels' times per run, grouped by kind and name with layer
/// numbers folded ("encoder.layer.*.output.dense"), largest first; `runs`
/// calls took `wallMs` in all.
void profileReport(std::FILE *out, long long runs, double wallMs);

} // namespace bertc::rt

#endif
