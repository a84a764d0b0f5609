#include "pixel/pixel_cleaner.h"

#include <gdcmAttribute.h>
#include <gdcmSequenceOfItems.h>

#include <fmt/format.h>
#include <oneapi/tbb/parallel_for.h>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "io/dicom_io.h"
#include "pixel/ocr.h"
#include "pixel/pixel_data.h"
#include "pixel/text_detector.h"

namespace veil::pixel {
namespace {

std::vector<std::string> split_values(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string v; std::getline(ss, v, '\\');) {
    while (!v.empty() && v.back() == ' ') v.pop_back();
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    out.push_back(v);
  }
  return out;
}

template <std::uint16_t G, std::uint16_t E>
std::optional<long> number(const gdcm::DataSet& ds) {
  if (!ds.FindDataElement(gdcm::Tag(G, E))) return std::nullopt;
  const gdcm::DataElement& de = ds.GetDataElement(gdcm::Tag(G, E));
  if (de.IsEmpty()) return std::nullopt;
  gdcm::Attribute<G, E> a;
  try {
    a.SetFromDataElement(de);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return static_cast<long>(a.GetValue());
}

// Merges boxes that overlap or touch until none do.
std::vector<cv::Rect> merge(std::vector<cv::Rect> boxes) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t i = 0; i < boxes.size() && !changed; ++i)
      for (std::size_t j = i + 1; j < boxes.size(); ++j) {
        cv::Rect grown(boxes[i].x - 1, boxes[i].y - 1, boxes[i].width + 2, boxes[i].height + 2);
        if ((grown & boxes[j]).empty()) continue;
        boxes[i] |= boxes[j];
        boxes.erase(boxes.begin() + static_cast<long>(j));
        changed = true;
        break;
      }
  }
  return boxes;
}

// The ultrasound regions (0018,6011) as rectangles; empty when the header has none.
std::vector<cv::Rect> us_regions(const gdcm::DataSet& ds) {
  std::vector<cv::Rect> out;
  gdcm::Tag tag(0x0018, 0x6011);
  if (!ds.FindDataElement(tag)) return out;
  gdcm::SmartPointer<gdcm::SequenceOfItems> sq = io::sequence_items(ds.GetDataElement(tag));
  if (!sq) return out;
  for (gdcm::SequenceOfItems::SizeType i = 1; i <= sq->GetNumberOfItems(); ++i) {
    const gdcm::DataSet& item = sq->GetItem(i).GetNestedDataSet();
    auto x0 = number<0x0018, 0x6018>(item), y0 = number<0x0018, 0x601A>(item);
    auto x1 = number<0x0018, 0x601C>(item), y1 = number<0x0018, 0x601E>(item);
    if (!x0 || !y0 || !x1 || !y1 || *x1 < *x0 || *y1 < *y0) continue;
    out.emplace_back(static_cast<int>(*x0), static_cast<int>(*y0), static_cast<int>(*x1 - *x0 + 1),
                     static_cast<int>(*y1 - *y0 + 1));
  }
  return out;
}

// Everything outside `keep`, as bands of rectangles.
std::vector<cv::Rect> outside(const std::vector<cv::Rect>& keep, int columns, int rows) {
  std::set<int> cuts{0, rows};
  for (const auto& r : keep) cuts.insert({std::clamp(r.y, 0, rows), std::clamp(r.y + r.height, 0, rows)});
  std::vector<cv::Rect> out;
  for (auto it = cuts.begin(); std::next(it) != cuts.end(); ++it) {
    int y0 = *it, y1 = *std::next(it);
    std::vector<std::pair<int, int>> covered;
    for (const auto& r : keep)
      if (r.y <= y0 && r.y + r.height >= y1) covered.emplace_back(std::max(0, r.x), std::min(columns, r.x + r.width));
    std::sort(covered.begin(), covered.end());
    int x = 0;
    for (auto [a, b] : covered) {
      if (a > x) out.emplace_back(x, y0, a - x, y1 - y0);
      x = std::max(x, b);
    }
    if (x < columns) out.emplace_back(x, y0, columns - x, y1 - y0);
  }
  return out;
}

// The attributes of overlay planes that lived in the pixel data, once those bits are gone.
void remove_embedded_overlays(gdcm::DataSet& ds) {
  for (std::uint16_t group = 0x6000; group <= 0x601E; group += 2) {
    if (ds.FindDataElement(gdcm::Tag(group, 0x3000))) continue;
    std::vector<gdcm::Tag> tags;
    for (auto it = ds.Begin(); it != ds.End(); ++it)
      if (it->GetTag().GetGroup() == group) tags.push_back(it->GetTag());
    for (const auto& t : tags) ds.Remove(t);
  }
}

bool raw_syntax(const gdcm::TransferSyntax& ts) {
  return ts == gdcm::TransferSyntax::ImplicitVRLittleEndian || ts == gdcm::TransferSyntax::ExplicitVRLittleEndian ||
         ts == gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian;
}

bool lossless_encapsulated(const gdcm::TransferSyntax& ts) {
  using TS = gdcm::TransferSyntax;
  return ts == TS::RLELossless || ts == TS::JPEGLosslessProcess14 || ts == TS::JPEGLosslessProcess14_1 ||
         ts == TS::JPEGLSLossless || ts == TS::JPEG2000Lossless;
}

// Frames OCR reads: the first, the last and evenly spaced ones between, at most kOcrFrames.
constexpr int kOcrFrames = 8;
constexpr std::size_t kOcrRowsPerFrame = 64;

}  // namespace

// Reads candidate rows (accepted or not) and masks the words that are this file's own PHI.
template <typename Add>
void read_phi(const DecodedImage& img, const gdcm::DataSet& header, Add& add, FileResult& result) {
  HeaderPhi phi(header);
  if (phi.empty()) return;
  std::set<int> frames{0, img.frames() - 1};
  for (int i = 1; i < kOcrFrames - 1; ++i) frames.insert(i * (img.frames() - 1) / (kOcrFrames - 1));
  for (int f : frames) {
    cv::Mat grey = img.grey8(f);
    std::vector<LineCandidate> rows = explain_text(grey);
    std::erase_if(rows, [](const LineCandidate& l) { return l.components < 2 && !l.text; });
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.box.area() > b.box.area(); });
    if (rows.size() > kOcrRowsPerFrame) rows.resize(kOcrRowsPerFrame);
    for (const auto& row : rows) {
      int pad = static_cast<int>(row.height / 2) + 2;
      cv::Rect region(row.box.x - pad, row.box.y - pad, row.box.width + 2 * pad, row.box.height + 2 * pad);
      for (const OcrWord& w : read_words(grey, region)) {
        std::string kind = phi.match(w.text);
        if (kind.empty()) continue;
        ++result.phi_words_in_pixels;
        add(w.box | row.box, "ocr:" + kind);
      }
    }
  }
}

HeaderFacts header_facts(const gdcm::DataSet& ds) {
  HeaderFacts f;
  f.modality = io::string_value(ds, 0x00080060);
  f.sop_class = io::string_value(ds, 0x00080016);
  f.burned_in_annotation = io::string_value(ds, 0x00280301);
  f.manufacturer = io::string_value(ds, 0x00080070);
  f.model = io::string_value(ds, 0x00081090);
  f.image_type = split_values(io::string_value(ds, 0x00080008));
  f.rows = static_cast<int>(number<0x0028, 0x0010>(ds).value_or(0));
  f.columns = static_cast<int>(number<0x0028, 0x0011>(ds).value_or(0));
  return f;
}

PixelCleaner::PixelCleaner(PixelOptions options) : options_(std::move(options)) {
  if (options_.rules_file) {
    std::ifstream in(*options_.rules_file, std::ios::binary);
    if (!in) throw Exception(fmt::format("pixel rules: cannot read {}", options_.rules_file->string()));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    own_rules_ = PixelRules::parse(text, options_.rules_file->filename().string());
  }
  if (options_.margin < 0 || options_.margin > 64) throw Exception("pixel margin must be 0 to 64 pixels");
  if (options_.mode == PixelMode::kOcr && !ocr_available())
    throw Exception("--pixels ocr needs Tesseract and its English data (Debian: tesseract-ocr-eng)");
}

Plan PixelCleaner::plan(const gdcm::DataSet& header, bool has_pixels) const {
  Plan p;
  if (options_.mode == PixelMode::kOff || !has_pixels) return p;
  p.facts = header_facts(header);
  // Overlay planes with no Overlay Data of their own are drawn into the pixel data's unused
  // high bits (retired since 2004, still found): they are cleared whatever else applies.
  for (std::uint16_t group = 0x6000; group <= 0x601E; group += 2)
    if (header.FindDataElement(gdcm::Tag(group, 0x0010)) && !header.FindDataElement(gdcm::Tag(group, 0x3000)))
      p.overlay_in_pixels = true;
  if (auto rule = rules().selecting_rule(p.facts)) {
    p.decode = true;
    p.reason = *rule;
  } else if (!rules().regions_for(p.facts).empty()) {
    p.decode = true;
    p.reason = "region rule";
  } else if (options_.mode == PixelMode::kAuto || options_.mode == PixelMode::kOcr) {
    // Every image, whatever its header claims; but not bit masks, floats or dose grids.
    auto bits = number<0x0028, 0x0100>(header);
    p.decode = bits && (*bits == 8 || *bits == 16);
    p.reason = "auto";
  }
  if (p.overlay_in_pixels && !p.decode) {
    p.decode = true;
    p.reason = "overlay in pixel data";
  }
  return p;
}

std::vector<cv::Rect> find_text(const DecodedImage& img, int frame) {
  const DetectorParams params;
  std::vector<cv::Rect> found = detect_text(img.grey8(frame), params);
  // Text set apart from its ground by its colour more than by its brightness (see opponent8).
  // These passes cost as much as the grey one: they run on the whole of the first, middle and
  // last frames; on the others, only around the pixels that changed colour since the frame
  // before by a stroke's contrast while keeping their brightness (text that comes and goes
  // mid-cine, which the grey pass cannot see; colour flow changes too, in its own box).
  // A channel whose values all lie closer together than that contrast is skipped (grey images
  // stored as RGB, where both are flat).
  const int last = img.frames() - 1;
  std::vector<cv::Rect> where{cv::Rect(0, 0, img.columns(), img.rows())};
  if (frame != 0 && frame != last / 2 && frame != last) {
    where = img.colour_changes(frame, params.contrast, 20, params.max_char_height / 2);  // 20: a glyph's worth
    if (where.empty()) return found;
  }
  for (const cv::Rect& part : where)
    for (const cv::Mat& channel : img.opponent8(frame, part)) {
      double lo = 0, hi = 0;
      if (!channel.empty()) cv::minMaxLoc(channel, &lo, &hi);
      if (hi - lo < params.contrast) continue;
      for (const auto& r : detect_text(channel, params)) found.push_back(r + part.tl());
    }
  return found;
}

std::optional<Error> PixelCleaner::clean(const gdcm::Image& image, const gdcm::DataSet& header, const Plan& plan,
                                         gdcm::DataSet& out, gdcm::TransferSyntax& syntax, FileResult& result) const {
  auto decoded = DecodedImage::decode(image);
  if (!decoded) return decoded.error();
  DecodedImage& img = *decoded;
  const cv::Rect frame_rect(0, 0, img.columns(), img.rows());

  std::vector<MaskedRegion> regions;
  std::vector<cv::Rect> boxes;
  auto add = [&](cv::Rect r, const std::string& method) {
    int margin = method == "us-regions" ? 0 : options_.margin;  // the regions are exact
    r = cv::Rect(r.x - margin, r.y - margin, r.width + 2 * margin, r.height + 2 * margin) & frame_rect;
    if (r.empty()) return;
    boxes.push_back(r);
    regions.push_back({-1, r.x, r.y, r.width, r.height, method});
  };
  for (const RegionRule* rule : rules().regions_for(plan.facts))
    for (const Box& b : rule->boxes) add(cv::Rect(b.x, b.y, b.width, b.height), "rule:" + rule->name);
  if (options_.blank_outside_us_regions) {
    auto keep = us_regions(header);
    if (!keep.empty())
      for (const auto& r : outside(keep, img.columns(), img.rows())) add(r, "us-regions");
  }
  // Every frame: text may appear on any of them. The union is masked on all frames. Frames are
  // searched as tasks of their own: a long cine is one file, and would otherwise hold one core
  // while the others finish the batch.
  std::vector<std::vector<cv::Rect>> per_frame(static_cast<std::size_t>(img.frames()));
  tbb::parallel_for(0, img.frames(), [&](int f) { per_frame[static_cast<std::size_t>(f)] = find_text(img, f); });
  std::vector<cv::Rect> found;
  for (const auto& boxes_of_frame : per_frame) found.insert(found.end(), boxes_of_frame.begin(), boxes_of_frame.end());
  for (const auto& r : merge(found)) add(r, "detected");
  if (options_.mode == PixelMode::kOcr) read_phi(img, header, add, result);

  std::size_t cleared = plan.overlay_in_pixels ? img.clear_unused_bits() : 0;
  result.overlay_bits_cleared = cleared > 0;
  if (cleared) remove_embedded_overlays(out);
  if (boxes.empty() && cleared == 0) {
    result.pixel_status = "no-text";
    return std::nullopt;
  }
  for (int f = 0; f < img.frames(); ++f)
    for (const auto& r : boxes) img.fill(f, r);

  // Lossless input keeps its syntax where GDCM encodes it; lossy input is not given a second loss.
  gdcm::TransferSyntax target = syntax;
  if (syntax == gdcm::TransferSyntax::ExplicitVRBigEndian) target = gdcm::TransferSyntax::ExplicitVRLittleEndian;
  Expected<gdcm::Image> encoded = Error{ErrorCode::kUnsupported, ""};
  if (raw_syntax(target)) {
    encoded = img.encode(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  } else {
    if (lossless_encapsulated(target)) encoded = img.encode(target);
    if (!encoded && options_.fallback == LosslessSyntax::kJpegLs) {
      target = gdcm::TransferSyntax::JPEGLSLossless;
      encoded = img.encode(target);
    }
    if (!encoded) {
      target = gdcm::TransferSyntax::ExplicitVRLittleEndian;
      encoded = img.encode(target);
    }
  }
  if (!encoded) return encoded.error();
  // The lossy history stays true: JPEG baseline/extended and JPEG-LS near-lossless input was
  // lossy; JPEG 2000 may be either, and then the input's own LossyImageCompression says which.
  using TS = gdcm::TransferSyntax;
  bool lossy_input = syntax == TS::JPEGBaselineProcess1 || syntax == TS::JPEGExtendedProcess2_4 ||
                     syntax == TS::JPEGLSNearLossless || io::string_value(header, 0x00282110) == "01";
  if (lossy_input) out.Replace(io::text_element(0x0028, 0x2110, gdcm::VR::CS, "01"));
  gdcm::DataElement pixels = encoded->GetDataElement();
  pixels.SetTag(gdcm::Tag(0x7FE0, 0x0010));
  out.Replace(pixels);
  out.Replace(io::text_element(0x0028, 0x0004, gdcm::VR::CS,
                   gdcm::PhotometricInterpretation::GetPIString(encoded->GetPhotometricInterpretation().GetType())));
  if (encoded->GetPixelFormat().GetSamplesPerPixel() == 3) {
    gdcm::Attribute<0x0028, 0x0006> planar{static_cast<std::uint16_t>(encoded->GetPlanarConfiguration())};
    out.Replace(planar.GetAsDataElement());
  }
  bool masked = !boxes.empty();
  if (masked) out.Replace(io::text_element(0x0028, 0x0301, gdcm::VR::CS, "NO"));
  syntax = target;
  result.pixel_status = masked ? "cleaned" : "overlay-removed";
  result.masked_regions = std::move(regions);
  return std::nullopt;
}

}  // namespace veil::pixel
