//===- BertEnums.td - enums of the bert dialect --------------*- tablegen -*-===//

#ifndef BERT_ENUMS_TD
#define BERT_ENUMS_TD

include "Bert/BertDialect.td"
include "mlir/IR/EnumAttr.td"

// The activations of Hugging Face's ACT2FN that the family uses. `gelu` is
// the exact erf form; `gelu_tanh` covers gelu_new, gelu_fast and
// gelu_pytorch_tanh (the same function written three ways).
def Bert_ActivationKind : I32EnumAttr<"ActivationKind",
    "elementwise activation function", [
      I32EnumAttrCase<"gelu", 0>,
      I32EnumAttrCase<"gelu_tanh", 1>,
      I32EnumAttrCase<"relu", 2>,
      I32EnumAttrCase<"tanh", 3>,
      I32EnumAttrCase<"silu", 4>,
      I32EnumAttrCase<"quick_gelu", 5>
    ]> {
  let cppNamespace = "::mlir::bertc::bert";
  let genSpecializedAttr = 0;
}

def Bert_ActivationKindAttr
    : EnumAttr<Bert_Dialect, Bert_ActivationKind, "activation">;

#endif // BERT_ENUMS_TD
