// Finds overlay text in one 8-bit grey frame with classical image processing (no model):
// thin high-contrast strokes (top-hat and black-hat), character-sized components, and rows of
// three or more of them with matching heights and baselines.
#pragma once

#include <opencv2/core.hpp>

#include <vector>

namespace veil::pixel {

struct DetectorParams {
  int min_char_height = 6;   // pixels; smaller text is not legible
  int max_char_height = 80;
  int contrast = 40;         // grey levels between a stroke and its surroundings
  int min_chars = 3;         // components in a row before it counts as text
};

// Boxes around text lines, in frame coordinates, without margin.
std::vector<cv::Rect> detect_text(const cv::Mat& grey8, const DetectorParams& params = {});

}  // namespace veil::pixel
