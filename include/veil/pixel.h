// Burned-in text in pixel data: which images are looked at, and what was masked.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace veil {

enum class PixelMode {
  kOff,    // pixel data is never decoded or changed
  kRules,  // only images the pixel rules select (US, secondary captures, BurnedInAnnotation=YES, ...)
  kAuto,   // the rules, plus text detection on every image with pixel data, whatever its header says
  kOcr,    // auto, plus Tesseract reading candidate rows: words matching this file's header PHI are masked
};
std::string_view to_string(PixelMode mode);
std::optional<PixelMode> parse_pixel_mode(std::string_view name);  // "off", "rules", "auto", "ocr"

// The syntax a cleaned image is written in when its own cannot hold it losslessly (lossy input,
// or a syntax GDCM cannot encode). Lossless input that GDCM can encode keeps its syntax.
enum class LosslessSyntax { kJpegLs, kExplicitLittle };

struct PixelOptions {
  PixelMode mode = PixelMode::kRules;
  int margin = 4;                        // pixels added around every box found
  bool blank_outside_us_regions = false;  // ultrasound: mask all but SequenceOfUltrasoundRegions
  std::optional<std::filesystem::path> rules_file;  // replaces the built-in profiles/pixel/rules.yaml
  LosslessSyntax fallback = LosslessSyntax::kJpegLs;
};

// One masked rectangle, in pixel coordinates of the frame(s) it covers.
struct MaskedRegion {
  int frame = -1;  // -1: every frame
  int x = 0, y = 0, width = 0, height = 0;
  std::string method;  // "rule:<name>", "us-regions", "detected" or "ocr:<name|id|date|institution>"
};

struct ReviewOptions {
  int thumbnail = 256;  // pixels, the longer side
  int columns = 6;
  int per_sheet = 48;
};

// Contact sheets of the images `veil deid` cleaned into `output_dir` (listed in its
// .veil/masks.jsonl): the first frame of each, windowed, with the masked boxes outlined and a
// caption without PHI ("#k, boxes, frames"). Writes `sheet`, then `sheet`-2.png and so on;
// returns the output files in sheet order (#1 is the first). Throws veil::Exception.
struct ReviewSheets {
  std::vector<std::filesystem::path> sheets;
  std::vector<std::filesystem::path> images;  // relative to output_dir, #1 first
};
ReviewSheets write_review_sheets(const std::filesystem::path& output_dir, const std::filesystem::path& sheet,
                                 const ReviewOptions& options = {});

}  // namespace veil
