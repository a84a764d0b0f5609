// Pixel helpers: decoded pixel data as numpy arrays (zero-copy views of the decoded buffer) and
// the text detector on numpy frames (zero-copy input). The GIL is released while they work.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <opencv2/core.hpp>

#include "io/dicom_io.h"
#include "module.h"
#include "pixel/pixel_data.h"
#include "pixel/text_detector.h"
#include "veil/error.h"

namespace py = pybind11;

namespace veil::python {
namespace {

struct Image {
  pixel::DecodedImage decoded;
};

Image decode(const py::bytes& data) {
  std::string_view in = data;
  std::span<const std::byte> bytes{reinterpret_cast<const std::byte*>(in.data()), in.size()};
  Expected<pixel::DecodedImage> d = Error{ErrorCode::kIo, ""};
  {
    py::gil_scoped_release release;
    gdcm::SmartPointer<gdcm::File> file;
    gdcm::Image image;
    if (auto err = io::read(bytes, file, nullptr, &image)) d = *err;
    else d = pixel::DecodedImage::decode(image);
  }
  if (!d) throw Exception(std::string(to_string(d.error().code)) + ": " + d.error().message);
  return Image{std::move(*d)};
}

py::dtype dtype_of(const pixel::DecodedImage& d) {
  if (d.bytes_per_sample() == 1) return py::dtype::of<std::uint8_t>();
  return d.is_signed() ? py::dtype::of<std::int16_t>() : py::dtype::of<std::uint16_t>();
}

// (frames, rows, columns[, samples]) or, planar configuration 1, (frames, samples, rows, columns).
py::array view(py::object self) {
  const auto& d = self.cast<const Image&>().decoded;
  if (d.ybr_422()) throw Exception("YBR_FULL_422 as stored has no plain array form; use grey()");
  ssize_t f = d.frames(), r = d.rows(), c = d.columns(), s = d.samples(), b = d.bytes_per_sample();
  std::vector<ssize_t> shape, strides;
  if (s == 1) shape = {f, r, c}, strides = {r * c * b, c * b, b};
  else if (d.planar_configuration() == 0) shape = {f, r, c, s}, strides = {r * c * s * b, c * s * b, s * b, b};
  else shape = {f, s, r, c}, strides = {s * r * c * b, r * c * b, c * b, b};
  py::array a(dtype_of(d), shape, strides, d.data(), self);  // `self` keeps the buffer alive
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

cv::Mat grey_view(const py::array_t<std::uint8_t, py::array::c_style>& grey) {
  if (grey.ndim() != 2) throw Exception("detect_text takes a 2-D uint8 array (rows, columns)");
  return cv::Mat(static_cast<int>(grey.shape(0)), static_cast<int>(grey.shape(1)), CV_8U,
                 const_cast<std::uint8_t*>(grey.data()));
}

}  // namespace

void bind_pixel(py::module_& m) {
  py::class_<Image>(m, "Image", "Decoded pixel data of one DICOM image.")
      .def_property_readonly("frames", [](const Image& i) { return i.decoded.frames(); })
      .def_property_readonly("rows", [](const Image& i) { return i.decoded.rows(); })
      .def_property_readonly("columns", [](const Image& i) { return i.decoded.columns(); })
      .def_property_readonly("samples", [](const Image& i) { return i.decoded.samples(); })
      .def_property_readonly("photometric", [](const Image& i) { return i.decoded.photometric(); })
      .def_property_readonly("planar_configuration", [](const Image& i) { return i.decoded.planar_configuration(); })
      .def_property_readonly("array", &view,
                             "Read-only numpy view of every frame, without a copy: (frames, rows, columns[, samples]),"
                             " or (frames, samples, rows, columns) for planar configuration 1.")
      .def(
          "grey",
          [](const Image& i, int frame) {
            if (frame < 0 || frame >= i.decoded.frames()) throw py::index_error("frame out of range");
            cv::Mat g = i.decoded.grey8(frame);
            py::array_t<std::uint8_t> out({g.rows, g.cols});
            std::memcpy(out.mutable_data(), g.data, g.total());
            return out;
          },
          py::arg("frame") = 0, "One frame as 8-bit grey, as the text detector sees it.");

  m.def("decode_pixels", &decode, py::arg("data"), "Decodes the pixel data of DICOM bytes (any syntax GDCM reads).");
  m.def(
      "detect_text",
      [](const py::array_t<std::uint8_t, py::array::c_style>& grey) {
        cv::Mat g = grey_view(grey);
        std::vector<cv::Rect> boxes;
        {
          py::gil_scoped_release release;
          boxes = pixel::detect_text(g);
        }
        std::vector<std::tuple<int, int, int, int>> out;
        for (const auto& b : boxes) out.emplace_back(b.x, b.y, b.width, b.height);
        return out;
      },
      py::arg("grey"), "Boxes (x, y, width, height) around text lines in an 8-bit grey frame, without margin.");
  m.def(
      "explain_text",
      [](const py::array_t<std::uint8_t, py::array::c_style>& grey) {
        cv::Mat g = grey_view(grey);
        std::vector<pixel::LineCandidate> rows;
        {
          py::gil_scoped_release release;
          rows = pixel::explain_text(g);
        }
        py::list out;
        for (const auto& l : rows) {
          py::dict d;
          d["box"] = py::make_tuple(l.box.x, l.box.y, l.box.width, l.box.height);
          d["found"] = py::make_tuple(l.found.x, l.found.y, l.found.width, l.found.height);
          d["components"] = l.components;
          d["chars"] = l.chars;
          d["height"] = l.height;
          d["ink"] = l.ink;
          d["aligned"] = l.aligned;
          d["transitions"] = l.transitions;
          d["background"] = l.background;
          d["surround"] = l.surround;
          d["ground"] = l.ground;
          d["beyond"] = l.beyond;
          d["slender"] = l.slender;
          d["open"] = l.open;
          d["lengths"] = l.lengths;
          d["slashes"] = l.slashes;
          d["flat_ink"] = l.flat_ink;
          d["high_contrast"] = l.high_contrast;
          d["ruled"] = l.ruled;
          d["clump"] = l.clump;
          d["text"] = l.text;
          d["rejected_because"] = l.rejected_because;
          d["accepted_because"] = l.accepted_because;
          out.append(d);
        }
        return out;
      },
      py::arg("grey"), "Every row of glyph-like components the detector considered, and its verdict.");
}

}  // namespace veil::python
