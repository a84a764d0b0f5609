// What a batch leaves beside its outputs: the resume journal (hashes of completed input paths,
// no PHI) and the quarantine (copies of failed inputs, which do hold PHI: 0700 / 0600).
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace veil::pipeline {

std::string sha256_hex(std::string_view bytes);

class Journal {
 public:
  // OUT/.veil/journal. `resume` loads the completed set; otherwise the journal starts empty.
  Journal(const std::filesystem::path& output_root, bool resume);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  bool completed(const std::filesystem::path& input) const;
  void complete(const std::filesystem::path& input);  // after the output is renamed into place
  static std::string key(const std::filesystem::path& input);

 private:
  std::unordered_set<std::string> done_;
  int fd_ = -1;
  std::mutex mutex_;
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
