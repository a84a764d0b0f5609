// The `veil` command: deid, profile show, keygen, actions.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "veil/veil.h"

namespace fs = std::filesystem;

namespace {

constexpr int kExitOk = 0, kExitSomeFailed = 1, kExitUsage = 2;

struct DeidArgs {
  std::vector<std::string> inputs;
  std::string output;
  std::string profile = "basic";
  std::vector<std::string> options;
  std::string key_file;
  std::string lookup;
  std::string report;
  std::string layout = "uids";
  bool report_paths = false;
  bool quiet = false;
};

veil::Profile build_profile(const std::string& name, const std::vector<std::string>& options) {
  veil::Profile p = veil::Profile::load(name);
  for (const auto& o : options) {
    auto opt = veil::parse_option(o);
    if (!opt) {
      std::string names;
      for (const auto& i : veil::options()) names += fmt::format(" {}", i.name);
      throw veil::Exception(fmt::format("unknown option '{}'; options are:{}", o, names));
    }
    p.enable(*opt);
  }
  return p;
}

// Every regular file under `root`, sorted so that runs are repeatable.
std::vector<fs::path> walk(const fs::path& root) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

bool read_file(const fs::path& path, std::vector<std::byte>& bytes) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return false;
  bytes.resize(static_cast<std::size_t>(f.tellg()));
  f.seekg(0);
  return static_cast<bool>(f.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())));
}

std::string safe_component(const std::string& s, const char* fallback) { return s.empty() ? fallback : s; }

int run_deid(const DeidArgs& a) {
  veil::Profile profile = build_profile(a.profile, a.options);
  std::optional<fs::path> key_path;
  if (!a.key_file.empty()) key_path = a.key_file;
  bool created = false;
  veil::Key key = veil::Key::resolve(key_path, &created);
  if (created)
    fmt::print(stderr, "veil: created a new key at {} (mode 0600); keep it: the same key gives the same pseudonyms\n",
               key.path().string());
  veil::DeidentifierOptions opts;
  if (!a.lookup.empty()) opts.lookup_table = a.lookup;
  veil::Deidentifier deid(profile, std::move(key), opts);

  // (input file, root it was found under); a single-file input has no root.
  std::vector<std::pair<fs::path, fs::path>> jobs;
  for (const auto& in : a.inputs) {
    fs::path p(in);
    if (fs::is_directory(p)) {
      for (auto& f : walk(p)) jobs.emplace_back(f, p);
    } else if (fs::is_regular_file(p)) {
      jobs.emplace_back(p, fs::path());
    } else {
      throw veil::Exception(fmt::format("input not found: {}", in));
    }
  }
  fs::path out_root(a.output);
  bool single_file_out = jobs.size() == 1 && jobs[0].second.empty() && !fs::is_directory(out_root) &&
                         a.output.back() != '/';

  std::array<std::uint64_t, veil::kActionCount> totals{};
  std::uint64_t ok = 0, unknown = 0, private_removed = 0, bytes_in = 0;
  std::map<std::string, std::uint64_t> failures;
  std::vector<std::string> written;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto& [in, root] = jobs[i];
    auto name = [&] { return a.report_paths ? in.string() : fmt::format("input #{}", i + 1); };
    std::vector<std::byte> bytes;
    if (!read_file(in, bytes)) {
      failures["io"]++;
      fmt::print(stderr, "veil: {}: io: cannot read the input\n", name());
      continue;
    }
    bytes_in += bytes.size();
    std::vector<std::byte> out;
    auto r = deid.deidentify_bytes(bytes, out);
    if (!r) {
      failures[std::string(veil::to_string(r.error().code))]++;
      fmt::print(stderr, "veil: {}: {}: {}\n", name(), veil::to_string(r.error().code), r.error().message);
      continue;
    }
    fs::path target;
    if (single_file_out) {
      target = out_root;
    } else if (a.layout == "mirror") {
      target = out_root / (root.empty() ? in.filename() : fs::relative(in, root));
    } else {
      target = out_root / safe_component(r->patient_pseudonym, "NO_PATIENT_ID") /
               safe_component(r->study_instance_uid, "NO_STUDY") / safe_component(r->series_instance_uid, "NO_SERIES") /
               (r->sop_instance_uid + ".dcm");
    }
    if (auto err = veil::write_file_atomically(target, out)) {
      failures["io"]++;
      fmt::print(stderr, "veil: {}: io: {}\n", name(), err->message);
      continue;
    }
    ++ok;
    for (int k = 0; k < veil::kActionCount; ++k) totals[k] += r->counts[k];
    unknown += r->unknown_public_removed;
    private_removed += r->private_removed;
    written.push_back(target.string());
  }

  std::uint64_t failed = 0;
  for (auto& [k, v] : failures) failed += v;
  if (!a.quiet) {
    fmt::print("veil {}: profile '{}' (PS3.15 {}", veil::version(), profile.name(), veil::Profile::table_edition());
    for (auto o : profile.enabled_options()) fmt::print(", {}", veil::info(o).name);
    fmt::print(")\n");
    fmt::print("de-identified {} of {} files into {}\n", ok, jobs.size(), a.output);
    std::string changes;
    for (const auto& info : veil::actions())
      if (totals[static_cast<int>(info.action)])
        changes += fmt::format(" {} {},", info.name, totals[static_cast<int>(info.action)]);
    if (!changes.empty()) changes.pop_back();
    fmt::print("elements:{}\n", changes.empty() ? " none" : changes);
    fmt::print("private elements removed: {}; public attributes unknown to PS3.6 {} removed: {}\n", private_removed,
               veil::Profile::dictionary_edition(), unknown);
    if (failed) {
      std::string reasons;
      for (auto& [k, v] : failures) reasons += fmt::format(" {} {},", k, v);
      reasons.pop_back();
      fmt::print("failed: {} ({}){}\n", failed, reasons.substr(1),
                 a.report_paths ? "" : "; rerun with --report-paths to name the files");
    }
  }
  if (!a.report.empty()) {
    nlohmann::json j;
    j["veil_version"] = veil::version();
    j["profile"] = profile.name();
    j["table_edition"] = veil::Profile::table_edition();
    j["dictionary_edition"] = veil::Profile::dictionary_edition();
    j["options"] = nlohmann::json::array();
    for (auto o : profile.enabled_options()) j["options"].push_back(veil::info(o).name);
    j["files"] = {{"total", jobs.size()}, {"deidentified", ok}, {"failed", failed}};
    j["failures_by_reason"] = failures;
    j["bytes_in"] = bytes_in;
    for (const auto& info : veil::actions()) j["counts"][std::string(info.name)] = totals[static_cast<int>(info.action)];
    j["unknown_public_removed"] = unknown;
    j["private_removed"] = private_removed;
    std::ofstream(a.report) << j.dump(2) << "\n";
  }
  return failed ? kExitSomeFailed : kExitOk;
}

int run_profile_show(const std::string& name, const std::vector<std::string>& options) {
  veil::Profile p = build_profile(name, options);
  fmt::print("# profile {}: PS3.15 {} Table E.1-1, PS3.6 {} dictionary; options:", p.name(),
             veil::Profile::table_edition(), veil::Profile::dictionary_edition());
  if (p.enabled_options().empty()) fmt::print(" none");
  for (auto o : p.enabled_options()) fmt::print(" {}", veil::info(o).name);
  fmt::print("\n# composite codes (Z/D, X/Z, X/D, X/Z/D, X/Z/U*) are resolved per file by the IOD Type\n");
  fmt::print("{:<20} {:<52} {:<7} {}\n", "tag", "keyword", "basic", "effective");
  for (const auto& r : p.rows())
    fmt::print("{:<20} {:<52} {:<7} {}\n", r.tag, r.keyword.empty() ? "-" : r.keyword, veil::to_string(r.basic),
               veil::to_string(r.effective));
  fmt::print("# public attributes not listed: kept (UIDs not naming a class or syntax are mapped)\n");
  fmt::print("# public attributes absent from the PS3.6 {} dictionary: {}\n", veil::Profile::dictionary_edition(),
             p.remove_unknown_public() ? "removed" : "kept");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"veil: DICOM de-identification (DICOM PS3.15 Annex E)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(veil::version()));

  DeidArgs d;
  auto* deid = app.add_subcommand("deid", "de-identify files or directory trees");
  deid->add_option("inputs", d.inputs, "input files or directories")->required();
  deid->add_option("-o,--output", d.output, "output file or directory")->required();
  deid->add_option("--profile", d.profile, "preset (basic, research) or YAML profile file")->capture_default_str();
  deid->add_option("--option", d.options, "enable a profile option (repeatable), e.g. retain_uids");
  deid->add_option("--key-file", d.key_file, "file holding the pseudonym key (else $VEIL_KEY_FILE, else the per-user key)");
  deid->add_option("--lookup", d.lookup, "CSV: original PatientID,subject ID[,subject name]");
  deid->add_option("--report", d.report, "write a JSON summary here");
  deid->add_option("--layout", d.layout, "output layout: uids (patient/study/series/instance) or mirror")
      ->check(CLI::IsMember({"uids", "mirror"}))
      ->capture_default_str();
  deid->add_flag("--report-paths", d.report_paths, "name input files in errors (paths may hold PHI)");
  deid->add_flag("-q,--quiet", d.quiet, "print nothing but errors");

  std::string show_profile = "basic";
  std::vector<std::string> show_options;
  auto* profile = app.add_subcommand("profile", "inspect profiles");
  profile->require_subcommand(1);
  auto* show = profile->add_subcommand("show", "list the action in force for every attribute of Table E.1-1");
  show->add_option("--profile", show_profile, "preset or YAML file")->capture_default_str();
  show->add_option("--option", show_options, "enable a profile option (repeatable)");

  std::string keygen_out;
  auto* keygen = app.add_subcommand("keygen", "write a new random key file (mode 0600)");
  keygen->add_option("-o,--output", keygen_out, "where to write it (default: the per-user key)");

  auto* actions = app.add_subcommand("actions", "list the actions veil performs");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*deid) return run_deid(d);
    if (*show) return run_profile_show(show_profile, show_options);
    if (*keygen) {
      fs::path p = keygen_out.empty() ? veil::Key::default_path() : fs::path(keygen_out);
      veil::Key::generate(p);
      fmt::print("veil: wrote a new key to {} (mode 0600)\n", p.string());
      return kExitOk;
    }
    if (*actions) {
      for (const auto& a : veil::actions()) fmt::print("{:<10} {:<4} {}\n", a.name, a.letter, a.description);
      return kExitOk;
    }
  } catch (const veil::Exception& e) {
    fmt::print(stderr, "veil: error: {}\n", e.what());
    return kExitUsage;
  } catch (const std::filesystem::filesystem_error& e) {
    fmt::print(stderr, "veil: error: {}\n", e.code().message());
    return kExitUsage;
  }
  return kExitUsage;
}
