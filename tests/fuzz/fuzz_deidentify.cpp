// libFuzzer: the whole bytes-in, bytes-out path (prescan, GDCM parse, rules, write).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "veil/veil.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static veil::Deidentifier basic(veil::Profile::preset("basic"), veil::Key::from_bytes("fuzz-key-0123456789abcdef"));
  static veil::Deidentifier research(veil::Profile::preset("research"),
                                     veil::Key::from_bytes("fuzz-key-0123456789abcdef"));
  std::vector<std::byte> out;
  auto& d = size % 2 ? research : basic;
  (void)d.deidentify_bytes({reinterpret_cast<const std::byte*>(data), size}, out);
  return 0;
}
