// The independent verifier and the output check veil deid runs before writing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "test_support.h"
#include "veil/verify.h"

namespace veil::testing {
namespace {

namespace fs = std::filesystem;

std::set<std::string> kinds(const std::vector<Finding>& fs) {
  std::set<std::string> out;
  for (const auto& f : fs) out.insert(f.kind);
  return out;
}

fs::path write(const std::vector<std::byte>& bytes, const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("veil-verify-" + name);
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
  return p;
}

TEST(Verify, AnInputSearchedForInItselfIsFoundEverywhere) {
  auto input = to_bytes(ct_dataset());
  PhiIndex index{Profile()};
  ASSERT_TRUE(index.add(input));
  auto found = kinds(index.search(input));
  EXPECT_TRUE(found.count("name") && found.count("id") && found.count("date") && found.count("uid"));
}

TEST(Verify, ADeidentifiedOutputHoldsNoneOfItsInputsValues) {
  auto input = to_bytes(ct_dataset());
  veil::testing::Run r = run(ct_dataset());
  PhiIndex index{Profile()};
  ASSERT_TRUE(index.add(input));
  EXPECT_GT(index.size(), 8u);
  EXPECT_TRUE(index.search(r.bytes).empty());
  FileVerdict v = verify_file(write(r.bytes, "clean.dcm"), Profile(), &index);
  EXPECT_TRUE(v.clean()) << v.findings.at(0).kind << " " << v.findings.at(0).where;
}

TEST(Verify, AttributesTheProfileRemovesAndPrivateAttributesAreFound) {
  gdcm::DataSet ds = ct_dataset();
  ds.Insert(text(0x00120062, gdcm::VR::CS, "YES"));
  ds.Insert(text(0x00102160, gdcm::VR::SH, "EXAMPLE"));     // Ethnic Group: X in Basic
  ds.Insert(text(0x00090010, gdcm::VR::LO, "ACME 1.0"));     // a private creator
  ds.Insert(text(0x00091001, gdcm::VR::LO, "private text"));
  fs::path f = write(to_bytes(ds), "dirty.dcm");
  auto v = verify_file(f, Profile());
  auto found = kinds(v.findings);
  EXPECT_TRUE(found.count("removable-attribute"));
  EXPECT_TRUE(found.count("private-attribute"));
  bool ethnic = false;
  for (const auto& x : v.findings) ethnic = ethnic || x.where == "(0010,2160)";
  EXPECT_TRUE(ethnic);
  // Retain Patient Characteristics keeps Ethnic Group: then it is no finding.
  Profile keeps;
  keeps.enable(Option::kRetainPatientCharacteristics);
  for (const auto& x : verify_file(f, keeps).findings) EXPECT_NE(x.where, "(0010,2160)");
}

TEST(Verify, AnUnmarkedOrUnreadableOutputIsAFinding) {
  EXPECT_EQ(verify_file(write(to_bytes(ct_dataset()), "unmarked.dcm"), Profile()).findings.at(0).kind, "not-marked");
  std::vector<std::byte> junk(300, std::byte{'x'});
  EXPECT_EQ(verify_file(write(junk, "junk.dcm"), Profile()).findings.at(0).kind, "unreadable");
}

TEST(OutputCheck, ALookupTableThatMapsAPatientToItselfIsCaught) {
  fs::path csv = fs::temp_directory_path() / "veil-verify-lookup.csv";
  std::ofstream(csv) << "MRN12345,MRN12345\n";  // a subject ID equal to the hospital's own
  DeidentifierOptions o;
  o.lookup_table = csv;
  Deidentifier checked(Profile(), test_key(), o);
  std::vector<std::byte> out;
  auto r = checked.deidentify_bytes(to_bytes(ct_dataset()), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kResidualPhi);
  EXPECT_EQ(r.error().message.find("MRN12345"), std::string::npos);  // never the value
  o.check_output = false;
  Deidentifier unchecked(Profile(), test_key(), o);
  EXPECT_TRUE(unchecked.deidentify_bytes(to_bytes(ct_dataset()), out));
}

}  // namespace
}  // namespace veil::testing
