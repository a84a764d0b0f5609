"""The Python examples run as tests, on the bundled example data."""
import os
import subprocess
import sys

from conftest import ROOT

DATA = ROOT / "examples" / "data"


def run(script, *args):
    env = dict(os.environ)
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "python" / script), *map(str, args)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_files_example(tmp_path, key_file):
    out = run("deid_files.py", DATA, tmp_path / "out", key_file)
    assert "batch: 4 of 4 de-identified" in out


def test_dask_example(tmp_path, key_file):
    out = run("deid_dask.py", DATA, tmp_path / "out", key_file)
    assert '"deidentified": 4' in out
