// A Profile compiled against Table E.1-1: one code per tag, immutable and shared by all workers.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rules/tables.h"
#include "veil/profile.h"

namespace veil::rules {

// The code in force for one row: an enabled option's cell replaces the Basic cell; when two
// enabled options disagree, K (retain) wins over C (clean).
Code effective_code(const ProfileRow& row, const Profile& profile);

class CompiledProfile {
 public:
  explicit CompiledProfile(Profile profile);

  // The code for a public tag, or nullopt when no row of the table names it.
  std::optional<Code> code_for(std::uint32_t tag) const;
  // X, or C (keep only E.3.10-1 attributes) under Retain Safe Private; overrides cannot reach it.
  Code private_code() const { return private_code_; }
  const Profile& profile() const { return profile_; }
  bool overridden(std::uint32_t tag) const;  // the user chose this tag's code

 private:
  Profile profile_;
  std::unordered_map<std::uint32_t, Code> exact_;
  std::vector<std::pair<TagPattern, Code>> patterns_;
  Code private_code_ = Code::kX;
};

}  // namespace veil::rules
