//===- WarpMmaEmulation.cpp - tensor-core products without a GPU -----------===//

#include "Codegen/GPU/WarpMmaEmulation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
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

/// The block's thread count, if constant.
static std::optional<int64_t> blockThreads(gpu::LaunchOp launch) {
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  std::optional<int64_t> bx = getConstantIntValue(block.x),
                         by = getConstantIntValue(block.y),
                         bz = getConstantIntValue(block.z);
  if (!bx || !by || !bz)
    return std::nullopt;
  return *bx * *by * *bz;
}

/// The block's constant thread count, if a multiple of 32.
static FailureOr<int64_t> warpThreads(gpu::LaunchOp launch, StringRef what) {
  std::optional<int64_t> threads = blockThreads(launch);
  if (!threads || *threads % 32)
    return launch.emitError("bertc-gpu-launches-to-loops: ")
           << what << " need a constant block size, a multiple of 32";
  return *threads;
}

/// The thread's linear id, x fastest.
static Value linearThreadId(OpBuilder &b, Location loc,
                            gpu::LaunchOp launch) {
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  gpu::KernelDim3 ids = launch.getThreadIds();
  Value zy = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, ids.z, block.y), ids.y);
  return arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, zy, block.x), ids.x);
}

LogicalResult mlir::bertc::emulateLdMatrices(gpu::LaunchOp launch) {
  SmallVector<nvgpu::LdMatrixOp> loads;
  launch.getBody().walk([&](nvgpu::LdMatrixOp op) { loads.push_back(op); });
  if (loads.empty())
    return success();
  FailureOr<int64_t> threads = warpThreads(launch, "ldmatrix loads");
  if (failed(threads))
    return failure();
  MLIRContext *ctx = launch.getContext();
  Location loc = launch.getLoc();
  // Each lane's row address: the indices of its row's first element (the
  // last one is the column; leading ones, as a slice's stage, pass through).
  int64_t rank = 2;
  for (nvgpu::LdMatrixOp load : loads)
    rank = std::max(rank, load.getSrcMemref().getType().getRank());
  Value rows = launch.addWorkgroupAttribution(
      MemRefType::get({*threads, rank}, IndexType::get(ctx),
                      MemRefLayoutAttrInterface(),
                      gpu::AddressSpaceAttr::get(
                          ctx, gpu::AddressSpace::Workgroup)),
      loc);
  for (nvgpu::LdMatrixOp load : loads) {
    auto type = cast<VectorType>(load.getRes().getType());
    auto memref = cast<MemRefType>(load.getSrcMemref().getType());
    if (memref.getRank() < 2 ||
        type.getRank() != 2 || type.getDimSize(1) != 2 ||
        type.getDimSize(0) != load.getNumTiles() ||
        type.getElementType().getIntOrFloatBitWidth() != 16 ||
        !llvm::all_of(load->getUsers(), [](Operation *user) {
          auto extract = dyn_cast<vector::ExtractOp>(user);
          return extract && extract.getStaticPosition().size() == 1 &&
                 !ShapedType::isDynamic(extract.getStaticPosition()[0]);
        }))
      return load.emitError("bertc-gpu-launches-to-loops: no emulation of "
                            "this nvgpu.ldmatrix (only 8 x 8 16-bit "
                            "matrices from a buffer of rank 2 or "
                            "more, whose pairs are taken apart with "
                            "vector.extract)");
    OpBuilder b(load);
    Location at = load.getLoc();
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, at, v).getResult();
    };
    auto add = [&](Value x, Value y) {
      return arith::AddIOp::create(b, at, x, y).getResult();
    };
    Value tid = linearThreadId(b, at, launch);
    int64_t dims = memref.getRank();
    for (int64_t d = 0; d < dims; ++d)
      memref::StoreOp::create(b, at, load.getIndices()[d], rows,
                              ValueRange{tid, cst(d)});
    gpu::BarrierOp::create(b, at);
    // Lane l receives, of matrix i, row l / 4 (named by lane 8 i + l / 4)
    // at columns 2 (l % 4) + {0, 1}; transposed, rows 2 (l % 4) + {0, 1}
    // at column l / 4.
    Value lane = arith::RemUIOp::create(b, at, tid, cst(32));
    Value warpBase = arith::SubIOp::create(b, at, tid, lane);
    Value byFour = arith::DivUIOp::create(b, at, lane, cst(4));
    Value twiceRem = arith::MulIOp::create(
        b, at, arith::RemUIOp::create(b, at, lane, cst(4)), cst(2));
    bool transposed = load.getTranspose();
    // Each pair as a 1-d vector (2-d vectors do not lower on the host).
    SmallVector<Value> pairs;
    auto pairType = VectorType::get({2}, type.getElementType());
    for (int64_t i = 0; i < type.getDimSize(0); ++i) {
      SmallVector<Value, 2> elements;
      for (int64_t e = 0; e < 2; ++e) {
        Value row = transposed ? add(twiceRem, cst(e)) : byFour;
        Value source = add(warpBase, add(cst(8 * i), row));
        SmallVector<Value, 3> indices;
        for (int64_t d = 0; d < dims; ++d)
          indices.push_back(memref::LoadOp::create(
              b, at, rows, ValueRange{source, cst(d)}));
        indices.back() = add(indices.back(),
                             transposed ? byFour : add(twiceRem, cst(e)));
        elements.push_back(
            memref::LoadOp::create(b, at, load.getSrcMemref(), indices));
      }
      pairs.push_back(
          vector::FromElementsOp::create(b, at, pairType, elements));
    }
    // The next load's addresses overwrite these only after every lane has
    // read them.
    gpu::BarrierOp::create(b, at);
    for (Operation *user : llvm::make_early_inc_range(load->getUsers())) {
      auto extract = cast<vector::ExtractOp>(user);
      extract.getResult().replaceAllUsesWith(
          pairs[extract.getStaticPosition()[0]]);
      extract.erase();
    }
    load.erase();
  }
  return success();
}

LogicalResult mlir::bertc::emulateWarpMmas(gpu::LaunchOp launch) {
  SmallVector<NVVM::MmaOp> mmas;
  launch.getBody().walk([&](NVVM::MmaOp op) { mmas.push_back(op); });
  if (mmas.empty())
    return success();
  FailureOr<int64_t> count = warpThreads(launch, "warp products");
  if (failed(count))
    return failure();
  int64_t threads = *count;
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
    Value tid = linearThreadId(b, at, launch);

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

LogicalResult mlir::bertc::emulateAsyncCopies(gpu::LaunchOp launch) {
  SmallVector<Operation *> waits, groups;
  SmallVector<nvgpu::DeviceAsyncCopyOp> copies;
  launch.getBody().walk([&](Operation *op) {
    if (isa<nvgpu::DeviceAsyncWaitOp>(op))
      waits.push_back(op);
    else if (isa<nvgpu::DeviceAsyncCreateGroupOp>(op))
      groups.push_back(op);
    else if (auto copy = dyn_cast<nvgpu::DeviceAsyncCopyOp>(op))
      copies.push_back(copy);
  });
  for (Operation *wait : waits)
    wait->erase();
  for (Operation *group : groups) {
    if (!group->use_empty())
      return group->emitError("bertc-gpu-launches-to-loops: a cp.async group "
                              "token used other than by a wait");
    group->erase();
  }
  for (nvgpu::DeviceAsyncCopyOp copy : copies) {
    if (!copy->use_empty())
      return copy.emitError("bertc-gpu-launches-to-loops: a cp.async token "
                            "used other than by a group");
    OpBuilder b(copy);
    Location loc = copy.getLoc();
    Type element = cast<MemRefType>(copy.getDst().getType()).getElementType();
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
    SmallVector<Value> src(copy.getSrcIndices()), dst(copy.getDstIndices());
    Value srcLast = src.back(), dstLast = dst.back();
    for (int64_t e = 0; e < copy.getDstElements().getSExtValue(); ++e) {
      Value offset = arith::ConstantIndexOp::create(b, loc, e);
      src.back() = arith::AddIOp::create(b, loc, srcLast, offset);
      dst.back() = arith::AddIOp::create(b, loc, dstLast, offset);
      auto load = [&](OpBuilder &nb, Location nloc) {
        return memref::LoadOp::create(nb, nloc, copy.getSrc(), src)
            .getResult();
      };
      Value value;
      if (Value count = copy.getSrcElements()) {
        // Elements past the source count are zero-filled, not read.
        Value read = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           offset, count);
        value = scf::IfOp::create(
                    b, loc, read,
                    [&](OpBuilder &nb, Location nloc) {
                      scf::YieldOp::create(nb, nloc, load(nb, nloc));
                    },
                    [&](OpBuilder &nb, Location nloc) {
                      scf::YieldOp::create(nb, nloc, zero);
                    })
                    .getResult(0);
      } else {
        value = load(b, loc);
      }
      memref::StoreOp::create(b, loc, value, copy.getDst(), dst);
    }
    copy.erase();
  }
  return success();
}

LogicalResult mlir::bertc::emulateShuffles(gpu::LaunchOp launch) {
  SmallVector<gpu::ShuffleOp> shuffles;
  launch.getBody().walk([&](gpu::ShuffleOp op) { shuffles.push_back(op); });
  if (shuffles.empty())
    return success();
  std::optional<int64_t> threads = blockThreads(launch);
  if (!threads)
    return launch.emitError("bertc-gpu-launches-to-loops: shuffles need a "
                            "constant block size");
  MLIRContext *ctx = launch.getContext();
  // One exchange buffer per value type; the barrier after each read lets
  // the next shuffle reuse it.
  llvm::DenseMap<Type, Value> exchange;
  for (gpu::ShuffleOp shuffle : shuffles) {
    std::optional<int64_t> width = getConstantIntValue(shuffle.getWidth());
    Type type = shuffle.getValue().getType();
    if (!width || *width < 1 || *width > 32 || *threads % *width ||
        !type.isIntOrFloat())
      return shuffle.emitError("bertc-gpu-launches-to-loops: no emulation of "
                               "this gpu.shuffle (only of a scalar, with a "
                               "constant width of at most 32 that divides "
                               "the block)");
    Value &buffer = exchange[type];
    if (!buffer)
      buffer = launch.addWorkgroupAttribution(
          MemRefType::get({*threads}, type, MemRefLayoutAttrInterface(),
                          gpu::AddressSpaceAttr::get(
                              ctx, gpu::AddressSpace::Workgroup)),
          launch.getLoc());
    OpBuilder b(shuffle);
    Location at = shuffle.getLoc();
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, at, v).getResult();
    };
    auto cmp = [&](arith::CmpIPredicate pred, Value x, Value y) {
      return arith::CmpIOp::create(b, at, pred, x, y).getResult();
    };
    Value tid = linearThreadId(b, at, launch);
    memref::StoreOp::create(b, at, shuffle.getValue(), buffer, tid);
    gpu::BarrierOp::create(b, at);
    Value lane = arith::RemUIOp::create(b, at, tid, cst(*width));
    Value base = arith::SubIOp::create(b, at, tid, lane);
    Value offset = arith::IndexCastUIOp::create(b, at, b.getIndexType(),
                                                shuffle.getOffset());
    Value source, valid;
    switch (shuffle.getMode()) {
    case gpu::ShuffleMode::XOR:
      source = arith::XOrIOp::create(b, at, lane, offset);
      break;
    case gpu::ShuffleMode::DOWN:
      source = arith::AddIOp::create(b, at, lane, offset);
      break;
    case gpu::ShuffleMode::UP:
      valid = cmp(arith::CmpIPredicate::uge, lane, offset);
      source = arith::SelectOp::create(
          b, at, valid, arith::SubIOp::create(b, at, lane, offset), lane);
      break;
    case gpu::ShuffleMode::IDX:
      source = offset;
      break;
    }
    if (!valid)
      valid = cmp(arith::CmpIPredicate::ult, source, cst(*width));
    source = arith::SelectOp::create(b, at, valid, source, lane);
    Value received = memref::LoadOp::create(
        b, at, buffer, ValueRange{arith::AddIOp::create(b, at, base, source)});
    gpu::BarrierOp::create(b, at);
    shuffle.getShuffleResult().replaceAllUsesWith(received);
    shuffle.getValid().replaceAllUsesWith(valid);
    shuffle.erase();
  }
  return success();
}
