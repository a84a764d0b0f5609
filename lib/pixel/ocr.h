// Tesseract (Debian's libtesseract, English data) reading candidate regions, and the file's own
// header PHI that words read there are matched against. Never logs what it reads.
#pragma once

#include <gdcmDataSet.h>

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace veil::pixel {

struct OcrWord {
  std::string text;  // upper case, letters and digits only
  cv::Rect box;      // frame coordinates
  float confidence = 0;
};

// True when the engine and its English data load (checked once).
bool ocr_available();
// Words read in `region` of an 8-bit grey frame: one line of text, or (`sparse`) text anywhere
// in it. One engine per thread, created on first use.
std::vector<OcrWord> read_words(const cv::Mat& grey8, cv::Rect region, bool sparse = false);

// This file's identifying values, normalised for comparison with words read in the pixels.
class HeaderPhi {
 public:
  explicit HeaderPhi(const gdcm::DataSet& header);
  // "name", "id", "date" or "institution" when `word` is one of them; empty otherwise.
  std::string match(const std::string& word) const;
  bool empty() const { return names_.empty() && ids_.empty() && dates_.empty() && institution_.empty(); }

 private:
  std::vector<std::string> names_, ids_, dates_, institution_;
};

}  // namespace veil::pixel
