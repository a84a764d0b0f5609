// The supervisor: runs the pipeline in a forked worker and survives the worker's death.
//
// Debian's GDCM aborts the process on some malformed inputs (live asserts) and may exhaust
// memory on others. The worker tells the supervisor, through a pipe, which files it starts and
// finishes; the paths stay in memory, never on disk. When the worker dies, the files it had in
// flight are re-run one at a time in fresh workers: one that kills its worker again is
// quarantined with reason "crash"; then the batch resumes from the journal.
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "pipeline/batch_runner.h"
#include "pipeline/journal.h"
#include "rules/text_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define VEIL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VEIL_ASAN 1
#endif
#endif

namespace veil {
namespace {

#ifdef VEIL_ASAN
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

namespace fs = std::filesystem;
using pipeline::InputFile;

std::atomic<pid_t> g_child{0};
std::atomic<bool> g_signalled{false};

void on_signal(int) {
  g_signalled.store(true);
  request_stop();
  pid_t child = g_child.load();
  if (child > 0) ::kill(child, SIGTERM);
}

void on_signal_in_worker(int) { request_stop(); }

struct WorkerRun {
  bool finished = false;  // the worker ended on its own (sent 'E')
  bool stopped = false;
  std::string stop_reason;
  std::map<std::string, InputFile> in_flight;  // by path
  std::optional<InputFile> timed_out;
  std::uint64_t events = 0;
  std::string setup_error;  // what the worker said before it gave up ('F' event)
};

class Supervisor {
 public:
  Supervisor(const Deidentifier& worker, BatchOptions options) : worker_(worker), o_(std::move(options)) {}

  BatchReport run() {
    start_ = std::chrono::steady_clock::now();
    fs::create_directories(o_.output);
    if (o_.list_file && *o_.list_file == "-") spool_stdin();
    if (o_.resume) pipeline::remove_stale_temporaries(o_.output);
    journal_.emplace(o_.state(), o_.resume);
    durable_.emplace(*journal_, o_.output);
    bool first = true;
    while (true) {
      BatchOptions o = o_;
      o.resume = first ? o_.resume : true;
      count_skips_ = first;
      first = false;
      durable_->flush();  // a restarted worker must see every file reported done as done
      WorkerRun run = spawn(o, std::nullopt);
      if (run.finished || g_signalled.load()) {
        report_.stopped = run.stopped || g_signalled.load();
        report_.stop_reason = run.stop_reason.empty() && report_.stopped ? "signal" : run.stop_reason;
        break;
      }
      if (run.events == 0)  // died before any file: a setup problem, not a poisonous input
        throw Exception(run.setup_error.empty() ? "the worker process failed to start" : run.setup_error);
      ++report_.worker_restarts;
      recover(run);
      if (g_signalled.load()) {
        report_.stopped = true;
        report_.stop_reason = "signal";
        break;
      }
    }
    // A stopped run will be resumed: journal all it finished. A complete one does not wait for
    // the disk (files of its last seconds stay unjournaled; a resume would redo them).
    if (report_.stopped) durable_->flush();
    if (report_.worker_restarts) pipeline::remove_stale_temporaries(o_.output);  // a dead worker's
    report_.seconds = elapsed();
    if (o_.progress) o_.progress(progress());
    return std::move(report_);
  }

 private:
  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  BatchProgress progress() const {
    return {report_.deidentified, report_.failed, report_.skipped, report_.bytes_in, elapsed()};
  }

  // The files a dead worker had in flight, each alone in a fresh worker.
  void recover(const WorkerRun& run) {
    if (run.timed_out) fail(*run.timed_out, "timeout");
    for (const auto& [path, file] : run.in_flight) {
      if (run.timed_out && run.timed_out->path == file.path) continue;
      BatchOptions o = o_;
      o.resume = true;
      o.threads = 1;
      count_skips_ = false;
      durable_->flush();
      WorkerRun single = spawn(o, std::vector<InputFile>{file});
      if (!single.finished) fail(file, single.timed_out ? "timeout" : "crash");
      if (g_signalled.load()) return;
    }
  }

  void fail(const InputFile& file, const std::string& reason) {
    ++report_.total;
    ++report_.failed;
    ++report_.failures_by_reason[reason];
    const char* message = reason == "timeout" ? "the file exceeded the per-file time limit"
                                              : "the file made the worker process die (GDCM abort or memory limit)";
    if (report_.failures.size() < kMaxListedFailures)
      report_.failures.push_back({reason, message, o_.report_paths ? file.path.string() : std::string()});
    if (o_.quarantine) pipeline::Quarantine(*o_.quarantine).add(file.path, reason, message);
    durable_->add(file.path);
    if (o_.audit) {
      std::ifstream in(file.path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      pipeline::LineLog(*o_.audit, /*append=*/true)
          .write(nlohmann::json{{"input_sha256", pipeline::sha256_hex(bytes)}, {"outcome", reason}}.dump());
    }
  }

  void spool_stdin() {
    fs::path dir = o_.state();
    fs::create_directories(dir);
    fs::path list = dir / "stdin-list";
    {
      std::ofstream out(list, std::ios::trunc);
      ::chmod(list.c_str(), 0600);
      out << std::cin.rdbuf();
    }
    o_.list_file = list;  // a dead worker's unread lines would otherwise be lost with it
  }

  WorkerRun spawn(const BatchOptions& o, std::optional<std::vector<InputFile>> fixed) {
    int fds[2];
    if (::pipe(fds) != 0) throw Exception("cannot create the worker pipe");
    durable_->pause();  // no other thread may run while this process forks
    pid_t pid = ::fork();
    if (pid < 0) throw Exception("cannot start a worker process");
    if (pid == 0) {
      ::close(fds[0]);
      worker_main(o, std::move(fixed), fds[1]);  // never returns
    }
    durable_->resume();
    ::close(fds[1]);
    g_child.store(pid);
    WorkerRun run;
    read_events(fds[0], run);
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    g_child.store(0);
    if (!(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3))) run.finished = false;
    return run;
  }

  [[noreturn]] void worker_main(const BatchOptions& o, std::optional<std::vector<InputFile>> fixed, int fd) {
    std::signal(SIGINT, on_signal_in_worker);
    std::signal(SIGTERM, on_signal_in_worker);
    if (o.memory_limit_bytes > 0 && !kAddressSanitizer) {  // ASan's shadow memory needs the address space
      rlimit lim{o.memory_limit_bytes, o.memory_limit_bytes};
      ::setrlimit(RLIMIT_AS, &lim);
    }
    int code = 0;
    try {
      pipeline::InFlight in_flight;
      if (o.file_timeout_seconds > 0) {
        std::thread([&in_flight, fd, limit = o.file_timeout_seconds] {
          while (true) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (auto f = in_flight.overdue(std::chrono::duration<double>(limit))) {
              std::string line = pipeline::event_line('T', *f);
              if (::write(fd, line.data(), line.size()) < 0) {
              }
              ::_exit(124);
            }
          }
        }).detach();
      }
      auto source = fixed ? pipeline::InputSource(std::move(*fixed)) : pipeline::InputSource(o.inputs, o.list_file);
      BatchOptions worker_options = o;
      worker_options.progress = nullptr;
      BatchReport r = pipeline::run_pipeline(worker_, worker_options, source, fd, &in_flight);
      std::string end = fmt::format("E\t{}\t{}\n", r.stopped ? 1 : 0, r.stop_reason);
      if (::write(fd, end.data(), end.size()) < 0) {
      }
      code = r.stopped ? 3 : 0;
    } catch (const std::exception& e) {
      std::string line = fmt::format("F\t{}\n", e.what());  // setup errors name no PHI
      if (::write(fd, line.data(), line.size()) < 0) {
      }
      code = 2;
    } catch (...) {
      code = 2;
    }
    ::_exit(code);
  }

  void read_events(int fd, WorkerRun& run) {
    std::string buffer;
    char chunk[65536];
    auto last = std::chrono::steady_clock::now();
    while (true) {
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t pos;
      while ((pos = buffer.find('\n')) != std::string::npos) {
        handle(buffer.substr(0, pos), run);
        buffer.erase(0, pos + 1);
      }
      auto now = std::chrono::steady_clock::now();
      if (o_.progress && now - last > std::chrono::milliseconds(500)) {
        last = now;
        o_.progress(progress());
      }
    }
  }

  void handle(const std::string& line, WorkerRun& run) {
    auto f = rules::split(line, '\t');
    if (f.empty() || f[0].empty()) return;
    ++run.events;
    if (f[0] == "F") {
      --run.events;
      run.setup_error = f.size() > 1 ? std::string(f[1]) : std::string();
      return;
    }
    auto file_of = [&] { return InputFile{fs::path(std::string(f[f.size() - 1])), fs::path(std::string(f[f.size() - 2]))}; };
    switch (f[0][0]) {
      case 'S':
        if (f.size() >= 3) run.in_flight[std::string(f.back())] = file_of();
        break;
      case 'K':
        if (count_skips_) ++report_.skipped;
        break;
      case 'T':
        if (f.size() >= 3) run.timed_out = file_of();
        break;
      case 'E':
        run.finished = true;
        run.stopped = f.size() > 1 && f[1] == "1";
        if (f.size() > 2) run.stop_reason = std::string(f[2]);
        break;
      case 'D':
        if (f.size() >= 12) record_done(f, run);
        break;
      default:
        break;
    }
  }

  // D <reason> <bytes in> <bytes out> <counts,...> <unknown> <private> <pixel status>:<regions> <message>
  //   <root> <path>
  void record_done(const std::vector<std::string_view>& f, WorkerRun& run) {
    run.in_flight.erase(std::string(f.back()));
    if (f[1] != "no-space") durable_->add(fs::path(std::string(f.back())));
    std::string reason(f[1]);
    ++report_.total;
    report_.bytes_in += std::stoull(std::string(f[2]));
    if (reason == "ok") {
      ++report_.deidentified;
      report_.bytes_out += std::stoull(std::string(f[3]));
      auto counts = rules::split(f[4], ',');
      for (std::size_t i = 0; i < counts.size() && i < report_.counts.size(); ++i)
        report_.counts[i] += std::stoull(std::string(counts[i]));
      report_.unknown_public_removed += std::stoull(std::string(f[5]));
      report_.private_removed += std::stoull(std::string(f[6]));
      auto pixels = rules::split(f[7], ':');
      if (pixels.size() == 2) {
        ++report_.pixels_by_status[std::string(pixels[0])];
        report_.masked_regions += std::stoull(std::string(pixels[1]));
      }
    } else {
      ++report_.failed;
      ++report_.failures_by_reason[reason];
      if (report_.failures.size() < kMaxListedFailures)
        report_.failures.push_back({reason, std::string(f[8]), o_.report_paths ? std::string(f.back()) : std::string()});
    }
  }

  const Deidentifier& worker_;
  BatchOptions o_;
  BatchReport report_;
  bool count_skips_ = true;
  std::optional<pipeline::Journal> journal_;
  std::optional<pipeline::DurableJournal> durable_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

BatchReport run_batch_supervised(const Deidentifier& worker, const BatchOptions& options) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  BatchReport report = Supervisor(worker, options).run();
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  return report;
}

}  // namespace veil
