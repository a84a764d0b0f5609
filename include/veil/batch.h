// Archive-scale runs: a parallel pipeline over directory trees or file lists, crash-isolated,
// resumable, with quarantine, a PHI-free report and audit log.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "veil/action.h"
#include "veil/deidentifier.h"

namespace veil {

enum class Layout {
  kUids,    // OUT/<patient pseudonym>/<study UID>/<series UID>/<SOP instance UID>.dcm
  kMirror,  // OUT/<path relative to the input directory>: input folder names may hold PHI
};

struct BatchProgress {
  std::uint64_t done = 0;    // de-identified
  std::uint64_t failed = 0;  // quarantined or failed
  std::uint64_t skipped = 0; // completed by an earlier run (--resume)
  std::uint64_t bytes_in = 0;
  double seconds = 0;
};

struct BatchOptions {
  std::vector<std::filesystem::path> inputs;        // files or directories, walked lazily
  std::optional<std::filesystem::path> list_file;   // one path per line; "-" reads stdin
  std::filesystem::path output;
  Layout layout = Layout::kUids;
  int threads = 0;                                  // 0: every core
  std::optional<std::filesystem::path> quarantine;  // copies of failed inputs (0700 / 0600)
  std::optional<std::filesystem::path> audit;       // one JSON line per file, no PHI
  bool report_paths = false;                        // name failed inputs in the report
  bool resume = false;                              // skip inputs the journal lists as completed
  double file_timeout_seconds = 0;                  // supervised runs: 0 = none
  std::uint64_t memory_limit_bytes = 0;             // supervised runs: address space per worker; 0 = none
  std::function<void(const BatchProgress&)> progress;  // called from one thread, about twice a second
  // Journal, list of masked boxes, spooled stdin. Default OUT/.veil; batches writing into one
  // output at once (shards on a cluster) each need their own.
  std::optional<std::filesystem::path> state_dir;

  std::filesystem::path state() const { return state_dir ? *state_dir : output / ".veil"; }
};

struct BatchFailure {
  std::string reason;   // to_string(ErrorCode), or "crash", "timeout", "duplicate"
  std::string message;  // what was wrong, never a value from the file
  std::string path;     // empty unless report_paths
};

// The report lists at most this many failures one by one; failures_by_reason counts them all.
inline constexpr std::size_t kMaxListedFailures = 10000;

struct BatchReport {
  std::uint64_t total = 0, deidentified = 0, failed = 0, skipped = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  double seconds = 0;
  std::map<std::string, std::uint64_t> failures_by_reason;
  std::vector<BatchFailure> failures;  // the first kMaxListedFailures
  std::array<std::uint64_t, kActionCount> counts{};
  std::uint64_t unknown_public_removed = 0, private_removed = 0;
  std::uint64_t worker_restarts = 0;
  std::map<std::string, std::uint64_t> pixels_by_status;  // FileResult::pixel_status of each output
  std::uint64_t masked_regions = 0;
  bool stopped = false;     // a signal or a full disk ended the run before its end
  std::string stop_reason;  // "signal", "disk full"

  int exit_code() const { return stopped ? 3 : failed ? 1 : 0; }
  // Adds one de-identified file's counts (actions, removed attributes, pixel status and boxes).
  void add(const FileResult& r);
};

// In this process: a TBB pipeline (serial source, parallel read/de-identify/write, serial record).
BatchReport run_batch(const Deidentifier& worker, const BatchOptions& options);

// In a worker process supervised by this one. When the worker dies (GDCM's live asserts,
// allocation failures, the per-file time or memory limit), the files it had in flight are
// re-run one at a time in fresh workers, the one that kills a worker is quarantined with reason
// "crash" (or "timeout"), and the batch carries on. Call before any other thread is started.
BatchReport run_batch_supervised(const Deidentifier& worker, const BatchOptions& options);

// Stops runs in progress as after SIGINT: files in flight finish, nothing is left half-written.
void request_stop();

}  // namespace veil
