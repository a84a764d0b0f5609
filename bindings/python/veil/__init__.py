"""veil: DICOM de-identification (DICOM PS3.15 Annex E) for Python.

The work happens in the native library (``veil._veil``); this package adds the documented
Python API around it::

    import veil
    d = veil.Deidentifier(veil.Profile.preset("research"), veil.Key.from_file("veil.key"))
    result = d.deidentify_file("in.dcm", "out.dcm")
    report = veil.run_batch(["/archive"], "/deid", worker=d, progress=True)

Setup errors raise :class:`veil.Error`; a file that cannot be de-identified raises
:class:`veil.FileError` from the single-file calls, and is a result (``report.failures``) in a
batch. Nothing veil returns holds a value from the files.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Union

from . import _veil
from ._veil import (  # noqa: F401  (re-exported)
    BatchFailure,
    BatchProgress,
    BatchReport,
    Deidentifier,
    Error,
    FileError,
    FileResult,
    FileVerdict,
    Finding,
    Image,
    Key,
    MaskedRegion,
    PhiIndex,
    Profile,
    actions,
    decode_pixels,
    detect_text,
    error_codes,
    explain_text,
    options,
    verify_file,
)
from .interop import deidentify_dataset  # noqa: F401

__version__ = _veil.__version__

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "BatchFailure", "BatchProgress", "BatchReport", "Deidentifier", "Error", "FileError", "FileResult", "FileVerdict",
    "Finding", "Image", "Key", "MaskedRegion", "PhiIndex", "Profile", "actions", "decode_pixels", "deidentify_dataset",
    "detect_text", "error_codes", "explain_text", "options", "run_batch", "verify", "verify_file", "__version__",
]


def _files(root: PathLike):
    root = Path(root)
    if root.is_file():
        yield root
        return
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        dirs[:] = [d for d in dirs if d != ".veil"]
        for name in sorted(files):
            yield Path(dirpath) / name


def verify(output: PathLike, *, against: Iterable[PathLike] = (), profile: Optional[Profile] = None) -> List[FileVerdict]:
    """Checks de-identified output independently of the rule engine (``veil verify``).

    Every file under ``output`` must parse, be marked as de-identified, and hold no attribute
    ``profile`` (default: basic) removes and no private attribute it does not keep; with
    ``against`` (input files or directories), no byte outside the pixel data may hold one of
    the inputs' identifying values. Returns the verdicts of the files with findings (an empty
    list: nothing found). Findings name a kind and a place, never the value.
    """
    profile = profile or Profile()
    index = None
    roots = list(against)
    if roots:
        index = PhiIndex(profile)
        for root in roots:
            for f in _files(root):
                index.add(f.read_bytes())
    verdicts = [verify_file(f, profile, index) for f in _files(output)]
    return [v for v in verdicts if not v.clean]


def _progress_callback(progress) -> Optional[Callable[[BatchProgress], None]]:
    """A callable as given; True: a tqdm bar when tqdm is importable (else nothing)."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    bar = tqdm(unit="file", desc="veil")

    def update(p: BatchProgress) -> None:
        bar.n = p.done + p.failed + p.skipped
        bar.set_postfix(failed=p.failed, MB_s=round(p.bytes_in / 1e6 / p.seconds, 1) if p.seconds else 0.0)
        bar.refresh()

    update.close = bar.close  # type: ignore[attr-defined]
    return update


def run_batch(
    inputs: Iterable[PathLike],
    output: PathLike,
    *,
    worker: Optional[Deidentifier] = None,
    profile: Optional[Profile] = None,
    key: Optional[Key] = None,
    pixels: str = "rules",
    layout: str = "uids",
    threads: int = 0,
    quarantine: Optional[PathLike] = None,
    audit: Optional[PathLike] = None,
    resume: bool = False,
    report_paths: bool = False,
    list_file: Optional[PathLike] = None,
    state_dir: Optional[PathLike] = None,
    isolate: bool = True,
    file_timeout: float = 0.0,
    progress: Union[bool, Callable[[BatchProgress], None], None] = None,
) -> BatchReport:
    """De-identifies files and directory trees into ``output`` with the native TBB pipeline.

    ``worker`` (a :class:`Deidentifier`), or ``profile`` (default: basic) and ``key`` (default:
    :meth:`Key.resolve`) with ``pixels`` mode. By default (``isolate=True``) the pipeline
    runs in a supervised worker process, so that a file that crashes GDCM (it has live asserts)
    is reported as ``crash`` rather than ending this interpreter; ``isolate=False`` runs it in
    this process. ``progress``: a callable taking :class:`BatchProgress`, or True for a
    tqdm bar. Per-file failures are in the returned report, never raised.
    """
    if worker is None:
        worker = Deidentifier(profile or Profile(), key or Key.resolve(), pixels=pixels)
    callback = _progress_callback(progress)
    try:
        return _veil.run_batch(
            worker, [Path(p) for p in inputs], Path(output), list_file=Path(list_file) if list_file else None,
            layout=layout, threads=threads, quarantine=Path(quarantine) if quarantine else None,
            audit=Path(audit) if audit else None, report_paths=report_paths, resume=resume,
            state_dir=Path(state_dir) if state_dir else None, isolate=isolate, file_timeout=file_timeout,
            progress=callback)
    finally:
        if callback is not None and hasattr(callback, "close"):
            callback.close()
