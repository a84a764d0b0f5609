#include "rules/compiled_profile.h"

namespace veil::rules {

Code effective_code(const ProfileRow& row, const Profile& profile) {
  std::optional<Code> chosen;
  for (Option o : profile.enabled_options()) {
    const auto& cell = row.cells[1 + static_cast<int>(o)];
    if (!cell) continue;
    if (!chosen || *cell == Code::kK) chosen = *cell;
  }
  return chosen.value_or(*row.cells[0]);
}

CompiledProfile::CompiledProfile(Profile profile) : profile_(std::move(profile)) {
  for (const auto& row : Tables::get().rows()) {
    Code code = effective_code(row, profile_);
    if (row.is_private_row) private_code_ = code;
    else if (row.pattern.mask == 0xFFFFFFFF) exact_[row.pattern.value] = code;
    else patterns_.emplace_back(row.pattern, code);
  }
  for (const auto& o : profile_.overrides()) exact_[o.tag] = o.code;
}

bool CompiledProfile::overridden(std::uint32_t tag) const {
  for (const auto& o : profile_.overrides())
    if (o.tag == tag) return true;
  return false;
}

std::optional<Code> CompiledProfile::code_for(std::uint32_t tag) const {
  if (auto it = exact_.find(tag); it != exact_.end()) return it->second;
  for (const auto& [p, code] : patterns_)
    if (p.matches(tag)) return code;
  return std::nullopt;
}

}  // namespace veil::rules

namespace veil {

std::vector<Profile::Row> Profile::rows() const {
  std::vector<Row> out;
  for (const auto& row : rules::Tables::get().rows()) {
    Code eff = rules::effective_code(row, *this);
    for (const auto& o : overrides_)
      if (!row.is_private_row && row.pattern.mask == 0xFFFFFFFF && o.tag == row.pattern.value) eff = o.code;
    out.push_back({row.tag_text, row.keyword, *row.cells[0], eff});
  }
  return out;
}

}  // namespace veil
