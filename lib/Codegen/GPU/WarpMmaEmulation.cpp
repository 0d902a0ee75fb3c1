//===- WarpMmaEmulation.cpp - tensor-core products without a GPU -----------===//

#include "Codegen/GPU/WarpMmaEmulation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {
/// Why `mma` is not an m16n8k16 product the emulation knows, or "".
std::string unsupported(NVVM::MmaOp mma) {
  NVVM::MMAShapeAttr shape = mma.getShape();
  if (shape.getM() != 16 || shape.getN() != 8 || shape.getK() != 16)
    return "a shape other than m16n8k16";
  if (mma.getOperandA().size() != 4 || mma.getOperandB().size() != 2 ||
      mma.getOperandC().size() != 4 ||
      !llvm::all_of(mma.getOperandC(),
                    [](Value v) { return v.getType().isF32(); }))
    return "operands other than 16-bit pairs and f32 accumulators";
  if (mma.getLayoutA() != NVVM::MMALayout::row ||
      mma.getLayoutB() != NVVM::MMALayout::col)
    return "layouts other than row.col";
  for (Operation *user : mma->getUsers())
    if (!isa<LLVM::ExtractValueOp>(user))
      return "a result used other than by llvm.extractvalue";
  return "";
}

/// The two f32 values of a 16-bit pair: vector<2xf16>, or an i32 holding
/// two bf16.
std::array<Value, 2> widenPair(OpBuilder &b, Location loc, Value pair) {
  Type f32 = b.getF32Type();
  if (pair.getType().isInteger(32)) {
    Value word = vector::FromElementsOp::create(
        b, loc, VectorType::get({1}, pair.getType()), ValueRange{pair});
    pair = vector::BitCastOp::create(
        b, loc, VectorType::get({2}, b.getBF16Type()), word);
  }
  std::array<Value, 2> out;
  for (int64_t e = 0; e < 2; ++e)
    out[e] = arith::ExtFOp::create(
        b, loc, f32,
        vector::ExtractOp::create(b, loc, pair, ArrayRef<int64_t>{e})
            .getResult());
  return out;
}
} // namespace

LogicalResult mlir::bertc::emulateWarpMmas(gpu::LaunchOp launch) {
  SmallVector<NVVM::MmaOp> mmas;
  launch.getBody().walk([&](NVVM::MmaOp op) { mmas.push_back(op); });
  if (mmas.empty())
    return success();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  std::optional<int64_t> bx = getConstantIntValue(block.x),
                         by = getConstantIntValue(block.y),
                         bz = getConstantIntValue(block.z);
  if (!bx || !by || !bz || (*bx * *by * *bz) % 32)
    return launch.emitError("bertc-gpu-launches-to-loops: warp products "
                            "need a constant block size, a multiple of 32");
  int64_t threads = *bx * *by * *bz;
  MLIRContext *ctx = launch.getContext();
  Type f32 = Float32Type::get(ctx);
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Location loc = launch.getLoc();
  Value fragA = launch.addWorkgroupAttribution(
      MemRefType::get({threads, 8}, f32, MemRefLayoutAttrInterface(),
                      workgroup),
      loc);
  Value fragB = launch.addWorkgroupAttribution(
      MemRefType::get({threads, 4}, f32, MemRefLayoutAttrInterface(),
                      workgroup),
      loc);

  for (NVVM::MmaOp mma : mmas) {
    std::string why = unsupported(mma);
    if (!why.empty())
      return mma.emitError("bertc-gpu-launches-to-loops: no emulation of "
                           "nvvm.mma.sync with ")
             << why;
    OpBuilder b(mma);
    Location at = mma.getLoc();
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, at, v).getResult();
    };
    auto add = [&](Value x, Value y) {
      return arith::AddIOp::create(b, at, x, y).getResult();
    };
    auto mul = [&](Value x, Value y) {
      return arith::MulIOp::create(b, at, x, y).getResult();
    };
    gpu::KernelDim3 ids = launch.getThreadIds();
    Value tid = add(mul(add(mul(ids.z, cst(*by)), ids.y), cst(*bx)), ids.x);

    // Every lane publishes its fragments.
    auto publish = [&](ValueRange pairs, Value buffer) {
      for (auto [r, pair] : llvm::enumerate(pairs)) {
        std::array<Value, 2> v = widenPair(b, at, pair);
        for (int64_t e = 0; e < 2; ++e)
          memref::StoreOp::create(b, at, v[e], buffer,
                                  ValueRange{tid, cst(2 * r + e)});
      }
    };
    publish(mma.getOperandA(), fragA);
    publish(mma.getOperandB(), fragB);
    gpu::BarrierOp::create(b, at);

    // D(row, col) = C + sum_k A(row, k) B(k, col). A(row, k) is in lane
    // 4 (row % 8) + (k % 8) / 2 of the warp, element 2 (row / 8 + 2 (k /
    // 8)) + k % 2; B(k, col) in lane 4 col + (k % 8) / 2, element
    // 2 (k / 8) + k % 2. This lane holds D at row g + 8 (q / 2), column
    // 2t + q % 2 (g = lane / 4, t = lane % 4).
    Value lane = arith::RemUIOp::create(b, at, tid, cst(32));
    Value warpBase = arith::SubIOp::create(b, at, tid, lane);
    Value g = arith::DivUIOp::create(b, at, lane, cst(4));
    Value t = arith::RemUIOp::create(b, at, lane, cst(4));
    // One loop over k for the four sums keeps the emulated kernel small.
    // The lanes holding A's row (row % 8 = g) and B's two columns.
    Value rowLane = add(warpBase, mul(g, cst(4)));
    std::array<Value, 2> colLanes;
    for (int64_t c = 0; c < 2; ++c)
      colLanes[c] = add(warpBase, mul(add(mul(t, cst(2)), cst(c)), cst(4)));
    auto loop =
        scf::ForOp::create(b, at, cst(0), cst(16), cst(1), mma.getOperandC());
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k = loop.getInductionVar();
      Value half = arith::DivUIOp::create(b, at, k, cst(8)); // k / 8
      Value odd = arith::RemUIOp::create(b, at, k, cst(2));  // k % 2
      Value lanePart = arith::DivUIOp::create(
          b, at, arith::RemUIOp::create(b, at, k, cst(8)), cst(2));
      Value bElem = add(mul(half, cst(2)), odd);
      SmallVector<Value> next;
      for (int64_t q = 0; q < 4; ++q) {
        Value aElem = add(mul(add(cst(q / 2), mul(half, cst(2))), cst(2)), odd);
        Value a = memref::LoadOp::create(
            b, at, fragA, ValueRange{add(rowLane, lanePart), aElem});
        Value bv = memref::LoadOp::create(
            b, at, fragB, ValueRange{add(colLanes[q % 2], lanePart), bElem});
        next.push_back(
            arith::AddFOp::create(b, at, loop.getRegionIterArgs()[q],
                                  arith::MulFOp::create(b, at, a, bv)));
      }
      scf::YieldOp::create(b, at, next);
    }
    SmallVector<Value> d(loop.getResults());
    // The next product's fragments overwrite these only after every lane
    // has read them.
    gpu::BarrierOp::create(b, at);

    for (Operation *user : llvm::make_early_inc_range(mma->getUsers())) {
      auto extract = cast<LLVM::ExtractValueOp>(user);
      extract.getResult().replaceAllUsesWith(d[extract.getPosition()[0]]);
      extract.erase();
    }
    mma.erase();
  }
  return success();
}
