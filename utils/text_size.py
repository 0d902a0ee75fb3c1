#!/usr/bin/env python3
"""Compare the size of the code (.text sections) of ELF object files.

  text_size.py A.o B.o --max-growth 0.05   # fail if B's code is >5% larger than A's
  text_size.py A.o                         # print A's code size

Standard library only: reads the ELF64 section headers.
"""
import argparse
import struct
import sys


def text_size(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        sys.exit(f"{path}: not an ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
               for i in range(shnum)]
    strtab = headers[shstrndx]
    names = data[strtab[4]:strtab[4] + strtab[5]]
    total = 0
    for h in headers:
        name = names[h[0]:names.index(b"\0", h[0])].decode()
        if name == ".text" or name.startswith(".text."):
            total += h[5]
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("other", nargs="?")
    ap.add_argument("--max-growth", type=float, default=0.05)
    args = ap.parse_args()
    a = text_size(args.base)
    if not args.other:
        print(a)
        return 0
    b = text_size(args.other)
    growth = (b - a) / a
    print(f".text {a} -> {b} bytes ({growth:+.1%}, limit {args.max_growth:+.0%})")
    return 0 if growth <= args.max_growth else 1


if __name__ == "__main__":
    sys.exit(main())
