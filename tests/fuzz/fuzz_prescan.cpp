// libFuzzer: the bounds-checked prescan alone, which must never read outside the input.
#include <cstddef>
#include <cstdint>

#include "io/prescan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  veil::io::PrescanInfo info;
  (void)veil::io::prescan({reinterpret_cast<const std::byte*>(data), size}, info);
  return 0;
}
