"""Type stubs of the veil package (checked against it by tests/python/test_stubs.py)."""
from os import PathLike
from typing import Callable, Iterable, List, Optional, Tuple, Union

import pydicom

from ._veil import (BatchFailure as BatchFailure, BatchProgress as BatchProgress, BatchReport as BatchReport,
                    Deidentifier as Deidentifier, Error as Error, FileError as FileError, FileResult as FileResult,
                    FileVerdict as FileVerdict, Finding as Finding, PhiIndex as PhiIndex, verify_file as verify_file,
                    Image as Image, Key as Key, MaskedRegion as MaskedRegion, Profile as Profile,
                    actions as actions, decode_pixels as decode_pixels, detect_text as detect_text,
                    error_codes as error_codes, explain_text as explain_text, options as options)

__version__: str
_Path = Union[str, PathLike[str]]

def verify(output: _Path, *, against: Iterable[_Path] = (), profile: Optional[Profile] = None) -> List[FileVerdict]: ...
def deidentify_dataset(dataset: pydicom.Dataset, worker: Deidentifier) -> Tuple[pydicom.Dataset, FileResult]: ...
def run_batch(inputs: Iterable[_Path], output: _Path, *, worker: Optional[Deidentifier] = None,
              profile: Optional[Profile] = None, key: Optional[Key] = None, pixels: str = "rules",
              layout: str = "uids", threads: int = 0, quarantine: Optional[_Path] = None,
              audit: Optional[_Path] = None, resume: bool = False, report_paths: bool = False,
              list_file: Optional[_Path] = None, state_dir: Optional[_Path] = None, isolate: bool = True,
              file_timeout: float = 0.0,
              progress: Union[bool, Callable[[BatchProgress], None], None] = None) -> BatchReport: ...
