//===- HFImporter.cpp - Hugging Face checkpoints -> bert IR ----------------===//
//
// Reads the config (Config.cpp), maps the weights and checks each one against
// the config as the family's encoder references it (GraphBuilder.cpp,
// BertEncoder.cpp, AlbertEncoder.cpp), so nothing is generated for a
// checkpoint that does not fit its config.
//
//===----------------------------------------------------------------------===//

#include "Import/GraphBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::bertc;

OwningOpRef<ModuleOp> mlir::bertc::importModel(MLIRContext &ctx,
                                               const std::string &model,
                                               const ImportOptions &options,
                                               ModelInfo &info,
                                               std::string &error) {
  // Everything the importer emits (tensor: UER's segment table slice and
  // Transformer-XL's memories; arith: their lengths; scf: XLNet's choice
  // of stream).
  ctx.loadDialect<bert::BertDialect, func::FuncDialect, tensor::TensorDialect,
                  arith::ArithDialect, scf::SCFDialect>();
  info.source = model;
  info.batch = options.batch;
  info.seqLen = options.seqLen;
  if (!import::readConfig(model, info, error))
    return nullptr;
  import::GraphBuilder builder(ctx, info, error);
  if (!builder.openWeights())
    return nullptr;
  return builder.build(options);
}
