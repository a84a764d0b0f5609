// profiles/pixel/rules.yaml: which images are looked at for burned-in text, and fixed
// rectangles per device. Loaded once, immutable, shared by every worker.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace veil::pixel {

// The header values the rules read. Built from the data set before anything is decoded.
struct HeaderFacts {
  std::string modality, sop_class, burned_in_annotation, manufacturer, model;
  std::vector<std::string> image_type;
  int rows = 0, columns = 0;
};

struct Box {
  int x = 0, y = 0, width = 0, height = 0;
};

struct Condition {
  std::vector<std::string> modality, sop_class, burned_in_annotation, image_type;
  std::string manufacturer, model;  // case-insensitive substrings
  std::optional<int> rows, columns;
  bool matches(const HeaderFacts& facts) const;
};

struct SelectRule {
  std::string name;
  Condition when;
};

struct RegionRule {
  std::string name;
  Condition when;
  std::vector<Box> boxes;
};

class PixelRules {
 public:
  // Throws veil::Exception with the entry and field at fault.
  static PixelRules parse(std::string_view yaml, const std::string& origin);
  static const PixelRules& builtin();

  // The name of the first select rule that holds, if any.
  std::optional<std::string> selecting_rule(const HeaderFacts& facts) const;
  // Every region rule that holds.
  std::vector<const RegionRule*> regions_for(const HeaderFacts& facts) const;

 private:
  std::vector<SelectRule> select_;
  std::vector<RegionRule> regions_;
};

}  // namespace veil::pixel
