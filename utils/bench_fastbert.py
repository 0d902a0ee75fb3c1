#!/usr/bin/env python3
"""Benchmark: FastBERT's early exit saves the work of the layers it skips.

Builds a random-weight FastBERT (12 layers, hidden 128, intermediate 512;
standard library only), compiles it with bertc, runs one batch of 16
sequences of length 32 at several speeds with --repeat, and prints for each
speed the wall time relative to speed 0 next to the fraction of
(sample, layer) pairs actually executed (from the program's exit_layer
output). If finished samples really leave the batch, the two ratios track
each other (the classifiers and the compaction cost a little extra).

  python3 utils/bench_fastbert.py [--bertc build/bin/bertc] [--repeat 5]
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_tool import random_f32, read, write  # noqa: E402

L, H, I, C, HEADS, N, V, P = 12, 128, 512, 64, 2, 3, 1000, 64
BATCH, SEQ = 16, 32
SPEEDS = [0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def model(root, rng):
    tensors = {}

    def t(name, shape, scale=0.05, base=0.0):
        tensors[name] = random_f32(rng, shape, scale, base)

    t("bert.embeddings.word_embeddings.weight", [V, H], 0.5)
    t("bert.embeddings.position_embeddings.weight", [P, H], 0.5)
    t("bert.embeddings.token_type_embeddings.weight", [2, H], 0.5)
    t("bert.embeddings.LayerNorm.weight", [H], 0.1, 1.0)
    t("bert.embeddings.LayerNorm.bias", [H], 0.1)
    for l in range(L):
        p = f"bert.encoder.layer.{l}."
        for n in ("attention.self.query", "attention.self.key",
                  "attention.self.value", "attention.output.dense"):
            t(p + n + ".weight", [H, H], 0.1)
            t(p + n + ".bias", [H], 0.05)
        t(p + "intermediate.dense.weight", [I, H], 0.1)
        t(p + "intermediate.dense.bias", [I], 0.05)
        t(p + "output.dense.weight", [H, I], 0.05)
        t(p + "output.dense.bias", [H], 0.05)
        for n in ("attention.output.LayerNorm", "output.LayerNorm"):
            t(p + n + ".weight", [H], 0.1, 1.0)
            t(p + n + ".bias", [H], 0.1)
        c = f"classifiers.{l}."
        t(c + "output_layer_0.weight", [C, H], 0.1)
        t(c + "output_layer_0.bias", [C], 0.05)
        for n in ("self_attn.linear_layers.0", "self_attn.linear_layers.1",
                  "self_attn.linear_layers.2", "self_attn.final_linear",
                  "output_layer_1"):
            t(c + n + ".weight", [C, C], 0.2)
            t(c + n + ".bias", [C], 0.05)
        # Deeper classifiers are more confident, so exits spread over layers.
        t(c + "output_layer_2.weight", [N, C], 0.02 * 1.6 ** l)
        t(c + "output_layer_2.bias", [N], 0.1)
    write(os.path.join(root, "model.safetensors"), tensors)
    config = {"model_type": "fastbert", "vocab_size": V, "hidden_size": H,
              "num_hidden_layers": L, "num_attention_heads": 4,
              "intermediate_size": I, "max_position_embeddings": P,
              "type_vocab_size": 2, "num_labels": N, "cla_hidden_size": C,
              "cla_heads_num": HEADS, "speed": 0.5}
    with open(os.path.join(root, "config.json"), "w") as f:
        json.dump(config, f)
    ids = [rng.randrange(1, V) for _ in range(BATCH * SEQ)]
    write(os.path.join(root, "input.safetensors"),
          {"input_ids": ("I64", [BATCH, SEQ], ids)})


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bertc", default=os.path.join(here, "..", "build", "bin", "bertc"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as root:
        model(root, rng)
        exe = os.path.join(root, "fastbert")
        subprocess.run([args.bertc, "compile", root, "-o", exe], check=True)
        rows = []
        for speed in SPEEDS:
            out = os.path.join(root, "out.safetensors")
            run = subprocess.run([exe, "--input", os.path.join(root, "input.safetensors"),
                                  "--output", out, "--speed", str(speed),
                                  "--repeat", str(args.repeat)],
                                 check=True, capture_output=True, text=True)
            median = float(re.search(r"median=([0-9.]+)", run.stderr).group(1))
            exits = read(out)["exit_layer"][2]
            rows.append((speed, median, sum(exits) / (L * BATCH),
                         sorted(set(exits))))
    base = rows[0][1]
    print(f"FastBERT {L} layers, hidden {H}, batch {BATCH} x {SEQ} tokens, "
          f"median of {args.repeat} runs")
    print(f"{'speed':>6} {'time ms':>9} {'time ratio':>11} {'layer ratio':>12}  exit layers")
    for speed, ms, layers, seen in rows:
        print(f"{speed:>6.2f} {ms:>9.1f} {ms / base:>11.3f} {layers:>12.3f}  {seen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
