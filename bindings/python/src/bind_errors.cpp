// veil.Error (setup errors: bad profile, key, options) and veil.FileError (one file could not be
// de-identified; carries the reason code). Messages never hold values from the files.
#include <pybind11/stl.h>

#include "module.h"
#include "veil/error.h"

namespace py = pybind11;

namespace veil::python {

void bind_errors(py::module_& m) {
  static py::exception<Exception> error(m, "Error");
  error.doc() = "A setup error: a bad profile, key, option or path.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Exception& e) {
      error(e.what());
    }
  });
  m.def("error_codes", [] {
    std::vector<std::string> out;
    for (auto c : {ErrorCode::kNotDicom, ErrorCode::kTruncated, ErrorCode::kMalformed, ErrorCode::kUnsupported,
                   ErrorCode::kLookupMissing, ErrorCode::kIo, ErrorCode::kNoSpace, ErrorCode::kDuplicate})
      out.emplace_back(to_string(c));
    return out;
  }, "The reason codes a file can fail with.");
}

}  // namespace veil::python
