#!/usr/bin/python3
"""De-identify DICOM files from Python: one file, bytes, a pydicom Dataset, then a batch.

usage: deid_files.py INPUT_DIR OUTPUT_DIR KEY_FILE
"""
import sys
from pathlib import Path

import pydicom

import veil


def main(src: Path, out: Path, key_file: Path) -> int:
    worker = veil.Deidentifier(veil.Profile.preset("research"), veil.Key.from_file(key_file), pixels="rules")
    first = sorted(src.rglob("*.dcm"))[0]
    result = worker.deidentify_file(first, out / "one" / "first.dcm")
    print(f"one file: {result.counts['remove']} removed, {result.counts['uid']} UIDs mapped, "
          f"pixels {result.pixel_status}")
    ds, result = veil.deidentify_dataset(pydicom.dcmread(first), worker)
    print(f"pydicom: PatientIdentityRemoved={ds.PatientIdentityRemoved}")
    report = veil.run_batch([src], out / "batch", worker=worker, progress=True)
    print(f"batch: {report.deidentified} of {report.total} de-identified, failures {dict(report.failures_by_reason)}")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
