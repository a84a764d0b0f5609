// What a batch leaves beside its outputs: the resume journal (hashes of completed input paths,
// no PHI) and the quarantine (copies of failed inputs, which do hold PHI: 0700 / 0600).
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>
#include <string_view>
#include <cstdint>
#include <utility>

namespace veil::pipeline {

std::string sha256_hex(std::string_view bytes);

// A JSON-lines file (the audit log, the mask list) written one whole line per write() with
// O_APPEND: a worker that dies leaves whole lines, never half of one or two run together.
class LineLog {
 public:
  LineLog(const std::filesystem::path& path, bool append);
  ~LineLog();
  LineLog(const LineLog&) = delete;
  LineLog& operator=(const LineLog&) = delete;
  void write(std::string line);  // the newline is added here

 private:
  int fd_ = -1;
};

class Journal {
 public:
  // STATE/journal. `resume` loads the completed set; otherwise a writable journal starts empty.
  Journal(const std::filesystem::path& state_dir, bool resume, bool writable = true);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  bool completed(const std::filesystem::path& input) const;
  void complete(const std::filesystem::path& input);  // after the output is renamed into place
  static std::string key(const std::filesystem::path& input);
  bool writable() const { return fd_ >= 0; }

 private:
  std::vector<std::pair<std::uint64_t, std::uint64_t>> done_;  // first 128 bits of each key, sorted
  int fd_ = -1;  // -1: read-only
  std::mutex mutex_;
};

// Journals completed inputs only once their outputs are on disk: a background thread syncs
// the output file system (syncfs) every two seconds and then journals what was finished before
// the sync, off the pipeline's path. At the end nothing waits for the disk: files finished in
// the last moments stay unjournaled, and a --resume after a power cut simply redoes them.
class DurableJournal {
 public:
  DurableJournal(Journal& journal, const std::filesystem::path& output);
  ~DurableJournal();
  DurableJournal(const DurableJournal&) = delete;
  DurableJournal& operator=(const DurableJournal&) = delete;
  void add(const std::filesystem::path& input);
  void flush();  // sync and journal everything added so far, now (before a worker restarts)
  // Stops and restarts the background thread: a process must have no other thread when it forks
  // (a lock held by that thread would stay locked forever in the child).
  void pause();
  void resume();

 private:
  void sync_pending();
  void run();

  Journal& journal_;
  int fd_ = -1;
  std::mutex pending_mutex_, sync_mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::vector<std::filesystem::path> pending_;
  std::thread thread_;
};

class Quarantine {
 public:
  explicit Quarantine(const std::filesystem::path& dir);
  // Copies the input (mode 0600) and appends its reason to reasons.tsv; returns false on failure.
  bool add(const std::filesystem::path& input, std::string_view reason, std::string_view message);

 private:
  std::filesystem::path dir_;
  std::mutex mutex_;
};

}  // namespace veil::pipeline
