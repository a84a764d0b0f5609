// veil._veil.run_batch (veil/batch.h): the native pipeline; the GIL is released while it runs and
// taken back only to call the progress callback.
#include <pybind11/functional.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "module.h"
#include "veil/batch.h"
#include "veil/error.h"

namespace py = pybind11;

namespace veil::python {

void bind_batch(py::module_& m) {
  py::class_<BatchProgress>(m, "BatchProgress", "Counts so far, given to the progress callback.")
      .def_readonly("done", &BatchProgress::done)
      .def_readonly("failed", &BatchProgress::failed)
      .def_readonly("skipped", &BatchProgress::skipped)
      .def_readonly("bytes_in", &BatchProgress::bytes_in)
      .def_readonly("seconds", &BatchProgress::seconds);

  py::class_<BatchFailure>(m, "BatchFailure", "One file that failed: reason code, message, path (if asked).")
      .def_readonly("reason", &BatchFailure::reason)
      .def_readonly("message", &BatchFailure::message)
      .def_readonly("path", &BatchFailure::path);

  py::class_<BatchReport>(m, "BatchReport", "What a batch did; failures are results here, not exceptions.")
      .def_readonly("total", &BatchReport::total)
      .def_readonly("deidentified", &BatchReport::deidentified)
      .def_readonly("failed", &BatchReport::failed)
      .def_readonly("skipped", &BatchReport::skipped)
      .def_readonly("bytes_in", &BatchReport::bytes_in)
      .def_readonly("bytes_out", &BatchReport::bytes_out)
      .def_readonly("seconds", &BatchReport::seconds)
      .def_readonly("failures_by_reason", &BatchReport::failures_by_reason)
      .def_readonly("failures", &BatchReport::failures)
      .def_property_readonly(
          "counts",
          [](const BatchReport& r) {
            py::dict d;
            for (const auto& a : actions()) d[py::str(std::string(a.name))] = r.counts[static_cast<int>(a.action)];
            return d;
          },
          "Elements per action over every file.")
      .def_readonly("unknown_public_removed", &BatchReport::unknown_public_removed)
      .def_readonly("private_removed", &BatchReport::private_removed)
      .def_readonly("pixels_by_status", &BatchReport::pixels_by_status)
      .def_readonly("masked_regions", &BatchReport::masked_regions)
      .def_readonly("worker_restarts", &BatchReport::worker_restarts)
      .def_readonly("stopped", &BatchReport::stopped)
      .def_readonly("stop_reason", &BatchReport::stop_reason)
      .def_property_readonly("exit_code", &BatchReport::exit_code);

  m.def(
      "run_batch",
      [](const Deidentifier& worker, std::vector<std::filesystem::path> inputs, const std::filesystem::path& output,
         std::optional<std::filesystem::path> list_file, const std::string& layout, int threads,
         std::optional<std::filesystem::path> quarantine, std::optional<std::filesystem::path> audit,
         bool report_paths, bool resume, std::optional<std::filesystem::path> state_dir, bool isolate,
         double file_timeout, std::function<void(const BatchProgress&)> progress) {
        BatchOptions o;
        o.inputs = std::move(inputs);
        o.list_file = std::move(list_file);
        o.output = output;
        if (layout != "uids" && layout != "mirror") throw Exception("layout is 'uids' or 'mirror'");
        o.layout = layout == "mirror" ? Layout::kMirror : Layout::kUids;
        o.threads = threads;
        o.quarantine = std::move(quarantine);
        o.audit = std::move(audit);
        o.report_paths = report_paths;
        o.resume = resume;
        o.state_dir = std::move(state_dir);
        o.file_timeout_seconds = file_timeout;
        if (progress)
          o.progress = [progress](const BatchProgress& p) {
            py::gil_scoped_acquire gil;
            progress(p);
          };
        py::gil_scoped_release release;
        return isolate ? run_batch_supervised(worker, o) : run_batch(worker, o);
      },
      py::arg("worker"), py::arg("inputs"), py::arg("output"), py::kw_only(), py::arg("list_file") = py::none(),
      py::arg("layout") = "uids", py::arg("threads") = 0, py::arg("quarantine") = py::none(),
      py::arg("audit") = py::none(), py::arg("report_paths") = false, py::arg("resume") = false,
      py::arg("state_dir") = py::none(), py::arg("isolate") = false, py::arg("file_timeout") = 0.0,
      py::arg("progress") = nullptr,
      "The native batch pipeline (see veil.run_batch for the documented wrapper).");
}

}  // namespace veil::python
