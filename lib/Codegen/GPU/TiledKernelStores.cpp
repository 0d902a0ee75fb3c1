//===- TiledKernelStores.cpp - the sums' stores ---------------------------===//
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

void TiledKernelEmitter::storeRuns(
    int64_t run, ArrayRef<Value> outputs, const OutputEpilogue &epilogue,
    ArrayRef<std::pair<Value, Value>> owned, Value m0, Value n0, Value limitM,
    Value sizeN, ValueRange sums) {
  // One vector store per output where the whole run is in bounds (its last
  // column is: one row, ascending columns) and every output's groups are
  // aligned (checked once), else the elements' own stores.
  Value wide = wideAllowed(outputs.front(), run);
  for (Value output : outputs.drop_front())
    wide = both(wide, wideAllowed(output, run));
  SmallVector<Type> types;
  for (Value output : outputs)
    types.push_back(cast<MemRefType>(output.getType()).getElementType());
  ArrayRef<Type> epilogueTypes =
      ArrayRef<Type>(types).drop_front(epilogue && !epilogue.storeC ? 0 : 1);

  // The epilogue's other inputs read where C is (a residual) are read a run
  // at a time too (with wide loads), and the epilogue then computes
  // unguarded; one that reads anything else runs only where its element is
  // in bounds.
  SmallVector<Value> runInputs, inputWide;
  bool guarded = false;
  if (epilogue) {
    linalg::GenericOp op = epilogue.op;
    guarded = op.payloadUsesValueFromOperand(op.getDpsInitOperand(0));
    for (OpOperand *input : op.getDpsInputOperands()) {
      if (input->get() == epilogue.c ||
          !op.payloadUsesValueFromOperand(input))
        continue;
      auto type = dyn_cast<MemRefType>(input->get().getType());
      unsigned bits = type ? type.getElementTypeBitWidth() : 0;
      if (tile.wideLoads && type &&
          op.getMatchingIndexingMap(input).isIdentity() &&
          type.isLastDimUnitStride() && (bits == 16 || bits == 32)) {
        if (!llvm::is_contained(runInputs, input->get()))
          runInputs.push_back(input->get());
      } else {
        guarded = true;
      }
    }
    // Anything read otherwise: the body loads all its inputs itself.
    if (guarded)
      runInputs.clear();
  }
  for (Value input : runInputs)
    inputWide.push_back(wideAllowed(input, run));

  for (size_t first = 0; first < owned.size(); first += run) {
    SmallVector<Value> oks;
    SmallVector<SmallVector<Value>> ats, values;
    for (size_t index = first; index < first + run; ++index) {
      ivs[ct.m] = add(m0, owned[index].first);
      ivs[ct.n] = add(n0, owned[index].second);
      Value inRows = lt(ivs[ct.m], limitM);
      Value inColumns = lt(ivs[ct.n], sizeN);
      oks.push_back(both(inRows, inColumns));
      ats.push_back(indices(ct.cMap));
    }
    // Each input's run: a vector load, or guarded element loads.
    SmallVector<SmallVector<std::pair<Value, Value>>> known(run);
    for (auto [input, inWide] : llvm::zip(runInputs, inputWide)) {
      Type element = cast<MemRefType>(input.getType()).getElementType();
      auto vector = VectorType::get({run}, element);
      auto load = scf::IfOp::create(b, loc, vector, both(inWide, oks.back()),
                                    /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&load.getThenRegion().front());
      int64_t bytes = run * element.getIntOrFloatBitWidth() / 8;
      scf::YieldOp::create(b, loc,
                           ValueRange{vector::LoadOp::create(
                               b, loc, vector, input, ats.front(),
                               /*nontemporal=*/false, llvm::Align(bytes))});
      b.setInsertionPointToStart(&load.getElseRegion().front());
      SmallVector<Value> elements;
      for (int64_t i = 0; i < run; ++i)
        elements.push_back(valueOrZero(oks[i], element, [&] {
          return memref::LoadOp::create(b, loc, input, ats[i]);
        }));
      scf::YieldOp::create(
          b, loc,
          ValueRange{vector::FromElementsOp::create(b, loc, vector, elements)});
      b.setInsertionPointAfter(load);
      for (int64_t i = 0; i < run; ++i)
        known[i].push_back({input, vector::ExtractOp::create(
                                       b, loc, load.getResult(0),
                                       ArrayRef<int64_t>{i})});
    }
    for (int64_t i = 0; i < run; ++i) {
      Value sum = sums[first + i];
      SmallVector<Value> element;
      if (!epilogue || epilogue.storeC)
        element.push_back(sum);
      if (epilogue && !guarded) {
        llvm::append_range(element, outputEpilogueValues(
                                        b, loc, epilogue, sum, ats[i],
                                        known[i]));
      } else if (epilogue) {
        llvm::append_range(element, valuesOrZero(oks[i], epilogueTypes, [&] {
                             return outputEpilogueValues(b, loc, epilogue, sum,
                                                         ats[i]);
                           }));
      }
      values.push_back(element);
    }
    auto choice = scf::IfOp::create(b, loc, both(wide, oks.back()),
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&choice.getThenRegion().front());
    for (auto [o, output] : llvm::enumerate(outputs)) {
      SmallVector<Value> elements;
      for (const SmallVector<Value> &element : values)
        elements.push_back(element[o]);
      int64_t bytes = run * types[o].getIntOrFloatBitWidth() / 8;
      vector::StoreOp::create(
          b, loc,
          vector::FromElementsOp::create(
              b, loc, VectorType::get({run}, types[o]), elements),
          output, ats.front(), /*nontemporal=*/false, llvm::Align(bytes));
    }
    b.setInsertionPointToStart(&choice.getElseRegion().front());
    for (int64_t i = 0; i < run; ++i) {
      auto store = scf::IfOp::create(b, loc, oks[i], /*withElseRegion=*/false);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&store.getThenRegion().front());
      for (auto [o, output] : llvm::enumerate(outputs))
        memref::StoreOp::create(b, loc, values[i][o], output, ats[i]);
    }
  }
}

void TiledKernelEmitter::storePartials(
    Value z, ArrayRef<std::pair<Value, Value>> owned, Value m0, Value n0,
    Value limitM, Value sizeN, ValueRange sums) {
  // The thread's runs of adjacent columns as one vector store each where
  // the run is in bounds and rows of the f32 buffer keep it aligned (n a
  // multiple of the run), else element stores.
  int64_t run = tile.columnRun();
  Value wide = run > 1 ? wideAllowed(split.partials, run) : Value();
  Type f32 = b.getF32Type();
  for (size_t first = 0; first < owned.size(); first += run) {
    SmallVector<Value> oks;
    SmallVector<SmallVector<Value, 3>> ats;
    for (size_t index = first; index < first + run; ++index) {
      Value m = add(m0, owned[index].first), n = add(n0, owned[index].second);
      Value inRows = lt(m, limitM);
      Value inColumns = lt(n, sizeN);
      oks.push_back(both(inRows, inColumns));
      ats.push_back({z, m, n});
    }
    auto storeEach = [&] {
      for (int64_t i = 0; i < run; ++i) {
        auto store =
            scf::IfOp::create(b, loc, oks[i], /*withElseRegion=*/false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&store.getThenRegion().front());
        memref::StoreOp::create(b, loc, sums[first + i], split.partials,
                                ats[i]);
      }
    };
    if (!wide) {
      storeEach();
      continue;
    }
    auto choice = scf::IfOp::create(b, loc, both(wide, oks.back()),
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&choice.getThenRegion().front());
    vector::StoreOp::create(
        b, loc,
        vector::FromElementsOp::create(b, loc, VectorType::get({run}, f32),
                                       sums.slice(first, run)),
        split.partials, ats.front(), /*nontemporal=*/false,
        llvm::Align(run * 4));
    b.setInsertionPointToStart(&choice.getElseRegion().front());
    storeEach();
  }
}

bool TiledKernelEmitter::initIgnoresRows(const OutputInit &writer) {
  auto op = dyn_cast<linalg::GenericOp>(writer.op);
  // A fill is a constant (nothing to load); through a view, C's row is
  // folded into the op's indices.
  if (!op || writer.view)
    return false;
  // The op's loops are C's indices (its output map is the identity).
  std::optional<unsigned> row;
  for (auto [position, result] : llvm::enumerate(ct.cMap.getResults()))
    if (auto dim = dyn_cast<AffineDimExpr>(result);
        dim && dim.getPosition() == ct.m)
      row = position;
  if (!row)
    return false;
  for (OpOperand *input : op.getDpsInputOperands())
    if (op.payloadUsesValueFromOperand(input) &&
        op.getMatchingIndexingMap(input).isFunctionOfDim(*row))
      return false;
  WalkResult rowIndex = op->walk([&](linalg::IndexOp index) {
    return index.getDim() == *row ? WalkResult::interrupt()
                                  : WalkResult::advance();
  });
  return !rowIndex.wasInterrupted();
}

int64_t TiledKernelEmitter::storeRun(ArrayRef<Value> outputs) {
  int64_t run = tile.columnRun();
  if (run == 1 || outputs.empty() ||
      wideWidth(ct.c, ct.cMap, ct.n, run) != run)
    return 1;
  // The epilogue's outputs are indexed as C is (identity maps over its
  // indices), so their last index is n too.
  for (Value output : outputs) {
    auto type = cast<MemRefType>(output.getType());
    unsigned bits = type.getElementTypeBitWidth();
    if (!type.isLastDimUnitStride() || (bits != 16 && bits != 32))
      return 1;
  }
  return run;
}
