#include "verify/phi_values.h"

#include <gdcmSequenceOfItems.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <cstring>

#include "io/dicom_io.h"
#include "rules/tables.h"

namespace veil::verify {
namespace {

std::uint32_t tag_of(const gdcm::Tag& t) { return static_cast<std::uint32_t>(t.GetGroup()) << 16 | t.GetElement(); }

// The row of Table E.1-1 for a public tag: exact rows first, then the patterned ones.
const rules::ProfileRow* row_for(std::uint32_t tag) {
  struct Index {
    std::unordered_map<std::uint32_t, const rules::ProfileRow*> exact;
    std::vector<const rules::ProfileRow*> patterns;
  };
  static const Index index = [] {
    Index i;
    for (const auto& row : rules::Tables::get().rows()) {
      if (row.is_private_row) continue;
      if (row.pattern.mask == 0xFFFFFFFF) i.exact.emplace(row.pattern.value, &row);
      else i.patterns.push_back(&row);
    }
    return i;
  }();
  if (auto it = index.exact.find(tag); it != index.exact.end()) return it->second;
  for (const auto* row : index.patterns)
    if (row->pattern.matches(tag)) return row;
  return nullptr;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

std::vector<std::string> split(const std::string& s, const char* seps) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::strchr(seps, c)) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

std::string vr_of(const gdcm::DataElement& de) {
  gdcm::VR vr = de.GetVR();
  if (vr != gdcm::VR::INVALID && vr != gdcm::VR::UN) return gdcm::VR::GetVRString(vr);
  const rules::DictEntry* d = rules::Tables::get().dictionary(tag_of(de.GetTag()));
  return d ? d->vr.substr(0, 2) : "UN";
}

}  // namespace

// 'K' when the profile keeps the value as it is (or the table does not list the attribute),
// 'C' when it keeps a cleaned value, 0 when the value goes.
static char kept_as(const Profile& profile, std::uint32_t tag) {
  for (const auto& o : profile.overrides())
    if (o.tag == tag) return o.code == Code::kK ? 'K' : o.code == Code::kC ? 'C' : 0;
  const rules::ProfileRow* row = row_for(tag);
  if (!row) return 'K';
  char best = row->cells[0] == Code::kK ? 'K' : row->cells[0] == Code::kC ? 'C' : 0;
  for (Option o : profile.enabled_options()) {
    const auto& cell = row->cells[1 + static_cast<int>(o)];
    if (cell == Code::kK) best = 'K';
    else if (cell == Code::kC && best != 'K') best = 'C';
  }
  if (profile.has(Option::kRetainUids) && row->cells[0] == Code::kU) best = 'K';
  return best;
}

bool profile_keeps(const Profile& profile, std::uint32_t tag) { return kept_as(profile, tag) != 0; }

bool profile_removes(const Profile& profile, std::uint32_t tag) {
  for (const auto& o : profile.overrides())
    if (o.tag == tag) return o.code == Code::kX;
  const rules::ProfileRow* row = row_for(tag);
  if (!row || row->cells[0] != Code::kX) return false;
  for (Option o : profile.enabled_options())
    if (row->cells[1 + static_cast<int>(o)]) return false;  // the option decides otherwise
  return true;
}

// Placeholders, veil's own dummy values among them: not anybody's identity.
bool placeholder(const std::string& v) {
  static const std::unordered_set<std::string> kPlaceholders{"ANONYMIZED", "ANONYMOUS", "UNKNOWN", "19000101",
                                                             "19000101000000", "REMOVED"};
  return kPlaceholders.count(v) > 0;
}

// The words veil itself writes (DeidentificationMethod, the CID 7050 code meanings): a name
// part such as "Patient" or "Clean" found there is veil's text, not the input's.
const std::string& own_words() {
  static const std::string words = [] {
    std::string w = "veil Basic Profile profile ";
    for (int code = 113100; code <= 113111; ++code)
      if (const auto* c = rules::Tables::get().cid7050(std::to_string(code))) w += c->meaning + '\0';
    return w;
  }();
  return words;
}

void NeedleSet::add(std::string text, const char* kind, std::size_t min_length) {
  if (text.size() < min_length || placeholder(text) || own_words().find(text) != std::string::npos) return;
  // Free text and private values identify by their words; a bare number there (a count, a
  // size, a version) is not worth a finding. IDs, dates and UIDs are numbers by nature.
  bool words = std::string_view(kind) == "text";
  if (words && std::none_of(text.begin(), text.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
    return;
  pending_.push_back({std::move(text), kind});
}

void NeedleSet::insert(Needle needle) {
  if (!seen_.insert(needle.text).second) return;
  index_.reset();
  needles_.push_back(std::move(needle));
}

void NeedleSet::add_dataset(const gdcm::DataSet& ds) {
  pending_.clear();
  kept_.clear();
  walk(ds);
  // A value the data set also holds in an attribute the profile keeps (a private copy of a
  // public value, a name in two places one of which is kept) is not a leak when it is found.
  for (auto& n : pending_)
    if (kept_.find(n.text) == std::string::npos) insert(std::move(n));
  pending_.clear();
  all_kept_ += kept_;
  final_ = false;
}

void NeedleSet::finalize() {
  if (final_) return;
  std::vector<Needle> all;
  all.swap(needles_);
  seen_.clear();
  index_.reset();
  for (auto& n : all)
    if (all_kept_.find(n.text) == std::string::npos) insert(std::move(n));
  final_ = true;
}

void NeedleSet::walk(const gdcm::DataSet& ds) {
  for (auto it = ds.Begin(); it != ds.End(); ++it) {
    const gdcm::DataElement& de = *it;
    const gdcm::Tag& t = de.GetTag();
    std::uint32_t tag = tag_of(t);
    if (t.GetGroup() == 0x7FE0 || t.GetGroup() == 0x0002) continue;
    if ((t.GetGroup() & 0xFF00) == 0x6000 && t.GetElement() == 0x3000) continue;  // overlay bits
    if (gdcm::SmartPointer<gdcm::SequenceOfItems> sq = io::sequence_items(de)) {
      for (gdcm::SequenceOfItems::SizeType i = 1; i <= sq->GetNumberOfItems(); ++i) walk(sq->GetItem(i).GetNestedDataSet());
      continue;
    }
    const gdcm::ByteValue* bv = de.GetByteValue();
    if (!bv || bv->GetLength() == 0) continue;
    std::string value(bv->GetPointer(), bv->GetLength());
    // Private values are not searched: they are mostly copies of public values and vendor
    // vocabulary. Private attributes themselves are checked: none may remain unless the profile
    // keeps them as safe (verify_file).
    if (t.IsPrivate()) continue;
    std::string vr = vr_of(de);
    if (char kept = kept_as(profile_, tag)) {
      if (kept == 'K' && vr != "OB" && vr != "OW" && vr != "UN" && vr != "OF" && vr != "OD" && vr != "OL")
        kept_ += value + '\0';
      continue;
    }
    if (vr == "PN") {
      for (const auto& v : split(value, "\\")) {
        add(v, "name", 6);
        for (const auto& part : split(v, "^ =")) add(part, "name", 5);
      }
    } else if (vr == "UI") {
      for (const auto& v : split(value, "\\"))
        if (v.rfind("1.2.840.10008.", 0) != 0) add(v, "uid", 10);
    } else if (vr == "DA" || vr == "DT") {
      for (const auto& v : split(value, "\\")) add(v.substr(0, 8), "date", 8);
    } else if (vr == "LO" || vr == "SH" || vr == "LT" || vr == "ST" || vr == "UT" || vr == "UC" || vr == "AE") {
      const char* kind = (tag == 0x00100020 || tag == 0x00101000 || tag == 0x00080050) ? "id" : "text";
      for (const auto& v : split(value, "\\")) add(v, kind, 6);
    }
  }
}

std::vector<Finding> NeedleSet::search(std::span<const std::byte> bytes, bool whole_file, std::size_t pixel_begin,
                                       std::size_t pixel_end) const {
  std::vector<Finding> out;
  if (needles_.empty() || bytes.size() < 4) return out;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  // Where the file meta ends: after the explicit little-endian group 0002 following "DICM".
  std::size_t meta_end = 0;
  if (whole_file && n > 132 && std::memcmp(p + 128, "DICM", 4) == 0) {
    std::size_t i = 132;
    while (i + 8 <= n && p[i] == 0x02 && p[i + 1] == 0x00) {
      bool long_form = (p[i + 4] == 'O' || p[i + 4] == 'S' || p[i + 4] == 'U') &&
                       (p[i + 5] == 'B' || p[i + 5] == 'Q' || p[i + 5] == 'N' || p[i + 5] == 'T' || p[i + 5] == 'W');
      std::size_t len = long_form && i + 12 <= n ? (p[i + 8] | p[i + 9] << 8 | p[i + 10] << 16 | static_cast<std::size_t>(p[i + 11]) << 24)
                                                 : (p[i + 6] | p[i + 7] << 8);
      i += (long_form ? 12 : 8) + len;
    }
    meta_end = i;
  }
  auto where = [&](std::size_t i) {
    const char* region = !whole_file                          ? "output"
                         : i < 128                              ? "preamble"
                         : i < meta_end                         ? "file meta"
                         : i >= pixel_begin && i < pixel_end    ? "pixel data"
                                                                : "data set";
    return fmt::format("{} at byte {}", region, i);
  };
  // Pixel data is not searched: burned-in text is read there, not matched byte by byte, and
  // compressed or binary samples match short values by chance.
  const bool skip_pixels = whole_file && pixel_end > pixel_begin && pixel_end <= n;
  if (needles_.size() <= 64) {  // one file's values: a plain find per value is fastest
    std::string_view hay(reinterpret_cast<const char*>(p), n);
    std::vector<std::pair<std::size_t, std::size_t>> ranges{{0, skip_pixels ? pixel_begin : n}};
    if (skip_pixels) ranges.emplace_back(pixel_end, n);
    for (const auto& needle : needles_)
      for (auto [from, to] : ranges) {
        std::string_view part = hay.substr(from, to - from);
        for (std::size_t i = part.find(needle.text); i != std::string_view::npos; i = part.find(needle.text, i + 1))
          out.push_back({needle.kind, where(from + i)});
      }
    std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) { return a.where < b.where; });
    return out;
  }
  if (!index_) {
    index_ = std::make_unique<Index>();
    for (std::size_t k = 0; k < needles_.size(); ++k) {
      const std::string& t = needles_[k].text;
      std::uint32_t prefix = 0;
      std::memcpy(&prefix, t.data(), 4);
      index_->by_prefix[prefix].push_back(k);
      index_->first_two.set(static_cast<unsigned char>(t[0]) | static_cast<unsigned char>(t[1]) << 8);
    }
  }
  for (std::size_t i = 0; i + 4 <= n; ++i) {
    if (skip_pixels && i == pixel_begin) i = pixel_end;
    if (i + 4 > n) break;
    if (!index_->first_two.test(p[i] | p[i + 1] << 8)) continue;
    std::uint32_t prefix = 0;
    std::memcpy(&prefix, p + i, 4);
    auto it = index_->by_prefix.find(prefix);
    if (it == index_->by_prefix.end()) continue;
    for (std::size_t k : it->second) {
      const std::string& needle = needles_[k].text;
      if (i + needle.size() > n || std::memcmp(p + i, needle.data(), needle.size()) != 0) continue;
      out.push_back({needles_[k].kind, where(i)});
    }
  }
  return out;
}

}  // namespace veil::verify
