#include "veil/deidentifier.h"

#include <fcntl.h>
#include <cerrno>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>

#include "io/dicom_io.h"
#include "rules/compiled_profile.h"
#include "rules/lookup_table.h"
#include "rules/method_stamp.h"
#include "rules/rule_engine.h"
#include "rules/text_util.h"

namespace veil {

struct Deidentifier::Shared {
  rules::CompiledProfile profile;
  rules::Pseudonymizer pseudonymizer;
  rules::TextCleaner cleaner;
  std::optional<rules::LookupTable> lookup;
};

namespace {

// A string value with its padding and surrounding spaces removed; empty when absent.
std::string value_of(const gdcm::DataSet& ds, std::uint16_t g, std::uint16_t e) {
  gdcm::Tag tag(g, e);
  if (!ds.FindDataElement(tag) || !ds.GetDataElement(tag).GetByteValue()) return {};
  const gdcm::ByteValue* bv = ds.GetDataElement(tag).GetByteValue();
  return std::string(rules::trim(std::string_view(bv->GetPointer(), bv->GetLength())));
}

// Reads a whole file into memory; nullopt with `error` set on failure.
std::optional<std::vector<std::byte>> slurp(const std::filesystem::path& path, Error& error) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    error = {ErrorCode::kIo, "cannot open the input"};
    return std::nullopt;
  }
  auto size = static_cast<std::size_t>(in.tellg());
  std::vector<std::byte> bytes(size);
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    error = {ErrorCode::kIo, "cannot read the input"};
    return std::nullopt;
  }
  return bytes;
}

}  // namespace

Deidentifier::Deidentifier(const Profile& profile, Key key, DeidentifierOptions options) {
  io::silence_gdcm();
  std::optional<rules::LookupTable> lookup;
  if (options.lookup_table) lookup = rules::LookupTable::load(*options.lookup_table);
  shared_ = std::make_shared<const Shared>(
      Shared{rules::CompiledProfile(profile), rules::Pseudonymizer(key.bytes()), rules::TextCleaner(), std::move(lookup)});
}

Deidentifier::Deidentifier(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}
Deidentifier::~Deidentifier() = default;
Deidentifier::Deidentifier(Deidentifier&&) noexcept = default;
Deidentifier& Deidentifier::operator=(Deidentifier&&) noexcept = default;

Deidentifier Deidentifier::clone() const { return Deidentifier(shared_); }

const Profile& Deidentifier::profile() const { return shared_->profile.profile(); }

Expected<FileResult> Deidentifier::deidentify_bytes(std::span<const std::byte> input, std::vector<std::byte>& output) {
  gdcm::SmartPointer<gdcm::File> file_ptr;
  if (auto err = io::read(input, file_ptr)) return *err;
  gdcm::File& file = *file_ptr;
  FileResult result;
  const gdcm::DataSet& in = file.GetDataSet();
  std::optional<rules::Subject> subject;
  if (shared_->lookup) {
    subject = shared_->lookup->find(value_of(in, 0x0010, 0x0020));
    if (!subject) return Error{ErrorCode::kLookupMissing, "the patient is not in the lookup table"};
  }
  result.transfer_syntax = gdcm::TransferSyntax::GetTSString(file.GetHeader().GetDataSetTransferSyntax());
  rules::RuleEngine engine(shared_->profile, shared_->pseudonymizer, shared_->cleaner);
  gdcm::DataSet out;
  try {
    out = engine.apply(in, subject, result);
  } catch (const std::exception&) {
    return Error{ErrorCode::kMalformed, "an element could not be decoded while de-identifying"};
  }
  rules::stamp_method(out, shared_->profile.profile());
  result.sop_class_uid = value_of(out, 0x0008, 0x0016);
  result.sop_instance_uid = value_of(out, 0x0008, 0x0018);
  result.study_instance_uid = value_of(out, 0x0020, 0x000D);
  result.series_instance_uid = value_of(out, 0x0020, 0x000E);
  // A data set without SOP UIDs keeps the file meta's, the instance UID mapped like any other.
  std::string meta_class = value_of(file.GetHeader(), 0x0002, 0x0002);
  std::string meta_instance = value_of(file.GetHeader(), 0x0002, 0x0003);
  if (result.sop_class_uid.empty()) result.sop_class_uid = meta_class;
  if (result.sop_instance_uid.empty() && !meta_instance.empty())
    result.sop_instance_uid = shared_->pseudonymizer.uid(meta_instance);
  file.SetDataSet(out);
  std::ostringstream os(std::ios::binary);
  if (auto err = io::write(file, os, result.sop_class_uid, result.sop_instance_uid)) return *err;
  const std::string s = std::move(os).str();
  output.resize(s.size());
  std::memcpy(output.data(), s.data(), s.size());
  return result;
}

Expected<FileResult> Deidentifier::deidentify_file(const std::filesystem::path& input,
                                                   const std::filesystem::path& output) {
  Error error{};
  auto bytes = slurp(input, error);
  if (!bytes) return error;
  std::vector<std::byte> out;
  auto result = deidentify_bytes(*bytes, out);
  if (!result) return result;
  if (auto err = write_file_atomically(output, out)) return *err;
  return result;
}

std::optional<Error> write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::filesystem::path tmp = path;
  static std::atomic<std::uint64_t> counter{0};  // unique per process and write
  tmp += fmt::format(".veil-tmp-{}-{}", ::getpid(), counter++);
  auto failure = [](const char* what) {
    return Error{errno == ENOSPC || errno == EDQUOT ? ErrorCode::kNoSpace : ErrorCode::kIo, what};
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return failure("cannot create the output file");
  const char* p = reinterpret_cast<const char*>(bytes.data());
  std::size_t left = bytes.size();
  bool ok = true;
  while (left > 0 && ok) {
    ssize_t n = ::write(fd, p, left);
    ok = n > 0;
    if (ok) {
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = failure("writing the output file failed");
    std::filesystem::remove(tmp, ec);
    return e;
  }
  return std::nullopt;
}

}  // namespace veil
