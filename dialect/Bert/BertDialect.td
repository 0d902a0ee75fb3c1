//===- BertDialect.td - the bert dialect and its base classes -*- tablegen -*-===//

#ifndef BERT_DIALECT_TD
#define BERT_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Bert_Dialect : Dialect {
  let name = "bert";
  let cppNamespace = "::mlir::bertc::bert";
  let summary = "Tensor-level IR for the BERT model family";
  let description = [{
    The `bert` dialect describes BERT-family encoders at the level of their
    building blocks (embedding lookup, linear layers, layer norm, activations,
    multi-head attention) with value semantics on ranked tensors. Weights are
    not constants: `bert.param` names a tensor of the weights file, and the
    runtime binds it when the compiled program loads.

    Batch and sequence dimensions are usually dynamic (`?`), so one compiled
    program serves every length up to the model's position table.
  }];
  let useDefaultAttributePrinterParser = 1;
}

class Bert_Op<string mnemonic, list<Trait> traits = []>
    : Op<Bert_Dialect, mnemonic, traits>;

class Bert_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Bert_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // BERT_DIALECT_TD
