//===- TiledKernelSlices.cpp - operand slices -----------------------------===//
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

SmallVector<Value>
mlir::bertc::tiled::valuesOrZero(OpBuilder &b, Location loc, Value inBounds,
                                 TypeRange types,
                                 function_ref<SmallVector<Value>()> values) {
  auto branch = scf::IfOp::create(b, loc, types, inBounds,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  scf::YieldOp::create(b, loc, values());
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  SmallVector<Value> zeros;
  for (Type type : types)
    zeros.push_back(arith::ConstantOp::create(b, loc, b.getZeroAttr(type)));
  scf::YieldOp::create(b, loc, zeros);
  return SmallVector<Value>(branch.getResults());
}

TiledKernelEmitter::SliceCopy
TiledKernelEmitter::planSlice(const SliceSource &src, Value rowBase,
                              Value rowLimit, Value shared) {
  bool kFastest = src.kFastest;
  int64_t rows = src.rows;
  SliceCopy copy{src.global, src.map, src.dim, rowBase, rowLimit, shared,
                 kFastest, tile.kMajorSlice(kFastest)};
  copy.width = copyWidth(src);
  int64_t width = copy.width;
  if (width > 1)
    copy.wide = assumeWide ? arith::ConstantIntOp::create(b, loc, 1, 1)
                           : wideAllowed(src.global, width);
  int64_t groups = rows * tile.k / width;
  int64_t rounds = llvm::divideCeil(groups, tile.threads());
  auto times = [&](Value v) { return width > 1 ? mul(v, cst(width)) : v; };
  for (int64_t r = 0; r < rounds; ++r) {
    Value e = add(tid, cst(r * tile.threads()));
    if (kFastest) {
      int64_t across = tile.k / width;
      copy.kk.push_back(times(arith::RemUIOp::create(b, loc, e, cst(across))));
      copy.row.push_back(arith::DivUIOp::create(b, loc, e, cst(across)));
    } else {
      int64_t across = rows / width;
      copy.kk.push_back(arith::DivUIOp::create(b, loc, e, cst(across)));
      copy.row.push_back(
          times(arith::RemUIOp::create(b, loc, e, cst(across))));
    }
    if ((r + 1) * tile.threads() > groups)
      copy.lastLive = lt(e, cst(groups));
  }
  return copy;
}

int64_t TiledKernelEmitter::wideWidth(Value global, AffineMap map,
                                      unsigned contiguous, int64_t extent) {
  auto type = cast<MemRefType>(global.getType());
  unsigned bits = type.getElementTypeBitWidth();
  auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
  if (!type.isLastDimUnitStride() || !last ||
      last.getPosition() != contiguous || (bits != 16 && bits != 32))
    return 1;
  // The other indices must not move with the group's elements.
  for (AffineExpr e : map.getResults().drop_back())
    if (e.isFunctionOfDim(contiguous))
      return 1;
  int64_t width = 128 / bits;
  while (width > 1 && extent % width)
    width /= 2;
  return width;
}

Value mlir::bertc::tiled::wideAccessAllowed(OpBuilder &b, Location loc,
                                           Value global, int64_t width) {
  auto rem = [&](Value v, int64_t by) {
    return arith::RemUIOp::create(b, loc, v,
                                  arith::ConstantIndexOp::create(b, loc, by));
  };
  auto zero = [&](Value v) {
    return arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, v,
        arith::ConstantIndexOp::create(b, loc, 0));
  };
  auto both = [&](Value x, Value y) {
    return arith::AndIOp::create(b, loc, x, y);
  };
  int64_t bytes =
      width * cast<MemRefType>(global.getType()).getElementTypeBitWidth() / 8;
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, global);
  Value ok = zero(rem(
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, global), bytes));
  ok = both(ok, zero(rem(meta.getOffset(), width)));
  for (Value stride : meta.getStrides().drop_back())
    ok = both(ok, zero(rem(stride, width)));
  return both(ok, zero(rem(meta.getSizes().back(), width)));
}

void TiledKernelEmitter::aimRound(const SliceCopy &copy, size_t r, Value k0) {
  ivs[copy.dim] = add(copy.rowBase, copy.row[r]);
  ivs[ct.k] = add(k0, copy.kk[r]);
}

Value TiledKernelEmitter::inBoundsAt(const SliceCopy &copy, size_t r) {
  // One statement per compare: argument order is the compiler's.
  Value inRows = lt(ivs[copy.dim], copy.rowLimit);
  Value inK = lt(ivs[ct.k], limitK);
  Value ok = both(inRows, inK);
  if (copy.lastLive && r + 1 == copy.kk.size())
    ok = both(ok, copy.lastLive);
  return ok;
}

Value TiledKernelEmitter::loadElements(const SliceCopy &copy, size_t r) {
  Type type = cast<MemRefType>(copy.global.getType()).getElementType();
  unsigned fast = copy.kFastest ? ct.k : copy.dim;
  SmallVector<Value> elements;
  Value first = ivs[fast];
  for (int64_t i = 0; i < copy.width; ++i) {
    if (i > 0)
      ivs[fast] = add(first, cst(i));
    elements.push_back(
        loadOrZero(copy.global, copy.map, inBoundsAt(copy, r), type));
  }
  ivs[fast] = first;
  if (copy.width == 1)
    return elements.front();
  return vector::FromElementsOp::create(
      b, loc, VectorType::get({copy.width}, type), elements);
}

SmallVector<Value> TiledKernelEmitter::loadSlice(const SliceCopy &copy,
                                                 Value k0) {
  SmallVector<Value> values;
  // The global element type: converting under the guard would make the
  // thread wait for the load right there, defeating the prefetch.
  Type type = cast<MemRefType>(copy.global.getType()).getElementType();
  for (size_t r = 0; r < copy.kk.size(); ++r) {
    aimRound(copy, r, k0);
    if (copy.width == 1) {
      values.push_back(loadElements(copy, r));
      continue;
    }
    // A whole group is in or out of bounds when `wide` holds.
    auto vector = VectorType::get({copy.width}, type);
    int64_t bytes = copy.width * type.getIntOrFloatBitWidth() / 8;
    auto choice = scf::IfOp::create(b, loc, vector, copy.wide,
                                    /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&choice.getThenRegion().front());
      scf::YieldOp::create(b, loc,
                           valueOrZero(inBoundsAt(copy, r), vector, [&] {
                             return vector::LoadOp::create(
                                 b, loc, vector, copy.global,
                                 indices(copy.map), /*nontemporal=*/false,
                                 llvm::Align(bytes));
                           }));
      b.setInsertionPointToStart(&choice.getElseRegion().front());
      scf::YieldOp::create(b, loc, loadElements(copy, r));
    }
    values.push_back(choice.getResult(0));
  }
  return values;
}

bool TiledKernelEmitter::asyncCopyable(const SliceSource &src) {
  auto type = cast<MemRefType>(src.global.getType());
  // The copied groups must be consecutive in the slice too.
  return tile.asyncCopies && tile.mma &&
         tile.kMajorSlice(src.kFastest) != src.kFastest &&
         type.getElementType() == tile.operand &&
         copyWidth(src) * type.getElementTypeBitWidth() == 128;
}

void TiledKernelEmitter::inRound(const SliceCopy &copy, size_t r,
                                 function_ref<void()> body) {
  if (!copy.lastLive || r + 1 != copy.kk.size())
    return body();
  auto live =
      scf::IfOp::create(b, loc, copy.lastLive, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&live.getThenRegion().front());
  body();
}

void TiledKernelEmitter::copySliceAsync(const SliceCopy &copy, Value k0) {
  for (size_t r = 0; r < copy.kk.size(); ++r) {
    inRound(copy, r, [&] {
      aimRound(copy, r, k0);
      Value inBounds = inBoundsAt(copy, r);
      SmallVector<Value, 3> at = sliceAt(copy, copy.kk[r], copy.row[r]);
      auto choice =
          scf::IfOp::create(b, loc, copy.wide, /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&choice.getThenRegion().front());
        // Outside the operand nothing is read (zero source bytes) and the
        // group is zero-filled; the address is the operand's first element.
        SmallVector<Value> saved(ivs);
        for (unsigned d : {copy.dim, ct.k})
          ivs[d] = arith::SelectOp::create(b, loc, inBounds, ivs[d], cst(0));
        Value sourceElements =
            arith::SelectOp::create(b, loc, inBounds, cst(copy.width), cst(0));
        nvgpu::DeviceAsyncCopyOp::create(
            b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()),
            copy.shared, at, copy.global, indices(copy.map),
            b.getIndexAttr(copy.width), sourceElements, b.getUnitAttr());
        ivs = saved;
        b.setInsertionPointToStart(&choice.getElseRegion().front());
        vector::StoreOp::create(b, loc, loadElements(copy, r), copy.shared, at);
      }
    });
  }
}

void TiledKernelEmitter::storeSlice(const SliceCopy &copy, ValueRange values) {
  for (size_t r = 0; r < values.size(); ++r) {
    inRound(copy, r, [&] {
      Value narrow = convert(values[r], tile.operand);
      auto storeAt = [&](Value element, Value kk, Value row) {
        memref::StoreOp::create(b, loc, element, copy.shared,
                                sliceAt(copy, kk, row));
      };
      if (copy.width == 1) {
        storeAt(narrow, copy.kk[r], copy.row[r]);
      } else if (copy.kMajor != copy.kFastest) {
        // Consecutive in the slice too, from a multiple of width in a row
        // that starts aligned to its length's bytes (GpuTile::sliceShape).
        int64_t bits = tile.operand.getIntOrFloatBitWidth();
        int64_t rowBytes =
            cast<MemRefType>(copy.shared.getType()).getShape().back() * bits /
            8;
        vector::StoreOp::create(
            b, loc, narrow, copy.shared,
            sliceAt(copy, copy.kk[r], copy.row[r]), /*nontemporal=*/false,
            llvm::Align(llvm::MinAlign(copy.width * bits / 8, rowBytes)));
      } else {
        for (int64_t i = 0; i < copy.width; ++i) {
          Value element =
              vector::ExtractOp::create(b, loc, narrow, ArrayRef<int64_t>{i});
          Value kk = copy.kk[r], row = copy.row[r];
          if (copy.kFastest)
            kk = add(kk, cst(i));
          else
            row = add(row, cst(i));
          storeAt(element, kk, row);
        }
      }
    });
  }
}
