#include <gdcmSequenceOfItems.h>

#include <fmt/format.h>

#include "io/dicom_io.h"
#include "io/output_file.h"
#include "io/prescan.h"
#include "rules/tables.h"
#include "verify/phi_values.h"
#include "veil/verify.h"

namespace veil {
namespace {

std::string tag_text(const gdcm::Tag& t) { return fmt::format("({:04X},{:04X})", t.GetGroup(), t.GetElement()); }

// The value of a private block's creator, for the Table E.3.10-1 lookup.
std::string creator_of(const gdcm::DataSet& ds, const gdcm::Tag& t) {
  gdcm::Tag creator(t.GetGroup(), static_cast<std::uint16_t>(t.GetElement() >> 8));
  if (!ds.FindDataElement(creator)) return {};
  const gdcm::ByteValue* bv = ds.GetDataElement(creator).GetByteValue();
  std::string v = bv ? std::string(bv->GetPointer(), bv->GetLength()) : std::string();
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.pop_back();
  return v;
}

// Attributes the profile removes outright, and private attributes it does not keep, wherever
// they are in the output.
void check_attributes(const gdcm::DataSet& ds, const Profile& profile, const std::string& path,
                      std::vector<Finding>& out) {
  for (auto it = ds.Begin(); it != ds.End(); ++it) {
    const gdcm::DataElement& de = *it;
    const gdcm::Tag& t = de.GetTag();
    std::string here = path.empty() ? tag_text(t) : path + ">" + tag_text(t);
    if (t.IsPrivate()) {
      if (t.IsPrivateCreator()) continue;
      bool safe = profile.has(Option::kRetainSafePrivate) &&
                  rules::Tables::get().safe_private(t.GetGroup(), creator_of(ds, t),
                                                    static_cast<std::uint8_t>(t.GetElement() & 0xFF));
      if (!safe) out.push_back({"private-attribute", here});
    } else if (verify::profile_removes(profile, static_cast<std::uint32_t>(t.GetGroup()) << 16 | t.GetElement())) {
      out.push_back({"removable-attribute", here});
      continue;
    }
    if (gdcm::SmartPointer<gdcm::SequenceOfItems> sq = io::sequence_items(de))
      for (gdcm::SequenceOfItems::SizeType i = 1; i <= sq->GetNumberOfItems(); ++i)
        check_attributes(sq->GetItem(i).GetNestedDataSet(), profile, here, out);
  }
}

}  // namespace

struct PhiIndex::Impl {
  explicit Impl(const Profile& p) : profile(p), needles(profile) {}
  Profile profile;  // the needle set refers to it
  verify::NeedleSet needles;
  bool final = true;
};

PhiIndex::PhiIndex(const Profile& profile) : impl_(std::make_unique<Impl>(profile)) {}
PhiIndex::~PhiIndex() = default;
PhiIndex::PhiIndex(PhiIndex&&) noexcept = default;
PhiIndex& PhiIndex::operator=(PhiIndex&&) noexcept = default;

bool PhiIndex::add(std::span<const std::byte> dicom) {
  gdcm::SmartPointer<gdcm::File> file;
  if (io::read(dicom, file)) return false;
  impl_->needles.add_dataset(file->GetDataSet());
  impl_->final = false;
  return true;
}

std::size_t PhiIndex::size() const {
  impl_->needles.finalize();
  return impl_->needles.size();
}

std::vector<Finding> PhiIndex::search(std::span<const std::byte> bytes) const {
  impl_->needles.finalize();
  io::PrescanInfo info;
  std::size_t begin = 0, end = 0;
  if (!io::prescan(bytes, info) && info.pixel_data) begin = info.pixel_data->start, end = info.pixel_data->end;
  // Pixel data is searched for text by reading it (the pixel stage, OCR), not byte by byte:
  // compressed and binary samples match short values by chance.
  auto found = impl_->needles.search(bytes, /*whole_file=*/true, begin, end);
  std::erase_if(found, [](const Finding& f) { return f.where.rfind("pixel data", 0) == 0; });
  return found;
}

FileVerdict verify_file(const std::filesystem::path& output, const Profile& profile, const PhiIndex* inputs) {
  FileVerdict v{output, {}};
  io::MappedFile mapped;
  if (auto opened = io::MappedFile::open(output, mapped); !opened) {
    v.findings.push_back({"unreadable", opened.error().message});
    return v;
  }
  gdcm::SmartPointer<gdcm::File> file;
  if (auto err = io::read(mapped.bytes(), file)) {
    v.findings.push_back({"unreadable", std::string(to_string(err->code))});
  } else {
    const gdcm::DataSet& ds = file->GetDataSet();
    if (io::string_value(ds, 0x00120062) != "YES") v.findings.push_back({"not-marked", "(0012,0062)"});
    check_attributes(ds, profile, "", v.findings);
  }
  if (inputs) {
    auto found = inputs->search(mapped.bytes());
    v.findings.insert(v.findings.end(), found.begin(), found.end());
  }
  return v;
}

}  // namespace veil
