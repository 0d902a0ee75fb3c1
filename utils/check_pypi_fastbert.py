#!/usr/bin/env python3
"""Check bertc against the original FastBERT code: the PyPI package fastbert.

Builds the package's FastBERT ('uer_bert_tiny_zh' kernel: 3 layers, hidden
384) with random weights offline (is_load=False), saves its state dict as a
UER-layout safetensors checkpoint (kernel.*, classifiers.*), compiles that
with bertc and compares, for real sentences tokenized by the package and
several speeds, the package's (label, exec_layer_num) from FastBERT.forward
with the program's argmax(logits) and exit_layer.

  pip install fastbert==0.2.2 torch safetensors
  python3 utils/check_pypi_fastbert.py [--bertc build/bin/bertc]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file
from fastbert import FastBERT

SENTENCES = ["今天天气很好", "这部电影非常好看", "我不喜欢这个产品",
             "服务太差了", "价格合理，质量不错", "还可以吧", "完全不推荐",
             "物流很快，包装完好"]
SPEEDS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
SEQ = 16


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bertc", default=os.path.join(here, "..", "build", "bin", "bertc"))
    args = ap.parse_args()
    torch.manual_seed(0)
    labels = ["neg", "neutral", "pos"]
    model = FastBERT("uer_bert_tiny_zh", labels=labels, is_load=False,
                     seq_length=SEQ, device="cpu")
    with torch.no_grad():  # confident enough students to exit early
        for i, c in enumerate(model.classifiers):
            c.output_layer_2.weight.mul_(20.0 * (i + 1))
    model.eval()
    state = {k: v.contiguous() for k, v in model.state_dict().items()
             if k.startswith("kernel.embedding") or k.startswith("kernel.encoder")
             or k.startswith("classifiers.")}
    a = model.args
    config = {"model_type": "fastbert", "checkpoint_layout": "uer",
              "vocab_size": len(model.vocab), "hidden_size": a.hidden_size,
              "num_hidden_layers": a.layers_num, "num_attention_heads": a.heads_num,
              "intermediate_size": a.feedforward_size,
              "max_position_embeddings": state["kernel.embedding.position_embedding.weight"].shape[0],
              "type_vocab_size": state["kernel.embedding.segment_embedding.weight"].shape[0] - 1,
              "num_labels": len(labels),
              "cla_hidden_size": state["classifiers.0.output_layer_0.weight"].shape[0],
              "cla_heads_num": 2, "speed": 0.5}

    ids, masks = [], []
    for s in SENTENCES:
        i, m = model._convert_to_id_and_mask(s)
        ids.append(i)
        masks.append([1 if x > 0 else 0 for x in m])
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        save_file(state, os.path.join(tmp, "model.safetensors"))
        with open(os.path.join(tmp, "config.json"), "w") as f:
            json.dump(config, f)
        save_file({"input_ids": torch.tensor(ids, dtype=torch.int64),
                   "attention_mask": torch.tensor(masks, dtype=torch.int64)},
                  os.path.join(tmp, "input.safetensors"))
        exe = os.path.join(tmp, "fastbert")
        subprocess.run([args.bertc, "compile", tmp, "-o", exe], check=True)
        for speed in SPEEDS:
            out = os.path.join(tmp, "out.safetensors")
            subprocess.run([exe, "--input", os.path.join(tmp, "input.safetensors"),
                            "--output", out, "--speed", str(speed)], check=True)
            got = load_file(out)
            ours = [(labels[int(got["logits"][k].argmax())], int(got["exit_layer"][k]))
                    for k in range(len(SENTENCES))]
            theirs = [tuple(model(s, speed=speed)) for s in SENTENCES]
            agree = sum(o == t for o, t in zip(ours, theirs))
            failures += len(SENTENCES) - agree
            print(f"speed {speed}: {agree}/{len(SENTENCES)} agree; "
                  f"exit layers bertc {[o[1] for o in ours]} fastbert {[t[1] for t in theirs]}")
    print("PyPI fastbert check:", "PASS" if failures == 0 else "FAIL")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
