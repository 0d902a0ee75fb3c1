#!/usr/bin/env python3
"""Golden data for XLNet from Hugging Face transformers (5.x, fp32, eval).

For each config below, test/Integration/Models/golden/<name>/ gets:
  config.json, model.safetensors      the checkpoint (save_pretrained)
  call-{k}.safetensors                inputs of call k (input_ids and, per
                                      config, attention_mask, token_type_ids,
                                      perm_mask, target_mapping)
  expected-{k}.safetensors            transformers' outputs of call k: the
                                      output (last_hidden_state or logits)
                                      and mems.{i}; call 1 gets call 0's mems
Expected values come from transformers, never from bertc.

  python3 utils/make_golden_xlnet.py
"""
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import (XLNetConfig, XLNetForSequenceClassification,
                          XLNetLMHeadModel, XLNetModel)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import save_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "test", "Integration", "Models", "golden")
CALLS = 2


def call_inputs(cfg, batch, qlen, k, g, opts):
    ids = torch.randint(0, cfg.vocab_size, (batch, qlen), generator=g)
    inputs = {"input_ids": ids}
    if opts.get("mask"):
        mask = torch.ones(batch, qlen, dtype=torch.int64)
        mask[1:, qlen - 2:] = 0  # padded tail in the other rows
        inputs["attention_mask"] = mask
    if opts.get("types") == "zeros":
        inputs["token_type_ids"] = torch.zeros(batch, qlen, dtype=torch.int64)
    elif opts.get("types"):
        inputs["token_type_ids"] = (torch.arange(qlen)[None, :] >= qlen // 2 + k
                                    ).long().expand(batch, qlen).contiguous()
    if opts.get("perm"):
        # A random factorization order per row: i may not see j when j comes
        # later in the order (the pretraining setup).
        perm = torch.zeros(batch, qlen, qlen)
        for b in range(batch):
            order = torch.randperm(qlen, generator=g)
            rank = torch.empty(qlen, dtype=torch.long)
            rank[order] = torch.arange(qlen)
            perm[b] = (rank[None, :] >= rank[:, None]).float()
        inputs["perm_mask"] = perm
    if opts.get("targets"):
        # Predict the last `targets` positions.
        n = opts["targets"]
        tm = torch.zeros(batch, n, qlen)
        for m in range(n):
            tm[:, m, qlen - n + m] = 1.0
        inputs["target_mapping"] = tm
    return inputs


def write(name, cls, cfg, batch, qlen, seed, **opts):
    d = os.path.join(GOLDEN, name)
    model = save_model(cls, cfg, seed, d)
    g = torch.Generator().manual_seed(seed + 1)
    mems = None
    with torch.no_grad():
        for k in range(CALLS):
            inputs = call_inputs(cfg, batch, qlen, k, g, opts)
            out = model(**inputs, mems=mems, use_mems=True)
            key = "last_hidden_state" if cls is XLNetModel else "logits"
            res = {key: getattr(out, key).contiguous()}
            for i, m in enumerate(out.mems):
                res["mems.%d" % i] = m.contiguous()
            save_file({k2: v.contiguous() for k2, v in inputs.items()},
                      os.path.join(d, "call-%d.safetensors" % k))
            save_file(res, os.path.join(d, "expected-%d.safetensors" % k))
            mems = out.mems
    print("wrote", d)


def cfg(**kw):
    base = dict(vocab_size=50, d_model=32, n_layer=2, n_head=4, d_inner=48,
                ff_activation="gelu", attn_type="bi", mem_len=6,
                reuse_len=None, bi_data=False, clamp_len=-1,
                same_length=False, layer_norm_eps=1e-12, pad_token_id=5,
                num_labels=3)
    base.update(kw)
    return XLNetConfig(**base)


def main():
    # Content stream only: no token types, no masks, memory over two calls.
    write("xlnet-plain", XLNetModel, cfg(), batch=2, qlen=5, seed=51)
    # Both streams: token types, padding, a permutation mask and a target
    # mapping (the query stream's output), memory shorter than two calls.
    write("xlnet-two-stream", XLNetModel, cfg(mem_len=4, clamp_len=3),
          batch=2, qlen=6, seed=52, mask=True, types=True, perm=True,
          targets=2)
    # LM head, unidirectional with same_length, reuse_len, gelu_new. Batch
    # 1: transformers' "uni" path adds a data mask in place and fails to
    # broadcast it over a batch > 1.
    write("xlnet-lm-uni", XLNetLMHeadModel,
          cfg(attn_type="uni", same_length=True, reuse_len=3, mem_len=8,
              ff_activation="gelu_new", n_layer=3),
          batch=1, qlen=5, seed=53, targets=1, perm=True)
    # All-zero token types are not absent ones (they add the segment term),
    # and targets without a permutation mask.
    write("xlnet-zero-types", XLNetModel, cfg(clamp_len=2, n_layer=1),
          batch=2, qlen=5, seed=55, types="zeros", targets=3)
    # bi_data (pretraining): the second half of the batch reads positions
    # backwards. An even batch, as transformers needs.
    write("xlnet-bidata", XLNetModel, cfg(bi_data=True, clamp_len=3),
          batch=4, qlen=5, seed=56, types=True, targets=2)
    # Sequence classification with token types, mem_len None (keep all).
    write("xlnet-cls", XLNetForSequenceClassification,
          cfg(mem_len=None, d_model=24, n_head=3, d_inner=40),
          batch=3, qlen=4, seed=54, types=True, mask=True)


if __name__ == "__main__":
    main()
