// Small string helpers shared by the rule engine and the table loaders.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace veil::rules {

std::vector<std::string_view> split(std::string_view text, char sep);
std::string_view trim(std::string_view s);  // spaces, NULs, tabs, CR/LF at both ends
std::string to_upper(std::string_view s);

// Applies `fn` to each trimmed, non-empty value of a multi-valued (backslash-separated) string;
// nullopt as soon as `fn` rejects one.
template <typename F>
std::optional<std::string> transform_values(std::string_view value, F&& fn) {
  std::string out;
  bool first = true;
  for (std::string_view v : split(value, '\\')) {
    if (!first) out += '\\';
    first = false;
    v = trim(v);
    if (v.empty()) continue;
    std::optional<std::string> t = fn(v);
    if (!t) return std::nullopt;
    out += *t;
  }
  return out;
}

}  // namespace veil::rules
