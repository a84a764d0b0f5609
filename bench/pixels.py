#!/usr/bin/python3
"""Cost of the pixel stage against the codec's own cost, measured in one run.

Builds an ultrasound corpus with ../shared/tools/make_corpus.py --kind us-rgb (640x480 RGB
multi-frame, names/IDs/dates burned into a banner), then times:
  gdcmconv-raw   GDCM decoding and writing every file again (`gdcmconv --raw`, one process per
                 file, as gdcmconv takes one file at a time; its start-up is measured alone too)
  veil-auto      `veil deid --pixels auto` (decode, detect on every frame, mask, encode, verify)
  veil-off       `veil deid --pixels off` (tags only), for scale
Each figure is the median of --rounds interleaved rounds, each tool going first in turn.

usage: bench/pixels.py [--work DIR] [--n 40] [--frames 10] [--rounds 3] [--keep-outputs] [--veil BIN]
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
    ap.add_argument("--work", type=Path, default=Path("/tmp/veil-bench-pixels"))
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep-outputs", action="store_true", help="keep every run's output until the end")
    ap.add_argument("--veil", default=os.environ.get("VEIL_BIN", str(ROOT / "build" / "bin" / "veil")))
    args = ap.parse_args()
    tool = ROOT.parent / "shared" / "tools" / "make_corpus.py"
    if not tool.is_file():
        sys.exit(f"bench: {tool} not found (../shared beside the clone)")
    src = args.work / "us-rgb"
    if not src.is_dir() or sum(1 for _ in src.glob("*.dcm")) != args.n:
        shutil.rmtree(src, ignore_errors=True)
        subprocess.run(["/usr/bin/python3", str(tool), "--out", str(src), "--n", str(args.n), "--kind", "us-rgb",
                        "--frames", str(args.frames), "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    files = sorted(src.glob("*.dcm"))
    key = args.work / "veil.key"
    key.write_text("bench-key-0123456789abcdef0123456789\n")
    # Each run writes into a directory of its own. By default the one before is deleted first,
    # so that memory freed by it takes the next run's pages; on ext4 without a journal the
    # files created next then cost an inode search past the deleted ones (see bench/e2e.py), and
    # veil creates more (a directory per patient, study and series, a temporary name per file).
    # --keep-outputs keeps every run's output until the end: no such search, but each run's
    # pages come from memory not touched before, which on this virtual machine costs every tool
    # about as much as the work itself.
    runs = args.work / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    count = 0

    def gdcmconv(out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        for f in files:
            subprocess.run(["gdcmconv", "--raw", str(f), str(out / f.name)], check=True)

    def startup(out: Path) -> None:
        for _ in files:
            subprocess.run(["gdcmconv", "--version"], stdout=subprocess.DEVNULL, check=True)

    def veil(mode: str):
        return lambda out: subprocess.run([args.veil, "deid", str(src), "-o", str(out), "--key-file", str(key), "-q",
                                           "--pixels", mode], check=True)

    tools = {"gdcmconv-raw": gdcmconv, "gdcmconv-startup": startup, "veil-auto": veil("auto"), "veil-off": veil("off")}
    names = list(tools)
    secs: dict[str, list[float]] = {name: [] for name in tools}
    for r in range(args.rounds + 1):  # the first round warms the caches and is not counted
        first = max(r - 1, 0) % len(names)  # in the counted rounds, each tool in turn goes first
        for name in names[first:] + names[:first]:
            count += 1
            if not args.keep_outputs:
                shutil.rmtree(runs, ignore_errors=True)
            t0 = time.perf_counter()
            tools[name](runs / f"{count:03}-{name}")
            if r:
                secs[name].append(time.perf_counter() - t0)
    shutil.rmtree(runs, ignore_errors=True)
    med = {name: statistics.median(v) for name, v in secs.items()}
    codec = med["gdcmconv-raw"] - med["gdcmconv-startup"]
    frames = args.n * args.frames
    print(f"us-rgb: {args.n} files x {args.frames} frames of 640x480 RGB; median of {args.rounds} rounds")
    for name, s in med.items():
        print(f"{name:18} {s:7.2f} s  {args.n / s:7.1f} files/s  {frames / s:8.1f} frames/s")
    print(f"gdcmconv decode+write without process start-up: {codec:.2f} s")
    print("spread (fastest..slowest run, s): " + ", ".join(f"{k} {min(v):.2f}..{max(v):.2f}" for k, v in secs.items()))
    print(f"veil --pixels auto / gdcmconv --raw: {med['veil-auto'] / med['gdcmconv-raw']:.2f}x the time "
          f"({med['veil-auto'] / codec:.2f}x without gdcmconv's start-up)")


if __name__ == "__main__":
    main()
