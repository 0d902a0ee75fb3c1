//===- bertc-opt.cpp - mlir-opt for the bert dialect and pipelines ---------===//

#include "InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::bertc::registerAllDialects(registry);
  mlir::bertc::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "bertc optimizer driver: bert dialect passes and pipelines\n",
      registry));
}
