// RUN: bertc-opt %s --bertc-profile-regions --split-input-file --verify-diagnostics | FileCheck %s

// Every outermost linalg op and parallel loop is timed, in order, with its
// description's offset in one table: "fill 4x8\tembeddings.LayerNorm\0"
// (30 bytes), "reduction 4x8\tencoder.layer.3.output.LayerNorm\0" (47),
// "matmul 4x8x16\tencoder.layer.3.output.dense\0" (43), "copy ?x8\t(model)\0"
// (17): 137 bytes. The fill inside the kernel's parallel loop is not timed.
// CHECK-DAG: func.func private @bertc_profile_now() -> i64
// CHECK-DAG: func.func private @bertc_profile_add(i64, i64, i64)
// CHECK-DAG: memref.global "private" constant @bertc_profile_descriptions : memref<137xi8> = dense<"0x66696C6C2034783809656D62656464696E67732E4C617965724E6F726D00726564756374696F6E2034783809656E636F6465722E6C617965722E332E6F75747075742E4C617965724E6F726D006D61746D756C2034783878313609656E636F6465722E6C617965722E332E6F75747075742E64656E736500636F7079203F783809286D6F64656C2900">
// CHECK-LABEL: func.func @layer
// CHECK: %[[G:.*]] = memref.get_global @bertc_profile_descriptions
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[G]]
// CHECK: %[[BASE:.*]] = arith.index_cast %[[P]] : index to i64
// CHECK: %[[T0:.*]] = call @bertc_profile_now()
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: %[[O0:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[D0:.*]] = arith.addi %[[BASE]], %[[O0]]
// CHECK-NEXT: %[[ID0:.*]] = arith.constant 0 : i64
// CHECK-NEXT: call @bertc_profile_add(%[[ID0]], %[[T0]], %[[D0]])
// CHECK: %[[T1:.*]] = call @bertc_profile_now()
// CHECK-NEXT: linalg.generic
// CHECK: arith.constant 30 : i64
// CHECK: arith.constant 1 : i64
// CHECK-NEXT: call @bertc_profile_add(%{{.*}}, %[[T1]],
// CHECK: %[[T2:.*]] = call @bertc_profile_now()
// CHECK-NEXT: scf.parallel
// CHECK-NOT: call
// CHECK: } {bertc.kernel_tiles = "matmul 4x8x16"}
// CHECK: arith.constant 77 : i64
// CHECK: arith.constant 2 : i64
// CHECK-NEXT: call @bertc_profile_add(%{{.*}}, %[[T2]],
// CHECK: scf.for
// CHECK-NEXT: %[[T3:.*]] = func.call @bertc_profile_now()
// CHECK-NEXT: linalg.copy
// CHECK: arith.constant 120 : i64
// CHECK: arith.constant 3 : i64
// CHECK-NEXT: func.call @bertc_profile_add(%{{.*}}, %[[T3]],
// CHECK-LABEL: func.func @nothing_to_time
// CHECK-NOT: bertc_profile
// CHECK: return
#loc_ln = loc("embeddings.LayerNorm")
#loc_red = loc("encoder.layer.3.output.LayerNorm")
#loc_mm = loc("encoder.layer.3.output.dense")
func.func @layer(%x: memref<4x8xf32>, %y: memref<4xf32>, %d: memref<?x8xf32>,
                 %e: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %f = arith.constant 0.0 : f32
  linalg.fill ins(%f : f32) outs(%x : memref<4x8xf32>) loc(#loc_ln)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                   affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x8xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } loc(#loc_red)
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    linalg.fill ins(%f : f32) outs(%x : memref<4x8xf32>)
    scf.reduce
  } {bertc.kernel_tiles = "matmul 4x8x16"} loc(#loc_mm)
  scf.for %l = %c0 to %c2 step %c1 {
    linalg.copy ins(%d : memref<?x8xf32>) outs(%e : memref<?x8xf32>)
  }
  return
}

func.func private @external(memref<4xf32>)

func.func @nothing_to_time(%y: memref<4xf32>) {
  func.call @external(%y) : (memref<4xf32>) -> ()
  return
}

// -----

// expected-error @below {{bertc-profile-regions: the module is already instrumented}}
module {
  memref.global "private" constant @bertc_profile_descriptions : memref<1xi8> = dense<0>
}
