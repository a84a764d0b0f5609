// The pixel stage: decide from the header whether an image is looked at, then find burned-in
// text (device rules, ultrasound regions, detection over every frame), mask it and encode the
// pixels again without a second loss. Immutable after construction; shared by all workers.
#pragma once

#include <gdcmDataSet.h>
#include <gdcmImage.h>
#include <gdcmTransferSyntax.h>

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

#include "pixel/pixel_rules.h"
#include "veil/error.h"
#include "veil/pixel.h"
#include "veil/result.h"

namespace veil::pixel {

struct Plan {
  bool decode = false;      // the pixel data must be decoded and searched
  std::string reason;       // the select rule's name, or "auto"
  bool overlay_in_pixels = false;  // a 60xx overlay without its own data: it lives in unused high bits
  HeaderFacts facts;
};

HeaderFacts header_facts(const gdcm::DataSet& ds);

class DecodedImage;
// Boxes around text in one frame, as the pixel stage searches it: the grey view always; for
// colour images also the colour-opponent channels, on the first, middle and last frames.
std::vector<cv::Rect> find_text(const DecodedImage& img, int frame);

class PixelCleaner {
 public:
  explicit PixelCleaner(PixelOptions options);  // throws veil::Exception for a bad rules file

  const PixelOptions& options() const { return options_; }
  // `has_pixels`: the file has a top-level Pixel Data element (parsed or passed through).
  Plan plan(const gdcm::DataSet& header, bool has_pixels) const;
  // Masks what it finds in `image`. When anything was masked, `out` gets the new Pixel Data,
  // PhotometricInterpretation, PlanarConfiguration and BurnedInAnnotation=NO, and `syntax` the
  // transfer syntax the pixels are now encoded in; otherwise neither changes.
  std::optional<Error> clean(const gdcm::Image& image, const gdcm::DataSet& header, const Plan& plan,
                             gdcm::DataSet& out, gdcm::TransferSyntax& syntax, FileResult& result) const;

 private:
  const PixelRules& rules() const { return own_rules_ ? *own_rules_ : PixelRules::builtin(); }

  PixelOptions options_;
  std::optional<PixelRules> own_rules_;  // from options_.rules_file
};

}  // namespace veil::pixel
