// An independent check of de-identified output: it shares no code with the rule engine's
// decisions. It reads the standard's table for the profile in force and looks at what is
// there; with the inputs, it searches every byte of every output for their identifying values.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "veil/profile.h"

namespace veil {

struct Finding {
  std::string kind;   // "unreadable", "not-marked", "removable-attribute", "private-attribute",
                      // or, for an input value found: "name", "id", "date", "uid", "text"
  std::string where;  // a tag path "(0008,1111)>(0010,0010)", or "preamble", "file meta",
                      // "data set", "pixel data" with a byte offset; never the value itself
};

struct FileVerdict {
  std::filesystem::path file;
  std::vector<Finding> findings;
  bool clean() const { return findings.empty(); }
};

// Identifying values of input files, as the verifier searches for them: names, IDs, dates,
// UIDs and other text of public attributes the profile does not keep. Values that some input
// holds in an attribute the profile keeps, placeholders and veil's own words are left out.
// Values shorter than 6 characters (UIDs: 10) are not searched (they match by chance).
class PhiIndex {
 public:
  explicit PhiIndex(const Profile& profile);
  ~PhiIndex();
  PhiIndex(PhiIndex&&) noexcept;
  PhiIndex& operator=(PhiIndex&&) noexcept;

  // Adds the values of one input (DICOM bytes). Returns false when they do not parse.
  bool add(std::span<const std::byte> dicom);
  std::size_t size() const;
  // Every occurrence of an indexed value in `bytes` (a whole output file: preamble, file meta,
  // every element at any depth, private blocks, trailing bytes), except inside the top-level
  // Pixel Data, where burned-in text is the pixel stage's to find (by reading it, with OCR).
  std::vector<Finding> search(std::span<const std::byte> bytes) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks one output file against the profile in force (and, when `inputs` is given, against
// the inputs' values).
FileVerdict verify_file(const std::filesystem::path& output, const Profile& profile, const PhiIndex* inputs = nullptr);

}  // namespace veil
