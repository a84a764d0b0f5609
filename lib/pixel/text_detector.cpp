#include "pixel/text_detector.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace veil::pixel {
namespace {

struct Candidate {
  cv::Rect box;
  int chars = 1;  // letters that touch form one component: its width says how many
};

// Character-sized components of strokes brighter (or darker) than their surroundings.
std::vector<Candidate> candidates(const cv::Mat& grey, const cv::Mat& response, const DetectorParams& p) {
  cv::Mat strokes = response >= p.contrast;
  cv::Mat labels, stats, centroids;
  int n = cv::connectedComponentsWithStats(strokes, labels, stats, centroids, 8, CV_32S);
  std::vector<Candidate> out;
  for (int i = 1; i < n; ++i) {
    cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                 stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    int area = stats.at<int>(i, cv::CC_STAT_AREA);
    if (box.height < p.min_char_height || box.height > p.max_char_height) continue;
    if (box.width > 20 * box.height) continue;
    double fill = static_cast<double>(area) / box.area();
    if (fill > 0.75 || fill < 0.08) continue;
    // Text strokes are drawn in one colour: most of a component sits on a plateau near its
    // brightest (or darkest) value, where speckle and anatomy fall off gradually.
    cv::Mat mask = labels(box) == i;
    cv::Mat values = response(box);
    double lo = 0, hi = 0;
    cv::minMaxLoc(values, &lo, &hi, nullptr, nullptr, mask);
    cv::Mat plateau = (values >= hi - std::max(8.0, 0.2 * hi)) & mask;
    if (cv::countNonZero(plateau) < 0.4 * area) continue;
    (void)grey;
    Candidate c{box, 1};
    if (box.width > 1.2 * box.height) c.chars = static_cast<int>(std::lround(box.width / (0.6 * box.height)));
    out.push_back(c);
  }
  return out;
}

int find(std::vector<int>& parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

// Rows of candidates with similar heights and aligned tops and bottoms, close together.
std::vector<cv::Rect> lines(std::vector<Candidate> cs, const DetectorParams& p) {
  std::sort(cs.begin(), cs.end(), [](const Candidate& a, const Candidate& b) { return a.box.x < b.box.x; });
  std::vector<int> parent(cs.size());
  std::iota(parent.begin(), parent.end(), 0);
  for (std::size_t i = 0; i < cs.size(); ++i) {
    const cv::Rect& a = cs[i].box;
    for (std::size_t j = i + 1; j < cs.size(); ++j) {
      const cv::Rect& b = cs[j].box;
      int h = std::max(a.height, b.height);
      if (b.x > a.x + a.width + 2 * p.max_char_height) break;
      int gap = b.x - (a.x + a.width);
      if (gap > 1.2 * h || gap < -h) continue;
      if (std::max(a.height, b.height) > 1.6 * std::min(a.height, b.height)) continue;
      if (std::abs(a.y - b.y) > 0.35 * h && std::abs(a.br().y - b.br().y) > 0.35 * h) continue;
      if (std::abs((a.y + a.height / 2) - (b.y + b.height / 2)) > 0.4 * h) continue;
      parent[find(parent, static_cast<int>(i))] = find(parent, static_cast<int>(j));
    }
  }
  std::vector<cv::Rect> box(cs.size());
  std::vector<int> chars(cs.size(), 0);
  for (std::size_t i = 0; i < cs.size(); ++i) {
    int r = find(parent, static_cast<int>(i));
    box[r] = chars[r] ? (box[r] | cs[i].box) : cs[i].box;
    chars[r] += cs[i].chars;
  }
  std::vector<cv::Rect> out;
  for (std::size_t i = 0; i < cs.size(); ++i)
    if (chars[i] >= p.min_chars) out.push_back(box[i]);
  return out;
}

}  // namespace

std::vector<cv::Rect> detect_text(const cv::Mat& grey8, const DetectorParams& p) {
  CV_Assert(grey8.type() == CV_8U);
  cv::Mat kernel = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(15, 15));
  std::vector<cv::Rect> out;
  for (int op : {cv::MORPH_TOPHAT, cv::MORPH_BLACKHAT}) {
    cv::Mat response;
    cv::morphologyEx(grey8, response, op, kernel);
    auto found = lines(candidates(grey8, response, p), p);
    out.insert(out.end(), found.begin(), found.end());
  }
  // Punctuation, accents and anti-aliased edges sit just outside the components.
  for (auto& r : out) {
    int pad = std::max(2, r.height / 4);
    r = cv::Rect(r.x - pad, r.y - pad, r.width + 2 * pad, r.height + 2 * pad) & cv::Rect(0, 0, grey8.cols, grey8.rows);
  }
  return out;
}

}  // namespace veil::pixel
