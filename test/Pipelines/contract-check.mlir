// RUN: bertc-opt %s --split-input-file --verify-diagnostics --bertc-verify-contract="phase=linalg"

// The linalg phase contract: no bert op survives.
func.func @bert_survives(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'bert.add' survived the linalg phase}}
  %y = bert.add %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Lowered code passes the linalg contract.
func.func @lowered(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
