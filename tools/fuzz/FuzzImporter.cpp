//===- FuzzImporter.cpp - libFuzzer target: config.json + weights -> IR ---===//
//
// An input is a model folder in one byte string: config.json, a NUL byte,
// then model.safetensors. Every input must be imported or rejected with a
// message naming the file: no crash, no sanitizer report, and an imported
// module must verify and pass the linalg pipeline (a checkpoint the importer
// accepts must compile).
//
// Built by the sanitized build (utils/sanitize.sh) as bin/bertc-fuzz-importer.
//
//===----------------------------------------------------------------------===//

#include "Import/Importer.h"
#include "InitAll.h"
#include "Pipelines/Pipelines.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

std::string &folder() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/bertc-fuzz-importer-XXXXXX";
    if (!mkdtemp(tmpl))
      std::abort();
    return std::string(tmpl);
  }();
  return dir;
}

void writeFile(const std::string &path, const uint8_t *data, size_t size) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size))
    std::abort();
  std::fclose(f);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = (const uint8_t *)std::memchr(data, 0, size);
  if (!nul)
    return -1; // not a model folder: keep it out of the corpus
  size_t configSize = nul - data;
  writeFile(folder() + "/config.json", data, configSize);
  writeFile(folder() + "/model.safetensors", nul + 1, size - configSize - 1);

  mlir::DialectRegistry registry;
  mlir::bertc::registerAllDialects(registry);
  mlir::MLIRContext ctx(registry, mlir::MLIRContext::Threading::DISABLED);
  ctx.allowUnregisteredDialects(false);
  mlir::bertc::ModelInfo info;
  std::string error;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::bertc::importModel(ctx, folder(), {}, info, error);
  if (!module) {
    if (error.empty())
      std::abort(); // a rejection must say why
    return 0;
  }
  if (mlir::failed(mlir::verify(*module)))
    std::abort();
  // Silence diagnostics: a failure here is reported by the abort below.
  mlir::ScopedDiagnosticHandler quiet(&ctx, [](mlir::Diagnostic &) {
    return mlir::success();
  });
  mlir::PassManager pm(&ctx);
  mlir::bertc::buildBertToLinalgPipeline(pm, {});
  if (mlir::failed(pm.run(*module)))
    std::abort();
  return 0;
}
