#!/usr/bin/python3
"""The Python package's overhead against the command line, in one run (median of rounds).

  cli-1thread      veil deid small -o OUT --threads 1 --no-supervisor
  python-loop      Deidentifier.deidentify_file(durable=False) over every file, one call per file
  cli              veil deid small -o OUT (every core, supervised)
  python-run_batch veil.run_batch over the same tree (every core)

usage: PYTHONPATH=build/python bench/python.py [--work DIR] [--n 3000] [--rounds 3]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/veil-bench-python"))
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--veil", default=os.environ.get("VEIL_BIN", str(ROOT / "build" / "bin" / "veil")))
    args = ap.parse_args()
    import veil

    src = args.work / "small"
    if not src.is_dir() or sum(1 for _ in src.glob("*.dcm")) != args.n:
        shutil.rmtree(src, ignore_errors=True)
        subprocess.run(["/usr/bin/python3", str(ROOT.parent / "shared" / "tools" / "make_corpus.py"), "--out", str(src),
                        "--n", str(args.n), "--kind", "small", "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    key_file = args.work / "veil.key"
    key_file.write_text("bench-key-0123456789abcdef0123456789\n")
    files = sorted(src.glob("*.dcm"))
    out = args.work / "out"
    worker = veil.Deidentifier(veil.Profile(), veil.Key.from_file(key_file))

    def cli(*extra):
        return lambda: subprocess.run([args.veil, "deid", str(src), "-o", str(out), "--key-file", str(key_file), "-q",
                                       *extra], check=False)

    def loop():
        out.mkdir(parents=True, exist_ok=True)
        for f in files:
            worker.deidentify_file(f, out / f.name, durable=False)  # as the CLI: no fsync per file

    def batch():
        veil.run_batch([src], out, worker=worker)

    tools = {"cli-1thread": cli("--threads", "1", "--no-supervisor"), "python-loop": loop, "cli": cli(),
             "python-run_batch": batch}
    secs = {name: [] for name in tools}
    for r in range(args.rounds + 1):
        for name, run in tools.items():
            shutil.rmtree(out, ignore_errors=True)
            os.sync()
            t0 = time.perf_counter()
            run()
            if r:
                secs[name].append(time.perf_counter() - t0)
    shutil.rmtree(out, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in secs.items()}
    print(f"small: {args.n} files; median of {args.rounds} rounds")
    for name, s in med.items():
        print(f"{name:18} {s:6.2f} s  {args.n / s:8.0f} files/s")
    print(f"per-file calls from Python / CLI on 1 thread: {med['python-loop'] / med['cli-1thread']:.2f}x the time")
    print(f"run_batch / CLI: {med['python-run_batch'] / med['cli']:.2f}x the time")


if __name__ == "__main__":
    sys.exit(main())
