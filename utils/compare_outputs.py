#!/usr/bin/env python3
"""Compare a program's output safetensors with golden expected outputs.

Standard library only (CI has no numpy/torch). Each expected tensor must be
present with the same shape and match within |a - e| <= atol + rtol * |e|
(design.md §5: atol = rtol = 1e-4 in fp32). last_hidden_state is compared
where the input's attention_mask is 1 (padding positions are unspecified).
With --padding-zeros (programs that remove padding) every output whose first
two dimensions are the mask's is compared where the mask is 1 and must hold
exactly 0 where it is 0.

  compare_outputs.py EXPECTED ACTUAL [--input IN] [--atol A] [--rtol R]
                     [--padding-zeros]
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_tool import read as read_safetensors  # noqa: E402


def read(path):
    """name -> (shape, values)"""
    return {name: (shape, values)
            for name, (_, shape, values) in read_safetensors(path).items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--input")
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--padding-zeros", action="store_true")
    args = ap.parse_args()
    expected = read(args.expected)
    actual = read(args.actual)
    mask = None
    if args.input:
        inputs = read(args.input)
        if "attention_mask" in inputs:
            mask = inputs["attention_mask"]
    ok = True
    for name in sorted(set(actual) - set(expected)):
        print(f"FAIL {name}: not among the expected outputs")
        ok = False
    for name, (shape, want) in sorted(expected.items()):
        if name not in actual:
            print(f"FAIL {name}: missing from the output")
            ok = False
            continue
        got_shape, got = actual[name]
        if got_shape != shape:
            print(f"FAIL {name}: shape {got_shape}, expected {shape}")
            ok = False
            continue
        inner = 1
        for d in shape[2:]:
            inner *= d
        per_token = mask is not None and shape[:2] == mask[0] and (
            args.padding_zeros or name == "last_hidden_state")
        worst, bad, compared, nonzero = 0.0, 0, 0, 0
        for i, (a, e) in enumerate(zip(got, want)):
            if per_token and mask[1][i // inner] == 0:
                nonzero += args.padding_zeros and a != 0.0
                continue
            compared += 1
            err = abs(a - e)
            if not (err <= args.atol + args.rtol * abs(e)) or math.isnan(a):
                bad += 1
            worst = max(worst, err)
        status = "ok  " if bad == 0 and nonzero == 0 else "FAIL"
        print(f"{status} {name}{shape}: max abs error {worst:.3g} over "
              f"{compared} values, {bad} outside atol={args.atol} rtol={args.rtol}"
              + (f", {nonzero} padding values not 0" if nonzero else ""))
        ok = ok and bad == 0 and nonzero == 0 and compared > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
