#!/usr/bin/env python3
"""Generate golden test data from Hugging Face transformers (PyTorch, fp32, eval).

For each small random-weight config below this writes, under
test/Integration/Models/golden/<name>/ (and models/<name>/ for the default
model):
  config.json, model.safetensors (or shards + index)   the checkpoint
  input.safetensors                                    program inputs
  expected.safetensors                                 transformers' outputs

Expected values come from transformers itself, never from bertc. Needs torch,
transformers and safetensors (pip); CI only reads the committed results.

  python3 utils/make_golden.py            # regenerate everything
"""
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file
import transformers
from transformers import (AlbertConfig, AlbertForMaskedLM,
                          AlbertForPreTraining, AlbertForSequenceClassification,
                          AlbertModel, BertConfig, BertForSequenceClassification,
                          BertModel, RobertaConfig,
                          RobertaForSequenceClassification, RobertaModel)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import perturb  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "test", "Integration", "Models", "golden")


def make_inputs(cfg, batch, seq, seed, roberta=False, token_types=True,
                left_pad=False):
    g = torch.Generator().manual_seed(seed)
    lo = 3 if roberta else 1  # keep real tokens off pad/special ids
    ids = torch.randint(lo, cfg.vocab_size, (batch, seq), generator=g)
    mask = torch.ones(batch, seq, dtype=torch.int64)
    # Padded rows: row b keeps seq - b tokens (never fewer than 1).
    for b in range(1, batch):
        keep = max(1, seq - 2 * b)
        if left_pad:
            mask[b, : seq - keep] = 0
        else:
            mask[b, keep:] = 0
    ids = torch.where(mask == 1, ids, torch.full_like(ids, cfg.pad_token_id))
    inputs = {"input_ids": ids, "attention_mask": mask}
    if token_types:
        inputs["token_type_ids"] = torch.randint(
            0, cfg.type_vocab_size, (batch, seq), generator=g)
    return inputs


def run(model, inputs):
    model.eval()
    with torch.no_grad():
        out = model(**inputs)
    result = {}
    for key in ("last_hidden_state", "pooler_output", "logits",
                "prediction_logits", "sop_logits"):
        value = getattr(out, key, None)
        if value is not None:
            result[key] = value.contiguous()
    return result


def write(name, model, cfg, inputs, root=GOLDEN, shard=None, legacy_ln=False):
    out_dir = os.path.join(root, name)
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".safetensors") or f.endswith(".json"):
            os.remove(os.path.join(out_dir, f))
    expected = run(model, inputs)
    kwargs = {"safe_serialization": True}
    if shard:
        kwargs["max_shard_size"] = shard
    model.save_pretrained(out_dir, **kwargs)
    if legacy_ln:
        # Old checkpoints (bert-base-uncased) name LayerNorm params gamma/beta.
        path = os.path.join(out_dir, "model.safetensors")
        tensors = load_file(path)
        renamed = {}
        for k, v in tensors.items():
            if "LayerNorm" in k:
                k = k.replace(".weight", ".gamma").replace(".bias", ".beta")
            renamed[k] = v
        save_file(renamed, path, metadata={"format": "pt"})
    save_file({k: v.contiguous() for k, v in inputs.items()},
              os.path.join(out_dir, "input.safetensors"))
    save_file(expected, os.path.join(out_dir, "expected.safetensors"))
    print(f"{name}: " + ", ".join(f"{k}{list(v.shape)}" for k, v in expected.items()))


def bert_cfg(**kw):
    base = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2,
                num_attention_heads=4, intermediate_size=37, hidden_act="gelu",
                max_position_embeddings=64, type_vocab_size=16,
                attn_implementation="eager")
    base.update(kw)
    return BertConfig(**base)


def roberta_cfg(**kw):
    base = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2,
                num_attention_heads=4, intermediate_size=37, hidden_act="gelu",
                max_position_embeddings=40, type_vocab_size=1,
                layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0,
                eos_token_id=2, attn_implementation="eager")
    base.update(kw)
    return RobertaConfig(**base)


def albert_cfg(**kw):
    base = dict(vocab_size=99, embedding_size=16, hidden_size=32,
                num_hidden_layers=4, num_hidden_groups=1, inner_group_num=1,
                num_attention_heads=4, intermediate_size=37,
                hidden_act="gelu_new", max_position_embeddings=64,
                type_vocab_size=16, hidden_dropout_prob=0.0,
                attention_probs_dropout_prob=0.0, classifier_dropout_prob=0.0,
                attn_implementation="eager")
    base.update(kw)
    return AlbertConfig(**base)


FASTBERT_SPEEDS = [0.0, 0.45, 0.6, 0.8, 1.0]


def write_fastbert(name, root, layout, seed):
    """A FastBERT (HF or UER checkpoint layout) and the reference's outputs
    at each of FASTBERT_SPEEDS (fastbert_reference.py)."""
    from fastbert_reference import Classifier, run_hf, run_uer, to_uer
    labels, width, heads, layers = 3, 16, 2, 4
    cfg = bert_cfg(hidden_size=32, num_hidden_layers=layers,
                   num_attention_heads=4, intermediate_size=37,
                   type_vocab_size=2)
    bert = BertModel(cfg, add_pooling_layer=False)
    perturb(bert, seed)
    classifiers = torch.nn.ModuleList(
        [Classifier(cfg.hidden_size, width, heads, labels) for _ in range(layers)])
    perturb(classifiers, seed + 1)
    with torch.no_grad():  # confident enough classifiers to exit early
        for c in classifiers:
            c.output_layer_2.weight.mul_(4)
    bert.eval()
    classifiers.eval()
    inputs = make_inputs(cfg, 8, 6, seed + 2)
    if layout == "uer":
        g = torch.Generator().manual_seed(seed + 3)
        tensors = to_uer(bert, classifiers, torch.randn(cfg.hidden_size, generator=g) * 0.2)
        run = lambda speed: run_uer(tensors, classifiers, cfg, inputs, speed)
    else:
        tensors = {"bert." + k: v for k, v in bert.state_dict().items()
                   if not k.endswith("position_ids")}
        for i, c in enumerate(classifiers):
            tensors.update({f"classifiers.{i}.{k}": v for k, v in c.state_dict().items()})
        run = lambda speed: run_hf(bert, classifiers, inputs, speed)

    out_dir = os.path.join(root, name)
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".safetensors") or f.endswith(".json"):
            os.remove(os.path.join(out_dir, f))
    config = {k: getattr(cfg, k) for k in (
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
        "intermediate_size", "hidden_act", "max_position_embeddings",
        "type_vocab_size", "pad_token_id")}
    config.update({"model_type": "fastbert",
                   "architectures": ["FastBertForSequenceClassification"],
                   "checkpoint_layout": layout, "num_labels": labels,
                   "cla_hidden_size": width, "cla_heads_num": heads,
                   "speed": 0.6})
    if layout == "hf":
        config["layer_norm_eps"] = cfg.layer_norm_eps
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(out_dir, "model.safetensors"))
    save_file({k: v.contiguous() for k, v in inputs.items()},
              os.path.join(out_dir, "input.safetensors"))
    for speed in FASTBERT_SPEEDS:
        expected, seen = run(speed)
        # An uncertainty within 1e-4 of the threshold could flip an exit
        # under fp32 rounding: refuse such golden data.
        closest = min(abs(u - speed) for u in seen)
        if closest < 1e-4:
            raise SystemExit(f"{name}: an uncertainty lies {closest:.2g} from "
                             f"speed {speed}; choose other seeds")
        save_file(expected, os.path.join(out_dir, f"expected-speed-{speed}.safetensors"))
        print(f"{name} speed {speed}: exit layers {expected['exit_layer'].tolist()}")


def main():
    torch.manual_seed(0)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}")

    # The default model of models/: a tiny BERT encoder with pooler.
    cfg = bert_cfg()
    m = BertModel(cfg)
    perturb(m, 1)
    write("bert-tiny", m, cfg, make_inputs(cfg, 3, 7, 2),
          root=os.path.join(ROOT, "models"))

    cfg = bert_cfg()
    m = BertModel(cfg)
    perturb(m, 11)
    write("bert-2l-h32", m, cfg, make_inputs(cfg, 3, 7, 12))

    # Classification head, odd sizes, tanh GELU, 1 layer, no token types given.
    cfg = bert_cfg(hidden_size=24, num_attention_heads=3, intermediate_size=50,
                   num_hidden_layers=1, hidden_act="gelu_new", num_labels=3,
                   type_vocab_size=2)
    m = BertForSequenceClassification(cfg)
    perturb(m, 21)
    write("bert-cls-gelu-tanh", m, cfg,
          make_inputs(cfg, 2, 5, 22, token_types=False))

    # Three layers, ReLU, eps 1e-5, longer rows, batch 4.
    cfg = bert_cfg(hidden_size=16, num_attention_heads=2, intermediate_size=33,
                   num_hidden_layers=3, hidden_act="relu", layer_norm_eps=1e-5)
    m = BertModel(cfg)
    perturb(m, 31)
    write("bert-3l-relu", m, cfg, make_inputs(cfg, 4, 11, 32))

    # Five heads, batch 1, sharded checkpoint with an index file.
    cfg = bert_cfg(hidden_size=40, num_attention_heads=5, intermediate_size=21,
                   num_hidden_layers=2, hidden_act="gelu")
    m = BertModel(cfg)
    perturb(m, 41)
    write("bert-sharded", m, cfg, make_inputs(cfg, 1, 6, 42), shard="20KB")

    # Sizes that take both the whole register tiles and the edge paths of
    # the CPU kernels: head size 32 and width 64 (whole 32-column tiles of
    # the outer-product kernel, packed weight panels), 19 rows (14-row tiles
    # plus 5 single rows; 4-row dot tiles plus 3), an intermediate size of
    # 100 (no whole panels: the dot form, tiles of 6 columns plus 4; K = 100:
    # vectors of 16 plus a masked 4).
    cfg = bert_cfg(hidden_size=64, num_attention_heads=2, intermediate_size=100,
                   num_hidden_layers=2, hidden_act="gelu")
    m = BertModel(cfg)
    perturb(m, 61)
    write("bert-kernel-tiles", m, cfg, make_inputs(cfg, 2, 19, 62))

    # Legacy gamma/beta LayerNorm names, as in bert-base-uncased's file.
    cfg = bert_cfg(hidden_size=16, num_attention_heads=4, intermediate_size=20,
                   num_hidden_layers=1)
    m = BertModel(cfg)
    perturb(m, 51)
    write("bert-legacy-gamma-beta", m, cfg, make_inputs(cfg, 2, 4, 52),
          legacy_ln=True)

    # ALBERT: one shared layer applied 4 times, E != H.
    cfg = albert_cfg()
    m = AlbertModel(cfg)
    perturb(m, 81)
    write("albert-g1", m, cfg, make_inputs(cfg, 3, 7, 82))

    # Two groups over 3 layers (uneven: group = int(i / 1.5)), 2 inner
    # layers each, exact GELU, classifier.
    cfg = albert_cfg(num_hidden_layers=3, num_hidden_groups=2,
                     inner_group_num=2, hidden_size=24, num_attention_heads=3,
                     embedding_size=8, intermediate_size=29, hidden_act="gelu",
                     num_labels=3)
    m = AlbertForSequenceClassification(cfg)
    perturb(m, 91)
    write("albert-g2-k2-cls", m, cfg, make_inputs(cfg, 2, 6, 92))

    # ALBERT heads: MLM (decoder tied to the word embeddings) and the
    # pre-training pair (MLM + sentence order).
    cfg = albert_cfg(num_hidden_layers=3)
    m = AlbertForMaskedLM(cfg)
    perturb(m, 121)
    write("albert-mlm", m, cfg, make_inputs(cfg, 2, 5, 122))
    cfg = albert_cfg(num_hidden_layers=2, hidden_act="gelu")
    m = AlbertForPreTraining(cfg)
    perturb(m, 131)
    write("albert-pretraining", m, cfg, make_inputs(cfg, 2, 4, 132))

    # G = N: every layer its own group (no sharing), E == H.
    cfg = albert_cfg(num_hidden_layers=2, num_hidden_groups=2,
                     embedding_size=32, hidden_act="relu")
    m = AlbertModel(cfg)
    perturb(m, 101)
    write("albert-g2-n2", m, cfg, make_inputs(cfg, 2, 5, 102))

    # FastBERT: the default early-exit model (HF names) and the original
    # implementation's checkpoint layout (UER names and numerics).
    write_fastbert("fastbert-tiny", os.path.join(ROOT, "models"), "hf", 111)
    write_fastbert("fastbert-uer", GOLDEN, "uer", 111)

    # RoBERTa: padding-aware positions (right and left padding), eps 1e-5.
    cfg = roberta_cfg()
    m = RobertaModel(cfg)
    perturb(m, 61)
    write("roberta-2l", m, cfg, make_inputs(cfg, 3, 8, 62, roberta=True))

    cfg = roberta_cfg(hidden_size=24, num_attention_heads=2,
                      intermediate_size=45, num_labels=4)
    m = RobertaForSequenceClassification(cfg)
    perturb(m, 71)
    write("roberta-cls-leftpad", m, cfg,
          make_inputs(cfg, 3, 6, 72, roberta=True, left_pad=True))

    # The CPU kernels' fused epilogues: an intermediate size of 544 (17 whole
    # 32-column panels) puts the first FFN product in the outer-product form,
    # so its bias and GELU run in the kernel, and gives the second a K of
    # 544, two k blocks (512 + 32), so the residual add and the partial sums
    # kept in its output between blocks are exercised; 19 rows take the
    # row-edge path.
    cfg = bert_cfg(hidden_size=64, num_attention_heads=2, intermediate_size=544,
                   num_hidden_layers=1, hidden_act="gelu")
    m = BertModel(cfg)
    perturb(m, 141)
    write("bert-fused-epilogues", m, cfg, make_inputs(cfg, 2, 19, 142))
    padded_rows()


def padded_rows():
    # The CPU kernels' row padding: an intermediate size of 1024 gives the
    # FFN's output product a K of 1024 floats (rows of A 4 KiB apart), so
    # the kernel reads a copy of A with longer rows; two k blocks, 19 rows
    # (a 14-row tile and 5 edge rows), one 32-column panel.
    cfg = bert_cfg(hidden_size=32, num_attention_heads=2, intermediate_size=1024,
                   num_hidden_layers=1, hidden_act="gelu")
    m = BertModel(cfg)
    perturb(m, 151)
    write("bert-padded-rows", m, cfg, make_inputs(cfg, 2, 19, 152))


if __name__ == "__main__":
    sys.exit(main())
