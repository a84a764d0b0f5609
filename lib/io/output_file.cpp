#include "io/output_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace veil::io {

namespace fs = std::filesystem;

Expected<bool> MappedFile::open(const fs::path& path, MappedFile& out) {
  out.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (out.fd_ < 0) return Error{ErrorCode::kIo, "cannot open the input"};
  struct stat st {};
  if (::fstat(out.fd_, &st) != 0 || !S_ISREG(st.st_mode)) return Error{ErrorCode::kIo, "the input is not a regular file"};
  out.size_ = static_cast<std::size_t>(st.st_size);
  if (out.size_ == 0) return true;
  constexpr std::size_t kReadBelow = 256 * 1024;
  if (out.size_ < kReadBelow) {
    out.buffer_.resize(out.size_);
    std::size_t done = 0;
    while (done < out.size_) {
      ssize_t n = ::pread(out.fd_, out.buffer_.data() + done, out.size_ - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Error{ErrorCode::kIo, "cannot read the input"};
      done += static_cast<std::size_t>(n);
    }
    out.data_ = out.buffer_.data();
    return true;
  }
  out.data_ = ::mmap(nullptr, out.size_, PROT_READ, MAP_PRIVATE, out.fd_, 0);
  if (out.data_ == MAP_FAILED) {
    out.data_ = nullptr;
    return Error{ErrorCode::kIo, "cannot map the input"};
  }
  out.mapped_ = true;
  return true;
}

MappedFile::~MappedFile() {
  if (mapped_) ::munmap(data_, size_);
  if (fd_ >= 0) ::close(fd_);
}

namespace {

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Kernel-side copy: copy_file_range, else sendfile (across file systems), else a write from
// the mapping.
bool copy_range(const MappedFile& src, std::size_t offset, std::size_t length, int out) {
  auto in_off = static_cast<loff_t>(offset);
  std::size_t left = length;
  while (left > 0) {
    ssize_t n = ::copy_file_range(src.fd(), &in_off, out, nullptr, left, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    left -= static_cast<std::size_t>(n);
  }
  auto fatal = [] { return errno == ENOSPC || errno == EDQUOT || errno == EIO; };
  if (left > 0 && fatal()) return false;
  while (left > 0) {
    auto off = static_cast<off_t>(in_off);
    ssize_t n = ::sendfile(out, src.fd(), &off, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in_off = off;
    left -= static_cast<std::size_t>(n);
  }
  if (left == 0) return true;
  if (fatal()) return false;
  std::size_t done = length - left;
  return write_all(out, reinterpret_cast<const char*>(src.bytes().data()) + offset + done, left);
}

// True when the two files hold the same bytes.
bool same_content(const fs::path& a, const fs::path& b) {
  MappedFile ma, mb;
  if (!MappedFile::open(a, ma) || !MappedFile::open(b, mb)) return false;
  auto x = ma.bytes(), y = mb.bytes();
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size()) == 0);
}

}  // namespace

std::optional<Error> write_atomically(const fs::path& path, std::string_view head, const MappedFile* source,
                                      std::size_t tail_offset, std::size_t tail_length, bool durable, bool replace) {
  std::error_code ec;
  static std::atomic<std::uint64_t> counter{0};  // unique per process and write
  fs::path tmp = path;
  tmp += fmt::format(".veil-tmp-{}-{}", ::getpid(), counter++);
  auto failure = [](const char* what) {
    return Error{errno == ENOSPC || errno == EDQUOT ? ErrorCode::kNoSpace : ErrorCode::kIo, what};
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ENOENT && path.has_parent_path()) {  // first file of its directory
    fs::create_directories(path.parent_path(), ec);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  if (fd < 0) return failure("cannot create the output file");
  bool ok = write_all(fd, head.data(), head.size());
  if (ok && source && tail_length) ok = copy_range(*source, tail_offset, tail_length, fd);
  if (ok && durable) ok = ::fsync(fd) == 0;
  Error error = failure("writing the output file failed");  // errno of the failing call, if any
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    fs::remove(tmp, ec);
    return error;
  }
  int renamed = replace ? std::rename(tmp.c_str(), path.c_str())
                        : ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
  if (renamed == 0) return std::nullopt;
  if (!replace && errno == EEXIST) {
    bool same = same_content(tmp, path);
    fs::remove(tmp, ec);
    if (same) return std::nullopt;
    return Error{ErrorCode::kDuplicate, "another input has the same SOP Instance UID; its output is kept"};
  }
  error = failure("renaming the output file failed");
  fs::remove(tmp, ec);
  return error;
}

}  // namespace veil::io
