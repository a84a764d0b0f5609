// The standard's tables as generated into profiles/tables/ and embedded at build time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "veil/action.h"

namespace veil::rules {

struct DictEntry {
  std::string vr;  // "PN", "OB or OW", "US or SS", ...
  std::string keyword;
  bool retired = false;
};

// A tag with the standard's x wildcards: matches when (tag & mask) == value.
struct TagPattern {
  std::uint32_t value = 0;
  std::uint32_t mask = 0xFFFFFFFF;
  bool matches(std::uint32_t tag) const { return (tag & mask) == value; }
};
std::optional<TagPattern> parse_tag_pattern(std::string_view hex8);  // "60xx3000"

// One row of Table E.1-1. cells[0] is the Basic Profile code, cells[1 + option] the option's.
struct ProfileRow {
  std::string tag_text;  // "(0010,0010)", or "(gggg,eeee) odd" for the private row
  std::string keyword;
  TagPattern pattern;
  bool is_private_row = false;
  std::array<std::optional<Code>, 11> cells{};
};

// Type of an attribute in an IOD (PS3.3), for resolving composite codes.
enum class AttrType : std::uint8_t { k1, k1C, k2, k2C, k3 };

class Tables {
 public:
  static const Tables& get();  // parsed once, immutable, shared by all threads

  std::string_view e11_edition() const { return e11_edition_; }
  std::string_view dictionary_edition() const { return dict_edition_; }

  const std::vector<ProfileRow>& rows() const { return rows_; }

  const DictEntry* dictionary(std::uint32_t tag) const;
  std::optional<std::uint32_t> tag_for_keyword(std::string_view keyword) const;

  bool safe_private(std::uint16_t group, std::string_view creator, std::uint8_t element) const {
    return safe_private_vr(group, creator, element) != nullptr;
  }
  // The VR Table E.3.10-1 gives a safe private attribute ("" when it gives none); null if not safe.
  const std::string* safe_private_vr(std::uint16_t group, std::string_view creator, std::uint8_t element) const;

  std::optional<int> ciod_for_sop_class(std::string_view sop_class_uid) const;
  // `path` is "00100020" at top level, "00081111>00080080" inside sequences.
  std::optional<AttrType> type_in_ciod(int ciod, std::string_view path) const;
  std::optional<Code> fallback(std::uint32_t tag) const;

  struct CodeEntry {
    std::string scheme, value, meaning;
  };
  const CodeEntry* cid7050(std::string_view value) const;

 private:
  Tables();
  std::string e11_edition_, dict_edition_;
  std::vector<ProfileRow> rows_;
  std::unordered_map<std::uint32_t, DictEntry> dict_;
  std::vector<std::pair<TagPattern, DictEntry>> dict_patterns_;
  std::unordered_map<std::string, std::uint32_t> keywords_;
  std::unordered_map<std::string, std::string> safe_private_;  // "GGGG|EE|creator" -> VR
  std::unordered_map<std::string, int> sop_to_ciod_;
  std::unordered_map<std::string, AttrType> types_;  // "ciod|path"
  std::unordered_map<std::uint32_t, Code> fallback_;
  std::vector<CodeEntry> cid7050_;
};

std::string tag_text(std::uint32_t tag);  // "(0010,0010)"
std::string tag_hex(std::uint32_t tag);   // "00100010"

}  // namespace veil::rules
