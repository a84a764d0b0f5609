#!/usr/bin/python3
"""End-to-end throughput of `veil deid` against baselines measured in the same run.

Baselines: cp -r, gdcmanon -e (GDCM's PS3.15 basic profile), gdcmanon --dumb. Corpora come from
../shared/tools/make_corpus.py (ct512 x1000, small x3000). The tools run in interleaved rounds
(every tool once per round, the order rotating) and each figure is the median over the rounds:
on a shared machine the page cache's write-back makes single runs vary by a factor of two or
more, and interleaving spreads that drift over every tool alike.

Every run writes into a directory of its own, and the outputs are deleted only after the last
round: ext4 without a journal, as on this machine, checks every free inode it considers for a
new file against inodes deleted in the last 60 s (300 s while their table block is dirty), so a
run that follows the deletion of the previous run's output spent ~30% of its time in inode
allocation (perf: find_inode_bit / recently_deleted), a cost of the benchmark and not of the tool.
For the same reason, start it at least five minutes after deleting many files on that disk.
On tmpfs (memory) each run's output is deleted as soon as it is timed.

usage: bench/e2e.py [--work DIR] [--out DIR] [--rounds N] [--ct512 N] [--small N] [--veil BIN]
  --out /dev/shm writes the outputs to memory, taking the disk out of the comparison.
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


def make_corpus(work: Path, kind: str, n: int) -> Path:
    out = work / kind
    if not out.is_dir() or sum(1 for _ in out.rglob("*.dcm")) != n:
        shutil.rmtree(out, ignore_errors=True)
        tool = ROOT.parent / "shared" / "tools" / "make_corpus.py"
        if not tool.is_file():
            sys.exit(f"bench: {tool} not found (../shared beside the clone)")
        subprocess.run(["/usr/bin/python3", str(tool), "--out", str(out), "--n", str(n), "--kind", kind,
                        "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    return out


def timed(cmd: list[str], out: Path) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one run into `out` (new), after syncing earlier writes."""
    out.mkdir(parents=True)
    os.sync()
    rss_file = out.parent / (out.name + ".rss")
    t0 = time.perf_counter()
    subprocess.run(["/usr/bin/time", "-o", str(rss_file), "-f", "%M", *cmd],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    secs = time.perf_counter() - t0
    rss = int(rss_file.read_text().split()[-1])
    rss_file.unlink()
    return secs, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/veil-bench"))
    ap.add_argument("--out", type=Path, help="where outputs go (default: inside --work)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--ct512", type=int, default=1000)
    ap.add_argument("--small", type=int, default=3000)
    ap.add_argument("--veil", default=os.environ.get("VEIL_BIN", str(ROOT / "build" / "bin" / "veil")))
    args = ap.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    cert = work / "cert.pem"
    if not cert.is_file():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(work / "key.pem"),
                        "-out", str(cert), "-days", "30", "-subj", "/CN=veil-bench"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    key = work / "veil.key"
    key.write_text("bench-key-0123456789abcdef0123456789\n")
    outdir = args.out or work
    outdir.mkdir(parents=True, exist_ok=True)
    fstype = subprocess.run(["df", "--output=fstype", str(outdir)], capture_output=True, text=True).stdout.split()[-1]
    print(f"outputs on: {fstype} ({outdir}); median of {args.rounds} interleaved rounds")
    print(f"{'corpus':8} {'tool':22} {'files/s':>9} {'MB/s':>9} {'RSS_MB':>8}  ratios")
    all_runs: list[Path] = []  # deleted at the very end (see above)
    for kind, n in (("ct512", args.ct512), ("small", args.small)):
        src = make_corpus(work, kind, n)
        mb = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 1e6
        runs = outdir / f"runs-{kind}"
        shutil.rmtree(runs, ignore_errors=True)
        all_runs.append(runs)
        keep = fstype != "tmpfs"
        need = (args.rounds + 1) * 5 * mb * 1e6 if keep else 2 * mb * 1e6
        if shutil.disk_usage(outdir).free < 1.2 * need:
            sys.exit(f"bench: {need / 1e9:.1f} GB free needed in {outdir} (every run keeps its output until the end)")
        tools = {
            "cp": lambda out: ["cp", "-r", f"{src}/.", str(out)],
            "gdcmanon-e": lambda out: ["gdcmanon", "-e", "-c", str(cert), "-r", "-i", str(src), "-o", str(out),
                                       "--continue"],
            "gdcmanon-dumb": lambda out: ["gdcmanon", "--dumb", "--remove", "10,10", "--remove", "10,20", "-r", "-i",
                                          str(src), "-o", str(out), "--continue"],
            "veil-1thread": lambda out: [args.veil, "deid", str(src), "-o", str(out), "--key-file", str(key),
                                         "--threads", "1", "-q"],
            "veil": lambda out: [args.veil, "deid", str(src), "-o", str(out), "--key-file", str(key), "-q"],
        }
        names = list(tools)
        count = 0

        def run(name: str) -> tuple[float, int]:
            nonlocal count
            count += 1
            out = runs / f"{count:03}-{name}"
            result = timed(tools[name](out), out)
            if not keep:
                shutil.rmtree(out, ignore_errors=True)
            return result

        for name in names:  # warm the page cache and the binaries
            run(name)
        secs: dict[str, list[float]] = {name: [] for name in names}
        rss: dict[str, int] = {name: 0 for name in names}
        for r in range(args.rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                s, m = run(name)
                secs[name].append(s)
                rss[name] = max(rss[name], m)
        rate = {name: n / statistics.median(secs[name]) for name in names}
        for name in names:
            ratios = ""
            if name != "cp":
                ratios += f"{rate[name] / rate['cp']:5.2f}x cp"
            if name.startswith("veil"):
                ratios += f"  {rate[name] / rate['gdcmanon-e']:5.2f}x gdcmanon-e"
            print(f"{kind:8} {name:22} {rate[name]:9.0f} {mb * rate[name] / n:9.1f} {rss[name] / 1024:8.1f}  {ratios}")
        print(f"{kind:8} {'veil 2 / 1 thread':22} {'':9} {'':9} {'':8}  {rate['veil'] / rate['veil-1thread']:5.2f}x")
        spread = {name: (min(secs[name]), max(secs[name])) for name in names}
        print(f"{kind:8} spread (fastest..slowest run, s): " +
              ", ".join(f"{k} {a:.2f}..{b:.2f}" for k, (a, b) in spread.items()))
    for runs in all_runs:
        shutil.rmtree(runs, ignore_errors=True)


if __name__ == "__main__":
    main()
