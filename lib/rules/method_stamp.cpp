#include "rules/method_stamp.h"

#include <gdcmItem.h>
#include <gdcmSequenceOfItems.h>

#include <fmt/format.h>

#include "io/dicom_io.h"
#include "rules/tables.h"
#include "veil/version.h"

namespace veil::rules {
namespace {

gdcm::Item code_item(const Tables::CodeEntry& code) {
  gdcm::DataSet ds;
  ds.Insert(io::text_element(0x0008, 0x0100, gdcm::VR::SH, code.value));
  ds.Insert(io::text_element(0x0008, 0x0102, gdcm::VR::SH, code.scheme));
  ds.Insert(io::text_element(0x0008, 0x0104, gdcm::VR::LO, code.meaning));
  gdcm::Item item;
  item.SetVLToUndefined();
  item.SetNestedDataSet(ds);
  return item;
}

}  // namespace

void stamp_method(gdcm::DataSet& ds, const Profile& profile, bool clean_pixel_data) {
  const Tables& t = Tables::get();
  ds.Replace(io::text_element(0x0012, 0x0062, gdcm::VR::CS, "YES"));

  // LO allows 64 characters per value: one value per fact.
  std::string method = fmt::format("veil {}\\PS3.15 {} Basic Profile\\profile {}", version(), t.e11_edition(),
                                   profile.name().substr(0, 56));
  for (Option o : profile.enabled_options()) method += "\\" + std::string(info(o).code_meaning);
  if (clean_pixel_data) method += "\\" + t.cid7050("113101")->meaning;
  if (!profile.overrides().empty()) method += fmt::format("\\{} user overrides", profile.overrides().size());
  ds.Replace(io::text_element(0x0012, 0x0063, gdcm::VR::LO, method));

  gdcm::SmartPointer<gdcm::SequenceOfItems> sq = new gdcm::SequenceOfItems;
  sq->SetLengthToUndefined();
  sq->AddItem(code_item(*t.cid7050("113100")));
  for (Option o : profile.enabled_options()) sq->AddItem(code_item(*t.cid7050(info(o).code)));
  if (clean_pixel_data) sq->AddItem(code_item(*t.cid7050("113101")));
  gdcm::DataElement codes(gdcm::Tag(0x0012, 0x0064));
  codes.SetVR(gdcm::VR::SQ);
  codes.SetValue(*sq);
  codes.SetVLToUndefined();
  ds.Replace(codes);

  const char* temporal = profile.has(Option::kRetainLongitudinalFullDates)       ? "UNMODIFIED"
                         : profile.has(Option::kRetainLongitudinalModifiedDates) ? "MODIFIED"
                                                                                 : "REMOVED";
  ds.Replace(io::text_element(0x0028, 0x0303, gdcm::VR::CS, temporal));
}

}  // namespace veil::rules
