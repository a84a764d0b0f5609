#include "pixel/pixel_rules.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "veil/error.h"

namespace veil::embedded {
extern const std::string_view pixel_rules_yaml;
}

namespace veil::pixel {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool any_equal(const std::vector<std::string>& wanted, const std::string& value) {
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) { return upper(w) == upper(value); });
}

std::vector<std::string> strings(const YAML::Node& node, const std::string& where) {
  if (!node.IsSequence()) throw Exception(fmt::format("{}: must be a list", where));
  std::vector<std::string> out;
  for (const auto& v : node) out.push_back(v.as<std::string>());
  return out;
}

Condition condition(const YAML::Node& entry, const std::string& where) {
  Condition c;
  for (const auto& kv : entry) {
    std::string key = kv.first.as<std::string>();
    std::string at = fmt::format("{} '{}'", where, key);
    if (key == "name" || key == "boxes") continue;
    if (key == "modality") c.modality = strings(kv.second, at);
    else if (key == "sop_class") c.sop_class = strings(kv.second, at);
    else if (key == "burned_in_annotation") c.burned_in_annotation = strings(kv.second, at);
    else if (key == "image_type") c.image_type = strings(kv.second, at);
    else if (key == "manufacturer") c.manufacturer = upper(kv.second.as<std::string>());
    else if (key == "model") c.model = upper(kv.second.as<std::string>());
    else if (key == "rows") c.rows = kv.second.as<int>();
    else if (key == "columns") c.columns = kv.second.as<int>();
    else throw Exception(fmt::format("{}: unknown condition", at));
  }
  return c;
}

}  // namespace

bool Condition::matches(const HeaderFacts& f) const {
  if (!modality.empty() && !any_equal(modality, f.modality)) return false;
  if (!sop_class.empty() && std::find(sop_class.begin(), sop_class.end(), f.sop_class) == sop_class.end()) return false;
  if (!burned_in_annotation.empty() && !any_equal(burned_in_annotation, f.burned_in_annotation)) return false;
  if (!image_type.empty() &&
      std::none_of(f.image_type.begin(), f.image_type.end(), [&](const std::string& v) { return any_equal(image_type, v); }))
    return false;
  if (!manufacturer.empty() && upper(f.manufacturer).find(manufacturer) == std::string::npos) return false;
  if (!model.empty() && upper(f.model).find(model) == std::string::npos) return false;
  if (rows && *rows != f.rows) return false;
  if (columns && *columns != f.columns) return false;
  return true;
}

PixelRules PixelRules::parse(std::string_view yaml, const std::string& origin) {
  PixelRules rules;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) throw Exception(fmt::format("{}: the document must be a mapping", origin));
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      if (key == "version") continue;
      if (key != "select" && key != "regions") throw Exception(fmt::format("{}: unknown key '{}'", origin, key));
      if (!kv.second.IsSequence()) throw Exception(fmt::format("{}: '{}' must be a list", origin, key));
      int index = 0;
      for (const auto& entry : kv.second) {
        ++index;
        if (!entry.IsMap() || !entry["name"])
          throw Exception(fmt::format("{}: {} entry {} needs a name", origin, key, index));
        std::string name = entry["name"].as<std::string>();
        std::string where = fmt::format("{}: {} '{}'", origin, key, name);
        Condition when = condition(entry, where);
        if (key == "select") {
          rules.select_.push_back({name, std::move(when)});
          continue;
        }
        RegionRule region{name, std::move(when), {}};
        if (!entry["boxes"] || !entry["boxes"].IsSequence()) throw Exception(where + ": needs 'boxes'");
        for (const auto& b : entry["boxes"]) {
          if (!b.IsSequence() || b.size() != 4) throw Exception(where + ": a box is [x, y, width, height]");
          Box box{b[0].as<int>(), b[1].as<int>(), b[2].as<int>(), b[3].as<int>()};
          if (box.x < 0 || box.y < 0 || box.width <= 0 || box.height <= 0)
            throw Exception(where + ": a box needs x, y >= 0 and a positive size");
          region.boxes.push_back(box);
        }
        rules.regions_.push_back(std::move(region));
      }
    }
  } catch (const YAML::Exception& e) {
    throw Exception(fmt::format("{}: YAML error at line {}: {}", origin, e.mark.line + 1, e.msg));
  }
  return rules;
}

const PixelRules& PixelRules::builtin() {
  static const PixelRules rules = parse(embedded::pixel_rules_yaml, "profiles/pixel/rules.yaml");
  return rules;
}

std::optional<std::string> PixelRules::selecting_rule(const HeaderFacts& facts) const {
  for (const auto& r : select_)
    if (r.when.matches(facts)) return r.name;
  return std::nullopt;
}

std::vector<const RegionRule*> PixelRules::regions_for(const HeaderFacts& facts) const {
  std::vector<const RegionRule*> out;
  for (const auto& r : regions_)
    if (r.when.matches(facts)) out.push_back(&r);
  return out;
}

}  // namespace veil::pixel
