//===- FuseAttention.cpp - attention as one tensor-core kernel ------------===//
//
// See bertc-gpu-fuse-attention in Passes.td. The chain it replaces (from the
// shared bert -> linalg lowering, bufferized, operands narrowed):
//
//   S[b,h,i,j]  = sum_d Q[b,i,h,d] K[b,j,h,d]        (S filled with 0)
//   S           = f(S, ...)                          (scale, mask; in place)
//   M[b,h,i]    = max_j S                            (M filled with -inf)
//   L[b,h,i]    = sum_j exp(S - M)                   (L filled with 0)
//   P[b,h,i,j]  = exp(S - M) / L                     (rounded to Q's type)
//   O[b,i,h,d]  = sum_j P[b,h,i,j] V[b,j,h,d]        (O filled with 0)
//
// The kernel never stores S or P: a block takes 64 query rows of one head
// (a warp 16 of them, on m16n8k16 tensor-core products), walks the keys 64
// at a time through shared memory, and keeps each row's running maximum
// and sum (the online softmax of flash attention): a new chunk's maximum
// rescales the sum and the row's context so far by exp(old - new), and the
// context is divided by the sum once at the end.
//
//===----------------------------------------------------------------------===//

#include "Codegen/ContractionMatch.h"
#include "Codegen/GPU/GenericBody.h"
#include "Codegen/GPU/KernelKind.h"
#include "Codegen/GPU/OutputEpilogue.h"
#include "Codegen/GPU/TiledKernel.h"
#include "Codegen/KernelDescription.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <limits>

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUFUSEATTENTION
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;
using namespace mlir::bertc;

namespace {

/// Query rows per block (4 warps of 16), keys per step of the key loop.
constexpr int64_t kRows = 64, kKeys = 64, kWarps = kRows / 16;
/// The head sizes the kernel takes: its sums are registers (one m16n8
/// fragment per 8 columns), K's and V's chunks static shared memory.
constexpr int64_t kMaxHead = 160;
/// Elements per 16-byte load of K and V.
constexpr int64_t kWide = 8;

struct AttentionChain {
  linalg::GenericOp scores, adjust, max, sum, probs, context;
  SmallVector<linalg::FillOp> fills; // of S, M, L and O
  Value q, k, v, s, m, l, p, o;
  int64_t head = 0; // d, static
  Type operand;     // f16 or bf16
};

bool hasMaps(linalg::GenericOp op, ArrayRef<ArrayRef<unsigned>> results,
             unsigned dims) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps.size() != results.size())
    return false;
  for (auto [map, want] : llvm::zip(maps, results))
    if (map != AffineMap::getMultiDimMapWithTargets(dims, want,
                                                    op.getContext()))
      return false;
  return true;
}

/// All loops parallel but the last, a reduction when `reduces`.
bool hasIterators(linalg::GenericOp op, unsigned loops, bool reduces) {
  SmallVector<utils::IteratorType> it = op.getIteratorTypesArray();
  if (it.size() != loops)
    return false;
  for (unsigned d = 0; d < loops; ++d)
    if (it[d] != (reduces && d + 1 == loops ? utils::IteratorType::reduction
                                            : utils::IteratorType::parallel))
      return false;
  return true;
}

/// The value the body yields, and the op that defines it.
Operation *yielded(linalg::GenericOp op) {
  return op.getRegion().front().getTerminator()->getOperand(0).getDefiningOp();
}

bool isArg(Value v, linalg::GenericOp op, unsigned i) {
  return v == op.getRegion().front().getArgument(i);
}

/// `exp(arg a - arg m)` in op's body.
bool isShiftedExp(Value v, linalg::GenericOp op, unsigned a, unsigned m) {
  auto exp = v.getDefiningOp<math::ExpOp>();
  if (!exp)
    return false;
  auto sub = exp.getOperand().getDefiningOp<arith::SubFOp>();
  return sub && isArg(sub.getLhs(), op, a) && isArg(sub.getRhs(), op, m);
}

bool isFillOf(Operation *op, Value buffer, double value) {
  auto fill = dyn_cast<linalg::FillOp>(op);
  if (!fill || fill.getOutputs()[0] != buffer)
    return false;
  auto constant = fill.getInputs()[0].getDefiningOp<arith::ConstantFloatOp>();
  return constant && constant.value().convertToDouble() == value;
}

/// Ops that may sit between the chain's ops: they neither read nor write
/// the chain's buffers nor anything else.
bool isInert(Operation *op) {
  return isa<memref::AllocOp, ViewLikeOpInterface, memref::ExpandShapeOp,
             memref::CollapseShapeOp>(op) ||
         isMemoryEffectFree(op);
}

/// The chain whose scores product is `scores`, or nullopt.
std::optional<AttentionChain> matchChain(linalg::GenericOp scores) {
  AttentionChain c;
  c.scores = scores;
  // S[b,h,i,j] += Q[b,i,h,d] * K[b,j,h,d] over loops (b, h, i, j, d).
  if (!scores.hasPureBufferSemantics() || !hasIterators(scores, 5, true) ||
      !hasMaps(scores, {{0, 2, 1, 4}, {0, 3, 1, 4}, {0, 1, 2, 3}}, 5) ||
      !isMulAddBody(scores, /*allowWidenedInputs=*/true))
    return std::nullopt;
  c.q = scores.getDpsInputs()[0];
  c.k = scores.getDpsInputs()[1];
  c.s = scores.getDpsInits()[0];
  auto qType = cast<MemRefType>(c.q.getType());
  c.operand = qType.getElementType();
  if (!c.operand.isF16() && !c.operand.isBF16())
    return std::nullopt;
  if (cast<MemRefType>(c.k.getType()).getElementType() != c.operand ||
      !cast<MemRefType>(c.s.getType()).getElementType().isF32())
    return std::nullopt;
  c.head = qType.getDimSize(3);
  if (ShapedType::isDynamic(c.head) || c.head > kMaxHead)
    return std::nullopt;

  // S starts at 0.
  Operation *before = scores->getPrevNode();
  while (before && isInert(before))
    before = before->getPrevNode();
  if (!before || !isFillOf(before, c.s, 0.0))
    return std::nullopt;
  c.fills.push_back(cast<linalg::FillOp>(before));

  // The next five generics, with only fills of their outputs and inert ops
  // between them.
  SmallVector<linalg::GenericOp> next;
  SmallVector<linalg::FillOp> fills;
  for (Operation *op = scores->getNextNode(); op && next.size() < 5;
       op = op->getNextNode()) {
    if (auto generic = dyn_cast<linalg::GenericOp>(op))
      next.push_back(generic);
    else if (auto fill = dyn_cast<linalg::FillOp>(op))
      fills.push_back(fill);
    else if (!isInert(op))
      return std::nullopt;
  }
  if (next.size() != 5)
    return std::nullopt;
  std::tie(c.adjust, c.max, c.sum, c.probs, c.context) =
      std::make_tuple(next[0], next[1], next[2], next[3], next[4]);

  // S = f(S, ...) in place, all parallel over (b, h, i, j).
  linalg::GenericOp adjust = c.adjust;
  if (!adjust.hasPureBufferSemantics() || !hasIterators(adjust, 4, false) ||
      adjust.getNumDpsInits() != 1 || adjust.getDpsInits()[0] != c.s ||
      !adjust.getIndexingMapsArray().back().isIdentity())
    return std::nullopt;
  bool readsS = false;
  for (OpOperand *input : adjust.getDpsInputOperands()) {
    AffineMap map = adjust.getMatchingIndexingMap(input);
    if (!map.isProjectedPermutation())
      return std::nullopt;
    if (input->get() == c.s) {
      if (!map.isIdentity())
        return std::nullopt;
      readsS = true;
    }
  }
  if (!readsS)
    return std::nullopt;

  // M = max_j S.
  linalg::GenericOp max = c.max;
  if (!max.hasPureBufferSemantics() || !hasIterators(max, 4, true) ||
      max.getNumDpsInputs() != 1 || max.getDpsInputs()[0] != c.s ||
      !hasMaps(max, {{0, 1, 2, 3}, {0, 1, 2}}, 4))
    return std::nullopt;
  c.m = max.getDpsInits()[0];
  Operation *combine = yielded(max);
  if (!isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(combine) ||
      !llvm::all_of(combine->getOperands(),
                    [&](Value v) { return isArg(v, max, 0) || isArg(v, max, 1); }))
    return std::nullopt;

  // L = sum_j exp(S - M).
  linalg::GenericOp sum = c.sum;
  if (!sum.hasPureBufferSemantics() || !hasIterators(sum, 4, true) ||
      sum.getNumDpsInputs() != 2 || sum.getDpsInputs()[0] != c.s ||
      sum.getDpsInputs()[1] != c.m ||
      !hasMaps(sum, {{0, 1, 2, 3}, {0, 1, 2}, {0, 1, 2}}, 4))
    return std::nullopt;
  c.l = sum.getDpsInits()[0];
  auto add = dyn_cast_or_null<arith::AddFOp>(yielded(sum));
  if (!add ||
      !((isArg(add.getLhs(), sum, 2) && isShiftedExp(add.getRhs(), sum, 0, 1)) ||
        (isArg(add.getRhs(), sum, 2) && isShiftedExp(add.getLhs(), sum, 0, 1))))
    return std::nullopt;

  // P = exp(S - M) / L, rounded to the operand type.
  linalg::GenericOp probs = c.probs;
  if (!probs.hasPureBufferSemantics() || !hasIterators(probs, 4, false) ||
      probs.getNumDpsInputs() != 3 || probs.getDpsInputs()[0] != c.s ||
      probs.getDpsInputs()[1] != c.m || probs.getDpsInputs()[2] != c.l ||
      !hasMaps(probs, {{0, 1, 2, 3}, {0, 1, 2}, {0, 1, 2}, {0, 1, 2, 3}}, 4))
    return std::nullopt;
  c.p = probs.getDpsInits()[0];
  if (cast<MemRefType>(c.p.getType()).getElementType() != c.operand)
    return std::nullopt;
  Value ratio = probs.getRegion().front().getTerminator()->getOperand(0);
  if (auto trunc = ratio.getDefiningOp<arith::TruncFOp>())
    ratio = trunc.getIn();
  auto div = ratio.getDefiningOp<arith::DivFOp>();
  if (!div || !isShiftedExp(div.getLhs(), probs, 0, 1) ||
      !isArg(div.getRhs(), probs, 2))
    return std::nullopt;

  // O[b,i,h,d] += P[b,h,i,j] * V[b,j,h,d] over loops (b, i, h, d, j).
  linalg::GenericOp context = c.context;
  if (!context.hasPureBufferSemantics() || !hasIterators(context, 5, true) ||
      !hasMaps(context, {{0, 2, 1, 4}, {0, 4, 2, 3}, {0, 1, 2, 3}}, 5) ||
      !isMulAddBody(context, /*allowWidenedInputs=*/true) ||
      context.getDpsInputs()[0] != c.p)
    return std::nullopt;
  c.v = context.getDpsInputs()[1];
  c.o = context.getDpsInits()[0];
  auto vType = cast<MemRefType>(c.v.getType());
  if (vType.getElementType() != c.operand || vType.getDimSize(3) != c.head ||
      !cast<MemRefType>(c.o.getType()).getElementType().isF32())
    return std::nullopt;

  // M, L and O start at the reductions' identities.
  double inf = std::numeric_limits<double>::infinity();
  for (auto [buffer, value] : {std::make_pair(c.m, -inf),
                               std::make_pair(c.l, 0.0),
                               std::make_pair(c.o, 0.0)}) {
    auto fill = llvm::find_if(fills, [&](linalg::FillOp f) {
      return isFillOf(f, buffer, value);
    });
    if (fill == fills.end())
      return std::nullopt;
    c.fills.push_back(*fill);
  }

  // S, M, L and P are the chain's own: nothing else reads or writes them
  // (but their deallocation).
  SmallVector<Operation *> own = {scores, adjust, max, sum, probs, context};
  llvm::append_range(own, c.fills);
  for (Value buffer : {c.s, c.m, c.l, c.p}) {
    if (!buffer.getDefiningOp<memref::AllocOp>())
      return std::nullopt;
    for (Operation *user : buffer.getUsers())
      if (!llvm::is_contained(own, user) && !isa<memref::DeallocOp>(user))
        return std::nullopt;
  }
  // Nor does the chain write what it reads (O is none of Q, K, V).
  for (Value read : {c.q, c.k, c.v})
    if (viewRoot(read) == viewRoot(c.o))
      return std::nullopt;
  return c;
}

/// Emits the chain's kernel at b's insertion point.
class AttentionEmitter {
public:
  AttentionEmitter(AttentionChain c, OpBuilder &b)
      : c(c), b(b), loc(c.context.getLoc()) {}

  void emit(const OutputEpilogue &epilogue);

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, loc,
                                     b.getF32FloatAttr(static_cast<float>(v)));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value fmax(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  /// min(x, limit - 1) for indices a guarded lane still evaluates.
  Value clampBelow(Value x, Value limit) {
    return arith::MinUIOp::create(b, loc, x,
                                  arith::SubIOp::create(b, loc, limit, cst(1)));
  }

  /// buffer[at] where `ok`, else a zero of its element type.
  Value loadOrZero(Value buffer, ValueRange at, Value ok);
  /// Two operand-type values as one mma operand (vector<2xf16>, or i32 for
  /// bf16, as emitWarpMma wants).
  Value pack(Value x, Value y);
  /// The row's total of `v` over the four lanes of its quad.
  Value quadReduce(Value v, bool isMax);

  AttentionChain c;
  OpBuilder &b;
  Location loc;
};

Value AttentionEmitter::loadOrZero(Value buffer, ValueRange at, Value ok) {
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  return tiled::valuesOrZero(b, loc, ok, element, [&] {
           return SmallVector<Value>{
               memref::LoadOp::create(b, loc, buffer, at)};
         }).front();
}

Value AttentionEmitter::pack(Value x, Value y) {
  return tiled::mmaOperand(
      b, loc, c.operand,
      vector::FromElementsOp::create(b, loc, VectorType::get({2}, c.operand),
                                     ValueRange{x, y}));
}

Value AttentionEmitter::quadReduce(Value v, bool isMax) {
  for (int32_t offset : {1, 2}) {
    auto shuffle = gpu::ShuffleOp::create(b, loc, v, offset, /*width=*/32,
                                          gpu::ShuffleMode::XOR);
    Value other = shuffle.getShuffleResult();
    v = isMax ? fmax(v, other) : arith::AddFOp::create(b, loc, v, other);
  }
  return v;
}

void AttentionEmitter::emit(const OutputEpilogue &epilogue) {
  // Sizes: Q [B, Sq, H, D], K and V [B, Sk, H, D].
  Value batch = memref::DimOp::create(b, loc, c.q, 0);
  Value queries = memref::DimOp::create(b, loc, c.q, 1);
  Value heads = memref::DimOp::create(b, loc, c.q, 2);
  Value keys = memref::DimOp::create(b, loc, c.k, 1);
  Value head = cst(c.head);
  int64_t padded = llvm::alignTo(c.head, 16); // d of the products
  int64_t tilesK = padded / 16, tilesD = padded / 8;

  // One block per 64 query rows of a (sample, head); none when empty.
  Value rowTiles = arith::CeilDivUIOp::create(b, loc, queries, cst(kRows));
  Value blocks = mul(mul(batch, heads), rowTiles);
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, blocks,
                                    cst(0));
  auto ifAny = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifAny.getThenRegion().front());

  SmallVector<int64_t> sizes = {
      cast<MemRefType>(c.q.getType()).getDimSize(0),
      cast<MemRefType>(c.q.getType()).getDimSize(2),
      cast<MemRefType>(c.q.getType()).getDimSize(1),
      cast<MemRefType>(c.k.getType()).getDimSize(1), c.head};
  std::string kind = "attention " + describeSizes(sizes) + " mma " +
                     std::to_string(kRows) + "x" + std::to_string(kKeys);
  if (epilogue)
    kind += " +epilogue";
  gpu::LaunchOp launch =
      createLaunch(b, loc, {blocks}, cst(kWarps * 32), kind);
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  // K's and V's chunks, [key][d], rows padded by 8 elements (16 bytes):
  // rows stay 4-byte aligned for the pair loads, and a fragment's 8 rows
  // start in different banks.
  auto chunkType = MemRefType::get({kKeys, padded + 8}, c.operand,
                                   MemRefLayoutAttrInterface(), workgroup);
  Value sharedK = launch.addWorkgroupAttribution(chunkType, loc);
  Value sharedV = launch.addWorkgroupAttribution(chunkType, loc);

  Value tid = launch.getThreadIds().x;
  Value lane = arith::RemUIOp::create(b, loc, tid, cst(32));
  Value warp = arith::DivUIOp::create(b, loc, tid, cst(32));
  Value group = arith::DivUIOp::create(b, loc, lane, cst(4)); // g
  Value quad = arith::RemUIOp::create(b, loc, lane, cst(4));  // t
  Value twoQuad = mul(quad, cst(2));
  Value block = launch.getBlockIds().x;
  Value rowTile = arith::RemUIOp::create(b, loc, block, rowTiles);
  Value rest = arith::DivUIOp::create(b, loc, block, rowTiles);
  Value h = arith::RemUIOp::create(b, loc, rest, heads);
  Value n = arith::DivUIOp::create(b, loc, rest, heads);
  Value warpRow = add(mul(rowTile, cst(kRows)), mul(warp, cst(16)));
  // A lane's two rows of the warp's 16: g and g + 8.
  Value rows[2] = {add(warpRow, group), add(warpRow, add(group, cst(8)))};
  Value rowOk[2] = {lt(rows[0], queries), lt(rows[1], queries)};

  // The warp's Q fragments for all of d, from global memory (zero past the
  // rows and the head): pair p is row g + 8 (p % 2), columns 2t + 8 (p / 2).
  SmallVector<SmallVector<Value>> qFrags(tilesK);
  for (int64_t kt = 0; kt < tilesK; ++kt)
    for (int64_t p = 0; p < 4; ++p) {
      Value col = add(twoQuad, cst(kt * 16 + 8 * (p / 2)));
      Value row = rows[p % 2];
      Value x = loadOrZero(c.q, {n, row, h, col},
                           both(rowOk[p % 2], lt(col, head)));
      Value col1 = add(col, cst(1));
      Value y = loadOrZero(c.q, {n, row, h, col1},
                           both(rowOk[p % 2], lt(col1, head)));
      qFrags[kt].push_back(pack(x, y));
    }

  Value wide = both(tiled::wideAccessAllowed(b, loc, c.k, kWide),
                    tiled::wideAccessAllowed(b, loc, c.v, kWide));

  // Carried over the key chunks: each row's running maximum and sum, and
  // the context's fragments (4 sums per 8 columns of d).
  double inf = std::numeric_limits<double>::infinity();
  SmallVector<Value> init = {f32(-inf), f32(-inf), f32(0), f32(0)};
  for (int64_t i = 0; i < tilesD * 4; ++i)
    init.push_back(f32(0));
  auto keyLoop = scf::ForOp::create(b, loc, cst(0), keys, cst(kKeys), init);
  {
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(keyLoop.getBody());
    Value key0 = keyLoop.getInductionVar();
    ValueRange carried = keyLoop.getRegionIterArgs();

    // 1. The chunk's K and V rows into shared memory (zero past the keys
    //    and the head), after every warp is done with the last chunk: 8
    //    elements (16 bytes) per load where K's and V's groups of 8 are
    //    aligned and whole (Q, K and V as views of one product's output:
    //    always, for heads of a multiple of 8), else one at a time.
    gpu::BarrierOp::create(b, loc);
    auto ifWide = scf::IfOp::create(b, loc, wide, /*withElseRegion=*/true);
    for (int64_t width : {kWide, int64_t(1)}) {
      OpBuilder::InsertionGuard copyGuard(b);
      b.setInsertionPointToStart(width > 1 ? &ifWide.getThenRegion().front()
                                           : &ifWide.getElseRegion().front());
      int64_t groups = padded / width;
      auto copy = scf::ForOp::create(b, loc, tid, cst(kKeys * groups),
                                     cst(kWarps * 32));
      b.setInsertionPointToStart(copy.getBody());
      Value e = copy.getInductionVar();
      Value r = arith::DivUIOp::create(b, loc, e, cst(groups));
      Value d = mul(arith::RemUIOp::create(b, loc, e, cst(groups)), cst(width));
      Value key = add(key0, r);
      Value ok = both(lt(key, keys), lt(d, head));
      for (auto [global, shared] : {std::make_pair(c.k, sharedK),
                                    std::make_pair(c.v, sharedV)}) {
        if (width == 1) {
          memref::StoreOp::create(b, loc,
                                  loadOrZero(global, {n, key, h, d}, ok),
                                  shared, ValueRange{r, d});
          continue;
        }
        auto group = VectorType::get({width}, c.operand);
        Value loaded = tiled::valuesOrZero(b, loc, ok, group, [&] {
                         return SmallVector<Value>{vector::LoadOp::create(
                             b, loc, group, global, ValueRange{n, key, h, d},
                             /*nontemporal=*/false, llvm::Align(16))};
                       }).front();
        vector::StoreOp::create(b, loc, loaded, shared, ValueRange{r, d},
                                /*nontemporal=*/false, llvm::Align(16));
      }
    }
    gpu::BarrierOp::create(b, loc);

    // 2. Scores of the warp's 16 rows and the chunk's 64 keys: fragment nt
    //    holds keys 8 nt + 2t + {0, 1} of rows g (sums 0, 1) and g + 8.
    SmallVector<Value> scores(kKeys / 8 * 4, f32(0));
    for (int64_t kt = 0; kt < tilesK; ++kt)
      for (int64_t nt = 0; nt < kKeys / 8; ++nt) {
        SmallVector<Value> bPairs;
        Value keyRow = add(group, cst(nt * 8));
        for (int64_t p = 0; p < 2; ++p) {
          Value col = add(twoQuad, cst(kt * 16 + 8 * p));
          bPairs.push_back(tiled::mmaOperand(
              b, loc, c.operand,
              vector::LoadOp::create(b, loc, VectorType::get({2}, c.operand),
                                     sharedK, ValueRange{keyRow, col},
                                     /*nontemporal=*/false, llvm::Align(4))));
        }
        SmallVector<Value> d = tiled::emitWarpMma(
            b, loc, c.operand, qFrags[kt], bPairs,
            ArrayRef<Value>(scores).slice(nt * 4, 4));
        std::copy(d.begin(), d.end(), scores.begin() + nt * 4);
      }

    // 3. The in-place op after the product (scale, mask) at each score's
    //    point; keys past the end score -inf. Lanes past the rows evaluate
    //    it at the last row and keep nothing of it.
    for (int64_t nt = 0; nt < kKeys / 8; ++nt)
      for (int64_t q = 0; q < 4; ++q) {
        Value key = add(key0, add(twoQuad, cst(nt * 8 + q % 2)));
        Value row = rows[q / 2];
        SmallVector<Value> ivs = {n, h, clampBelow(row, queries),
                                  clampBelow(key, keys)};
        Value &s = scores[nt * 4 + q];
        Value adjusted =
            emitBodyAt(b, loc, c.adjust, ivs, s, {{c.s, s}});
        s = select(lt(key, keys), adjusted, f32(-inf));
      }

    // 4. Online softmax: the rows' new maxima, the factor that rescales
    //    what came before, this chunk's exponentials and sums.
    SmallVector<Value> probs(scores.size());
    Value maxima[2], factors[2], sums[2];
    for (int64_t r = 0; r < 2; ++r) {
      Value chunkMax = f32(-inf);
      for (int64_t nt = 0; nt < kKeys / 8; ++nt)
        for (int64_t q = 2 * r; q < 2 * r + 2; ++q)
          chunkMax = fmax(chunkMax, scores[nt * 4 + q]);
      chunkMax = quadReduce(chunkMax, /*isMax=*/true);
      // exp(old - new) = exp(min(0, old - chunk)), 0 while the row has no
      // finite score (its sum and context are 0 then). Computed before the
      // new maximum: the emulation keeps one slot per carried value.
      Value old = carried[r];
      Value seen = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE,
                                         old, f32(-inf));
      Value drop = arith::MinimumFOp::create(
          b, loc, f32(0), arith::SubFOp::create(b, loc, old, chunkMax));
      factors[r] = select(seen, exp(drop), f32(0));
      maxima[r] = fmax(old, chunkMax);
      // A row with no finite score yet subtracts 0 (exp(-inf) = 0, not
      // exp(-inf - -inf) = NaN).
      Value finite = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE,
                                           maxima[r], f32(-inf));
      Value base = select(finite, maxima[r], f32(0));
      Value chunkSum = f32(0);
      for (int64_t nt = 0; nt < kKeys / 8; ++nt)
        for (int64_t q = 2 * r; q < 2 * r + 2; ++q) {
          Value e = exp(arith::SubFOp::create(b, loc, scores[nt * 4 + q], base));
          probs[nt * 4 + q] = e;
          chunkSum = arith::AddFOp::create(b, loc, chunkSum, e);
        }
      chunkSum = quadReduce(chunkSum, /*isMax=*/false);
      sums[r] = arith::AddFOp::create(
          b, loc, arith::MulFOp::create(b, loc, carried[2 + r], factors[r]),
          chunkSum);
    }

    // 5. context = context * factor + P V: P's A fragments are the score
    //    fragments 2j and 2j + 1 rounded (a C fragment's pairs are an A
    //    fragment's, 8 columns on); V's B pairs are two keys of one d.
    SmallVector<Value> context;
    for (int64_t i = 0; i < tilesD * 4; ++i)
      context.push_back(arith::MulFOp::create(b, loc, carried[4 + i],
                                              factors[(i % 4) / 2]));
    auto round = [&](Value x) {
      return arith::TruncFOp::create(b, loc, c.operand, x).getResult();
    };
    for (int64_t j = 0; j < kKeys / 16; ++j) {
      SmallVector<Value> aPairs;
      for (int64_t half = 0; half < 2; ++half)
        for (int64_t r = 0; r < 2; ++r) {
          int64_t base = (2 * j + half) * 4 + 2 * r;
          aPairs.push_back(pack(round(probs[base]), round(probs[base + 1])));
        }
      for (int64_t nt = 0; nt < tilesD; ++nt) {
        Value d = add(group, cst(nt * 8));
        SmallVector<Value> bPairs;
        for (int64_t p = 0; p < 2; ++p) {
          Value key = add(twoQuad, cst(j * 16 + 8 * p));
          Value x = memref::LoadOp::create(b, loc, sharedV, ValueRange{key, d});
          Value y = memref::LoadOp::create(b, loc, sharedV,
                                           ValueRange{add(key, cst(1)), d});
          bPairs.push_back(pack(x, y));
        }
        SmallVector<Value> sum = tiled::emitWarpMma(
            b, loc, c.operand, aPairs, bPairs,
            ArrayRef<Value>(context).slice(nt * 4, 4));
        std::copy(sum.begin(), sum.end(), context.begin() + nt * 4);
      }
    }
    SmallVector<Value> yields = {maxima[0], maxima[1], sums[0], sums[1]};
    llvm::append_range(yields, context);
    scf::YieldOp::create(b, loc, yields);
  }

  // 6. The context divided by the rows' sums, stored (or handed to the op
  //    after it) where the row and column exist.
  ValueRange done = keyLoop.getResults();
  for (int64_t nt = 0; nt < tilesD; ++nt)
    for (int64_t q = 0; q < 4; ++q) {
      Value col = add(twoQuad, cst(nt * 8 + q % 2));
      Value ok = both(rowOk[q / 2], lt(col, head));
      Value value = arith::DivFOp::create(b, loc, done[4 + nt * 4 + q],
                                          done[2 + q / 2]);
      auto store = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard storeGuard(b);
      b.setInsertionPointToStart(&store.getThenRegion().front());
      SmallVector<Value> at = {n, rows[q / 2], h, col};
      if (!epilogue || epilogue.storeC)
        memref::StoreOp::create(b, loc, value, c.o, at);
      if (epilogue)
        emitOutputEpilogue(b, loc, epilogue, value, at);
    }
}

struct GPUFuseAttentionPass
    : public bertc::impl::GPUFuseAttentionBase<GPUFuseAttentionPass> {
  void runOnOperation() override {
    SmallVector<AttentionChain> chains;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<AttentionChain> chain = matchChain(op))
        chains.push_back(*chain);
    });
    for (AttentionChain &c : chains) {
      SmallVector<Operation *> ignore = {c.context, c.fills.back()};
      // Other blocks still read Q, K, V and what the scores' op reads.
      SmallVector<Value> reads = {c.q, c.k, c.v};
      llvm::append_range(reads, c.adjust.getDpsInputs());
      OutputEpilogue epilogue =
          findOutputEpilogue(c.context, c.o, AffineMap(), reads, ignore);
      OpBuilder b(epilogue ? epilogue.op.getOperation()
                           : c.context.getOperation());
      AttentionEmitter(c, b).emit(epilogue);
      if (epilogue)
        epilogue.op.erase();
      for (Operation *op : {c.context.getOperation(), c.probs.getOperation(),
                            c.sum.getOperation(), c.max.getOperation(),
                            c.adjust.getOperation(), c.scores.getOperation()})
        op->erase();
      for (linalg::FillOp fill : c.fills)
        fill.erase();
      // Buffers nothing reads now go, with their deallocations.
      for (Value buffer : {c.s, c.m, c.l, c.p, c.o}) {
        auto alloc = buffer.getDefiningOp<memref::AllocOp>();
        if (!alloc || !llvm::all_of(alloc->getUsers(), [](Operation *user) {
              return isa<memref::DeallocOp>(user);
            }))
          continue;
        for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
          user->erase();
        alloc.erase();
      }
    }
  }
};
} // namespace
