// Builds DICOM data sets in memory and runs them through veil, for the unit tests.
#pragma once

#include <gdcmByteValue.h>
#include <gdcmFile.h>
#include <gdcmItem.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmWriter.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "veil/veil.h"

namespace veil::testing {

inline gdcm::DataElement text(std::uint32_t tag, gdcm::VR vr, std::string v) {
  if (v.size() % 2) v += vr == gdcm::VR::UI ? '\0' : ' ';
  gdcm::DataElement de(gdcm::Tag(static_cast<std::uint16_t>(tag >> 16), static_cast<std::uint16_t>(tag & 0xFFFF)));
  de.SetVR(vr);
  de.SetByteValue(v.data(), gdcm::VL(static_cast<std::uint32_t>(v.size())));
  return de;
}

inline gdcm::DataElement sequence(std::uint32_t tag, const std::vector<gdcm::DataSet>& items) {
  gdcm::SmartPointer<gdcm::SequenceOfItems> sq = new gdcm::SequenceOfItems;
  sq->SetLengthToUndefined();
  for (const auto& ds : items) {
    gdcm::Item item;
    item.SetVLToUndefined();
    item.SetNestedDataSet(ds);
    sq->AddItem(item);
  }
  gdcm::DataElement de(gdcm::Tag(static_cast<std::uint16_t>(tag >> 16), static_cast<std::uint16_t>(tag & 0xFFFF)));
  de.SetVR(gdcm::VR::SQ);
  de.SetValue(*sq);
  de.SetVLToUndefined();
  return de;
}

// A CT image header full of PHI, as the tests' starting point.
inline gdcm::DataSet ct_dataset() {
  gdcm::DataSet ds;
  ds.Insert(text(0x00080005, gdcm::VR::CS, "ISO_IR 100"));
  ds.Insert(text(0x00080016, gdcm::VR::UI, "1.2.840.10008.5.1.4.1.1.2"));
  ds.Insert(text(0x00080018, gdcm::VR::UI, "1.2.826.0.1.3680043.99.1.1"));
  ds.Insert(text(0x00080020, gdcm::VR::DA, "20200315"));
  ds.Insert(text(0x00080030, gdcm::VR::TM, "101500"));
  ds.Insert(text(0x00080050, gdcm::VR::SH, "ACC99887"));
  ds.Insert(text(0x00080060, gdcm::VR::CS, "CT"));
  ds.Insert(text(0x00080080, gdcm::VR::LO, "SAINT ELSEWHERE HOSPITAL"));
  ds.Insert(text(0x00080090, gdcm::VR::PN, "HOUSE^GREGORY"));
  ds.Insert(text(0x0008103E, gdcm::VR::LO, "Chest DOE call 555-123-4567"));
  ds.Insert(text(0x00100010, gdcm::VR::PN, "DOE^JOHN"));
  ds.Insert(text(0x00100020, gdcm::VR::LO, "MRN12345"));
  ds.Insert(text(0x00100030, gdcm::VR::DA, "19700102"));
  ds.Insert(text(0x00100040, gdcm::VR::CS, "M"));
  ds.Insert(text(0x0020000D, gdcm::VR::UI, "1.2.826.0.1.3680043.99.2"));
  ds.Insert(text(0x0020000E, gdcm::VR::UI, "1.2.826.0.1.3680043.99.3"));
  ds.Insert(text(0x00200052, gdcm::VR::UI, "1.2.826.0.1.3680043.99.4"));
  return ds;
}

inline std::vector<std::byte> to_bytes(const gdcm::DataSet& ds,
                                       gdcm::TransferSyntax ts = gdcm::TransferSyntax::ExplicitVRLittleEndian) {
  gdcm::SmartPointer<gdcm::File> file = new gdcm::File;
  file->SetDataSet(ds);
  file->GetHeader().SetDataSetTransferSyntax(ts);
  file->GetHeader().Insert(text(0x00020016, gdcm::VR::AE, "CANARYAE"));  // must not be carried over
  gdcm::Writer w;
  std::ostringstream os;
  w.SetStream(os);
  w.SetFile(*file);
  if (!w.Write()) throw std::runtime_error("test fixture did not write");
  std::string s = os.str();
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

inline gdcm::SmartPointer<gdcm::File> read_back(const std::vector<std::byte>& bytes) {
  std::string s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::istringstream is(s);
  gdcm::Reader r;
  r.SetStream(is);
  if (!r.Read()) throw std::runtime_error("output does not re-read with GDCM");
  return &r.GetFile();
}

inline bool has(const gdcm::DataSet& ds, std::uint32_t tag) {
  return ds.FindDataElement(gdcm::Tag(static_cast<std::uint16_t>(tag >> 16), static_cast<std::uint16_t>(tag & 0xFFFF)));
}

inline std::string get(const gdcm::DataSet& ds, std::uint32_t tag) {
  if (!has(ds, tag)) return "<absent>";
  const auto& de = ds.GetDataElement(gdcm::Tag(static_cast<std::uint16_t>(tag >> 16), static_cast<std::uint16_t>(tag & 0xFFFF)));
  const gdcm::ByteValue* bv = de.GetByteValue();
  if (!bv) return "";
  std::string v(bv->GetPointer(), bv->GetLength());
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.pop_back();
  return v;
}

inline const gdcm::DataSet& item(const gdcm::DataSet& ds, std::uint32_t tag, std::size_t index = 1) {
  const auto& de = ds.GetDataElement(gdcm::Tag(static_cast<std::uint16_t>(tag >> 16), static_cast<std::uint16_t>(tag & 0xFFFF)));
  static gdcm::SmartPointer<gdcm::SequenceOfItems> keep;
  keep = de.GetValueAsSQ();
  return keep->GetItem(index).GetNestedDataSet();
}

inline std::size_t item_count(const gdcm::DataSet& ds, std::uint32_t tag) {
  const auto& de = ds.GetDataElement(gdcm::Tag(static_cast<std::uint16_t>(tag >> 16), static_cast<std::uint16_t>(tag & 0xFFFF)));
  auto sq = de.GetValueAsSQ();
  return sq ? sq->GetNumberOfItems() : 0;
}

inline bool contains(const std::vector<std::byte>& bytes, std::string_view needle) {
  std::string_view hay(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return hay.find(needle) != std::string_view::npos;
}

inline Key test_key(std::string k = "0123456789abcdef0123456789abcdef") { return Key::from_bytes(std::move(k)); }

// De-identifies `ds` and returns the re-read output file (throws if veil reports an error).
struct Run {
  FileResult result;
  std::vector<std::byte> bytes;
  gdcm::SmartPointer<gdcm::File> file;
  const gdcm::DataSet& ds() const { return file->GetDataSet(); }
};

inline Run run(const gdcm::DataSet& in, const Profile& profile = Profile(), Key key = test_key(),
               gdcm::TransferSyntax ts = gdcm::TransferSyntax::ExplicitVRLittleEndian) {
  Deidentifier d(profile, std::move(key));
  Run r;
  auto res = d.deidentify_bytes(to_bytes(in, ts), r.bytes);
  if (!res) throw std::runtime_error("deidentify failed: " + res.error().message);
  r.result = res.value();
  r.file = read_back(r.bytes);
  return r;
}

}  // namespace veil::testing
