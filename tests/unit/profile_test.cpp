#include <gtest/gtest.h>

#include "rules/compiled_profile.h"
#include "rules/rule_engine.h"
#include "rules/tables.h"
#include "veil/veil.h"

using namespace veil;

TEST(Tables, HoldAllRowsOfTableE11WithTheirEdition) {
  const auto& t = rules::Tables::get();
  EXPECT_EQ(t.rows().size(), 623u);
  EXPECT_EQ(t.e11_edition(), "2024c");
  EXPECT_EQ(t.dictionary_edition(), "2024d");
}

TEST(Tables, DictionaryKnowsRepeatingGroupsAndKeywords) {
  const auto& t = rules::Tables::get();
  ASSERT_NE(t.dictionary(0x60023000), nullptr);  // (60xx,3000) Overlay Data, any even group
  EXPECT_EQ(t.dictionary(0x00100010)->keyword, "PatientName");
  EXPECT_EQ(t.tag_for_keyword("PatientID"), 0x00100020u);
  EXPECT_EQ(t.dictionary(0x00181999), nullptr);
}

TEST(Tables, SafePrivateMatchesCreatorAndElement) {
  const auto& t = rules::Tables::get();
  EXPECT_TRUE(t.safe_private(0x0019, "GEMS_ACQU_01", 0x23));
  EXPECT_FALSE(t.safe_private(0x0019, "SOMEONE_ELSE", 0x23));
  EXPECT_FALSE(t.safe_private(0x0019, "GEMS_ACQU_01", 0x01));
}

TEST(Profile, BasicHasNoOptions) {
  auto p = Profile::preset("basic");
  EXPECT_TRUE(p.enabled_options().empty());
  EXPECT_TRUE(p.remove_unknown_public());
}

TEST(Profile, ResearchPresetEnablesItsFiveOptions) {
  auto p = Profile::preset("research");
  EXPECT_EQ(p.name(), "research");
  for (Option o : {Option::kRetainLongitudinalModifiedDates, Option::kRetainPatientCharacteristics,
                   Option::kRetainDeviceIdentity, Option::kRetainSafePrivate, Option::kCleanDescriptors})
    EXPECT_TRUE(p.has(o)) << info(o).name;
  EXPECT_EQ(p.enabled_options().size(), 5u);
}

TEST(Profile, YamlOverridesByKeywordAndTag) {
  auto p = Profile::from_yaml(R"yaml(
name: mine
extends: research
options: [retain_uids]
overrides:
  - keyword: SeriesDescription
    action: K
  - tag: "(0010,0040)"
    action: X
)yaml");
  EXPECT_EQ(p.name(), "mine");
  EXPECT_TRUE(p.has(Option::kRetainUids));
  EXPECT_TRUE(p.has(Option::kCleanDescriptors));
  rules::CompiledProfile c(p);
  EXPECT_EQ(c.code_for(0x0008103E), Code::kK);
  EXPECT_EQ(c.code_for(0x00100040), Code::kX);
  EXPECT_EQ(c.code_for(0x00080018), Code::kK);  // Retain UIDs
}

TEST(Profile, RejectsUnknownKeysOptionsAndActions) {
  EXPECT_THROW(Profile::from_yaml("optons: []"), Exception);
  EXPECT_THROW(Profile::from_yaml("options: [retain_everything]"), Exception);
  EXPECT_THROW(Profile::from_yaml("overrides: [{keyword: PatientName, action: Q}]"), Exception);
  EXPECT_THROW(Profile::from_yaml("overrides: [{keyword: NotAKeyword, action: X}]"), Exception);
  EXPECT_THROW(Profile::from_yaml("[unbalanced"), Exception);
}

TEST(Profile, FullAndModifiedDatesExcludeEachOther) {
  Profile p;
  p.enable(Option::kRetainLongitudinalFullDates);
  EXPECT_THROW(p.enable(Option::kRetainLongitudinalModifiedDates), Exception);
}

TEST(CompiledProfile, OptionCellsReplaceTheBasicCode) {
  rules::CompiledProfile basic{Profile()};
  EXPECT_EQ(basic.code_for(0x00080020), Code::kZ);  // Study Date
  EXPECT_EQ(basic.code_for(0x00100040), Code::kZ);  // Patient's Sex
  EXPECT_EQ(basic.private_code(), Code::kX);
  rules::CompiledProfile research{Profile::preset("research")};
  EXPECT_EQ(research.code_for(0x00080020), Code::kC);
  EXPECT_EQ(research.code_for(0x00100040), Code::kK);
  EXPECT_EQ(research.private_code(), Code::kC);
  EXPECT_EQ(research.code_for(0x50023000), Code::kX);  // curve data: Clean Graphics is not in research
}

TEST(CompiledProfile, RetainWinsWhenTwoOptionsDisagree) {
  rules::ProfileRow row;
  row.cells[0] = Code::kX;
  row.cells[1 + static_cast<int>(Option::kRetainDeviceIdentity)] = Code::kK;
  row.cells[1 + static_cast<int>(Option::kCleanDescriptors)] = Code::kC;
  Profile clean_only;
  clean_only.enable(Option::kCleanDescriptors);
  EXPECT_EQ(rules::effective_code(row, clean_only), Code::kC);
  Profile both = clean_only;
  both.enable(Option::kRetainDeviceIdentity);
  EXPECT_EQ(rules::effective_code(row, both), Code::kK);
  EXPECT_EQ(rules::effective_code(row, Profile()), Code::kX);
}

TEST(ProfileRows, ListEveryAttributeWithItsEffectiveCode) {
  auto rows = Profile::preset("research").rows();
  ASSERT_EQ(rows.size(), 623u);
  auto it = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.keyword == "StudyDate"; });
  ASSERT_NE(it, rows.end());
  EXPECT_EQ(it->basic, Code::kZ);
  EXPECT_EQ(it->effective, Code::kC);
}

// Composite codes resolve by the attribute's Type in the file's IOD (PS3.15 E.1-1a).
TEST(ResolveCode, PatientIdIsType2InCtSoZDBecomesZ) {
  auto ct = rules::Tables::get().ciod_for_sop_class("1.2.840.10008.5.1.4.1.1.2");
  ASSERT_TRUE(ct);
  EXPECT_EQ(rules::resolve_code(Code::kZD, ct, "00100020", 0x00100020, false), Code::kZ);
}

TEST(ResolveCode, AttributeOutsideTheIodIsTreatedAsType3) {
  auto ct = rules::Tables::get().ciod_for_sop_class("1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(rules::resolve_code(Code::kXD, ct, "00189999", 0x00189999, false), Code::kX);
}

TEST(ResolveCode, ReferencedImageSequenceIsType3InCtAndRemoved) {
  auto ct = rules::Tables::get().ciod_for_sop_class("1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(rules::resolve_code(Code::kXZU, ct, "00081140", 0x00081140, false), Code::kX);
}

TEST(ResolveCode, UnknownSopClassFallsBackConservatively) {
  EXPECT_EQ(rules::resolve_code(Code::kZD, std::nullopt, "00100020", 0x00100020, false), Code::kD);
  EXPECT_EQ(rules::resolve_code(Code::kXZ, std::nullopt, "00080022", 0x00080022, false), Code::kZ);
  EXPECT_EQ(rules::resolve_code(Code::kXZU, std::nullopt, "00081140", 0x00081140, false), Code::kK);
}

TEST(ResolveCode, NestedPathsUseTheNestedTable) {
  auto cr = rules::Tables::get().ciod_for_sop_class("1.2.840.10008.5.1.4.1.1.1");
  ASSERT_TRUE(cr);
  // InstitutionName inside ReferringPhysicianIdentificationSequence is 1C in CR: a dummy.
  EXPECT_EQ(rules::resolve_code(Code::kXZD, cr, "00080096>00080080", 0x00080080, true), Code::kD);
}

TEST(Actions, RegistryNamesEveryActionOnce) {
  EXPECT_EQ(actions().size(), static_cast<std::size_t>(kActionCount));
  for (int i = 0; i < kActionCount; ++i) EXPECT_EQ(static_cast<int>(actions()[i].action), i);
  EXPECT_EQ(to_string(Code::kXZU), "X/Z/U*");
  EXPECT_EQ(parse_code("X/Z/U"), Code::kXZU);
}
