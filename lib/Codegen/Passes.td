//===- Passes.td - bertc code generation passes --------------*- tablegen -*-===//
//
// Target code generation on bufferized linalg: what turns loops over memrefs
// into code shaped for a machine (register tiles, vectors, threads).
//
//===----------------------------------------------------------------------===//

#ifndef BERTC_CODEGEN_PASSES_TD
#define BERTC_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def CPUContractionKernels
    : Pass<"bertc-cpu-contraction-kernels", "func::FuncOp"> {
  let summary = "Rewrite f32 matrix products as register-tiled vector kernels "
                "under parallel tile loops";
  let description = [{
    Matches bufferized `linalg.generic` contractions (one reduction loop `k`,
    body `out + a * b`, projected-permutation maps) whose output's last loop
    is `n` (indexed by B, not A), with A contiguous in `k`. `m` is the
    innermost other output loop that A indexes and B does not; every other
    output loop is a batch loop. Two kernel shapes:

    - dot form, B contiguous in `k` (a `[N, K]` weight as PyTorch stores it,
      or K in Q.K^T): an `mr x nr` tile of outputs keeps `mr * nr` vector
      accumulators of partial sums along `k`, reduced once at the end; the
      `k` remainder is one masked step.
    - outer-product form, B contiguous in `n` (V in P.V): an
      `outer-rows x (outer-vectors * width)` tile of C (14 x 32 by default:
      28 of AVX-512's 32 registers) lives in registers;
      each `k` step broadcasts one A element per row and multiplies it with
      B's row segment.

    In the dot form, tiles are the iterations of one `scf.parallel` over
    (batch loops, n tiles, m tiles), which the pipeline turns into an OpenMP
    loop; m tiles vary fastest, so a thread reuses B's tile from cache
    across a column of tiles. In the outer-product form, the parallel loop
    is over (batch loops, m blocks, n tiles): a thread takes a block of
    `outer-m-block` row tiles of A (kept in L2 across panels) and a column
    panel of B, and walks the panel in blocks of `outer-k-block` rows, each
    block (32 columns x 512 rows = 64 KiB) reused from cache by every row
    tile of the block, C accumulating across k blocks. A product with many
    rows (a linear layer over batch x sequence tokens) so reads each weight
    panel once per m block, not once per sample. Edge tiles that do not fill a whole register tile take a simple
    path (dot form: one output at a time, still vectorized along `k`;
    outer form: the kernel one row at a time when the columns are whole,
    else scalar loops).

    With `prefetch` (the default), when B is a view of a function argument
    (the weights), each row tile of an outer-product block first prefetches
    its share of B's next k block (past the panel's last block, the next
    panel's first): weight panels are read once per call and come from
    DRAM, which the first row tile of a block would otherwise wait on for
    every B row. Intermediate results (attention's V) are left to the
    cache.

    With `pad-rows` (the default), an outer-product kernel whose A has a
    static k of a multiple of 1024 floats (rows 4 KiB apart, which all
    fall in one L1 set: BERT-base's FFN output, every product of
    BERT-large) first copies A into a buffer whose rows are one cache line
    longer, and reads that; the copy costs a pass over A, which the kernel
    reads once per weight panel.

    The tile loop carries `bertc.kernel_tiles = "matmul MxNxK"` (batch
    sizes first, `?` where dynamic, `+epilogue` when it runs one), which
    bertc-profile-regions reports it by.

    With `fuse-elementwise` (the default), an outer-product kernel also
    runs its elementwise neighbours (KernelFusion.h): the op that writes all
    of C right before it (a bias broadcast, a fill) becomes the accumulators'
    initial value on the first k block, and the elementwise op that reads C
    next (GELU in place, a residual add into another buffer) is applied to
    the accumulators after the last k block, before the store; both ops are
    erased, and so is C's buffer when the consumer wrote elsewhere (the
    partial sums between k blocks then live in the consumer's output). Their
    other inputs must be indexed like C or by its last dimension (a bias),
    and nothing between the ops may write memory or free what they read.

    Example, a linear layer's product after bufferization:
    ```mlir
    linalg.generic {indexing_maps = [(d0, d1, d2, d3) -> (d0, d1, d3),
                                     (d0, d1, d2, d3) -> (d2, d3),
                                     (d0, d1, d2, d3) -> (d0, d1, d2)],
                    iterator_types = ["parallel", "parallel", "parallel",
                                      "reduction"]}
        ins(%x, %w : memref<1x128x768xf32>, memref<3072x768xf32>)
        outs(%y : memref<1x128x3072xf32>) { ... mulf, addf ... }
    ```
    becomes `scf.parallel (%b, %nt, %mt)` over a 4 x 6 dot-form kernel with
    `vector.fma` on `vector<16xf32>` and one `vector.reduction <add>` per
    output.
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector register (16: AVX-512, 8: AVX2)">,
    Option<"dotRows", "dot-rows", "int64_t", /*default=*/"4",
           "dot form: rows of A per register tile">,
    Option<"dotCols", "dot-cols", "int64_t", /*default=*/"6",
           "dot form: rows of B (output columns) per register tile">,
    Option<"outerRows", "outer-rows", "int64_t", /*default=*/"14",
           "outer-product form: rows of C per register tile">,
    Option<"outerVectors", "outer-vectors", "int64_t", /*default=*/"2",
           "outer-product form: vectors of C per row of a register tile">,
    Option<"outerKBlock", "outer-k-block", "int64_t", /*default=*/"512",
           "outer-product form: rows of a B panel kept in cache across row "
           "tiles">,
    Option<"outerMBlock", "outer-m-block", "int64_t", /*default=*/"10",
           "outer-product form: row tiles of A per parallel iteration">,
    Option<"prefetch", "prefetch", "bool", /*default=*/"true",
           "outer-product form: prefetch B's next k block while the row "
           "tiles of the current one run">,
    Option<"padRows", "pad-rows", "bool", /*default=*/"true",
           "outer-product form: copy an A whose row stride is a multiple "
           "of 4 KiB into rows one cache line longer (its rows would share "
           "L1 sets)">,
    Option<"fuseElementwise", "fuse-elementwise", "bool", /*default=*/"true",
           "outer-product form: run the elementwise op that initializes C "
           "and the one that reads it next inside the kernel">
  ];
}

def CPUTransposeDotOperands
    : Pass<"bertc-cpu-transpose-dot-operands", "func::FuncOp"> {
  let summary = "Give contractions whose B is contiguous in k a transposed "
                "copy of B, contiguous in n";
  let description = [{
    Attention's Q.K^T reads both operands contiguous in the head dimension
    (k = 64 in BERT-base): bertc-cpu-contraction-kernels would use its dot
    form, which pays a horizontal sum per output every 4 vectors. A copy of
    K transposed ([b, h, d, j], a few hundred KiB) costs far less and lets
    the outer-product kernel run instead. Operands bound to weights
    (`bufferization.to_tensor`) are left alone: copying them per call costs
    more than it saves (linear weights come packed instead).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def EarlyDealloc : Pass<"bertc-early-dealloc", "func::FuncOp"> {
  let summary = "Free each intermediate buffer right after its last use";
  let description = [{
    The ownership-based buffer deallocation frees buffers at the end of the
    block that allocates them, so a forward function holds every
    intermediate buffer of every layer until it returns: hundreds of MiB for
    BERT-base at batch 8, handed back to the system and faulted in again on
    the next call. This pass moves each `memref.dealloc` of a `memref.alloc`
    of the same block to right after the last op of that block that uses the
    buffer or a value derived from it (views, casts, metadata: any memref
    result of a user). Later allocations then reuse the freed memory, and
    peak memory is what one layer needs. A buffer that reaches a terminator
    or a call keeps its dealloc where it is.

    Example:
    ```mlir
    %a = memref.alloc(%n) : memref<?xf32>
    linalg.fill ins(%c0 : f32) outs(%a : memref<?xf32>)
    linalg.copy ins(%a : memref<?xf32>) outs(%out : memref<?xf32>)
    // memref.dealloc %a moves here, before the unrelated work below
    %b = memref.alloc(%n) : memref<?xf32>
    ...
    memref.dealloc %a : memref<?xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def FuseElementwise : Pass<"bertc-fuse-elementwise", "func::FuncOp"> {
  let summary = "Fuse elementwise linalg producers into consumers that read "
                "each produced element once";
  let description = [{
    Fusing bias + activation, or scale + mask, removes whole passes over
    memory. A producer is fused only where the consumer's map of the fused
    operand is a permutation of its loops: each produced element is then
    computed once. Upstream's linalg-fuse-elementwise-ops also fuses into
    broadcasting and reducing consumers, which recomputes the producer for
    every element of the loops its operand does not use: GELU fused into
    the next matrix product is evaluated K times per element. Producers
    that only move data (a body that yields its input) fuse through any
    map, and the `tensor.collapse_shape` that unpacks a linear weight's
    panels (convert-bert-params-to-memref) folds into its consumer by
    expanding the consumer's loops. So does the `arith.extf` that widens a
    weight stored at f16/bf16: the product then reads the narrow weight and
    converts in registers. A `linalg.fill` on tensors with several
    users (CSE merges a layer norm's identical initial values) is cloned for
    each: bufferization would otherwise fill one buffer and copy it for
    every user.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CPUParallelRows : Pass<"bertc-cpu-parallel-rows", "func::FuncOp"> {
  let summary = "Keep the innermost loop of a multi-dimensional scf.parallel "
                "sequential";
  let description = [{
    After convert-linalg-to-parallel-loops, an elementwise op, a row
    reduction or a softmax is one `scf.parallel` over all its parallel
    loops. Threads then split the outer loops (rows), while the innermost
    loop, usually the contiguous one, becomes an `scf.for` that LLVM
    vectorizes. Collapsing it into the OpenMP loop instead would cost a
    division per element and defeat vectorization.

    The tile loops of bertc-cpu-contraction-kernels (marked
    `bertc.kernel_tiles`) are left as they are.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def ProfileRegions : Pass<"bertc-profile-regions", "ModuleOp"> {
  let summary = "Time every kernel of a bufferized CPU program at run time";
  let description = [{
    Instruments what becomes one pass over memory or one OpenMP region in
    CPU code: every linalg op and every `scf.parallel` (the contraction
    kernels' tile loops among them), outermost only, so that nothing is
    timed from inside a parallel loop. Each gets an id and a description,
    `KIND<TAB>NAME`:

    - KIND: `matmul BxMxNxK` for a contraction kernel (from its
      `bertc.kernel_tiles` attribute), else the op's kind (`matmul`,
      `reduction`, `elementwise`, `fill`, `copy`, `loop`) and its static
      loop sizes (`?` where dynamic);
    - NAME: the op's location name, the Hugging Face module path that the
      importer gave the bert op it came from (`encoder.layer.0.output.dense`).

    The descriptions are one constant `memref.global`. Around each region
    the host code calls the runtime:

    ```mlir
    %t0 = func.call @bertc_profile_now() : () -> i64
    linalg.generic ... loc("encoder.layer.0.output.dense")
    func.call @bertc_profile_add(%id, %t0, %description) : (i64, i64, i64) -> ()
    ```

    where `%description` is the address of the region's NUL-terminated
    description. The runtime (lib/Runtime/Profile.cpp) sums the elapsed
    nanoseconds per id; a program compiled with `bertc compile --profile`
    prints them grouped by kind and name (layer numbers folded) when it
    exits.

    Run it after bertc-cpu-contraction-kernels and before the linalg ops
    become loops.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def ApproximateMath : Pass<"bertc-approximate-math", "func::FuncOp"> {
  let summary = "Replace math functions by inline polynomial approximations";
  let description = [{
    `math.erf` (GELU), `math.exp` (softmax) and `math.tanh` (pooler) would
    otherwise become scalar libm calls, one per element, which keep LLVM
    from vectorizing their loops. MLIR's approximations are pure arithmetic
    with f32 errors of a few ulp (the golden tests hold them to 1e-4).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "math op names to approximate (default: erf, exp, tanh)">
  ];
}

def InlineAllocaScopes : Pass<"bertc-inline-alloca-scopes", "func::FuncOp"> {
  let summary = "Inline memref.alloca_scope regions that allocate nothing";
  let description = [{
    convert-scf-to-openmp wraps every parallel loop body in a
    `memref.alloca_scope`, whose region must stay one block. Lowering the
    `scf.if` and `scf.for` of a kernel inside it to branches would break
    that, so scopes with no `memref.alloca` in them (all of bertc's: buffers
    are heap-allocated) are inlined into their parent first.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

//===----------------------------------------------------------------------===//
// GPU
//===----------------------------------------------------------------------===//

def GPUNarrowProductOperands
    : Pass<"bertc-gpu-narrow-product-operands", "func::FuncOp"> {
  let summary = "Store tensors that only matrix products read at the "
                "products' operand type";
  let description = [{
    With `--dtype=f16|bf16` the tiled products round both operands to that
    type as they stage them (bertc-gpu-tile-contractions). A tensor whose
    every reader, through `tensor.expand_shape`/`collapse_shape` and
    `tensor.extract_slice` (Q, K and V as slices of one product:
    bert-fuse-linears), is an input of such a product (one whose loops and
    body `matchContraction` takes; other products read their inputs
    unrounded) can then be stored
    rounded: Q, K and V, the attention probabilities, the attention's
    output, GELU's output. No product's result changes, the kernel that
    writes the tensor stores half the bytes and the products load half.
    An elementwise writer rounds what it yields; a product or reduction
    keeps its f32 sums and is followed by a rounding op, which the tiled
    kernels apply at their store (an output epilogue). An elementwise op
    whose value such products and other ops read (a layer norm's, which
    the residual add reads too) gets a second output, the rounded value,
    which the products read. Readers widen the operand in their body
    (`arith.extf`), as they do for narrow weights. Runs on tensors, after
    elementwise fusion.

    Example (operand-type=f16):

    ```mlir
    %q = linalg.generic {...} ins(%x, %w : tensor<?x?x768xf32>, tensor<768x768xf16>)
        outs(%bias : tensor<?x?x768xf32>) { out + x * extf(w) }
    %s = linalg.generic {...} ins(%q, %k : ...) { out + q * k }
    // becomes
    %q = linalg.generic ... (unchanged)
    %q16 = linalg.generic {...} ins(%q : tensor<?x?x768xf32>)
        outs(%e : tensor<?x?x768xf16>) { truncf }
    %s = linalg.generic {...} ins(%q16, %k16 : ...) { out + extf(q) * extf(k) }
    ```
  }];
  let options = [
    Option<"operandType", "operand-type", "std::string", "\"f16\"",
           "the products' operand type: f16 or bf16">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def GPUFuseAttention : Pass<"bertc-gpu-fuse-attention", "func::FuncOp"> {
  let summary = "Run attention (Q.K^T, the op after it, softmax, P.V) as "
                "one tensor-core kernel that never stores the scores";
  let description = [{
    Runs on bufferized linalg before `bertc-gpu-tile-contractions`, with
    f16 or bf16 operands. It takes the chain that the shared bert-level
    lowering emits for one attention, six generics in one block with only
    fills of their outputs and ops without memory effects between them:

    1. `S[b,h,i,j] += Q[b,i,h,d] * K[b,j,h,d]`, S filled with 0 before;
    2. an all-parallel op that writes S in place from S and other inputs
       (the scale and the attention mask);
    3. `M[b,h,i] = max_j S` (M filled with -inf);
    4. `L[b,h,i] += exp(S - M)` (L filled with 0);
    5. `P = exp(S - M) / L`, rounded to Q's type;
    6. `O[b,i,h,d] += P[b,h,i,j] * V[b,j,h,d]`, O filled with 0;

    where Q, K, V and P are f16 or bf16 (all the same), the head size `d`
    is static and at most 160, and nothing else reads or writes S, M, L
    and P. The chain becomes one `gpu.launch` of 128 threads per 64 query
    rows of a (sample, head): a warp multiplies its 16 rows by each chunk
    of 64 keys (staged with V's in shared memory, 16 bytes per load where
    K's and V's groups of 8 elements are aligned and whole, checked at run
    time, else element by element) on `m16n8k16`
    tensor-core products, applies op 2 to its scores, and keeps each row's
    running maximum and sum: a chunk's new maximum rescales the sum and the
    row's context by `exp(old - new)`, its exponentials (rounded to the
    operand type) multiply V's chunk into the context, and the context is
    divided by the sum at the end (the online softmax of flash attention).
    Key lengths other than the query length (a memory of earlier segments)
    and any lengths past the chunks are guarded. The op that reads O right
    after it (its rounding for the next product) is applied at the store,
    as the tiled products do (`OutputEpilogue.h`).

    Example (the chain's kernel; BERT-base, f16):

    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %blocks, ...)
               threads(%tx, %ty, %tz) in (%sx = %c128, ...)
        workgroup(%k : memref<64x72xf16, #gpu.address_space<workgroup>>,
                  %v : memref<64x72xf16, #gpu.address_space<workgroup>>) {
      scf.for %key0 = %c0 to %keys step %c64 iter_args(...) {
        gpu.barrier  // K's and V's chunk into %k, %v
        ...
        nvvm.mma.sync ...  // scores, then the context
      }
    }
    ```

    Chains that differ (Transformer-XL's and XLNet's position terms, f32
    operands) keep their three kernels.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def GPUTileContractions
    : Pass<"bertc-gpu-tile-contractions", "ModuleOp"> {
  let summary = "Rewrite matrix products as block-tiled GPU kernels that "
                "stage A and B through shared memory";
  let description = [{
    Runs on bufferized linalg, before `convert-linalg-to-parallel-loops`,
    and replaces each contraction that `matchContraction` accepts (the ones
    the CPU kernels take: linear layers, Q.K^T, P.V) with a `gpu.launch`:

    - the grid is (n tiles, m tiles, batch): a block computes a
      `tile-m x tile-n` tile of C for one combination of the batch loops
      (attention's batch and head), with `tile-m / thread-m` x
      `tile-n / thread-n` threads;
    - each thread keeps `thread-m x thread-n` partial sums as values
      carried by the loops (registers); with `thread-m` a multiple of 4,
      its rows are groups of 4 consecutive ones, `4 ty + i % 4 +
      4 (tile-m / thread-m) (i / 4)`, which it reads from the slice with
      one 16-byte load per group (else `ty + i * (tile-m / thread-m)`, a
      load each), and its columns likewise from `tx` and `thread-n`;
      a quarter warp's loads then cover 128 contiguous bytes;
    - the `k` loop walks blocks of `tile-k`: after a barrier (the previous
      block's slices are read), all threads copy A's and B's
      slices into two workgroup buffers laid out `[k][m]` and `[k][n]`
      (4 padding columns against bank conflicts, which keep k rows 16-byte
      aligned; the thread order follows
      each operand's contiguous dimension, so global reads coalesce), a
      barrier, then `tile-k` steps of `thread-m * thread-n` fused
      multiply-adds from shared memory. With `prefetch`, each thread's
      elements of the next k block are loaded into registers (values the
      loop carries) right after the second barrier, and stored after the
      next first barrier: the global loads' latency overlaps the
      products;
      with `wide-loads`, a thread copies 16 bytes per load (4 f32 or 8
      f16/bf16 elements along the operand's contiguous dimension) when the
      operand's map ends in that loop and the tile is a multiple; an
      in-kernel check of the pointer's alignment, the offset, the outer
      strides and the last size chooses between that load and element
      loads, so any buffer still works. Elements are converted to
      `operand-type` only when stored into the slice, so that no thread
      waits for a load before the products;
    - the sums start from C's values and are stored back once. When the op
      right before the product writes all of C without reading it (a bias
      broadcast, a fill, also into the buffer that C is an expand_shape
      of: `OutputInit.h`), the kernel computes that value where it would
      load C, and the op is erased: no kernel and no pass over C of its
      own. Every global access outside the matrix is guarded,
      so any size works, including empty ones.
    - C and the sums are f32. A and B may be f16 or bf16 where the body
      widens them (`arith.extf`, a weight stored narrow). The slices hold
      `operand-type`: with f16 or bf16 every operand is rounded to it
      (to nearest even) as it is staged, and widened again in registers;
      the products are exact in f32, so the result is the one tensor cores
      give with f32 accumulation, up to the order of the additions.
    - With `tensor-cores` (f16/bf16 operands) the block is one warp per
      `warp-m x warp-n` tile of C (default 32 x 32; a 64 x 64 block tile is
      then 4 warps of 32 lanes), and each 16 of k is (warp-m / 16) x
      (warp-n / 8) `nvvm.mma.sync` m16n8k16 products per warp on fragments
      loaded from the slices in the layout PTX defines; the sums are the C/D
      fragments, warp-m * warp-n / 32 per lane. A larger warp tile reuses
      each fragment in more products (fewer shared loads per product) for
      more registers per thread. These slices are `[m][k]` and `[n][k]`
      (rows padded by 8 elements), and a fragment is one `nvgpu.ldmatrix`
      of four 8 x 8 matrices per 16 of A's rows or 2 x 8 of B's (with
      `ldmatrix=false`, a 32-bit load per pair). A B contiguous along n
      (V in P.V) has a `[k][n]` slice instead, copied along n, whose
      fragments are `nvgpu.ldmatrix` with `transpose`.
    - With `async-copies` (tensor cores, both operands already of
      `operand-type`, contiguous in k or B in n, 16-byte groups: weights
      and the tensors bertc-gpu-narrow-product-operands stores narrow),
      the slices
      get `stages` buffers and each thread copies its groups with
      `nvgpu.device_async_copy` (cp.async, 16 bytes, zero-filled outside
      the operand): the first `stages - 1` k blocks before the loop, one
      group each; iteration i waits until at most `stages - 2` groups are
      pending, one barrier, starts block i + stages - 1 into the buffer
      block i - 1 used, and multiplies buffer i % stages; after the loop
      it waits for all (the zero-fills past the end). The copies go
      global to shared without registers. Where the run-time check of
      `wide-loads` fails, element loads and stores fill the same buffer.

    - With `fit-tiles` (default), a product whose static m or n is at most
      half the tile's gets a tile halved along it, as long as the half
      still divides into warp (or thread) tiles: the rows and columns past
      the product would only multiply zeros. Attention's P.V (64 columns,
      a head) runs 128 x 64 tiles of 8 warps instead of 128 x 128 ones of
      16, half of them idle.
    - With `small-tile-*`, the launch is two: an `scf.if` on the host runs
      the small tile's when the tile's grid would have fewer than
      `small-below` blocks (a small batch), else the tile's. Sizes may be
      dynamic, so the choice is made at run time. With `sms-at-run-time`
      the host compares with the SM count of the GPU it runs on, from the
      runtime's `bertc_gpu_multiprocessors` (declared by this pass), here
      and for split k.

    - With `split-k` (the GPU pipeline sets 16), a product whose grid
      would have fewer than `small-below` blocks (BERT-base at batch 1: 6
      blocks for the FFN's second product, each running 96 k blocks)
      splits k into ranges on the host, as many as fill the GPU, at most
      `split-k`, each at least `split-k-min` k blocks. Grid z then counts
      ranges x samples: each block sums its range from zero into an f32
      `[ranges x samples][m][n]` buffer, and a second launch, a thread per
      element of C, adds C's start (the bias) and the partial sums, then
      stores C and runs the epilogue. Static sizes that can never split
      make no split kernels. With `small-tile-*` as well, the small tile's
      launch splits when its own grid is still below `small-below`; the
      tile's launch, which runs only for grids that fill the GPU, does not.
      With `split-k-waves` the host instead tries 1 to the most ranges and
      takes the count whose waves (ceil(blocks x ranges / SMs), one block
      per SM at a time) times k blocks per range is least, the fewest of
      equals, if it saves an eighth of the whole grid's: the same as
      filling the GPU when one wave wins, and it also splits full grids
      whose last wave leaves SMs idle (BERT-base's output projection and
      FFN output at batch 32: 192 blocks on 132 SMs, 2 waves, become 384 in
      3 waves of half the k blocks). Then the tile's launch splits too.

    - With `epilogues`, the all-parallel op right after the product that
      reads C once under an identity map (GELU, a residual add) runs on the
      sums before the store and writes its own output (`OutputEpilogue.h`);
      it is erased, and C is stored only if something else reads it.

    Everything else stays for `bertc-gpu-map-to-launches`, which leaves
    these launches alone. `bertc-gpu-launches-to-loops` emulates them
    (barriers split the thread loops), so their index arithmetic is tested
    without a GPU.

    Example: `linalg.generic` over `memref<?x128x768xf32>` (x),
    `memref<3072x768xf32>` (W) into `memref<?x128x3072xf32>` becomes a
    `gpu.launch blocks(48, 2, batch) threads(16, 16, 1)
    workgroup(memref<16x65xf32, #gpu.address_space<workgroup>> x 2)` whose
    body runs `scf.for` over k blocks carrying 16 sums, with two
    `gpu.barrier`s and 16 x 16 `math.fma` per k block and thread.
  }];
  let options = [
    Option<"tileM", "tile-m", "int64_t", "64", "rows of C per block">,
    Option<"tileN", "tile-n", "int64_t", "64", "columns of C per block">,
    Option<"tileK", "tile-k", "int64_t", "16",
           "k step of the shared-memory slices">,
    Option<"threadM", "thread-m", "int64_t", "4", "rows of C per thread">,
    Option<"threadN", "thread-n", "int64_t", "4", "columns of C per thread">,
    Option<"operandType", "operand-type", "std::string", "\"f32\"",
           "element type of the staged A and B: f32, f16 or bf16">,
    Option<"epilogues", "epilogues", "bool", "true",
           "apply the elementwise op that reads C next (GELU, a residual "
           "add) to the sums before the store">,
    Option<"tensorCores", "tensor-cores", "bool", "false",
           "f16/bf16 operands: warp-level m16n8k16 tensor-core products "
           "(nvvm.mma.sync, sm_80 and above) instead of FMAs">,
    Option<"warpM", "warp-m", "int64_t", "32",
           "tensor-cores: rows of C per warp (a multiple of 16 that divides "
           "tile-m)">,
    Option<"warpN", "warp-n", "int64_t", "32",
           "tensor-cores: columns of C per warp (a multiple of 16 that "
           "divides tile-n)">,
    Option<"ldmatrix", "ldmatrix", "bool", "true",
           "tensor-cores: load fragments with ldmatrix (four 8 x 8 "
           "matrices per warp and instruction) instead of a 32-bit load "
           "per pair">,
    Option<"prefetch", "prefetch", "bool", "true",
           "load the next k block's elements into registers before this "
           "block's products, so that the loads' latency overlaps them">,
    Option<"wideLoads", "wide-loads", "bool", "true",
           "copy the slices with 16-byte global loads (4 f32 or 8 f16/bf16 "
           "elements along the operand's contiguous dimension) where its "
           "map, layout and tile allow; a run-time check of alignment and "
           "sizes falls back to element loads">,
    Option<"doubleBuffer", "double-buffer", "bool", "false",
           "two stages of shared slices: each k block's products read one "
           "while the next block is stored into the other, one barrier per "
           "k block instead of two (twice the shared memory)">,
    Option<"asyncCopies", "async-copies", "bool", "false",
           "tensor-cores, both operands of operand-type and contiguous in "
           "k (B: or in n): copy the slices with 16-byte cp.async (nvgpu.device_async_"
           "copy) into `stages` buffers, several k blocks in flight, one "
           "barrier per k block; no registers in between (prefetch and "
           "double-buffer then do not apply)">,
    Option<"stages", "stages", "int64_t", "2",
           "async-copies: shared buffers per operand (k blocks in flight: "
           "stages - 1), at least 2">,
    Option<"smallTileM", "small-tile-m", "int64_t", "0",
           "with small-tile-n and -k: a second block tile for products whose "
           "launch would have fewer than small-below blocks (0: none)">,
    Option<"smallTileN", "small-tile-n", "int64_t", "0",
           "columns of C per block of the small tile">,
    Option<"smallTileK", "small-tile-k", "int64_t", "0",
           "k step of the small tile">,
    Option<"sharedBytes", "shared-bytes", "int64_t", "232448",
           "the most shared memory a block may have, in bytes (the GPU's "
           "opt-in limit: 227 KiB on sm_90; the pipeline sets it from sm)">,
    Option<"specializeWide", "specialize-wide", "bool", "true",
           "with wide-loads: a second launch per product whose copies assume "
           "their 16-byte groups aligned and whole (no element-wise path), "
           "chosen on the host by the kernel's own check">,
    Option<"fitTiles", "fit-tiles", "bool", "true",
           "halve the tile (and the small tile) along m or n while the half "
           "still covers the product's static size there">,
    Option<"smallBelow", "small-below", "int64_t", "132",
           "products whose launch with the tile has fewer blocks than this "
           "(an H100/H200 has 132 SMs) use the small tile, chosen on the "
           "host at run time">,
    Option<"smsAtRunTime", "sms-at-run-time", "bool", "false",
           "compare grids with the SM count of the GPU the program runs on "
           "(the runtime's bertc_gpu_multiprocessors) instead of small-below, "
           "which then only bounds what is decided at compile time; the GPU "
           "pipeline sets it unless it emulates">,
    Option<"splitK", "split-k", "int64_t", "0",
           "products whose launch has fewer than small-below blocks split k "
           "into up to this many ranges, a block each, and a second kernel "
           "adds the partial sums (0 or 1: never; the GPU pipeline's "
           "default is 16)">,
    Option<"splitKMin", "split-k-min", "int64_t", "4",
           "split-k: the fewest k blocks (tile-k each) a range may have">,
    Option<"splitKWaves", "split-k-waves", "bool", "false",
           "split-k: choose the ranges by the waves of blocks the grid takes "
           "(one block per SM at a time), which also splits grids with more "
           "blocks than SMs whose last wave leaves SMs idle">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect"];
}

def GPURowReductions : Pass<"bertc-gpu-row-reductions", "func::FuncOp"> {
  let summary = "Run reductions along a row (layer norm's sums, softmax's "
                "max and sum) with one block, or one warp, per row";
  let description = [{
    Runs beside `bertc-gpu-tile-contractions`, on bufferized linalg. A
    `linalg.generic` over f32 whose only reduction is its innermost loop,
    whose output does not index it, and whose body ends in `out = combine(
    out, f(inputs))` with an associative `combine` (`arith.addf` marked
    `reassoc`, `arith.maximumf`, `arith.minimumf`) becomes a `gpu.launch`
    with one block of `block-size` threads per output element (row):

    1. thread `t` folds `f` over the row's elements `t, t + block-size,
       ...` into a partial value that starts from `combine`'s identity
       (neighbouring threads read neighbouring elements when the row is
       contiguous);
    2. a warp's partials meet by `gpu.shuffle xor` in `log2(w)` steps
       (`w = min(block-size, 32)` lanes; every lane ends with the warp's
       total); with more than one warp, lane 0 of each stores its total in
       shared memory and a barrier follows: no barrier for one warp, one
       for several (a tree in shared memory needs `log2(block-size)`);
    3. thread 0 combines the warps' totals, then the total with the
       output's value, and stores it;
       when a `linalg.fill` of the output comes right before the op, its
       value is used instead and the fill is erased;
    4. with `normalizations`, when the op right after is an all-parallel
       generic over the same loops that reads the output under the same
       map (a softmax's `exp(x - max) / sum`, a layer norm's `(x - mean) *
       rsqrt(var + eps) * gamma + beta`), thread 0 passes the row's value
       through shared memory, a barrier, and the block applies that op to
       the row, `t, t + block-size, ...`; the op is erased
       (`OutputEpilogue.h` finds it).

    With `chains`, a reduction right after (past its fill) over the same
    loops that reads the earlier outputs at its row (a layer norm's
    variance reads its mean, a softmax's sum its max) runs in the same
    block after steps 1 to 3: thread 0 shares each row value in a small
    workgroup buffer, a barrier, and the later bodies take it from there;
    step 4 then follows the chain's last reduction. The loops are the same
    when both read one buffer through the same map over every loop.

    With `warp-rows-up-to` N, a row of at most N elements is one warp's
    (lane `l` folds `l, l + 32, ...`) and a block runs `block-size / 32`
    rows: the shuffles leave the total in every lane, so there is no
    shared memory and no barrier, and lane 0 passes each row value to the
    others by `gpu.shuffle idx` (a softmax's 128-element rows: 4 elements
    a lane instead of 1 a thread and 3 barriers a row). Longer rows keep a
    block each; with a dynamic length the host picks one of the two
    kernels.

    Without the pass, a row is one thread's sequential loop (layer norm over a
    768-wide row: 768 dependent additions on one thread, its reads strided
    across the warp). The reduction order differs from the sequential one,
    which `reassoc` allows (the CPU path vectorizes the same sums).

    Example: `linalg.generic {iterator_types = ["parallel", "parallel",
    "reduction"]} ins(%x : memref<?x?x768xf32>) outs(%sum : memref<?x?xf32>)`
    with body `arith.addf %out, %in fastmath<reassoc>` becomes `gpu.launch
    blocks(rows, 1, 1) threads(128, 1, 1) workgroup(memref<128xf32, #gpu.address_space<workgroup>>)`.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", "128",
           "threads per row (a power of two, at most 1024)">,
    Option<"chains", "chains", "bool", "true",
           "run a reduction that reads the one before at its row (a layer "
           "norm's variance after its mean, a softmax's sum after its max) "
           "in the same block">,
    Option<"normalizations", "normalizations", "bool", "true",
           "run the elementwise op that reads the row's value next (a "
           "softmax's or layer norm's normalization) in the same block">,
    Option<"warpRowsUpTo", "warp-rows-up-to", "int64_t", "0",
           "rows of at most this many elements get a warp each, "
           "block-size / 32 rows per block (chosen on the host when the "
           "length is dynamic; 0: a block per row always)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect"];
}

def GPUMapToLaunches : Pass<"bertc-gpu-map-to-launches", "func::FuncOp"> {
  let summary = "Turn the loop nests of a bufferized host function into "
                "gpu.launch kernels over device buffers";
  let description = [{
    Runs after `convert-linalg-to-parallel-loops`: a host function is then a
    sequence of buffer allocations, views and loop nests. The pass makes the
    function a host program that only allocates, launches and copies:

    1. Each outermost `scf.parallel` becomes one `gpu.launch` with one
       thread per iteration. The iteration space is linearized with the
       innermost loop varying fastest, so neighbouring threads touch
       neighbouring elements; blocks hold `block-size` threads and the
       last one is guarded.
    2. A loop nest with no parallel loop (a reduction over everything, a
       loop that carries a value) runs in a one-thread launch; a loop whose
       results the host needs cannot, and is an error.
    3. Host loops that hold parallel loops (shared-layer loops, early-exit
       loops) stay on the host; their bodies are mapped the same way.
       Launches already there (`bertc-gpu-tile-contractions`) are kept as
       they are, and the buffers they touch live on the device.
    4. `memref.alloc` / `memref.dealloc` outside kernels become
       `gpu.alloc` / `gpu.dealloc`: buffers live on the device, except
       those only host code reads and writes (the ownership flags of buffer
       deallocation), which stay in host memory.
    5. What the host still reads from a device buffer (an early-exit
       condition) comes through a one-element staging copy (a one-thread
       kernel, then `gpu.memcpy` to a host `memref.alloca`); what it writes
       is stored by a one-thread kernel.

    Example:
    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
      %x = memref.load %a[%i, %j] : memref<?x?xf32>
      memref.store %x, %b[%i, %j] : memref<?x?xf32>
    }
    ```
    becomes a `gpu.launch` of `ceil(m * n / 256)` blocks of 256 threads in
    which thread `t` handles `(t / n, t % n)` when `t < m * n`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "threads per block of the launches">
  ];
}

def GPUMergeKernelModules
    : Pass<"bertc-gpu-merge-kernel-modules", "ModuleOp"> {
  let summary = "Put all outlined kernels into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` gives every kernel its own `gpu.module`, and each
    module becomes its own binary, loaded by its own constructor when the
    program starts. One module per model means one cubin, one load, and one
    PTX file for `--emit=ptx`. Launches are retargeted to `@bertc_kernels`.
  }];
}

def GPUDedupKernels : Pass<"bertc-gpu-dedup-kernels", "ModuleOp"> {
  let summary = "Keep one copy of kernels that are the same but for their name";
  let description = [{
    Every layer of a model outlines its own kernels, and layers of one
    shape outline the same ones: BERT-base's 12 layers gave 12 copies of
    each, and with them 12 times the PTX, the ptxas time and the cubin.
    This pass keeps the first of each set of `gpu.func`s in a `gpu.module`
    whose attributes (but the name), signature and bodies are equivalent,
    ignoring locations, retargets the launches of the others to it and
    erases them. Run after bertc-gpu-merge-kernel-modules (kernels are only
    compared within one module).

    ```mlir
    gpu.module @bertc_kernels {
      gpu.func @f_kernel(%a: memref<?xf32>) kernel { ... }
      gpu.func @f_kernel_0(%a: memref<?xf32>) kernel { ... }  // same body
    }
    gpu.launch_func @bertc_kernels::@f_kernel_0 ...
    // becomes one gpu.func @f_kernel and gpu.launch_func @bertc_kernels::@f_kernel
    ```
  }];
}

def GPUOneStream : Pass<"bertc-gpu-one-stream", "ModuleOp"> {
  let summary = "Queue a host function's GPU work on one stream, waiting "
                "only where the host reads a copy and at return";
  let description = [{
    Replaces MLIR's gpu-async-region for bertc's host code. That pass
    threads async tokens within one block only: every launch, copy,
    allocation or free inside an `scf.if` or `scf.for` (the wide-load and
    split-k choices around most products, the shared-layer loop, early
    exit) got a stream of its own, created before it and synchronized and
    destroyed after it, so the host waited for the GPU after each of them,
    and before every host memory access.

    All of a call's GPU work goes to one stream in program order, which is
    the order the host code already gives. So the function creates one
    token at entry (`gpu.wait async`, a stream once lowered); every
    `gpu.launch_func`, `gpu.alloc`, `gpu.dealloc`, `gpu.memcpy` and
    `gpu.memset`, at any depth, becomes async on that token, and their
    result tokens stay unused. The host synchronizes the stream
    (`mgpuStreamSynchronize`, without destroying it) right after a copy
    into host memory, whose result the host reads next (early exit's
    decisions), and waits on the token before each `func.return`. Host
    writes need no wait: copies from pageable host memory are staged
    before `cuMemcpyAsync` returns.

    Constraints: (1) the function holds no `gpu.wait` and no async GPU op
    yet (the pass runs once, instead of gpu-async-region).

    Example:
    ```mlir
    scf.if %wide {
      gpu.launch_func @k::@wide blocks in (%x, %y, %z) threads in (%t, %u, %v)
    } else { ... }
    return
    // becomes
    %s = gpu.wait async
    scf.if %wide {
      %0 = gpu.launch_func async [%s] @k::@wide blocks in ...
    } else { ... }
    gpu.wait [%s]
    return
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def GPUProfileKernels : Pass<"bertc-gpu-profile-kernels", "ModuleOp"> {
  let summary = "Describe every kernel for the GPU runtime's profiler";
  let description = [{
    The GPU half of `bertc compile --profile`. Run after outlining (and
    bertc-gpu-merge-kernel-modules, bertc-gpu-dedup-kernels), it writes one
    constant table that names what each launched kernel computes, one
    record per kernel:

    ```
    KERNEL<TAB>KIND<TAB>NAME<NUL> ... <NUL>
    ```

    - KERNEL: the kernel's symbol (`bertc_forward_kernel_3`), as the host
      code asks the runtime for it;
    - KIND: what the pass that made the launch said it computes
      (`matmul ?x?x2304x768 128x128x32 mma`, `reduction ?x?x768 x2
      +epilogue`, `elementwise ?x?x768`, `one thread`: see
      Codegen/GPU/KernelKind.h), or `kernel`;
    - NAME: the launch's location name, the Hugging Face module path
      (`encoder.layer.0.attention.self.query+key+value`); for a kernel
      launched from several places (bertc-gpu-dedup-kernels), the names
      that differ with layer indices folded, joined by `, `
      (`embeddings.LayerNorm, encoder.layer.0.output.LayerNorm`).

    The table is the external constant `bertc_gpu_kernel_profile`. The
    runtime (lib/Runtime/cuda/KernelTimers.cpp) finds it when the program
    starts; then every launch of a kernel in it is timed by CUDA events on
    the launch's stream, and the program prints the times per run grouped
    by kind and name when it exits, as a CPU program built with `--profile`
    does. Without the table nothing is timed.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def GPUAlignWorkgroupMemory
    : Pass<"bertc-gpu-align-workgroup-memory", "gpu::GPUModuleOp"> {
  let summary = "Give every kernel's shared-memory buffers one alignment";
  let description = [{
    A workgroup attribution becomes a shared global aligned to its element
    type (2 bytes for f16), but the tensor-core kernels read 32-bit pairs
    from their f16/bf16 slices (and 16-byte rows would be what `ldmatrix`
    needs). This sets `llvm.align` on every attribution of every
    `gpu.func`, which `convert-gpu-to-nvvm` turns into the global's
    alignment; one that is already larger is kept.

    Example (alignment=16):

    ```mlir
    gpu.func @k() workgroup(%a : memref<64x24xf16, 3>) kernel
    // becomes
    gpu.func @k() workgroup(%a : memref<64x24xf16, 3> {llvm.align = 16 : i64}) kernel
    ```
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"16",
           "bytes (a power of two)">,
  ];
}

def GPUMinBlocksPerSM
    : Pass<"bertc-gpu-min-blocks-per-sm", "gpu::GPUModuleOp"> {
  let summary = "Ask ptxas to fit N blocks of each tiled product on one SM";
  let description = [{
    Sets `nvvm.minctasm = N` on every tiled matrix product kernel (those
    whose launch kind, KernelKind.h, is "matmul ..."), which becomes PTX's
    `.minnctapersm N`: with the kernel's `.maxntid` ptxas then keeps each
    thread within 65536 / (N x threads) registers, spilling if it must.
    Other kernels are memory-bound and keep ptxas's choice: given room,
    ptxas spends it on registers that cost them occupancy.

    Left to itself, ptxas gives BERT-base's 512-thread tensor-core products
    62 to 80 registers. Above 64 only one block fits on an SM anyway, and
    aiming at 64 ptxas issues the prefetch's global loads for the next k
    block right before the shared stores that need them, not before this
    block's mma (SASS, session 23). N = 1 lets them have 90 to 128
    registers, and the loads go first. N = 2 holds them to 64 (a few spill)
    for 32 warps per SM. Which wins is for a GPU to say
    (`--gpu-min-blocks-per-sm`, bench_gpu.py's `-minblocksN` variants).

    Example (blocks=2):

    ```mlir
    gpu.func @k() kernel attributes {known_block_size = array<i32: 32, 16, 1>}
        loc(fused<"bertc.kernel: matmul ?x128x768x768 128x128x32 mma">[...])
    // becomes
    gpu.func @k() kernel attributes {known_block_size = array<i32: 32, 16, 1>, nvvm.minctasm = 2 : i32}
    ```
  }];
  let options = [
    Option<"blocks", "blocks", "int64_t", /*default=*/"2",
           "blocks per SM (1 or more)">,
  ];
}

def GPUExternDynamicShared
    : Pass<"bertc-gpu-extern-dynamic-shared", "gpu::GPUModuleOp"> {
  let summary = "Declare the dynamic shared memory base as PTX .extern";
  let description = [{
    `convert-gpu-to-nvvm` lowers `gpu.dynamic_shared_memory` to an internal
    zero-length global in the shared address space, which NVPTX prints as
    a one-byte static variable (`.shared .align 16 .b8 __dynamic_shmem__0;`,
    ptxas: "1 bytes smem"). The launch's dynamic shared memory then starts
    after it, and accesses through it run from the static region into the
    dynamic one; they stay inside the block's allocation only because the
    tiled products have no other shared variables. Declared external, the
    global is the dynamic region's base (`.extern .shared .align 16 .b8
    __dynamic_shmem__0[];`), as CUDA's `extern __shared__` arrays are.
    Runs after `convert-gpu-to-nvvm`.

    Example:

    ```mlir
    llvm.mlir.global internal @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
    // becomes
    llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
    ```
  }];
}

def GPULaunchesToLoops : Pass<"bertc-gpu-launches-to-loops", "func::FuncOp"> {
  let summary = "Run gpu.launch bodies as host loops over blocks and threads "
                "(emulation)";
  let description = [{
    The inverse of bertc-gpu-map-to-launches, for testing where no GPU is:
    each `gpu.launch` becomes `scf.for` loops over its blocks and threads
    (z, y, x order) around its body, `gpu.alloc` / `gpu.dealloc` become
    `memref.alloc` (64-byte aligned) / `memref.dealloc` and `gpu.memcpy` becomes
    `memref.copy`. A program built this way runs on the CPU with exactly
    the index arithmetic, guards and staging copies that the GPU kernels
    get (`bertc-gpu-lowering-pipeline{emulate}`).

    Kernels with barriers and attributions (`bertc-gpu-tile-contractions`)
    are emulated phase by phase: the thread loops are split at every
    barrier (a barrier inside an `scf.for` whose bounds do not depend on
    the thread makes that loop a sequential loop around its phases), a
    workgroup attribution becomes one host buffer, a private attribution a
    buffer with one slice per thread, the values that a loop around
    barriers carries live in such per-thread slices too, and what a phase
    uses from an earlier one is recomputed when it is pure (index
    arithmetic). Anything
    else that crosses a barrier, and a barrier under thread-dependent
    control flow, is rejected.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect"];
}

def GPUCheckAccesses : Pass<"bertc-gpu-check-accesses", "func::FuncOp"> {
  let summary = "Assert in each gpu.launch that its memory accesses are in "
                "bounds and aligned as the GPU needs (emulation)";
  let description = [{
    On the CPU an emulated kernel (`bertc-gpu-launches-to-loops`) reads
    past a buffer's end or loads 16 bytes from an address that is not a
    multiple of 16 without a fault; on the GPU the first may fault and
    the second does (`CUDA_ERROR_MISALIGNED_ADDRESS`). This pass puts a
    `cf.assert` before every access in a `gpu.launch` body, so that an
    emulated program stops where a GPU would:

    1. `memref.load` / `memref.store`: every index inside its dimension.
    2. `vector.load` / `vector.store`: the vector's elements inside the
       buffer along its trailing dimensions; with an `alignment`, the
       address a multiple of it (what LLVM then assumes).
    3. `nvgpu.ldmatrix`: each lane's row of 16 bytes inside the buffer and
       16-byte aligned (lanes whose address the instruction reads: all
       for four matrices).
    4. `nvgpu.device_async_copy` (cp.async): the destination's and the
       source's elements (the source count, when given) inside their
       buffers, both addresses multiples of the copy's bytes.

    Addresses: a global buffer's is the pointer plus its offset (views
    into the weights buffer are pointers into it), as on the GPU, whose
    allocations are 256-byte aligned (the emulation's `gpu.alloc`s and the
    runtime's buffers are 64-byte aligned); a workgroup buffer's is the
    offset into it, since each starts 16-byte aligned on the GPU
    (`bertc-gpu-align-workgroup-memory`). Private memory is not checked.
    A failed check prints `bertc-gpu-check-accesses: <what> of <op> at
    <location>` and aborts. `bertc-gpu-lowering-pipeline{emulate}` runs
    this pass before the emulation.

    Example: `%v = vector.load %a[%i] {alignment = 16}` on
    `memref<?xf32>` gets, before it, asserts that `%i + 4 <= dim` and that
    `(pointer + 4 * (offset + %i)) mod 16 == 0`.
  }];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // BERTC_CODEGEN_PASSES_TD
