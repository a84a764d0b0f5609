#include "rules/text_util.h"

#include <cctype>

namespace veil::rules {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = text.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kWs{" \t\r\n\0", 5};
  auto b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(kWs);
  return s.substr(b, e - b + 1);
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace veil::rules
