#!/usr/bin/env python3
"""The malformed-file battery (issue #8): hostile weights, configs and inputs,
each of which must give exactly one `error:` line on stderr, exit status 1
and no output file, from bertc and from a compiled program.

  malformed_battery.py BERTC MODEL_DIR WORK_DIR

MODEL_DIR is a BERT folder (config.json, model.safetensors, input.safetensors).
Prints one line per case, "<case>: <the error line>", and exits 1 if any case
misbehaves (crash, other exit status, no or several error lines, an output
file left behind). Standard library only.
"""
import json
import os
import shutil
import struct
import subprocess
import sys


def split(blob):
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def join(header, body, raw_header=None):
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def by_offset(header):
    return sorted((k for k in header if k != "__metadata__"),
                  key=lambda k: header[k]["data_offsets"][0])


# Each weights case maps (header, body) of a valid file to the bytes of a
# hostile one.
def weights_cases(blob):
    header, body = split(blob)
    names = by_offset(header)
    first, second, last = names[0], names[1], names[-1]

    def edited(fn):
        h = json.loads(json.dumps(header))
        fn(h)
        return join(h, body)

    def overlap(h):
        h[second]["data_offsets"][0] -= 4
    def gap(h):
        b, e = h[last]["data_offsets"]
        h[last]["data_offsets"] = [b + 4, e + 4]
    def outside(h):
        h[last]["data_offsets"][1] += 1 << 40
    def dtype(h):
        h[first]["dtype"] = "I32"
    def unknown(h):
        h[first]["dtype"] = "F8_E9M9"
    def size(h):
        h[first]["shape"][0] += 1
    def negative(h):
        h[first]["shape"][0] = -h[first]["shape"][0]
    def huge(h):
        h[first]["shape"] = [1 << 40, 1 << 40, 1 << 40]
    def missing(h):
        e = h[first]["data_offsets"][1]
        del h[first]
        for k in h:
            if k != "__metadata__":
                h[k]["data_offsets"] = [o - e for o in h[k]["data_offsets"]]
    text = json.dumps(header).encode()
    dup = text.replace(b"{", b'{"%s": %s, ' % (
        first.encode(), json.dumps(header[first]).encode()), 1)
    return {
        "empty-file": b"",
        "short-length": blob[:5],
        "truncated-header": blob[:40],
        "truncated-data": blob[:len(blob) - 100],
        "oversized-header": struct.pack("<Q", 200 << 20) + blob[8:],
        "header-past-end": struct.pack("<Q", len(blob)) + blob[8:],
        "header-length-overflow": struct.pack("<Q", (1 << 64) - 8) + blob[8:],
        "header-not-object": join(None, body, b"[1, 2, 3]"),
        "header-bad-utf8": join(None, body, text.replace(
            first.encode(), first.encode() + b"\xc3\x28", 1)),
        "duplicate-name": join(None, body, dup),
        "overlapping-offsets": edited(overlap),
        "gap-between-tensors": edited(gap),
        "offsets-outside-data": edited(outside),
        "trailing-garbage": blob + b"\0" * 16,
        "wrong-dtype": edited(dtype),
        "unknown-dtype": edited(unknown),
        "shape-size-mismatch": edited(size),
        "negative-dimension": edited(negative),
        "shape-overflow": edited(huge),
        "missing-tensor": join(*split(edited(missing))[0:1],
                               body[header[first]["data_offsets"][1]:]),
    }


# Each config case edits config.json (a dict) or replaces its text.
CONFIG_CASES = {
    "config-not-object": "[]",
    "config-bad-utf8": b'{"model_type": "bert\xff"}',
    "config-zero-hidden": {"hidden_size": 0},
    "config-negative-heads": {"num_attention_heads": -4},
    "config-fractional-size": {"intermediate_size": 37.5},
    "config-string-size": {"hidden_size": "32"},
    "config-huge-vocab": {"vocab_size": 1 << 62},
    "config-huge-hidden": {"hidden_size": 1 << 40, "num_attention_heads": 1},
    "config-huge-layers": {"num_hidden_layers": 1000000},
    "config-heads-not-dividing": {"num_attention_heads": 5},
    "config-more-heads-than-hidden": {"num_attention_heads": 64},
    "config-zero-positions": {"max_position_embeddings": 0},
    "config-negative-eps": {"layer_norm_eps": -1e-12},
    "config-huge-eps": {"layer_norm_eps": 1e300},
    "config-pad-outside-vocab": {"pad_token_id": 1000},
    "config-unknown-activation": {"hidden_act": "mish"},
    "config-unknown-type": {"model_type": "gpt2"},
    "config-bad-architectures": {"architectures": "BertModel"},
    "config-zero-labels": {"num_labels": 0,
                           "architectures": ["BertForSequenceClassification"]},
}


def run_case(name, argv, output, failures):
    if os.path.exists(output):
        os.remove(output)
    p = subprocess.run(argv, capture_output=True, timeout=120)
    lines = p.stderr.decode(errors="replace").splitlines()
    problems = []
    if p.returncode != 1:
        problems.append("exit status %d" % p.returncode)
    if len(lines) != 1 or not lines[0].startswith("error: "):
        problems.append("stderr is not one error line: %r" % lines[:5])
    if os.path.exists(output):
        problems.append("left an output file")
    if problems:
        failures.append(name)
        print("%s: FAILED: %s" % (name, "; ".join(problems)))
    else:
        print("%s: %s" % (name, lines[0]))


def main():
    bertc, model, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with open(os.path.join(model, "model.safetensors"), "rb") as f:
        weights = f.read()
    with open(os.path.join(model, "config.json")) as f:
        config = json.load(f)
    failures = []

    # A program to feed hostile weights and inputs to.
    exe = os.path.join(work, "model.exe")
    subprocess.run([bertc, "compile", model, "-o", exe], check=True)
    inputs = os.path.join(model, "input.safetensors")
    out = os.path.join(work, "out.safetensors")

    for case, blob in weights_cases(weights).items():
        d = os.path.join(work, case)
        os.makedirs(d)
        shutil.copy(os.path.join(model, "config.json"), d)
        w = os.path.join(d, "model.safetensors")
        with open(w, "wb") as f:
            f.write(blob)
        compiled = os.path.join(d, "model.exe")
        run_case("compile/" + case, [bertc, "compile", d, "-o", compiled],
                 compiled, failures)
        run_case("weights/" + case,
                 [exe, "--weights", w, "--input", inputs, "--output", out],
                 out, failures)
        # The same bytes as an input file.
        run_case("input/" + case, [exe, "--input", w, "--output", out], out,
                 failures)

    for case, edit in CONFIG_CASES.items():
        d = os.path.join(work, case)
        os.makedirs(d)
        shutil.copy(os.path.join(model, "model.safetensors"), d)
        if isinstance(edit, dict):
            text = json.dumps(dict(config, **edit)).encode()
        else:
            text = edit if isinstance(edit, bytes) else edit.encode()
        with open(os.path.join(d, "config.json"), "wb") as f:
            f.write(text)
        compiled = os.path.join(d, "model.exe")
        run_case("compile/" + case, [bertc, "compile", d, "-o", compiled],
                 compiled, failures)

    print("%d cases failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
