// The lazy source of a batch: directories walked as the pipeline asks, or a list of paths read
// line by line. The whole list is never held in memory.
#pragma once

#include <filesystem>
#include <fstream>
#include <istream>
#include <memory>
#include <optional>
#include <vector>

namespace veil::pipeline {

struct InputFile {
  std::filesystem::path path;
  std::filesystem::path root;  // the input directory it was found under; empty for a named file
};

class InputSource {
 public:
  InputSource(std::vector<std::filesystem::path> inputs, std::optional<std::filesystem::path> list_file);
  explicit InputSource(std::vector<InputFile> files);  // a fixed list (supervisor retries)
  std::optional<InputFile> next();

 private:
  std::vector<std::filesystem::path> inputs_;
  std::size_t next_input_ = 0;
  std::optional<std::filesystem::recursive_directory_iterator> walk_;
  std::filesystem::path walk_root_;
  std::unique_ptr<std::ifstream> list_stream_;
  std::istream* list_ = nullptr;
  std::vector<InputFile> fixed_;
  std::size_t next_fixed_ = 0;
  bool use_fixed_ = false;
};

}  // namespace veil::pipeline
