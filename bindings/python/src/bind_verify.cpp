// veil.verify_file, veil.PhiIndex, veil.Finding, veil.FileVerdict (veil/verify.h).
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <fmt/format.h>

#include "module.h"
#include "veil/verify.h"

namespace py = pybind11;

namespace veil::python {

void bind_verify(py::module_& m) {
  py::class_<Finding>(m, "Finding", "One thing the verifier found: its kind and where, never the value.")
      .def_readonly("kind", &Finding::kind)
      .def_readonly("where", &Finding::where)
      .def("__repr__", [](const Finding& f) { return fmt::format("veil.Finding('{}', '{}')", f.kind, f.where); });
  py::class_<FileVerdict>(m, "FileVerdict", "The verifier's findings for one output file.")
      .def_property_readonly("file", [](const FileVerdict& v) { return v.file; })
      .def_readonly("findings", &FileVerdict::findings)
      .def_property_readonly("clean", &FileVerdict::clean);
  py::class_<PhiIndex>(m, "PhiIndex", "Identifying values of input files, to search outputs for.")
      .def(py::init<const Profile&>(), py::arg("profile"))
      .def(
          "add",
          [](PhiIndex& index, const py::bytes& data) {
            std::string_view in = data;
            py::gil_scoped_release release;
            return index.add({reinterpret_cast<const std::byte*>(in.data()), in.size()});
          },
          py::arg("data"), "Adds one input's values (DICOM bytes); False when they do not parse.")
      .def("__len__", &PhiIndex::size)
      .def(
          "search",
          [](const PhiIndex& index, const py::bytes& data) {
            std::string_view in = data;
            py::gil_scoped_release release;
            return index.search({reinterpret_cast<const std::byte*>(in.data()), in.size()});
          },
          py::arg("data"), "Every indexed value found in an output's bytes (outside its pixel data).");
  m.def(
      "verify_file",
      [](const std::filesystem::path& output, const Profile& profile, const PhiIndex* inputs) {
        py::gil_scoped_release release;
        return verify_file(output, profile, inputs);
      },
      py::arg("output"), py::arg("profile"), py::arg("inputs") = py::none(),
      "Checks one output: it parses, is marked, holds no attribute the profile removes and no private "
      "attribute it does not keep, and (with `inputs`) none of the inputs' values.");
}

}  // namespace veil::python
