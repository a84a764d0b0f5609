"""pydicom interoperability: de-identify a ``pydicom.Dataset`` through its bytes."""
from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING, Tuple

from ._veil import Deidentifier, FileResult

if TYPE_CHECKING:  # pydicom is optional
    import pydicom


def deidentify_dataset(dataset: "pydicom.Dataset", worker: Deidentifier) -> Tuple["pydicom.Dataset", FileResult]:
    """De-identifies a pydicom Dataset (with its file meta) and returns a new Dataset and the result.

    The dataset is written as a DICOM file in memory, de-identified by ``worker`` and read back;
    the original is not modified. Raises :class:`veil.FileError` when it cannot be de-identified.
    """
    import pydicom

    buffer = BytesIO()
    pydicom.dcmwrite(buffer, dataset, write_like_original=False)
    out, result = worker.deidentify_bytes(buffer.getvalue())
    return pydicom.dcmread(BytesIO(out)), result
