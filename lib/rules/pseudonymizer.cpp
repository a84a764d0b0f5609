#include "rules/pseudonymizer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

namespace veil::rules {
namespace {

__extension__ typedef unsigned __int128 u128;  // GCC and Clang; 128 bits hold the UID's number

std::string hex_upper(const std::array<std::uint8_t, 32>& mac, std::size_t digits) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; out.size() < digits; ++i) {
    out += kHex[mac[i] >> 4];
    if (out.size() < digits) out += kHex[mac[i] & 0xF];
  }
  return out;
}

}  // namespace

std::array<std::uint8_t, 32> Pseudonymizer::mac(std::string_view label, std::string_view value) const {
  std::string msg;
  msg.reserve(label.size() + 1 + value.size());
  msg.append(label).append(":").append(value);
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), out.data(), &len);
  return out;
}

std::string Pseudonymizer::uid(std::string_view uid) const {
  auto m = mac("uid", uid);
  u128 v = 0;
  for (int i = 0; i < 16; ++i) v = (v << 8) | m[i];
  std::string digits;
  do {
    digits += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  std::reverse(digits.begin(), digits.end());
  return "2.25." + digits;
}

std::string Pseudonymizer::patient_id(std::string_view id) const { return hex_upper(mac("patient-id", id), 20); }

std::string Pseudonymizer::patient_name(std::string_view name) const {
  return "VEIL^" + hex_upper(mac("patient-name", name), 12);
}

std::string Pseudonymizer::accession(std::string_view accession) const {
  return hex_upper(mac("accession", accession), 16);
}

int Pseudonymizer::date_offset_days(std::string_view patient_identity) const {
  auto m = mac("date-offset", patient_identity);
  std::uint32_t v = (std::uint32_t{m[0]} << 24) | (std::uint32_t{m[1]} << 16) | (std::uint32_t{m[2]} << 8) | m[3];
  return -1 - static_cast<int>(v % 3650);
}

}  // namespace veil::rules
