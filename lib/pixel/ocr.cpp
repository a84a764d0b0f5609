#include "pixel/ocr.h"

#include <tesseract/baseapi.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "io/dicom_io.h"

namespace veil::pixel {
namespace {

std::string normalise(std::string_view s) {
  std::string out;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string digits(std::string_view s) {
  std::string out;
  for (char c : s)
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
  return out;
}

std::unique_ptr<tesseract::TessBaseAPI> make_engine() {
  auto api = std::make_unique<tesseract::TessBaseAPI>();
  if (api->Init(nullptr, "eng", tesseract::OEM_LSTM_ONLY) != 0) return nullptr;
  api->SetVariable("debug_file", "/dev/null");  // its diagnostics never reach our logs
  api->SetPageSegMode(tesseract::PSM_SINGLE_LINE);
  return api;
}

tesseract::TessBaseAPI* engine() {
  thread_local std::unique_ptr<tesseract::TessBaseAPI> api = make_engine();
  return api.get();
}

// Levenshtein distance, for names read with one wrong letter.
std::size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t prev = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

void add_words(std::vector<std::string>& out, const std::string& value, std::size_t min_length) {
  std::string word;
  for (char c : value + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else {
      if (word.size() >= min_length) out.push_back(word);
      word.clear();
    }
  }
}

}  // namespace

bool ocr_available() {
  static const bool available = engine() != nullptr;
  return available;
}

std::vector<OcrWord> read_words(const cv::Mat& grey8, cv::Rect region, bool sparse) {
  std::vector<OcrWord> out;
  tesseract::TessBaseAPI* api = engine();
  region &= cv::Rect(0, 0, grey8.cols, grey8.rows);
  if (!api || region.empty()) return out;
  // Dark text on light ground, letters about 30 pixels tall: what the engine reads best.
  cv::Mat crop = grey8(region).clone();
  if (cv::mean(crop)[0] < 128) cv::bitwise_not(crop, crop);
  double scale = sparse ? (std::max(region.width, region.height) < 1000 ? 2.0 : 1.0)
                       : std::clamp(40.0 / std::max(1, region.height), 1.0, 4.0);
  if (scale > 1) cv::resize(crop, crop, cv::Size(), scale, scale, cv::INTER_CUBIC);
  cv::copyMakeBorder(crop, crop, 10, 10, 10, 10, cv::BORDER_REPLICATE);
  api->SetPageSegMode(sparse ? tesseract::PSM_SPARSE_TEXT : tesseract::PSM_SINGLE_LINE);
  api->SetImage(crop.data, crop.cols, crop.rows, 1, static_cast<int>(crop.step));
  api->SetSourceResolution(300);
  if (api->Recognize(nullptr) != 0) return out;
  std::unique_ptr<tesseract::ResultIterator> it(api->GetIterator());
  if (!it) return out;
  do {
    std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_WORD));
    if (!text) continue;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    it->BoundingBox(tesseract::RIL_WORD, &x0, &y0, &x1, &y1);
    auto back = [&](int v, int pad, int origin) { return origin + static_cast<int>((v - pad) / scale); };
    OcrWord w{normalise(text.get()),
              cv::Rect(cv::Point(back(x0, 10, region.x), back(y0, 10, region.y)),
                       cv::Point(back(x1, 10, region.x) + 1, back(y1, 10, region.y) + 1)),
              it->Confidence(tesseract::RIL_WORD)};
    if (!w.text.empty()) out.push_back(std::move(w));
  } while (it->Next(tesseract::RIL_WORD));
  api->Clear();
  return out;
}

HeaderPhi::HeaderPhi(const gdcm::DataSet& ds) {
  for (std::uint32_t tag : {0x00100010u, 0x00101001u, 0x00101060u, 0x00080090u, 0x00081050u, 0x00081070u, 0x00321032u})
    add_words(names_, io::string_value(ds, tag), 2);
  for (std::uint32_t tag : {0x00100020u, 0x00101000u, 0x00080050u, 0x00101002u}) {
    std::string id = normalise(io::string_value(ds, tag));
    if (id.size() >= 3) ids_.push_back(id);
  }
  add_words(institution_, io::string_value(ds, 0x00080080), 4);
  for (std::uint32_t tag : {0x00100030u, 0x00080020u, 0x00080021u, 0x00080022u, 0x00080023u}) {
    std::string d = digits(io::string_value(ds, tag));
    if (d.size() != 8) continue;
    std::string y = d.substr(0, 4), yy = d.substr(2, 2), m = d.substr(4, 2), dd = d.substr(6, 2);
    for (const std::string& form : {d, m + dd + y, dd + m + y, m + dd + yy, dd + m + yy, yy + m + dd})
      dates_.push_back(form);
  }
}

std::string HeaderPhi::match(const std::string& word) const {
  if (word.empty()) return {};
  for (const auto& id : ids_)
    if (word == id || (word.size() >= 4 && id.find(word) != std::string::npos && word.size() * 2 >= id.size()) ||
        (id.size() >= 4 && word.find(id) != std::string::npos))
      return "id";
  std::string d = digits(word);
  if (d.size() >= 6)
    for (const auto& date : dates_)
      if (d == date || d.find(date) != std::string::npos) return "date";
  for (const auto& n : names_)
    if (word == n || (n.size() >= 5 && word.size() >= 5 && distance(word, n) <= 1)) return "name";
  for (const auto& w : institution_)
    if (word == w) return "institution";
  return {};
}

}  // namespace veil::pixel
