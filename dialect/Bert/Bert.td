//===- Bert.td - umbrella for the bert dialect -------------*- tablegen -*-===//
//
// Everything the `bert` dialect defines, one concern per file.
//
//===----------------------------------------------------------------------===//

#ifndef BERT_TD
#define BERT_TD

include "Bert/BertDialect.td"
include "Bert/BertEnums.td"
include "Bert/BertOps.td"
include "Bert/BertMemoryOps.td"
include "Bert/BertPackedOps.td"

#endif // BERT_TD
