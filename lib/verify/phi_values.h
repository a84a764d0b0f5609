// The values the verifier searches for, gathered from an input data set, and the search. Used by
// `veil verify --against` and by the check `veil deid` runs on every output before writing it.
// Written from the standard's table and the profile's options alone: no rule-engine code.
#pragma once

#include <gdcmDataSet.h>

#include <bitset>
#include <memory>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "veil/profile.h"
#include "veil/verify.h"

namespace veil::verify {

struct Needle {
  std::string text;
  std::string kind;  // "name", "id", "date", "uid", "text"
};

class NeedleSet {
 public:
  // `profile` must outlive the set.
  explicit NeedleSet(const Profile& profile) : profile_(profile) {}
  void add_dataset(const gdcm::DataSet& ds);
  // Drops values that any added data set also holds in a kept attribute (an ordinary word that
  // is a name part in one file and retained text in another). Searching finalises first.
  void finalize();
  std::size_t size() const { return needles_.size(); }
  // Occurrences in `bytes`. For a whole file, each names where it lies: preamble, file meta,
  // data set, or pixel data (the top-level Pixel Data element's [pixel_begin, pixel_end)).
  std::vector<Finding> search(std::span<const std::byte> bytes, bool whole_file, std::size_t pixel_begin = 0,
                              std::size_t pixel_end = 0) const;

 private:
  void add(std::string text, const char* kind, std::size_t min_length);
  void walk(const gdcm::DataSet& ds);
  void insert(Needle needle);

  std::vector<Needle> pending_;  // this data set's values, until its kept values are known
  std::string kept_;             // this data set's kept text, NUL-separated
  std::string all_kept_;         // every added data set's kept text
  bool final_ = true;
  const Profile& profile_;
  std::vector<Needle> needles_;
  std::unordered_set<std::string> seen_;
  // For many values (verify --against): values by their first four bytes, and which first two
  // bytes occur at all. Built when a search needs it.
  struct Index {
    std::unordered_map<std::uint32_t, std::vector<std::size_t>> by_prefix;
    std::bitset<65536> first_two;
  };
  mutable std::unique_ptr<Index> index_;
};

// Whether the profile keeps a public attribute's value (a K or C in force for its row, from the
// Basic column, an enabled option, or a user override). Not in the table: kept.
bool profile_keeps(const Profile& profile, std::uint32_t tag);
// The profile removes the attribute outright (X in force, no option or override keeping it).
bool profile_removes(const Profile& profile, std::uint32_t tag);

}  // namespace veil::verify
