#pragma once
#include <string_view>
namespace veil {
std::string_view version();  // "0.1.0"
}  // namespace veil
