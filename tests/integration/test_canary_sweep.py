"""Canary sweep: unique values planted everywhere PHI can hide, then searched for everywhere.

A generator plants canaries in every VR that can hold text, a date or a UID (AE AS CS DA DS DT
IS LO LT PN SH ST TM UC UI UR UT, and text inside OB/UN), in attributes the Basic Profile does
not keep (chosen from profiles/tables/e1-1.tsv and the PS3.6 dictionary), at sequence depth 0
to 5, in private blocks with and without a creator, in the file meta, the preamble, overlays,
curves, the Icon Image Sequence, SR content items and an encapsulated document. `veil deid`
runs with the basic and research presets. With basic, no canary may appear in any output byte,
the report, the audit log, stdout/stderr or a file name; with research, only canaries in
attributes research keeps may remain (and they must).
"""
import csv
import io
import json
import os
import pathlib
import subprocess

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

ROOT = pathlib.Path(__file__).resolve().parents[2]
VEIL = os.environ.get("VEIL_BIN", str(ROOT / "build" / "bin" / "veil"))
TABLES = ROOT / "profiles" / "tables"
BASE = pathlib.Path("/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm")
VRS = ["AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"]
RESEARCH = ["rtn_safe_priv", "rtn_dev_id", "rtn_pat_chars", "rtn_long_modif_dates", "clean_desc"]


def table_rows():
    with open(TABLES / "e1-1.tsv") as f:
        rows = [r for r in csv.reader((l for l in f if not l.startswith("#")), delimiter="\t")]
    header, rows = rows[0], rows[1:]
    return [dict(zip(header, r)) for r in rows]


def dictionary():
    with open(TABLES / "dictionary.tsv") as f:
        rows = [r for r in csv.reader((l for l in f if not l.startswith("#")), delimiter="\t")]
    return {r[0]: (r[1], r[3] == "Y") for r in rows[1:]}


class Canaries:
    """Unique values of every shape a VR allows, and where each was planted."""

    def __init__(self):
        self.n = 0
        self.planted = []  # (value, location, kept_by_research)

    def make(self, vr):
        self.n += 1
        i = self.n
        if vr == "DA":
            return f"18{10 + i % 80:02d}{1 + i % 12:02d}{10 + i % 18:02d}"
        if vr == "DT":
            return f"18{10 + i % 80:02d}{1 + i % 12:02d}{10 + i % 18:02d}0{i % 10}1122"
        if vr == "TM":
            return f"2{i % 4}{10 + i % 50:02d}{10 + i % 49:02d}.{700000 + i}"
        if vr == "UI":
            return f"1.2.826.0.1.3680043.10.777.{900000 + i}"
        if vr in ("DS", "IS"):
            return f"{731900000 + i}"
        if vr == "AS":
            return f"{100 + i % 800:03d}D"[-4:]
        if vr == "CS":
            return f"CNRYCS{i:04d}"
        if vr == "AE":
            return f"CNRYAE{i:04d}"
        if vr == "SH":
            return f"CNRYSH{i:04d}"
        if vr == "PN":
            return f"CNRYFAM{i:04d}^CNRYGIV{i:04d}"
        if vr == "UR":
            return f"http://canary.example/cnry{i:04d}"
        return f"CNRYTXT{i:04d} canary text"

    def plant(self, value, location, kept=False):
        self.planted.append((value, location, kept))
        return value

    def needles(self, value):
        """What to search for: the value, or for names each part (a part alone identifies too)."""
        if "^" in value:
            return value.split("^")
        if value.endswith(" canary text"):
            return [value.split()[0]]
        return [value]


def targets():
    """For each VR, attributes the Basic Profile does not keep, and whether research keeps them."""
    d = dictionary()
    out = {vr: [] for vr in VRS}
    for row in table_rows():
        tag = row["tag"]
        if "x" in tag.lower() or tag not in d or tag.startswith("0000"):
            continue  # patterns, and command elements (not part of a stored data set)
        vr, retired = d[tag]
        vr = vr.split(" or ")[0]
        if vr not in out or row["basic"] in ("K", "C") or len(out[vr]) >= 3:
            continue
        cells = [row.get(c) for c in RESEARCH]
        # Research keeps K as is; C cleans text (a canary is no PHI the cleaner knows, so it
        # stays), keeps times of day, and shifts dates (the original date must go).
        kept = "K" in cells or ("C" in cells and vr not in ("DA", "DT"))
        out[vr].append((int(tag, 16), kept))
    return out


def build(canaries, tmp):
    ds = pydicom.dcmread(BASE)
    # Every VR, at the top level and nested 1 to 5 deep in kept sequences (VOI LUT Sequence is
    # not in Table E.1-1, so the engine keeps it and must process what is inside).
    chosen = targets()
    def fill(target, depth):
        for vr, tags in chosen.items():
            for tag, kept in tags:
                if vr == "UI" and tag in (0x00080018, 0x0020000D, 0x0020000E):
                    continue  # the file's own identity: replaced, and searched for anyway
                value = canaries.make(vr)
                target.add_new(tag, vr, value)
                canaries.plant(value, f"{vr} {tag:08X} depth {depth}", kept)
    fill(ds, 0)
    parent = ds
    for depth in range(1, 6):
        item = Dataset()
        fill(item, depth)
        parent.add_new(0x00283010, "SQ", Sequence([item]))
        parent = item
    # Private blocks: with a creator, without one, text inside OB and UN.
    block = ds.private_block(0x0009, "CANARY CREATOR", create=True)
    block.add_new(0x01, "LO", canaries.plant(canaries.make("LO"), "private LO with creator"))
    block.add_new(0x02, "OB", canaries.plant(canaries.make("LO"), "private OB with creator").encode())
    ds.add_new(0x00111001, "LO", canaries.plant(canaries.make("LO"), "private LO without creator"))
    ds.add_new(0x00131010, "UN", canaries.plant(canaries.make("LO"), "private UN without creator").encode())
    ds.add_new(0x00191010, "UN", canaries.plant(canaries.make("LO"), "unknown-public-like UN").encode())
    # Overlays and curves.
    ds.add_new(0x60004000, "LT", canaries.plant(canaries.make("LT"), "overlay comments"))
    ds.add_new(0x60003000, "OW", canaries.plant(canaries.make("LO"), "overlay data").encode().ljust(32, b"\0"))
    ds.add_new(0x50000022, "LO", canaries.plant(canaries.make("LO"), "curve description"))
    # Icon Image Sequence, SR content, an encapsulated document.
    icon = Dataset()
    icon.add_new(0x00100010, "PN", canaries.plant(canaries.make("PN"), "icon image sequence PN"))
    ds.IconImageSequence = Sequence([icon])
    content = Dataset()
    content.ValueType = "TEXT"
    content.TextValue = canaries.plant(canaries.make("UT"), "SR text value")
    content.add_new(0x0040A123, "PN", canaries.plant(canaries.make("PN"), "SR person name"))
    ds.ContentSequence = Sequence([content])
    ds.add_new(0x00420011, "OB", canaries.plant(canaries.make("LO"), "encapsulated document").encode().ljust(64, b" "))
    # File meta and preamble.
    ds.file_meta.SourceApplicationEntityTitle = canaries.plant(canaries.make("AE"), "file meta AE")
    ds.file_meta.ImplementationVersionName = canaries.plant(f"CNRYIV{canaries.n:04d}", "file meta SH")
    ds.preamble = canaries.plant(canaries.make("LO"), "preamble").encode().ljust(128, b"\0")
    path = tmp / "in" / "canaries.dcm"
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, write_like_original=True)
    return path


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("canary")
    canaries = Canaries()
    src = build(canaries, tmp)
    key = tmp / "key"
    key.write_text("canary-sweep-key-0123456789abcdef\n")
    runs = {}
    for profile in ("basic", "research"):
        out = tmp / f"out-{profile}"
        r = subprocess.run([VEIL, "deid", str(src.parent), "-o", str(out), "--profile", profile, "--key-file", str(key),
                            "--report", str(tmp / f"report-{profile}.json"), "--audit", str(tmp / f"audit-{profile}.jsonl")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        blobs = {"stdout/stderr": (r.stdout + r.stderr).encode(),
                 "report": (tmp / f"report-{profile}.json").read_bytes(),
                 "audit": (tmp / f"audit-{profile}.jsonl").read_bytes(),
                 "file names": "\n".join(str(p) for p in out.rglob("*")).encode()}
        outputs = [p for p in out.rglob("*.dcm")]
        assert len(outputs) == 1
        blobs["output bytes"] = outputs[0].read_bytes()
        runs[profile] = (blobs, pydicom.dcmread(outputs[0]))
    return canaries, runs


def found_in(canaries, blobs, value):
    return [where for where, blob in blobs.items() for n in canaries.needles(value) if n.encode() in blob]


def test_basic_leaves_no_canary_anywhere(sweep):
    canaries, runs = sweep
    blobs, _ = runs["basic"]
    leaks = [(loc, found_in(canaries, blobs, v)) for v, loc, _ in canaries.planted if found_in(canaries, blobs, v)]
    print(f"\nbasic: {len(canaries.planted)} canaries planted in {len({l for _, l, _ in canaries.planted})} "
          f"locations; found: {len(leaks)}")
    assert not leaks, leaks


def test_research_keeps_exactly_what_it_retains(sweep):
    canaries, runs = sweep
    blobs, ds = runs["research"]
    leaks, retained = [], 0
    for value, loc, kept in canaries.planted:
        where = found_in(canaries, {k: v for k, v in blobs.items() if k != "output bytes"}, value)
        assert not where, (loc, where)  # never in a report, log or name
        in_output = bool(found_in(canaries, {"output": blobs["output bytes"]}, value))
        if in_output and not kept:
            leaks.append(loc)
        retained += in_output and kept
    expected = sum(1 for _, _, kept in canaries.planted if kept)
    print(f"\nresearch: {len(canaries.planted)} planted; retained by the profile and present: {retained} of "
          f"{expected}; found where research does not keep: {len(leaks)}")
    assert not leaks, leaks
    assert retained >= 1 and retained >= expected // 2
    assert ds.PatientIdentityRemoved == "YES"
