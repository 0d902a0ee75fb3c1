// RUN: bertc-opt %s --verify-diagnostics --bertc-verify-contract="phase=vector"

// expected-error @+1 {{unknown phase 'vector' (expected linalg or llvm)}}
module {
}
