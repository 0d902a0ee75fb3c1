//===- KernelFusion.h - elementwise ops run by contraction kernels -*- C++ -*-===//
//
// Which elementwise neighbours of a bufferized contraction its register
// kernel can run on the accumulators instead of a separate pass over C: the
// producer that initializes C (a bias broadcast, a fill) and the consumer
// that reads it next (GELU, a residual add).
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_CPU_KERNELFUSION_H
#define BERTC_CODEGEN_CPU_KERNELFUSION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Dominance.h"

#include <optional>

namespace mlir::bertc {

/// How a fused op's input is indexed, relative to C's buffer.
enum class FusedInputKind {
  Accumulator, // C itself: the kernel's accumulator
  Tile,        // a buffer of C's shape, read where C is (a residual)
  Row,         // a vector along C's last dimension (a bias)
};

struct FusedInput {
  FusedInputKind kind;
  Value buffer;
};

/// An elementwise op that a kernel applies to its accumulators: `op` is a
/// linalg.fill (prologue only) or an all-parallel linalg.generic whose
/// output is indexed like C; `inputs` has one entry per generic input.
struct FusedElementwise {
  Operation *op = nullptr;
  SmallVector<FusedInput> inputs;
};

/// What the kernel of one outer-product contraction takes over.
struct KernelFusionPlan {
  /// Nothing fused: the kernel reads and writes `c`.
  explicit KernelFusionPlan(Value c) : root(c), partials(c), output(c) {}

  /// C is `view(root)`, or `root` when `view` is null.
  Value root;
  memref::ExpandShapeOp view;
  /// Trailing dimensions of C that make up root's last one (Row inputs).
  unsigned rowDims = 1;
  /// Initializes C on the first k block instead of reading it.
  std::optional<FusedElementwise> prologue;
  /// Applied after the last k block, before the store.
  std::optional<FusedElementwise> epilogue;
  /// Where the kernel keeps C between k blocks: root, or the epilogue's
  /// output when that is a fresh buffer (root is then erased).
  Value partials;
  /// Where the last k block stores: partials, or the epilogue's output when
  /// that is also one of its inputs (a residual updated in place).
  Value output;

  bool fusesAnything() const { return prologue || epilogue; }
};

/// Finds the fusable neighbours of `contraction`, whose output operand is
/// `c`; the kernel may merge c's dimensions before `rowsEnd` into one (Row
/// inputs are then indexed by c's later ones). Conservative: anything
/// between the ops that writes memory, frees an input or touches the
/// buffers involved leaves them unfused.
KernelFusionPlan planKernelFusion(linalg::GenericOp contraction, Value c,
                                  unsigned rowsEnd, DominanceInfo &dominance);

/// Moves the epilogue's output allocation before the contraction when it
/// is placed after it (its sizes dominate the contraction: checked by the
/// plan).
void prepareKernelFusion(const KernelFusionPlan &plan,
                         linalg::GenericOp contraction);

/// Erases the fused ops and, when the kernel stores elsewhere, C's buffer;
/// call once the contraction itself is gone.
void finishKernelFusion(const KernelFusionPlan &plan);

/// Emits `body` (a fused generic's region) on `args`, one value per block
/// argument (null where unused), as vectors of `width` lanes, or on
/// scalars when `width` is 0. Returns the yielded value.
Value emitFusedBody(OpBuilder &b, Location loc, Block &body,
                    ArrayRef<Value> args, int64_t width);

} // namespace mlir::bertc

#endif
