#include "pipeline/source.h"

#include <fmt/format.h>

#include <iostream>
#include <string>

#include "veil/error.h"

namespace veil::pipeline {

namespace fs = std::filesystem;

InputSource::InputSource(std::vector<fs::path> inputs, std::optional<fs::path> list_file) : inputs_(std::move(inputs)) {
  for (const auto& in : inputs_)
    if (!fs::exists(in)) throw Exception(fmt::format("input not found: {}", in.string()));
  if (list_file) {
    if (*list_file == "-") {
      list_ = &std::cin;
    } else {
      list_stream_ = std::make_unique<std::ifstream>(*list_file);
      if (!*list_stream_) throw Exception(fmt::format("cannot read the file list {}", list_file->string()));
      list_ = list_stream_.get();
    }
  }
}

InputSource::InputSource(std::vector<InputFile> files) : fixed_(std::move(files)), use_fixed_(true) {}

std::optional<InputFile> InputSource::next() {
  if (use_fixed_) {
    if (next_fixed_ == fixed_.size()) return std::nullopt;
    return fixed_[next_fixed_++];
  }
  while (true) {
    if (walk_) {
      std::error_code ec;
      while (*walk_ != fs::recursive_directory_iterator()) {
        fs::directory_entry entry = **walk_;
        walk_->increment(ec);
        if (ec) {
          walk_.reset();  // an unreadable directory ends that walk; the rest carries on
          break;
        }
        if (entry.is_regular_file(ec)) return InputFile{entry.path(), walk_root_};
      }
      walk_.reset();
    }
    if (next_input_ < inputs_.size()) {
      const fs::path& in = inputs_[next_input_++];
      if (fs::is_directory(in)) {
        walk_root_ = in;
        walk_.emplace(in, fs::directory_options::skip_permission_denied);
        continue;
      }
      return InputFile{in, {}};
    }
    if (list_) {
      std::string line;
      while (std::getline(*list_, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) return InputFile{fs::path(line), {}};
      }
      list_ = nullptr;
    }
    return std::nullopt;
  }
}

}  // namespace veil::pipeline
