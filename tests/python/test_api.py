"""The Python API over the native library: profiles, keys, files and bytes, errors."""
import concurrent.futures
import pathlib

import pydicom
import pytest

import veil
from conftest import PYDICOM_FILES

CT = PYDICOM_FILES / "CT_small.dcm"


def test_profiles_presets_options_and_overrides():
    assert set(veil.Profile.presets()) >= {"basic", "research"}
    research = veil.Profile.preset("research")
    assert "retain_safe_private" in research.options
    p = veil.Profile().enable("retain_uids").override(keyword="SeriesDescription", action="K")
    assert p.has("retain_uids") and not p.has("clean_graphics")
    assert veil.Profile.table_edition == "2024c"
    assert len(veil.options()) == 10
    assert {a[0] for a in veil.actions()} >= {"remove", "uid", "keep"}


def test_setup_errors_raise_veil_error():
    with pytest.raises(veil.Error, match="unknown option"):
        veil.Profile().enable("no_such_option")
    with pytest.raises(veil.Error):
        veil.Profile.preset("nope")
    with pytest.raises(veil.Error):
        veil.Key.from_bytes(b"short")
    with pytest.raises(veil.Error, match="pixel mode"):
        veil.Deidentifier(veil.Profile(), veil.Key.from_bytes(b"0123456789abcdef0123"), pixels="maybe")


def test_file_to_file_removes_the_patient(worker, tmp_path):
    out = tmp_path / "out.dcm"
    result = worker.deidentify_file(CT, out)
    ds = pydicom.dcmread(out)
    original = pydicom.dcmread(CT)
    assert str(ds.PatientName) != str(original.PatientName)
    assert ds.SOPInstanceUID == result.sop_instance_uid != original.SOPInstanceUID
    assert result.counts["uid"] > 0 and result.transfer_syntax == original.file_meta.TransferSyntaxUID
    assert str(original.PatientName) not in repr(result)


def test_bytes_to_bytes_is_deterministic_and_matches_the_file_path(worker, tmp_path):
    data = CT.read_bytes()
    out1, r1 = worker.deidentify_bytes(data)
    out2, _ = worker.clone().deidentify_bytes(data)
    worker.deidentify_file(CT, tmp_path / "f.dcm")
    assert out1 == out2 == (tmp_path / "f.dcm").read_bytes()
    assert r1.output_bytes == len(out1)


def test_a_bad_file_raises_file_error_with_its_reason(worker):
    with pytest.raises(veil.FileError) as e:
        worker.deidentify_bytes(b"this is not DICOM at all" * 10)
    assert e.value.reason in veil.error_codes()
    assert e.value.reason == "not-dicom"


def test_workers_run_in_parallel_threads(key_file):
    """The GIL is released around de-identification: clones run side by side in threads."""
    base = veil.Deidentifier(veil.Profile(), veil.Key.from_file(key_file))
    files = [p for p in sorted(PYDICOM_FILES.glob("*.dcm")) if p.stat().st_size < 2_000_000][:20]

    def run(path):
        try:
            return base.clone().deidentify_bytes(path.read_bytes())[1].sop_instance_uid
        except veil.FileError as e:
            return e.reason

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(run, files))
    assert threaded == [run(p) for p in files]


def test_verify_finds_nothing_in_output_and_everything_in_a_copy_of_the_input(worker, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("CT_small.dcm", "MR_small.dcm"):
        (src / name).write_bytes((PYDICOM_FILES / name).read_bytes())
    veil.run_batch([src], tmp_path / "out", worker=worker)
    assert veil.verify(tmp_path / "out", against=[src]) == []
    bad = veil.verify(src, against=[src])  # the inputs themselves, as if nothing had been done
    kinds = {f.kind for v in bad for f in v.findings}
    assert len(bad) == 2 and {"not-marked", "name", "uid"} <= kinds
    assert all("CT_small" not in f.where for v in bad for f in v.findings)
