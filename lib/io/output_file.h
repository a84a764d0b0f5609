// Input files mapped into memory and output files written atomically, with the pixel bytes
// copied kernel-side (copy_file_range) when they pass through unchanged.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "veil/error.h"

namespace veil::io {

// A whole input file, read-only: small files are read into memory (cheaper than mapping them),
// larger ones mapped, so that pages GDCM never reads are never faulted in.
class MappedFile {
 public:
  static Expected<bool> open(const std::filesystem::path& path, MappedFile& out);
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(data_), size_}; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  void* data_ = nullptr;  // mapped, or pointing into buffer_
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::byte> buffer_;
};

// Writes `head` and then [tail_offset, tail_offset + tail_length) of `source` to a temporary name
// beside `path`, optionally fsyncs, and renames it into place. Nothing is left on failure.
// Without `replace`, an existing `path` is kept: identical bytes are success, others kDuplicate.
std::optional<Error> write_atomically(const std::filesystem::path& path, std::string_view head,
                                      const MappedFile* source, std::size_t tail_offset, std::size_t tail_length,
                                      bool durable, bool replace);

}  // namespace veil::io
