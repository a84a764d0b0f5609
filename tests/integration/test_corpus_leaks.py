"""`veil deid` over every real file we have: ../shared/corpus and pydicom's test files.
With VEIL_DRIVER=python the same checks run through the Python package (veil.run_batch).

For every input pydicom can read, the output must re-read with pydicom and GDCM, carry none of
the input's identifying values outside the pixel data (searched in the raw bytes), keep no
input instance UID, say what was done, and keep references within a series intact.
"""
import collections
import json
import os
import pathlib
import subprocess

import pydicom
import pytest
from pydicom.errors import InvalidDicomError

ROOT = pathlib.Path(__file__).resolve().parents[2]
VEIL = os.environ.get("VEIL_BIN", str(ROOT / "build" / "bin" / "veil"))
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
PYDICOM_FILES = pathlib.Path("/usr/lib/python3/dist-packages/pydicom/data/test_files")
VEIL_IMPLEMENTATION_UID = "2.25.26942572516908143624028499952545006784"
KEY = "corpus-test-key-0123456789abcdef"


def mapped_uid(uid):
    """veil's UID mapping, written independently: 2.25 + the first 128 bits of HMAC-SHA256."""
    import hashlib
    import hmac
    digest = hmac.new(KEY.encode(), b"uid:" + uid.encode(), hashlib.sha256).digest()
    return "2.25." + str(int.from_bytes(digest[:16], "big"))

NAME_KEYWORDS = ["PatientName", "ReferringPhysicianName", "PerformingPhysicianName", "OperatorsName",
                 "NameOfPhysiciansReadingStudy", "PhysiciansOfRecord", "RequestingPhysician"]
VALUE_KEYWORDS = ["PatientID", "PatientBirthDate", "AccessionNumber", "InstitutionName"]
# Placeholder words, and veil's own dummy values (an input already anonymized may hold them).
GENERIC = {"ANONYMOUS", "ANON", "ANONYMIZED", "UNKNOWN", "NONE", "NULL", "TEST", "PATIENT", "DOCTOR", "VEIL",
           "BASIC", "PROFILE", "YES", "NO", "MR", "CT", "19000101", "000000"}


def roots():
    r = [PYDICOM_FILES]
    if SHARED_CORPUS.is_dir():
        r.insert(0, SHARED_CORPUS)
    return r


def inputs():
    for root in roots():
        for p in sorted(root.rglob("*")):
            if p.is_file():
                yield root, p


def walk(ds):
    """Every data element, at every depth."""
    for elem in ds:
        yield elem
        if elem.VR == "SQ" and elem.value is not None:
            for item in elem.value:
                yield from walk(item)


def identifying_values(ds):
    """The byte strings that must not survive: name parts, IDs, birth date, accession, institution.
    A value that is also the file's Manufacturer or model (kept, not identifying) is left out."""
    found = set()
    kept = {str(ds.get(k, "")).strip().upper() for k in ("Manufacturer", "ManufacturerModelName")}
    for elem in walk(ds):
        kw = elem.keyword
        if kw not in NAME_KEYWORDS and kw not in VALUE_KEYWORDS:
            continue
        values = elem.value if elem.VM > 1 and not isinstance(elem.value, (str, bytes)) else [elem.value]
        for v in values:
            text = str(v).strip()
            parts = text.replace("^", " ").replace("=", " ").split() if kw in NAME_KEYWORDS else [text]
            for part in parts:
                if len(part) >= 3 and part.upper() not in GENERIC and not any(part.upper() in k for k in kept):
                    found.add(part)
    return found


def instance_uids(ds):
    """UIDs that identify instances, series, studies...: every UI value except class, syntax and
    scheme UIDs and the standard's own."""
    uids = set()
    for elem in walk(ds):
        if elem.VR != "UI" or elem.value in (None, ""):
            continue
        kw = elem.keyword or ""
        if kw.endswith("ClassUID") or "TransferSyntax" in kw or "CodingScheme" in kw or "ContextUID" in kw:
            continue
        for v in (elem.value if isinstance(elem.value, list) else [elem.value]):
            v = str(v).strip("\0 ")
            if v and not v.startswith("1.2.840.10008.") and len(v) > 8:
                uids.add(v)
    return uids


def without_pixel_data(data):
    """The output bytes with the Pixel Data value cut out (burned-in text is a later issue)."""
    ds = pydicom.dcmread(pydicom.filebase.DicomBytesIO(data), defer_size=None)
    if "PixelData" in ds:
        pixels = ds.PixelData
        at = data.rfind(pixels) if len(pixels) > 16 else -1
        if at >= 0:
            return data[:at] + data[at + len(pixels):]
    return data


def contains(blob, needle):
    """A delimited occurrence: not part of a longer UID, number or word."""
    start = 0
    while True:
        i = blob.find(needle, start)
        if i < 0:
            return False
        before = blob[i - 1:i] if i > 0 else b""
        after = blob[i + len(needle):i + len(needle) + 1]
        if not any(c and (c.isalnum() or c == b".") for c in (before, after)):
            return True
        start = i + 1


class Run:
    def __init__(self, profile, out, report):
        self.profile, self.out, self.report = profile, out, report

    def output_for(self, root, path):
        return self.out / root.name / path.relative_to(root)


def run_veil_python(tmp, profile, key):
    """The same runs through the Python package (VEIL_DRIVER=python): veil.run_batch."""
    import veil
    out = tmp / f"out-{profile}"
    lines = []
    worker = veil.Deidentifier(veil.Profile.load(profile), veil.Key.from_file(key))
    for root in roots():
        report = veil.run_batch([root], out / root.name, worker=worker, layout="mirror", report_paths=True,
                                isolate=True)
        lines += [f"veil: {f.path}: {f.reason}: {f.message}" for f in report.failures]
    return Run(profile, out, "\n".join(lines))


def run_veil(tmp, profile, key):
    if os.environ.get("VEIL_DRIVER") == "python":
        return run_veil_python(tmp, profile, key)
    out = tmp / f"out-{profile}"
    stderr = []
    # One run per root so that --layout mirror keeps each root's relative paths apart.
    for root in roots():
        r = subprocess.run([VEIL, "deid", str(root), "-o", str(out / root.name), "--profile", profile, "--key-file",
                            str(key), "--layout", "mirror", "--report-paths", "-q", "--report",
                            str(tmp / f"report-{profile}-{root.name}.json")], capture_output=True, text=True)
        assert r.returncode in (0, 1), r.stderr
        stderr.append(r.stderr)
    return Run(profile, out, "\n".join(stderr))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if not SHARED_CORPUS.is_dir():
        print(f"\n{SHARED_CORPUS} not present: checking pydicom's test files only")
    tmp = tmp_path_factory.mktemp("corpus")
    key = tmp / "key"
    key.write_text(KEY + "\n")
    runs = {p: run_veil(tmp, p, key) for p in ("basic", "research")}
    readable = []    # pydicom reads the whole data set: checked in full
    unreadable = []  # not DICOM at all for pydicom: veil must refuse them too
    for root, path in inputs():
        try:  # force: data sets without a Part 10 header are DICOM too
            ds = pydicom.dcmread(path, force=True)
            known = [e for e in ds if e.keyword]
        except Exception:  # noqa: BLE001
            ds, known = None, []
        if not known:
            with open(path, "rb") as f:
                part10 = f.read(132)[128:] == b"DICM"
            if not part10:  # a Part 10 file with only private or undecodable content is still DICOM
                unreadable.append((root, path))
            continue
        if not any(k in ds for k in ("SOPClassUID", "PatientName", "PatientID", "StudyInstanceUID")):
            continue  # a fragment pydicom half-reads: neither checkable nor clearly not DICOM
        try:
            for _ in walk(ds):  # some real files hold values pydicom cannot decode: not checkable here
                pass
            readable.append((root, path, ds))
        except Exception:  # noqa: BLE001
            pass
    return runs, readable, unreadable, key


def outputs(run, readable):
    for root, path, ds in readable:
        out = run.output_for(root, path)
        if out.exists():
            yield root, path, ds, out


def test_most_readable_inputs_are_deidentified_and_totals_are_printed(corpus):
    runs, readable, unreadable, _ = corpus
    for name, run in runs.items():
        done = sum(1 for _ in outputs(run, readable))
        rejected = collections.Counter(
            line.split(": ")[2] for line in run.report.splitlines() if line.startswith("veil: /"))
        print(f"\n[{name}] input files {sum(1 for _ in inputs())}, non-DICOM {len(unreadable)}, "
              f"fully readable by pydicom {len(readable)}, "
              f"de-identified {done}, rejected by reason {dict(rejected)}")
        assert done >= 0.9 * len(readable), f"{len(readable) - done} readable files were rejected"


def test_veil_verify_finds_no_input_value_in_any_output(corpus):
    """The independent verifier, over every output of both profiles, against every input."""
    runs, _, _, _ = corpus
    for name, run in runs.items():
        against = [a for root in roots() for a in ("--against", str(root))]
        r = subprocess.run([VEIL, "verify", str(run.out), "--profile", name, *against], capture_output=True, text=True)
        print("\n" + r.stdout.splitlines()[-1])
        assert r.returncode == 0, r.stdout[-3000:]


def test_outputs_reread_with_pydicom_and_gdcm(corpus):
    runs, readable, _, _ = corpus
    failures = []
    for run in runs.values():
        for root, path, _, out in outputs(run, readable):
            try:
                pydicom.dcmread(out)
            except Exception as e:  # noqa: BLE001
                failures.append(f"pydicom {run.profile} {path.relative_to(root)}: {e}")
            r = subprocess.run(["gdcmdump", str(out)], capture_output=True)
            if r.returncode != 0:
                failures.append(f"gdcmdump {run.profile} {path.relative_to(root)}")
    assert not failures, failures[:20]


def test_no_phi_bytes_outside_pixel_data(corpus):
    runs, readable, _, _ = corpus
    leaks, checked = [], 0
    for run in runs.values():
        for root, path, ds, out in outputs(run, readable):
            blob = without_pixel_data(out.read_bytes())
            checked += 1
            for value in identifying_values(ds):
                for form in {value.encode(errors="ignore"), value.upper().encode(errors="ignore")}:
                    if len(form) >= 3 and contains(blob, form):
                        leaks.append(f"{run.profile} {path.relative_to(root)}: {value!r}")
    print(f"\nPHI check: {checked} outputs, {len(leaks)} leaks")
    assert not leaks, "\n".join(leaks[:30])


def test_no_input_instance_uid_survives(corpus):
    runs, readable, _, _ = corpus
    leaks = []
    for run in runs.values():
        for root, path, ds, out in outputs(run, readable):
            blob = out.read_bytes()
            uids = instance_uids(ds) | {str(getattr(ds.file_meta, "MediaStorageSOPInstanceUID", "") or "")}
            for uid in uids:
                if len(uid) > 8 and contains(blob, uid.encode()):
                    leaks.append(f"{run.profile} {path.relative_to(root)}: {uid}")
    assert not leaks, leaks[:20]


def test_file_meta_is_rebuilt_and_the_output_says_what_was_done(corpus):
    runs, readable, _, _ = corpus
    problems = []
    for run in runs.values():
        for root, path, _, out in outputs(run, readable):
            raw = out.read_bytes()
            d = pydicom.dcmread(out)
            meta = d.file_meta
            name = f"{run.profile} {path.relative_to(root)}"
            if raw[:128] != bytes(128):
                problems.append(f"{name}: preamble not zero")
            if "SOPInstanceUID" in d and meta.MediaStorageSOPInstanceUID != d.SOPInstanceUID:
                problems.append(f"{name}: MediaStorageSOPInstanceUID differs")
            if meta.ImplementationClassUID != VEIL_IMPLEMENTATION_UID:
                problems.append(f"{name}: implementation UID")
            if not str(meta.ImplementationVersionName).startswith("VEIL_"):
                problems.append(f"{name}: version name")
            for tag in (0x00020016, 0x00020100, 0x00020102):
                if tag in meta:
                    problems.append(f"{name}: {tag:08X} carried over")
            if d.get("PatientIdentityRemoved") != "YES":
                problems.append(f"{name}: PatientIdentityRemoved")
            if "2024c" not in " ".join(d.get("DeidentificationMethod", [])):
                problems.append(f"{name}: DeidentificationMethod")
            codes = [item.CodeValue for item in d.get("DeidentificationMethodCodeSequence", [])]
            if "113100" not in codes:
                problems.append(f"{name}: CID 7050 code 113100")
    assert not problems, problems[:20]


def test_references_within_a_series_still_resolve(corpus):
    """Series, study and frame of reference stay shared; every UID that refers to another instance
    is mapped exactly as that instance's own SOP Instance UID, so references still resolve."""
    runs, readable, _, _ = corpus
    run = runs["basic"]
    series = collections.defaultdict(list)
    for root, path, ds, out in outputs(run, readable):
        if "SeriesInstanceUID" in ds:
            series[(root, str(ds.SeriesInstanceUID))].append((ds, pydicom.dcmread(out)))
    problems, groups, resolved = [], 0, 0
    for (root, uid), members in series.items():
        if len(members) < 2:
            continue
        groups += 1
        for kw in ("SeriesInstanceUID", "StudyInstanceUID", "FrameOfReferenceUID"):
            after = {str(o.get(kw)) for i, o in members if kw in i and kw in o}
            if len(after) > 1:
                problems.append(f"{root.name} series {uid[-12:]}: {kw} split")
        new_uid = {str(i.SOPInstanceUID): str(o.SOPInstanceUID) for i, o in members if "SOPInstanceUID" in i}
        for sop, new in new_uid.items():
            if new != mapped_uid(sop):
                problems.append(f"{root.name} series {uid[-12:]}: SOP Instance UID not mapped as documented")
        for i, o in members:
            kept = {str(e.value) for e in walk(o) if e.keyword == "ReferencedSOPInstanceUID"}
            for ref in {str(e.value) for e in walk(i) if e.keyword == "ReferencedSOPInstanceUID"}:
                if ref in new_uid and mapped_uid(ref) in kept:
                    resolved += 1 if mapped_uid(ref) == new_uid[ref] else 0
            for ref in kept:
                if not ref.startswith("2.25."):
                    problems.append(f"{root.name} series {uid[-12:]}: unmapped reference {ref}")
    print(f"\nreference check: {groups} multi-file series, {resolved} references between files still resolve")
    assert not problems, problems[:20]


def test_non_dicom_inputs_get_an_error_and_no_output(corpus):
    runs, _, unreadable, _ = corpus
    for run in runs.values():
        produced = [str(path.relative_to(root)) for root, path in unreadable if run.output_for(root, path).exists()]
        assert not produced, produced[:10]


def test_research_keeps_patient_sex(corpus):
    runs, readable, _, _ = corpus
    lost = []
    for root, path, ds, out in outputs(runs["research"], readable):
        sex = str(ds.get("PatientSex", "") or "").strip()
        if sex and str(pydicom.dcmread(out).get("PatientSex", "")).strip() != sex:
            lost.append(str(path.relative_to(root)))
    assert not lost, lost[:10]
