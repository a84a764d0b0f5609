"""Builds the `veil` Python package with the project's CMake (`pip install . --no-build-isolation`).

The native module `veil._veil` is the CMake target `veil_python_package`, built against the
interpreter running pip. VEIL_BUILD_DIR reuses an existing CMake build tree instead of a
temporary one (the tests do, to avoid a second full build).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = Path(os.environ.get("VEIL_BUILD_DIR") or Path(self.build_temp).resolve() / "cmake")
        if not (build_dir / "CMakeCache.txt").exists():
            subprocess.check_call(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                                   "-DVEIL_BUILD_TESTS=OFF", "-DVEIL_PYTHON=ON", f"-DPython_EXECUTABLE={sys.executable}"])
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "veil_python_package", "-j",
                               str(os.cpu_count() or 1)])
        built = next((build_dir / "python" / "veil").glob("_veil*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


setup(
    packages=["veil"],
    package_dir={"veil": "bindings/python/veil"},
    package_data={"veil": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("veil._veil", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
