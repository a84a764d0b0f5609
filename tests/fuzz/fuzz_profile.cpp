// libFuzzer: the YAML profile loader. Bad profiles must end in veil::Exception, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "veil/veil.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto p = veil::Profile::from_yaml(std::string_view(reinterpret_cast<const char*>(data), size));
    (void)p.rows();
  } catch (const veil::Exception&) {
  }
  return 0;
}
