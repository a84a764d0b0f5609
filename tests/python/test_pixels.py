"""Pixel helpers: numpy views of decoded pixel data, and the text detector on numpy frames."""
import io

import numpy as np
import pytest
import pydicom
from PIL import Image, ImageDraw, ImageFont

import veil
from conftest import PYDICOM_FILES


def test_decoded_pixels_are_a_zero_copy_read_only_view():
    data = (PYDICOM_FILES / "CT_small.dcm").read_bytes()
    img = veil.decode_pixels(data)
    a = img.array
    assert a.shape == (1, 128, 128) and a.dtype == np.int16
    assert not a.flags.writeable and not a.flags.owndata  # a view of veil's buffer
    assert (a[0] == pydicom.dcmread(io.BytesIO(data)).pixel_array).all()
    assert img.array.__array_interface__["data"][0] == a.__array_interface__["data"][0]


def test_colour_and_multiframe_shapes():
    img = veil.decode_pixels((PYDICOM_FILES / "SC_rgb_rle_2frame.dcm").read_bytes())
    assert img.samples == 3 and img.frames == 2
    assert img.array.shape[0] == 2 and 3 in img.array.shape


def test_detect_text_finds_drawn_text_and_nothing_on_a_blank_frame():
    frame = Image.new("L", (320, 120), 0)
    ImageDraw.Draw(frame).text((10, 40), "DOE JOHN 1970-01-02", fill=255, font=ImageFont.load_default())
    big = frame.resize((640, 240))
    grey = np.asarray(big, dtype=np.uint8)
    boxes = veil.detect_text(grey)
    assert boxes, veil.explain_text(grey)
    x, y, w, h = boxes[0]
    assert x <= 30 and y <= 90 and x + w >= 200 and y + h >= 100
    assert veil.detect_text(np.zeros((240, 640), np.uint8)) == []


def test_masks_come_back_in_the_result(key_file):
    d = veil.Deidentifier(veil.Profile(), veil.Key.from_file(key_file), pixels="auto")
    ds = pydicom.dcmread(PYDICOM_FILES / "CT_small.dcm")
    arr = ds.pixel_array.copy()
    canvas = Image.new("L", (128, 128), 0)
    ImageDraw.Draw(canvas).text((4, 100), "SMITH ANNA", fill=255, font=ImageFont.load_default())
    arr[np.asarray(canvas) > 0] = arr.max()
    ds.PixelData = arr.tobytes()
    out, result = veil.deidentify_dataset(ds, d)
    assert result.pixel_status == "cleaned"
    assert result.masked_regions and result.masked_regions[0].method == "detected"
    assert out.BurnedInAnnotation == "NO"


def test_multiframe_without_patient_orientation_is_decoded_and_cleaned(key_file):
    # A fractional segmentation of a slide: per-frame positions on the slide, no orientation in
    # the patient. GDCM's image reader asserted on these (working out a spacing between frames
    # the pixel stage never uses) and took the process with it.
    ds = pydicom.dcmread(PYDICOM_FILES / "CT_small.dcm")
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.66.4"
    ds.Modality = "SEG"
    ds.SegmentationType = "FRACTIONAL"
    for kw in ("ImagePositionPatient", "ImageOrientationPatient", "RescaleIntercept", "RescaleSlope"):
        delattr(ds, kw)
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = 2
    frames = []
    for i in range(2):
        position = pydicom.Dataset()
        position.XOffsetInSlideCoordinateSystem = 20.0 + i
        position.YOffsetInSlideCoordinateSystem = 25.0
        position.ZOffsetInSlideCoordinateSystem = 1.0
        item = pydicom.Dataset()
        item.PlanePositionSlideSequence = [position]
        frames.append(item)
    ds.PerFrameFunctionalGroupsSequence = frames
    measures = pydicom.Dataset()
    measures.PixelSpacing = [0.5, 0.5]
    measures.SliceThickness = 1
    shared = pydicom.Dataset()
    shared.PixelMeasuresSequence = [measures]
    ds.SharedFunctionalGroupsSequence = [shared]
    pixels = np.zeros((2, 128, 128), np.uint8)
    canvas = Image.new("L", (128, 128), 0)
    ImageDraw.Draw(canvas).text((4, 100), "SMITH ANNA", fill=255, font=ImageFont.load_default())
    pixels[1][np.asarray(canvas) > 0] = 255
    ds.PixelData = pixels.tobytes()
    buffer = io.BytesIO()
    ds.save_as(buffer, write_like_original=False)

    img = veil.decode_pixels(buffer.getvalue())
    assert img.frames == 2 and (img.array == pixels).all()
    d = veil.Deidentifier(veil.Profile(), veil.Key.from_file(key_file), pixels="auto")
    out, result = veil.deidentify_dataset(ds, d)
    assert result.pixel_status == "cleaned"
    assert out.BurnedInAnnotation == "NO"
    cleaned = np.frombuffer(out.PixelData, np.uint8).reshape(2, 128, 128)
    assert cleaned[1][np.asarray(canvas) > 0].max() == 0


def rle_single_bit(rows, columns):
    # One RLE segment of literal runs over the packed bits (PS3.5 G.3.1: a header of 16 offsets).
    packed = np.packbits(np.indices((rows, columns)).sum(axis=0) % 2, bitorder="little").tobytes()
    segment = b"".join(bytes([len(packed[i:i + 128]) - 1]) + packed[i:i + 128] for i in range(0, len(packed), 128))
    header = (1).to_bytes(4, "little") + (64).to_bytes(4, "little") + bytes(56)
    return header + segment


def test_single_bit_pixels_are_refused_with_an_error_not_a_crash():
    # GDCM asserts on RLE pixel data of one bit a pixel when asked to decode it.
    ds = pydicom.dcmread(PYDICOM_FILES / "liver_1frame.dcm")
    ds.file_meta.TransferSyntaxUID = pydicom.uid.RLELossless
    ds.PixelData = pydicom.encaps.encapsulate([rle_single_bit(ds.Rows, ds.Columns)])
    ds["PixelData"].is_undefined_length = True
    ds.is_implicit_VR = False
    buffer = io.BytesIO()
    ds.save_as(buffer, write_like_original=False)
    with pytest.raises(veil.Error, match="not 8 or 16 bits"):
        veil.decode_pixels(buffer.getvalue())


def test_slashes_alone_are_not_text():
    # Strands of anatomy running aslant at the corner of pydicom's 64x64 MR_small, three
    # letter-sized bars on flat ground, were boxed as a row of three letters; so were three bars
    # drawn aslant. Slashes alone carry no name, ID or date; a date written with them is text.
    mr = veil.decode_pixels((PYDICOM_FILES / "MR_small.dcm").read_bytes())
    assert veil.detect_text(mr.grey(0)) == []
    frame = Image.new("L", (200, 80), 0)
    draw = ImageDraw.Draw(frame)
    for x in (40, 60, 80):
        draw.line([(x, 50), (x + 12, 30)], fill=255, width=3)
    assert veil.detect_text(np.asarray(frame)) == [], veil.explain_text(np.asarray(frame))
    draw.text((40, 60), "12/04/2019", fill=255, font=ImageFont.load_default())
    dated = np.asarray(frame.resize((400, 160)))
    assert any(y <= 125 and y + h >= 135 for x, y, w, h in veil.detect_text(dated))
