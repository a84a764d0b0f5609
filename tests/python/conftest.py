"""The veil package under test: the build tree's (PYTHONPATH=build/python), or an installed one."""
import pathlib

import pytest

PYDICOM_FILES = pathlib.Path("/usr/lib/python3/dist-packages/pydicom/data/test_files")
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def key_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("key") / "veil.key"
    path.write_text("python-test-key-0123456789abcdef\n")
    return path


@pytest.fixture
def worker(key_file):
    import veil
    return veil.Deidentifier(veil.Profile.preset("basic"), veil.Key.from_file(key_file))
