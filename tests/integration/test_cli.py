"""The `veil` command as a user meets it: subcommands, keys, errors, exit codes."""
import os
import pathlib
import stat
import subprocess

import pydicom
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VEIL = os.environ.get("VEIL_BIN", str(ROOT / "build" / "bin" / "veil"))
EXAMPLES = ROOT / "examples" / "data"


def veil(*args, env=None, check=True):
    full_env = dict(os.environ)
    full_env.pop("VEIL_KEY_FILE", None)
    full_env.update(env or {})
    r = subprocess.run([VEIL, *map(str, args)], capture_output=True, text=True, env=full_env)
    if check and r.returncode != 0:
        raise AssertionError(f"veil {' '.join(map(str, args))} exited {r.returncode}: {r.stderr}")
    return r


def ct_with_a_drawn_name():
    """pydicom's CT_small with "SMITH ANNA" burned in near its bottom (rows 100 to 110)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    ds = pydicom.dcmread(pydicom.data.get_testdata_file("CT_small.dcm"))
    arr = ds.pixel_array.copy()
    canvas = Image.new("L", (128, 128), 0)
    ImageDraw.Draw(canvas).text((4, 100), "SMITH ANNA", fill=255, font=ImageFont.load_default())
    arr[np.asarray(canvas) > 0] = arr.max()
    ds.PixelData = arr.tobytes()
    return ds


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "key"
    veil("keygen", "-o", path)
    return path


def test_profile_show_lists_every_attribute_with_edition():
    out = veil("profile", "show", "--profile", "research").stdout
    rows = [l for l in out.splitlines() if l.startswith("(")]
    assert len(rows) == 623
    assert "2024c" in out and "2024d" in out
    study_date = next(l for l in rows if "StudyDate " in l)
    assert study_date.split()[-2:] == ["Z", "C"]


def test_profile_show_applies_options_from_the_command_line():
    out = veil("profile", "show", "--option", "retain_uids").stdout
    sop = next(l for l in out.splitlines() if " SOPInstanceUID " in l)
    assert sop.split()[-2:] == ["U", "K"]


def test_unknown_option_is_a_usage_error():
    r = veil("profile", "show", "--option", "retain_everything", check=False)
    assert r.returncode == 2
    assert "unknown option" in r.stderr


def test_keygen_writes_a_private_key_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "k"
    veil("keygen", "-o", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64
    assert veil("keygen", "-o", path, check=False).returncode == 2


def test_first_run_creates_and_announces_a_per_user_key(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    first = veil("deid", EXAMPLES / "mr_study1.dcm", "-o", tmp_path / "a.dcm", env=env)
    assert "created a new key" in first.stderr
    assert (tmp_path / "cfg" / "veil" / "key").exists()
    second = veil("deid", EXAMPLES / "mr_study1.dcm", "-o", tmp_path / "b.dcm", env=env)
    assert "created a new key" not in second.stderr
    assert (tmp_path / "a.dcm").read_bytes() == (tmp_path / "b.dcm").read_bytes()


def test_key_comes_from_the_environment_variable(tmp_path, key):
    veil("deid", EXAMPLES / "mr_study1.dcm", "-o", tmp_path / "env.dcm", env={"VEIL_KEY_FILE": str(key)})
    veil("deid", EXAMPLES / "mr_study1.dcm", "-o", tmp_path / "flag.dcm", "--key-file", key)
    assert (tmp_path / "env.dcm").read_bytes() == (tmp_path / "flag.dcm").read_bytes()


def test_directory_run_uses_a_layout_without_input_names(tmp_path, key):
    inp = tmp_path / "DOE_JOHN_1970"
    inp.mkdir()
    for f in EXAMPLES.glob("*.dcm"):
        (inp / f.name).write_bytes(f.read_bytes())
    veil("deid", inp, "-o", tmp_path / "out", "--key-file", key)
    outputs = sorted((tmp_path / "out").rglob("*.dcm"))
    assert len(outputs) == 4
    for p in outputs:
        rel = p.relative_to(tmp_path / "out")
        assert "DOE" not in str(rel) and "mr_" not in str(rel)
        d = pydicom.dcmread(p)
        assert rel.parts == (d.PatientID, d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID + ".dcm")


def test_bad_files_are_reported_without_paths_and_the_run_goes_on(tmp_path, key):
    inp = tmp_path / "SMITH_JANE"
    inp.mkdir()
    (inp / "notes.txt").write_text("not dicom")
    good = (EXAMPLES / "mr_study1.dcm").read_bytes()
    (inp / "cut.dcm").write_bytes(good[: len(good) // 2])
    (inp / "good.dcm").write_bytes(good)
    r = veil("deid", inp, "-o", tmp_path / "out", "--key-file", key, "--report", tmp_path / "r.json", check=False)
    assert r.returncode == 1
    assert "SMITH" not in r.stderr + r.stdout
    assert "not-dicom" in r.stderr and "truncated" in r.stderr
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 1
    named = veil("deid", inp, "-o", tmp_path / "out2", "--key-file", key, "--report-paths", check=False)
    assert "cut.dcm" in named.stderr


def test_report_counts_outcomes_and_actions(tmp_path, key):
    import json
    veil("deid", EXAMPLES, "-o", tmp_path / "out", "--key-file", key, "--report", tmp_path / "r.json",
         "--profile", "research")
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["files"] == {"total": 4, "deidentified": 4, "failed": 0, "skipped": 0}
    assert r["table_edition"] == "2024c" and r["profile"] == "research"
    assert r["counts"]["uid"] > 0 and r["counts"]["shift"] > 0 and r["counts"]["pseudonym"] > 0


def test_single_file_report_lists_its_masked_boxes(tmp_path, key):
    """One file to one file with --report: the summary of a batch of one, with the file's boxes."""
    import json

    ct_with_a_drawn_name().save_as(tmp_path / "ct.dcm")
    veil("deid", tmp_path / "ct.dcm", "-o", tmp_path / "clean.dcm", "--key-file", key, "--pixels", "auto",
         "--report", tmp_path / "r.json", "-q")
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["files"] == {"total": 1, "deidentified": 1, "failed": 0, "skipped": 0}
    assert r["pixels"]["by_status"] == {"cleaned": 1} and r["pixels"]["masked_regions"] >= 1
    boxes = r["pixels"]["regions"]
    assert len(boxes) == r["pixels"]["masked_regions"] and boxes[0]["method"] == "detected"
    assert any(b["y"] <= 100 and b["y"] + b["height"] >= 110 for b in boxes)  # over the drawn text
    assert "SMITH" not in (tmp_path / "r.json").read_text()
    # A file that cannot be read: a report of one failure, without its path.
    (tmp_path / "junk.dcm").write_bytes(b"not a dicom file at all" * 10)
    bad = veil("deid", tmp_path / "junk.dcm", "-o", tmp_path / "junk-out.dcm", "--key-file", key,
               "--report", tmp_path / "bad.json", check=False)
    assert bad.returncode == 1
    b = json.loads((tmp_path / "bad.json").read_text())
    assert b["files"]["failed"] == 1 and b["failures_by_reason"] == {"not-dicom": 1}
    assert not (tmp_path / "junk-out.dcm").exists()


def test_single_file_keeps_its_transfer_syntax(tmp_path, key):
    for name in ["mr_implicit_vr.dcm", "ct_deflated.dcm", "mr_study1.dcm"]:
        src = pydicom.dcmread(EXAMPLES / name)
        veil("deid", EXAMPLES / name, "-o", tmp_path / name, "--key-file", key)
        out = pydicom.dcmread(tmp_path / name)
        assert out.file_meta.TransferSyntaxUID == src.file_meta.TransferSyntaxUID
        assert out.PatientIdentityRemoved == "YES"
        assert (out.pixel_array == src.pixel_array).all()


def test_verify_passes_clean_output_and_fails_the_untouched_inputs(tmp_path, key):
    veil("deid", EXAMPLES, "-o", tmp_path / "out", "--key-file", key, "-q")
    ok = veil("verify", tmp_path / "out", "--against", EXAMPLES, "--report", tmp_path / "v.json")
    assert "0 with findings" in ok.stdout
    bad = veil("verify", EXAMPLES, "--against", EXAMPLES, "--report", tmp_path / "bad.json", check=False)
    assert bad.returncode == 1
    assert "removable-attribute" in bad.stdout and "not-marked" in bad.stdout and "name at data set" in bad.stdout
    for f in EXAMPLES.glob("*.dcm"):  # kinds and places only, never the values found
        name = str(pydicom.dcmread(f).PatientName)
        for part in name.replace("^", " ").split():
            if len(part) > 3:
                assert part not in bad.stdout and part not in (tmp_path / "bad.json").read_text()


def test_review_sheet_outlines_the_masked_boxes(tmp_path, key):
    """deid --pixels auto on an image with drawn text, then `veil review`: a PNG with a red outline."""
    import numpy as np
    from PIL import Image

    (tmp_path / "in").mkdir()
    ct_with_a_drawn_name().save_as(tmp_path / "in" / "ct.dcm")
    veil("deid", tmp_path / "in", "-o", tmp_path / "out", "--key-file", key, "--pixels", "auto", "-q")
    r = veil("review", tmp_path / "out", "--sheet", tmp_path / "sheet.png", "--thumbnail", "128")
    assert (tmp_path / "sheet.png").is_file(), r.stdout
    sheet = np.asarray(Image.open(tmp_path / "sheet.png").convert("RGB")).astype(int)
    red = (sheet[..., 0] > 200) & (sheet[..., 1] < 60) & (sheet[..., 2] < 60)
    ys, xs = np.nonzero(red)
    assert red.sum() > 20 and ys.min() > 60  # the outline sits over the text near the bottom
    # No cleaned image, no sheet.
    veil("deid", EXAMPLES, "-o", tmp_path / "plain", "--key-file", key, "--pixels", "off", "-q")
    none = veil("review", tmp_path / "plain", "--sheet", tmp_path / "none.png")
    assert "no cleaned images" in none.stdout and not (tmp_path / "none.png").exists()


def test_palette_indices_past_the_table_do_not_kill_the_process(tmp_path, key):
    """A palette of 200 entries and pixels up to 255: GDCM asserts on such indices; veil clamps them."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont
    from pydicom.uid import ExplicitVRLittleEndian

    ds = pydicom.dcmread(pydicom.data.get_testdata_file("CT_small.dcm"))
    canvas = Image.new("L", (128, 128), 20)
    ImageDraw.Draw(canvas).text((4, 100), "SMITH ANNA", fill=255, font=ImageFont.load_default())
    arr = np.asarray(canvas).astype(np.uint8)
    ds.Modality = "OT"
    ds.PhotometricInterpretation = "PALETTE COLOR"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.SamplesPerPixel = 1
    for colour in ("Red", "Green", "Blue"):
        setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [200, 0, 16])
        setattr(ds, f"{colour}PaletteColorLookupTableData", (np.arange(200, dtype=np.uint16) * 300).tobytes())
        ds[f"{colour}PaletteColorLookupTableDescriptor"].VR = "US"
    for kw in ("RescaleIntercept", "RescaleSlope", "WindowCenter", "WindowWidth"):
        if kw in ds:
            delattr(ds, kw)
    ds.PixelData = arr.tobytes()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    (tmp_path / "in").mkdir()
    ds.save_as(tmp_path / "in" / "pal.dcm", write_like_original=False)
    r = veil("deid", tmp_path / "in", "-o", tmp_path / "out", "--key-file", key, "--pixels", "auto",
             "--no-supervisor", "--report", tmp_path / "r.json", check=False)
    assert r.returncode == 0, r.stderr
    out = next((tmp_path / "out").rglob("*.dcm"))
    assert pydicom.dcmread(out).PhotometricInterpretation == "PALETTE COLOR"
