"""Batch runs: crash isolation, time limits, kill -9 and resume, signals, determinism."""
import json
import os
import pathlib
import random
import shutil
import signal
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VEIL = os.environ.get("VEIL_BIN", str(ROOT / "build" / "bin" / "veil"))
EXAMPLES = ROOT / "examples" / "data"
PYDICOM_FILES = pathlib.Path("/usr/lib/python3/dist-packages/pydicom/data/test_files")


def run(*args, env=None, **kw):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("VEIL_FAULT")}
    full_env.update(env or {})
    return subprocess.run([VEIL, *map(str, args)], capture_output=True, text=True, env=full_env, **kw)


def tree(path):
    """Relative path -> bytes of every file under `path`, except veil's own journal."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and ".veil" not in p.parts}


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    path = tmp_path_factory.mktemp("key") / "key"
    path.write_text("batch-test-key-0123456789abcdef\n")
    return path


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """About 3000 real files (pydicom's smaller test files under many names), so that a run on
    one thread lasts a second or two and kills land in the middle of it."""
    root = tmp_path_factory.mktemp("many")
    files = [p for p in PYDICOM_FILES.rglob("*.dcm") if p.is_file() and p.stat().st_size < 64 * 1024]
    for copy in range(3000 // len(files) + 1):
        d = root / f"set{copy}"
        d.mkdir()
        for i, f in enumerate(files):
            (d / f"{i:03d}_{f.name}").write_bytes(f.read_bytes())
    return root


def small_input(tmp_path, names):
    d = tmp_path / "in"
    d.mkdir()
    data = (EXAMPLES / "mr_study1.dcm").read_bytes()
    for i, name in enumerate(names):
        # Distinct instances: change one digit of the SOP Instance UID in place.
        src = (EXAMPLES / ["mr_study1.dcm", "mr_study2.dcm", "mr_implicit_vr.dcm", "ct_deflated.dcm"][i % 4])
        (d / name).write_bytes(src.read_bytes())
    return d


def test_a_worker_killed_by_one_file_loses_only_that_file(tmp_path, key):
    inp = small_input(tmp_path, ["a.dcm", "b.dcm", "crasher.dcm", "d.dcm"])
    r = run("deid", inp, "-o", tmp_path / "out", "--key-file", key, "--quarantine", tmp_path / "q",
            "--report", tmp_path / "r.json", "--layout", "mirror", "--audit", tmp_path / "audit.jsonl",
            env={"VEIL_FAULT_INJECT_ABORT": "crasher.dcm"})
    assert r.returncode == 1, r.stderr
    # The dead worker's audit lines are whole: every line is one JSON record, every input has one.
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert {a["outcome"] for a in audit} == {"ok", "crash"}
    assert len({a["input_sha256"] for a in audit}) == 4
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["failures_by_reason"] == {"crash": 1}
    assert report["files"]["deidentified"] == 3
    assert report["worker_restarts"] >= 1
    assert sorted(p.name for p in (tmp_path / "out").glob("*.dcm")) == ["a.dcm", "b.dcm", "d.dcm"]
    reasons = (tmp_path / "q" / "reasons.tsv").read_text()
    assert "\tcrash\t" in reasons and "crasher.dcm" in reasons
    assert oct((tmp_path / "q").stat().st_mode & 0o777) == "0o700"
    copies = [p for p in (tmp_path / "q").glob("*.dcm")]
    assert len(copies) == 1 and oct(copies[0].stat().st_mode & 0o777) == "0o600"
    assert copies[0].read_bytes() == (inp / "crasher.dcm").read_bytes()


def test_a_file_over_the_time_limit_is_quarantined_and_the_rest_finish(tmp_path, key):
    inp = small_input(tmp_path, ["a.dcm", "slow.dcm", "c.dcm"])
    start = time.monotonic()
    r = run("deid", inp, "-o", tmp_path / "out", "--key-file", key, "--file-timeout", "1",
            "--report", tmp_path / "r.json", env={"VEIL_FAULT_INJECT_HANG": "slow.dcm"}, timeout=60)
    assert time.monotonic() - start < 30
    assert r.returncode == 1, r.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["failures_by_reason"] == {"timeout": 1}
    assert report["files"]["deidentified"] == 2


def test_outputs_do_not_depend_on_thread_count(tmp_path, key, many):
    one = run("deid", many, "-o", tmp_path / "t1", "--key-file", key, "--threads", "1", "-q", "--layout", "mirror")
    two = run("deid", many, "-o", tmp_path / "t2", "--key-file", key, "--threads", "2", "-q", "--layout", "mirror")
    assert one.returncode == two.returncode
    a, b = tree(tmp_path / "t1"), tree(tmp_path / "t2")
    assert len(a) > 50
    assert a == b


@pytest.fixture(scope="module")
def reference(tmp_path_factory, key, many):
    """The uninterrupted run's outputs."""
    out = tmp_path_factory.mktemp("reference") / "out"
    run("deid", many, "-o", out, "--key-file", key, "--layout", "mirror", "-q")
    return tree(out)


SLOW = {"VEIL_FAULT_INJECT_DELAY_MS": "2"}  # ~3000 files x 2 ms: a run of several seconds


@pytest.mark.parametrize("seed", range(10))
def test_kill_9_then_resume_gives_the_uninterrupted_output(tmp_path, key, many, reference, seed):
    out = tmp_path / "out"
    proc = subprocess.Popen([VEIL, "deid", str(many), "-o", str(out), "--key-file", str(key), "--layout", "mirror",
                             "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env={**os.environ, **SLOW})
    time.sleep(random.Random(seed).uniform(0.1, 2.0))  # a moment within the run
    os.killpg(proc.pid, signal.SIGKILL)  # the supervisor and its worker, as a power cut would
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before the kill: the test needs more input"
    assert len(tree(out)) < len(reference)
    r = run("deid", many, "-o", out, "--key-file", key, "--layout", "mirror", "--resume", "--report",
            tmp_path / "r.json")
    assert r.returncode in (0, 1), r.stderr
    assert tree(out) == reference
    assert not list(out.rglob("*.veil-tmp-*"))


def test_sigterm_finishes_files_in_flight_and_exits_3(tmp_path, key, many):
    out = tmp_path / "out"
    proc = subprocess.Popen([VEIL, "deid", str(many), "-o", str(out), "--key-file", str(key), "--layout", "mirror",
                             "--report", str(tmp_path / "r.json")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **SLOW})
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 3
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["stopped"] and report["stop_reason"] == "signal"
    assert not list(out.rglob("*.veil-tmp-*"))
    done = report["files"]["total"]
    r = run("deid", many, "-o", out, "--key-file", key, "--layout", "mirror", "--resume", "--report",
            tmp_path / "r2.json")
    assert r.returncode in (0, 1)
    assert json.loads((tmp_path / "r2.json").read_text())["files"]["skipped"] == done


def test_file_list_from_stdin(tmp_path, key):
    files = sorted(EXAMPLES.glob("*.dcm"))
    r = run("deid", "--files-from", "-", "-o", tmp_path / "out", "--key-file", key,
            input="\n".join(map(str, files)) + "\n")
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == len(files)


def test_audit_log_has_one_line_per_file_and_no_phi(tmp_path, key):
    import pydicom
    r = run("deid", EXAMPLES, "-o", tmp_path / "out", "--key-file", key, "--audit", tmp_path / "audit.jsonl")
    assert r.returncode == 0
    lines = [json.loads(l) for l in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert len(lines) == 4 and all(l["outcome"] == "ok" and len(l["input_sha256"]) == 64 for l in lines)
    text = (tmp_path / "audit.jsonl").read_text()
    for f in EXAMPLES.glob("*.dcm"):
        d = pydicom.dcmread(f)
        for v in [str(d.PatientID), *str(d.PatientName).split("^"), f.name]:
            assert len(v) < 3 or v not in text


def test_same_sop_instance_twice_is_reported_not_overwritten(tmp_path, key):
    d = tmp_path / "in"
    d.mkdir()
    original = (EXAMPLES / "mr_study1.dcm").read_bytes()
    (d / "one.dcm").write_bytes(original)
    (d / "copy.dcm").write_bytes(original)  # identical: the same output, nothing lost
    import pydicom
    other = pydicom.dcmread(EXAMPLES / "mr_study1.dcm")
    other.PixelData = bytes([other.PixelData[0] ^ 0xFF]) + other.PixelData[1:]  # same UIDs, other pixels
    other.save_as(d / "other.dcm")
    r = run("deid", d, "-o", tmp_path / "out", "--key-file", key, "--report", tmp_path / "r.json")
    assert r.returncode == 1
    report = json.loads((tmp_path / "r.json").read_text())
    # The first to be written wins: if it was `other`, both identical copies are duplicates of it.
    duplicates = report["failures_by_reason"]["duplicate"]
    assert list(report["failures_by_reason"]) == ["duplicate"] and duplicates in (1, 2)
    assert report["files"]["deidentified"] == 3 - duplicates
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 1


def test_fuzzer_regressions_are_quarantined_and_the_batch_survives(tmp_path, key):
    regressions = sorted((ROOT / "tests" / "fuzz" / "regressions").glob("*"))
    assert regressions, "tests/fuzz/regressions is empty"
    inp = tmp_path / "in"
    inp.mkdir()
    for f in regressions:
        (inp / f.name).write_bytes(f.read_bytes())
    shutil.copy(EXAMPLES / "mr_study1.dcm", inp / "good1.dcm")
    shutil.copy(EXAMPLES / "ct_deflated.dcm", inp / "good2.dcm")
    r = run("deid", inp, "-o", tmp_path / "out", "--key-file", key, "--quarantine", tmp_path / "q",
            "--report", tmp_path / "r.json", "--memory-limit", "4096", timeout=300)
    assert r.returncode in (0, 1), r.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    files = report["files"]
    assert files["total"] == len(regressions) + 2 == files["deidentified"] + files["failed"]
    assert files["deidentified"] >= 2
    assert len(list((tmp_path / "q").glob("*.dcm"))) == files["failed"]


def test_a_full_disk_stops_the_batch_with_exit_3(tmp_path, key, many):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        r = run("deid", many, "-o", disk / "out", "--key-file", key, "--layout", "mirror",
                "--report", tmp_path / "r.json")
        assert r.returncode == 3, r.stderr
        report = json.loads((tmp_path / "r.json").read_text())
        assert report["stopped"] and report["stop_reason"] == "disk full"
        assert "no-space" not in report["failures_by_reason"]  # not a per-file failure
        assert not list((disk / "out").rglob("*.veil-tmp-*"))
    finally:
        subprocess.run(["umount", str(disk)])
