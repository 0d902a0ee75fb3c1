// RUN: bertc-opt %s --bertc-inline-alloca-scopes | FileCheck %s

// A scope that allocates nothing is inlined; one with an alloca stays.
// CHECK-LABEL: func.func @scopes
// CHECK-NOT: memref.alloca_scope {
// CHECK: memref.store
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca
func.func @scopes(%m: memref<4xf32>, %i: index, %f: f32) {
  memref.alloca_scope {
    memref.store %f, %m[%i] : memref<4xf32>
  }
  memref.alloca_scope {
    %a = memref.alloca() : memref<4xf32>
    memref.store %f, %a[%i] : memref<4xf32>
  }
  return
}
