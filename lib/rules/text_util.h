// Small string helpers shared by the rule engine and the table loaders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace veil::rules {

std::vector<std::string_view> split(std::string_view text, char sep);
std::string_view trim(std::string_view s);  // spaces, NULs, tabs, CR/LF at both ends
std::string to_upper(std::string_view s);

}  // namespace veil::rules
