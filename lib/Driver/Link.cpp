//===- Link.cpp - object + runtime -> executable or shared library ---------===//

#include "Driver/Driver.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace mlir;

/// A C++ compiler driver links (it knows libstdc++ and crt files): $BERTC_CXX,
/// else the one that built the runtime, else one on PATH.
static std::optional<std::string> findLinker() {
  if (const char *cxx = std::getenv("BERTC_CXX"))
    return std::string(cxx);
  if (llvm::sys::fs::can_execute(BERTC_BUILD_CXX))
    return std::string(BERTC_BUILD_CXX);
  for (const char *name : {"c++", "g++", "clang++", "clang++-22"})
    if (auto path = llvm::sys::findProgramByName(name))
      return *path;
  return std::nullopt;
}

bool mlir::bertc::linkProgram(const std::string &object,
                              const std::string &output,
                              const LinkOptions &options, std::string &error) {
  bool sharedLibrary = options.sharedLibrary;
  const std::string &toolDir = options.toolDir;
  llvm::SmallString<256> libDir(toolDir);
  llvm::sys::path::append(libDir, "..", "lib");
  llvm::SmallString<256> runtime(libDir), runtimeMain(libDir);
  llvm::sys::path::append(runtime, options.cuda ? "libBertcRuntimeCuda.a"
                                                : "libBertcRuntime.a");
  llvm::sys::path::append(runtimeMain, "libBertcRuntimeMain.a");
  if (!llvm::sys::fs::exists(runtime)) {
    error = "the bertc runtime is missing: no '" + runtime.str().str() + "'";
    return false;
  }
  std::optional<std::string> linker = findLinker();
  if (!linker) {
    error = "no C++ compiler driver (c++, g++, clang++) on PATH to link with";
    return false;
  }
  std::vector<std::string> args{*linker, "-o", output, object};
  if (sharedLibrary) {
    args.insert(args.begin() + 1, "-shared");
    args.insert(args.end(), {"-Wl,--whole-archive", runtime.str().str(),
                             "-Wl,--no-whole-archive"});
  } else {
    args.insert(args.end(), {runtimeMain.str().str(), runtime.str().str()});
  }
  if (options.threaded) {
    llvm::StringRef omp(BERTC_OMP_LIBRARY);
    args.push_back(omp.str());
    args.push_back("-Wl,-rpath," + llvm::sys::path::parent_path(omp).str());
  }
  args.push_back("-lm");
  if (options.cuda)
    args.push_back("-ldl"); // the runtime loads libcuda.so.1 itself
  llvm::SmallVector<llvm::StringRef> extra;
  llvm::StringRef(BERTC_PROGRAM_LINK_FLAGS).split(extra, ' ', -1, false);
  for (llvm::StringRef flag : extra)
    args.push_back(flag.str());
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*linker, argRefs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    error = "linking '" + output + "' failed" +
            (message.empty() ? "" : ": " + message);
    return false;
  }
  if (!sharedLibrary)
    return true;

  // A shared library comes with the runtime's C API header.
  llvm::SmallString<256> header(toolDir);
  llvm::sys::path::append(header, "..", "include", "bertc_runtime.h");
  llvm::SmallString<256> target(output);
  llvm::sys::path::replace_extension(target, "h");
  if (std::error_code ec = llvm::sys::fs::copy_file(header, target)) {
    error = "cannot write '" + target.str().str() + "': " + ec.message();
    return false;
  }
  return true;
}
