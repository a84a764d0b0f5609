// The `veil` command: deid, profile show, keygen, actions.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <functional>
#include <memory>

#include "veil/batch.h"
#include "veil/veil.h"
#include "veil/verify.h"

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
  std::string files_from;
  int threads = 0;
  std::string quarantine;
  std::string audit;
  bool resume = false;
  double file_timeout = 0;
  std::uint64_t memory_limit_mb = 0;
  bool no_supervisor = false;
  std::string pixels = "rules";
  int pixel_margin = 4;
  bool us_regions_only = false;
  std::string pixel_rules;
  std::string pixel_fallback = "jpeg-ls";
  bool no_check = false;
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

void print_summary(const veil::Profile& profile, const veil::BatchReport& r, const DeidArgs& a) {
  fmt::print("veil {}: profile '{}' (PS3.15 {}", veil::version(), profile.name(), veil::Profile::table_edition());
  for (auto o : profile.enabled_options()) fmt::print(", {}", veil::info(o).name);
  fmt::print(")\n");
  double mb = static_cast<double>(r.bytes_in) / 1e6;
  fmt::print("de-identified {} of {} files into {} ({:.1f} s, {:.0f} files/s, {:.1f} MB/s)", r.deidentified, r.total,
             a.output, r.seconds, r.seconds > 0 ? static_cast<double>(r.total) / r.seconds : 0.0,
             r.seconds > 0 ? mb / r.seconds : 0.0);
  if (r.skipped) fmt::print("; {} already done (resume)", r.skipped);
  fmt::print("\n");
  std::string changes;
  for (const auto& info : veil::actions())
    if (r.counts[static_cast<int>(info.action)])
      changes += fmt::format(" {} {},", info.name, r.counts[static_cast<int>(info.action)]);
  if (!changes.empty()) changes.pop_back();
  fmt::print("elements:{}\n", changes.empty() ? " none" : changes);
  fmt::print("private elements removed: {}; public attributes unknown to PS3.6 {} removed: {}\n", r.private_removed,
             veil::Profile::dictionary_edition(), r.unknown_public_removed);
  if (r.failed) {
    std::string reasons;
    for (auto& [k, v] : r.failures_by_reason) reasons += fmt::format(" {} {},", k, v);
    reasons.pop_back();
    fmt::print("failed: {} ({}){}{}\n", r.failed, reasons.substr(1), a.quarantine.empty() ? "" : "; copies in " + a.quarantine,
               a.report_paths ? "" : "; --report-paths names them");
  }
  if (r.stopped) fmt::print("stopped early ({}): run again with --resume to finish\n", r.stop_reason);
}

// `regions`: a single file's masked boxes (a batch lists them in .veil/masks.jsonl).
void write_report(const std::string& path, const veil::Profile& profile, const veil::BatchReport& r,
                  const std::vector<veil::MaskedRegion>* regions = nullptr) {
  nlohmann::json j;
  j["veil_version"] = veil::version();
  j["profile"] = profile.name();
  j["table_edition"] = veil::Profile::table_edition();
  j["dictionary_edition"] = veil::Profile::dictionary_edition();
  j["options"] = nlohmann::json::array();
  for (auto o : profile.enabled_options()) j["options"].push_back(veil::info(o).name);
  j["files"] = {{"total", r.total}, {"deidentified", r.deidentified}, {"failed", r.failed}, {"skipped", r.skipped}};
  j["failures_by_reason"] = r.failures_by_reason;
  bool named = false;
  for (const auto& f : r.failures) named = named || !f.path.empty();
  if (named) {
    for (const auto& f : r.failures)
      j["failures"].push_back({{"reason", f.reason}, {"message", f.message}, {"path", f.path}});
  }
  j["bytes_in"] = r.bytes_in;
  j["bytes_out"] = r.bytes_out;
  j["seconds"] = r.seconds;
  j["files_per_second"] = r.seconds > 0 ? static_cast<double>(r.total) / r.seconds : 0.0;
  j["mb_per_second"] = r.seconds > 0 ? static_cast<double>(r.bytes_in) / 1e6 / r.seconds : 0.0;
  for (const auto& info : veil::actions()) j["counts"][std::string(info.name)] = r.counts[static_cast<int>(info.action)];
  j["unknown_public_removed"] = r.unknown_public_removed;
  j["private_removed"] = r.private_removed;
  j["worker_restarts"] = r.worker_restarts;
  j["pixels"] = {{"by_status", r.pixels_by_status}, {"masked_regions", r.masked_regions}};
  if (regions) {
    j["pixels"]["regions"] = nlohmann::json::array();
    for (const auto& m : *regions)
      j["pixels"]["regions"].push_back(
          {{"frame", m.frame}, {"x", m.x}, {"y", m.y}, {"width", m.width}, {"height", m.height}, {"method", m.method}});
  }
  j["stopped"] = r.stopped;
  if (r.stopped) j["stop_reason"] = r.stop_reason;
  std::ofstream(path) << j.dump(2) << "\n";
}

// Progress on stderr: a live line on a terminal, a plain line every ten seconds otherwise.
std::function<void(const veil::BatchProgress&)> progress_printer(bool quiet) {
  if (quiet) return nullptr;
  bool tty = ::isatty(2);
  auto last = std::make_shared<double>(0.0);
  return [tty, last](const veil::BatchProgress& p) {
    double mbs = p.seconds > 0 ? static_cast<double>(p.bytes_in) / 1e6 / p.seconds : 0.0;
    std::string line = fmt::format("veil: {} files, {} failed, {:.1f} MB/s, {:.0f} s", p.done, p.failed, mbs, p.seconds);
    if (tty) {
      fmt::print(stderr, "\r{:<70}", line);
    } else if (p.seconds - *last >= 10) {
      *last = p.seconds;
      fmt::print(stderr, "{}\n", line);
    }
  };
}

int deid_one_file(veil::Deidentifier& deid, const veil::Profile& profile, const DeidArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  auto r = deid.deidentify_file(a.inputs[0], a.output);
  // The report of a batch of one, with the file's masked boxes.
  veil::BatchReport one;
  one.total = 1;
  one.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (r) {
    one.deidentified = 1;
    one.bytes_in = r->input_bytes;
    one.bytes_out = r->output_bytes;
    one.add(*r);
  } else {
    one.failed = 1;
    one.failures_by_reason[std::string(veil::to_string(r.error().code))] = 1;
  }
  if (!a.report.empty()) write_report(a.report, profile, one, r ? &r->masked_regions : nullptr);
  if (!r) {
    fmt::print(stderr, "veil: {}: {}: {}\n", a.inputs[0], veil::to_string(r.error().code), r.error().message);
    return r.error().code == veil::ErrorCode::kNoSpace ? 3 : kExitSomeFailed;
  }
  if (!a.quiet) {
    fmt::print("veil {}: de-identified {} into {}\n", veil::version(), a.inputs[0], a.output);
    if (r->pixel_status == "cleaned") fmt::print("veil: burned-in text masked: {} boxes\n", r->masked_regions.size());
  }
  std::fflush(stdout);
  return kExitOk;
}

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
  opts.pixels.mode = *veil::parse_pixel_mode(a.pixels);
  opts.pixels.margin = a.pixel_margin;
  opts.check_output = !a.no_check;
  opts.pixels.blank_outside_us_regions = a.us_regions_only;
  if (!a.pixel_rules.empty()) opts.pixels.rules_file = a.pixel_rules;
  opts.pixels.fallback = a.pixel_fallback == "explicit" ? veil::LosslessSyntax::kExplicitLittle : veil::LosslessSyntax::kJpegLs;
  veil::Deidentifier deid(profile, std::move(key), opts);

  // One file to one named file: no batch machinery, but still in a child process, so that a
  // GDCM abort on this file ends in an error message rather than a crash of the command.
  if (a.inputs.size() == 1 && a.files_from.empty() && fs::is_regular_file(a.inputs[0]) &&
      !fs::is_directory(a.output) && a.output.back() != '/') {
    std::fflush(stdout);
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(deid_one_file(deid, profile, a));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    fmt::print(stderr, "veil: {}: crash: the file made the worker process die (GDCM abort)\n", a.inputs[0]);
    return kExitSomeFailed;
  }

  veil::BatchOptions b;
  for (const auto& in : a.inputs) b.inputs.emplace_back(in);
  if (!a.files_from.empty()) b.list_file = a.files_from;
  b.output = a.output;
  b.layout = a.layout == "mirror" ? veil::Layout::kMirror : veil::Layout::kUids;
  b.threads = a.threads;
  if (!a.quarantine.empty()) b.quarantine = a.quarantine;
  if (!a.audit.empty()) b.audit = a.audit;
  b.report_paths = a.report_paths;
  b.resume = a.resume;
  b.file_timeout_seconds = a.file_timeout;
  b.memory_limit_bytes = static_cast<std::uint64_t>(a.memory_limit_mb) << 20;
  b.progress = progress_printer(a.quiet);
  veil::BatchReport r = a.no_supervisor ? veil::run_batch(deid, b) : veil::run_batch_supervised(deid, b);
  if (!a.quiet && ::isatty(2)) fmt::print(stderr, "\n");
  constexpr std::size_t kShown = 50;
  for (std::size_t i = 0; i < r.failures.size() && i < kShown; ++i) {
    const auto& f = r.failures[i];
    fmt::print(stderr, "veil: {}: {}: {}\n", f.path.empty() ? "an input" : f.path, f.reason, f.message);
  }
  if (r.failures.size() > kShown) fmt::print(stderr, "veil: ... and {} more failures\n", r.failures.size() - kShown);
  if (!a.quiet) print_summary(profile, r, a);
  if (!a.report.empty()) write_report(a.report, profile, r);
  return r.exit_code();
}

// Every regular file under `root` (or `root` itself), skipping veil's own .veil state.
std::vector<fs::path> files_under(const fs::path& root) {
  std::vector<fs::path> out;
  if (fs::is_regular_file(root)) return {root};
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == ".veil") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

int run_verify(const std::string& dir, const std::vector<std::string>& against, const veil::Profile& profile,
               const std::string& report) {
  std::optional<veil::PhiIndex> inputs;
  std::size_t unreadable_inputs = 0;
  if (!against.empty()) {
    inputs.emplace(profile);
    for (const auto& root : against)
      for (const auto& f : files_under(root)) {
        std::ifstream in(f, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!inputs->add({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()})) ++unreadable_inputs;
      }
  }
  nlohmann::json j;
  std::size_t files = 0, flagged = 0, findings = 0;
  for (const auto& f : files_under(dir)) {
    veil::FileVerdict v = veil::verify_file(f, profile, inputs ? &*inputs : nullptr);
    ++files;
    if (v.clean()) continue;
    ++flagged;
    findings += v.findings.size();
    std::string rel = fs::relative(f, fs::is_directory(dir) ? fs::path(dir) : fs::path(dir).parent_path()).string();
    for (const auto& finding : v.findings) {
      fmt::print("veil verify: {}: {} at {}\n", rel, finding.kind, finding.where);
      j["files"][rel].push_back({{"kind", finding.kind}, {"where", finding.where}});
    }
  }
  fmt::print("veil verify: {} files checked against profile '{}'{}; {} with findings ({} findings)\n", files,
             profile.name(),
             inputs ? fmt::format(", {} input values searched in every byte ({} inputs unreadable)", inputs->size(),
                                  unreadable_inputs)
                    : std::string(),
             flagged, findings);
  if (!report.empty()) {
    j["checked"] = files;
    j["with_findings"] = flagged;
    j["profile"] = profile.name();
    std::ofstream(report) << j.dump(2) << "\n";
  }
  return flagged ? kExitSomeFailed : kExitOk;
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

int run(int argc, char** argv);

int main(int argc, char** argv) {
  int code = run(argc, argv);
#if VEIL_QUICK_EXIT
  // A finished command leaves without running static destructors (GDCM's dictionaries, the
  // tables): every file and report is closed by then; only what stdio buffers is left to flush.
  std::cout.flush();
  std::fflush(nullptr);
  std::_Exit(code);
#else
  return code;
#endif
}

int run(int argc, char** argv) {
  CLI::App app{"veil: DICOM de-identification (DICOM PS3.15 Annex E)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(veil::version()));

  DeidArgs d;
  auto* deid = app.add_subcommand("deid", "de-identify files or directory trees");
  deid->add_option("inputs", d.inputs, "input files or directories");
  deid->add_option("--files-from", d.files_from, "read input paths from this file, one per line ('-': stdin)");
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
  deid->add_option("--threads", d.threads, "worker threads (default: every core)");
  deid->add_option("--quarantine", d.quarantine, "keep copies of failing inputs here, with reasons (they hold PHI)");
  deid->add_option("--audit", d.audit, "write one JSON line per file (no PHI) here");
  deid->add_flag("--resume", d.resume, "skip inputs a previous run into the same output completed");
  deid->add_option("--file-timeout", d.file_timeout, "seconds one file may take before it is quarantined (0: none)");
  deid->add_option("--memory-limit", d.memory_limit_mb, "address-space limit of the worker process, MB (0: none)");
  deid->add_flag("--no-supervisor", d.no_supervisor, "run in this process: faster start, no crash isolation");
  deid->add_flag("--no-check", d.no_check,
                 "skip the output check (every output is otherwise searched for its input's identifying values "
                 "before it is written; a hit fails the file as residual-phi)");
  deid->add_option("--pixels", d.pixels,
                   "burned-in text: off, rules (images profiles/pixel/rules.yaml selects), auto (every image) or "
                   "ocr (auto, plus Tesseract matching words against this file's header PHI)")
      ->check(CLI::IsMember({"off", "rules", "auto", "ocr"}))
      ->capture_default_str();
  deid->add_option("--pixel-margin", d.pixel_margin, "pixels added around each masked box")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  deid->add_flag("--us-regions-only", d.us_regions_only,
                 "ultrasound: also mask everything outside the Sequence of Ultrasound Regions");
  deid->add_option("--pixel-rules", d.pixel_rules, "YAML pixel rules replacing the built-in ones")
      ->check(CLI::ExistingFile);
  deid->add_option("--pixel-fallback", d.pixel_fallback,
                   "syntax for cleaned images whose own is lossy or not encodable: jpeg-ls (lossless) or explicit")
      ->check(CLI::IsMember({"jpeg-ls", "explicit"}))
      ->capture_default_str();

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

  std::string verify_dir, verify_profile = "basic", verify_report;
  std::vector<std::string> verify_against, verify_options;
  auto* verify = app.add_subcommand("verify", "check de-identified output independently: removable and private "
                                              "attributes left, and (--against) any input value in any output byte");
  verify->add_option("output", verify_dir, "output directory (or file) of `veil deid`")->required();
  verify->add_option("--against", verify_against, "the inputs (files or directories), to search their values");
  verify->add_option("--profile", verify_profile, "the profile the output was made with")->capture_default_str();
  verify->add_option("--option", verify_options, "an option it was made with (repeatable)");
  verify->add_option("--report", verify_report, "write the findings as JSON here (no values, only kinds and places)");

  std::string review_dir, review_sheet = "review.png";
  veil::ReviewOptions review_options;
  auto* review = app.add_subcommand("review", "contact sheets of the images a batch cleaned, masked boxes outlined");
  review->add_option("output", review_dir, "the output directory of a `veil deid` batch")->required();
  review->add_option("--sheet", review_sheet, "PNG to write (more sheets: NAME-2.png, ...)")->capture_default_str();
  review->add_option("--thumbnail", review_options.thumbnail, "thumbnail size in pixels")->capture_default_str();
  review->add_option("--columns", review_options.columns, "thumbnails per row")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*deid) {
      if (d.inputs.empty() && d.files_from.empty()) throw veil::Exception("deid needs inputs or --files-from");
      return run_deid(d);
    }
    if (*show) return run_profile_show(show_profile, show_options);
    if (*keygen) {
      fs::path p = keygen_out.empty() ? veil::Key::default_path() : fs::path(keygen_out);
      veil::Key::generate(p);
      fmt::print("veil: wrote a new key to {} (mode 0600)\n", p.string());
      return kExitOk;
    }
    if (*verify) return run_verify(verify_dir, verify_against, build_profile(verify_profile, verify_options), verify_report);
    if (*review) {
      auto sheets = veil::write_review_sheets(review_dir, review_sheet, review_options);
      for (std::size_t i = 0; i < sheets.images.size(); ++i) fmt::print("#{} {}\n", i + 1, sheets.images[i].string());
      for (const auto& s : sheets.sheets) fmt::print("veil: wrote {}\n", s.string());
      if (sheets.sheets.empty()) fmt::print("veil: no cleaned images in {}\n", review_dir);
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
