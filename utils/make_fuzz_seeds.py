#!/usr/bin/env python3
"""Writes the importer fuzzer's seed corpus (test/Fuzz/corpus/importer): tiny
model folders, each as one file: config.json, a NUL byte, model.safetensors.
Weights are zeros (the importer checks names, shapes and dtypes, not values).

  python3 utils/make_fuzz_seeds.py
"""
import io
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import st_tool  # noqa: E402

V, H, HEADS, I, P, T, E = 8, 4, 2, 6, 8, 2, 3


def linear(out, name, o, i):
    out[name + ".weight"] = ("F32", [o, i], [0] * (o * i))
    out[name + ".bias"] = ("F32", [o], [0] * o)


def norm(out, name, n):
    out[name + ".weight"] = ("F32", [n], [1] * n)
    out[name + ".bias"] = ("F32", [n], [0] * n)


def embeddings(w, e):
    w["embeddings.word_embeddings.weight"] = ("F32", [V, e], [0] * (V * e))
    w["embeddings.position_embeddings.weight"] = ("F32", [P, e], [0] * (P * e))
    w["embeddings.token_type_embeddings.weight"] = ("F32", [T, e], [0] * (T * e))
    norm(w, "embeddings.LayerNorm", e)


def bert_layers(w, n):
    for i in range(n):
        p = "encoder.layer.%d." % i
        for m in ("query", "key", "value"):
            linear(w, p + "attention.self." + m, H, H)
        linear(w, p + "attention.output.dense", H, H)
        norm(w, p + "attention.output.LayerNorm", H)
        linear(w, p + "intermediate.dense", I, H)
        linear(w, p + "output.dense", H, I)
        norm(w, p + "output.LayerNorm", H)


def config(model_type, arch, **extra):
    c = {"model_type": model_type, "architectures": [arch], "vocab_size": V,
         "hidden_size": H, "num_hidden_layers": 1, "num_attention_heads": HEADS,
         "intermediate_size": I, "max_position_embeddings": P,
         "type_vocab_size": T, "hidden_act": "gelu"}
    c.update(extra)
    return c


def bert(model_type="bert", arch="BertModel", **extra):
    w = {}
    embeddings(w, H)
    bert_layers(w, 1)
    linear(w, "pooler.dense", H, H)
    return config(model_type, arch, **extra), w


def bert_classifier():
    c, w = bert(arch="BertForSequenceClassification", num_labels=3)
    w = {"bert." + k: v for k, v in w.items()}
    linear(w, "classifier", 3, H)
    return c, w


def albert():
    w = {}
    embeddings(w, E)
    linear(w, "encoder.embedding_hidden_mapping_in", H, E)
    p = "encoder.albert_layer_groups.0.albert_layers.0."
    for m in ("query", "key", "value", "dense"):
        linear(w, p + "attention." + m, H, H)
    norm(w, p + "attention.LayerNorm", H)
    linear(w, p + "ffn", I, H)
    linear(w, p + "ffn_output", H, I)
    norm(w, p + "full_layer_layer_norm", H)
    linear(w, "pooler", H, H)
    return config("albert", "AlbertModel", embedding_size=E,
                  num_hidden_layers=3), w


def fastbert():
    w = {}
    embeddings(w, H)
    bert_layers(w, 2)
    C = 4
    for i in range(2):
        p = "classifiers.%d." % i
        linear(w, p + "output_layer_0", C, H)
        for j in range(3):
            linear(w, p + "self_attn.linear_layers.%d" % j, C, C)
        linear(w, p + "self_attn.final_linear", C, C)
        linear(w, p + "output_layer_1", C, C)
        linear(w, p + "output_layer_2", 2, C)
    return config("fastbert", "FastBertForSequenceClassification",
                  num_hidden_layers=2, cla_hidden_size=C, cla_heads_num=2,
                  num_labels=2, speed=0.5), w


def transfo_xl():
    w = {"word_emb.emb_layers.0.weight": ("F32", [V, H], [0] * (V * H))}
    p = "layers.0."
    for name, shape in (("dec_attn.qkv_net.weight", [3 * H, H]),
                        ("dec_attn.r_net.weight", [H, H]),
                        ("dec_attn.o_net.weight", [H, H]),
                        ("dec_attn.r_w_bias", [HEADS, H // HEADS]),
                        ("dec_attn.r_r_bias", [HEADS, H // HEADS])):
        n = 1
        for d in shape:
            n *= d
        w[p + name] = ("F32", shape, [0] * n)
    norm(w, p + "dec_attn.layer_norm", H)
    linear(w, p + "pos_ff.CoreNet.0", I, H)
    linear(w, p + "pos_ff.CoreNet.3", H, I)
    norm(w, p + "pos_ff.layer_norm", H)
    return {"model_type": "transfo-xl", "architectures": ["TransfoXLModel"],
            "vocab_size": V, "cutoffs": [], "div_val": 1, "d_model": H,
            "d_embed": H, "n_head": HEADS, "d_head": H // HEADS,
            "d_inner": I, "n_layer": 1, "mem_len": 3, "clamp_len": 2,
            "same_length": True}, w


def xlnet():
    dh = H // HEADS
    w = {"word_embedding.weight": ("F32", [V, H], [0] * (V * H)),
         "mask_emb": ("F32", [1, 1, H], [0] * H)}
    p = "layer.0."
    for name in ("q", "k", "v", "o", "r"):
        w[p + "rel_attn." + name] = ("F32", [H, HEADS, dh], [0] * (H * H))
    for name in ("r_w_bias", "r_r_bias", "r_s_bias"):
        w[p + "rel_attn." + name] = ("F32", [HEADS, dh], [0] * H)
    w[p + "rel_attn.seg_embed"] = ("F32", [2, HEADS, dh], [0] * (2 * H))
    norm(w, p + "rel_attn.layer_norm", H)
    linear(w, p + "ff.layer_1", I, H)
    linear(w, p + "ff.layer_2", H, I)
    norm(w, p + "ff.layer_norm", H)
    return {"model_type": "xlnet", "architectures": ["XLNetModel"],
            "vocab_size": V, "d_model": H, "n_layer": 1, "n_head": HEADS,
            "d_inner": I, "mem_len": 4, "attn_type": "bi"}, w


SEEDS = {
    "bert": bert(),
    "bert-classifier": bert_classifier(),
    "roberta": bert("roberta", "RobertaModel", pad_token_id=1),
    "albert": albert(),
    "fastbert": fastbert(),
    "transfo-xl": transfo_xl(),
    "xlnet": xlnet(),
}


def main():
    out_dir = os.path.join(os.path.dirname(__file__), "..", "test", "Fuzz",
                           "corpus", "importer")
    os.makedirs(out_dir, exist_ok=True)
    for name, (cfg, weights) in SEEDS.items():
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "w.safetensors")
            st_tool.write(path, weights)
            with open(path, "rb") as f:
                blob = f.read()
        text = json.dumps(cfg, indent=1).encode()
        with open(os.path.join(out_dir, name + ".model"), "wb") as f:
            f.write(text + b"\0" + blob)


if __name__ == "__main__":
    main()
