//===- Profile.cpp - kernel times of programs built with --profile ---------===//

#include "Profile.h"
#include "ProfileNames.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

struct Kernel {
  const char *description = nullptr;
  int64_t ns = 0;
  int64_t calls = 0;
};

// Compiled code calls in from its sequential parts only, but two models
// may run on two threads.
std::mutex mutex;
std::vector<Kernel> kernels;

} // namespace

extern "C" int64_t bertc_profile_now(void) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

extern "C" void bertc_profile_add(int64_t id, int64_t start,
                                  int64_t description) {
  bertc::rt::profileAdd(id, bertc_profile_now() - start,
                        reinterpret_cast<const char *>(description));
}

namespace bertc::rt {

void profileAdd(int64_t id, int64_t ns, const char *description) {
  std::lock_guard<std::mutex> lock(mutex);
  if (id < 0)
    return;
  if ((size_t)id >= kernels.size())
    kernels.resize(id + 1);
  Kernel &k = kernels[id];
  k.description = description;
  k.ns += ns;
  ++k.calls;
}

bool profileRecorded() {
  std::lock_guard<std::mutex> lock(mutex);
  return !kernels.empty();
}

void profileReport(std::FILE *out, long long runs, double wallMs) {
  struct Group {
    std::string kind, name;
    int64_t ns = 0, calls = 0, kernels = 0;
  };
  std::vector<Group> groups;
  std::map<std::string, size_t> index;
  int64_t totalNs = 0;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (const Kernel &k : kernels) {
      if (!k.description)
        continue;
      std::string text = k.description;
      size_t tab = text.find('\t');
      std::string kind = text.substr(0, tab);
      std::string name = tab == std::string::npos
                             ? ""
                             : bertc::rt::foldIndices(text.substr(tab + 1));
      auto [it, fresh] = index.try_emplace(kind + '\t' + name, groups.size());
      if (fresh)
        groups.push_back({kind, name});
      Group &g = groups[it->second];
      g.ns += k.ns;
      g.calls += k.calls;
      ++g.kernels;
      totalNs += k.ns;
    }
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group &a, const Group &b) { return a.ns > b.ns; });
  runs = std::max(runs, 1LL);
  double perRun = 1e-6 / runs, kernelMs = totalNs * perRun;
  double wallPerRun = wallMs / runs;
  std::fprintf(out,
               "profile: %lld run(s), %.3f ms per run, %.3f ms of it in "
               "kernels (%.1f%%)\n",
               runs, wallPerRun, kernelMs,
               wallPerRun > 0 ? 100.0 * kernelMs / wallPerRun : 0.0);
  // The kind column is as wide as its widest entry (GPU kinds are long).
  int kindWidth = 28;
  for (const Group &g : groups)
    kindWidth = std::max(kindWidth, (int)g.kind.size());
  std::fprintf(out, "%10s %6s %8s %8s  %-*s %s\n", "ms/run", "%", "kernels",
               "calls", kindWidth, "kind", "name");
  for (const Group &g : groups)
    std::fprintf(out, "%10.3f %6.1f %8lld %8.1f  %-*s %s\n", g.ns * perRun,
                 totalNs ? 100.0 * g.ns / totalNs : 0.0, (long long)g.kernels,
                 (double)g.calls / runs, kindWidth, g.kind.c_str(),
                 g.name.c_str());
}

} // namespace bertc::rt
