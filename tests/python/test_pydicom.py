"""pydicom interoperability: Dataset in, Dataset out."""
import pydicom

import veil
from conftest import PYDICOM_FILES


def test_deidentify_dataset_returns_a_new_dataset_and_leaves_the_input(worker):
    ds = pydicom.dcmread(PYDICOM_FILES / "MR_small.dcm")
    name, uid = str(ds.PatientName), ds.SOPInstanceUID
    out, result = veil.deidentify_dataset(ds, worker)
    assert isinstance(out, pydicom.Dataset)
    assert str(out.PatientName) != name and out.SOPInstanceUID == result.sop_instance_uid != uid
    assert str(ds.PatientName) == name  # the caller's dataset is untouched
    assert out.pixel_array.shape == ds.pixel_array.shape
    assert (out.pixel_array == ds.pixel_array).all()


def test_same_key_same_dataset_same_pseudonyms(worker, key_file):
    ds = pydicom.dcmread(PYDICOM_FILES / "CT_small.dcm")
    other = veil.Deidentifier(veil.Profile(), veil.Key.from_file(key_file))
    a, _ = veil.deidentify_dataset(ds, worker)
    b, _ = veil.deidentify_dataset(ds, other)
    assert a.PatientID == b.PatientID and a.StudyInstanceUID == b.StudyInstanceUID
