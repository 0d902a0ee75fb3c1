//===- BertOps.h - operations of the bert dialect -----------------*- C++ -*-===//

#ifndef BERT_BERTOPS_H
#define BERT_BERTOPS_H

#include "Bert/BertDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "Bert/BertEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "Bert/BertAttrs.h.inc"

#define GET_OP_CLASSES
#include "Bert/BertOps.h.inc"

#endif // BERT_BERTOPS_H
