// RUN: bertc-opt %s --split-input-file --verify-diagnostics --bertc-verify-contract="phase=llvm"

// The llvm phase contract: only the llvm dialect may remain.
func.func @not_lowered() {
  // expected-error @+1 {{'func.return' survived the llvm phase (only the llvm and omp dialects may remain)}}
  return
}

// -----

llvm.func @lowered(%x: i64) -> i64 {
  llvm.return %x : i64
}
