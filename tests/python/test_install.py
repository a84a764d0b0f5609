"""`pip install . --no-build-isolation` works offline and the installed package imports and runs.

VEIL_BUILD_DIR points setup.py at this build tree, so the test installs what was built rather
than building the library a second time.
"""
import os
import subprocess
import sys

import pytest

from conftest import PYDICOM_FILES, ROOT


def test_pip_install_into_a_venv(tmp_path, key_file):
    build = os.environ.get("VEIL_CMAKE_BINARY_DIR")
    if not build:
        pytest.skip("VEIL_CMAKE_BINARY_DIR not set (run through ctest)")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    env = dict(os.environ, VEIL_BUILD_DIR=build, PIP_NO_INDEX="1")
    env.pop("PYTHONPATH", None)
    r = subprocess.run([str(pip), "install", "--no-build-isolation", "--no-deps", str(ROOT)], capture_output=True,
                       text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    code = ("import veil, pathlib; d = veil.Deidentifier(veil.Profile(), veil.Key.from_file(%r)); "
            "out, r = d.deidentify_bytes(pathlib.Path(%r).read_bytes()); print(veil.__file__, r.sop_instance_uid)"
            % (str(key_file), str(PYDICOM_FILES / "CT_small.dcm")))
    r = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, env=env,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert str(venv) in r.stdout and "2.25." in r.stdout
