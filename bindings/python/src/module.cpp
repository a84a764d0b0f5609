#include "module.h"

#include "veil/version.h"

PYBIND11_MODULE(_veil, m) {
  m.doc() = "veil: DICOM de-identification (PS3.15 Annex E) - the native module behind the `veil` package";
  m.attr("__version__") = std::string(veil::version());
  veil::python::bind_errors(m);
  veil::python::bind_profile(m);
  veil::python::bind_deidentifier(m);
  veil::python::bind_batch(m);
  veil::python::bind_pixel(m);
  veil::python::bind_verify(m);
}
