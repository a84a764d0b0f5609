#include "rules/text_cleaner.h"

#include <algorithm>
#include <cctype>

#include "rules/text_util.h"

namespace veil::rules {
namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80); }

}  // namespace

void FilePhi::add_words(std::string_view value, std::size_t min_length) {
  std::string upper = to_upper(value);
  std::size_t i = 0;
  while (i < upper.size()) {
    while (i < upper.size() && !is_word_char(upper[i])) ++i;
    std::size_t j = i;
    while (j < upper.size() && is_word_char(upper[j])) ++j;
    if (j - i >= min_length) tokens.push_back(upper.substr(i, j - i));
    i = j;
  }
}

void FilePhi::add_substring(std::string_view value, std::size_t min_length) {
  for (std::string_view v : split(value, '\\')) {
    v = trim(v);
    if (v.size() >= min_length) substrings.push_back(to_upper(v));
  }
}

void FilePhi::add_date(std::string_view d) {
  d = trim(d);
  if (d.size() != 8) return;
  auto y = std::string(d.substr(0, 4)), m = std::string(d.substr(4, 2)), dd = std::string(d.substr(6, 2));
  for (const std::string& form : {y + m + dd, y + "-" + m + "-" + dd, y + "/" + m + "/" + dd, y + "." + m + "." + dd,
                                  dd + "/" + m + "/" + y, m + "/" + dd + "/" + y, dd + "." + m + "." + y,
                                  dd + "-" + m + "-" + y, m + "-" + dd + "-" + y, dd + m + y, m + dd + y})
    substrings.push_back(form);
}

TextCleaner::TextCleaner() {
  const auto flags = std::regex::ECMAScript | std::regex::icase | std::regex::optimize;
  patterns_ = {
      std::regex(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})", flags),                      // e-mail
      std::regex(R"(\+?\(?\d{1,4}\)?[ .-]?\d{2,4}[ .-]\d{2,4}[ .-]?\d{2,6})", flags),            // phone
      std::regex(R"(\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b)", flags),                                 // dates
      std::regex(R"(\b\d{1,2}[ -]?(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*[ -,]*\d{2,4}\b)", flags),
      std::regex(R"(\d{5,})", flags),                                                               // long digit runs
  };
}

namespace {

void remove_substrings(std::string& s, const FilePhi& phi) {
  for (const auto& sub : phi.substrings) {
    if (sub.empty()) continue;
    std::string upper = to_upper(s);
    for (std::size_t pos = upper.find(sub); pos != std::string::npos; pos = upper.find(sub)) {
      s.erase(pos, sub.size());
      upper.erase(pos, sub.size());
    }
  }
}

// Drops every word that is one of the file's identifying tokens, then the gaps left behind.
std::string remove_tokens(const std::string& s, const FilePhi& phi) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (!is_word_char(s[i])) {
      out += s[i++];
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && is_word_char(s[j])) ++j;
    std::string word = s.substr(i, j - i), upper = to_upper(word);
    if (std::find(phi.tokens.begin(), phi.tokens.end(), upper) == phi.tokens.end()) out += word;
    i = j;
  }
  std::string collapsed;
  for (char c : out)
    if (!(c == ' ' && (collapsed.empty() || collapsed.back() == ' '))) collapsed += c;
  return std::string(trim(collapsed));
}

}  // namespace

std::string TextCleaner::clean(std::string_view text, const FilePhi& phi) const {
  std::string s(text);
  remove_substrings(s, phi);  // IDs first, before the digit patterns cut them into pieces
  for (const auto& re : patterns_) s = std::regex_replace(s, re, "");
  return remove_tokens(s, phi);
}

std::string TextCleaner::remove_file_phi(std::string_view text, const FilePhi& phi) {
  std::string s(text);
  remove_substrings(s, phi);
  std::string out = remove_tokens(s, phi);
  return out == trim(text) ? std::string(text) : out;
}

}  // namespace veil::rules
