// Connected components (8-connected) of a binary mask, as the runs of pixels they are made of.
// The text detector needs each component's box, area and pixels; OpenCV's labelling writes a
// 32-bit label per pixel of the frame and its statistics visit every pixel again, which cost
// more than half of the detection on a speckled ultrasound frame. Runs are found by reading the
// mask eight bytes at a time and joined with the runs of the row above (union-find).
#pragma once

#include <opencv2/core.hpp>

#include <span>
#include <vector>

namespace veil::pixel {

struct Run {
  int y = 0, begin = 0, end = 0;  // pixels [begin, end) of row y
};

struct Components {
  std::vector<cv::Rect> boxes;  // per component, in the order of their first pixel (rows, then columns)
  std::vector<int> areas;
  std::vector<Run> runs;        // grouped by component, each group top to bottom
  std::vector<int> first;       // component c's runs: [first[c], first[c + 1])

  int size() const { return static_cast<int>(boxes.size()); }
  std::span<const Run> runs_of(int c) const {
    return {runs.data() + first[static_cast<std::size_t>(c)],
            static_cast<std::size_t>(first[static_cast<std::size_t>(c) + 1] - first[static_cast<std::size_t>(c)])};
  }
};

// The components of the non-zero pixels of `mask` (CV_8U), in frame coordinates.
void find_components(const cv::Mat& mask, Components& out);

}  // namespace veil::pixel
