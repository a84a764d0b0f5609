#include "pipeline/journal.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "veil/error.h"

namespace veil::pipeline {

namespace fs = std::filesystem;

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string out;
  for (unsigned char c : digest) out += fmt::format("{:02x}", c);
  return out;
}

namespace {

// 128 bits of a hex key: 16 bytes per completed input keep a resumed run's memory small.
std::pair<std::uint64_t, std::uint64_t> prefix(const std::string& hex) {
  return {std::stoull(hex.substr(0, 16), nullptr, 16), std::stoull(hex.substr(16, 16), nullptr, 16)};
}

}  // namespace

std::string Journal::key(const fs::path& input) {
  static const fs::path cwd = fs::current_path();  // one getcwd, not one per file
  fs::path abs = input.is_absolute() ? input : cwd / input;
  return sha256_hex(abs.lexically_normal().string());
}

Journal::Journal(const fs::path& dir, bool resume, bool writable) {
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0700);
  fs::path file = dir / "journal";
  if (resume) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
      if (line.size() == 64 && line.find_first_not_of("0123456789abcdef") == std::string::npos)
        done_.push_back(prefix(line));  // a line cut by a kill is ignored
    std::sort(done_.begin(), done_.end());
  }
  if (!writable) return;
  fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (resume ? 0 : O_TRUNC), 0600);
  if (fd_ < 0) throw Exception(fmt::format("cannot open the journal in {}", dir.string()));
}

LineLog::LineLog(const fs::path& path, bool append) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (append ? 0 : O_TRUNC), 0644);
  if (fd_ < 0) throw Exception(fmt::format("cannot write {}", path.string()));
}

LineLog::~LineLog() { ::close(fd_); }

void LineLog::write(std::string line) {
  line += '\n';
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    throw Exception("cannot append to a log beside the outputs (disk full?)");
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

bool Journal::completed(const fs::path& input) const {
  return std::binary_search(done_.begin(), done_.end(), prefix(key(input)));
}

void Journal::complete(const fs::path& input) {
  if (fd_ < 0) return;
  std::string line = key(input) + "\n";
  std::lock_guard lock(mutex_);
  // One write per line with O_APPEND: a kill leaves whole lines or one cut line, never a mix.
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    // A journal that cannot be written only costs redoing files on resume.
  }
}

DurableJournal::DurableJournal(Journal& journal, const fs::path& output) : journal_(journal) {
  if (!journal_.writable()) return;  // a supervised worker: its supervisor journals
  fd_ = ::open(output.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  resume();
}

DurableJournal::~DurableJournal() {
  pause();
  if (fd_ >= 0) ::close(fd_);
}

void DurableJournal::pause() {
  {
    std::lock_guard lock(pending_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DurableJournal::resume() {
  if (!journal_.writable() || thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void DurableJournal::add(const fs::path& input) {
  if (!journal_.writable()) return;
  std::lock_guard lock(pending_mutex_);
  pending_.push_back(input);
}

void DurableJournal::flush() { sync_pending(); }

void DurableJournal::sync_pending() {
  std::lock_guard sync(sync_mutex_);  // a flush() waits for a sync already under way
  std::vector<fs::path> batch;
  {
    std::lock_guard lock(pending_mutex_);
    batch.swap(pending_);
  }
  if (batch.empty()) return;
  if (fd_ >= 0) ::syncfs(fd_);  // everything written before this call is now on disk
  for (const auto& p : batch) journal_.complete(p);
}

void DurableJournal::run() {
  std::unique_lock lock(pending_mutex_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::seconds(2), [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    sync_pending();
    lock.lock();
  }
}

Quarantine::Quarantine(const fs::path& dir) : dir_(dir) {
  fs::create_directories(dir_);
  ::chmod(dir_.c_str(), 0700);
}

bool Quarantine::add(const fs::path& input, std::string_view reason, std::string_view message) {
  std::lock_guard lock(mutex_);
  std::string name = Journal::key(input).substr(0, 24);
  fs::path copy = dir_ / (name + ".dcm");
  std::error_code ec;
  fs::copy_file(input, copy, fs::copy_options::overwrite_existing, ec);
  if (ec) return false;
  ::chmod(copy.c_str(), 0600);
  fs::path reasons = dir_ / "reasons.tsv";
  bool fresh = !fs::exists(reasons);
  std::ofstream out(reasons, std::ios::app);
  if (fresh) {
    ::chmod(reasons.c_str(), 0600);
    out << "file\treason\tmessage\tinput\n";
  }
  // The input path is kept here, beside the PHI-bearing copy, so the file can be traced back.
  out << copy.filename().string() << '\t' << reason << '\t' << message << '\t' << input.string() << '\n';
  return static_cast<bool>(out);
}

}  // namespace veil::pipeline
