"""veil.dask on a LocalCluster of two worker processes: byte-identical to one process."""
import hashlib
import pathlib
import shutil

import pytest

import veil
from conftest import PYDICOM_FILES


def tree(root):
    """Relative path -> SHA-256 of every output (veil's state under .veil excluded)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".veil" not in p.relative_to(root).parts}


def test_two_worker_processes_write_what_one_process_writes(key_file, tmp_path):
    distributed = pytest.importorskip("distributed")
    from veil.dask import deidentify_archive

    # Inputs with distinct SOP Instance UIDs: of two inputs sharing one, which is written (and
    # which is reported as a duplicate) depends on timing, in one process as on a cluster.
    import pydicom
    chosen, seen = [], set()
    for p in sorted(PYDICOM_FILES.glob("*.dcm")):
        try:
            uid = pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID
        except Exception:  # noqa: BLE001  (unreadable inputs stay in: they fail the same way everywhere)
            uid = str(p)
        if uid not in seen:
            seen.add(uid)
            chosen.append(p)
    src = tmp_path / "archive"
    for i, p in enumerate(chosen[:40]):
        sub = src / f"site{i % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, sub / p.name)
    single = veil.run_batch([src], tmp_path / "single", worker=veil.Deidentifier(
        veil.Profile.preset("research"), veil.Key.from_file(key_file)))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        merged = deidentify_archive([src], tmp_path / "dask", key_file=key_file, profile="research", client=client,
                                    shards=6)
        workers = {w for w in client.run(lambda: __import__("os").getpid()).values()}
    assert len(workers) == 2
    assert merged["shards"] == 6
    assert merged["total"] == single.total and merged["deidentified"] == single.deidentified
    assert merged["failures_by_reason"] == dict(single.failures_by_reason)
    a, b = tree(tmp_path / "single"), tree(tmp_path / "dask")
    assert a and a == b
