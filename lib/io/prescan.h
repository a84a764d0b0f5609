// A bounds-checked scan of the raw bytes before GDCM sees them. Debian's GDCM aborts the
// process (live asserts) or attempts huge allocations on some malformed files; the prescan
// rejects what it can prove broken: lengths past the end, bad nesting, a missing data set.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "veil/error.h"

namespace veil::io {

struct PrescanLimits {
  int max_depth = 64;  // sequence nesting
};

struct PixelDataSpan {
  std::size_t start = 0;  // first byte of the element's tag
  std::size_t end = 0;    // one past its value (or its sequence delimiter)
};

struct PrescanInfo {
  std::string transfer_syntax;  // from the file meta; empty for a bare data set
  std::string media_storage;     // MediaStorageSOPClassUID from the file meta
  bool has_meta = false;
  bool explicit_vr = true;                  // the encoding the data set scanned in
  std::optional<PixelDataSpan> pixel_data;  // top level only; not known for deflated data sets
  int bits_allocated = 0;                   // top level (0028,0100); 0 when absent
};

// True when `value` is a well-formed run of implicit VR little endian items, which is what a
// sequence stored as UN (or read without its VR) holds. GDCM asserts on malformed ones.
bool valid_implicit_items(std::span<const std::byte> value, const PrescanLimits& limits = {});

// nullopt and `info` filled when the bytes look sound; else the reason, never a value from the file.
std::optional<Error> prescan(std::span<const std::byte> bytes, PrescanInfo& info, const PrescanLimits& limits = {});

}  // namespace veil::io
