// The run-based connected components against OpenCV's labelling: the same partition of the
// same pixels, on random, structured and edge-case masks.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <map>
#include <string>

#include "pixel/components.h"

namespace veil::testing {
namespace {

// Checks that find_components partitions `mask` exactly as cv::connectedComponents does
// (8-connected): every pixel of a component's runs is set in the mask, and the components map
// one to one onto OpenCV's labels, with the same boxes and areas.
void expect_same_partition(const cv::Mat& mask, const std::string& what) {
  SCOPED_TRACE(what);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  pixel::Components mine;
  pixel::find_components(mask, mine);
  ASSERT_EQ(mine.size(), n - 1);
  std::map<int, int> theirs_of_mine;
  long covered = 0;
  for (int c = 0; c < mine.size(); ++c) {
    int label = -1;
    int area = 0;
    for (const pixel::Run& r : mine.runs_of(c)) {
      ASSERT_LT(r.begin, r.end);
      for (int x = r.begin; x < r.end; ++x) {
        ASSERT_NE(mask.at<unsigned char>(r.y, x), 0);
        const int l = labels.at<int>(r.y, x);
        if (label < 0) label = l;
        ASSERT_EQ(l, label) << "component " << c << " spans two of OpenCV's labels";
        ++area;
      }
    }
    ASSERT_GT(label, 0);
    ASSERT_TRUE(theirs_of_mine.emplace(label, c).second) << "two components share OpenCV's label " << label;
    EXPECT_EQ(area, mine.areas[static_cast<std::size_t>(c)]);
    EXPECT_EQ(area, stats.at<int>(label, cv::CC_STAT_AREA));
    const cv::Rect box(stats.at<int>(label, cv::CC_STAT_LEFT), stats.at<int>(label, cv::CC_STAT_TOP),
                       stats.at<int>(label, cv::CC_STAT_WIDTH), stats.at<int>(label, cv::CC_STAT_HEIGHT));
    EXPECT_EQ(mine.boxes[static_cast<std::size_t>(c)], box);
    covered += area;
  }
  EXPECT_EQ(covered, cv::countNonZero(mask));
}

TEST(Components, RandomMasksOfEveryDensityAndShapeMatchOpenCv) {
  cv::RNG rng(7);
  for (cv::Size size : {cv::Size(1, 1), cv::Size(17, 1), cv::Size(1, 13), cv::Size(9, 7), cv::Size(65, 33),
                        cv::Size(641, 97)})
    for (double density : {0.0, 0.05, 0.3, 0.5, 0.7, 1.0}) {
      cv::Mat noise(size, CV_32F);
      rng.fill(noise, cv::RNG::UNIFORM, 0.0, 1.0);
      cv::Mat mask = noise < density;
      expect_same_partition(mask, cv::format("%dx%d at %.2f", size.width, size.height, density));
    }
}

TEST(Components, BlobsRingsAndDiagonalsMatchOpenCv) {
  // Blurred noise thresholded: blobs of every size, with holes and branches.
  cv::RNG rng(11);
  cv::Mat noise(240, 323, CV_8U);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(noise, noise, {9, 9}, 0);
  for (int level : {120, 128, 136}) expect_same_partition(noise > level, cv::format("blobs above %d", level));
  // A checkerboard joins only through corners: one component under 8-connectivity.
  cv::Mat checker(31, 45, CV_8U);
  for (int y = 0; y < checker.rows; ++y)
    for (int x = 0; x < checker.cols; ++x) checker.at<unsigned char>(y, x) = (x + y) % 2 ? 255 : 0;
  expect_same_partition(checker, "checkerboard");
  // Rings inside rings, a U whose arms meet below, text drawn at several sizes.
  cv::Mat shapes = cv::Mat::zeros(200, 300, CV_8U);
  for (int r = 5; r < 90; r += 7) cv::circle(shapes, {150, 100}, r, 255, 1);
  cv::rectangle(shapes, {5, 5, 40, 60}, 255, 3);
  cv::putText(shapes, "DOE^JOHN 12/04/2019", {10, 190}, cv::FONT_HERSHEY_SIMPLEX, 0.6, 255, 1, cv::LINE_AA);
  expect_same_partition(shapes, "rings and text");
  cv::Mat u = cv::Mat::zeros(20, 20, CV_8U);
  cv::line(u, {2, 2}, {2, 15}, 255);
  cv::line(u, {15, 2}, {15, 15}, 255);
  cv::line(u, {3, 16}, {14, 16}, 255);  // touches both arms only diagonally
  expect_same_partition(u, "U closed by diagonal contact");
}

}  // namespace
}  // namespace veil::testing
