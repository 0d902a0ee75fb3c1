#!/usr/bin/env python3
"""A PyTorch FastBERT reference (Liu et al., ACL 2020), for golden data.

Follows the paper's equations as summarized in model-semantics.md §6:
a BERT backbone, after every layer a classifier (dense H->C + tanh, C-wide
multi-head self-attention without residual or norm, first token, dense +
tanh, dense C->N), uncertainty = normalized entropy of its softmax, and a
sample stops at the first layer whose uncertainty is below `speed` (the
last classifier, the teacher, labels every sample still running). Batched
like the original "fast mode": finished samples leave the batch.

Two layouts of the same model:
- hf:  the backbone is transformers' BertModel (its modules run the layers);
- uer: the original implementation's (UER) names and numerics: LayerNorm
  with the unbiased std and eps added to it, -10000 masks, and a 3-row
  segment table (row 0 padding, rows 1..2 token types 0..1).
"""
import math

import torch
from torch import nn


class UerMultiHeadedAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.width, self.heads = width, heads
        self.linear_layers = nn.ModuleList([nn.Linear(width, width) for _ in range(3)])
        self.final_linear = nn.Linear(width, width)

    def forward(self, x, mask_add):
        b, s, _ = x.shape
        d = self.width // self.heads
        q, k, v = [l(x).view(b, s, self.heads, d).transpose(1, 2)
                   for l in self.linear_layers]
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(float(d))
        probs = torch.softmax(scores + mask_add, dim=-1)
        out = torch.matmul(probs, v).transpose(1, 2).contiguous().view(b, s, self.width)
        return self.final_linear(out)


class Classifier(nn.Module):
    def __init__(self, hidden, width, heads, labels):
        super().__init__()
        self.output_layer_0 = nn.Linear(hidden, width)
        self.self_attn = UerMultiHeadedAttention(width, heads)
        self.output_layer_1 = nn.Linear(width, width)
        self.output_layer_2 = nn.Linear(width, labels)

    def forward(self, h, mask_add):
        z = torch.tanh(self.output_layer_0(h))
        z = self.self_attn(z, mask_add)
        u = torch.tanh(self.output_layer_1(z[:, 0, :]))
        return self.output_layer_2(u)


def uncertainty(logits):
    n = logits.shape[-1]
    p = torch.softmax(logits, dim=-1)
    return torch.distributions.Categorical(probs=p).entropy() / (-math.log(1.0 / n))


def early_exit(embed, layers, classifiers, mask_add, speed):
    """layers[i](h, mask_add) -> h; returns logits, exit_layer, uncertainty
    and every (sample, layer) uncertainty that was computed."""
    h = embed
    batch = h.shape[0]
    n = classifiers[0].output_layer_2.out_features
    out_logits = torch.zeros(batch, n)
    out_exit = torch.zeros(batch, dtype=torch.int64)
    out_u = torch.zeros(batch)
    active = torch.arange(batch)
    seen = []
    for i, (layer, cls) in enumerate(zip(layers, classifiers)):
        h = layer(h, mask_add[active])
        logits = cls(h, mask_add[active])
        u = uncertainty(logits)
        seen.extend(u.tolist())
        stop = (u < speed) if i < len(layers) - 1 else torch.ones_like(u, dtype=torch.bool)
        out_logits[active[stop]] = logits[stop]
        out_exit[active[stop]] = i + 1
        out_u[active[stop]] = u[stop]
        keep = ~stop
        h, active = h[keep], active[keep]
        if len(active) == 0:
            break
    return {"logits": out_logits, "exit_layer": out_exit, "uncertainty": out_u}, seen


def run_hf(bert, classifiers, inputs, speed):
    """HF layout: transformers' BertModel modules for the backbone."""
    mask = inputs["attention_mask"]
    with torch.no_grad():
        embed = bert.embeddings(input_ids=inputs["input_ids"],
                                token_type_ids=inputs.get("token_type_ids"))
        mask_add = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        layers = [lambda h, m, l=l: l(h, attention_mask=m) for l in bert.encoder.layer]
        return early_exit(embed, layers, classifiers, mask_add, speed)


def uer_layer_norm(x, gamma, beta, eps=1e-6):
    mean = x.mean(-1, keepdim=True)
    std = x.std(-1, keepdim=True)  # unbiased, as UER
    return gamma * (x - mean) / (std + eps) + beta


def to_uer(bert, classifiers, seg_pad_row):
    """The same model under UER names (run_fastbert.py's state dict)."""
    sd = {k: v.detach().clone() for k, v in bert.state_dict().items()}
    out = {
        "embedding.word_embedding.weight": sd["embeddings.word_embeddings.weight"],
        "embedding.position_embedding.weight": sd["embeddings.position_embeddings.weight"],
        "embedding.segment_embedding.weight": torch.cat(
            [seg_pad_row[None, :], sd["embeddings.token_type_embeddings.weight"]]),
        "embedding.layer_norm.gamma": sd["embeddings.LayerNorm.weight"],
        "embedding.layer_norm.beta": sd["embeddings.LayerNorm.bias"],
    }
    for i in range(len(bert.encoder.layer)):
        p, q = f"encoder.layer.{i}.", f"encoder.transformer.{i}."
        names = {"attention.self.query": "self_attn.linear_layers.0",
                 "attention.self.key": "self_attn.linear_layers.1",
                 "attention.self.value": "self_attn.linear_layers.2",
                 "attention.output.dense": "self_attn.final_linear",
                 "intermediate.dense": "feed_forward.linear_1",
                 "output.dense": "feed_forward.linear_2"}
        for hf, uer in names.items():
            out[q + uer + ".weight"] = sd[p + hf + ".weight"]
            out[q + uer + ".bias"] = sd[p + hf + ".bias"]
        for hf, uer in {"attention.output.LayerNorm": "layer_norm_1",
                        "output.LayerNorm": "layer_norm_2"}.items():
            out[q + uer + ".gamma"] = sd[p + hf + ".weight"]
            out[q + uer + ".beta"] = sd[p + hf + ".bias"]
    for i, cls in enumerate(classifiers):
        for k, v in cls.state_dict().items():
            out[f"classifiers.{i}.{k}"] = v.detach().clone()
    return out


def run_uer(sd, classifiers, cfg, inputs, speed):
    """UER layout: the original implementation's numerics."""
    ids, mask = inputs["input_ids"], inputs["attention_mask"]
    types = inputs.get("token_type_ids", torch.zeros_like(ids))
    seg = mask * (types + 1)  # 0 padding, 1 + token type otherwise
    heads, hidden = cfg.num_attention_heads, cfg.hidden_size
    with torch.no_grad():
        pos = torch.arange(ids.shape[1])[None, :]
        e = (sd["embedding.word_embedding.weight"][ids]
             + sd["embedding.position_embedding.weight"][pos]
             + sd["embedding.segment_embedding.weight"][seg])
        embed = uer_layer_norm(e, sd["embedding.layer_norm.gamma"],
                               sd["embedding.layer_norm.beta"])
        mask_add = (1.0 - (seg > 0)[:, None, None, :].float()) * -10000.0

        def layer(i):
            q = f"encoder.transformer.{i}."
            attn = UerMultiHeadedAttention(hidden, heads)
            attn.load_state_dict({k[len(q + "self_attn."):]: v for k, v in sd.items()
                                  if k.startswith(q + "self_attn.")})
            lin = lambda x, n: x @ sd[q + n + ".weight"].T + sd[q + n + ".bias"]

            def run(h, m):
                inter = uer_layer_norm(attn(h, m) + h, sd[q + "layer_norm_1.gamma"],
                                       sd[q + "layer_norm_1.beta"])
                f = lin(inter, "feed_forward.linear_1")
                f = f * 0.5 * (1.0 + torch.erf(f / math.sqrt(2.0)))
                return uer_layer_norm(lin(f, "feed_forward.linear_2") + inter,
                                      sd[q + "layer_norm_2.gamma"], sd[q + "layer_norm_2.beta"])
            return run
        layers = [layer(i) for i in range(cfg.num_hidden_layers)]
        return early_exit(embed, layers, classifiers, mask_add, speed)
