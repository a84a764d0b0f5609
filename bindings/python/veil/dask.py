"""De-identify an archive across a Dask cluster.

The file list is cut into shards; every task runs the native batch pipeline on its shard with
the same profile and key file, writing into the same output tree. Pseudonyms and UIDs are keyed
(HMAC), so every worker maps the same patient, study or UID to the same value with no shared
state, and the output is byte for byte what one process would write. Each shard keeps its own
journal under ``OUT/.veil/shards/``; the per-shard reports merge into one.

The key never travels through the task graph: workers read ``key_file`` themselves, so it must
be readable at the same path on every worker (a shared file system, like the inputs and output).

    from dask.distributed import Client
    from veil.dask import deidentify_archive
    report = deidentify_archive(["/archive"], "/deid", key_file="/secure/veil.key", client=Client(...))
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

PathLike = Union[str, "os.PathLike[str]"]


def _walk(inputs: Iterable[PathLike]) -> Iterator[str]:
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs.sort()
                dirs[:] = [d for d in dirs if d != ".veil"]
                for name in sorted(files):
                    yield os.path.join(root, name)
        else:
            yield str(p)


def _run_shard(list_file: str, output: str, state_dir: str, key_file: str, profile: str, options: Sequence[str],
               pixels: str, threads: int, isolate: bool) -> Dict:
    """One task: the native pipeline over one shard. Returns a plain, picklable report."""
    import veil

    prof = veil.Profile.load(profile)
    for o in options:
        prof.enable(o)
    worker = veil.Deidentifier(prof, veil.Key.from_file(key_file), pixels=pixels)
    r = veil.run_batch([], output, worker=worker, list_file=list_file, state_dir=state_dir, threads=threads,
                       isolate=isolate)
    return {
        "total": r.total, "deidentified": r.deidentified, "failed": r.failed, "skipped": r.skipped,
        "bytes_in": r.bytes_in, "bytes_out": r.bytes_out, "seconds": r.seconds,
        "failures_by_reason": dict(r.failures_by_reason), "counts": dict(r.counts),
        "pixels_by_status": dict(r.pixels_by_status), "masked_regions": r.masked_regions,
        "stopped": r.stopped,
    }


def merge_reports(reports: Sequence[Dict]) -> Dict:
    """Sums per-shard reports into one (times: the longest shard)."""
    merged: Dict = {"shards": len(reports)}
    for r in reports:
        for k, v in r.items():
            if isinstance(v, dict):
                target = merged.setdefault(k, {})
                for kk, vv in v.items():
                    target[kk] = target.get(kk, 0) + vv
            elif k == "seconds":
                merged[k] = max(merged.get(k, 0.0), v)
            elif isinstance(v, bool):
                merged[k] = merged.get(k, False) or v
            else:
                merged[k] = merged.get(k, 0) + v
    return merged


def deidentify_archive(
    inputs: Iterable[PathLike],
    output: PathLike,
    *,
    key_file: PathLike,
    profile: str = "basic",
    options: Sequence[str] = (),
    pixels: str = "rules",
    client=None,
    shards: Optional[int] = None,
    threads_per_task: int = 1,
    isolate: bool = True,
) -> Dict:
    """De-identifies every file under ``inputs`` into ``output`` on a Dask cluster.

    ``profile``: a preset name or a YAML file path readable by the workers; ``options``: option
    names to enable. ``client``: a ``dask.distributed.Client`` (default: the current one).
    ``shards``: how many tasks (default: 4 per worker thread). Returns the merged report as a
    dict (files by outcome, failures by reason, counts by action, pixel statuses).
    """
    from dask.distributed import default_client

    client = client or default_client()
    output = Path(output)
    shard_dir = output / ".veil" / "shards"
    shard_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(output / ".veil", 0o700)  # the shard lists name input paths, which may hold PHI
    os.chmod(shard_dir, 0o700)
    files: List[str] = list(_walk(inputs))
    if shards is None:
        shards = max(1, 4 * sum(client.nthreads().values()))
    shards = max(1, min(shards, len(files)))
    futures = []
    for i in range(shards):
        list_file = shard_dir / f"shard-{i:05d}.list"
        fd = os.open(list_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("".join(name + "\n" for name in files[i::shards]))
        futures.append(client.submit(_run_shard, str(list_file), str(output), str(shard_dir / f"shard-{i:05d}"),
                                     str(key_file), profile, list(options), pixels, threads_per_task, isolate,
                                     pure=False))
    return merge_reports(client.gather(futures))
