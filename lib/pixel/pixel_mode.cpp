#include "veil/pixel.h"

namespace veil {

std::string_view to_string(PixelMode mode) {
  switch (mode) {
    case PixelMode::kOff: return "off";
    case PixelMode::kRules: return "rules";
    case PixelMode::kAuto: return "auto";
    case PixelMode::kOcr: return "ocr";
  }
  return "?";
}

std::optional<PixelMode> parse_pixel_mode(std::string_view name) {
  for (PixelMode m : {PixelMode::kOff, PixelMode::kRules, PixelMode::kAuto, PixelMode::kOcr})
    if (to_string(m) == name) return m;
  return std::nullopt;
}

}  // namespace veil
