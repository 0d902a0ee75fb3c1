//===- CheckAccesses.cpp - bounds and alignment asserts in kernels --------===//
//
// See bertc-gpu-check-accesses in Passes.td. The checks run in emulated
// programs only: they are what the GPU's memory system would reject, asked
// of the same addresses on the CPU.
//
//===----------------------------------------------------------------------===//

#include "Codegen/GPU/KernelKind.h"
#include "Codegen/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

namespace mlir::bertc {
#define GEN_PASS_DEF_GPUCHECKACCESSES
#include "Codegen/Passes.h.inc"
} // namespace mlir::bertc

using namespace mlir;

namespace {

/// One access: `extents` elements from `indices` along the buffer's
/// trailing dimensions (1 along the others); `count`, when set, replaces
/// the last extent (cp.async's source elements); `alignBytes` (0: none)
/// what its address must be a multiple of.
struct Access {
  Value buffer;
  ValueRange indices;
  SmallVector<int64_t> extents;
  Value count;
  int64_t alignBytes = 0;
  StringRef what;
};

class AccessChecker {
public:
  AccessChecker(Operation *op, gpu::LaunchOp launch)
      : b(op), loc(op->getLoc()), op(op), launch(launch) {}

  void check(const Access &access) {
    auto type = cast<MemRefType>(access.buffer.getType());
    if (auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(
            type.getMemorySpace());
        space && space.getValue() == gpu::AddressSpace::Private)
      return;
    // Workgroup buffers start aligned on the GPU, and their layouts are
    // static (the emulation gives them host types, which metadata ops
    // made here would not follow); global ones are where their pointer
    // says (a view into the weights is a shifted pointer).
    bool workgroup = gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(type);
    if (!type.isStrided() ||
        (workgroup && (!type.hasStaticShape() || !hasStaticLayout(type))))
      return;
    // Sizes and strides as constants where the type has them, else from
    // one metadata op (not memref.dim: lowered after the constants, it
    // takes a stack slot per use, and in the emulation's thread loops
    // those pile up).
    auto [staticStrides, staticOffset] = type.getStridesAndOffset();
    memref::ExtractStridedMetadataOp meta;
    auto metadata = [&] {
      if (!meta)
        meta = memref::ExtractStridedMetadataOp::create(b, loc, access.buffer);
      return meta;
    };
    auto value = [&](int64_t v, function_ref<Value()> dynamic) {
      return ShapedType::isDynamic(v) ? dynamic() : cst(v);
    };
    int64_t rank = type.getRank(), vectorRank = access.extents.size();
    Value inside = arith::ConstantIntOp::create(b, loc, 1, 1);
    for (int64_t d = 0; d < rank; ++d) {
      Value i = access.indices[d];
      Value dim = value(type.getDimSize(d),
                        [&] { return metadata().getSizes()[d]; });
      // Unsigned: a negative index is as far out as a large one.
      inside = andI(inside, cmp(arith::CmpIPredicate::ult, i, dim));
      int64_t v = d - (rank - vectorRank);
      Value extent = v < 0                  ? Value()
                     : access.count && d + 1 == rank ? access.count
                                                     : cst(access.extents[v]);
      if (extent)
        inside = andI(inside, cmp(arith::CmpIPredicate::ule,
                                  arith::AddIOp::create(b, loc, i, extent),
                                  dim));
    }
    // An empty cp.async source reads nothing; its address still counts.
    if (access.count) {
      Value none = cmp(arith::CmpIPredicate::eq, access.count, cst(0));
      inside = arith::OrIOp::create(b, loc, inside, none);
    }
    std::string bounds;
    llvm::raw_string_ostream(bounds) << "out of bounds of " << type;
    assertThat(inside, bounds, access.what);

    if (access.alignBytes <= 1)
      return;
    Value element =
        value(staticOffset, [&] { return metadata().getOffset(); });
    for (int64_t d = 0; d < rank; ++d) {
      Value stride = value(staticStrides[d],
                           [&] { return metadata().getStrides()[d]; });
      element = arith::AddIOp::create(
          b, loc, element,
          arith::MulIOp::create(b, loc, access.indices[d], stride));
    }
    Value address = arith::MulIOp::create(
        b, loc, element, cst(type.getElementTypeBitWidth() / 8));
    if (!workgroup)
      address = arith::AddIOp::create(
          b, loc, address,
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc,
                                                         access.buffer));
    Value rest = arith::RemUIOp::create(b, loc, address,
                                        cst(access.alignBytes));
    assertThat(cmp(arith::CmpIPredicate::eq, rest, cst(0)),
               "address not a multiple of " +
                   std::to_string(access.alignBytes) + " bytes",
               access.what);
  }

  OpBuilder b;
  Location loc;

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  static bool hasStaticLayout(MemRefType type) {
    auto [strides, offset] = type.getStridesAndOffset();
    return !ShapedType::isDynamic(offset) &&
           llvm::none_of(strides, ShapedType::isDynamic);
  }
  Value cmp(arith::CmpIPredicate p, Value l, Value r) {
    return arith::CmpIOp::create(b, loc, p, l, r);
  }
  Value andI(Value l, Value r) { return arith::AndIOp::create(b, loc, l, r); }

  void assertThat(Value cond, const std::string &problem, StringRef what) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "bertc-gpu-check-accesses: " << op->getName() << ": " << what
       << " " << problem << " at ";
    if (auto file = loc->findInstanceOf<FileLineColLoc>())
      os << file.getFilename().getValue() << ":" << file.getLine() << ":"
         << file.getColumn();
    else
      os << loc;
    // Which kernel: the module it computes (a model's ops are named by
    // their Hugging Face path) and what bertc made of it.
    Location where = launch.getLoc();
    auto name = where->findInstanceOf<NameLoc>();
    std::string kind = bertc::kernelKind(where);
    if (name || kind != "kernel")
      os << ", in the kernel";
    if (name)
      os << " of " << name.getName().getValue();
    if (kind != "kernel")
      os << " (" << kind << ")";
    cf::AssertOp::create(b, loc, cond, text);
  }

  Operation *op;
  gpu::LaunchOp launch;
};

/// The running thread's lane in its warp, from `launch`'s thread ids (x
/// fastest, as the GPU numbers a block's threads).
Value laneOf(OpBuilder &b, Location loc, gpu::LaunchOp launch) {
  gpu::KernelDim3 id = launch.getThreadIds(), size = launch.getBlockSize();
  Value linear = arith::AddIOp::create(
      b, loc, id.x,
      arith::MulIOp::create(
          b, loc, size.x,
          arith::AddIOp::create(b, loc, id.y,
                                arith::MulIOp::create(b, loc, size.y, id.z))));
  return arith::RemUIOp::create(b, loc, linear,
                                arith::ConstantIndexOp::create(b, loc, 32));
}

void checkOp(Operation *op, gpu::LaunchOp launch) {
  AccessChecker checker(op, launch);
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return checker.check({load.getMemRef(), load.getIndices(), {}, {}, 0,
                          "element"});
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return checker.check({store.getMemRef(), store.getIndices(), {}, {}, 0,
                          "element"});
  auto vectorAccess = [&](Value buffer, ValueRange indices, VectorType type,
                          std::optional<uint64_t> alignment) {
    checker.check({buffer, indices, llvm::to_vector(type.getShape()), {},
                   (int64_t)alignment.value_or(0), "vector"});
  };
  if (auto load = dyn_cast<vector::LoadOp>(op))
    return vectorAccess(load.getBase(), load.getIndices(),
                        load.getVectorType(), load.getAlignment());
  if (auto store = dyn_cast<vector::StoreOp>(op))
    return vectorAccess(store.getBase(), store.getIndices(),
                        store.getVectorType(), store.getAlignment());
  if (auto ldmatrix = dyn_cast<nvgpu::LdMatrixOp>(op)) {
    auto type = cast<MemRefType>(ldmatrix.getSrcMemref().getType());
    int64_t row = 128 / type.getElementTypeBitWidth();
    Access access{ldmatrix.getSrcMemref(), ldmatrix.getIndices(), {row}, {},
                  16, "matrix row"};
    if (ldmatrix.getNumTiles() == 4)
      return checker.check(access);
    // Fewer matrices read the addresses of the first 8 lanes per matrix.
    Value lane = laneOf(checker.b, checker.loc, launch);
    Value used = arith::CmpIOp::create(
        checker.b, checker.loc, arith::CmpIPredicate::ult, lane,
        arith::ConstantIndexOp::create(checker.b, checker.loc,
                                       8 * ldmatrix.getNumTiles()));
    auto inUse = scf::IfOp::create(checker.b, checker.loc, used,
                                   /*withElseRegion=*/false);
    checker.b.setInsertionPointToStart(&inUse.getThenRegion().front());
    return checker.check(access);
  }
  if (auto copy = dyn_cast<nvgpu::DeviceAsyncCopyOp>(op)) {
    int64_t elements = copy.getDstElements().getZExtValue();
    auto type = cast<MemRefType>(copy.getDst().getType());
    int64_t bytes = elements * type.getElementTypeBitWidth() / 8;
    checker.check({copy.getDst(), copy.getDstIndices(), {elements}, {}, bytes,
                   "cp.async destination"});
    checker.check({copy.getSrc(), copy.getSrcIndices(), {elements},
                   copy.getSrcElements(), bytes, "cp.async source"});
  }
}

struct GPUCheckAccessesPass
    : mlir::bertc::impl::GPUCheckAccessesBase<GPUCheckAccessesPass> {
  void runOnOperation() override {
    getOperation().walk([](gpu::LaunchOp launch) {
      SmallVector<Operation *> accesses;
      launch.getBody().walk([&](Operation *op) {
        if (isa<memref::LoadOp, memref::StoreOp, vector::LoadOp,
                vector::StoreOp, nvgpu::LdMatrixOp, nvgpu::DeviceAsyncCopyOp>(
                op))
          accesses.push_back(op);
      });
      for (Operation *op : accesses)
        checkOp(op, launch);
    });
  }
};

} // namespace
