// veil.Deidentifier and veil.FileResult (veil/deidentifier.h, result.h, pixel.h). The GIL is
// released while a file is de-identified; results hold counts and boxes, never values.
#include <pybind11/eval.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <fmt/format.h>

#include "module.h"
#include "veil/deidentifier.h"
#include "veil/error.h"
#include "veil/pixel.h"

namespace py = pybind11;

namespace veil::python {
namespace {

PixelMode mode_of(const std::string& name) {
  auto m = parse_pixel_mode(name);
  if (!m) throw Exception(fmt::format("unknown pixel mode '{}' (off, rules, auto, ocr)", name));
  return *m;
}

// A per-file failure as a Python exception carrying its reason code.
[[noreturn]] void raise(const Error& e) {
  py::object cls = py::module_::import("veil._veil").attr("FileError");
  PyErr_SetObject(cls.ptr(), py::make_tuple(std::string(to_string(e.code)), e.message).ptr());
  throw py::error_already_set();
}

}  // namespace

void bind_deidentifier(py::module_& m) {
  py::exec(R"(
class FileError(Error):
    """One file could not be de-identified: `reason` is its code (veil.error_codes()), `message`
    says why without any value from the file."""
    def __init__(self, reason, message):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
)", m.attr("__dict__"));

  py::class_<MaskedRegion>(m, "MaskedRegion", "A rectangle masked in the pixel data.")
      .def_readonly("frame", &MaskedRegion::frame, "-1: every frame")
      .def_readonly("x", &MaskedRegion::x)
      .def_readonly("y", &MaskedRegion::y)
      .def_readonly("width", &MaskedRegion::width)
      .def_readonly("height", &MaskedRegion::height)
      .def_readonly("method", &MaskedRegion::method, "'rule:<name>', 'us-regions', 'detected' or 'ocr:<kind>'")
      .def("__repr__", [](const MaskedRegion& r) {
        return fmt::format("veil.MaskedRegion(frame={}, x={}, y={}, width={}, height={}, method='{}')", r.frame, r.x,
                           r.y, r.width, r.height, r.method);
      });

  py::class_<FileResult>(m, "FileResult", "What de-identifying one file did. Holds no value from the file.")
      .def_property_readonly(
          "counts",
          [](const FileResult& r) {
            py::dict d;
            for (const auto& a : actions()) d[py::str(std::string(a.name))] = r.count(a.action);
            return d;
          },
          "Elements per action, e.g. {'remove': 12, 'uid': 4, ...}.")
      .def_readonly("unknown_public_removed", &FileResult::unknown_public_removed)
      .def_readonly("private_removed", &FileResult::private_removed)
      .def_readonly("private_kept", &FileResult::private_kept)
      .def_readonly("transfer_syntax", &FileResult::transfer_syntax, "UID of the input's transfer syntax")
      .def_readonly("sop_class_uid", &FileResult::sop_class_uid)
      .def_readonly("sop_instance_uid", &FileResult::sop_instance_uid, "the new (pseudonymous) UID")
      .def_readonly("study_instance_uid", &FileResult::study_instance_uid)
      .def_readonly("series_instance_uid", &FileResult::series_instance_uid)
      .def_readonly("patient_pseudonym", &FileResult::patient_pseudonym)
      .def_readonly("input_bytes", &FileResult::input_bytes)
      .def_readonly("output_bytes", &FileResult::output_bytes)
      .def_readonly("pixel_status", &FileResult::pixel_status,
                    "'off', 'not-selected', 'no-text', 'cleaned' or 'overlay-removed'")
      .def_readonly("masked_regions", &FileResult::masked_regions)
      .def_readonly("phi_words_in_pixels", &FileResult::phi_words_in_pixels)
      .def_property_readonly(
          "changes",
          [](const FileResult& r) {
            std::vector<std::pair<std::vector<std::uint32_t>, std::string>> out;
            for (const auto& c : r.changes) out.emplace_back(c.path, std::string(actions()[static_cast<int>(c.action)].name));
            return out;
          },
          "(tag path, action) of every element removed or replaced.")
      .def("__repr__", [](const FileResult& r) {
        return fmt::format("veil.FileResult(sop_instance_uid='{}', pixel_status='{}')", r.sop_instance_uid,
                           r.pixel_status);
      });

  py::class_<Deidentifier>(m, "Deidentifier",
                           "De-identifies files or bytes under one profile and key. Not thread-safe: "
                           "use one per thread (clone() shares the compiled profile).")
      .def(py::init([](const Profile& profile, const Key& key, const std::string& pixels,
                       std::optional<std::filesystem::path> lookup, int pixel_margin, bool us_regions_only,
                       std::optional<std::filesystem::path> pixel_rules, bool check) {
             DeidentifierOptions o;
             o.check_output = check;
             o.lookup_table = std::move(lookup);
             o.pixels.mode = mode_of(pixels);
             o.pixels.margin = pixel_margin;
             o.pixels.blank_outside_us_regions = us_regions_only;
             o.pixels.rules_file = std::move(pixel_rules);
             return Deidentifier(profile, key, o);
           }),
           py::arg("profile"), py::arg("key"), py::kw_only(), py::arg("pixels") = "rules",
           py::arg("lookup") = py::none(), py::arg("pixel_margin") = 4, py::arg("us_regions_only") = false,
           py::arg("pixel_rules") = py::none(), py::arg("check") = true,
           "pixels: 'off', 'rules', 'auto' or 'ocr'; lookup: CSV original ID -> subject ID[, name]; check: search "
           "every output for its input's identifying values before writing it (a hit is FileError 'residual-phi').")
      .def("clone", &Deidentifier::clone, "Another worker sharing this one's compiled profile and key.")
      .def(
          "deidentify_file",
          [](Deidentifier& d, const std::filesystem::path& in, const std::filesystem::path& out, bool durable) {
            Expected<FileResult> r = Error{ErrorCode::kIo, ""};
            {
              py::gil_scoped_release release;
              r = d.deidentify_file(in, [&](const FileResult&) { return out; }, Deidentifier::WriteMode{durable, true});
            }
            if (!r) raise(r.error());
            return *r;
          },
          py::arg("input"), py::arg("output"), py::kw_only(), py::arg("durable") = true,
          "Writes `output` (temporary file, fsync unless durable=False, rename). Raises veil.FileError on a "
          "per-file failure.")
      .def(
          "deidentify_bytes",
          [](Deidentifier& d, const py::bytes& data) {
            std::string_view in = data;
            std::vector<std::byte> out;
            Expected<FileResult> r = Error{ErrorCode::kIo, ""};
            {
              py::gil_scoped_release release;
              r = d.deidentify_bytes({reinterpret_cast<const std::byte*>(in.data()), in.size()}, out);
            }
            if (!r) raise(r.error());
            return py::make_tuple(py::bytes(reinterpret_cast<const char*>(out.data()), out.size()), *r);
          },
          py::arg("data"), "(output bytes, FileResult). Raises veil.FileError on a per-file failure.")
      .def_property_readonly("profile", &Deidentifier::profile, py::return_value_policy::copy);
}

}  // namespace veil::python
