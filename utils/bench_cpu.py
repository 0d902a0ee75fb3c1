#!/usr/bin/env python3
"""CPU benchmark for issue #7: bertc against ONNX Runtime, PyTorch and oneDNN.

In one run on this machine it times
  1. BERT-base (random weights) at seq 128, batch 1 and 8, on 1 and 2
     threads: bertc's program, ONNX Runtime (model exported from
     transformers, all graph optimizations) and PyTorch eager;
  2. bertc's matrix-product kernel against oneDNN's sgemm at BERT-base's
     shapes (the same bertc-cpu-lowering-pipeline as bertc compile, built
     from a linear layer's contraction with the weight in bertc's panels;
     oneDNN from Debian's libdnnl-dev, with W^T as PyTorch stores it);
  3. a batch of 8 mixed lengths (16..128), padded, with padding removed by
     the program's --remove-padding (rows of one length together) and by a
     program compiled with --remove-padding (one packed batch of the valid
     tokens), against the same batch with all rows 128 long, and against
     the valid tokens alone (each sequence run at its own length);
and prints ratios (lower is better for bertc). With --profile it prints
instead where BERT-base b1's time goes, kernel by kernel (a program built
with bertc compile --profile). Not part of the test suite:
timings on shared machines are noisy, so run it on purpose.

Needs torch, transformers, onnxruntime, onnx (pip), libdnnl-dev, clang-22
and mlir-translate-22 (apt), and a built bertc (utils/build.sh).

  python3 utils/bench_cpu.py [--runs N] [--work DIR] [--skip-models]
                             [--mixed-only | --models-only | --profile]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BERTC = os.path.join(ROOT, "build", "bin", "bertc")
BERTC_OPT = os.path.join(ROOT, "build", "bin", "bertc-opt")
SEQ = 128


def median_ms(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def make_model(work):
    import torch
    import transformers
    path = os.path.join(work, "bert-base")
    if not os.path.exists(os.path.join(path, "model.safetensors")):
        torch.manual_seed(0)
        model = transformers.BertModel(transformers.BertConfig()).eval()
        model.save_pretrained(path, safe_serialization=True)
    return path


def write_inputs(path, batch, lengths):
    import numpy as np
    from safetensors.numpy import save_file
    rng = np.random.default_rng(batch)
    ids = rng.integers(1000, 30000, size=(batch, SEQ)).astype(np.int64)
    mask = np.zeros((batch, SEQ), np.int64)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
    ids = np.where(mask == 1, ids, 0)
    save_file({"input_ids": ids, "attention_mask": mask}, path)
    return ids, mask


def bertc_ms(program, inputs, threads, runs, extra=()):
    out = subprocess.run(
        [program, "--input", inputs, "--output", inputs + ".out",
         "--threads", str(threads), "--repeat", str(runs), *extra],
        capture_output=True, text=True, check=True)
    return float(re.search(r"median=([0-9.]+)", out.stderr).group(1))


def bench_models(work, runs, table, mixed=True):
    import numpy as np
    import onnxruntime as ort
    from safetensors.numpy import save_file
    import torch
    import transformers

    model_dir = make_model(work)
    program = compile_model(work, model_dir)

    model = transformers.BertModel.from_pretrained(model_dir).eval()

    class Wrapped(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, ids, mask):
            o = self.m(input_ids=ids, attention_mask=mask)
            return o.last_hidden_state, o.pooler_output

    onnx_path = os.path.join(work, "bert-base.onnx")
    if not os.path.exists(onnx_path):
        ids = torch.ones(1, SEQ, dtype=torch.int64)
        torch.onnx.export(Wrapped(model), (ids, ids), onnx_path,
                          input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state", "pooler_output"],
                          dynamic_axes={"input_ids": {0: "b", 1: "s"},
                                        "attention_mask": {0: "b", 1: "s"}},
                          opset_version=17, dynamo=False)

    # One framework at a time: idle OpenMP/ORT worker threads spin for a
    # while after each call and would steal the cores from the next one.
    cases = []
    for batch in (1, 8):
        inputs = os.path.join(work, f"in-b{batch}.safetensors")
        ids, mask = write_inputs(inputs, batch, [SEQ] * batch)
        for threads in (1, 2):
            cases.append((batch, threads, inputs, ids, mask))
    ours = {(b, t): bertc_ms(program, path, t, runs)
            for b, t, path, _, _ in cases}
    pytorch = {}
    for b, t, _, ids, mask in cases:
        torch.set_num_threads(t)
        t_ids, t_mask = torch.from_numpy(ids), torch.from_numpy(mask)
        with torch.no_grad():
            pytorch[(b, t)] = median_ms(
                lambda: model(input_ids=t_ids, attention_mask=t_mask), runs)
    onnx = {}
    for b, t, _, ids, mask in cases:
        so = ort.SessionOptions()
        so.intra_op_num_threads = t
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(onnx_path, so,
                                    providers=["CPUExecutionProvider"])
        feed = {"input_ids": ids, "attention_mask": mask}
        onnx[(b, t)] = median_ms(lambda: sess.run(None, feed), runs)
        del sess
    for b, t, _, _, _ in cases:
        table.append((f"BERT-base b{b} s{SEQ}, {t} thread(s)", ours[(b, t)],
                      [("ONNX Runtime", onnx[(b, t)]),
                       ("PyTorch eager", pytorch[(b, t)])]))
        print(table[-1], flush=True)

    del model
    time.sleep(1)
    if mixed:
        bench_mixed(work, runs, table, program)


def compile_model(work, model_dir, extra=()):
    name = "bert-base" + "".join(a.strip("-") for a in extra) + ".exe"
    program = os.path.join(work, name)
    subprocess.run([BERTC, "compile", model_dir, "-o", program, *extra],
                   check=True)
    return program


def bench_mixed(work, runs, table, program=None):
    """Mixed lengths: padded batch vs. full batch vs. valid tokens alone."""
    import numpy as np
    from safetensors.numpy import save_file
    model_dir = make_model(work)
    program = program or compile_model(work, model_dir)
    packed = compile_model(work, model_dir, ["--remove-padding"])
    lengths = [16, 32, 48, 64, 80, 96, 112, 128]
    mixed = os.path.join(work, "in-mixed.safetensors")
    write_inputs(mixed, len(lengths), lengths)
    full = os.path.join(work, "in-b8.safetensors")
    write_inputs(full, len(lengths), [SEQ] * len(lengths))
    threads = 2
    mixed_ms = bertc_ms(program, mixed, threads, runs)
    grouped_ms = bertc_ms(program, mixed, threads, runs, ["--remove-padding"])
    packed_ms = bertc_ms(packed, mixed, threads, runs)
    full_ms = bertc_ms(program, full, threads, runs)
    valid_ms = 0.0
    for n in lengths:
        single = os.path.join(work, f"in-len{n}.safetensors")
        save_file({"input_ids": np.full((1, n), 1000, np.int64),
                   "attention_mask": np.ones((1, n), np.int64)}, single)
        valid_ms += bertc_ms(program, single, threads, runs)
    share = sum(lengths) / (SEQ * len(lengths))
    case = (f"mixed lengths 16..128 (b8, {threads} threads; valid tokens "
            f"{share:.0%} of padded)")
    table.append((case + ", padded", mixed_ms,
                  [("same batch, all 128 long", full_ms)]))
    table.append((case + ", program --remove-padding (rows grouped by "
                  "length)", grouped_ms,
                  [("same batch, all 128 long", full_ms),
                   ("valid tokens only (each row alone)", valid_ms)]))
    table.append((case + ", compiled --remove-padding (packed)", packed_ms,
                  [("same batch, all 128 long", full_ms),
                   ("same batch, padded", mixed_ms),
                   ("valid tokens only (each row alone)", valid_ms)]))
    print(table[-3:], flush=True)


# A linear layer's product as bertc lowers it: W packed at load time into
# panels [N/32, K, 32], C[m, panel, lane] += A[m, k] * W[panel, k, lane].
KERNEL_MLIR = """
func.func @mm(%a: memref<{m}x{k}xf32>, %w: memref<{nb}x{k}x32xf32>,
              %c: memref<{m}x{nb}x32xf32>)
    attributes {{llvm.emit_c_interface,
                passthrough = [["min-legal-vector-width", "512"]]}} {{
  linalg.generic {{
      indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}}
      ins(%a, %w : memref<{m}x{k}xf32>, memref<{nb}x{k}x32xf32>)
      outs(%c : memref<{m}x{nb}x32xf32>) {{
  ^bb0(%x: f32, %y: f32, %z: f32):
    %p = arith.mulf %x, %y fastmath<reassoc, contract> : f32
    %s = arith.addf %z, %p fastmath<reassoc, contract> : f32
    linalg.yield %s : f32
  }}
  return
}}
"""

KERNEL_HARNESS = r"""
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
typedef struct { float *alloc, *aligned; long off, sizes[2], strides[2]; } M2;
typedef struct { float *alloc, *aligned; long off, sizes[3], strides[3]; } M3;
void _mlir_ciface_mm(M2 *a, M3 *w, M3 *c);
static double now(void) {
  struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
static M2 make(long r, long c) {
  float *p = aligned_alloc(64, r * c * sizeof(float));
  for (long i = 0; i < r * c; ++i) p[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  M2 m = {p, p, 0, {r, c}, {c, 1}};
  return m;
}
static int cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}
int main(int argc, char **argv) {
  long M = atol(argv[1]), N = atol(argv[2]), K = atol(argv[3]);
  int runs = atoi(argv[4]), threads = atoi(argv[5]);
  /* copies > 1: each call takes the next of that many weight matrices, so
     that (as in a model, whose weights far exceed the caches) they come
     from memory. */
  int copies = argc > 6 ? atoi(argv[6]) : 1;
  omp_set_num_threads(threads);
  M2 a = make(M, K), w = make(N * copies, K), c = make(M, N), d = make(M, N);
  /* bertc's panels of W, as the runtime packs them at load time. */
  M2 p = make(N * copies, K);
  for (long i = 0; i < copies; ++i)
    for (long n = 0; n < N; ++n)
      for (long k = 0; k < K; ++k)
        p.aligned[i * N * K + ((n / 32) * K + k) * 32 + n % 32] =
            w.aligned[i * N * K + n * K + k];
  M3 wp = {p.alloc, p.aligned, 0, {N / 32, K, 32}, {K * 32, 32, 1}};
  M3 cp = {c.alloc, c.aligned, 0, {M, N / 32, 32}, {N, 32, 1}};
  double tb[1000], td[1000];
  for (int r = -3; r < runs; ++r) {
    long i = (r + 3) % copies;
    wp.aligned = p.aligned + i * N * K;
    double t0 = now();
    _mlir_ciface_mm(&a, &wp, &cp);
    double t1 = now();
    dnnl_sgemm('N', 'T', M, N, K, 1.0f, a.aligned, K, w.aligned + i * N * K,
               K, 1.0f, d.aligned, N);
    double t2 = now();
    if (r >= 0) { tb[r] = t1 - t0; td[r] = t2 - t1; }
  }
  qsort(tb, runs, sizeof(double), cmp);
  qsort(td, runs, sizeof(double), cmp);
  double flop = 2.0 * M * N * K;
  printf("%f %f\n", flop / tb[runs / 2] * 1e-9, flop / td[runs / 2] * 1e-9);
  return 0;
}
"""


def bench_kernels(work, runs, table):
    harness = os.path.join(work, "harness.c")
    with open(harness, "w") as f:
        f.write(KERNEL_HARNESS)
    shapes = [(128, 768, 768), (128, 3072, 768), (128, 768, 3072),
              (1024, 768, 768)]
    for m, n, k in shapes:
        base = os.path.join(work, f"mm-{m}x{n}x{k}")
        with open(base + ".mlir", "w") as f:
            f.write(KERNEL_MLIR.format(m=m, nb=n // 32, k=k))
        lowered = subprocess.run(
            [BERTC_OPT, base + ".mlir", "--bertc-cpu-lowering-pipeline"],
            capture_output=True, text=True, check=True).stdout
        ll = subprocess.run(["mlir-translate-22", "--mlir-to-llvmir"],
                            input=lowered, capture_output=True, text=True,
                            check=True).stdout
        with open(base + ".ll", "w") as f:
            f.write(ll)
        exe = base + ".exe"
        subprocess.run(["clang-22", "-O3", "-march=native", "-fopenmp",
                        "-Wno-override-module", harness, base + ".ll",
                        "-ldnnl", "-o", exe], check=True)
        # Cold: a fresh weight matrix per call from 12 (over 100 MB for
        # BERT-base's FFN shapes), as in a model; only for m = 128.
        for copies in ((1, 12) if m == 128 and n * k > 768 * 768 else (1,)):
            for threads in (1, 2):
                out = subprocess.run(
                    [exe, str(m), str(n), str(k), str(runs * 5),
                     str(threads), str(copies)],
                    capture_output=True, text=True, check=True).stdout.split()
                ours, dnnl = float(out[0]), float(out[1])
                # Kernels are compared in GFLOP/s: ratio = oneDNN / bertc.
                weights = " weights from memory," if copies > 1 else ""
                table.append((f"matmul {m}x{n}x{k} (x W^T; bertc: W in "
                              f"panels),{weights} {threads} thread(s)",
                              1e3 / ours, [("oneDNN sgemm", 1e3 / dnnl)],
                              f"{ours:.0f} vs {dnnl:.0f} GFLOP/s"))
                print(table[-1], flush=True)


def bench_profile(work, runs):
    """Part 4: where BERT-base's time goes, kernel by kernel (--profile).

    The profiled program is the benchmarked one plus two clock reads per
    kernel; its median is printed next to the plain program's as the
    cost of that instrumentation."""
    model_dir = make_model(work)
    plain = compile_model(work, model_dir)
    profiled = compile_model(work, model_dir, ("--profile",))
    inputs = os.path.join(work, "in-b1.safetensors")
    write_inputs(inputs, 1, [SEQ])
    for threads in (1, 2):
        base = bertc_ms(plain, inputs, threads, runs)
        out = subprocess.run(
            [profiled, "--input", inputs, "--output", inputs + ".out",
             "--threads", str(threads), "--repeat", str(runs)],
            capture_output=True, text=True, check=True).stderr
        median = float(re.search(r"median=([0-9.]+)", out).group(1))
        print(f"\n## BERT-base b1 s{SEQ}, {threads} thread(s): median "
              f"{base:.2f} ms, {median:.2f} ms profiled\n")
        rows = [line for line in out.splitlines()
                if re.match(r"\s*[0-9.]+\s+[0-9.]+\s+\d+", line)]
        by_kind = {}
        for line in rows:
            fields = line.split()
            kind = fields[4]
            by_kind[kind] = by_kind.get(kind, 0.0) + float(fields[0])
        print("\n".join(line for line in out.splitlines()
                        if not line.startswith("latency_ms")))
        total = sum(by_kind.values())
        print("\nby kind: " + ", ".join(
            f"{kind} {ms:.2f} ms ({100 * ms / total:.0f}%)"
            for kind, ms in sorted(by_kind.items(), key=lambda kv: -kv[1])))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--work", default=None,
                        help="folder for the model, ONNX file and programs "
                             "(default: a temporary folder)")
    parser.add_argument("--skip-models", action="store_true",
                        help="only the matrix-product kernels")
    parser.add_argument("--mixed-only", action="store_true",
                        help="only the mixed-length batch (part 3)")
    parser.add_argument("--models-only", action="store_true",
                        help="only BERT-base against ONNX Runtime and "
                             "PyTorch (part 1)")
    parser.add_argument("--profile", action="store_true",
                        help="only BERT-base b1's time per kernel, on 1 and "
                             "2 threads (part 4: bertc compile --profile)")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="bertc-bench-")
    os.makedirs(work, exist_ok=True)

    table = []
    if args.profile:
        bench_profile(work, args.runs)
        return 0
    if args.mixed_only:
        bench_mixed(work, args.runs, table)
    elif args.models_only:
        bench_models(work, args.runs, table, mixed=False)
    else:
        bench_kernels(work, args.runs, table)
        if not args.skip_models:
            bench_models(work, args.runs, table)

    print(f"\nCPU: {os.cpu_count()} cores; median of {args.runs} runs; "
          "ratio = bertc time / baseline time (< 1: bertc faster)\n")
    print("| case | bertc | baseline | baseline time | ratio |")
    print("|---|---|---|---|---|")
    for row in table:
        case, ours, baselines = row[0], row[1], row[2]
        note = f" ({row[3]})" if len(row) > 3 else ""
        for name, theirs in baselines:
            print(f"| {case}{note} | {ours:.2f} ms | {name} | {theirs:.2f} ms "
                  f"| {ours / theirs:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
