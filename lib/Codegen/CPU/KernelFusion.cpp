//===- KernelFusion.cpp - elementwise ops run by contraction kernels -------===//

#include "Codegen/CPU/KernelFusion.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::bertc;

namespace {

bool isView(Operation *op) {
  return isa<memref::ExpandShapeOp, memref::CollapseShapeOp, memref::CastOp>(
      op);
}

/// The buffer under reshapes and casts (views that keep every element where
/// a contiguous buffer has it).
Value viewRoot(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isView(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

/// The ops that use `v` directly or through views (the views left out).
void collectUsers(Value v, SmallVectorImpl<Operation *> &users) {
  for (Operation *user : v.getUsers()) {
    if (isView(user))
      collectUsers(user->getResult(0), users);
    else
      users.push_back(user);
  }
}

bool isF32Buffer(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getElementType().isF32();
}

/// A body the kernels can run on vectors: elementwise arith/math ops on
/// scalars, and constants.
bool isVectorizableBody(Block &body) {
  for (Operation &op : body.without_terminator()) {
    if (op.getNumRegions() != 0)
      return false;
    if (op.hasTrait<OpTrait::ConstantLike>())
      continue;
    if (!op.hasTrait<OpTrait::Elementwise>())
      return false;
    for (Type t : llvm::concat<const Type>(op.getOperandTypes(),
                                           op.getResultTypes()))
      if (!isa<IntegerType, FloatType>(t))
        return false;
  }
  return true;
}

/// `op` as an elementwise op over `root`'s shape, writing `init` (identity
/// map, not read by the body unless `initIsAccumulator`): its inputs
/// classified, or nothing when some input is indexed otherwise.
std::optional<FusedElementwise> matchElementwise(linalg::GenericOp op,
                                                 Value root,
                                                 bool initIsAccumulator) {
  auto rootType = cast<MemRefType>(root.getType());
  unsigned rank = rootType.getRank();
  if (op.getNumDpsInits() != 1 || op.getNumLoops() != rank ||
      op.getNumReductionLoops() != 0 || !isVectorizableBody(*op.getBody()))
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  if (!isF32Buffer(init->get()) ||
      !op.getMatchingIndexingMap(init).isIdentity())
    return std::nullopt;
  if (!initIsAccumulator && op.payloadUsesValueFromOperand(init))
    return std::nullopt;

  FusedElementwise fused;
  fused.op = op;
  AffineMap lastDim = AffineMap::get(
      rank, 0, getAffineDimExpr(rank - 1, op.getContext()));
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value v = input->get();
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!isF32Buffer(v))
      return std::nullopt;
    if (viewRoot(v) == root) {
      if (v.getType() != rootType || !map.isIdentity())
        return std::nullopt;
      fused.inputs.push_back({FusedInputKind::Accumulator, v});
    } else if (map.isIdentity() && v.getType() == rootType) {
      fused.inputs.push_back({FusedInputKind::Tile, v});
    } else if (map == lastDim) {
      fused.inputs.push_back({FusedInputKind::Row, v});
    } else {
      return std::nullopt;
    }
  }
  return fused;
}

/// True when the ops strictly between `from` and `to` (one block) write no
/// memory, free none of `kept`'s buffers and use none of `untouched`'s
/// (other than for its sizes): moving what `from` and `to` do next to each
/// other changes no value anyone reads.
bool quietBetween(Operation *from, Operation *to, ArrayRef<Value> kept,
                  ArrayRef<Value> untouched) {
  auto isAny = [](Value v, ArrayRef<Value> roots) {
    return llvm::is_contained(roots, viewRoot(v));
  };
  for (Operation *op = from->getNextNode(); op != to; op = op->getNextNode()) {
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      if (isAny(dealloc.getMemref(), kept) ||
          isAny(dealloc.getMemref(), untouched))
        return false;
      continue;
    }
    if (isView(op) || isa<memref::DimOp>(op))
      continue;
    bool usesUntouched = false;
    op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands())
        usesUntouched |= isa<MemRefType>(v.getType()) && isAny(v, untouched);
    });
    if (usesUntouched)
      return false;
    if (isMemoryEffectFree(op))
      continue;
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects || !effects.onlyHasEffect<MemoryEffects::Allocate>())
      return false;
  }
  return true;
}

/// The buffers an elementwise op reads besides C.
SmallVector<Value> inputRoots(const FusedElementwise &fused) {
  SmallVector<Value> roots;
  for (const FusedInput &input : fused.inputs)
    if (input.kind != FusedInputKind::Accumulator)
      roots.push_back(viewRoot(input.buffer));
  return roots;
}

} // namespace

KernelFusionPlan mlir::bertc::planKernelFusion(linalg::GenericOp contraction,
                                               Value c, unsigned rowsEnd,
                                               DominanceInfo &dominance) {
  auto view = c.getDefiningOp<memref::ExpandShapeOp>();
  KernelFusionPlan plan(view ? view.getSrc() : c);
  plan.view = view;
  auto rootType = dyn_cast<MemRefType>(plan.root.getType());
  if (!rootType || !rootType.getLayout().isIdentity())
    return plan;
  if (view)
    plan.rowDims = view.getReassociationIndices().back().size();
  // Row inputs follow root's last dimension, split over c's last rowDims.
  if (rowsEnd + plan.rowDims > cast<MemRefType>(c.getType()).getRank())
    return plan;

  // C's other users, as ops of the contraction's block; one elsewhere (a
  // loop that reads C) keeps everything as it is.
  Block *block = contraction->getBlock();
  SmallVector<Operation *> users;
  collectUsers(plan.root, users);
  Operation *before = nullptr, *after = nullptr;
  for (Operation *&user : users) {
    user = block->findAncestorOpInBlock(*user);
    if (!user)
      return plan;
    if (user == contraction || isa<memref::DeallocOp>(user))
      continue;
    if (user->isBeforeInBlock(contraction)) {
      if (!before || before->isBeforeInBlock(user))
        before = user;
    } else if (!after || user->isBeforeInBlock(after)) {
      after = user;
    }
  }

  // Prologue: the op that writes all of C right before the product.
  if (before) {
    std::optional<FusedElementwise> fused;
    if (auto fill = dyn_cast<linalg::FillOp>(before)) {
      if (fill.getOutputs()[0] == plan.root)
        fused = FusedElementwise{fill, {}};
    } else if (auto generic = dyn_cast<linalg::GenericOp>(before)) {
      if (generic.getNumDpsInits() == 1 &&
          generic.getDpsInits()[0] == plan.root)
        fused = matchElementwise(generic, plan.root,
                                 /*initIsAccumulator=*/false);
      if (fused && llvm::any_of(fused->inputs, [](const FusedInput &in) {
            return in.kind == FusedInputKind::Accumulator;
          }))
        fused.reset();
    }
    if (fused && quietBetween(before, contraction, inputRoots(*fused), {}))
      plan.prologue = std::move(fused);
  }

  // Epilogue: the elementwise op that reads C next, with C as one input.
  auto generic = dyn_cast_or_null<linalg::GenericOp>(after);
  if (!generic || generic.getNumDpsInits() != 1)
    return plan;
  Value out = generic.getDpsInits()[0];
  bool inPlace = out == plan.root;
  std::optional<FusedElementwise> fused =
      matchElementwise(generic, plan.root, /*initIsAccumulator=*/inPlace);
  if (!fused || llvm::count_if(fused->inputs, [](const FusedInput &in) {
                  return in.kind == FusedInputKind::Accumulator;
                }) != 1)
    return plan;
  // Its inputs, and the values its body takes from outside, must be there
  // where the kernel is.
  SmallVector<Value> kept = inputRoots(*fused);
  for (const FusedInput &input : fused->inputs)
    if (input.kind != FusedInputKind::Accumulator &&
        !dominance.properlyDominates(input.buffer, contraction))
      return plan;
  Region &body = generic.getRegion();
  for (Operation &op : body.front())
    for (Value v : op.getOperands())
      if (v.getParentRegion() != &body &&
          !dominance.properlyDominates(v, contraction))
        return plan;
  Value partials = plan.root;
  if (!inPlace) {
    // The kernel writes another buffer: nobody may read C after it.
    if (out.getType() != rootType ||
        !llvm::all_of(users, [&](Operation *user) {
          return user == contraction || user == before || user == after ||
                 isa<memref::DeallocOp>(user);
        }))
      return plan;
    if (llvm::is_contained(kept, out)) {
      // The output is also read (a residual added in place): each element
      // is read where it is stored, after the last k block; the partial
      // sums stay in C.
      if (llvm::count_if(fused->inputs, [&](const FusedInput &in) {
            return viewRoot(in.buffer) == out;
          }) != 1 ||
          !llvm::any_of(fused->inputs, [&](const FusedInput &in) {
            return in.kind == FusedInputKind::Tile && in.buffer == out;
          }))
        return plan;
    } else {
      // A fresh output buffer: it takes the partial sums too and C's
      // buffer goes, so C must start from the prologue.
      auto alloc = out.getDefiningOp<memref::AllocOp>();
      if (!plan.prologue || !alloc || alloc->getBlock() != block ||
          !llvm::all_of(alloc->getOperands(), [&](Value size) {
            return dominance.properlyDominates(size, contraction);
          }))
        return plan;
      partials = out;
    }
  }
  SmallVector<Value> untouched;
  if (!inPlace)
    untouched.push_back(out);
  if (!quietBetween(contraction, after, kept, untouched))
    return plan;
  plan.partials = partials;
  plan.output = out;
  plan.epilogue = std::move(fused);
  return plan;
}

void mlir::bertc::prepareKernelFusion(const KernelFusionPlan &plan,
                                      linalg::GenericOp contraction) {
  if (plan.partials == plan.root)
    return;
  Operation *alloc = plan.partials.getDefiningOp();
  if (contraction->isBeforeInBlock(alloc))
    alloc->moveBefore(contraction);
}

void mlir::bertc::finishKernelFusion(const KernelFusionPlan &plan) {
  if (plan.epilogue)
    plan.epilogue->op->erase();
  if (plan.prologue)
    plan.prologue->op->erase();
  if (plan.partials == plan.root)
    return;
  // C's buffer: only its views and deallocation are left.
  SmallVector<Operation *> dead;
  std::function<void(Value)> collect = [&](Value v) {
    for (Operation *user : v.getUsers()) {
      if (isView(user))
        collect(user->getResult(0));
      dead.push_back(user);
    }
  };
  collect(plan.root);
  for (Operation *op : dead) // every view after its users
    op->erase();
  plan.root.getDefiningOp()->erase();
}

Value mlir::bertc::emitFusedBody(OpBuilder &b, Location loc, Block &body,
                                 ArrayRef<Value> args, int64_t width) {
  IRMapping map;
  for (auto [arg, value] : llvm::zip(body.getArguments(), args))
    if (value)
      map.map(arg, value);
  // Scalars from outside the body, and constants, are splat once.
  auto vectorOperand = [&](Value v) {
    Value mapped = map.lookupOrDefault(v);
    if (width == 0 || isa<VectorType>(mapped.getType()))
      return mapped;
    Value splat = vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, mapped.getType()), mapped);
    map.map(v, splat);
    return splat;
  };
  for (Operation &op : body.without_terminator()) {
    if (width != 0 && !op.hasTrait<OpTrait::ConstantLike>())
      for (Value v : op.getOperands())
        vectorOperand(v);
    Operation *clone = b.clone(op, map);
    // Elementwise ops keep their attributes and take vectors as they are.
    if (width != 0 && !op.hasTrait<OpTrait::ConstantLike>())
      for (Value result : clone->getResults())
        result.setType(VectorType::get({width}, result.getType()));
  }
  return vectorOperand(body.getTerminator()->getOperand(0));
}
