#!/usr/bin/env python3
"""GPU benchmark for issue #6: bertc --target=cuda against PyTorch eager.

BERT-base shape (random weights), seq 128, batch 1 and 32, on the same GPU
in the same run; prints median latencies and the ratio bertc / PyTorch
(lower is better for bertc). Not part of the test suite: run it on purpose.

The GPU machine has Python, PyTorch and transformers but no LLVM, so the
program is compiled here and carried over:

  bench_gpu.py build --out DIR     # here: BERT-base programs for the GPU
      [--work W] [--tiles ...]     # (compiled from a checkpoint of zeros
      [--jobs N]                   # in W: standard library only), N at a
                                   # time
  bench_gpu.py run --dir DIR       # on the GPU machine
      [--runs N] [--sm 90]
  bench_gpu.py emulate --out DIR   # here, before carrying: the same
      [--tiles ...] [--layers N]   # programs with emulated kernels, whose
      [--jobs N]                   # accesses are checked (no GPU needed)

`run` makes its own random weights with transformers (the program takes any
weights of the right names and shapes, --weights), times the program with
--repeat (one call: inputs to the GPU, the model, outputs back to the host)
and PyTorch doing the same (inputs to the GPU, forward, outputs .cpu()),
fp32 and fp16, and checks that bertc's output matches PyTorch fp32.
bertc's fp16 column is the program compiled with --dtype=f16 (f16
weights, tensor-core products, f32 sums and everything else f32), with its
ratio to PyTorch fp16 and its largest difference from PyTorch fp32. The last columns
time the same model compiled with --gpu-plain-kernels (one thread per output
element everywhere, median of at most 5 calls), which the tiled matrix
products and block-per-row reductions replace. After the tables, the
fp32 and fp16 programs built with --profile print batch 32's time per
kernel. With build --tiles, run also
times each tile-size variant at each batch against PyTorch in the same dtype
(small batches want smaller tiles than batch 32: README "GPU").

run times the default programs at both batches first, then the variants at
batch 32, then at batch 1, each in build's --tiles order. Each figure is
also printed as it is measured (lines starting "measured:", flushed), so a
run stopped by a time limit still says what it timed; --deadline SECONDS
starts no program after that time and still prints the tables (exit
status 3 when something was left out); --no-variants skips the variants.
"""
import argparse
import concurrent.futures
import json
import math
import os
import re
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "utils"))
from bench_cpu import SEQ, make_model, median_ms, write_inputs  # noqa: E402

# Batch 32 first: it is #6's target, and it is timed even when a limit on
# the run stops it in batch 1.
BATCHES = (32, 1)
PROFILE_BATCH = 32
# bertc's kernels, and the plain one-thread-per-element mapping they replace
# (--gpu-plain-kernels), timed in the same run.
PROGRAMS = (("bert-base-cuda.exe", []),
            ("bert-base-cuda-plain.exe", ["--gpu-plain-kernels"]),
            ("bert-base-cuda-f16.exe", ["--dtype=f16"]))
# The same programs built with --profile: where batch 32's time goes, per
# kernel (CUDA events around each launch), printed after the tables.
PROFILED = (("bert-base-cuda-profile.exe", ["--profile"], "fp32"),
            ("bert-base-cuda-f16-profile.exe", ["--dtype=f16", "--profile"],
             "fp16"))


# BertConfig()'s defaults: BERT-base.
BASE = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12,
            num_attention_heads=12, intermediate_size=3072,
            max_position_embeddings=512, type_vocab_size=2)


def shape_checkpoint(work, layers=BASE["num_hidden_layers"]):
    """A BERT-base checkpoint of zeros (of `layers` layers), made with the
    standard library.

    Compiling reads the config and the weights' names and shapes only, so
    build needs no PyTorch; run makes random weights with transformers."""
    name = "bert-base-shapes"
    if layers != BASE["num_hidden_layers"]:
        name += "-%dl" % layers
    path = os.path.join(work, name)
    os.makedirs(path, exist_ok=True)
    h, f = BASE["hidden_size"], BASE["intermediate_size"]
    shapes = {"embeddings.word_embeddings.weight": [BASE["vocab_size"], h],
              "embeddings.position_embeddings.weight":
                  [BASE["max_position_embeddings"], h],
              "embeddings.token_type_embeddings.weight":
                  [BASE["type_vocab_size"], h],
              "embeddings.LayerNorm.weight": [h],
              "embeddings.LayerNorm.bias": [h],
              "pooler.dense.weight": [h, h], "pooler.dense.bias": [h]}
    for i in range(layers):
        layer = "encoder.layer.%d." % i
        for name, out, inp in (("attention.self.query", h, h),
                               ("attention.self.key", h, h),
                               ("attention.self.value", h, h),
                               ("attention.output.dense", h, h),
                               ("intermediate.dense", f, h),
                               ("output.dense", h, f)):
            shapes[layer + name + ".weight"] = [out, inp]
            shapes[layer + name + ".bias"] = [out]
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[layer + norm + ".weight"] = [h]
            shapes[layer + norm + ".bias"] = [h]
    header, offset = {}, 0
    for name, shape in shapes.items():
        size = 4 * math.prod(shape)
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(path, "model.safetensors"), "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text)
        out.truncate(8 + len(text) + offset)  # zeros, sparse on disk
    config = dict(BASE, num_hidden_layers=layers,
                  architectures=["BertModel"], model_type="bert",
                  hidden_act="gelu", layer_norm_eps=1e-12, pad_token_id=0)
    with open(os.path.join(path, "config.json"), "w") as out:
        json.dump(config, out, indent=1)
    return path


# Tile-size variants (build --tiles), timed at every batch by run.
TILE_PROGRAM = "bert-base-cuda-%s-tile-%s.exe"
TILE_VARIANT = re.compile(
    r"^(?:f32:|f16:)?\d+x\d+x\d+(?:-noprefetch)?(?:-nowide)?(?:-double)?(?:-wideops)?"
    r"(?:-nofuse)?(?:-nofit)?(?:-nospec)?(?:-nosplit)?(?:-waves)?"
    r"(?:-async\d+)?(?:-warp\d+x\d+)?(?:-small\d+x\d+x\d+)?"
    r"(?:-minblocks\d+)?(?:-warprows\d+)?(?:-fuseattn)?(?:-profile)?$")
# What TILE_VARIANT accepts, for --tiles' help and errors.
VARIANT_SYNTAX = ("[f32:|f16:]MxNxK[-noprefetch][-nowide][-double][-wideops]"
                  "[-nofuse][-nofit][-nospec][-nosplit][-waves][-asyncN]"
                  "[-warpMxN][-smallMxNxK][-minblocksN][-warprowsN][-fuseattn]"
                  "[-profile]")
# A variant's parts after the tile: switches, and flags that take a size.
TILE_SWITCHES = {"noprefetch": "--gpu-no-prefetch",
                 "nowide": "--gpu-no-wide-loads",
                 "double": "--gpu-double-buffer",
                 "wideops": "--gpu-wide-operands",
                 "nofuse": "--no-fuse-linears",
                 "nofit": "--gpu-no-fit-tiles",
                 "nospec": "--gpu-no-wide-specialization",
                 "nosplit": "--gpu-split-k=0",
                 "waves": "--gpu-split-k-waves",
                 "fuseattn": "--gpu-fuse-attention",
                 # Not timed: its per-kernel table at batch 32, to compare
                 # with the defaults' kernel by kernel.
                 "profile": "--profile"}
TILE_SIZED = {"warp": "--gpu-warp-tile=", "small": "--gpu-small-tile=",
              "async": "--gpu-async-stages=",
              "minblocks": "--gpu-min-blocks-per-sm=",
              "warprows": "--gpu-warp-rows-up-to="}
# Parts for tensor cores (f16) only (-warpMxN, not -warprowsN).
F16_ONLY = re.compile(r"^(warp\d+x\d+|async\d+|wideops|fuseattn)$")
TILE_NAME = re.compile(r"^bert-base-cuda-(f32|f16)-tile-(.*)\.exe$")
# build writes the variants' programs in --tiles order here; run times them
# in that order (gpu_check.sh lists the likeliest winners first).
VARIANT_ORDER = "variants.txt"


def program_list(args):
    """(file name, bertc compile flags) of each program build makes."""
    programs = list(PROGRAMS) + [(name, flags) for name, flags, _ in PROFILED]
    for variant in args.tiles.split(",") if args.tiles else []:
        if not TILE_VARIANT.match(variant):
            sys.exit("--tiles: %s is not %s" % (variant, VARIANT_SYNTAX))
        # A dtype first builds that one only.
        only, _, variant = variant.rpartition(":")
        tile, *rest = variant.split("-")
        flags = ["--gpu-tile=" + tile]
        for part in rest:
            name = part.rstrip("0123456789x")
            flags.append(TILE_SWITCHES.get(part) or
                         TILE_SIZED[name] + part[len(name):])
        dtypes = ("f32", "f16") if not args.dtype else (args.dtype,)
        if any(F16_ONLY.match(part) for part in rest):
            dtypes = tuple(d for d in dtypes if d != "f32")
        if only:
            dtypes = tuple(d for d in dtypes if d == only)
        if not dtypes:
            f16 = [part for part in rest if F16_ONLY.match(part)]
            why = ("-%s is for f16 (tensor cores) only" % ", -".join(f16)
                   if f16 else "it names " + only)
            asks = ("the variant asks for f32" if f16 and only == "f32"
                    else "--dtype asks for %s" % args.dtype)
            sys.exit("--tiles: %s builds no program: %s, and %s"
                     % (only + ":" + variant if only else variant, why, asks))
        for dtype in dtypes:
            programs.append((TILE_PROGRAM % (dtype, variant),
                             ["--dtype=" + dtype] + flags))
    return programs


def build(args):
    os.makedirs(args.out, exist_ok=True)
    # The 440 MB checkpoint stays out of DIR, which goes to the GPU machine.
    os.makedirs(args.work, exist_ok=True)
    model = shape_checkpoint(args.work)
    programs = program_list(args)
    with open(os.path.join(args.out, VARIANT_ORDER), "w") as f:
        f.write("".join(name + "\n" for name, _ in programs
                        if TILE_NAME.match(name)))

    def compile_one(name, flags):
        exe = os.path.join(args.out, name)
        subprocess.run([args.bertc, "compile", model, "--target=cuda",
                        "--sm=%d" % args.sm, "-o", exe] + flags, check=True)
        return exe

    # About 20 s each on one core: --jobs at a time (one per core).
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for exe in pool.map(lambda p: compile_one(*p), programs):
            print("built %s (weights stay here; run makes its own)" % exe,
                  flush=True)


# emulate's inputs: (batch, seq, tokens per sample). Seq 128 takes the
# aligned (16-byte) kernels, seq 20 with a padded sample the general ones.
EMULATE_INPUTS = ((1, SEQ, (SEQ,)), (2, 20, (20, 13)))


def write_shape_inputs(path, batch, seq, lengths):
    """input_ids and attention_mask (int64) in safetensors, standard
    library only (the machine that builds may have no numpy)."""
    ids, mask = [], []
    for b in range(batch):
        for t in range(seq):
            ids.append(1000 + (7919 * (b * seq + t)) % 29000
                       if t < lengths[b] else 0)
            mask.append(1 if t < lengths[b] else 0)
    data = struct.pack("<%dq" % len(ids), *ids)
    data += struct.pack("<%dq" % len(mask), *mask)
    n = 8 * batch * seq
    header = {"input_ids": {"dtype": "I64", "shape": [batch, seq],
                            "data_offsets": [0, n]},
              "attention_mask": {"dtype": "I64", "shape": [batch, seq],
                                 "data_offsets": [n, 2 * n]}}
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + data)


def emulate(args):
    """build's programs (not --profile's), with the kernels emulated on the
    CPU (--emulate-gpu) and their accesses checked
    (bertc-gpu-check-accesses), run on BERT-base's shapes: a kernel that
    would fault on the GPU stops its program here. The weights are zeros,
    so the outputs say nothing; the tests' golden models check values."""
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    model = shape_checkpoint(args.work, args.layers)
    inputs = []
    for batch, seq, lengths in EMULATE_INPUTS:
        path = os.path.join(args.out, "input-%dx%d.safetensors" % (batch, seq))
        write_shape_inputs(path, batch, seq, lengths)
        inputs.append(path)

    def check(name, flags):
        """(lines to print, whether it failed) for one program."""
        # Occupancy hints are ptxas's business: nothing to emulate.
        flags = [f for f in flags
                 if not f.startswith("--gpu-min-blocks-per-sm")]
        exe = os.path.join(args.out, name.replace(".exe", "-emulated.exe"))
        r = subprocess.run([args.bertc, "compile", model, "--target=cuda",
                            "--emulate-gpu", "-o", exe] + flags,
                           capture_output=True, text=True)
        if r.returncode != 0:
            return ["FAILED: %s: compile: %s" % (name, r.stderr.strip())], True
        lines, bad = [], False
        for path in inputs:
            r = subprocess.run([exe, "--input", path, "--output",
                                exe + ".out.safetensors"],
                               capture_output=True, text=True)
            shape = os.path.basename(path)[len("input-"):-len(".safetensors")]
            if r.returncode == 0:
                lines.append("ok: %s %s" % (name, shape))
                continue
            bad = True
            said = [l for l in (r.stdout + r.stderr).splitlines() if l]
            lines.append("FAILED: %s %s (exit %d): %s" %
                         (name, shape, r.returncode,
                          said[0] if said else "no output"))
        return lines, bad

    programs = [(name, flags) for name, flags in program_list(args)
                if "--profile" not in flags]
    failed = 0
    # Each program compiles and runs alone: one a core.
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for lines, bad in pool.map(lambda p: check(*p), programs):
            print("\n".join(lines), flush=True)
            failed += bad
    print("emulate: %d failed" % failed)
    return 1 if failed else 0


def time_program(exe, inputs, out, weights, runs):
    """The program's median call time (ms), or None with its error printed."""
    r = subprocess.run([exe, "--input", inputs, "--output", out,
                        "--weights", weights, "--repeat", str(runs)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("%s failed: %s" % (os.path.basename(exe), r.stderr.strip()))
        return None
    return float(re.search(r"median=([0-9.]+)", r.stderr).group(1))


def profile_table(exe, inputs, weights, runs):
    """The --profile program's per-kernel table (its stderr after the
    latency line), or why there is none."""
    if not os.path.exists(exe):
        return "(not built)"
    r = subprocess.run([exe, "--input", inputs, "--output", inputs + ".prof",
                        "--weights", weights, "--repeat", str(runs)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return "failed: " + r.stderr.strip()
    return "\n".join(line for line in r.stderr.splitlines()
                     if not line.startswith("latency_ms"))


def profile_entry(args, label, name, inputs, weights):
    """(label, kernel table) of the --profile program NAME in DIR at these
    inputs, printed as soon as it is measured."""
    table = profile_table(os.path.join(args.dir, name), inputs, weights,
                          min(args.runs, 10))
    print("measured: profile %s\n%s" % (label, table), flush=True)
    return label, table


def variant_programs(directory):
    """The variant programs in DIR, in build's --tiles order."""
    present = {name for name in os.listdir(directory) if TILE_NAME.match(name)}
    order = []
    listed = os.path.join(directory, VARIANT_ORDER)
    if os.path.exists(listed):
        with open(listed) as f:
            order = [n for n in f.read().split() if n in present]
    return order + sorted(present - set(order))


class Clock:
    """run's deadline: after it no new program starts (--deadline)."""

    def __init__(self, seconds):
        self.end = None if seconds is None else time.monotonic() + seconds
        self.skipped = []

    def allows(self, what):
        if self.end is not None and time.monotonic() > self.end:
            self.skipped.append(what)
            print("skipped (deadline): %s" % what, flush=True)
            return False
        return True


def tile_sweep(args, clock, batch, inputs, weights, ref32, timings, profiles):
    """(dtype, tile, ms, ratio, max diff) of each tile variant in DIR; the
    -profile variants' kernel tables go to `profiles` instead."""
    import torch
    from safetensors.numpy import load_file
    rows = []
    for name in variant_programs(args.dir):
        m = TILE_NAME.match(name)
        profiled = m.group(2).endswith("-profile")
        if profiled and batch != PROFILE_BATCH:
            continue
        if not clock.allows("batch %d %s %s" % (batch, m.group(1),
                                                m.group(2))):
            continue
        if profiled:
            profiles.append(profile_entry(
                args, "%s %s" % (m.group(1), m.group(2)), name, inputs,
                weights))
            continue
        out = os.path.join(args.dir, name + ".out")
        ms = time_program(os.path.join(args.dir, name), inputs, out, weights,
                          args.runs)
        base = timings[torch.float16 if m.group(1) == "f16" else torch.float32]
        diff = None
        if ms is not None:
            got = torch.from_numpy(load_file(out)["last_hidden_state"])
            diff = (got - ref32).abs().max().item()
        rows.append((m.group(1), m.group(2), ms,
                     "-" if ms is None else "%.2fx" % (ms / base), diff))
        print("measured: batch %d %s %s: %s ms, %s, max diff %s" %
              ((batch, m.group(1), m.group(2)) + rows[-1][2:]), flush=True)
    return rows


def run(args):
    import torch
    import transformers
    from safetensors.numpy import load_file
    assert torch.cuda.is_available(), "run needs a GPU (PyTorch sees none)"
    clock = Clock(args.deadline)
    exe = os.path.join(args.dir, PROGRAMS[0][0])
    # The same random BERT-base as build's, made here (440 MB, not carried).
    checkpoint = make_model(args.dir)
    # One copy per dtype: .to() converts in place, and an fp32 model made
    # back from the fp16 one would have rounded weights.
    models = {dtype: transformers.BertModel.from_pretrained(checkpoint)
              .eval().to("cuda", dtype)
              for dtype in (torch.float32, torch.float16)}
    weights = os.path.join(checkpoint, "model.safetensors")
    gpu = torch.cuda.get_device_name(0)
    rows, sweep, profiles, batches = [], {}, [], {}
    # The default programs at every batch first, then the variants: the
    # table README needs is measured before the options to choose from.
    for batch in BATCHES:
        if not clock.allows("batch %d: the default programs" % batch):
            continue
        inputs = os.path.join(args.dir, "input-b%d.safetensors" % batch)
        ids, mask = write_inputs(inputs, batch, [SEQ] * batch)
        out = inputs + ".out"
        bertc_ms = time_program(exe, inputs, out, weights, args.runs)
        # The plain kernels take seconds at batch 32: a few calls do.
        plain_ms = time_program(
            os.path.join(args.dir, PROGRAMS[1][0]), inputs, out + ".plain",
            weights, min(args.runs, 5))
        half_ms = time_program(
            os.path.join(args.dir, PROGRAMS[2][0]), inputs, out + ".f16",
            weights, args.runs)
        diff = half_diff = None
        timings = {}
        for dtype, m in models.items():
            with torch.inference_mode():
                # .cpu() waits for the GPU: each call is timed whole.
                def call():
                    i = torch.from_numpy(ids).to("cuda")
                    a = torch.from_numpy(mask).to("cuda")
                    o = m(input_ids=i, attention_mask=a)
                    return o.last_hidden_state.float().cpu()
                timings[dtype] = median_ms(call, args.runs, warmup=5)
                if dtype == torch.float32:
                    ref32 = call()
        batches[batch] = (inputs, ref32, timings)
        if bertc_ms is not None:
            got = torch.from_numpy(load_file(out)["last_hidden_state"])
            diff = (got - ref32).abs().max().item()
        if half_ms is not None:
            got = torch.from_numpy(load_file(out + ".f16")["last_hidden_state"])
            half_diff = (got - ref32).abs().max().item()
        rows.append((batch, bertc_ms, timings[torch.float32],
                     timings[torch.float16], diff, plain_ms, half_ms,
                     half_diff))
        print("measured: batch %d: bertc fp32 %s ms, PyTorch fp32 %.2f, "
              "bertc fp16 %s, PyTorch fp16 %.2f, plain %s, max diff %s / %s"
              % (batch, bertc_ms, timings[torch.float32], half_ms,
                 timings[torch.float16], plain_ms, diff, half_diff),
              flush=True)
        for name, _, dtype in PROFILED if batch == PROFILE_BATCH else ():
            if not clock.allows("profile " + dtype):
                continue
            profiles.append(profile_entry(args, dtype, name, inputs,
                                          weights))
    for batch in [] if args.no_variants else BATCHES:
        if batch not in batches:  # its defaults were past the deadline
            clock.skipped.append("batch %d: the variants" % batch)
            continue
        inputs, ref32, timings = batches[batch]
        sweep[batch] = tile_sweep(args, clock, batch, inputs, weights, ref32,
                                  timings, profiles)
    print("GPU: %s; BERT-base, seq %d, median of %d calls (ms)" %
          (gpu, SEQ, args.runs))
    print("| batch | bertc fp32 | PyTorch fp32 | ratio | max diff | "
          "bertc fp16 | PyTorch fp16 | ratio | max diff | bertc plain "
          "kernels | tiled / plain |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    fmt = lambda x: "failed" if x is None else "%.2f" % x
    over = lambda x, y: "-" if x is None or y is None else "%.2fx" % (x / y)
    err = lambda d: "-" if d is None else "%.1e" % d
    for batch, b, p32, p16, diff, plain, half, half_diff in sorted(rows):
        print("| %d | %s | %.2f | %s | %s | %s | %.2f | %s | %s | %s | %s |" %
              (batch, fmt(b), p32, over(b, p32), err(diff), fmt(half), p16,
               over(half, p16), err(half_diff), fmt(plain), over(b, plain)))
    print("max diff: largest |bertc - PyTorch fp32| of last_hidden_state")
    for dtype, table in profiles:
        print("\nWhere batch %d's time goes, %s (--profile: kernel times from "
              "CUDA events; per run):" % (PROFILE_BATCH, dtype))
        print(table)
    for batch, variants in sorted(sweep.items()):
        if not variants:
            continue
        print("\nTile sizes (--gpu-tile MxNxK), batch %d:" % batch)
        print("| dtype | tile | bertc (ms) | / PyTorch same dtype | max diff |")
        print("|---|---|---|---|---|")
        for dtype, tile, ms, ratio, d in variants:
            print("| %s | %s | %s | %s | %s |" % (dtype, tile, fmt(ms), ratio,
                                                  err(d)))
    if clock.skipped:
        print("\nNot timed (past --deadline %ss): %d: %s" %
              (args.deadline, len(clock.skipped), "; ".join(clock.skipped)))
        return 3
    return 0


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["build", "run", "emulate"])
    ap.add_argument("--out", help="build, emulate: where the programs go")
    ap.add_argument("--dir", help="run: the directory of a build")
    ap.add_argument("--bertc", default=os.path.join(ROOT, "build", "bin", "bertc"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench-work"),
                    help="build, emulate: where the BERT-base checkpoint "
                         "is made")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="build, emulate: programs built (and run) at a "
                         "time (default: one per core)")
    ap.add_argument("--layers", type=int, default=BASE["num_hidden_layers"],
                    help="emulate: layers of the BERT-base shapes (12; "
                         "each has the same kernels)")
    ap.add_argument("--sm", type=int, default=90)
    ap.add_argument("--tiles",
                    metavar=VARIANT_SYNTAX + ",...",
                    help="build: also f32 and f16 programs (or the one "
                         "named first) with these "
                         "tiles (bertc compile --gpu-tile, --gpu-no-prefetch, "
                         "--gpu-no-wide-loads, --gpu-double-buffer, "
                         "--no-fuse-linears, --gpu-no-fit-tiles, "
                         "--gpu-no-wide-specialization, --gpu-split-k=0, "
                         "--gpu-split-k-waves, and, f16 "
                         "only, --gpu-wide-operands, --gpu-async-stages, "
                         "--gpu-warp-tile, --gpu-fuse-attention; "
                         "--gpu-small-tile, "
                         "--gpu-min-blocks-per-sm, --gpu-warp-rows-up-to), "
                         "which run "
                         "times at each batch")
    ap.add_argument("--dtype", choices=["f32", "f16"],
                    help="build: --tiles variants of this dtype only")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--deadline", type=float, metavar="SECONDS",
                    help="run: start no program after this many seconds "
                         "(what was timed is still printed; exit status 3 "
                         "says something was not)")
    ap.add_argument("--no-variants", action="store_true",
                    help="run: time the default programs only")
    args = ap.parse_args()
    if args.command in ("build", "emulate"):
        if not args.out:
            ap.error("%s needs --out DIR" % args.command)
        if args.layers < 1:
            ap.error("--layers must be 1 or more, got %d" % args.layers)
        if args.jobs < 1:
            ap.error("--jobs must be 1 or more, got %d" % args.jobs)
        if args.command == "emulate":
            return emulate(args)
        build(args)
    else:
        if not args.dir:
            ap.error("run needs --dir DIR")
        return run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
