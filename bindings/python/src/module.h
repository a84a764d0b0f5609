// The `_veil` extension: one binding file per public header, registered from module.cpp.
#pragma once

#include <pybind11/pybind11.h>

namespace veil::python {

void bind_errors(pybind11::module_& m);
void bind_profile(pybind11::module_& m);
void bind_deidentifier(pybind11::module_& m);
void bind_batch(pybind11::module_& m);
void bind_pixel(pybind11::module_& m);
void bind_verify(pybind11::module_& m);

}  // namespace veil::python
