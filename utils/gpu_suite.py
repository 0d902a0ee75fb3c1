#!/usr/bin/env python3
"""The golden tests of every family on an NVIDIA GPU (--target=cuda).

The golden tests in test/Integration/Models/*.test compile a model, run the
program on transformers' inputs and compare with transformers' outputs. This
script replays their numeric steps with programs compiled for the GPU:

  gpu_suite.py build --out DIR [--bertc PATH] [--sm 90] [--only NAME]
                    [--jobs N]
      compile every golden test's model with --target=cuda into DIR, N at a
      time (any machine with bertc and the CUDA toolkit; no GPU needed)
  gpu_suite.py run --dir DIR [--only NAME] [--jobs N]
      run DIR's programs and compare (a machine with a GPU and Python 3:
      only the NVIDIA driver and this checkout are needed), N tests at a
      time
  gpu_suite.py all --out DIR ...
      both, on a machine with a GPU and bertc (the lit test
      test/Integration/GPU/golden.test)
  gpu_suite.py all --emulate --out DIR
      both, with programs that run each kernel as loops on the CPU
      (bertc compile --emulate-gpu): the GPU mapping checked without a GPU
      (test/Integration/GPU/emulated.test)
  ... --dtype f16|bf16
      programs compiled with --dtype (matrix products on f16/bf16 operands)
  ... --compile-flag=--gpu-no-ldmatrix
      an extra bertc compile flag (repeatable), e.g. to rule ldmatrix out
  gpu_suite.py run --dir DIR --fake-driver build/test/fake-cuda
      the programs' host side on a fake driver (test/Runtime/FakeCuda), on
      any machine: every step runs, kernels do not, so outputs are not
      compared; each run must load its kernels, launch within the limits,
      copy inside its buffers and free every buffer it allocated

Tolerance: design.md §5 (fp32: atol = rtol = 1e-4; f16/bf16: 5e-2, which
build writes into the manifest's compare steps). Steps that check CPU
program errors (`not ...`, FileCheck, bertc inspect) are not replayed.
Exit status 0 when every test passes.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "test", "Integration", "Models")
COMPILE = re.compile(r"^bertc compile (\S+)(.*) -o %t\.exe$")


def parse(path):
    """(model, extra compile flags, replayed steps) of a golden test."""
    model, flags, steps = None, [], []
    with open(path) as f:
        for line in f:
            if not line.startswith("# RUN:"):
                continue
            run = line[len("# RUN:"):].strip()
            m = COMPILE.match(run)
            if m:
                model, flags = m.group(1), shlex.split(m.group(2))
            elif run.startswith("%t.exe ") or run.startswith("%compare "):
                steps.append(run)
    return model, flags, steps


def substitute(text):
    return (text.replace("%golden", os.path.join(TESTS, "golden"))
            .replace("%models", os.path.join(ROOT, "models")))


def tests(only):
    for name in sorted(os.listdir(TESTS)):
        if not name.endswith(".test"):
            continue
        test = name[:-len(".test")]
        if only and test not in only:
            continue
        model, flags, steps = parse(os.path.join(TESTS, name))
        if model and steps:
            yield test, model, flags, steps


def build(args):
    os.makedirs(args.out, exist_ok=True)

    def compile_one(test, model, flags):
        exe = os.path.join(args.out, test + ".exe")
        cmd = [args.bertc, "compile", substitute(model), *flags,
               "--target=cuda", "--sm=%d" % args.sm, "--dtype=" + args.dtype,
               *args.compile_flag, "-o", exe]
        if args.emulate:
            cmd.append("--emulate-gpu")
        return subprocess.run(cmd, capture_output=True, text=True)

    manifest, failed = {}, []
    found = list(tests(args.only))
    # bertc compile is single-threaded: --jobs of them at a time.
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = [pool.submit(compile_one, test, model, flags)
                   for test, model, flags, _ in found]
        for (test, _, _, steps), result in zip(found, results):
            r = result.result()
            if r.returncode != 0:
                print("FAIL build %s: %s" % (test, r.stderr.strip()))
                failed.append(test)
                continue
            print("built %s" % test, flush=True)
            if args.dtype != "f32":
                steps = [s.replace("%compare ",
                                   "%compare --atol 5e-2 --rtol 5e-2 ")
                         for s in steps]
            manifest[test] = steps
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return failed


def fake_driver_problem(trace):
    """What the fake driver's trace reports as wrong, or None."""
    with open(trace) as f:
        lines = f.read().splitlines()
    errors = [l for l in lines if l.startswith("error:")]
    if errors:
        return "\n".join(errors)
    summary = [l for l in lines if l.startswith("summary:")]
    if not summary:
        return "no summary: the kernels were never unloaded"
    if ", 0 live buffers, 0 live events, " not in summary[-1] or \
            not re.search(r"streams [0-9]+ \(0 live\)", summary[-1]):
        return "device buffers, events or streams left: " + summary[-1]
    return None


def run_test(args, test, steps, work, compare):
    """(passed, message) of one test's steps, run in order."""
    exe = os.path.abspath(os.path.join(args.dir, test + ".exe"))
    tmp = os.path.join(work, test)
    for i, step in enumerate(steps):
        if args.fake_driver and step.startswith("%compare"):
            continue
        cmd = substitute(step).replace("%t.exe", shlex.quote(exe))
        cmd = cmd.replace("%compare", compare).replace("%t", tmp)
        env = None
        if args.fake_driver:
            trace = "%s.trace%d" % (tmp, i)
            env = dict(os.environ,
                       LD_LIBRARY_PATH=os.path.abspath(args.fake_driver),
                       BERTC_FAKE_CUDA_TRACE=trace)
        # A session of its own, so that a hung program dies with its shell.
        p = subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env,
                             start_new_session=True)
        try:
            stdout, stderr = p.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return False, "$ %s\ntimed out after %d s" % (cmd, args.timeout)
        if p.returncode != 0:
            return False, "$ %s\n%s%s" % (cmd, stdout, stderr)
        if args.fake_driver:
            problem = fake_driver_problem(trace)
            if problem:
                return False, "$ %s\n%s" % (cmd, problem)
    return True, ""


def run(args):
    with open(os.path.join(args.dir, "manifest.json")) as f:
        manifest = json.load(f)
    compare = "%s %s" % (shlex.quote(sys.executable),
                         shlex.quote(os.path.join(ROOT, "utils",
                                                  "compare_outputs.py")))
    work = tempfile.mkdtemp(prefix="bertc-gpu-suite-")
    selected = [(test, steps) for test, steps in sorted(manifest.items())
                if not args.only or test in args.only]
    # Tests are independent (own outputs under work/): run --jobs at a time,
    # report in name order.
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = pool.map(lambda item: run_test(args, *item, work, compare),
                           selected)
        failed = []
        for (test, _), (ok, message) in zip(selected, results):
            print("%s %s" % ("PASS" if ok else "FAIL", test), flush=True)
            if not ok:
                print(message.rstrip(), flush=True)
                failed.append(test)
    shutil.rmtree(work, ignore_errors=True)
    return failed


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["build", "run", "all"])
    ap.add_argument("--out", help="build, all: where the programs go")
    ap.add_argument("--dir", help="run: the programs of a build")
    ap.add_argument("--bertc", default=os.path.join(ROOT, "build", "bin", "bertc"))
    ap.add_argument("--sm", type=int, default=90)
    ap.add_argument("--emulate", action="store_true",
                    help="build: CPU programs that emulate the kernels")
    ap.add_argument("--dtype", default="f32", choices=["f32", "f16", "bf16"],
                    help="build: bertc compile --dtype")
    ap.add_argument("--compile-flag", action="append", default=[],
                    metavar="FLAG", help="build: one more bertc compile flag")
    ap.add_argument("--fake-driver", metavar="DIR",
                    help="run: load DIR/libcuda.so.1 (test/Runtime/FakeCuda) "
                         "and check the host side only")
    ap.add_argument("--jobs", type=int, default=1,
                    help="build: programs compiled at the same time; run: "
                         "tests run at the same time")
    ap.add_argument("--timeout", type=int, default=300,
                    help="run: seconds a step may take")
    ap.add_argument("--only", action="append",
                    help="this golden test only (repeatable)")
    args = ap.parse_args()
    if args.jobs < 1:
        ap.error("--jobs must be 1 or more, got %d" % args.jobs)
    failed = []
    if args.command in ("build", "all"):
        if not args.out:
            ap.error("%s needs --out DIR" % args.command)
        failed += build(args)
        args.dir = args.out
    if args.command in ("run", "all"):
        if not args.dir:
            ap.error("run needs --dir DIR")
        failed += run(args)
    print("gpu suite: %d failed%s" % (len(failed),
                                      (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
