#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "rules/date_shift.h"
#include "rules/pseudonymizer.h"
#include "rules/text_cleaner.h"
#include "veil/veil.h"

using namespace veil;
using namespace veil::rules;

TEST(Pseudonymizer, UidIs225FormAndDeterministic) {
  Pseudonymizer p("key-one-key-one-key-one");
  std::string a = p.uid("1.2.3.4");
  EXPECT_TRUE(a.starts_with("2.25."));
  EXPECT_LE(a.size(), 64u);
  EXPECT_EQ(a, p.uid("1.2.3.4"));
  EXPECT_NE(a, p.uid("1.2.3.5"));
  EXPECT_NE(a, Pseudonymizer("key-two-key-two-key-two").uid("1.2.3.4"));
  EXPECT_EQ(a.find_first_not_of("0123456789.", 0), std::string::npos);
}

TEST(Pseudonymizer, LabelsSeparateKindsOfValue) {
  Pseudonymizer p("0123456789abcdef");
  EXPECT_NE(p.patient_id("X1"), p.accession("X1").substr(0, 20));
  EXPECT_EQ(p.patient_id("X1").size(), 20u);
  EXPECT_EQ(p.accession("X1").size(), 16u);
  EXPECT_TRUE(p.patient_name("DOE^JOHN").starts_with("VEIL^"));
}

TEST(Pseudonymizer, DateOffsetIsPerPatientAndNegative) {
  Pseudonymizer p("0123456789abcdef");
  int a = p.date_offset_days("id:A");
  EXPECT_EQ(a, p.date_offset_days("id:A"));
  EXPECT_LE(a, -1);
  EXPECT_GE(a, -3650);
  int different = 0;
  for (int i = 0; i < 20; ++i) different += p.date_offset_days("id:" + std::to_string(i)) != a;
  EXPECT_GT(different, 15);
}

TEST(DateShift, ShiftsDaValuesRangesAndOldForm) {
  EXPECT_EQ(shift_da("20200301", -1), "20200229");
  EXPECT_EQ(shift_da("20200301\\20200302", -1), "20200229\\20200301");
  EXPECT_EQ(shift_da("20200301-20200310", -10), "20200220-20200229");
  EXPECT_EQ(shift_da("2020.03.01", -1), "20200229");
  EXPECT_EQ(shift_da("", -1), "");
  EXPECT_FALSE(shift_da("20201301", -1));
  EXPECT_FALSE(shift_da("garbage", -1));
}

TEST(DateShift, ShiftsDtAtItsOwnPrecisionKeepingTimeAndZone) {
  EXPECT_EQ(shift_dt("20200301101500.123456+0100", -1), "20200229101500.123456+0100");
  EXPECT_EQ(shift_dt("202003", -31), "202001");
  EXPECT_EQ(shift_dt("2020", -366), "2018");
  EXPECT_FALSE(shift_dt("2020-03-01", -1));
}

TEST(TextCleaner, RemovesThisFilesIdentifyingTokens) {
  FilePhi phi;
  phi.add_words("DOE^JOHN", 2);
  phi.add_substring("MRN12345", 3);
  phi.add_date("19700102");
  phi.add_words("SAINT ELSEWHERE HOSPITAL", 3);
  TextCleaner c;
  EXPECT_EQ(c.clean("Chest for John Doe", phi), "Chest for");
  EXPECT_EQ(c.clean("id mrn12345 follow-up", phi), "id follow-up");
  EXPECT_EQ(c.clean("born 02.01.1970", phi), "born");
  EXPECT_EQ(c.clean("Saint Elsewhere ward", phi), "ward");
}

TEST(TextCleaner, RemovesPhiPatterns) {
  FilePhi none;
  TextCleaner c;
  EXPECT_EQ(c.clean("call 555-123-4567 now", none), "call now");
  EXPECT_EQ(c.clean("mail jane.doe@example.org", none), "mail");
  EXPECT_EQ(c.clean("seen 2020-03-01 and 3/4/21", none), "seen and");
  EXPECT_EQ(c.clean("order 1234567", none), "order");
  EXPECT_EQ(c.clean("CT CHEST W CONTRAST", none), "CT CHEST W CONTRAST");
}

TEST(Key, FromFileTrimsAndRejectsShortKeys) {
  auto dir = std::filesystem::temp_directory_path() / "veil_key_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "short") << "abc\n";
  std::ofstream(dir / "good") << "  0123456789abcdef0123  \n";
  EXPECT_THROW(Key::from_file(dir / "short"), Exception);
  EXPECT_EQ(Key::from_file(dir / "good").bytes(), "0123456789abcdef0123");
  EXPECT_THROW(Key::from_file(dir / "missing"), Exception);
  std::filesystem::remove_all(dir);
}

TEST(Key, FirstUseCreatesAPrivatePerUserKeyAndReusesIt) {
  auto dir = std::filesystem::temp_directory_path() / "veil_xdg_test";
  std::filesystem::remove_all(dir);
  ::setenv("XDG_CONFIG_HOME", dir.c_str(), 1);
  ::unsetenv("VEIL_KEY_FILE");
  bool created = false;
  Key a = Key::resolve(std::nullopt, &created);
  EXPECT_TRUE(created);
  EXPECT_EQ(a.path(), dir / "veil" / "key");
  struct stat st {};
  ASSERT_EQ(::stat(a.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Key b = Key::resolve(std::nullopt, &created);
  EXPECT_FALSE(created);
  EXPECT_EQ(a.bytes(), b.bytes());
  ::unsetenv("XDG_CONFIG_HOME");
  std::filesystem::remove_all(dir);
}
