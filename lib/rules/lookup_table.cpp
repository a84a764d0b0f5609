#include "rules/lookup_table.h"

#include <fmt/format.h>

#include <fstream>
#include <vector>

#include "rules/text_util.h"
#include "veil/error.h"

namespace veil::rules {
namespace {

std::vector<std::string> parse_csv_line(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += line[++i];
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace

LookupTable LookupTable::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Exception(fmt::format("lookup table: cannot read {}", path.string()));
  LookupTable t;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (trim(line).empty() || line.front() == '#') continue;
    auto f = parse_csv_line(line);
    if (n == 1 && !f.empty() && (to_upper(trim(f[0])).find("PATIENT") != std::string::npos ||
                                 to_upper(trim(f[0])).find("ORIGINAL") != std::string::npos))
      continue;  // header
    if (f.size() < 2 || trim(f[0]).empty() || trim(f[1]).empty())
      throw Exception(fmt::format("lookup table {}: line {} needs original_id,subject_id[,subject_name]", path.string(), n));
    Subject s{std::string(trim(f[1])), f.size() > 2 ? std::string(trim(f[2])) : std::string()};
    if (!t.map_.emplace(std::string(trim(f[0])), std::move(s)).second)
      throw Exception(fmt::format("lookup table {}: line {} repeats a patient", path.string(), n));
  }
  return t;
}

std::optional<Subject> LookupTable::find(const std::string& original_id) const {
  auto it = map_.find(original_id);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

}  // namespace veil::rules
