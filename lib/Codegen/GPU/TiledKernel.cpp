//===- TiledKernel.cpp - one tiled product launch -------------------------===//
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

/// One m16n8k16 tensor-core product per warp, D = A * B + C, on the
/// fragments PTX's mma.sync defines for 16-bit operands: lane l holds, with
/// g = l / 4 and t = l % 4, the A pairs (row g + 8 (p % 2), columns
/// 2t + 8 (p / 2) + {0, 1}) for p < 4, the B pairs (rows 2t + 8p + {0, 1},
/// column g) for p < 2, and C/D at (row g + 8 (q / 2), column 2t + q % 2).
/// f16 pairs are vector<2xf16>, bf16 pairs i32, as nvvm.mma.sync wants
/// them; bertc-gpu-launches-to-loops emulates this op on those fragments.
SmallVector<Value> mlir::bertc::tiled::emitWarpMma(OpBuilder &b, Location loc, Type operand,
                               ValueRange aPairs, ValueRange bPairs,
                               ValueRange c) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto result = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  NVVM::MMATypes type =
      operand.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  auto mma = NVVM::MmaOp::create(
      b, loc, result, aPairs, bPairs, c, ArrayRef<int64_t>{16, 8, 16},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> d;
  for (int64_t q = 0; q < 4; ++q)
    d.push_back(LLVM::ExtractValueOp::create(b, loc, mma, q));
  return d;
}

Value TiledKernelEmitter::pair(Value shared, Value k, Value row) {
  // k is even and rows have an even length: one aligned 32-bit load.
  return mmaOperand(vector::LoadOp::create(
      b, loc, VectorType::get({2}, tile.operand), shared, inSlice({row, k}),
      /*nontemporal=*/false, llvm::Align(4)));
}

SmallVector<Value> TiledKernelEmitter::loadMatrices(Value shared,
                                                    Value rowBase, Value k,
                                                    Value lane, bool aOrder,
                                                    bool kMajor) {
  Value matrix = arith::DivUIOp::create(b, loc, lane, cst(8));
  Value r = arith::RemUIOp::create(b, loc, lane, cst(8));
  Value low = arith::RemUIOp::create(b, loc, matrix, cst(2));
  Value high = arith::DivUIOp::create(b, loc, matrix, cst(2));
  Value rowStep = aOrder ? low : high, colStep = aOrder ? high : low;
  Value row = add(rowBase, mul(rowStep, cst(8)));
  Value col = add(k, mul(colStep, cst(8)));
  // Lane 8 i + r names row r of matrix i in the slice: a row along k of
  // [row][k], a k of [k][row]. Slice rows start 16-byte aligned
  // (GpuTile::sliceShape, and the slices are aligned by
  // bertc-gpu-align-workgroup-memory), as ldmatrix needs.
  SmallVector<Value, 3> at =
      kMajor ? inSlice({add(col, r), row}) : inSlice({add(row, r), col});
  Value four = nvgpu::LdMatrixOp::create(
      b, loc, VectorType::get({4, 2}, tile.operand), shared, at,
      /*transpose=*/kMajor, /*numTiles=*/4);
  SmallVector<Value> pairs;
  for (int64_t i = 0; i < 4; ++i)
    pairs.push_back(mmaOperand(
        vector::ExtractOp::create(b, loc, four, ArrayRef<int64_t>{i})));
  return pairs;
}

Value mlir::bertc::tiled::mmaOperand(OpBuilder &b, Location loc, Type operand,
                                    Value pair) {
  if (!operand.isBF16())
    return pair;
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), pair);
  return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
}

SmallVector<Value> TiledKernelEmitter::mmaSteps(Value sharedA, Value sharedB,
                                                ValueRange sums, Value lane,
                                                Value group, Value quad,
                                                Value warpRow, Value warpCol,
                                                bool bKMajor) {
  SmallVector<Value> next(sums);
  Value twoQuad = mul(quad, cst(2));
  for (int64_t k0 = 0; k0 < tile.k; k0 += 16) {
    int64_t rows = tile.mmaRows(), cols = tile.mmaCols();
    SmallVector<SmallVector<Value>> as(rows), bs(cols);
    if (tile.ldmatrix) {
      // A: one load per 16 rows (its 4 pairs); B: one per 16 columns (the
      // 2 pairs of two 8-column fragments).
      for (int64_t mt = 0; mt < rows; ++mt)
        as[mt] = loadMatrices(sharedA, add(warpRow, cst(mt * 16)), cst(k0),
                              lane, /*aOrder=*/true);
      for (int64_t j = 0; j < cols / 2; ++j) {
        SmallVector<Value> four = loadMatrices(
            sharedB, add(warpCol, cst(j * 16)), cst(k0), lane,
            /*aOrder=*/false, bKMajor);
        bs[2 * j] = {four[0], four[1]};
        bs[2 * j + 1] = {four[2], four[3]};
      }
    } else {
      for (int64_t mt = 0; mt < rows; ++mt)
        for (int64_t p = 0; p < 4; ++p)
          as[mt].push_back(
              pair(sharedA, add(twoQuad, cst(k0 + 8 * (p / 2))),
                   add(warpRow, add(group, cst(mt * 16 + 8 * (p % 2))))));
      for (int64_t nt = 0; nt < cols; ++nt)
        for (int64_t p = 0; p < 2; ++p)
          bs[nt].push_back(pair(sharedB, add(twoQuad, cst(k0 + 8 * p)),
                                add(warpCol, add(group, cst(nt * 8)))));
    }
    for (int64_t mt = 0; mt < rows; ++mt)
      for (int64_t nt = 0; nt < cols; ++nt) {
        int64_t base = (mt * cols + nt) * 4;
        SmallVector<Value> d =
            emitWarpMma(b, loc, tile.operand, as[mt], bs[nt],
                        ArrayRef<Value>(next).slice(base, 4));
        std::copy(d.begin(), d.end(), next.begin() + base);
      }
  }
  return next;
}

void TiledKernelEmitter::emitLaunch(OutputInit writer,
                                    OutputEpilogue epilogue,
                                    ArrayRef<Value> sizes, Value batchCount) {
  OpBuilder::InsertionGuard launchGuard(b);
  linalg::GenericOp op = ct.op;
  Value sizeM = sizes[ct.m], sizeN = sizes[ct.n];
  Value one = cst(1);
  Value gridX = blocks(sizeN, tile.n), gridY = blocks(sizeM, tile.m);
  Value samples = arith::MaxUIOp::create(b, loc, batchCount, one);
  Value gridZ = split.count ? mul(split.count, samples) : samples;

  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto space = [&](gpu::AddressSpace s) {
    return gpu::AddressSpaceAttr::get(ctx, s);
  };
  // cp.async needs both operands copyable (one loop shape for the two).
  // A is copied along k (its groups are elements where A is not contiguous
  // in k); B along k in the dot form (B = W of x.W^T), else along n.
  bool aKMajor = tile.kMajorSlice(/*kFastest=*/true),
       bKMajor = tile.kMajorSlice(/*kFastest=*/ct.dotForm);
  bool async = asyncCopyable(sourceA()) && asyncCopyable(sourceB());
  int64_t stageCount = async ? tile.stages : tile.doubleBuffer ? 2 : 1;
  auto sliceType = [&](int64_t rows, bool kMajor) {
    return MemRefType::get(tile.sliceShape(rows, stageCount, kMajor),
                           tile.operand, MemRefLayoutAttrInterface(),
                           space(gpu::AddressSpace::Workgroup));
  };
  // Slices past the 48 KiB of static shared memory (cp.async stages) are
  // views of the launch's dynamic shared memory, A's first.
  int64_t bytesA = tile.sliceBytes(tile.m, stageCount, aKMajor);
  int64_t bytesB = tile.sliceBytes(tile.n, stageCount, bKMajor);
  bool dynamic = bytesA + bytesB > kStaticSharedBytes;
  Value dynamicBytes;
  if (dynamic)
    dynamicBytes = arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                                bytesA + bytesB);
  std::string kind = "matmul " + describeSizes(op.getStaticLoopRanges()) + " " +
                     describeSizes({tile.m, tile.n, tile.k}) +
                     (tile.mma ? " mma" : " fma");
  if (async)
    kind += " cp.async";
  if (split.count)
    kind += " split-k";
  else if (epilogue)
    kind += " +epilogue";
  auto launch = gpu::LaunchOp::create(
      b, withKernelKind(loc, kind), gridX, gridY, gridZ, cst(tile.threadsX()),
      cst(tile.threadsY()), one, dynamicBytes, /*asyncTokenType=*/nullptr,
      ValueRange{},
      dynamic ? TypeRange{}
              : TypeRange{sliceType(tile.m, aKMajor),
                          sliceType(tile.n, bKMajor)});
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  Value sharedA, sharedB;
  if (dynamic) {
    Value raw = gpu::DynamicSharedMemoryOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                        MemRefLayoutAttrInterface(),
                        space(gpu::AddressSpace::Workgroup)));
    sharedA = memref::ViewOp::create(b, loc, sliceType(tile.m, aKMajor), raw,
                                     cst(0), ValueRange{});
    sharedB = memref::ViewOp::create(b, loc, sliceType(tile.n, bKMajor), raw,
                                     cst(bytesA), ValueRange{});
  } else {
    sharedA = launch.getWorkgroupAttributions()[0];
    sharedB = launch.getWorkgroupAttributions()[1];
  }

  Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
  tid = add(mul(ty, cst(tile.threadsX())), tx);
  limitK = sizes[ct.k];
  ivs.assign(op.getNumLoops(), Value());
  Value sample = launch.getBlockIds().z, kStart = cst(0);
  if (split.count) {
    // Block z sums k range r = z / samples of sample z % samples: k in
    // [r span, min((r + 1) span, k)).
    Value range = arith::DivUIOp::create(b, loc, sample, samples);
    sample = arith::RemUIOp::create(b, loc, sample, samples);
    kStart = mul(range, split.span);
    limitK = arith::MinUIOp::create(b, loc, limitK, add(kStart, split.span));
  }
  delinearize(b, loc, sample, ct.batch, sizes, ivs);
  // The spare block of an empty batch has no valid rows.
  Value inBatch = lt(sample, batchCount);
  Value limitM = arith::SelectOp::create(b, loc, inBatch, sizeM, cst(0));
  Value m0 = mul(launch.getBlockIds().y, cst(tile.m));
  Value n0 = mul(launch.getBlockIds().x, cst(tile.n));

  // The (row, column) in the block's tile of each of the thread's sums.
  // FMA: thread (tx, ty) owns rows ty + i * threadsY and columns tx + j *
  // threadsX. Tensor cores: warp ty's warpM x warpN tile, in C fragments.
  SmallVector<std::pair<Value, Value>> owned;
  Value lane = tx, group, quad, warpRow, warpCol;
  if (tile.mma) {
    group = arith::DivUIOp::create(b, loc, lane, cst(4));
    quad = arith::RemUIOp::create(b, loc, lane, cst(4));
    warpRow = mul(arith::DivUIOp::create(b, loc, ty, cst(tile.warpsN())),
                  cst(tile.warpM));
    warpCol = mul(arith::RemUIOp::create(b, loc, ty, cst(tile.warpsN())),
                  cst(tile.warpN));
    // One value per distinct row and column (a bias is loaded once per
    // column): row mt * 16 + 8 h + group, column nt * 8 + 2 quad + c.
    SmallVector<Value> rows, cols;
    for (int64_t r = 0; r < tile.mmaRows() * 2; ++r)
      rows.push_back(add(warpRow, add(group, cst(r * 8))));
    for (int64_t c = 0; c < tile.mmaCols() * 2; ++c)
      cols.push_back(
          add(warpCol, add(mul(quad, cst(2)), cst(c / 2 * 8 + c % 2))));
    for (int64_t mt = 0; mt < tile.mmaRows(); ++mt)
      for (int64_t nt = 0; nt < tile.mmaCols(); ++nt)
        for (int64_t q = 0; q < 4; ++q)
          owned.push_back({rows[mt * 2 + q / 2], cols[nt * 2 + q % 2]});
  } else {
    // Thread t's i-th row (column): 4 t + i % 4 in group i / 4, groups 4
    // threads' width apart; ungrouped, t + i threads apart.
    auto owner = [&](Value t, int64_t threads, bool grouped, int64_t i) {
      if (!grouped)
        return add(t, cst(i * threads));
      int64_t g = GpuTile::kGroup;
      return add(mul(t, cst(g)), cst(i / g * threads * g + i % g));
    };
    SmallVector<Value> rows, cols;
    for (int64_t i = 0; i < tile.threadM; ++i)
      rows.push_back(owner(ty, tile.threadsY(), tile.groupedRows(), i));
    for (int64_t j = 0; j < tile.threadN; ++j)
      cols.push_back(owner(tx, tile.threadsX(), tile.groupedCols(), j));
    for (int64_t i = 0; i < tile.threadM; ++i)
      for (int64_t j = 0; j < tile.threadN; ++j)
        owned.push_back({rows[i], cols[j]});
  }
  auto forEachOutput = [&](function_ref<void(size_t, Value)> fn) {
    for (auto [index, rowCol] : llvm::enumerate(owned)) {
      ivs[ct.m] = add(m0, rowCol.first);
      ivs[ct.n] = add(n0, rowCol.second);
      Value inRows = lt(ivs[ct.m], limitM);
      Value inColumns = lt(ivs[ct.n], sizeN);
      fn(index, both(inRows, inColumns));
    }
  };
  // The sums are loop-carried values (registers). They start from C's
  // values, or from what the op before wrote there (a bias, zeros), which
  // then has no kernel of its own.
  SmallVector<Value> init;
  // A bias broadcast down the rows has one value per column: each of the
  // thread's columns is loaded once, guarded by the column alone (the
  // values of rows outside C are never stored).
  bool perColumn = writer && initIgnoresRows(writer);
  DenseMap<Value, Value> columnInit;
  // Split k: C's start is added once, by the sum of the partial sums.
  Value zero;
  if (split.count)
    zero = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0.0f));
  forEachOutput([&](size_t index, Value ok) {
    if (zero) {
      init.push_back(zero);
      return;
    }
    auto value = [&] {
      return emitOutputInit(b, loc, writer, indices(ct.cMap));
    };
    if (!perColumn) {
      init.push_back(writer ? valueOrZero(ok, f32, value)
                            : loadOrZero(ct.c, ct.cMap, ok, f32));
      return;
    }
    auto [it, fresh] = columnInit.try_emplace(owned[index].second);
    if (fresh)
      it->second = valueOrZero(lt(ivs[ct.n], sizeN), f32, value);
    init.push_back(it->second);
  });
  SliceCopy copyA = planSlice(sourceA(), m0, limitM, sharedA);
  SliceCopy copyB = planSlice(sourceB(), n0, sizeN, sharedB);
  // The sums after one k block's products from the slices.
  auto products = [&](ValueRange sums) -> SmallVector<Value> {
    if (tile.mma)
      return mmaSteps(sharedA, sharedB, sums, lane, group, quad, warpRow,
                      warpCol, bKMajor);
    auto step = scf::ForOp::create(
        b, loc, cst(0), cst(tile.k), one, sums,
        [&](OpBuilder &nested, Location, Value kk, ValueRange sums) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPoint(nested.getInsertionBlock(),
                              nested.getInsertionPoint());
          // This thread's rows and columns (owned's first column and
          // first row), a vector load per group. Narrow slices widen in
          // registers: products of f16/bf16 values are exact in f32, as on
          // tensor cores.
          auto read = [&](Value shared, int64_t count, bool grouped,
                          function_ref<Value(int64_t)> rowOrCol) {
            SmallVector<Value> values;
            int64_t g = grouped ? GpuTile::kGroup : 1;
            for (int64_t e = 0; e < count; e += g) {
              SmallVector<Value, 3> at = inSlice({kk, rowOrCol(e)});
              if (!grouped) {
                values.push_back(convert(
                    memref::LoadOp::create(b, loc, shared, at), f32));
                continue;
              }
              // Groups start at multiples of 4 in 16-byte aligned k rows
              // (GpuTile::sliceShape).
              auto type = VectorType::get({g}, tile.operand);
              int64_t bytes = g * tile.operand.getIntOrFloatBitWidth() / 8;
              Value group = convert(
                  vector::LoadOp::create(b, loc, type, shared, at,
                                         /*nontemporal=*/false,
                                         llvm::Align(bytes)),
                  f32);
              for (int64_t i = 0; i < g; ++i)
                values.push_back(vector::ExtractOp::create(
                    b, loc, group, ArrayRef<int64_t>{i}));
            }
            return values;
          };
          SmallVector<Value> next;
          SmallVector<Value> as =
              read(sharedA, tile.threadM, tile.groupedRows(),
                   [&](int64_t i) { return owned[i * tile.threadN].first; });
          SmallVector<Value> bs =
              read(sharedB, tile.threadN, tile.groupedCols(),
                   [&](int64_t j) { return owned[j].second; });
          for (int64_t i = 0; i < tile.threadM; ++i)
            for (int64_t j = 0; j < tile.threadN; ++j)
              next.push_back(math::FmaOp::create(b, loc, as[i], bs[j],
                                                 sums[i * tile.threadN + j]));
          scf::YieldOp::create(b, loc, next);
        });
    return step.getResults();
  };
  auto loadBoth = [&](Value k0, SmallVector<Value> &aValues,
                      SmallVector<Value> &bValues) {
    aValues = loadSlice(copyA, k0);
    bValues = loadSlice(copyB, k0);
  };
  auto storeBoth = [&](ValueRange aValues, ValueRange bValues) {
    storeSlice(copyA, aValues);
    storeSlice(copyB, bValues);
  };
  // With prefetch, the loop also carries the thread's elements of the next
  // k block to stage, loaded before this block's products so that their
  // latency overlaps them (registers). With double buffering the first
  // block is staged before the loop, and each iteration stages the next
  // block into the other stage after its products: one barrier per block.
  size_t numSums = init.size();
  SmallVector<Value> aValues, bValues;
  // cp.async: the first stages - 1 k blocks are in flight before the loop,
  // one group each. Iteration i waits for its block's group, a barrier
  // (block i visible to all; block i - 1's stage read by all), starts
  // block i + stages - 1 into that stage, then multiplies stage i.
  auto copyBoth = [&](Value k0) {
    copySliceAsync(copyA, k0);
    copySliceAsync(copyB, k0);
    // Tokens are not needed: a group is all of this thread's copies since
    // the last one, and the waits count groups.
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(ctx), ValueRange{});
  };
  Value firstGroup;
  if (async) {
    for (int64_t s = 0; s + 1 < stageCount; ++s) {
      stage = cst(s);
      Value group = copyBoth(add(kStart, cst(s * tile.k)));
      if (!firstGroup)
        firstGroup = group;
    }
  } else if (tile.doubleBuffer) {
    stage = cst(0);
    loadBoth(kStart, aValues, bValues);
    storeBoth(aValues, bValues);
    gpu::BarrierOp::create(b, loc);
  }
  if (tile.prefetch && !async) {
    loadBoth(add(kStart, cst(tile.doubleBuffer ? tile.k : 0)), aValues,
             bValues);
    llvm::append_range(init, aValues);
    llvm::append_range(init, bValues);
  }
  // cp.async: the loop carries the stage it reads (block i's: i mod
  // stages), cheaper to step than to compute from k.
  if (async)
    init.push_back(cst(0));
  auto kLoop = scf::ForOp::create(b, loc, kStart, limitK, cst(tile.k), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = kLoop.getInductionVar();
    ValueRange carried = kLoop.getRegionIterArgs();
    ValueRange sums = carried.take_front(numSums);
    if (tile.prefetch && !async) {
      ValueRange loaded = carried.drop_front(numSums);
      aValues.assign(loaded.begin(), loaded.begin() + copyA.kk.size());
      bValues.assign(loaded.begin() + copyA.kk.size(), loaded.end());
    }
    SmallVector<Value> newSums;
    Value nextStage;
    if (async) {
      Value read = carried.back();
      auto is = [&](Value v, int64_t c) {
        return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                     cst(c));
      };
      nvgpu::DeviceAsyncWaitOp::create(b, loc, firstGroup,
                                       b.getI32IntegerAttr(stageCount - 2));
      gpu::BarrierOp::create(b, loc);
      // Block i + stages - 1 goes to stage (i - 1) mod stages, which the
      // previous block's products read before the barrier.
      stage = arith::SelectOp::create(
          b, loc, is(read, 0), cst(stageCount - 1),
          arith::SubIOp::create(b, loc, read, cst(1)));
      copyBoth(add(k0, cst((stageCount - 1) * tile.k)));
      stage = read;
      newSums = products(sums);
      Value after = add(read, cst(1));
      nextStage = arith::SelectOp::create(b, loc, is(after, stageCount),
                                          cst(0), after);
    } else if (tile.doubleBuffer) {
      // The stage counts k blocks from the first (kStart: split k).
      Value first = split.count ? arith::SubIOp::create(b, loc, k0, kStart)
                                : k0;
      stage = arith::RemUIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, first, cst(tile.k)), cst(2));
      newSums = products(sums);
      Value k1 = add(k0, cst(tile.k));
      // The other stage was last read before the previous barrier.
      if (!tile.prefetch)
        loadBoth(k1, aValues, bValues);
      stage = arith::SubIOp::create(b, loc, cst(1), stage);
      storeBoth(aValues, bValues);
      if (tile.prefetch)
        loadBoth(add(k1, cst(tile.k)), aValues, bValues);
      gpu::BarrierOp::create(b, loc);
    } else {
      if (!tile.prefetch)
        loadBoth(k0, aValues, bValues);
      // The previous k block's reads of the slices are done (a barrier at
      // the top rather than the bottom keeps the sums out of the phase
      // between barriers that only copies).
      gpu::BarrierOp::create(b, loc);
      storeBoth(aValues, bValues);
      gpu::BarrierOp::create(b, loc);
      if (tile.prefetch)
        loadBoth(add(k0, cst(tile.k)), aValues, bValues);
      newSums = products(sums);
    }
    SmallVector<Value> yielded(newSums);
    if (tile.prefetch && !async) {
      llvm::append_range(yielded, aValues);
      llvm::append_range(yielded, bValues);
    }
    if (async)
      yielded.push_back(nextStage);
    scf::YieldOp::create(b, loc, yielded);
  }
  stage = nullptr;
  // The copies past the end (zero-fills) land before the block exits.
  if (async)
    nvgpu::DeviceAsyncWaitOp::create(b, loc, firstGroup,
                                     b.getI32IntegerAttr(0));

  if (split.count) {
    storePartials(launch.getBlockIds().z, owned, m0, n0, limitM, sizeN,
                  kLoop.getResults());
    return;
  }

  // The epilogue (GELU, a residual add) runs on the sums and stores where
  // it would have; C is stored too only where something else reads it.
  SmallVector<Value> outputs;
  if (!epilogue || epilogue.storeC)
    outputs.push_back(ct.c);
  if (epilogue)
    llvm::append_range(outputs, linalg::GenericOp(epilogue.op).getDpsInits());
  int64_t run = storeRun(outputs);
  if (run == 1) {
    forEachOutput([&](size_t index, Value ok) {
      auto store = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&store.getThenRegion().front());
      Value sum = kLoop.getResult(index);
      SmallVector<Value> at = indices(ct.cMap);
      if (!epilogue || epilogue.storeC)
        memref::StoreOp::create(b, loc, sum, ct.c, at);
      if (epilogue)
        emitOutputEpilogue(b, loc, epilogue, sum, at);
    });
    return;
  }
  storeRuns(run, outputs, epilogue, owned, m0, n0, limitM, sizeN,
            kLoop.getResults());
}
