#include "veil/profile.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "rules/tables.h"
#include "rules/text_util.h"
#include "veil/error.h"

namespace veil::embedded {
extern const std::string_view basic_yaml;
extern const std::string_view research_yaml;
}  // namespace veil::embedded

namespace veil {
namespace {

// "(0010,0010)", "0010,0010" or "00100010".
std::optional<std::uint32_t> parse_tag(std::string_view text) {
  std::string hex;
  for (char c : text)
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
    else if (c != '(' && c != ')' && c != ',' && c != ' ') return std::nullopt;
  if (hex.size() != 8) return std::nullopt;
  return static_cast<std::uint32_t>(std::stoul(hex, nullptr, 16));
}

Code parse_code_or_throw(const std::string& text) {
  auto code = parse_code(rules::to_upper(text));
  if (!code) throw Exception(fmt::format("profile: unknown action '{}' (use X, Z, D, K, C or U)", text));
  return *code;
}

}  // namespace

Profile::Profile() = default;

Profile& Profile::enable(Option option) {
  if (!has(option)) options_.push_back(option);
  std::sort(options_.begin(), options_.end());
  if (has(Option::kRetainLongitudinalFullDates) && has(Option::kRetainLongitudinalModifiedDates))
    throw Exception("profile: the Full Dates and Modified Dates options exclude each other");
  return *this;
}

bool Profile::has(Option option) const { return std::find(options_.begin(), options_.end(), option) != options_.end(); }

Profile& Profile::override_tag(std::uint32_t tag, Code code) {
  std::erase_if(overrides_, [&](const Override& o) { return o.tag == tag; });
  overrides_.push_back({tag, code});
  return *this;
}

Profile& Profile::override_keyword(std::string_view keyword, Code code) {
  auto tag = rules::Tables::get().tag_for_keyword(keyword);
  if (!tag) throw Exception(fmt::format("profile: unknown keyword '{}'", keyword));
  return override_tag(*tag, code);
}

Profile& Profile::set_remove_unknown_public(bool remove) {
  remove_unknown_public_ = remove;
  return *this;
}

std::string_view Profile::table_edition() { return rules::Tables::get().e11_edition(); }
std::string_view Profile::dictionary_edition() { return rules::Tables::get().dictionary_edition(); }

std::vector<std::string> Profile::preset_names() { return {"basic", "research"}; }

Profile Profile::preset(std::string_view name) {
  if (name == "basic") return from_yaml(embedded::basic_yaml);
  if (name == "research") return from_yaml(embedded::research_yaml);
  throw Exception(fmt::format("unknown profile preset '{}' (presets: basic, research)", name));
}

Profile Profile::from_yaml(std::string_view yaml_text) {
  Profile p;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw Exception(fmt::format("profile: YAML error at line {}: {}", e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) throw Exception("profile: the document must be a mapping");
  try {
    for (const auto& kv : root) {
      auto key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "name") {
        p.name_ = v.as<std::string>();
      } else if (key == "extends") {
        auto base = preset(v.as<std::string>());
        for (Option o : base.options_) p.enable(o);
        for (const auto& o : base.overrides_) p.override_tag(o.tag, o.code);
        p.remove_unknown_public_ = base.remove_unknown_public_;
      } else if (key == "options") {
        if (!v.IsSequence()) throw Exception("profile: 'options' must be a list");
        for (const auto& o : v) {
          auto opt = parse_option(o.as<std::string>());
          if (!opt) throw Exception(fmt::format("profile: unknown option '{}'", o.as<std::string>()));
          p.enable(*opt);
        }
      } else if (key == "overrides") {
        if (!v.IsSequence()) throw Exception("profile: 'overrides' must be a list");
        for (const auto& o : v) {
          if (!o.IsMap() || !o["action"]) throw Exception("profile: each override needs 'action' and 'tag' or 'keyword'");
          Code code = parse_code_or_throw(o["action"].as<std::string>());
          if (o["tag"]) {
            auto tag = parse_tag(o["tag"].as<std::string>());
            if (!tag) throw Exception(fmt::format("profile: bad tag '{}'", o["tag"].as<std::string>()));
            p.override_tag(*tag, code);
          } else if (o["keyword"]) {
            p.override_keyword(o["keyword"].as<std::string>(), code);
          } else {
            throw Exception("profile: an override needs 'tag' or 'keyword'");
          }
        }
      } else if (key == "unknown_public") {
        auto s = v.as<std::string>();
        if (s != "remove" && s != "keep") throw Exception("profile: 'unknown_public' is 'remove' or 'keep'");
        p.remove_unknown_public_ = (s == "remove");
      } else if (key == "description") {
        // free text for people
      } else {
        throw Exception(fmt::format("profile: unknown key '{}'", key));
      }
    }
  } catch (const YAML::Exception& e) {
    throw Exception(fmt::format("profile: YAML error at line {}: {}", e.mark.line + 1, e.msg));
  }
  return p;
}

Profile Profile::from_yaml_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Exception(fmt::format("profile: cannot read {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  Profile p = from_yaml(ss.str());
  if (p.name_ == "basic") p.name_ = path.stem().string();
  return p;
}

Profile Profile::load(std::string_view name_or_path) {
  for (const auto& n : preset_names())
    if (n == name_or_path) return preset(name_or_path);
  return from_yaml_file(std::filesystem::path(name_or_path));
}

}  // namespace veil
