//===- BertDialect.cpp - bert dialect registration -------------------------===//

#include "Bert/BertDialect.h"
#include "Bert/BertOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::bertc::bert;

#include "Bert/BertDialect.cpp.inc"
#include "Bert/BertEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "Bert/BertAttrs.cpp.inc"

void BertDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "Bert/BertAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "Bert/BertOps.cpp.inc"
      >();
}
