"""veil.run_batch: the native pipeline from Python; failures are results, progress is reported."""
import shutil

import pydicom

import veil
from conftest import PYDICOM_FILES


def test_batch_reports_outcomes_and_calls_progress(worker, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for p in sorted(PYDICOM_FILES.glob("*.dcm"))[:15]:
        shutil.copy(p, src / p.name)
    (src / "garbage.dcm").write_bytes(b"not dicom" * 40)
    seen = []
    report = veil.run_batch([src], tmp_path / "out", worker=worker, progress=seen.append,
                            audit=tmp_path / "audit.jsonl")
    assert report.total == 16
    assert report.deidentified + report.failed == report.total
    assert report.failures_by_reason.get("not-dicom", 0) >= 1
    assert all(f.path == "" for f in report.failures)  # no paths unless asked
    assert seen and isinstance(seen[-1], veil.BatchProgress) and seen[-1].done == report.deidentified
    outputs = [p for p in (tmp_path / "out").rglob("*.dcm")]
    assert len(outputs) == report.deidentified
    for p in outputs:
        assert pydicom.dcmread(p).PatientIdentityRemoved == "YES"
    assert report.exit_code == 1


def test_report_paths_names_failed_inputs_when_asked(worker, tmp_path):
    bad = tmp_path / "in" / "bad.dcm"
    bad.parent.mkdir()
    bad.write_bytes(b"x" * 300)
    report = veil.run_batch([bad.parent], tmp_path / "out", worker=worker, report_paths=True)
    assert report.failures[0].path == str(bad)


def test_isolated_batch_runs_in_a_supervised_worker(worker, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PYDICOM_FILES / "CT_small.dcm", src / "a.dcm")
    report = veil.run_batch([src], tmp_path / "out", worker=worker, isolate=True)
    assert report.deidentified == 1 and report.exit_code == 0
