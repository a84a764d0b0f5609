#include "pixel/ocr.h"

#include <dlfcn.h>
#include <tesseract/capi.h>

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

// Tesseract is opened at first use, through its C interface, never linked: it and Leptonica
// would otherwise load (and relocate) nearly fifty more libraries in every veil process, about
// 30 ms and 9 MB of each, for a step only `--pixels ocr` takes.
struct Tesseract {
#define VEIL_TESS_FN(name) decltype(&::name) name = nullptr;
#define VEIL_TESS_FNS(X)                                                                          \
  X(TessBaseAPICreate) X(TessBaseAPIDelete) X(TessBaseAPIInit2) X(TessBaseAPISetVariable)         \
  X(TessBaseAPISetPageSegMode) X(TessBaseAPISetImage) X(TessBaseAPISetSourceResolution)           \
  X(TessBaseAPIRecognize) X(TessBaseAPIGetIterator) X(TessBaseAPIClear) X(TessResultIteratorDelete) \
  X(TessResultIteratorGetPageIteratorConst) X(TessResultIteratorNext) X(TessResultIteratorGetUTF8Text) \
  X(TessResultIteratorConfidence) X(TessPageIteratorBoundingBox) X(TessDeleteText)
  VEIL_TESS_FNS(VEIL_TESS_FN)
  bool loaded = false;

  Tesseract() {
    void* lib = ::dlopen(VEIL_TESSERACT_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;
    bool all = true;
#define VEIL_TESS_SYM(name) all = all && (name = reinterpret_cast<decltype(name)>(::dlsym(lib, #name))) != nullptr;
    VEIL_TESS_FNS(VEIL_TESS_SYM)
#undef VEIL_TESS_SYM
    loaded = all;  // the library stays open for the process's life
  }
#undef VEIL_TESS_FN
#undef VEIL_TESS_FNS
};

const Tesseract& tess() {
  static const Tesseract t;
  return t;
}

struct EngineDeleter {
  void operator()(TessBaseAPI* api) const { tess().TessBaseAPIDelete(api); }
};
using Engine = std::unique_ptr<TessBaseAPI, EngineDeleter>;

Engine make_engine() {
  const Tesseract& t = tess();
  if (!t.loaded) return nullptr;
  Engine api(t.TessBaseAPICreate());
  if (!api || t.TessBaseAPIInit2(api.get(), nullptr, "eng", tesseract::OEM_LSTM_ONLY) != 0) return nullptr;
  t.TessBaseAPISetVariable(api.get(), "debug_file", "/dev/null");  // its diagnostics never reach our logs
  t.TessBaseAPISetPageSegMode(api.get(), tesseract::PSM_SINGLE_LINE);
  return api;
}

TessBaseAPI* engine() {
  thread_local Engine api = make_engine();
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
  TessBaseAPI* api = engine();
  region &= cv::Rect(0, 0, grey8.cols, grey8.rows);
  if (!api || region.empty()) return out;
  const Tesseract& t = tess();
  // Dark text on light ground, letters about 30 pixels tall: what the engine reads best.
  cv::Mat crop = grey8(region).clone();
  if (cv::mean(crop)[0] < 128) cv::bitwise_not(crop, crop);
  double scale = sparse ? (std::max(region.width, region.height) < 1000 ? 2.0 : 1.0)
                       : std::clamp(40.0 / std::max(1, region.height), 1.0, 4.0);
  if (scale > 1) cv::resize(crop, crop, cv::Size(), scale, scale, cv::INTER_CUBIC);
  cv::copyMakeBorder(crop, crop, 10, 10, 10, 10, cv::BORDER_REPLICATE);
  t.TessBaseAPISetPageSegMode(api, sparse ? tesseract::PSM_SPARSE_TEXT : tesseract::PSM_SINGLE_LINE);
  t.TessBaseAPISetImage(api, crop.data, crop.cols, crop.rows, 1, static_cast<int>(crop.step));
  t.TessBaseAPISetSourceResolution(api, 300);
  if (t.TessBaseAPIRecognize(api, nullptr) != 0) return out;
  std::unique_ptr<TessResultIterator, decltype(t.TessResultIteratorDelete)> it(t.TessBaseAPIGetIterator(api),
                                                                              t.TessResultIteratorDelete);
  if (it) {
    do {
      std::unique_ptr<char, decltype(t.TessDeleteText)> text(t.TessResultIteratorGetUTF8Text(it.get(), tesseract::RIL_WORD),
                                                              t.TessDeleteText);
      if (!text) continue;
      int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
      t.TessPageIteratorBoundingBox(t.TessResultIteratorGetPageIteratorConst(it.get()), tesseract::RIL_WORD, &x0, &y0, &x1, &y1);
      auto back = [&](int v, int pad, int origin) { return origin + static_cast<int>((v - pad) / scale); };
      OcrWord w{normalise(text.get()),
                cv::Rect(cv::Point(back(x0, 10, region.x), back(y0, 10, region.y)),
                         cv::Point(back(x1, 10, region.x) + 1, back(y1, 10, region.y) + 1)),
                t.TessResultIteratorConfidence(it.get(), tesseract::RIL_WORD)};
      if (!w.text.empty()) out.push_back(std::move(w));
    } while (t.TessResultIteratorNext(it.get(), tesseract::RIL_WORD));
  }
  it.reset();
  t.TessBaseAPIClear(api);
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
