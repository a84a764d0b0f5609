// Keyed pseudonyms: HMAC-SHA256 (OpenSSL) with a label per kind of value, so every worker on
// every machine maps the same input to the same output with no shared state.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace veil::rules {

class Pseudonymizer {
 public:
  explicit Pseudonymizer(std::string key) : key_(std::move(key)) {}

  std::array<std::uint8_t, 32> mac(std::string_view label, std::string_view value) const;

  std::string uid(std::string_view uid) const;               // "2.25.<decimal of 128 bits>"
  std::string patient_id(std::string_view id) const;         // 20 upper-case hex digits
  std::string patient_name(std::string_view name) const;     // "VEIL^<12 hex>"
  std::string accession(std::string_view accession) const;   // 16 hex digits (SH limit)
  // Whole days in [-3650, -1]: one offset per patient identity.
  int date_offset_days(std::string_view patient_identity) const;

 private:
  std::string key_;
};

}  // namespace veil::rules
