// What a batch leaves beside its outputs: the resume journal (hashes of completed input paths,
// no PHI) and the quarantine (copies of failed inputs, which do hold PHI: 0700 / 0600).
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>
#include <mutex>
#include <string>
#include <string_view>
#include <cstdint>
#include <utility>

namespace veil::pipeline {

std::string sha256_hex(std::string_view bytes);

class Journal {
 public:
  // OUT/.veil/journal. `resume` loads the completed set; otherwise a writable journal starts empty.
  Journal(const std::filesystem::path& output_root, bool resume, bool writable = true);
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

// Journals completed inputs only once their outputs are on disk: one syncfs per batch of files
// instead of one fsync per file. After a power cut, unjournaled files are simply done again.
class DurableJournal {
 public:
  DurableJournal(Journal& journal, const std::filesystem::path& output);
  ~DurableJournal();
  DurableJournal(const DurableJournal&) = delete;
  DurableJournal& operator=(const DurableJournal&) = delete;
  void add(const std::filesystem::path& input);
  void flush();

 private:
  Journal& journal_;
  int fd_ = -1;
  std::vector<std::filesystem::path> pending_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
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
