// Each of the ten options changes what happens to the attributes its column names.
#include <gtest/gtest.h>

#include "test_support.h"

using namespace veil;
using namespace veil::testing;

namespace {

Run run_with(const gdcm::DataSet& ds, Option o) {
  Profile p;
  p.enable(o);
  return run(ds, p);
}

}  // namespace

TEST(Options, RetainUidsKeepsInstanceUids) {
  auto r = run_with(ct_dataset(), Option::kRetainUids);
  EXPECT_EQ(get(r.ds(), 0x00080018), "1.2.826.0.1.3680043.99.1.1");
  EXPECT_EQ(get(r.ds(), 0x0020000D), "1.2.826.0.1.3680043.99.2");
  EXPECT_NE(get(run(ct_dataset()).ds(), 0x0020000D), "1.2.826.0.1.3680043.99.2");
}

TEST(Options, RetainDeviceIdentityKeepsSerialNumberAndStation) {
  auto ds = ct_dataset();
  ds.Insert(text(0x00181000, gdcm::VR::LO, "SN-4711"));
  ds.Insert(text(0x00081010, gdcm::VR::SH, "CT-ROOM-2"));
  auto r = run_with(ds, Option::kRetainDeviceIdentity);
  EXPECT_EQ(get(r.ds(), 0x00181000), "SN-4711");
  EXPECT_EQ(get(r.ds(), 0x00081010), "CT-ROOM-2");
  auto basic = run(ds);
  EXPECT_FALSE(contains(basic.bytes, "SN-4711"));
  EXPECT_FALSE(contains(basic.bytes, "CT-ROOM-2"));
}

TEST(Options, RetainInstitutionIdentityKeepsInstitutionName) {
  auto r = run_with(ct_dataset(), Option::kRetainInstitutionIdentity);
  EXPECT_EQ(get(r.ds(), 0x00080080), "SAINT ELSEWHERE HOSPITAL");
  EXPECT_FALSE(contains(run(ct_dataset()).bytes, "ELSEWHERE"));
}

TEST(Options, RetainPatientCharacteristicsKeepsSexAgeAndWeight) {
  auto ds = ct_dataset();
  ds.Insert(text(0x00101010, gdcm::VR::AS, "051Y"));
  ds.Insert(text(0x00101030, gdcm::VR::DS, "72.5"));
  auto r = run_with(ds, Option::kRetainPatientCharacteristics);
  EXPECT_EQ(get(r.ds(), 0x00100040), "M");
  EXPECT_EQ(get(r.ds(), 0x00101010), "051Y");
  EXPECT_EQ(get(r.ds(), 0x00101030), "72.5");
  auto basic = run(ds);
  EXPECT_EQ(get(basic.ds(), 0x00100040), "");
  EXPECT_FALSE(has(basic.ds(), 0x00101010));
}

TEST(Options, RetainFullDatesKeepsDatesAsTheyWere) {
  auto r = run_with(ct_dataset(), Option::kRetainLongitudinalFullDates);
  EXPECT_EQ(get(r.ds(), 0x00080020), "20200315");
  EXPECT_EQ(get(r.ds(), 0x00080030), "101500");
  EXPECT_EQ(get(r.ds(), 0x00280303), "UNMODIFIED");
  EXPECT_EQ(get(r.ds(), 0x00100030), "");  // birth date is not longitudinal information
}

TEST(Options, RetainModifiedDatesShiftsButKeepsTimeOfDay) {
  auto r = run_with(ct_dataset(), Option::kRetainLongitudinalModifiedDates);
  EXPECT_EQ(get(r.ds(), 0x00080020).size(), 8u);
  EXPECT_NE(get(r.ds(), 0x00080020), "20200315");
  EXPECT_EQ(get(r.ds(), 0x00080030), "101500");
}

TEST(Options, CleanStructuredContentKeepsSpecimenPreparationItems) {
  auto ds = ct_dataset();
  gdcm::DataSet step;
  step.Insert(text(0x00080100, gdcm::VR::SH, "STAIN1"));
  step.Insert(text(0x00100010, gdcm::VR::PN, "TECH^CANARY"));
  ds.Insert(sequence(0x00400610, {step}));
  auto r = run_with(ds, Option::kCleanStructuredContent);
  ASSERT_EQ(item_count(r.ds(), 0x00400610), 1u);
  EXPECT_EQ(get(item(r.ds(), 0x00400610), 0x00080100), "STAIN1");
  EXPECT_FALSE(contains(r.bytes, "CANARY"));
  EXPECT_EQ(item_count(run(ds).ds(), 0x00400610), 0u);  // Z under Basic
}

TEST(Options, CleanGraphicsCleansOverlayCommentsAndDropsBitmaps) {
  auto ds = ct_dataset();
  ds.Insert(text(0x60004000, gdcm::VR::LT, "marker for DOE 2020-03-15"));
  auto r = run_with(ds, Option::kCleanGraphics);
  EXPECT_EQ(get(r.ds(), 0x60004000), "marker for");
  EXPECT_FALSE(has(run(ds).ds(), 0x60004000));
}

TEST(Options, CleanDescriptorsKeepsStudyDescriptionCleaned) {
  auto ds = ct_dataset();
  ds.Insert(text(0x00081030, gdcm::VR::LO, "CT THORAX John 12/03/2020"));
  auto r = run_with(ds, Option::kCleanDescriptors);
  EXPECT_EQ(get(r.ds(), 0x00081030), "CT THORAX");
}

TEST(Options, EachOptionAddsItsCid7050Code) {
  for (const auto& o : options()) {
    auto r = run_with(ct_dataset(), o.option);
    ASSERT_EQ(item_count(r.ds(), 0x00120064), 2u) << o.name;
    EXPECT_EQ(get(item(r.ds(), 0x00120064, 2), 0x00080100), o.code) << o.name;
  }
}

TEST(Options, ReportTextIsDroppedUnderBasicAndCleanedUnderCleanStructuredContent) {
  auto ds = ct_dataset();
  gdcm::DataSet content;
  content.Insert(text(0x0040A040, gdcm::VR::CS, "TEXT"));
  content.Insert(text(0x0040A160, gdcm::VR::UT, "Findings for John Doe on 2020-03-15: no nodule"));
  ds.Insert(sequence(0x0040A730, {content}));
  auto basic = run(ds);
  EXPECT_EQ(item_count(basic.ds(), 0x0040A730), 0u);  // D on a sequence: no items survive
  EXPECT_FALSE(contains(basic.bytes, "nodule"));
  auto cleaned = run_with(ds, Option::kCleanStructuredContent);
  ASSERT_EQ(item_count(cleaned.ds(), 0x0040A730), 1u);
  std::string report = get(item(cleaned.ds(), 0x0040A730), 0x0040A160);
  EXPECT_TRUE(report.starts_with("Findings for")) << report;
  EXPECT_TRUE(report.ends_with("no nodule")) << report;
  for (const char* phi : {"John", "Doe", "2020", "03-15"}) EXPECT_EQ(report.find(phi), std::string::npos) << report;
  EXPECT_EQ(get(item(cleaned.ds(), 0x0040A730), 0x0040A040), "TEXT");
}

TEST(Options, RetainedDeviceValuesStillLoseThePatientsOwnValues) {
  auto ds = ct_dataset();
  ds.Insert(text(0x00081010, gdcm::VR::SH, "DOE WARD CT"));                     // Station Name
  ds.Insert(text(0x00500020, gdcm::VR::LO, "SAINT ELSEWHERE scanner MRN12345"));  // Device Description
  auto r = run_with(ds, Option::kRetainDeviceIdentity);
  EXPECT_EQ(get(r.ds(), 0x00081010), "WARD CT");
  EXPECT_EQ(get(r.ds(), 0x00500020), "scanner");  // institution not retained, so not kept here either
}
