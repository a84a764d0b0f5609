// The rule engine end to end through Deidentifier::deidentify_bytes, on data sets built in memory.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "test_support.h"

using namespace veil;
using namespace veil::testing;

namespace {

constexpr std::uint32_t kPatientName = 0x00100010, kPatientId = 0x00100020, kSopInstance = 0x00080018;

gdcm::DataSet nest_name_at_depth(int depth, const std::string& name) {
  gdcm::DataSet inner;
  inner.Insert(text(kPatientName, gdcm::VR::PN, name));
  inner.Insert(text(0x00081155, gdcm::VR::UI, "1.2.826.0.1.3680043.99.1.1"));  // Referenced SOP Instance UID
  for (int i = 0; i < depth; ++i) {
    gdcm::DataSet outer;
    // Referenced Series Sequence: not in Table E.1-1, so kept and processed (K).
    outer.Insert(sequence(0x00081115, {inner}));
    inner = outer;
  }
  return inner;
}

}  // namespace

TEST(RuleEngine, ReplacesPatientIdentityWithKeyedPseudonyms) {
  auto r = run(ct_dataset());
  EXPECT_TRUE(get(r.ds(), kPatientId).size() == 20);
  EXPECT_TRUE(get(r.ds(), kPatientName).starts_with("VEIL^"));
  EXPECT_EQ(get(r.ds(), 0x00080050).size(), 16u);
  EXPECT_EQ(get(r.ds(), 0x00100030), "");  // birth date emptied (Z)
  EXPECT_FALSE(contains(r.bytes, "DOE"));
  EXPECT_FALSE(contains(r.bytes, "MRN12345"));
  EXPECT_FALSE(contains(r.bytes, "ACC99887"));
  EXPECT_FALSE(contains(r.bytes, "19700102"));
  EXPECT_FALSE(contains(r.bytes, "ELSEWHERE"));
  EXPECT_FALSE(contains(r.bytes, "HOUSE"));
}

TEST(RuleEngine, RemovesPatientNameInNestedSequenceAtEveryDepth) {
  for (int depth = 1; depth <= 6; ++depth) {
    auto ds = ct_dataset();
    auto nested = nest_name_at_depth(depth, "NESTED^CANARY");
    for (auto it = nested.Begin(); it != nested.End(); ++it) ds.Replace(*it);
    auto r = run(ds);
    EXPECT_FALSE(contains(r.bytes, "CANARY")) << "depth " << depth;
  }
}

TEST(RuleEngine, MapsUidsInsideSequencesExactlyAsAtTopLevel) {
  auto ds = ct_dataset();
  auto nested = nest_name_at_depth(3, "X^Y");
  for (auto it = nested.Begin(); it != nested.End(); ++it) ds.Replace(*it);
  auto r = run(ds);
  const gdcm::DataSet* level = &r.ds();
  for (int i = 0; i < 3; ++i) level = &item(*level, 0x00081115);
  EXPECT_EQ(get(*level, 0x00081155), get(r.ds(), kSopInstance));
  EXPECT_TRUE(get(r.ds(), kSopInstance).starts_with("2.25."));
  EXPECT_FALSE(contains(r.bytes, "1.2.826.0.1.3680043.99"));
}

TEST(RuleEngine, SameKeySameBytesDifferentKeyDifferentUids) {
  auto a = run(ct_dataset()), b = run(ct_dataset());
  EXPECT_EQ(a.bytes, b.bytes);
  auto c = run(ct_dataset(), Profile(), test_key("another key of sixteen+ bytes"));
  EXPECT_NE(get(a.ds(), kSopInstance), get(c.ds(), kSopInstance));
}

TEST(RuleEngine, RemovesPrivateAttributesUnderBasic) {
  auto ds = ct_dataset();
  ds.Insert(text(0x00190010, gdcm::VR::LO, "GEMS_ACQU_01"));
  ds.Insert(text(0x00191023, gdcm::VR::DS, "1.5"));
  ds.Insert(text(0x00291099, gdcm::VR::LO, "PRIVATECANARY"));  // no creator at all
  auto r = run(ds);
  EXPECT_FALSE(has(r.ds(), 0x00190010));
  EXPECT_FALSE(has(r.ds(), 0x00191023));
  EXPECT_FALSE(contains(r.bytes, "PRIVATECANARY"));
  EXPECT_EQ(r.result.private_removed, 3u);
}

TEST(RuleEngine, RetainSafePrivateMatchesCreatorByValueNotBlock) {
  auto ds = ct_dataset();
  // The same creator in block 0x42 instead of the usual 0x10; one safe element, one not.
  ds.Insert(text(0x00190042, gdcm::VR::LO, "GEMS_ACQU_01"));
  ds.Insert(text(0x00194223, gdcm::VR::DS, "1.5"));
  ds.Insert(text(0x00194201, gdcm::VR::LO, "UNSAFECANARY"));
  ds.Insert(text(0x00190010, gdcm::VR::LO, "OTHER_VENDOR"));
  ds.Insert(text(0x00191023, gdcm::VR::DS, "2.5"));  // same element byte, wrong creator
  Profile p;
  p.enable(Option::kRetainSafePrivate);
  auto r = run(ds, p);
  EXPECT_EQ(get(r.ds(), 0x00194223), "1.5");
  EXPECT_EQ(get(r.ds(), 0x00190042), "GEMS_ACQU_01");
  EXPECT_FALSE(has(r.ds(), 0x00194201));
  EXPECT_FALSE(has(r.ds(), 0x00190010));
  EXPECT_FALSE(has(r.ds(), 0x00191023));
}

TEST(RuleEngine, RemovesOverlayAndCurveGroups) {
  auto ds = ct_dataset();
  ds.Insert(text(0x60004000, gdcm::VR::LT, "OVERLAYCANARY"));
  ds.Insert(text(0x50000022, gdcm::VR::LO, "CURVECANARY"));
  gdcm::DataElement overlay(gdcm::Tag(0x6002, 0x3000));
  overlay.SetVR(gdcm::VR::OW);
  std::string bits(8, '\x5a');
  overlay.SetByteValue(bits.data(), 8);
  ds.Insert(overlay);
  auto r = run(ds);
  EXPECT_FALSE(has(r.ds(), 0x60004000));
  EXPECT_FALSE(has(r.ds(), 0x60023000));
  EXPECT_FALSE(contains(r.bytes, "CURVECANARY"));
  EXPECT_FALSE(contains(r.bytes, "OVERLAYCANARY"));
}

TEST(RuleEngine, RemovesPublicAttributesUnknownToTheDictionary) {
  auto ds = ct_dataset();
  ds.Insert(text(0x00181999, gdcm::VR::LO, "NEWERCANARY"));  // not in PS3.6 2024d
  auto r = run(ds);
  EXPECT_FALSE(has(r.ds(), 0x00181999));
  EXPECT_EQ(r.result.unknown_public_removed, 1u);
  auto keep = run(ds, Profile().set_remove_unknown_public(false));
  EXPECT_TRUE(has(keep.ds(), 0x00181999));
}

TEST(RuleEngine, ModifiedDatesShiftEveryDateByOnePatientOffset) {
  auto ds = ct_dataset();
  gdcm::DataSet nested;
  nested.Insert(text(0x00080020, gdcm::VR::DA, "20200316"));
  ds.Insert(sequence(0x00081115, {nested}));
  ds.Insert(text(0x0008002A, gdcm::VR::DT, "20200315120000"));
  Profile p;
  p.enable(Option::kRetainLongitudinalModifiedDates);
  auto r = run(ds, p);
  std::string top = get(r.ds(), 0x00080020), inner = get(item(r.ds(), 0x00081115), 0x00080020);
  ASSERT_EQ(top.size(), 8u);
  EXPECT_NE(top, "20200315");
  // One day apart before, one day apart after.
  auto days = [](const std::string& d) {
    std::chrono::year_month_day ymd{std::chrono::year{std::stoi(d.substr(0, 4))},
                                    std::chrono::month{static_cast<unsigned>(std::stoi(d.substr(4, 2)))},
                                    std::chrono::day{static_cast<unsigned>(std::stoi(d.substr(6, 2)))}};
    return std::chrono::sys_days{ymd}.time_since_epoch().count();
  };
  EXPECT_EQ(days(inner) - days(top), 1);
  EXPECT_EQ(get(r.ds(), 0x0008002A).substr(0, 8), top);
  EXPECT_EQ(get(r.ds(), 0x00280303), "MODIFIED");
  EXPECT_GT(r.result.count(Action::kShift), 0u);
}

TEST(RuleEngine, CleanDescriptorsRemovesTokensButKeepsTheRest) {
  Profile p;
  p.enable(Option::kCleanDescriptors);
  auto r = run(ct_dataset(), p);
  EXPECT_EQ(get(r.ds(), 0x0008103E), "Chest call");
  auto basic = run(ct_dataset());
  EXPECT_FALSE(has(basic.ds(), 0x0008103E));  // X under Basic
}

TEST(RuleEngine, KeepOnASequenceStillProcessesItsItems) {
  auto ds = ct_dataset();
  gdcm::DataSet code;
  code.Insert(text(0x00080100, gdcm::VR::SH, "T-D3000"));
  code.Insert(text(0x00100010, gdcm::VR::PN, "INSIDE^KEPT"));
  ds.Insert(sequence(0x00082218, {code}));  // Anatomic Region Sequence: not listed, kept
  auto r = run(ds);
  ASSERT_EQ(item_count(r.ds(), 0x00082218), 1u);
  EXPECT_EQ(get(item(r.ds(), 0x00082218), 0x00080100), "T-D3000");
  EXPECT_FALSE(contains(r.bytes, "INSIDE"));
}

TEST(RuleEngine, EmptyActionOnASequenceLeavesNoItems) {
  auto ds = ct_dataset();
  gdcm::DataSet person;
  person.Insert(text(0x00100010, gdcm::VR::PN, "VERIFIER^CANARY"));
  ds.Insert(sequence(0x0040A088, {person}));  // Verifying Observer Identification Code Sequence: Z
  auto r = run(ds);
  ASSERT_TRUE(has(r.ds(), 0x0040A088));
  EXPECT_EQ(item_count(r.ds(), 0x0040A088), 0u);
  EXPECT_FALSE(contains(r.bytes, "VERIFIER"));
}

TEST(RuleEngine, UnlistedInstanceUidsAreMappedButClassUidsKept) {
  auto ds = ct_dataset();
  ds.Insert(text(0x00080014, gdcm::VR::UI, "1.2.826.0.1.3680043.99.77"));  // Instance Creator UID (listed U)
  ds.Insert(text(0x00209161, gdcm::VR::UI, "1.2.826.0.1.3680043.99.78"));  // Concatenation UID
  gdcm::DataSet ref;
  ref.Insert(text(0x00081150, gdcm::VR::UI, "1.3.12.2.1107.5.9.1"));  // a private SOP class
  ref.Insert(text(0x00081155, gdcm::VR::UI, "1.2.826.0.1.3680043.99.79"));
  ds.Insert(sequence(0x00081115, {ref}));
  auto r = run(ds);
  EXPECT_FALSE(contains(r.bytes, "1.2.826.0.1.3680043.99."));
  EXPECT_EQ(get(item(r.ds(), 0x00081115), 0x00081150), "1.3.12.2.1107.5.9.1");
}

TEST(RuleEngine, LookupTableGivesSubjectIdAndName) {
  auto dir = std::filesystem::temp_directory_path() / "veil_lookup_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "map.csv") << "original_id,subject_id,subject_name\nMRN12345,SUBJ-001,\"SUBJECT^ONE\"\n";
  DeidentifierOptions o;
  o.lookup_table = dir / "map.csv";
  Deidentifier d(Profile(), test_key(), o);
  std::vector<std::byte> out;
  auto res = d.deidentify_bytes(to_bytes(ct_dataset()), out);
  ASSERT_TRUE(res) << res.error().message;
  auto f = read_back(out);
  EXPECT_EQ(get(f->GetDataSet(), kPatientId), "SUBJ-001");
  EXPECT_EQ(get(f->GetDataSet(), kPatientName), "SUBJECT^ONE");
  auto other = ct_dataset();
  other.Replace(text(kPatientId, gdcm::VR::LO, "NOT-IN-TABLE"));
  auto miss = d.deidentify_bytes(to_bytes(other), out);
  ASSERT_FALSE(miss);
  EXPECT_EQ(miss.error().code, ErrorCode::kLookupMissing);
  EXPECT_EQ(miss.error().message.find("NOT-IN-TABLE"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Output, SaysWhatWasDone) {
  auto r = run(ct_dataset(), Profile::preset("research"));
  EXPECT_EQ(get(r.ds(), 0x00120062), "YES");
  std::string method = get(r.ds(), 0x00120063);
  EXPECT_NE(method.find("2024c"), std::string::npos);
  EXPECT_NE(method.find("research"), std::string::npos);
  EXPECT_NE(method.find("Retain Safe Private Option"), std::string::npos);
  ASSERT_EQ(item_count(r.ds(), 0x00120064), 6u);  // 113100 + five options
  EXPECT_EQ(get(item(r.ds(), 0x00120064, 1), 0x00080100), "113100");
}

TEST(Output, FileMetaIsRebuiltAndPreambleZeroed) {
  auto r = run(ct_dataset());
  const auto& meta = r.file->GetHeader();
  EXPECT_FALSE(has(meta, 0x00020016));  // Source Application Entity Title not carried over
  EXPECT_FALSE(contains(r.bytes, "CANARYAE"));
  EXPECT_EQ(get(meta, 0x00020003), get(r.ds(), kSopInstance));
  EXPECT_EQ(get(meta, 0x00020013).substr(0, 5), "VEIL_");
  for (int i = 0; i < 128; ++i) ASSERT_EQ(r.bytes[i], std::byte{0}) << i;
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.bytes.data()) + 128, 4), "DICM");
}

TEST(Output, KeepsTheTransferSyntaxIncludingImplicitAndBigEndian) {
  for (auto ts : {gdcm::TransferSyntax::ImplicitVRLittleEndian, gdcm::TransferSyntax::ExplicitVRBigEndian,
                  gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian}) {
    auto r = run(ct_dataset(), Profile(), test_key(), ts);
    EXPECT_EQ(r.file->GetHeader().GetDataSetTransferSyntax(), ts);
    EXPECT_TRUE(get(r.ds(), kPatientName).starts_with("VEIL^"));
    EXPECT_FALSE(contains(r.bytes, "DOE"));
  }
}

TEST(BadInput, TruncatedAndNonDicomBytesGiveAnErrorWithoutPhi) {
  Deidentifier d(Profile(), test_key());
  auto bytes = to_bytes(ct_dataset());
  std::vector<std::byte> out;
  std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() - 7));
  auto r = d.deidentify_bytes(cut, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("DOE"), std::string::npos);
  std::string junk = "this is not a DICOM file at all, just text.";
  std::vector<std::byte> j(junk.size());
  std::memcpy(j.data(), junk.data(), junk.size());
  auto n = d.deidentify_bytes(j, out);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::kNotDicom);
}

TEST(BadInput, HugeLengthIsRejectedBeforeParsing) {
  auto bytes = to_bytes(ct_dataset());
  // Find PatientName (0010,0010) PN and give it a length far past the end of the file.
  const char pat[] = {0x10, 0x00, 0x10, 0x00, 'P', 'N'};
  std::string_view hay(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto pos = hay.find(std::string_view(pat, 6));
  ASSERT_NE(pos, std::string_view::npos);
  bytes[pos + 6] = std::byte{0xFF};
  bytes[pos + 7] = std::byte{0xFF};
  Deidentifier d(Profile(), test_key());
  std::vector<std::byte> out;
  auto r = d.deidentify_bytes(bytes, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTruncated);
}

TEST(Deidentifier, FileApiWritesAtomicallyAndNothingOnError) {
  auto dir = std::filesystem::temp_directory_path() / "veil_file_api_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto bytes = to_bytes(ct_dataset());
  std::ofstream(dir / "in.dcm", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
  std::ofstream(dir / "bad.dcm") << "garbage";
  Deidentifier d(Profile(), test_key());
  ASSERT_TRUE(d.deidentify_file(dir / "in.dcm", dir / "out" / "out.dcm"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "out.dcm"));
  EXPECT_FALSE(d.deidentify_file(dir / "bad.dcm", dir / "out" / "bad.dcm"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "bad.dcm"));
  std::size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir / "out")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);  // no temporary left behind
  std::filesystem::remove_all(dir);
}

TEST(BadInput, PixelDataShorterThanItsDimensionsIsRejected) {
  auto ds = ct_dataset();
  auto us = [](std::uint32_t tag, std::uint16_t v) {
    gdcm::DataElement de(gdcm::Tag(static_cast<std::uint16_t>(tag >> 16), static_cast<std::uint16_t>(tag & 0xFFFF)));
    de.SetVR(gdcm::VR::US);
    de.SetByteValue(reinterpret_cast<const char*>(&v), 2);
    return de;
  };
  ds.Insert(us(0x00280010, 512));
  ds.Insert(us(0x00280011, 512));
  ds.Insert(us(0x00280100, 16));
  gdcm::DataElement pixels(gdcm::Tag(0x7FE0, 0x0010));
  pixels.SetVR(gdcm::VR::OW);
  std::string few(100, '\0');
  pixels.SetByteValue(few.data(), 100);
  ds.Insert(pixels);
  Deidentifier d(Profile(), test_key());
  std::vector<std::byte> out;
  auto r = d.deidentify_bytes(to_bytes(ds), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTruncated);
  few.assign(512 * 512 * 2, '\0');
  pixels.SetByteValue(few.data(), static_cast<std::uint32_t>(few.size()));
  ds.Replace(pixels);
  EXPECT_TRUE(d.deidentify_bytes(to_bytes(ds), out));
}

TEST(FastPath, PixelBytesPassThroughUnchanged) {
  auto ds = ct_dataset();
  gdcm::DataElement pixels(gdcm::Tag(0x7FE0, 0x0010));
  pixels.SetVR(gdcm::VR::OW);
  std::string values(4096, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<char>(i * 7);
  pixels.SetByteValue(values.data(), static_cast<std::uint32_t>(values.size()));
  ds.Insert(pixels);
  auto r = run(ds);
  const auto* bv = r.ds().GetDataElement(gdcm::Tag(0x7FE0, 0x0010)).GetByteValue();
  ASSERT_NE(bv, nullptr);
  EXPECT_EQ(std::string(bv->GetPointer(), bv->GetLength()), values);
  EXPECT_TRUE(get(r.ds(), 0x00100010).starts_with("VEIL^"));
}

TEST(RuleEngine, SafePrivateSequencesAreProcessedAndTheirUidsMapped) {
  auto ds = ct_dataset();
  ds.Insert(text(0x20010010, gdcm::VR::LO, "Philips Imaging DD 001"));
  gdcm::DataSet nested;
  nested.Insert(text(0x00100010, gdcm::VR::PN, "HIDDEN^CANARY"));
  nested.Insert(text(0x00081155, gdcm::VR::UI, "1.2.826.0.1.3680043.99.55"));
  ds.Insert(sequence(0x2001105F, {nested}));  // (2001,xx5F) SQ, safe in Table E.3.10-1
  Profile p;
  p.enable(Option::kRetainSafePrivate);
  auto r = run(ds, p);
  ASSERT_TRUE(has(r.ds(), 0x2001105F));
  EXPECT_FALSE(contains(r.bytes, "CANARY"));
  EXPECT_FALSE(contains(r.bytes, "1.2.826.0.1.3680043.99.55"));
  EXPECT_TRUE(get(item(r.ds(), 0x2001105F), 0x00081155).starts_with("2.25."));
}
