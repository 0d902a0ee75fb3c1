//===- Passes.td - bertc conversion passes -------------------*- tablegen -*-===//

#ifndef BERTC_CONVERSION_PASSES_TD
#define BERTC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertBertParamsToMemRef
    : Pass<"convert-bert-params-to-memref", "func::FuncOp"> {
  let summary = "Bind every bert.param to a slot of one weights buffer";
  let description = [{
    Gives each distinct parameter name an aligned offset in a byte buffer,
    prepends that buffer (`memref<?xi8>`) to the function's arguments and
    replaces each `bert.param` with a read-only view of its slot. The layout
    is recorded on the function as `bert.weights_layout` (name, offset,
    shape) and `bert.weights_bytes`, which the runtime uses to fill the
    buffer from the weights file at load time.

    With `linear-weight-panel=P` (P > 0), a 2-D f32 parameter used only as
    the weight of `bert.linear` ([N, K], as PyTorch stores it, N a multiple
    of P) is stored as panels [N/P, K, P] (`panel = P` in its layout entry:
    the runtime packs it once at load time). Each use reads it back through
    a transposing `linalg.generic` copy and a `tensor.collapse_shape`, which
    fusion folds into the matrix product: the product then reads B one
    contiguous panel at a time, the shape CPU outer-product kernels want.

    With `linear-weight-type=f16|bf16`, such weights are stored at that
    width instead (`type` in the layout entry; the runtime rounds them
    once at load time) and each use widens them to f32 by an elementwise
    `arith.extf` generic, which fusion folds into the product: weights then
    cross memory at half width. It excludes `linear-weight-panel`.

    The parameters that a `tensor.concat` along dimension 0 joins (the
    fused query, key and value weights of bert-fuse-linears) get adjacent
    slots, the first one aligned, and the concatenation becomes one view of
    them (widened or unpacked as above: panels or f16 only when all of them
    qualify). Two concatenations that join a parameter with different
    others, or in another order, are an error.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "byte alignment of every parameter slot">,
    Option<"linearWeightPanel", "linear-weight-panel", "int64_t",
           /*default=*/"0",
           "store bert.linear weights as [N/P, K, P] panels (0: as [N, K])">,
    Option<"linearWeightType", "linear-weight-type", "std::string",
           /*default=*/"\"f32\"",
           "element type of bert.linear weights in the buffer: f32, f16 or "
           "bf16">
  ];
}

def ConvertBertToSCF : Pass<"convert-bert-to-scf", "func::FuncOp"> {
  let summary = "Lower bert structure ops (shared-layer loops, early exit) to scf";
  let description = [{
    `bert.shared_layers` becomes an `scf.for` that carries the hidden state,
    with the layer body inside it once: code size does not depend on the
    number of layers and every weight is bound once. With `unroll`, the body
    is instead cloned `count` times (larger code, no loop).

    `bert.early_exit` becomes one `scf.if` per layer (run only while samples
    remain), each followed by loops that write the outputs of the samples
    that stop and compact the others into a smaller batch.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"unroll", "unroll", "bool", /*default=*/"false",
           "clone shared-layer bodies instead of emitting loops">
  ];
}

def ConvertBertToLinalg : Pass<"convert-bert-to-linalg", "func::FuncOp"> {
  let summary = "Lower bert ops to linalg, tensor, scf, arith and math on tensors";
  let description = [{
    Rewrites every layer, attention and embedding op of the `bert` dialect
    into destination-style linalg ops on tensors. `bert.param` must have been
    bound first (convert-bert-params-to-memref).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def ConvertMemRefCopyToLinalg
    : Pass<"convert-memref-copy-to-linalg", "func::FuncOp"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Copies of strided buffers (slices moved by early-exit compaction) would
    otherwise lower to calls of `memrefCopy` from MLIR's runner utilities,
    which compiled programs do not link; as linalg.copy they become loops
    that LLVM optimizes inline.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // BERTC_CONVERSION_PASSES_TD
