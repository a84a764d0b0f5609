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


def test_in_process_batch_gives_the_same_outputs(worker, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PYDICOM_FILES / "CT_small.dcm", src / "a.dcm")
    a = veil.run_batch([src], tmp_path / "a", worker=worker)
    b = veil.run_batch([src], tmp_path / "b", worker=worker, isolate=False)
    assert a.deidentified == b.deidentified == 1
    files = [sorted(p for p in (tmp_path / d).rglob("*.dcm")) for d in ("a", "b")]
    assert [p.read_bytes() for p in files[0]] == [p.read_bytes() for p in files[1]]


def test_a_file_that_crashes_gdcm_is_a_result_not_a_dead_interpreter(worker, tmp_path):
    """tests/fuzz/regressions holds inputs that made GDCM abort before the prescan learned them;
    a fault hook makes the worker abort on a chosen file, as GDCM's asserts do."""
    import os
    import subprocess
    import sys
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PYDICOM_FILES / "CT_small.dcm", src / "good.dcm")
    shutil.copy(PYDICOM_FILES / "MR_small.dcm", src / "poison.dcm")
    code = ("import veil, sys; w = veil.Deidentifier(veil.Profile(), veil.Key.from_bytes(b'0123456789abcdef01'));"
            "r = veil.run_batch([sys.argv[1]], sys.argv[2], worker=w);"
            "print(r.deidentified, dict(r.failures_by_reason))")
    env = dict(os.environ, VEIL_FAULT_INJECT_ABORT="poison.dcm")  # read once per process
    r = subprocess.run([sys.executable, "-c", code, str(src), str(tmp_path / "out")], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1 {'crash': 1}"
