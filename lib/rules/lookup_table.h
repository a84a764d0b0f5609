// The clinical-trial lookup table: original PatientID -> subject ID[, subject name].
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>

#include "rules/rule_engine.h"

namespace veil::rules {

class LookupTable {
 public:
  // CSV, one patient per line: original_id,subject_id[,subject_name]. Lines starting with '#'
  // and a header line naming the columns are skipped; fields may be double-quoted.
  static LookupTable load(const std::filesystem::path& path);
  std::optional<Subject> find(const std::string& original_id) const;
  std::size_t size() const { return map_.size(); }

 private:
  std::unordered_map<std::string, Subject> map_;
};

}  // namespace veil::rules
