#!/usr/bin/env python3
"""Golden data for Transformer-XL from Hugging Face transformers.

TransfoXL was removed from transformers 5, and its deprecated copy in 4.35 ..
4.57 fails at its first forward (`type_as(dtype=...)` in the position
sequence), so this pins 4.33.3, the last release before the deprecation, in
its own virtual environment:

  python3 -m venv --system-site-packages /tmp/tf433
  /tmp/tf433/bin/pip install transformers==4.33.3
  /tmp/tf433/bin/python utils/make_golden_transfoxl.py

For each config below, test/Integration/Models/golden/<name>/ gets:
  config.json, model.safetensors      the checkpoint (save_pretrained)
  input.safetensors                   input_ids [B, SEGMENTS * Q]: the stream
  segment-{k}.safetensors             input_ids of segment k ([B, Q]; only
                                      segment 0 without memory, mem_len 0)
  expected-{k}.safetensors            transformers' outputs for segment k
                                      (memory carried from segment k-1; the
                                      first call has mems=None)
  expected-stream.safetensors         the per-token outputs of all segments
                                      concatenated, the final mems, and for
                                      the LM head log_likelihood [B] (sum of
                                      log p(next token) over the stream)
  input-mems.safetensors,             one call with explicit memories shorter
  expected-mems.safetensors           than mem_len
Expected values come from transformers, never from bertc.
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file
import transformers
from transformers import TransfoXLConfig, TransfoXLLMHeadModel, TransfoXLModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import save_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "test", "Integration", "Models", "golden")
SEGMENTS = 3


def outputs(model, out):
    """The program's output names: the per-token output and mems.{i}."""
    key = "prediction_scores" if isinstance(model, TransfoXLLMHeadModel) \
        else "last_hidden_state"
    res = {key: getattr(out, key).contiguous()}
    for i, m in enumerate(out.mems or []):
        res["mems.%d" % i] = m.contiguous()
    return key, res


def write(name, cls, cfg, batch, qlen, seed):
    d = os.path.join(GOLDEN, name)
    model = save_model(cls, cfg, seed, d)

    g = torch.Generator().manual_seed(seed + 1)
    stream = torch.randint(0, cfg.vocab_size, (batch, SEGMENTS * qlen),
                           generator=g)
    save_file({"input_ids": stream}, os.path.join(d, "input.safetensors"))
    mems, pieces = None, []
    segments = SEGMENTS if cfg.mem_len > 0 else 1  # mem_len 0: no memory
    with torch.no_grad():
        for k in range(segments):
            seg = stream[:, k * qlen:(k + 1) * qlen].contiguous()
            out = model(input_ids=seg, mems=mems)
            key, res = outputs(model, out)
            save_file({"input_ids": seg},
                      os.path.join(d, "segment-%d.safetensors" % k))
            save_file(res, os.path.join(d, "expected-%d.safetensors" % k))
            pieces.append(res[key])
            mems = out.mems
        if cfg.mem_len == 0:
            print("wrote", d)
            return
        final = dict(res)
        final[key] = torch.cat(pieces, dim=1).contiguous()
        if key == "prediction_scores":
            # Streaming's figure: sum of log p(next token) per row.
            lp = final[key].double()
            nxt = stream[:, 1:]
            final["log_likelihood"] = lp[:, :-1].gather(
                2, nxt.unsqueeze(2)).squeeze(2).sum(1).float()
        save_file(final, os.path.join(d, "expected-stream.safetensors"))

        # Explicit memories of another length than mem_len.
        mlen = max(1, cfg.mem_len // 2)
        explicit = [torch.randn(mlen, batch, cfg.d_model, generator=g)
                    for _ in range(cfg.n_layer)]
        seg = stream[:, :qlen].contiguous()
        out = model(input_ids=seg, mems=explicit)
        _, res = outputs(model, out)
        inputs = {"input_ids": seg}
        inputs.update({"mems.%d" % i: m for i, m in enumerate(explicit)})
        save_file(inputs, os.path.join(d, "input-mems.safetensors"))
        save_file(res, os.path.join(d, "expected-mems.safetensors"))
    print("wrote", d)


def cfg(**kw):
    base = dict(vocab_size=40, cutoffs=[], div_val=1, d_model=32, d_embed=32,
                n_head=4, d_head=8, d_inner=48, n_layer=2, mem_len=6,
                clamp_len=0, same_length=False, untie_r=True, pre_lnorm=False,
                adaptive=True, eos_token_id=0, layer_norm_epsilon=1e-5)
    base.update(kw)
    return TransfoXLConfig(**base)


def main():
    if transformers.__version__ != "4.33.3":
        sys.exit("needs transformers 4.33.3 (see the docstring)")
    # The simple case: one embedding table, memory shorter than a segment.
    write("transfoxl-simple", TransfoXLModel, cfg(), batch=2, qlen=8, seed=41)
    # Adaptive input and softmax (div_val 2, three cutoffs), memory longer
    # than a segment, clamp_len, same_length.
    write("transfoxl-adaptive-lm", TransfoXLLMHeadModel,
          cfg(vocab_size=99, cutoffs=[10, 50, 80], div_val=2, n_layer=3,
              mem_len=12, clamp_len=7, same_length=True),
          batch=2, qlen=5, seed=42)
    # div_val 1 with cutoffs (one sliced table), d_embed != d_model (shared
    # projection), n_head * d_head != d_model, shared r biases, same_length
    # with memory shorter than a segment.
    write("transfoxl-div1-lm", TransfoXLLMHeadModel,
          cfg(vocab_size=60, cutoffs=[20, 40], div_val=1, d_embed=24,
              n_head=3, d_head=10, untie_r=False, mem_len=4, clamp_len=3,
              same_length=True),
          batch=3, qlen=6, seed=43)
    # Pre-norm layers (pre_lnorm), no same_length.
    write("transfoxl-prenorm", TransfoXLModel,
          cfg(pre_lnorm=True, mem_len=5, clamp_len=4, n_layer=2),
          batch=2, qlen=4, seed=45)
    # No memory at all (mem_len 0): mems is None in and out.
    write("transfoxl-nomem", TransfoXLLMHeadModel,
          cfg(mem_len=0, same_length=False, vocab_size=30, cutoffs=[12],
              div_val=2),
          batch=2, qlen=6, seed=46)
    # The model alone with adaptive input, memory equal to the segment.
    write("transfoxl-adaptive", TransfoXLModel,
          cfg(vocab_size=70, cutoffs=[16, 40], div_val=2, n_layer=2,
              mem_len=7, same_length=True, clamp_len=100),
          batch=2, qlen=7, seed=44)


if __name__ == "__main__":
    main()
