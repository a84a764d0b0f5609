#include "rules/date_shift.h"

#include <fmt/format.h>

#include <chrono>
#include <cctype>

#include "rules/text_util.h"

namespace veil::rules {
namespace {

using namespace std::chrono;

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Shifts "YYYY", "YYYYMM" or "YYYYMMDD" and returns it at the same precision.
std::optional<std::string> shift_date_digits(std::string_view d, int days) {
  if (!all_digits(d) || (d.size() != 4 && d.size() != 6 && d.size() != 8)) return std::nullopt;
  int y = std::stoi(std::string(d.substr(0, 4)));
  unsigned m = d.size() >= 6 ? static_cast<unsigned>(std::stoi(std::string(d.substr(4, 2)))) : 1;
  unsigned dd = d.size() == 8 ? static_cast<unsigned>(std::stoi(std::string(d.substr(6, 2)))) : 1;
  year_month_day ymd{year{y}, month{m}, day{dd}};
  if (!ymd.ok()) return std::nullopt;
  year_month_day shifted{sys_days{ymd} + std::chrono::days{days}};
  int ny = static_cast<int>(shifted.year());
  if (ny < 1 || ny > 9999) return std::nullopt;
  std::string out = fmt::format("{:04}{:02}{:02}", ny, static_cast<unsigned>(shifted.month()),
                                static_cast<unsigned>(shifted.day()));
  return out.substr(0, d.size());
}

// What may follow the date digits of a DT: hhmmss[.ffffff] (only after a full date), then &ZZXX.
bool valid_dt_rest(std::string_view rest, bool full_date) {
  std::size_t i = 0;
  if (full_date) {
    while (i < rest.size() && i < 6 && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    if (i < rest.size() && rest[i] == '.' && i == 6) {
      ++i;
      while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    }
  }
  if (i == rest.size()) return true;
  std::string_view zone = rest.substr(i);
  return zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') && all_digits(zone.substr(1));
}

}  // namespace

std::optional<std::string> shift_da(std::string_view value, int days) {
  return transform_values(value, [&](std::string_view v) -> std::optional<std::string> {
    std::string out;
    bool first = true;
    for (std::string_view part : split(v, '-')) {  // a range: either side may be open
      if (!first) out += '-';
      first = false;
      part = trim(part);
      if (part.empty()) continue;
      std::string digits;
      for (char c : part)
        if (c != '.') digits += c;
      if (digits.size() != 8) return std::nullopt;
      auto s = shift_date_digits(digits, days);
      if (!s) return std::nullopt;
      out += *s;
    }
    return out;
  });
}

std::optional<std::string> shift_dt(std::string_view value, int days) {
  return transform_values(value, [&](std::string_view v) -> std::optional<std::string> {
    std::size_t n = 0;
    while (n < v.size() && n < 8 && std::isdigit(static_cast<unsigned char>(v[n]))) ++n;
    if (n == 5 || n == 7) n -= 1;  // "YYYYM..." cannot be; treat the odd digit as part of the rest
    auto s = shift_date_digits(v.substr(0, n), days);
    if (!s) return std::nullopt;
    std::string_view rest = v.substr(n);
    if (!valid_dt_rest(rest, n == 8)) return std::nullopt;
    return *s + std::string(rest);
  });
}

}  // namespace veil::rules
