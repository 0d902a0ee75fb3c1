#!/usr/bin/env python3
"""Benchmark: Transformer-XL evaluation with memory vs sliding-window recompute.

Builds a random-weight Transformer-XL (4 layers, d_model 128, 4 heads of
32, d_inner 512, vocab 1000; standard library only), compiles it with bertc
and measures, in one run on this machine:

1. Flat cost per segment: streaming (--segment-len 64) over total lengths
   1k ... 8k tokens with mem_len 512. Once the memory is full, each segment
   costs the same, so time per segment stays flat as the stream grows.
2. The paper's comparison (Dai et al. 2019, Table 9: 363x at attention
   length 800, 1,874x at 3,800): a vanilla Transformer evaluation slides a
   window of A tokens by one token and recomputes the window for each
   prediction; Transformer-XL computes a segment of Q = 64 new tokens
   against A cached memory steps. Speedup = time per predicted token of the
   first over the second, the same compiled network for both (a window is a
   call with an empty memory).

  python3 utils/bench_transfoxl.py [--bertc build/bin/bertc] [--repeat 3]
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_tool import random_f32, write  # noqa: E402

L, D, N, DH, I, V = 4, 128, 4, 32, 512, 1000
Q = 64
STREAM_MEM = 512
STREAM_LENGTHS = [1024, 2048, 4096, 8192]
ATTENTION_LENGTHS = [800, 3800]


def model(root, rng, mem_len):
    tensors = {}

    def t(name, shape, scale=0.05, base=0.0):
        tensors[name] = random_f32(rng, shape, scale, base)

    t("word_emb.emb_layers.0.weight", [V, D], 0.5)
    for l in range(L):
        p = f"layers.{l}."
        t(p + "dec_attn.qkv_net.weight", [3 * N * DH, D])
        t(p + "dec_attn.r_net.weight", [N * DH, D])
        t(p + "dec_attn.o_net.weight", [D, N * DH])
        t(p + "dec_attn.r_w_bias", [N, DH])
        t(p + "dec_attn.r_r_bias", [N, DH])
        t(p + "dec_attn.layer_norm.weight", [D], 0.1, 1.0)
        t(p + "dec_attn.layer_norm.bias", [D], 0.1)
        t(p + "pos_ff.CoreNet.0.weight", [I, D])
        t(p + "pos_ff.CoreNet.0.bias", [I])
        t(p + "pos_ff.CoreNet.3.weight", [D, I])
        t(p + "pos_ff.CoreNet.3.bias", [D])
        t(p + "pos_ff.layer_norm.weight", [D], 0.1, 1.0)
        t(p + "pos_ff.layer_norm.bias", [D], 0.1)
    os.makedirs(root, exist_ok=True)
    write(os.path.join(root, "model.safetensors"), tensors)
    config = {"model_type": "transfo-xl", "architectures": ["TransfoXLModel"],
              "vocab_size": V, "cutoffs": [], "div_val": 1, "d_model": D,
              "d_embed": D, "n_head": N, "d_head": DH, "d_inner": I,
              "n_layer": L, "mem_len": mem_len, "clamp_len": 0,
              "same_length": False, "untie_r": True}
    with open(os.path.join(root, "config.json"), "w") as f:
        json.dump(config, f)


def ids(rng, length):
    return ("I64", [1, length], [rng.randrange(V) for _ in range(length)])


def latency(exe, inputs, repeat, out):
    """Median latency of one call (ms), from the program's --repeat."""
    r = subprocess.run([exe, "--input", inputs, "--output", out,
                        "--repeat", str(repeat)],
                       capture_output=True, text=True, check=True)
    return float(re.search(r"median=([0-9.]+)", r.stderr).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bertc", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "bertc"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.safetensors")

        # 1. Streaming: time per segment as the stream grows.
        model(os.path.join(tmp, "stream"), rng, STREAM_MEM)
        exe = os.path.join(tmp, "stream.exe")
        subprocess.run([args.bertc, "compile", os.path.join(tmp, "stream"),
                        "-o", exe], check=True)
        print(f"streaming, segment {Q}, mem_len {STREAM_MEM}, "
              f"{L} layers, d_model {D}:")
        print("| total tokens | segments | ms per segment |")
        print("|---:|---:|---:|")
        for total in STREAM_LENGTHS:
            path = os.path.join(tmp, f"stream-{total}.safetensors")
            write(path, {"input_ids": ids(rng, total)})
            best = None
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                subprocess.run([exe, "--input", path, "--segment-len", str(Q)],
                               check=True, capture_output=True)
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
            print(f"| {total} | {total // Q} | {1000 * best / (total // Q):.2f} |")

        # 2. Memory vs sliding-window recompute at the paper's lengths.
        model(os.path.join(tmp, "window"), rng, max(ATTENTION_LENGTHS))
        exe = os.path.join(tmp, "window.exe")
        subprocess.run([args.bertc, "compile", os.path.join(tmp, "window"),
                        "-o", exe], check=True)
        print()
        print(f"per predicted token, attention length A (segment {Q} for "
              "Transformer-XL):")
        print("| A | sliding window: ms/token | with memory: ms/token | speedup |")
        print("|---:|---:|---:|---:|")
        for a in ATTENTION_LENGTHS:
            empty = {f"mems.{l}": ("F32", [0, 1, D], []) for l in range(L)}
            window = os.path.join(tmp, f"window-{a}.safetensors")
            write(window, dict(empty, input_ids=ids(rng, a)))
            # One window per prediction: the whole window is recomputed.
            slide = latency(exe, window, max(1, args.repeat // 2), out)
            mems = {f"mems.{l}": random_f32(rng, [a, 1, D], 1.0)
                    for l in range(L)}
            segment = os.path.join(tmp, f"segment-{a}.safetensors")
            write(segment, dict(mems, input_ids=ids(rng, Q)))
            xl = latency(exe, segment, args.repeat, out) / Q
            print(f"| {a} | {slide:.1f} | {xl:.3f} | {slide / xl:.0f}x |")


if __name__ == "__main__":
    main()
