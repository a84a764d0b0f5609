// The worker: de-identifies files or in-memory bytes under one profile and key.
// Movable, not copyable, not thread-safe: use one per thread; they share the compiled profile.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "veil/error.h"
#include "veil/key.h"
#include "veil/pixel.h"
#include "veil/profile.h"
#include "veil/result.h"

namespace veil {

struct DeidentifierOptions {
  // CSV of original PatientID -> subject ID[, subject name]; when set, every patient must be in it.
  std::optional<std::filesystem::path> lookup_table;
  PixelOptions pixels;  // burned-in text; the rules mode by default
  // Before writing, search the output (outside pixel data) for this input's identifying values,
  // gathered independently of the rule engine; a hit is ErrorCode::kResidualPhi (fail closed).
  bool check_output = true;
};

class Deidentifier {
 public:
  Deidentifier(const Profile& profile, Key key, DeidentifierOptions options = {});
  ~Deidentifier();
  Deidentifier(Deidentifier&&) noexcept;
  Deidentifier& operator=(Deidentifier&&) noexcept;
  Deidentifier(const Deidentifier&) = delete;
  Deidentifier& operator=(const Deidentifier&) = delete;

  // A second worker sharing this one's compiled profile, key and lookup table.
  Deidentifier clone() const;

  // Writes `output` through a temporary file, fsync and a rename: never a half-written file.
  // Pixel data that needs no change is copied by the kernel, not through GDCM's buffers.
  Expected<FileResult> deidentify_file(const std::filesystem::path& input,
                                       const std::filesystem::path& output);
  // The same, with the output path chosen from the result (layouts named by the new UIDs).
  struct WriteMode {
    bool durable = true;  // fsync before the rename; batches sync the file system in groups instead
    bool replace = true;  // false: an existing different output is an ErrorCode::kDuplicate
                          // (an identical one is success: same input and key, same bytes)
  };
  using Placement = std::function<std::filesystem::path(const FileResult&)>;
  Expected<FileResult> deidentify_file(const std::filesystem::path& input, const Placement& place, WriteMode mode);
  Expected<FileResult> deidentify_bytes(std::span<const std::byte> input, std::vector<std::byte>& output);

  const Profile& profile() const;

 private:
  struct Shared;
  struct Prepared;
  explicit Deidentifier(std::shared_ptr<const Shared> shared);
  Expected<FileResult> prepare(std::span<const std::byte> input, Prepared& out);
  std::shared_ptr<const Shared> shared_;
};

// Writes `bytes` to a temporary name beside `path`, fsyncs and renames it into place.
std::optional<Error> write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes);

}  // namespace veil
