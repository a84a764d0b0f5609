// `veil review`: contact sheets of cleaned images with their masked boxes outlined.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <opencv2/imgproc.hpp>
#include <png.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "io/dicom_io.h"
#include "io/output_file.h"
#include "pixel/pixel_data.h"
#include "veil/error.h"
#include "veil/pixel.h"

namespace veil {
namespace fs = std::filesystem;
namespace {

struct Entry {
  fs::path output;
  std::vector<cv::Rect> boxes;
};

std::vector<Entry> read_manifest(const fs::path& output_dir) {
  // OUT/.veil/masks.jsonl, and one per shard when several batches wrote into OUT (veil.dask).
  std::vector<fs::path> manifests;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(output_dir / ".veil", ec); !ec && it != fs::end(it); it.increment(ec))
    if (it->path().filename() == "masks.jsonl") manifests.push_back(it->path());
  std::sort(manifests.begin(), manifests.end());
  if (manifests.empty())
    throw Exception(fmt::format("{}: no .veil/masks.jsonl: not the output of a `veil deid` batch", output_dir.string()));
  std::map<fs::path, Entry> by_output;  // a resumed run may list a file twice: the last wins
  std::vector<fs::path> order;
  for (const auto& manifest : manifests) {
    std::ifstream in(manifest);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.contains("output")) continue;
      Entry e{j["output"].get<std::string>(), {}};
      for (const auto& m : j.value("masked", nlohmann::json::array()))
        e.boxes.emplace_back(m.value("x", 0), m.value("y", 0), m.value("width", 0), m.value("height", 0));
      if (!by_output.count(e.output)) order.push_back(e.output);
      by_output[e.output] = std::move(e);
    }
  }
  std::vector<Entry> out;
  for (const auto& p : order) out.push_back(std::move(by_output[p]));
  return out;
}

// The first frame with its boxes outlined, scaled to fit `size` x `size`, with a caption strip.
cv::Mat thumbnail(const fs::path& file, const std::vector<cv::Rect>& boxes, int index, int size) {
  cv::Mat tile(size + 20, size, CV_8UC3, cv::Scalar(40, 40, 40));
  std::string caption = fmt::format("#{} {} boxes", index, boxes.size());
  io::MappedFile mapped;
  gdcm::SmartPointer<gdcm::File> dicom;
  gdcm::Image image;
  auto decoded = [&]() -> Expected<pixel::DecodedImage> {
    if (auto opened = io::MappedFile::open(file, mapped); !opened) return opened.error();
    if (auto err = io::read(mapped.bytes(), dicom, nullptr, &image)) return *err;
    return pixel::DecodedImage::decode(image);
  }();
  if (!decoded) {
    caption = fmt::format("#{} unreadable", index);
  } else {
    cv::Mat view = decoded->display8(0);
    if (view.channels() == 1) cv::cvtColor(view, view, cv::COLOR_GRAY2BGR);
    for (const auto& b : boxes) cv::rectangle(view, b, cv::Scalar(0, 0, 255), std::max(1, view.cols / 256));
    double scale = static_cast<double>(size) / std::max(view.cols, view.rows);
    cv::Mat small;
    cv::resize(view, small, cv::Size(), scale, scale, cv::INTER_AREA);
    small.copyTo(tile(cv::Rect((size - small.cols) / 2, (size - small.rows) / 2, small.cols, small.rows)));
    if (decoded->frames() > 1) caption += fmt::format(" {} frames", decoded->frames());
  }
  cv::putText(tile, caption, cv::Point(4, size + 15), cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(255, 255, 255), 1,
              cv::LINE_AA);
  return tile;
}

// PNG through libpng's simplified interface: OpenCV's image codecs would pull GDAL and a hundred
// libraries into every process that links veil.
bool write_png(const fs::path& path, const cv::Mat& bgr) {
  CV_Assert(bgr.type() == CV_8UC3);
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(bgr.cols);
  image.height = static_cast<png_uint_32>(bgr.rows);
  image.format = PNG_FORMAT_BGR;
  const bool ok = png_image_write_to_file(&image, path.c_str(), 0, bgr.data, static_cast<png_int_32>(bgr.step), nullptr) != 0;
  png_image_free(&image);
  return ok;
}

}  // namespace

ReviewSheets write_review_sheets(const fs::path& output_dir, const fs::path& sheet, const ReviewOptions& o) {
  if (o.thumbnail < 32 || o.columns < 1 || o.per_sheet < 1) throw Exception("review: bad sheet geometry");
  std::vector<Entry> entries = read_manifest(output_dir);
  ReviewSheets out;
  for (std::size_t first = 0; first < entries.size(); first += static_cast<std::size_t>(o.per_sheet)) {
    std::size_t count = std::min(entries.size() - first, static_cast<std::size_t>(o.per_sheet));
    int cols = std::min(o.columns, static_cast<int>(count));
    int rows = static_cast<int>((count + cols - 1) / cols);
    const int cell_w = o.thumbnail + 8, cell_h = o.thumbnail + 28;
    cv::Mat canvas(rows * cell_h + 4, cols * cell_w + 4, CV_8UC3, cv::Scalar(20, 20, 20));
    for (std::size_t i = 0; i < count; ++i) {
      const Entry& e = entries[first + i];
      cv::Mat tile = thumbnail(output_dir / e.output, e.boxes, static_cast<int>(first + i + 1), o.thumbnail);
      int r = static_cast<int>(i) / cols, c = static_cast<int>(i) % cols;
      tile.copyTo(canvas(cv::Rect(4 + c * cell_w, 4 + r * cell_h, tile.cols, tile.rows)));
      out.images.push_back(e.output);
    }
    fs::path path = sheet;
    if (first > 0)
      path.replace_filename(fmt::format("{}-{}{}", sheet.stem().string(), first / o.per_sheet + 1, sheet.extension().string()));
    if (!write_png(path, canvas)) throw Exception(fmt::format("review: cannot write {}", path.string()));
    out.sheets.push_back(path);
  }
  return out;
}

}  // namespace veil
