// What de-identifying one file did. Never holds a value from the input.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "veil/action.h"
#include "veil/pixel.h"

namespace veil {

struct ElementChange {
  std::vector<std::uint32_t> path;  // tags from the top level down to the element
  Action action;
};

struct FileResult {
  std::array<std::uint64_t, kActionCount> counts{};  // by Action
  std::uint64_t unknown_public_removed = 0;  // public attributes absent from the PS3.6 dictionary
  std::uint64_t private_removed = 0;
  std::uint64_t private_kept = 0;
  std::vector<ElementChange> changes;  // every element removed or replaced, not the kept ones
  std::string transfer_syntax;         // UID of the input's (and output's) transfer syntax
  std::string sop_class_uid;
  std::string sop_instance_uid;        // the new (pseudonymous) SOP Instance UID
  std::string study_instance_uid;      // new
  std::string series_instance_uid;     // new
  std::string patient_pseudonym;       // the new Patient ID
  std::uint64_t input_bytes = 0;
  std::uint64_t output_bytes = 0;
  // Pixel data: "off" (not looked at), "not-selected", "no-text" (looked at, left unchanged),
  // "cleaned" (text masked) or "overlay-removed" (only an overlay in unused high bits cleared);
  // the boxes masked (never the text they covered).
  std::string pixel_status = "off";
  std::vector<MaskedRegion> masked_regions;
  std::uint32_t phi_words_in_pixels = 0;  // --pixels ocr: words read that match this file's header PHI
  bool overlay_bits_cleared = false;      // an overlay drawn in the pixel data's unused high bits was removed

  std::uint64_t count(Action a) const { return counts[static_cast<int>(a)]; }
};

}  // namespace veil
