// Decoded pixel data that can be masked in place and encoded again. The only type that knows
// the layouts: 8/16 bits, signed or not, 1 or 3 samples, planar configuration 0 or 1,
// MONOCHROME1/2, RGB, YBR_FULL, YBR_FULL_422 and PALETTE COLOR, every frame.
#pragma once

#include <gdcmImage.h>
#include <gdcmTransferSyntax.h>

#include <opencv2/core.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "veil/error.h"

namespace veil::pixel {

class DecodedImage {
 public:
  // Decodes `image` (any syntax GDCM reads) to native little-endian pixels.
  static Expected<DecodedImage> decode(const gdcm::Image& image);

  int rows() const { return rows_; }
  int columns() const { return columns_; }
  int frames() const { return frames_; }
  int samples() const { return samples_; }
  int bytes_per_sample() const { return bytes_; }
  bool is_signed() const { return signed_; }
  int planar_configuration() const { return planar_; }
  bool ybr_422() const { return ybr422_; }  // Y Y Cb Cr per pair of pixels, as stored
  std::string photometric() const;
  const char* data() const { return pixels_.data(); }  // every frame, frame after frame

  // One frame as 8-bit grey for detection: monochrome windowed over the frame's own range,
  // colour as luminance, palette through its lookup table.
  cv::Mat grey8(int frame) const;
  // One frame for people to look at: 8-bit BGR for colour images (palette and YBR_FULL_422
  // included), grey for the rest.
  cv::Mat display8(int frame) const;
  // The two colour-opponent channels of a colour frame, red - green and yellow - blue, each as
  // 128 + difference / 2 (none for other images). Text whose colour sets it apart from its
  // ground more than its brightness does stands out there and may not in grey8 (pure green on
  // mid grey differs from it by 22 levels of luminance, green on the pink of a stained slide
  // by 8).
  // `part`: only that part of the frame (all of it when empty).
  std::array<cv::Mat, 2> opponent8(int frame, cv::Rect part = {}) const;
  // Where pixels of a colour frame changed colour since the frame before by `contrast` in either
  // opponent channel while their luminance stayed within half of it (text appearing in a colour
  // the grey search cannot see): the squares of `tile` pixels holding `at_least` such pixels,
  // each grown by a square on every side, joined where they touch. None for other images.
  std::vector<cv::Rect> colour_changes(int frame, int contrast, int at_least, int tile) const;
  // Paints `box` (clipped to the image) with the background: black for MONOCHROME2 (the
  // frame's lowest value), the inverse for MONOCHROME1, RGB 0, YBR (0,128,128), the palette's
  // darkest entry.
  void fill(int frame, cv::Rect box);
  // Zeroes the bits above Bits Stored (sign-extending signed values) in every sample, where
  // retired overlays were drawn; returns how many samples changed.
  std::size_t clear_unused_bits();
  // Encodes the (masked) pixels in `syntax`, decodes the result again and compares it with
  // the masked pixels: an output never carries a stream that disagrees with them.
  Expected<gdcm::Image> encode(const gdcm::TransferSyntax& syntax) const;

  const gdcm::Image& raw() const { return raw_; }  // the decoded image (its PI and planar config)
  // A view into the pixels: one sample plane (planar configuration 1) or the whole frame
  // (one sample, or planar configuration 0). Not for YBR_FULL_422 as stored.
  cv::Mat plane(int frame, int index = 0) const;
  bool same_pixels(const DecodedImage& other) const { return interleaved() == other.interleaved(); }

 private:
  struct Colour8 {
    cv::Mat pixels;
    int red, blue;  // channel indices (green is 1)
  };
  Colour8 colour8(int frame) const;  // a frame's colour pixels, in place where they can be
  std::size_t frame_bytes() const;
  std::vector<char> interleaved() const;  // the pixels in planar configuration 0
  cv::Mat palette_rgb8(int frame) const;  // a palette frame through its tables, 8-bit RGB (empty if they fail)
  cv::Mat ybr422_bgr8(int frame) const;   // a YBR_FULL_422 frame as stored, each chroma pair shared by two pixels

  gdcm::Image raw_;
  std::vector<char> pixels_;
  int rows_ = 0, columns_ = 0, frames_ = 1, samples_ = 1, bytes_ = 1, planar_ = 0, bits_stored_ = 8;
  bool signed_ = false, ybr422_ = false;
  gdcm::PhotometricInterpretation::PIType pi_ = gdcm::PhotometricInterpretation::MONOCHROME2;
  int palette_darkest_ = 0;
  int palette_entries_ = 0;  // entries in its lookup tables
  std::vector<std::optional<double>> black_;  // per frame, found once: filling with it keeps it
};

}  // namespace veil::pixel
