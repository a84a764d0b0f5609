#include "pixel/pixel_data.h"

#include <gdcmImageChangeTransferSyntax.h>

#include <opencv2/core/hal/intrin.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstring>

namespace veil::pixel {
namespace {

using PI = gdcm::PhotometricInterpretation;

int cv_type(int bytes, bool is_signed, int channels) {
  int depth = bytes == 1 ? CV_8U : (is_signed ? CV_16S : CV_16U);
  return CV_MAKETYPE(depth, channels);
}

cv::Mat to_grey8(const cv::Mat& m) {
  double lo = 0, hi = 0;
  cv::minMaxLoc(m, &lo, &hi);
  cv::Mat out;
  if (hi <= lo) return cv::Mat::zeros(m.size(), CV_8U);
  m.convertTo(out, CV_8U, 255.0 / (hi - lo), -lo * 255.0 / (hi - lo));
  return out;
}

// Entries in all three of a palette's tables (GDCM decodes an index through each).
int palette_entries(const gdcm::LookupTable& lut) {
  unsigned int n = std::min({lut.GetLUTLength(gdcm::LookupTable::RED), lut.GetLUTLength(gdcm::LookupTable::GREEN),
                             lut.GetLUTLength(gdcm::LookupTable::BLUE)});
  return static_cast<int>(std::min(n, 65536u));
}

bool is_ybr(PI::PIType pi) {
  return pi == PI::YBR_FULL || pi == PI::YBR_FULL_422 || pi == PI::YBR_PARTIAL_422 || pi == PI::YBR_PARTIAL_420 ||
         pi == PI::YBR_ICT || pi == PI::YBR_RCT;
}

}  // namespace

Expected<DecodedImage> DecodedImage::decode(const gdcm::Image& image) {
  DecodedImage d;
  // GDCM's filters hold their input through an intrusive SmartPointer: it must live on the heap.
  gdcm::SmartPointer<gdcm::Image> input = new gdcm::Image(image);
  gdcm::ImageChangeTransferSyntax change;
  change.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  change.SetInput(*input);
  try {
    if (!change.Change()) return Error{ErrorCode::kUnsupported, "pixel data GDCM cannot decode"};
  } catch (const std::exception&) {
    return Error{ErrorCode::kMalformed, "pixel data that does not decode"};
  }
  d.raw_ = change.GetOutput();
  const gdcm::ByteValue* bv = d.raw_.GetDataElement().GetByteValue();
  if (!bv) return Error{ErrorCode::kUnsupported, "pixel data GDCM cannot decode"};
  const gdcm::PixelFormat& pf = d.raw_.GetPixelFormat();
  d.columns_ = static_cast<int>(d.raw_.GetDimension(0));
  d.rows_ = static_cast<int>(d.raw_.GetDimension(1));
  d.frames_ = d.raw_.GetNumberOfDimensions() > 2 ? static_cast<int>(d.raw_.GetDimension(2)) : 1;
  d.samples_ = pf.GetSamplesPerPixel();
  d.signed_ = pf.GetPixelRepresentation() == 1;
  d.planar_ = static_cast<int>(d.raw_.GetPlanarConfiguration());
  d.pi_ = d.raw_.GetPhotometricInterpretation().GetType();
  if (pf.GetBitsAllocated() != 8 && pf.GetBitsAllocated() != 16)
    return Error{ErrorCode::kUnsupported, "pixel data that is not 8 or 16 bits cannot be masked"};
  if (d.samples_ != 1 && d.samples_ != 3) return Error{ErrorCode::kUnsupported, "an unusual samples per pixel"};
  d.bytes_ = pf.GetBitsAllocated() / 8;
  d.bits_stored_ = std::clamp<int>(pf.GetBitsStored(), 1, d.bytes_ * 8);
  if (d.rows_ <= 0 || d.columns_ <= 0 || d.frames_ <= 0) return Error{ErrorCode::kMalformed, "an empty image"};
  std::size_t full = static_cast<std::size_t>(d.rows_) * d.columns_ * d.samples_ * d.bytes_;
  d.ybr422_ = d.pi_ == PI::YBR_FULL_422 && d.samples_ == 3 && d.bytes_ == 1 && d.columns_ % 2 == 0 &&
              bv->GetLength() < full * d.frames_ && bv->GetLength() >= full / 3 * 2 * d.frames_;
  if (bv->GetLength() < d.frame_bytes() * d.frames_)
    return Error{ErrorCode::kMalformed, "pixel data shorter than its rows, columns and frames"};
  d.pixels_.assign(bv->GetPointer(), bv->GetPointer() + d.frame_bytes() * d.frames_);
  if (d.pi_ == PI::PALETTE_COLOR) {
    // The darkest entry: decode every index once through the lookup table.
    const gdcm::LookupTable& lut = d.raw_.GetLUT();
    d.palette_entries_ = palette_entries(lut);
    if (d.palette_entries_ == 0) return Error{ErrorCode::kUnsupported, "a palette without entries"};
    int entries = std::min(d.bytes_ == 1 ? 256 : 65536, d.palette_entries_);
    std::vector<char> indices(static_cast<std::size_t>(entries) * d.bytes_);
    for (int i = 0; i < entries; ++i) {
      if (d.bytes_ == 1) indices[i] = static_cast<char>(i);
      else std::memcpy(&indices[2 * static_cast<std::size_t>(i)], &i, 2);
    }
    std::vector<char> rgb(indices.size() * 3);
    if (!lut.Decode(rgb.data(), rgb.size(), indices.data(), indices.size()))
      return Error{ErrorCode::kUnsupported, "a palette GDCM cannot apply"};
    int step = lut.GetBitSample() == 16 ? 2 : 1;
    long best = -1;
    for (int i = 0; i < entries; ++i) {
      long sum = 0;
      for (int c = 0; c < 3; ++c) {
        const char* p = &rgb[(static_cast<std::size_t>(i) * 3 + c) * step];
        sum += step == 2 ? *reinterpret_cast<const std::uint16_t*>(p) : static_cast<unsigned char>(*p);
      }
      if (best < 0 || sum < best) best = sum, d.palette_darkest_ = i;
    }
  }
  return d;
}

std::string DecodedImage::photometric() const {
  std::string s = gdcm::PhotometricInterpretation::GetPIString(pi_);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::size_t DecodedImage::frame_bytes() const {
  std::size_t pixels = static_cast<std::size_t>(rows_) * columns_;
  return ybr422_ ? pixels * 2 : pixels * samples_ * bytes_;
}

cv::Mat DecodedImage::plane(int frame, int index) const {
  char* base = const_cast<char*>(pixels_.data()) + frame_bytes() * static_cast<std::size_t>(frame);
  if (samples_ == 1) return cv::Mat(rows_, columns_, cv_type(bytes_, signed_, 1), base);
  if (planar_ == 0) return cv::Mat(rows_, columns_, cv_type(bytes_, signed_, 3), base);
  return cv::Mat(rows_, columns_, cv_type(bytes_, signed_, 1),
                 base + static_cast<std::size_t>(index) * rows_ * columns_ * bytes_);
}

std::vector<char> DecodedImage::interleaved() const {
  if (samples_ == 1 || planar_ == 0 || ybr422_) return pixels_;
  std::vector<char> out(pixels_.size());
  for (int f = 0; f < frames_; ++f) {
    std::vector<cv::Mat> planes{plane(f, 0), plane(f, 1), plane(f, 2)};
    cv::Mat merged(rows_, columns_, cv_type(bytes_, signed_, 3), out.data() + frame_bytes() * static_cast<std::size_t>(f));
    cv::merge(planes, merged);
  }
  return out;
}

cv::Mat DecodedImage::grey8(int frame) const {
  if (ybr422_) {  // Y0 Y1 Cb Cr per pair of pixels: the luma is the grey
    cv::Mat out(rows_, columns_, CV_8U);
    const auto* base = reinterpret_cast<const unsigned char*>(pixels_.data()) + frame_bytes() * frame;
    for (int y = 0; y < rows_; ++y)
      for (int x = 0; x < columns_; ++x) out.at<unsigned char>(y, x) = base[(y * columns_ + x) / 2 * 4 + x % 2];
    return out;
  }
  if (pi_ == PI::PALETTE_COLOR) {
    cv::Mat rgb = palette_rgb8(frame);
    if (rgb.empty()) return to_grey8(plane(frame, 0));
    cv::Mat grey;
    cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
    return grey;
  }
  if (samples_ == 1) return to_grey8(plane(frame, 0));
  cv::Mat colour;
  if (planar_ == 0) {
    colour = plane(frame, 0);
  } else {
    std::vector<cv::Mat> planes{plane(frame, 0), plane(frame, 1), plane(frame, 2)};
    cv::merge(planes, colour);
  }
  if (bytes_ == 2) colour.convertTo(colour, CV_8UC3, 1.0 / 256);
  cv::Mat grey;
  if (is_ybr(pi_)) cv::extractChannel(colour, grey, 0);
  else cv::cvtColor(colour, grey, cv::COLOR_RGB2GRAY);
  return grey;
}

// 8-bit RGB stored pixel by pixel (most colour cines) is read in place, in R G B order; other
// layouts go through display8() (B G R, or grey for images without colour).
DecodedImage::Colour8 DecodedImage::colour8(int frame) const {
  if (samples_ == 3 && planar_ == 0 && bytes_ == 1 && pi_ == PI::RGB && !ybr422_) return {plane(frame), 0, 2};
  return {display8(frame), 2, 0};
}

std::array<cv::Mat, 2> DecodedImage::opponent8(int frame, cv::Rect part) const {
  const auto [whole, r, b] = colour8(frame);
  if (whole.channels() != 3) return {};
  if (part.empty()) part = cv::Rect(0, 0, whole.cols, whole.rows);
  const cv::Mat colour = whole(part);
  cv::Mat red_green(colour.rows, colour.cols, CV_8U), yellow_blue(colour.rows, colour.cols, CV_8U);
  for (int y = 0; y < colour.rows; ++y) {
    const unsigned char* p = colour.ptr<unsigned char>(y);
    unsigned char* rg = red_green.ptr<unsigned char>(y);
    unsigned char* yb = yellow_blue.ptr<unsigned char>(y);
    int x = 0;
#if CV_SIMD
    // The same sums, a register of pixels at a time (in 16 bits: they reach 1022).
    for (; x + cv::v_uint8::nlanes <= colour.cols; x += cv::v_uint8::nlanes) {
      cv::v_uint8 c0, c1, c2;
      cv::v_load_deinterleave(p + 3 * x, c0, c1, c2);
      cv::v_uint16 red[2], green[2], blue[2];
      cv::v_expand(r == 0 ? c0 : c2, red[0], red[1]);
      cv::v_expand(c1, green[0], green[1]);
      cv::v_expand(b == 0 ? c0 : c2, blue[0], blue[1]);
      const cv::v_uint16 v256 = cv::v_setall_u16(256), v512 = cv::v_setall_u16(512);
      cv::v_uint16 a[2], o[2];
      for (int h = 0; h < 2; ++h) {
        a[h] = cv::v_shr<1>(v256 + red[h] - green[h]);
        o[h] = cv::v_shr<2>(v512 + red[h] + green[h] - (blue[h] + blue[h]));
      }
      cv::v_store(rg + x, cv::v_pack(a[0], a[1]));
      cv::v_store(yb + x, cv::v_pack(o[0], o[1]));
    }
#endif
    for (p += 3 * x; x < colour.cols; ++x, p += 3) {
      rg[x] = static_cast<unsigned char>((256 + p[r] - p[1]) / 2);
      yb[x] = static_cast<unsigned char>((512 + p[r] + p[1] - 2 * p[b]) / 4);
    }
  }
  return {red_green, yellow_blue};
}

std::vector<cv::Rect> DecodedImage::colour_changes(int frame, int contrast, int at_least, int tile) const {
  if (frame < 1) return {};
  const auto [now, r, b] = colour8(frame);
  if (now.channels() != 3) return {};
  const cv::Mat then = colour8(frame - 1).pixels;
  cv::Mat counts = cv::Mat::zeros((now.rows + tile - 1) / tile, (now.cols + tile - 1) / tile, CV_32S);
  for (int y = 0; y < now.rows; ++y) {
    const unsigned char* p = now.ptr<unsigned char>(y);
    const unsigned char* q = then.ptr<unsigned char>(y);
    int* row = counts.ptr<int>(y / tile);
    for (int x0 = 0, t = 0; x0 < now.cols; x0 += tile, ++t) {
      int n = 0;
      for (int x = x0; x < std::min(now.cols, x0 + tile); ++x) {
        const int i = 3 * x, dr = p[i + r] - q[i + r], dg = p[i + 1] - q[i + 1], db = p[i + b] - q[i + b];
        // The opponent channels as opponent8() scales them, the luminance as grey8() weighs it.
        const bool colour = std::abs(dr - dg) >= 2 * contrast || std::abs(dr + dg - 2 * db) >= 4 * contrast;
        n += colour && std::abs(299 * dr + 587 * dg + 114 * db) < 500 * contrast;
      }
      row[t] += n;
    }
  }
  cv::Mat marked = counts >= at_least, grown, labels, stats, centroids;
  if (cv::countNonZero(marked) == 0) return {};
  cv::dilate(marked, grown, cv::Mat::ones(3, 3, CV_8U));
  const int n = cv::connectedComponentsWithStats(grown, labels, stats, centroids, 8);
  std::vector<cv::Rect> out;
  for (int i = 1; i < n; ++i)
    out.push_back(cv::Rect(stats.at<int>(i, cv::CC_STAT_LEFT) * tile, stats.at<int>(i, cv::CC_STAT_TOP) * tile,
                           stats.at<int>(i, cv::CC_STAT_WIDTH) * tile, stats.at<int>(i, cv::CC_STAT_HEIGHT) * tile) &
                  cv::Rect(0, 0, now.cols, now.rows));
  return out;
}

cv::Mat DecodedImage::palette_rgb8(int frame) const {
  std::size_t n = static_cast<std::size_t>(rows_) * columns_;
  const gdcm::LookupTable& lut = raw_.GetLUT();
  int step = lut.GetBitSample() == 16 ? 2 : 1;
  cv::Mat rgb(rows_, columns_, step == 2 ? CV_16UC3 : CV_8UC3);
  // Indices past the table's end take its last entry (GDCM asserts on them, killing the process).
  cv::Mat indices = plane(frame, 0).clone();
  cv::min(indices, palette_entries_ - 1, indices);
  if (!lut.Decode(reinterpret_cast<char*>(rgb.data), n * 3 * step, reinterpret_cast<const char*>(indices.data),
                  n * bytes_))
    return {};
  if (step == 2) rgb.convertTo(rgb, CV_8UC3, 1.0 / 256);
  return rgb;
}

cv::Mat DecodedImage::ybr422_bgr8(int frame) const {
  cv::Mat ycrcb(rows_, columns_, CV_8UC3);  // the channel order OpenCV's conversion expects
  const auto* base = reinterpret_cast<const unsigned char*>(pixels_.data()) + frame_bytes() * frame;
  for (int y = 0; y < rows_; ++y) {
    unsigned char* out = ycrcb.ptr<unsigned char>(y);
    for (int x = 0; x < columns_; ++x) {
      const unsigned char* pair = base + (static_cast<std::size_t>(y) * columns_ + x) / 2 * 4;  // Y0 Y1 Cb Cr
      out[3 * x] = pair[x % 2];
      out[3 * x + 1] = pair[3];
      out[3 * x + 2] = pair[2];
    }
  }
  cv::Mat bgr;
  cv::cvtColor(ycrcb, bgr, cv::COLOR_YCrCb2BGR);
  return bgr;
}

cv::Mat DecodedImage::display8(int frame) const {
  if (ybr422_) return ybr422_bgr8(frame);
  if (pi_ == PI::PALETTE_COLOR) {
    cv::Mat rgb = palette_rgb8(frame), bgr;
    if (!rgb.empty()) {
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
      return bgr;
    }
  }
  if (samples_ == 1) {
    if (pi_ != PI::MONOCHROME1) return grey8(frame);
    cv::Mat inverted;
    cv::bitwise_not(grey8(frame), inverted);
    return inverted;
  }
  cv::Mat colour;
  if (planar_ == 0) {
    colour = plane(frame, 0).clone();
  } else {
    std::vector<cv::Mat> planes{plane(frame, 0), plane(frame, 1), plane(frame, 2)};
    cv::merge(planes, colour);
  }
  if (bytes_ == 2) colour.convertTo(colour, CV_8UC3, 1.0 / 256);
  cv::Mat bgr;
  if (is_ybr(pi_)) {  // DICOM orders Y Cb Cr; OpenCV's conversion expects Y Cr Cb
    std::vector<cv::Mat> ch;
    cv::split(colour, ch);
    std::swap(ch[1], ch[2]);
    cv::merge(ch, colour);
    cv::cvtColor(colour, bgr, cv::COLOR_YCrCb2BGR);
  } else {
    cv::cvtColor(colour, bgr, cv::COLOR_RGB2BGR);
  }
  return bgr;
}

std::size_t DecodedImage::clear_unused_bits() {
  if (bytes_ != 2 || bits_stored_ >= 16 || ybr422_) return 0;
  std::size_t changed = 0;
  const int shift = 16 - bits_stored_;
  auto* v = reinterpret_cast<std::uint16_t*>(pixels_.data());
  for (std::size_t i = 0; i < pixels_.size() / 2; ++i) {
    std::uint16_t clean = signed_ ? static_cast<std::uint16_t>(static_cast<std::int16_t>(v[i] << shift) >> shift)
                                  : static_cast<std::uint16_t>(v[i] & ((1u << bits_stored_) - 1));
    changed += clean != v[i];
    v[i] = clean;
  }
  return changed;
}

void DecodedImage::fill(int frame, cv::Rect box) {
  box &= cv::Rect(0, 0, columns_, rows_);
  if (box.empty()) return;
  if (ybr422_) {
    auto* base = reinterpret_cast<unsigned char*>(pixels_.data()) + frame_bytes() * frame;
    int x0 = box.x & ~1, x1 = std::min(columns_, (box.x + box.width + 1) & ~1);
    for (int y = box.y; y < box.y + box.height; ++y)
      for (int x = x0; x < x1; x += 2) {
        unsigned char* p = base + (static_cast<std::size_t>(y) * columns_ + x) * 2;
        p[0] = p[1] = 0, p[2] = p[3] = 128;
      }
    return;
  }
  double half = bytes_ == 1 ? 128 : 32768;
  if (samples_ == 1) {
    cv::Mat m = plane(frame, 0);
    double value = palette_darkest_;
    if (pi_ != PI::PALETTE_COLOR) {
      if (black_.size() != static_cast<std::size_t>(frames_)) black_.resize(static_cast<std::size_t>(frames_));
      auto& black = black_[static_cast<std::size_t>(frame)];
      if (!black) {
        double lo = 0, hi = 0;
        cv::minMaxLoc(m, &lo, &hi);
        black = pi_ == PI::MONOCHROME1 ? hi : lo;
      }
      value = *black;
    }
    m(box).setTo(value);
    return;
  }
  cv::Scalar colour = is_ybr(pi_) ? cv::Scalar(0, half, half) : cv::Scalar(0, 0, 0);
  if (planar_ == 0) {
    plane(frame, 0)(box).setTo(colour);
    return;
  }
  for (int c = 0; c < 3; ++c) plane(frame, c)(box).setTo(colour[c]);
}

Expected<gdcm::Image> DecodedImage::encode(const gdcm::TransferSyntax& syntax) const {
  gdcm::SmartPointer<gdcm::Image> img = new gdcm::Image(raw_);
  gdcm::DataElement de = raw_.GetDataElement();
  de.SetByteValue(pixels_.data(), gdcm::VL(static_cast<std::uint32_t>(pixels_.size())));
  img->SetDataElement(de);
  gdcm::Image out = *img;
  // GDCM's RLE encoder asserts (aborting the process) on frames of an odd number of bytes.
  if (syntax == gdcm::TransferSyntax::RLELossless && frame_bytes() % 2)
    return Error{ErrorCode::kUnsupported, "GDCM cannot encode odd-sized frames as RLE"};
  if (syntax != gdcm::TransferSyntax::ExplicitVRLittleEndian) {
    gdcm::ImageChangeTransferSyntax change;
    change.SetTransferSyntax(syntax);
    change.SetInput(*img);
    try {
      if (!change.Change()) return Error{ErrorCode::kUnsupported, "GDCM cannot encode this image in that syntax"};
    } catch (const std::exception&) {
      return Error{ErrorCode::kUnsupported, "GDCM cannot encode this image in that syntax"};
    }
    out = change.GetOutput();
  }
  if (syntax == gdcm::TransferSyntax::ExplicitVRLittleEndian) return out;  // the bytes themselves
  auto check = decode(out);
  bool same = check && check->pi_ == pi_ && check->ybr422_ == ybr422_ &&
              (check->planar_ == planar_ ? check->pixels_ == pixels_ : check->interleaved() == interleaved());
  if (!same)
    return Error{ErrorCode::kUnsupported, "the encoded pixel data does not decode to the masked pixels"};
  return out;
}

}  // namespace veil::pixel
