#!/usr/bin/env python3
"""Per-kernel static figures of a --target=cuda program's PTX, no GPU needed.

  kernel_stats.py KERNELS.ptx [--ptxas PATH] [--sm 90] [--sass NVDISASM]

For each kernel: its threads per block (.maxntid), ptxas's registers, the
blocks an SM holds at once (by registers, threads and static shared
memory), spill bytes and shared memory, and
counts read off the PTX: tensor-core products (mma.sync), shuffles,
barriers, integer divisions and remainders (div/rem .u32/.u64: a kernel
that divides in its inner loop by what should be a constant is the sign of
a value passed as a parameter), global stores by width. With --sass (a
path to nvdisasm, which the CUDA toolkit here lacks; PyPI's
nvidia-cuda-nvdisasm has it), also the machine instruction count. Make the
PTX with `bertc compile MODEL --target=cuda [--dtype=f16] --emit=ptx -o F`.
With --sass, `loop` is the size of the loop with the most multiply-adds
(HMMA, FFMA: a product's k-block loop), `loop.ldl` the local loads and
stores (register spills) inside it, and `pf.cover` the fewest
multiply-adds a warp issues between a prefetch's global load (the next k
block, into registers) and the barrier before the shared store that needs
it: near 0, each warp waits out the load's whole latency (ptxas schedules
these loads itself; see bertc-gpu-min-blocks-per-sm).

Sessions without a GPU compare these before and after a change; timings
still need the GPU (utils/gpu_check.sh).
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

PTX_COUNTS = (("mma", re.compile(r"^\s*mma\.sync")),
              ("shfl", re.compile(r"^\s*shfl\.sync")),
              ("bar", re.compile(r"^\s*bar\.sync")),
              ("div/rem", re.compile(r"^\s*(div|rem)\.u(32|64)")),
              ("st.b16", re.compile(r"^\s*st\.global\.(b|u|f)16")),
              ("st.b32", re.compile(r"^\s*st\.global\.(b|u|f)32")),
              ("st.v", re.compile(r"^\s*st\.global\.v")))


def ptx_counts(text):
    """{kernel: Counter} of PTX_COUNTS and "threads" (.maxntid's product),
    kernels in their order."""
    counts, kernel = collections.OrderedDict(), None
    for line in text.splitlines():
        m = re.match(r"^\.visible \.entry (\w+)\(", line)
        if m:
            kernel = m.group(1)
            counts[kernel] = collections.Counter()
            continue
        m = re.match(r"^\.maxntid (\d+), (\d+), (\d+)", line)
        if kernel and m:
            counts[kernel]["threads"] = (int(m.group(1)) * int(m.group(2)) *
                                         int(m.group(3)))
        if kernel:
            for name, pattern in PTX_COUNTS:
                if pattern.match(line):
                    counts[kernel][name] += 1
    return counts


def ptxas_info(ptxas, sm, ptx, cubin):
    """{kernel: (registers, spill bytes, smem bytes)} from ptxas -v."""
    run = subprocess.run([ptxas, "-arch=sm_%d" % sm, "-v", ptx, "-o", cubin],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("kernel_stats: ptxas failed:\n" + run.stderr)
    info, kernel, spill = {}, None, 0
    for line in run.stderr.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            kernel, spill = m.group(1), 0
            continue
        m = re.search(r"(\d+) bytes spill stores", line)
        if m:
            spill = int(m.group(1))
        m = re.search(r"Used (\d+) registers.*?(?:(\d+) bytes smem)?$", line)
        if m and kernel:
            info[kernel] = (int(m.group(1)), spill, int(m.group(2) or 0))
    return info


def blocks_per_sm(threads, regs, smem):
    """Blocks of a kernel one sm_80/sm_90 SM holds at once: 65536 registers
    given out per warp in units of 256, 2048 threads, 32 blocks, and 228
    KiB of shared memory with 1 KiB more per block (static shared memory
    only: a launch's dynamic shared memory is not in the PTX)."""
    if not threads:
        return "-"
    warps = -(-threads // 32)
    per_warp = -(-max(regs, 1) * 32 // 256) * 256
    by_regs = 65536 // (per_warp * warps)
    by_smem = (228 * 1024) // (smem + 1024)
    return min(by_regs, 2048 // threads, 32, by_smem)


MATH = re.compile(r"\b(HMMA|FFMA|HFMA2)\b")
LOCAL = re.compile(r"\b(LDL|STL)\b")


def main_loop(instructions, labels):
    """(first, last) indices of the loop with the most multiply-adds (HMMA,
    FFMA): the span from a backward branch's target to the branch; None
    without one."""
    best = None
    for i, text in enumerate(instructions):
        m = re.search(r"BRA.*`\((\.L_x_\d+)\)", text)
        if not m or labels.get(m.group(1), i + 1) > i:
            continue
        first = labels[m.group(1)]
        math = sum(1 for t in instructions[first:i + 1] if MATH.search(t))
        key = (math, first - i)
        if math and (best is None or key > best[0]):
            best = (key, (first, i))
    return best and best[1]


GLOBAL_LOAD = re.compile(r"\bLDG\b")
BARRIER = re.compile(r"\bBAR\.SYNC\b")


def prefetch_cover(instructions, loop):
    """The fewest multiply-adds between a global load into registers that
    is in the main loop or follows the first multiply-add (a prefetch of
    the next k block) and the next barrier, after which the products store
    what it loaded: how much work hides the load's latency within the
    warp. In the main loop the count wraps around from its branch to its
    top. None without such a load, or when the kernel has neither a main
    loop nor an HMMA (row reductions multiply-add too)."""
    maths = [i for i, t in enumerate(instructions) if MATH.search(t)]
    if not maths or not (loop or any("HMMA" in t for t in instructions)):
        return None
    fewest = None
    first = min(maths[0], loop[0]) if loop else maths[0]
    for i in range(first, len(instructions)):
        if not GLOBAL_LOAD.search(instructions[i]):
            continue
        in_loop = loop and loop[0] <= i <= loop[1]
        if not in_loop and i < maths[0]:
            continue
        if in_loop:
            order = list(range(i + 1, loop[1] + 1)) + list(
                range(loop[0], i))
        else:
            order = range(i + 1, len(instructions))
        count = 0
        for j in order:
            if BARRIER.search(instructions[j]):
                fewest = count if fewest is None else min(fewest, count)
                break
            count += 1 if MATH.search(instructions[j]) else 0
    return fewest


def sass_counts(nvdisasm, cubin):
    """{kernel: (machine instructions, main loop's instructions, its
    LDL/STL, prefetch_cover)} from nvdisasm's listing (None where there is
    no loop or no prefetch)."""
    try:
        run = subprocess.run([nvdisasm, "-c", cubin], capture_output=True,
                             text=True)
    except OSError as error:
        sys.exit("kernel_stats: cannot run %s: %s" % (nvdisasm, error))
    if run.returncode != 0:
        sys.exit("kernel_stats: nvdisasm failed:\n" + run.stderr)
    listing, kernel = collections.OrderedDict(), None
    for line in run.stdout.splitlines():
        m = re.match(r"^\.text\.(\w+):", line)
        if m:
            kernel = m.group(1)
            listing[kernel] = ([], {})
        elif kernel and re.match(r"^\s+/\*[0-9a-f]{4}\*/\s", line):
            listing[kernel][0].append(line)
        elif kernel and re.match(r"^(\.L_x_\d+):", line):
            listing[kernel][1][line.split(":")[0]] = len(listing[kernel][0])
    counts = {}
    for kernel, (instructions, labels) in listing.items():
        loop = main_loop(instructions, labels)
        size = local = None
        if loop:
            body = instructions[loop[0]:loop[1] + 1]
            size = len(body)
            local = sum(1 for t in body if LOCAL.search(t))
        counts[kernel] = (len(instructions), size, local,
                          prefetch_cover(instructions, loop))
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ptx")
    parser.add_argument("--ptxas", default="/usr/local/cuda/bin/ptxas")
    parser.add_argument("--sm", type=int, default=90)
    parser.add_argument("--sass", metavar="NVDISASM",
                        help="also count machine instructions with nvdisasm")
    args = parser.parse_args()
    if not os.path.exists(args.ptx):
        sys.exit("kernel_stats: %s: no such file" % args.ptx)
    with open(args.ptx) as f:
        counts = ptx_counts(f.read())
    if not counts:
        sys.exit("kernel_stats: %s: no kernels (.visible .entry) in it"
                 % args.ptx)
    with tempfile.TemporaryDirectory() as work:
        cubin = os.path.join(work, "k.cubin")
        info = ptxas_info(args.ptxas, args.sm, args.ptx, cubin)
        sass = sass_counts(args.sass, cubin) if args.sass else None

    columns = ["kernel", "threads", "regs", "blocks", "spill", "smem"]
    columns += [name for name, _ in PTX_COUNTS]
    if sass is not None:
        columns += ["sass", "loop", "loop.ldl", "pf.cover"]
    rows, total = [], collections.Counter()
    for kernel, c in counts.items():
        regs, spill, smem = info.get(kernel, (0, 0, 0))
        row = [kernel, c["threads"] or "-", regs,
               blocks_per_sm(c["threads"], regs, smem), spill, smem]
        row += [c[n] for n, _ in PTX_COUNTS]
        if sass is not None:
            row += ["-" if v is None else v
                    for v in sass.get(kernel, (0, None, None, None))]
        rows.append(row)
        for name, value in zip(columns[4:], row[4:]):
            if name not in ("smem", "loop", "pf.cover") and value != "-":
                total[name] += value
    widths = [max(len(str(r[i])) for r in rows + [columns])
              for i in range(len(columns))]
    for row in [columns] + rows:
        print("  ".join(str(v).rjust(w) if i else str(v).ljust(w)
                        for i, (v, w) in enumerate(zip(row, widths))))
    print("%d kernels; total %s" % (len(rows), ", ".join(
        "%s %d" % (name, total[name]) for name in columns[4:]
        if name not in ("smem", "loop", "pf.cover"))))


if __name__ == "__main__":
    main()
