// The C action on text: removes this file's own identifying values and PHI-shaped patterns.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace veil::rules {

// What the cleaner looks for in one file, gathered from its header before any change.
struct FilePhi {
  std::vector<std::string> tokens;     // upper-case words: name parts, institution, physicians
  std::vector<std::string> substrings; // upper-case values removed wherever they occur: IDs, dates
  void add_words(std::string_view value, std::size_t min_length);
  void add_substring(std::string_view value, std::size_t min_length);
  void add_date(std::string_view yyyymmdd);  // the date in the common written forms
};

class TextCleaner {
 public:
  TextCleaner();  // compiles the pattern rules once; const methods are thread-safe
  std::string clean(std::string_view text, const FilePhi& phi) const;
  // Only this file's own identifying values, no pattern rules: for values an option retains
  // (a station name or device description must not carry the patient's name).
  static std::string remove_file_phi(std::string_view text, const FilePhi& phi);

 private:
  std::vector<std::regex> patterns_;
};

}  // namespace veil::rules
