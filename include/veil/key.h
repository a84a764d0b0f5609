// The secret key behind every pseudonym. Read from a file, never from a command-line value.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace veil {

class Key {
 public:
  // Reads a key file (at least 16 bytes; surrounding whitespace trimmed). Throws veil::Exception.
  static Key from_file(const std::filesystem::path& path);
  // `explicit_path`, else $VEIL_KEY_FILE, else the per-user key under $XDG_CONFIG_HOME/veil/key
  // (or ~/.config/veil/key), created with mode 0600 on first use; `created` tells the caller
  // to announce it.
  static Key resolve(const std::optional<std::filesystem::path>& explicit_path, bool* created = nullptr);
  // Writes a new random key (32 bytes, hex) with mode 0600. Refuses to overwrite.
  static void generate(const std::filesystem::path& path);
  static std::filesystem::path default_path();

  static Key from_bytes(std::string bytes);  // for tests and bindings

  const std::string& bytes() const { return bytes_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::string bytes_;
  std::filesystem::path path_;
};

}  // namespace veil
