//===- TiledKernelHost.cpp - the host's choices ---------------------------===//
//
// Part of the tiled matrix product kernel: see TiledKernel.h.
//
//===----------------------------------------------------------------------===//

#include "Codegen/GPU/TiledKernel.h"
#include "Codegen/GPU/KernelKind.h"
#include "Codegen/KernelDescription.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::bertc;
using namespace mlir::bertc::tiled;

void TiledKernelEmitter::emit() {
  linalg::GenericOp op = ct.op;
  OutputInit writer = findOutputInit(op, ct.c, /*fillOnly=*/false);
  SmallVector<Operation *> ignore = {op};
  if (writer)
    ignore.push_back(writer.op);
  OutputEpilogue epilogue =
      tile.epilogues
          ? findOutputEpilogue(op, ct.c, AffineMap(), {ct.a, ct.b}, ignore)
          : OutputEpilogue();
  SmallVector<Value> sizes = loopSizes(b, loc, op);
  Value batchCount = cst(1);
  for (unsigned d : ct.batch)
    batchCount = mul(batchCount, sizes[d]);
  // What the host compares grids with: the GPU's SMs, or small-below.
  if (smCount) {
    Value sms = func::CallOp::create(b, loc, smCount, b.getI64Type(),
                                     ValueRange())
                    .getResult(0);
    below = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), sms);
  } else {
    below = cst(smallBelow);
  }
  if (!small) {
    emitSplitOrWhole(writer, epilogue, sizes, batchCount);
  } else {
    // One statement per op: the order of a call's arguments is unspecified.
    Value blocksN = blocks(sizes[ct.n], tile.n);
    Value blocksM = blocks(sizes[ct.m], tile.m);
    Value samples = arith::MaxUIOp::create(b, loc, batchCount, cst(1));
    Value count = mul(mul(blocksN, blocksM), samples);
    auto choice = scf::IfOp::create(b, loc, lt(count, below),
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(choice.thenBlock()->getTerminator());
    // A grid still smaller than the GPU with the small tile splits k too.
    // The default tile's launch is for grids that fill the GPU, where split
    // k would make one range: it gets no split kernels.
    std::swap(tile, *small);
    emitSplitOrWhole(writer, epilogue, sizes, batchCount);
    std::swap(tile, *small);
    b.setInsertionPoint(choice.elseBlock()->getTerminator());
    // Full grids split only to even out their waves.
    if (tile.splitKWaves)
      emitSplitOrWhole(writer, epilogue, sizes, batchCount);
    else
      emitLaunches(writer, epilogue, sizes, batchCount);
  }
  op.erase();
  if (writer)
    writer.op->erase();
  if (epilogue) {
    epilogue.op.erase();
    // A C that is no longer written or read needs no buffer.
    auto alloc = ct.c.getDefiningOp<memref::AllocOp>();
    if (alloc && llvm::all_of(alloc->getUsers(), [](Operation *user) {
          return isa<memref::DeallocOp>(user);
        })) {
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        user->erase();
      alloc.erase();
    }
  }
}

void TiledKernelEmitter::emitSplitOrWhole(OutputInit writer,
                                          OutputEpilogue epilogue,
                                          ArrayRef<Value> sizes,
                                          Value batchCount) {
  // Static sizes that can never split make no split kernels (attention's
  // products: k is a head or a sequence).
  SmallVector<int64_t, 4> ranges = ct.op.getStaticLoopRanges();
  auto at = [](int64_t size, int64_t per) {
    return ShapedType::isDynamic(size) ? std::optional<int64_t>()
                                       : std::max<int64_t>(
                                             llvm::divideCeil(size, per), 1);
  };
  std::optional<int64_t> staticK = at(ranges[ct.k], tile.k),
                         staticM = at(ranges[ct.m], tile.m),
                         staticN = at(ranges[ct.n], tile.n);
  bool never = tile.splitK < 2 || (staticK && *staticK < 2 * tile.splitKMin) ||
               (!tile.splitKWaves && staticM && staticN &&
                *staticM * *staticN * 2 > smallBelow);
  if (never)
    return emitLaunches(writer, epilogue, sizes, batchCount);

  // Host: as many ranges as fill the GPU, or with split-k-waves as
  // splitCount weighs them (at most split-k, each at least split-k-min k
  // blocks), then evened out so that none is empty.
  // One statement per op: the order of a call's arguments is unspecified.
  Value samples = arith::MaxUIOp::create(b, loc, batchCount, cst(1));
  Value tilesN = blocks(sizes[ct.n], tile.n);
  Value tilesM = blocks(sizes[ct.m], tile.m);
  Value tiles = mul(mul(tilesN, tilesM), samples);
  Value blocksK = blocks(sizes[ct.k], tile.k);
  Value fill = tile.splitKWaves
                   ? Value()
                   : arith::DivUIOp::create(b, loc, below, tiles).getResult();
  Value byLength = arith::DivUIOp::create(b, loc, blocksK, cst(tile.splitKMin));
  Value most = arith::MinUIOp::create(b, loc, cst(tile.splitK), byLength);
  Value count = tile.splitKWaves
                    ? splitCount(tiles, blocksK, most)
                    : arith::MinUIOp::create(b, loc, fill, most).getResult();
  count = arith::MaxUIOp::create(b, loc, count, cst(1));
  Value perRange = arith::CeilDivUIOp::create(b, loc, blocksK, count);
  count = arith::CeilDivUIOp::create(b, loc, blocksK, perRange);
  // The sum's grid has a row per y and a sample per z (at most 65535
  // each): a grid of fewer blocks than an SM count always fits unless
  // small-below is set past that, the full grids split-k-waves splits
  // may not.
  auto atMost = [&](Value v, int64_t most) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, v,
                                 cst(most));
  };
  Value rowsFit = atMost(sizes[ct.m], kMaxGridYZ);
  Value samplesFit = atMost(samples, kMaxGridYZ);
  Value fits = both(rowsFit, samplesFit);
  Value several =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, count, cst(2));
  auto choice = scf::IfOp::create(b, loc, both(several, fits),
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(choice.thenBlock()->getTerminator());
  auto partialsType = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic},
      b.getF32Type());
  Value partials = memref::AllocOp::create(
      b, loc, partialsType,
      ValueRange{mul(count, samples), sizes[ct.m], sizes[ct.n]});
  split = {count, mul(perRange, cst(tile.k)), partials};
  emitLaunches(writer, epilogue, sizes, batchCount);
  emitSplitSum(writer, epilogue, sizes, batchCount);
  split = {};
  memref::DeallocOp::create(b, loc, partials);
  b.setInsertionPoint(choice.elseBlock()->getTerminator());
  emitLaunches(writer, epilogue, sizes, batchCount);
}

void TiledKernelEmitter::emitSplitSum(OutputInit writer,
                                      OutputEpilogue epilogue,
                                      ArrayRef<Value> sizes, Value batchCount) {
  OpBuilder::InsertionGuard launchGuard(b);
  // A thread per element of C: blocks of kThreads columns along x, a row
  // per y and a sample per z (the host split only where both fit a grid's
  // 65535), so no thread divides by a run-time size.
  constexpr int64_t kThreads = 128;
  Value sizeN = sizes[ct.n];
  Value count = split.count;
  Value one = cst(1);
  std::string kind = "split-k sum " +
                     describeSizes(ct.op.getStaticLoopRanges()) +
                     (epilogue ? " +epilogue" : "");
  Value samples = arith::MaxUIOp::create(b, loc, batchCount, one);
  Value rows = arith::MaxUIOp::create(b, loc, sizes[ct.m], one);
  Value columnBlocks = blocks(sizeN, kThreads);
  gpu::LaunchOp launch =
      createLaunch(b, loc, ValueRange{columnBlocks, rows, samples},
                   cst(kThreads), kind);
  Value n = add(mul(launch.getBlockIds().x, cst(kThreads)),
                launch.getThreadIds().x);
  Value m = launch.getBlockIds().y, sample = launch.getBlockIds().z;
  // One statement per op: the order of a call's arguments is unspecified.
  Value inColumns = lt(n, sizeN);
  Value inRows = lt(m, sizes[ct.m]);
  auto inside = scf::IfOp::create(b, loc, both(inColumns, inRows),
                                  /*withElseRegion=*/false);
  b.setInsertionPointToStart(&inside.getThenRegion().front());
  ivs.assign(ct.op.getNumLoops(), cst(0));
  delinearize(b, loc, sample, ct.batch, sizes, ivs);
  ivs[ct.m] = m;
  ivs[ct.n] = n;
  SmallVector<Value> at = indices(ct.cMap);
  Type f32 = b.getF32Type();
  Value start = writer ? emitOutputInit(b, loc, writer, at)
                       : convert(memref::LoadOp::create(b, loc, ct.c, at), f32);
  // Range z of this sample is at z * samples + sample.
  auto sum = scf::ForOp::create(
      b, loc, cst(0), count, one, ValueRange{start},
      [&](OpBuilder &nested, Location, Value z, ValueRange acc) {
        Value first = arith::MulIOp::create(nested, loc, z, samples);
        Value slot = arith::AddIOp::create(nested, loc, first, sample);
        Value part = memref::LoadOp::create(nested, loc, split.partials,
                                            ValueRange{slot, m, n});
        scf::YieldOp::create(
            nested, loc,
            ValueRange{arith::AddFOp::create(nested, loc, acc[0], part)});
      });
  Value result = sum.getResult(0);
  if (!epilogue || epilogue.storeC)
    memref::StoreOp::create(b, loc, result, ct.c, at);
  if (epilogue)
    emitOutputEpilogue(b, loc, epilogue, result, at);
}

void TiledKernelEmitter::emitLaunches(OutputInit writer,
                                      OutputEpilogue epilogue,
                                      ArrayRef<Value> sizes,
                                      Value batchCount) {
  Value allWide;
  if (tile.specializeWide) {
    for (const SliceSource &src : {sourceA(), sourceB()}) {
      int64_t width = copyWidth(src);
      if (width == 1)
        continue;
      Value wide = wideAllowed(src.global, width);
      allWide = allWide ? both(allWide, wide) : wide;
    }
  }
  if (!allWide)
    return emitLaunch(writer, epilogue, sizes, batchCount);
  auto choice = scf::IfOp::create(b, loc, allWide, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(choice.thenBlock()->getTerminator());
  assumeWide = true;
  emitLaunch(writer, epilogue, sizes, batchCount);
  assumeWide = false;
  b.setInsertionPoint(choice.elseBlock()->getTerminator());
  emitLaunch(writer, epilogue, sizes, batchCount);
}

Value TiledKernelEmitter::splitCount(Value tiles, Value blocksK,
                                     Value most) {
  Value sms = arith::MaxUIOp::create(b, loc, below, cst(1));
  auto cost = [&](OpBuilder &nb, Value ranges) {
    Value blocksAll = arith::MulIOp::create(nb, loc, tiles, ranges);
    Value waves = arith::CeilDivUIOp::create(nb, loc, blocksAll, sms);
    Value perRange = arith::CeilDivUIOp::create(nb, loc, blocksK, ranges);
    return arith::MulIOp::create(nb, loc, waves, perRange).getResult();
  };
  Value wholeWaves = arith::CeilDivUIOp::create(b, loc, tiles, sms);
  Value whole = mul(wholeWaves, blocksK);
  Value last = add(most, cst(1));
  auto search = scf::ForOp::create(
      b, loc, cst(2), last, cst(1), ValueRange{cst(1), whole},
      [&](OpBuilder &nb, Location, Value ranges, ValueRange best) {
        Value mine = cost(nb, ranges);
        Value better = arith::CmpIOp::create(
            nb, loc, arith::CmpIPredicate::ult, mine, best[1]);
        Value bestRanges =
            arith::SelectOp::create(nb, loc, better, ranges, best[0]);
        Value bestCost =
            arith::SelectOp::create(nb, loc, better, mine, best[1]);
        scf::YieldOp::create(nb, loc, ValueRange{bestRanges, bestCost});
      });
  Value saved = mul(search.getResult(1), cst(8));
  Value bar = mul(whole, cst(7));
  Value worth =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, saved, bar);
  return arith::SelectOp::create(b, loc, worth, search.getResult(0), cst(1));
}
