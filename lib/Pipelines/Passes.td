//===- Passes.td - phase contract checks ---------------------*- tablegen -*-===//

#ifndef BERTC_PIPELINES_PASSES_TD
#define BERTC_PIPELINES_PASSES_TD

include "mlir/Pass/PassBase.td"

def VerifyPhaseContract : Pass<"bertc-verify-contract", "ModuleOp"> {
  let summary = "Fail if IR that a phase must have removed survives it";
  let description = [{
    Runs at the end of each phase of the pipeline:
    - `phase=linalg`: no `bert` op survives; weights are bound (no `bert.param`).
    - `phase=llvm`: only the `llvm` dialect is left, plus `omp` regions of
      threaded loops (no unrealized casts, no memref, tensor, linalg, scf,
      vector or func ops).
    A violation is reported on the offending op, so a broken lowering fails
    at the phase that broke it rather than later in translation.
  }];
  let options = [
    Option<"phase", "phase", "std::string", /*default=*/"\"linalg\"",
           "the phase whose output is checked: linalg or llvm">
  ];
}

#endif // BERTC_PIPELINES_PASSES_TD
