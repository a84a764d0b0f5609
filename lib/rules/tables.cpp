#include "rules/tables.h"

#include <fmt/format.h>

#include <charconv>

#include "rules/text_util.h"
#include "veil/error.h"

namespace veil::embedded {
extern const std::string_view e1_1_tsv;
extern const std::string_view dictionary_tsv;
extern const std::string_view safe_private_tsv;
extern const std::string_view iod_types_tsv;
extern const std::string_view cid7050_tsv;
}  // namespace veil::embedded

namespace veil::rules {
namespace {

// Calls `row(fields)` for each data line; reads '# edition: X' into *edition; skips the header.
template <typename F>
void for_each_row(std::string_view text, std::string* edition, F&& row) {
  bool header_seen = false;
  for (std::string_view line : split(text, '\n')) {
    if (line.empty()) continue;
    if (line.front() == '#') {
      constexpr std::string_view kEdition = "# edition: ";
      if (edition && line.starts_with(kEdition)) *edition = std::string(line.substr(kEdition.size()));
      continue;
    }
    auto fields = split(line, '\t');
    if (!header_seen && fields[0] != "C" && fields[0] != "S" && fields[0] != "T" && fields[0] != "F") {
      header_seen = true;  // the column-name line
      continue;
    }
    row(fields);
  }
}

std::uint32_t parse_hex(std::string_view s) {
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc{} || p != s.data() + s.size()) throw Exception(fmt::format("bad hex in table: {}", s));
  return v;
}

std::optional<AttrType> parse_type(std::string_view t) {
  if (t == "1") return AttrType::k1;
  if (t == "1C") return AttrType::k1C;
  if (t == "2") return AttrType::k2;
  if (t == "2C") return AttrType::k2C;
  if (t == "3") return AttrType::k3;
  return std::nullopt;
}

}  // namespace

std::optional<TagPattern> parse_tag_pattern(std::string_view hex8) {
  if (hex8.size() != 8) return std::nullopt;
  TagPattern p{0, 0};
  for (char c : hex8) {
    p.value <<= 4;
    p.mask <<= 4;
    if (c == 'x') continue;
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    p.value |= static_cast<std::uint32_t>(d);
    p.mask |= 0xF;
  }
  return p;
}

std::string tag_text(std::uint32_t tag) { return fmt::format("({:04X},{:04X})", tag >> 16, tag & 0xFFFF); }
std::string tag_hex(std::uint32_t tag) { return fmt::format("{:08X}", tag); }

const Tables& Tables::get() {
  static const Tables tables;
  return tables;
}

Tables::Tables() {
  for_each_row(embedded::e1_1_tsv, &e11_edition_, [&](const std::vector<std::string_view>& f) {
    if (f.size() != 13) throw Exception("Table E.1-1 row with wrong column count");
    ProfileRow row;
    row.keyword = std::string(f[1]);
    if (f[0] == "private") {
      row.is_private_row = true;
      row.tag_text = "(gggg,eeee) odd";
      row.pattern = {0x00010000, 0x00010000};
    } else {
      auto p = parse_tag_pattern(f[0]);
      if (!p) throw Exception(fmt::format("bad tag in Table E.1-1: {}", f[0]));
      row.pattern = *p;
      row.tag_text = fmt::format("({},{})", f[0].substr(0, 4), f[0].substr(4));
    }
    for (int i = 0; i < 11; ++i) {
      if (f[2 + i].empty()) continue;
      row.cells[i] = parse_code(f[2 + i]);
      if (!row.cells[i]) throw Exception(fmt::format("bad code in Table E.1-1: {}", f[2 + i]));
    }
    rows_.push_back(std::move(row));
  });
  for_each_row(embedded::dictionary_tsv, &dict_edition_, [&](const std::vector<std::string_view>& f) {
    DictEntry e{std::string(f[1]), std::string(f[4]), f[3] == "Y"};
    auto p = parse_tag_pattern(f[0]);
    if (!p) throw Exception(fmt::format("bad tag in dictionary: {}", f[0]));
    if (p->mask == 0xFFFFFFFF) {
      if (!e.keyword.empty()) keywords_[e.keyword] = p->value;
      dict_.emplace(p->value, std::move(e));
    } else {
      dict_patterns_.emplace_back(*p, std::move(e));
    }
  });
  for_each_row(embedded::safe_private_tsv, nullptr, [&](const std::vector<std::string_view>& f) {
    safe_private_.emplace(fmt::format("{}|{}|{}", f[0], f[1], f[2]), f.size() > 3 ? std::string(f[3]) : std::string());
  });
  for_each_row(embedded::iod_types_tsv, nullptr, [&](const std::vector<std::string_view>& f) {
    if (f[0] == "S") {
      int ciod = 0;
      std::from_chars(f[2].data(), f[2].data() + f[2].size(), ciod);
      sop_to_ciod_[std::string(f[1])] = ciod;
    } else if (f[0] == "T") {
      auto t = parse_type(f[3]);
      if (!t) throw Exception(fmt::format("bad Type in IOD table: {}", f[3]));
      types_[fmt::format("{}|{}", f[1], f[2])] = *t;
    } else if (f[0] == "F") {
      fallback_[parse_hex(f[1])] = parse_code(f[2]).value_or(Code::kD);
    }
  });
  for_each_row(embedded::cid7050_tsv, nullptr, [&](const std::vector<std::string_view>& f) {
    cid7050_.push_back({std::string(f[0]), std::string(f[1]), std::string(f[2])});
  });
  if (rows_.size() != 623 || dict_.empty() || sop_to_ciod_.empty() || cid7050_.empty())
    throw Exception("embedded profile tables are incomplete");
}

const DictEntry* Tables::dictionary(std::uint32_t tag) const {
  if (auto it = dict_.find(tag); it != dict_.end()) return &it->second;
  for (const auto& [p, e] : dict_patterns_)
    if (p.matches(tag)) return &e;
  return nullptr;
}

std::optional<std::uint32_t> Tables::tag_for_keyword(std::string_view keyword) const {
  auto it = keywords_.find(std::string(keyword));
  if (it == keywords_.end()) return std::nullopt;
  return it->second;
}

const std::string* Tables::safe_private_vr(std::uint16_t group, std::string_view creator, std::uint8_t element) const {
  auto it = safe_private_.find(fmt::format("{:04X}|{:02X}|{}", group, element, creator));
  return it == safe_private_.end() ? nullptr : &it->second;
}

std::optional<int> Tables::ciod_for_sop_class(std::string_view uid) const {
  auto it = sop_to_ciod_.find(std::string(uid));
  if (it == sop_to_ciod_.end()) return std::nullopt;
  return it->second;
}

std::optional<AttrType> Tables::type_in_ciod(int ciod, std::string_view path) const {
  auto it = types_.find(fmt::format("{}|{}", ciod, path));
  if (it == types_.end()) return std::nullopt;
  return it->second;
}

std::optional<Code> Tables::fallback(std::uint32_t tag) const {
  auto it = fallback_.find(tag);
  if (it == fallback_.end()) return std::nullopt;
  return it->second;
}

const Tables::CodeEntry* Tables::cid7050(std::string_view value) const {
  for (const auto& c : cid7050_)
    if (c.value == value) return &c;
  return nullptr;
}

}  // namespace veil::rules
