#include "pipeline/batch_runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <opencv2/core/utility.hpp>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <thread>
#include <fstream>
#include <unordered_set>

#include "pipeline/journal.h"

namespace veil {

namespace {
std::atomic<bool> g_stop{false};
}

void request_stop() { g_stop.store(true); }

namespace pipeline {

namespace fs = std::filesystem;

bool stop_requested() { return g_stop.load(); }

void InFlight::begin(std::uint64_t id, const InputFile& file) {
  std::lock_guard lock(mutex_);
  files_[id] = {std::chrono::steady_clock::now(), file};
}

void InFlight::end(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  files_.erase(id);
}

std::optional<InputFile> InFlight::overdue(std::chrono::duration<double> limit) const {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  for (const auto& [id, entry] : files_)
    if (now - entry.first > limit) return entry.second;
  return std::nullopt;
}

std::string event_line(char kind, const InputFile& file, const std::string& fields) {
  return fmt::format("{}\t{}{}\t{}\t{}\n", kind, fields, fields.empty() ? "" : "\t", file.root.string(), file.path.string());
}

namespace {

constexpr std::uint64_t kMaxBytesInFlight = std::uint64_t{1} << 30;

struct Job {
  std::uint64_t id = 0;
  InputFile file;
  bool ok = false;
  ErrorCode error = ErrorCode::kIo;
  std::string message;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  FileResult result;
  fs::path output;
  std::string input_sha256;
};

void send(int fd, const std::string& line) {
  if (fd >= 0 && ::write(fd, line.data(), line.size()) < 0) {
    // The supervisor is gone; the run finishes on its own.
  }
}

std::string component(const std::string& s, const char* fallback) { return s.empty() ? fallback : s; }

fs::path target_for(const BatchOptions& o, const InputFile& in, const FileResult& r) {
  if (o.layout == Layout::kMirror) return o.output / (in.root.empty() ? in.path.filename() : fs::relative(in.path, in.root));
  return o.output / component(r.patient_pseudonym, "NO_PATIENT_ID") / component(r.study_instance_uid, "NO_STUDY") /
         component(r.series_instance_uid, "NO_SERIES") / (component(r.sop_instance_uid, "NO_INSTANCE") + ".dcm");
}

// Test hooks for the supervisor's recovery paths: a worker that meets the named input aborts or
// hangs, as Debian's GDCM does on some malformed files, or every file takes a while (so that
// tests can interrupt a run at a chosen moment). Inert unless the variables are set.
void fault_injection(const InputFile& file) {
  static const char* abort_on = std::getenv("VEIL_FAULT_INJECT_ABORT");
  static const char* hang_on = std::getenv("VEIL_FAULT_INJECT_HANG");
  static const char* delay_ms = std::getenv("VEIL_FAULT_INJECT_DELAY_MS");  // every file: slow disk
  if (delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(delay_ms)));
  std::string name = file.path.filename().string();
  if (abort_on && name == abort_on) std::abort();
  if (hang_on && name == hang_on) std::this_thread::sleep_for(std::chrono::hours(1));
}

}  // namespace

void remove_stale_temporaries(const fs::path& output) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(output, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec) && it->path().filename().string().find(".veil-tmp-") != std::string::npos)
      fs::remove(it->path(), ec);
}

namespace {

void process(Deidentifier& deid, const BatchOptions& o, Job& job, bool want_hash) {
  fault_injection(job.file);
  if (want_hash) {
    std::ifstream f(job.file.path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    job.input_sha256 = sha256_hex(bytes);
  }
  auto place = [&](const FileResult& r) { return target_for(o, job.file, r); };
  // No fsync per file: outputs are made durable in batches before they are journaled. No
  // replacing: two inputs with one SOP Instance UID must not overwrite each other (an identical
  // output, as after a kill and --resume, is success: memory-free duplicate detection).
  auto r = deid.deidentify_file(job.file.path, place, {.durable = false, .replace = false});
  if (!r) {
    job.error = r.error().code;
    job.message = r.error().message;
    return;
  }
  job.ok = true;
  job.bytes_in = r->input_bytes;
  job.output = target_for(o, job.file, *r);
  job.bytes_out = r->output_bytes;
  job.result = std::move(r.value());
  job.result.changes.clear();  // the per-element list is not kept across a whole archive
}

// Caps the bytes of input being processed at once (a file's memory lives only inside the
// processing stage), so that huge files (multi-frame cines of gigabytes) do not run side by side
// on every thread. A file larger than the cap still runs, alone.
class ByteBudget {
 public:
  explicit ByteBudget(std::uint64_t cap) : cap_(cap) {}
  void acquire(std::uint64_t n) {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return in_flight_ == 0 || in_flight_ + n <= cap_; });
    in_flight_ += n;
  }
  void release(std::uint64_t n) {
    {
      std::lock_guard lock(mutex_);
      in_flight_ -= n;
    }
    freed_.notify_all();
  }

 private:
  std::uint64_t cap_, in_flight_ = 0;
  std::mutex mutex_;
  std::condition_variable freed_;
};

nlohmann::json masked_json(const FileResult& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : r.masked_regions)
    out.push_back({{"frame", m.frame}, {"x", m.x}, {"y", m.y}, {"width", m.width}, {"height", m.height},
                   {"method", m.method}});
  return out;
}

std::string counts_field(const FileResult& r) {
  std::string s;
  for (int i = 0; i < kActionCount; ++i) s += fmt::format("{}{}", i ? "," : "", r.counts[i]);
  return fmt::format("{}\t{}\t{}\t{}:{}", s, r.unknown_public_removed, r.private_removed, r.pixel_status,
                     r.masked_regions.size());
}

}  // namespace

BatchReport run_pipeline(const Deidentifier& worker, const BatchOptions& o, InputSource& source, int event_fd,
                         InFlight* in_flight) {
  const auto start = std::chrono::steady_clock::now();
  int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  // Files are the unit of parallel work: OpenCV's own parallel loops inside one file's pixel
  // stage only add their overhead (its parallel labelling costs a quarter more CPU than the
  // sequential one on an ultrasound frame). Restored when the run ends.
  struct OpenCvThreads {
    int saved = cv::getNumThreads();
    OpenCvThreads() { cv::setNumThreads(1); }
    ~OpenCvThreads() { cv::setNumThreads(saved); }
  } sequential_opencv;
  fs::create_directories(o.output);
  // Under a supervisor the worker only reads the journal; the supervisor writes it.
  Journal journal(o.state(), o.resume, /*writable=*/event_fd < 0);
  std::optional<Quarantine> quarantine;
  if (o.quarantine) quarantine.emplace(*o.quarantine);
  std::optional<LineLog> audit;
  if (o.audit) audit.emplace(*o.audit, o.resume);
  // What the pixel stage masked, for `veil review` (no PHI: output paths and boxes).
  fs::create_directories(o.state());
  LineLog masks(o.state() / "masks.jsonl", o.resume);
  tbb::enumerable_thread_specific<Deidentifier> workers([&] { return worker.clone(); });
  DurableJournal durable(journal, o.output);  // inert when the journal is read-only
  ByteBudget budget(kMaxBytesInFlight);

  BatchReport report;
  std::uint64_t next_id = 0;
  auto last_progress = start;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

  tbb::parallel_pipeline(
      static_cast<std::size_t>(4 * threads),
      tbb::make_filter<void, Job*>(tbb::filter_mode::serial_in_order,
                                   [&](tbb::flow_control& fc) -> Job* {
                                     while (true) {
                                       if (stop_requested()) {
                                         report.stopped = true;
                                         if (report.stop_reason.empty()) report.stop_reason = "signal";
                                         fc.stop();
                                         return nullptr;
                                       }
                                       auto in = source.next();
                                       if (!in) {
                                         fc.stop();
                                         return nullptr;
                                       }
                                       if (o.resume && journal.completed(in->path)) {
                                         ++report.skipped;
                                         send(event_fd, event_line('K', *in));
                                         continue;
                                       }
                                       auto* job = new Job;
                                       job->id = next_id++;
                                       job->file = std::move(*in);
                                       return job;
                                     }
                                   }) &
          tbb::make_filter<Job*, Job*>(tbb::filter_mode::parallel,
                                       [&](Job* job) -> Job* {
                                         send(event_fd, event_line('S', job->file));
                                         std::error_code size_error;
                                         std::uint64_t size = fs::file_size(job->file.path, size_error);
                                         job->bytes_in = size;
                                         budget.acquire(size);  // before the clock of the time limit starts
                                         if (in_flight) in_flight->begin(job->id, job->file);
                                         try {
                                           process(workers.local(), o, *job, audit.has_value());
                                         } catch (const std::exception&) {
                                           job->ok = false;  // never let an exception cancel the pipeline
                                           job->error = ErrorCode::kMalformed;
                                           job->message = "unexpected failure while de-identifying";
                                         }
                                         if (in_flight) in_flight->end(job->id);
                                         budget.release(size);
                                         return job;
                                       }) &
          tbb::make_filter<Job*, void>(tbb::filter_mode::serial_out_of_order, [&](Job* raw) {
            std::unique_ptr<Job> job(raw);
            ++report.total;
            report.bytes_in += job->bytes_in;
            std::string reason = job->ok ? "ok" : std::string(to_string(job->error));
            if (job->ok) {
              ++report.deidentified;
              report.bytes_out += job->bytes_out;
              report.add(job->result);
              if (job->result.pixel_status == "cleaned") {
                nlohmann::json line{{"output", fs::relative(job->output, o.output).string()}};
                line["masked"] = masked_json(job->result);
                masks.write(line.dump());
              }
              durable.add(job->file.path);
            } else if (job->error == ErrorCode::kNoSpace) {
              // Not the file's fault: stop the batch; this input is redone on resume.
              --report.total;
              report.stopped = true;
              report.stop_reason = "disk full";
              request_stop();
              send(event_fd, fmt::format("X\tdisk full\n"));
              return;
            } else {
              ++report.failed;
              ++report.failures_by_reason[reason];
              if (report.failures.size() < kMaxListedFailures)
                report.failures.push_back({reason, job->message, o.report_paths ? job->file.path.string() : std::string()});
              if (quarantine) quarantine->add(job->file.path, reason, job->message);
              durable.add(job->file.path);
            }
            if (audit) {
              nlohmann::json line{{"input_sha256", job->input_sha256}, {"outcome", reason}};
              if (job->ok) {
                line["output"] = fs::relative(job->output, o.output).string();
                for (const auto& a : actions()) line["counts"][std::string(a.name)] = job->result.count(a.action);
                line["unknown_public_removed"] = job->result.unknown_public_removed;
                line["private_removed"] = job->result.private_removed;
                line["pixels"] = job->result.pixel_status;
                if (!job->result.masked_regions.empty()) line["masked"] = masked_json(job->result);
              }
              audit->write(line.dump());
            }
            send(event_fd, event_line('D', job->file,
                                      fmt::format("{}\t{}\t{}\t{}\t{}", reason, job->bytes_in, job->bytes_out,
                                                  counts_field(job->result), job->ok ? "" : job->message)));
            auto now = std::chrono::steady_clock::now();
            if (o.progress && now - last_progress > std::chrono::milliseconds(500)) {
              last_progress = now;
              o.progress({report.deidentified, report.failed, report.skipped, report.bytes_in, elapsed()});
            }
          }));
  if (report.stopped) durable.flush();  // a stopped run will be resumed: journal all it finished
  report.seconds = elapsed();
  if (o.progress) o.progress({report.deidentified, report.failed, report.skipped, report.bytes_in, report.seconds});
  return report;
}

}  // namespace pipeline

void BatchReport::add(const FileResult& r) {
  for (int i = 0; i < kActionCount; ++i) counts[i] += r.counts[i];
  unknown_public_removed += r.unknown_public_removed;
  private_removed += r.private_removed;
  ++pixels_by_status[r.pixel_status];
  masked_regions += r.masked_regions.size();
}

BatchReport run_batch(const Deidentifier& worker, const BatchOptions& options) {
  if (options.resume) pipeline::remove_stale_temporaries(options.output);
  pipeline::InputSource source(options.inputs, options.list_file);
  return pipeline::run_pipeline(worker, options, source, -1, nullptr);
}

}  // namespace veil
