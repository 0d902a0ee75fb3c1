#!/usr/bin/env python3
"""Make and edit safetensors files for tests (standard library only).

  st_tool.py write OUT NAME:DTYPE:SHAPE=V,V,... [...]   e.g. input_ids:I64:2x3=1,2,3,4,5,6
                                                        (=fill:N repeats N)
  st_tool.py edit IN OUT [--drop NAME] [--rename OLD=NEW] [--retype NAME=DTYPE]
                         [--reshape NAME=AxB]  (keeps the leading values)
  st_tool.py copydir SRC DST [edit options]   copy a model folder, editing its
                                              model.safetensors
  st_tool.py show FILE                        print names, dtypes and shapes
"""
import json
import os
import shutil
import struct
import sys

FMT = {"F32": "f", "F64": "d", "I64": "q", "I32": "i", "I16": "h", "I8": "b",
       "U8": "B", "BOOL": "?"}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        fmt = FMT[info["dtype"]]
        b, e = info["data_offsets"]
        count = (e - b) // struct.calcsize(fmt)
        out[name] = (info["dtype"], info["shape"],
                     list(struct.unpack("<%d%s" % (count, fmt), body[b:e])))
    return out


def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, values) in tensors.items():
        fmt = FMT[dtype]
        if dtype in ("F32", "F64"):
            values = [float(v) for v in values]
        else:
            values = [int(v) for v in values]
        blob = struct.pack("<%d%s" % (len(values), fmt), *values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def random_f32(rng, shape, scale, base=0.0):
    """An F32 tensor (write()'s form) of base + N(0, scale) values from the
    random.Random `rng`, for benchmark models."""
    from array import array
    return ("F32", list(shape),
            array("f", (base + rng.gauss(0, scale) for _ in range(numel(shape)))))


def shape_of(text):
    return [int(d) for d in text.split("x")] if text else []


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def edit(tensors, opts):
    i = 0
    while i < len(opts):
        flag, arg = opts[i], opts[i + 1]
        i += 2
        if flag == "--drop":
            del tensors[arg]
        elif flag == "--rename":
            old, new = arg.split("=")
            tensors = {(new if k == old else k): v for k, v in tensors.items()}
        elif flag == "--retype":
            name, dtype = arg.split("=")
            _, shape, values = tensors[name]
            tensors[name] = (dtype, shape, values)
        elif flag == "--reshape":
            name, dims = arg.split("=")
            dtype, _, values = tensors[name]
            shape = shape_of(dims)
            values = (values + [0] * numel(shape))[:numel(shape)]
            tensors[name] = (dtype, shape, values)
        else:
            sys.exit("st_tool: unknown option " + flag)
    return tensors


def main(argv):
    cmd = argv[1]
    if cmd == "write":
        tensors = {}
        for spec in argv[3:]:
            head, values = spec.split("=", 1)
            name, dtype, dims = head.split(":")
            shape = shape_of(dims)
            if values.startswith("fill:"):
                vals = [values[5:]] * numel(shape)
            else:
                vals = values.split(",") if values else []
            tensors[name] = (dtype, shape, vals)
        write(argv[2], tensors)
    elif cmd == "edit":
        write(argv[3], edit(read(argv[2]), argv[4:]))
    elif cmd == "copydir":
        src, dst = argv[2], argv[3]
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst)
        path = os.path.join(dst, "model.safetensors")
        write(path, edit(read(path), argv[4:]))
    elif cmd == "show":
        for name, (dtype, shape, _) in read(argv[2]).items():
            print(name, dtype, shape)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
