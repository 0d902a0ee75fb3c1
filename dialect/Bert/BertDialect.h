//===- BertDialect.h - the bert dialect ---------------------------*- C++ -*-===//

#ifndef BERT_BERTDIALECT_H
#define BERT_BERTDIALECT_H

#include "mlir/IR/Dialect.h"

#include "Bert/BertDialect.h.inc"

#endif // BERT_BERTDIALECT_H
