#include "veil/key.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "rules/text_util.h"
#include "veil/error.h"

namespace veil {

Key Key::from_bytes(std::string bytes) {
  if (bytes.size() < 16) throw Exception("key: at least 16 bytes are required");
  Key k;
  k.bytes_ = std::move(bytes);
  return k;
}

Key Key::from_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Exception(fmt::format("key: cannot read key file {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text(rules::trim(ss.str()));
  if (text.size() < 16) throw Exception(fmt::format("key: {} holds fewer than 16 bytes", path.string()));
  Key k = from_bytes(std::move(text));
  k.path_ = path;
  return k;
}

std::filesystem::path Key::default_path() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "veil" / "key";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".config" / "veil" / "key";
  throw Exception("key: neither XDG_CONFIG_HOME nor HOME is set; pass --key-file or set VEIL_KEY_FILE");
}

void Key::generate(const std::filesystem::path& path) {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw Exception("key: the system random generator failed");
  std::string hex;
  for (unsigned char c : raw) hex += fmt::format("{:02x}", c);
  hex += '\n';
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path());
    ::chmod(path.parent_path().c_str(), 0700);
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) throw Exception(fmt::format("key: cannot create {} (it may already exist)", path.string()));
  bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw Exception(fmt::format("key: writing {} failed", path.string()));
}

Key Key::resolve(const std::optional<std::filesystem::path>& explicit_path, bool* created) {
  if (created) *created = false;
  if (explicit_path) return from_file(*explicit_path);
  if (const char* env = std::getenv("VEIL_KEY_FILE"); env && *env) return from_file(env);
  auto path = default_path();
  if (!std::filesystem::exists(path)) {
    generate(path);
    if (created) *created = true;
  }
  return from_file(path);
}

}  // namespace veil
