// veil.Profile, veil.Key and the action/option registries (veil/profile.h, key.h, action.h).
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <fmt/format.h>

#include "module.h"
#include "veil/action.h"
#include "veil/error.h"
#include "veil/key.h"
#include "veil/profile.h"

namespace py = pybind11;

namespace veil::python {
namespace {

Code code_of(const std::string& action) {
  auto c = parse_code(action);
  if (!c) throw Exception(fmt::format("unknown action '{}' (X, Z, D, K, C, U or a composite code)", action));
  return *c;
}

Option option_of(const std::string& name) {
  auto o = parse_option(name);
  if (!o) throw Exception(fmt::format("unknown option '{}'", name));
  return *o;
}

}  // namespace

void bind_profile(py::module_& m) {
  py::class_<Profile>(m, "Profile", "A PS3.15 confidentiality profile: the Basic Profile, options and overrides.")
      .def(py::init<>(), "The Basic Profile with no options.")
      .def_static("preset", [](const std::string& name) { return Profile::preset(name); }, py::arg("name"),
                  "A built-in profile: 'basic' or 'research'.")
      .def_static("presets", &Profile::preset_names, "Names of the built-in profiles.")
      .def_static("from_yaml", [](const std::string& text) { return Profile::from_yaml(text); }, py::arg("text"),
                  "A profile from YAML text (see the README).")
      .def_static("from_file", &Profile::from_yaml_file, py::arg("path"), "A profile from a YAML file.")
      .def_static("load", [](const std::string& s) { return Profile::load(s); }, py::arg("name_or_path"),
                  "A preset name, or else a YAML file.")
      .def("enable", [](Profile& p, const std::string& name) -> Profile& { return p.enable(option_of(name)); },
           py::arg("option"), py::return_value_policy::reference_internal,
           "Enables an option by name (veil.options() lists them); returns the profile.")
      .def(
          "override",
          [](Profile& p, std::optional<std::string> keyword, std::optional<std::uint32_t> tag,
             const std::string& action) -> Profile& {
            if (keyword.has_value() == tag.has_value()) throw Exception("override: give exactly one of keyword= or tag=");
            return keyword ? p.override_keyword(*keyword, code_of(action)) : p.override_tag(*tag, code_of(action));
          },
          py::kw_only(), py::arg("keyword") = py::none(), py::arg("tag") = py::none(), py::arg("action"),
          py::return_value_policy::reference_internal,
          "Applies `action` to an attribute named by keyword or by tag (0xGGGGEEEE); returns the profile.")
      .def("has", [](const Profile& p, const std::string& name) { return p.has(option_of(name)); }, py::arg("option"),
           "Whether an option is enabled.")
      .def_property_readonly("name", &Profile::name, "The profile's name.")
      .def_property_readonly(
          "options",
          [](const Profile& p) {
            std::vector<std::string> out;
            for (Option o : p.enabled_options()) out.emplace_back(info(o).name);
            return out;
          },
          "Names of the enabled options.")
      .def_property_readonly_static("table_edition", [](py::object) { return std::string(Profile::table_edition()); },
                                    "Edition of PS3.15 Table E.1-1 the profiles come from.")
      .def("__repr__", [](const Profile& p) {
        std::string opts;
        for (Option o : p.enabled_options()) opts += fmt::format("{}'{}'", opts.empty() ? "" : ", ", info(o).name);
        return fmt::format("veil.Profile('{}', options=[{}])", p.name(), opts);
      });

  py::class_<Key>(m, "Key", "The secret key behind every pseudonym. Never pass it on a command line.")
      .def_static("from_file", &Key::from_file, py::arg("path"), "Reads a key file (at least 16 bytes).")
      .def_static("from_bytes", [](const py::bytes& b) { return Key::from_bytes(std::string(b)); }, py::arg("data"),
                  "A key from bytes (at least 16).")
      .def_static(
          "resolve", [](std::optional<std::filesystem::path> path) { return Key::resolve(path); },
          py::arg("path") = py::none(), "`path`, else $VEIL_KEY_FILE, else the per-user key (created on first use).")
      .def_static("generate", &Key::generate, py::arg("path"), "Writes a new random key file (mode 0600).")
      .def_property_readonly("path", &Key::path, "Where the key was read from (empty for from_bytes).")
      .def("__repr__", [](const Key& k) { return fmt::format("veil.Key(path='{}')", k.path().string()); });

  m.def("options", [] {
    std::vector<std::string> out;
    for (const auto& o : options()) out.emplace_back(o.name);
    return out;
  }, "Names of the ten PS3.15 options.");
  m.def("actions", [] {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    for (const auto& a : actions()) out.emplace_back(a.name, a.letter, a.description);
    return out;
  }, "(name, letter, description) of every action veil performs.");
}

}  // namespace veil::python
