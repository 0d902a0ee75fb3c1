//===- ProfileRegions.cpp - run-time timers around every kernel ------------===//
//
// Wraps each kernel of a bufferized CPU program (see the pass description)
// in calls of the runtime's profiler. Ids are numbered across the module,
// so both entries of a packed model share one table.
//
//===----------------------------------------------------------------------===//

#include "Codegen/KernelDescription.h"
#include "Codegen/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_PROFILEREGIONS
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {

constexpr const char *kNow = "bertc_profile_now";
constexpr const char *kAdd = "bertc_profile_add";
constexpr const char *kDescriptions = "bertc_profile_descriptions";

std::string kindOf(Operation *op) {
  if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
    if (auto tiles = loop->getAttrOfType<StringAttr>(bertc::kKernelTilesAttr))
      return tiles.str();
    return "loop";
  }
  auto linalgOp = cast<linalg::LinalgOp>(op);
  std::string kind;
  if (isa<linalg::FillOp>(op))
    kind = "fill";
  else if (isa<linalg::CopyOp>(op))
    kind = "copy";
  else if (linalg::isaContractionOpInterface(linalgOp))
    kind = "matmul";
  else if (linalgOp.getNumReductionLoops() > 0)
    kind = "reduction";
  else
    kind = "elementwise";
  return kind + " " + bertc::describeSizes(linalgOp.getStaticLoopRanges());
}

/// Outermost linalg ops and parallel loops: nothing inside a parallel loop
/// is timed (its iterations run on several threads).
SmallVector<Operation *> collectRegions(func::FuncOp func) {
  SmallVector<Operation *> regions;
  func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<linalg::LinalgOp, scf::ParallelOp>(op)) {
      regions.push_back(op);
      return WalkResult::skip();
    }
    return WalkResult::advance();
  });
  return regions;
}

struct ProfileRegionsPass
    : mlir::bertc::impl::ProfileRegionsBase<ProfileRegionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module.lookupSymbol(kDescriptions)) {
      module.emitError("bertc-profile-regions: the module is already "
                       "instrumented");
      return signalPassFailure();
    }
    SmallVector<std::pair<func::FuncOp, SmallVector<Operation *>>> funcs;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        funcs.emplace_back(func, collectRegions(func));

    // One table of NUL-terminated "KIND\tNAME" strings; offsets per id.
    std::string table;
    SmallVector<int64_t> offsets;
    for (auto &[func, regions] : funcs)
      for (Operation *op : regions) {
        offsets.push_back(table.size());
        table += kindOf(op) + "\t" + bertc::locationName(op->getLoc());
        table.push_back('\0');
      }
    if (offsets.empty())
      return;

    OpBuilder b(module.getBodyRegion());
    Location loc = module.getLoc();
    Type i64 = b.getI64Type();
    func::FuncOp::create(b, loc, kNow, b.getFunctionType({}, {i64}))
        .setPrivate();
    func::FuncOp::create(b, loc, kAdd, b.getFunctionType({i64, i64, i64}, {}))
        .setPrivate();
    auto tableType = MemRefType::get({(int64_t)table.size()}, b.getI8Type());
    SmallVector<int8_t> bytes(table.begin(), table.end());
    memref::GlobalOp::create(
        b, loc, kDescriptions, b.getStringAttr("private"), tableType,
        DenseElementsAttr::get(
            RankedTensorType::get(tableType.getShape(), b.getI8Type()),
            ArrayRef<int8_t>(bytes)),
        /*constant=*/true, /*alignment=*/nullptr);

    int64_t id = 0;
    for (auto &[func, regions] : funcs) {
      if (regions.empty())
        continue;
      b.setInsertionPointToStart(&func.getBody().front());
      Value global =
          memref::GetGlobalOp::create(b, loc, tableType, kDescriptions);
      Value base = arith::IndexCastOp::create(
          b, loc, i64,
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc, global));
      for (Operation *op : regions) {
        Location at = op->getLoc();
        b.setInsertionPoint(op);
        Value start =
            func::CallOp::create(b, at, kNow, TypeRange{i64}, ValueRange{})
                .getResult(0);
        b.setInsertionPointAfter(op);
        Value description = arith::AddIOp::create(
            b, at, base, arith::ConstantIntOp::create(b, at, i64, offsets[id]));
        func::CallOp::create(
            b, at, kAdd, TypeRange{},
            ValueRange{arith::ConstantIntOp::create(b, at, i64, id), start,
                       description});
        ++id;
      }
    }
  }
};

} // namespace
