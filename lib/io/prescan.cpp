#include "io/prescan.h"

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include <zlib.h>
#include <algorithm>

namespace veil::io {
namespace {

constexpr std::uint32_t kUndefined = 0xFFFFFFFF;
constexpr std::uint32_t kItem = 0xFFFEE000, kItemEnd = 0xFFFEE00D, kSequenceEnd = 0xFFFEE0DD;
constexpr std::uint32_t kPixelData = 0x7FE00010;

struct Fail {
  ErrorCode code;
  const char* message;
};

class Scanner {
 public:
  Scanner(const std::uint8_t* bytes, bool explicit_vr, bool big_endian, int max_depth)
      : p_(bytes), explicit_(explicit_vr), big_(big_endian), max_depth_(max_depth) {}

  // Scans elements in [pos, end), or up to an item delimiter when `end` is unknown.
  std::optional<Fail> dataset(std::size_t& pos, std::size_t end, bool until_item_end, int depth) {
    if (depth > max_depth_) return Fail{ErrorCode::kMalformed, "sequences nested deeper than the limit"};
    while (pos < end) {
      if (end - pos < 8) return Fail{ErrorCode::kTruncated, "the data set ends inside an element header"};
      std::uint32_t tag = read_tag(pos);
      const std::size_t element_start = pos;
      if (tag == kItemEnd) {
        if (!until_item_end) return Fail{ErrorCode::kMalformed, "an item delimiter outside an item"};
        if (read32(pos + 4) != 0) return Fail{ErrorCode::kMalformed, "a delimiter with a length"};
        pos += 8;
        return std::nullopt;
      }
      if (tag == kItem || tag == kSequenceEnd) return Fail{ErrorCode::kMalformed, "an item tag outside a sequence"};
      std::uint32_t length;
      std::string_view v;  // the VR, in explicit VR
      std::size_t header;
      if (explicit_) {
        v = std::string_view(reinterpret_cast<const char*>(p_ + pos + 4), 2);
        if (!known_vr(v)) return Fail{ErrorCode::kMalformed, "an element without a valid VR in an explicit VR data set"};
        if (long_form(v)) {
          if (end - pos < 12) return Fail{ErrorCode::kTruncated, "the data set ends inside an element header"};
          length = read32(pos + 8);
          header = 12;
        } else {
          length = read16(pos + 6);
          header = 8;
        }
      } else {
        length = read32(pos + 4);
        header = 8;
      }
      pos += header;
      if (length == kUndefined) {
        // In explicit VR, an undefined-length UN holds implicit VR little endian items (PS3.5 6.2.2).
        bool un = v == "UN";
        // Only a sequence, a UN and encapsulated Pixel Data (OB, OW) may have an undefined length
        // (PS3.5 7.1.2, A.4); GDCM asserts (aborts) on any other VR.
        if (explicit_ && v != "SQ" && !un && !(tag == kPixelData && (v == "OB" || v == "OW")))
          return Fail{ErrorCode::kMalformed, "an undefined length on a value that cannot have one"};
        if (un && !big_) {
          Scanner implicit(p_, false, false, max_depth_);
          if (auto f = implicit.items(pos, end, depth + 1, true, false)) return f;
        } else if (auto f = items(pos, end, depth + 1, true, tag == kPixelData)) {
          return f;
        }
        note_pixel_data(tag, depth, element_start, pos);
        continue;
      }
      if (length > end - pos) return Fail{ErrorCode::kTruncated, "an element length runs past the end of the file"};
      // PS3.5 7.1.1: lengths are even. GDCM asserts (aborts) on odd ones inside items.
      if (depth > 0 && length % 2) return Fail{ErrorCode::kMalformed, "an odd element length inside a sequence item"};
      if (v == "SQ") {
        std::size_t sq_pos = pos;
        if (auto f = items(sq_pos, pos + length, depth + 1, false, false)) return f;
      }
      if (depth == 0) note_image_attribute(tag, pos, length);
      if (depth == 0 && tag == kPixelData && length < expected_pixel_bytes())
        return Fail{ErrorCode::kTruncated, "pixel data shorter than Rows x Columns x frames x bits"};
      pos += length;
      note_pixel_data(tag, depth, element_start, pos);
    }
    if (until_item_end) return Fail{ErrorCode::kTruncated, "an item without its delimiter"};
    return std::nullopt;
  }

 // The items of a sequence value with defined length (or up to its delimiter).
  std::optional<Fail> sequence_items(std::size_t& pos, std::size_t end) { return items(pos, end, 1, false, false); }

 // The top-level Pixel Data element: where its header starts and its value ends.
  std::size_t pixel_start = 0, pixel_end = 0;
  bool has_pixel_data = false;

 private:
  friend std::optional<Error> veil::io::prescan(std::span<const std::byte>, PrescanInfo&, const PrescanLimits&);
  // Rows, Columns, Samples per Pixel, Bits Allocated (US) and Number of Frames (IS) at top level.
  void note_image_attribute(std::uint32_t tag, std::size_t at, std::uint32_t length) {
    if ((tag == 0x00280010 || tag == 0x00280011 || tag == 0x00280002 || tag == 0x00280100) && length == 2) {
      std::uint64_t v = read16(at);
      (tag == 0x00280010 ? rows_ : tag == 0x00280011 ? columns_ : tag == 0x00280002 ? samples_ : bits_) = v;
    } else if (tag == 0x00280004 && length >= 3) {
      std::string_view pi(reinterpret_cast<const char*>(p_ + at), length);
      subsampled_ = pi.find("_422") != std::string_view::npos;  // YBR_FULL_422: two samples a pixel
    } else if (tag == 0x00280008 && length > 0 && length < 16) {
      std::uint64_t v = 0;
      for (std::uint32_t i = 0; i < length; ++i) {
        char c = static_cast<char>(p_[at + i]);
        if (c >= '0' && c <= '9') v = v * 10 + static_cast<std::uint64_t>(c - '0');
      }
      frames_ = v ? v : 1;
    }
  }
  // Native pixel data must hold every pixel; 0 when the header does not say.
  std::uint64_t expected_pixel_bytes() const {
    if (!rows_ || !columns_ || !bits_) return 0;
    std::uint64_t samples = subsampled_ && samples_ == 3 ? 2 : samples_;
    return (rows_ * columns_ * samples * frames_ * bits_ + 7) / 8;
  }
  std::uint64_t rows_ = 0, columns_ = 0, samples_ = 1, bits_ = 0, frames_ = 1;
  bool subsampled_ = false;

  void note_pixel_data(std::uint32_t tag, int depth, std::size_t start, std::size_t end) {
    if (depth != 0 || tag != kPixelData) return;
    has_pixel_data = true;
    pixel_start = start;
    pixel_end = end;
  }

  static bool known_vr(std::string_view vr) {
    static constexpr std::string_view kVrs[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO",
                                                "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ",
                                                "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"};
    for (auto v : kVrs)
      if (v == vr) return true;
    return false;
  }

  static bool long_form(std::string_view vr) {
    for (std::string_view l : {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"})
      if (vr == l) return true;
    return false;
  }

  std::uint16_t read16(std::size_t at) const {
    return big_ ? static_cast<std::uint16_t>(p_[at] << 8 | p_[at + 1]) : static_cast<std::uint16_t>(p_[at + 1] << 8 | p_[at]);
  }
  std::uint32_t read32(std::size_t at) const {
    std::uint32_t v;
    std::memcpy(&v, p_ + at, 4);
    return big_ ? __builtin_bswap32(v) : v;
  }
  // Item and delimiter tags are little endian except in big endian data sets.
  std::uint32_t read_tag(std::size_t at) const { return std::uint32_t{read16(at)} << 16 | read16(at + 2); }

  // The items of a sequence, or the fragments of encapsulated pixel data: up to the sequence
  // delimiter when `delimited` (undefined length), else exactly filling [pos, end).
  std::optional<Fail> items(std::size_t& pos, std::size_t end, int depth, bool delimited, bool fragments) {
    while (delimited || pos < end) {
      if (end - pos < 8) return Fail{ErrorCode::kTruncated, "a sequence ends inside an item or without its delimiter"};
      std::uint32_t t = read_tag(pos);
      std::uint32_t len = read32(pos + 4);
      pos += 8;
      if (t == kSequenceEnd) {  // GDCM asserts (aborts) on a delimiter with a length
        if (len != 0) return Fail{ErrorCode::kMalformed, "a delimiter with a length"};
        return std::nullopt;
      }
      if (t != kItem) return Fail{ErrorCode::kMalformed, "a sequence holds something other than items"};
      if (len == kUndefined) {
        if (fragments) return Fail{ErrorCode::kMalformed, "a pixel data fragment of undefined length"};
        if (auto f = dataset(pos, end, true, depth)) return f;
        continue;
      }
      if (len > end - pos) return Fail{ErrorCode::kTruncated, "an item runs past the end of its sequence or file"};
      if (!fragments) {
        if (len % 2) return Fail{ErrorCode::kMalformed, "an odd item length"};
        std::size_t item_pos = pos;
        if (auto f = dataset(item_pos, pos + len, false, depth)) return f;
      }
      pos += len;
    }
    return std::nullopt;
  }

  const std::uint8_t* p_;
  bool explicit_, big_;
  int max_depth_;
};

std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }

// Raw deflate (RFC 1951), as PS3.5 A.5 prescribes; refuses to grow past a bomb limit.
bool inflate_raw(const std::uint8_t* data, std::size_t size, std::vector<std::uint8_t>& out) {
  const std::size_t limit = std::size_t{256} << 20 > size * 64 ? std::size_t{256} << 20 : size * 64;
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return false;
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(size, 0xFFFFFFFFu));
  out.resize(std::max<std::size_t>(size * 4, 4096));
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (z.total_out == out.size()) {
      if (out.size() >= limit) break;
      out.resize(std::min(out.size() * 2, limit));
    }
    z.next_out = out.data() + z.total_out;
    z.avail_out = static_cast<uInt>(out.size() - z.total_out);
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc == Z_BUF_ERROR && z.avail_out != 0) break;  // input ended early
    if (rc == Z_BUF_ERROR) rc = Z_OK;
  }
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

}  // namespace

bool valid_implicit_items(std::span<const std::byte> value, const PrescanLimits& limits) {
  Scanner s(reinterpret_cast<const std::uint8_t*>(value.data()), false, false, limits.max_depth);
  std::size_t pos = 0;
  return !s.sequence_items(pos, value.size());
}

std::optional<Error> prescan(std::span<const std::byte> bytes, PrescanInfo& info, const PrescanLimits& limits) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const std::size_t size = bytes.size();
  std::size_t pos = 0;
  if (size >= 132 && std::memcmp(p + 128, "DICM", 4) == 0) {
    pos = 132;
    // GDCM falls back to guessing modes when the meta is missing, and asserts in some of them.
    if (size - pos < 8 || le16(p + pos) != 0x0002)
      return Error{ErrorCode::kMalformed, "no file meta after the DICM prefix"};
  }
  // File meta: always explicit VR little endian, group 0002.
  while (size - pos >= 8 && le16(p + pos) == 0x0002) {
    info.has_meta = true;
    char vr[2] = {static_cast<char>(p[pos + 4]), static_cast<char>(p[pos + 5])};
    std::string_view meta_vr(vr, 2);
    if (!Scanner::known_vr(meta_vr)) return Error{ErrorCode::kMalformed, "a file meta element without a valid VR"};
    // GDCM 3.0.21 reads only these in the file meta and asserts (aborts) on others, such as the
    // UR of newer presentation-address elements.
    if (meta_vr != "UL" && meta_vr != "OB" && meta_vr != "UI" && meta_vr != "SH" && meta_vr != "AE")
      return Error{ErrorCode::kUnsupported, "a file meta element of a VR GDCM cannot read"};
    std::uint32_t length;
    std::size_t header = 8;
    if (std::memcmp(vr, "OB", 2) == 0 || std::memcmp(vr, "UN", 2) == 0 || std::memcmp(vr, "UT", 2) == 0 ||
        std::memcmp(vr, "SQ", 2) == 0 || std::memcmp(vr, "OW", 2) == 0) {
      if (size - pos < 12) return Error{ErrorCode::kTruncated, "the file meta ends inside an element header"};
      std::memcpy(&length, p + pos + 8, 4);
      header = 12;
    } else {
      length = le16(p + pos + 6);
    }
    if (length > size - pos - header) return Error{ErrorCode::kTruncated, "a file meta element runs past the end"};
    std::uint16_t element = le16(p + pos + 2);
    if (element == 0x0010 || element == 0x0002) {
      std::string uid(reinterpret_cast<const char*>(p + pos + header), length);
      while (!uid.empty() && (uid.back() == '\0' || uid.back() == ' ')) uid.pop_back();
      (element == 0x0010 ? info.transfer_syntax : info.media_storage) = uid;
    }
    pos += header + length;
  }
  bool big_guess = false;
  if (pos == 0) {
    // A bare data set: GDCM accepts one that starts with a low even group, in either byte order.
    std::uint16_t g = size >= 2 ? le16(p) : 0, gb = static_cast<std::uint16_t>(g >> 8 | g << 8);
    auto plausible = [](std::uint16_t x) { return x >= 0x0002 && x <= 0x0030 && x % 2 == 0; };
    if (!plausible(g) && !plausible(gb)) return Error{ErrorCode::kNotDicom, "not a DICOM file"};
    big_guess = !plausible(g);
  }
  if (size - pos < 8) return Error{ErrorCode::kNotDicom, "no data set after the file meta"};

  const std::string& ts = info.transfer_syntax;
  if (ts == "1.2.840.10008.1.2.1.99") {
    // Deflated: scan what GDCM will see after inflating (a broken stream made it allocate GBs).
    std::vector<std::uint8_t> inflated;
    if (!inflate_raw(p + pos, size - pos, inflated))
      return Error{ErrorCode::kMalformed, "the deflated data set does not inflate"};
    if (inflated.size() < 8) return Error{ErrorCode::kNotDicom, "no data set after the file meta"};
    std::size_t at = 0;
    Scanner s(inflated.data(), true, false, limits.max_depth);
    if (auto f = s.dataset(at, inflated.size(), false, 0)) return Error{f->code, f->message};
    return std::nullopt;  // the pixel data offsets refer to inflated bytes: no pass-through
  }
  bool big = ts == "1.2.840.10008.1.2.2" || (ts.empty() && big_guess);
  bool explicit_vr = !ts.empty() && ts != "1.2.840.10008.1.2";
  if (ts.empty()) explicit_vr = p[pos + 4] >= 'A' && p[pos + 4] <= 'Z' && p[pos + 5] >= 'A' && p[pos + 5] <= 'Z';
  // Only the encoding GDCM will read with is checked: a file that scans clean in the other one
  // can still make GDCM allocate gigabytes (found by fuzzing). With no declared syntax, GDCM
  // guesses from the bytes as this scan does.
  std::optional<Fail> first;
  for (bool ex : {explicit_vr}) {
    std::size_t at = pos;
    Scanner s(p, ex, big, limits.max_depth);
    auto f = s.dataset(at, size, false, 0);
    if (!f) {
      info.explicit_vr = ex;
      if (s.has_pixel_data) info.pixel_data = PixelDataSpan{s.pixel_start, s.pixel_end};
      info.bits_allocated = static_cast<int>(s.bits_);
      return std::nullopt;
    }
    if (!first) first = f;
  }
  return Error{first->code, first->message};
}

}  // namespace veil::io
