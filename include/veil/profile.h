// A confidentiality profile: the Basic Profile, any set of its options and user overrides.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veil/action.h"

namespace veil {

// The options of PS3.15 Annex E, in the column order of Table E.1-1.
enum class Option : std::uint8_t {
  kRetainSafePrivate,
  kRetainUids,
  kRetainDeviceIdentity,
  kRetainInstitutionIdentity,
  kRetainPatientCharacteristics,
  kRetainLongitudinalFullDates,
  kRetainLongitudinalModifiedDates,
  kCleanDescriptors,
  kCleanStructuredContent,
  kCleanGraphics,
};
inline constexpr int kOptionCount = 10;

struct OptionInfo {
  Option option;
  std::string_view name;          // "retain_safe_private", as written in YAML and on the CLI
  std::string_view code;          // CID 7050 code value, e.g. "113111"
  std::string_view code_meaning;  // CID 7050 meaning
};
std::span<const OptionInfo> options();
const OptionInfo& info(Option option);
std::optional<Option> parse_option(std::string_view name);

// A user override: a tag (group << 16 | element) and the code to apply instead of the table's.
struct Override {
  std::uint32_t tag;
  Code code;
};

class Profile {
 public:
  Profile();  // the Basic Profile with no options

  static Profile preset(std::string_view name);  // "basic" or "research"; throws veil::Exception
  static std::vector<std::string> preset_names();
  static Profile from_yaml(std::string_view yaml_text);
  static Profile from_yaml_file(const std::filesystem::path& path);
  // A preset name, or else a path to a YAML file.
  static Profile load(std::string_view name_or_path);

  Profile& enable(Option option);
  Profile& override_tag(std::uint32_t tag, Code code);
  Profile& override_keyword(std::string_view keyword, Code code);  // throws on unknown keyword
  Profile& set_remove_unknown_public(bool remove);

  bool has(Option option) const;
  const std::string& name() const { return name_; }
  const std::vector<Option>& enabled_options() const { return options_; }
  const std::vector<Override>& overrides() const { return overrides_; }
  bool remove_unknown_public() const { return remove_unknown_public_; }

  // The editions of the tables this profile is built from, e.g. "2024c".
  static std::string_view table_edition();
  static std::string_view dictionary_edition();

  // One line per Table E.1-1 row: tag, keyword and the code in force (options and overrides applied).
  struct Row {
    std::string tag;  // "(0010,0010)", "(50xx,xxxx)", "(gggg,eeee) odd"
    std::string keyword;
    Code basic;
    Code effective;
  };
  std::vector<Row> rows() const;

 private:
  std::string name_ = "basic";
  std::vector<Option> options_;
  std::vector<Override> overrides_;
  bool remove_unknown_public_ = true;
};

}  // namespace veil
