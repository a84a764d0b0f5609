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
#include "io/output_file.h"
#include "io/prescan.h"
#include "pixel/pixel_cleaner.h"
#include "verify/phi_values.h"
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
  pixel::PixelCleaner pixels;
  bool check_output = true;
};

Deidentifier::Deidentifier(const Profile& profile, Key key, DeidentifierOptions options) {
  io::silence_gdcm();
  std::optional<rules::LookupTable> lookup;
  if (options.lookup_table) lookup = rules::LookupTable::load(*options.lookup_table);
  shared_ = std::make_shared<const Shared>(
      Shared{rules::CompiledProfile(profile), rules::Pseudonymizer(key.bytes()), rules::TextCleaner(), std::move(lookup),
             pixel::PixelCleaner(options.pixels), options.check_output});
}

Deidentifier::Deidentifier(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}
Deidentifier::~Deidentifier() = default;
Deidentifier::Deidentifier(Deidentifier&&) noexcept = default;
Deidentifier& Deidentifier::operator=(Deidentifier&&) noexcept = default;

Deidentifier Deidentifier::clone() const { return Deidentifier(shared_); }

const Profile& Deidentifier::profile() const { return shared_->profile.profile(); }

// The output as written: a header GDCM wrote and, on the fast path, the input's pixel bytes.
struct Deidentifier::Prepared {
  std::string head;
  std::optional<io::PixelPassThrough> tail;
};

Expected<FileResult> Deidentifier::prepare(std::span<const std::byte> input, Prepared& prepared) {
  gdcm::SmartPointer<gdcm::File> file_ptr;
  if (auto err = io::read(input, file_ptr, &prepared.tail)) return *err;
  FileResult result;
  // The pixel stage decides from the header; only then is the pixel data read and decoded.
  bool has_pixels = prepared.tail || file_ptr->GetDataSet().FindDataElement(gdcm::Tag(0x7FE0, 0x0010));
  pixel::Plan plan = shared_->pixels.plan(file_ptr->GetDataSet(), has_pixels);
  gdcm::Image image;
  if (plan.decode) {
    prepared.tail.reset();
    if (auto err = io::read(input, file_ptr, nullptr, &image)) return *err;
  } else if (shared_->pixels.options().mode != PixelMode::kOff) {
    result.pixel_status = has_pixels ? "not-selected" : "off";
  }
  gdcm::File& file = *file_ptr;
  const gdcm::DataSet& in = file.GetDataSet();
  std::optional<rules::Subject> subject;
  if (shared_->lookup) {
    subject = shared_->lookup->find(io::string_value(in, 0x00100020));
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
  // The input's identifying values, for the output check: gathered before `in` is replaced.
  std::optional<verify::NeedleSet> needles;
  if (shared_->check_output) {
    needles.emplace(shared_->profile.profile());
    needles->add_dataset(in);
  }
  gdcm::TransferSyntax syntax = file.GetHeader().GetDataSetTransferSyntax();
  if (plan.decode) {
    if (auto err = shared_->pixels.clean(image, in, plan, out, syntax, result)) return *err;
    file.GetHeader().SetDataSetTransferSyntax(syntax);
  }
  rules::stamp_method(out, shared_->profile.profile(), result.pixel_status == "cleaned");
  result.sop_class_uid = io::string_value(out, 0x00080016);
  result.sop_instance_uid = io::string_value(out, 0x00080018);
  result.study_instance_uid = io::string_value(out, 0x0020000D);
  result.series_instance_uid = io::string_value(out, 0x0020000E);
  // A data set without SOP UIDs keeps the file meta's, the instance UID mapped like any other.
  std::string meta_class = io::string_value(file.GetHeader(), 0x00020002);
  std::string meta_instance = io::string_value(file.GetHeader(), 0x00020003);
  if (result.sop_class_uid.empty()) result.sop_class_uid = meta_class;
  if (result.sop_instance_uid.empty() && !meta_instance.empty())
    result.sop_instance_uid = shared_->pseudonymizer.uid(meta_instance);
  file.SetDataSet(out);
  // Room for the whole output up front: grown by doubling, a multi-frame image was copied twice
  // over and its pages faulted in again at every step.
  std::string buffer;
  buffer.reserve(input.size() + 64 * 1024);
  std::ostringstream os(std::move(buffer), std::ios::binary);
  if (auto err = io::write(file, os, result.sop_class_uid, result.sop_instance_uid)) return *err;
  prepared.head = std::move(os).str();
  if (needles) {
    // The header and any re-encoded pixel data; pixel bytes passed through unchanged are the
    // pixel stage's business, not a text search's.
    std::span<const std::byte> written{reinterpret_cast<const std::byte*>(prepared.head.data()), prepared.head.size()};
    std::size_t pixel_begin = 0, pixel_end = 0;
    io::PrescanInfo info;  // where the pixel data lies, when it is in the written header at all
    if (!prepared.tail && !io::prescan(written, info) && info.pixel_data)
      pixel_begin = info.pixel_data->start, pixel_end = info.pixel_data->end;
    for (const Finding& f : needles->search(written, /*whole_file=*/true, pixel_begin, pixel_end))
      if (f.where.rfind("pixel data", 0) != 0)
        return Error{ErrorCode::kResidualPhi, fmt::format("the output check found a {} of the input ({})", f.kind, f.where)};
  }
  result.input_bytes = input.size();
  result.output_bytes = prepared.head.size() + (prepared.tail ? prepared.tail->length : 0);
  return result;
}

Expected<FileResult> Deidentifier::deidentify_bytes(std::span<const std::byte> input, std::vector<std::byte>& output) {
  Prepared prepared;
  auto result = prepare(input, prepared);
  if (!result) return result;
  std::size_t tail = prepared.tail ? prepared.tail->length : 0;
  output.resize(prepared.head.size() + tail);
  std::memcpy(output.data(), prepared.head.data(), prepared.head.size());
  if (tail) std::memcpy(output.data() + prepared.head.size(), input.data() + prepared.tail->offset, tail);
  return result;
}

Expected<FileResult> Deidentifier::deidentify_file(const std::filesystem::path& input, const Placement& place,
                                                   WriteMode mode) {
  io::MappedFile mapped;
  if (auto opened = io::MappedFile::open(input, mapped); !opened) return opened.error();
  Prepared prepared;
  auto result = prepare(mapped.bytes(), prepared);
  if (!result) return result;
  std::filesystem::path target = place(*result);
  std::size_t offset = prepared.tail ? prepared.tail->offset : 0, length = prepared.tail ? prepared.tail->length : 0;
  if (auto err = io::write_atomically(target, prepared.head, &mapped, offset, length, mode.durable, mode.replace))
    return *err;
  return result;
}

Expected<FileResult> Deidentifier::deidentify_file(const std::filesystem::path& input,
                                                   const std::filesystem::path& output) {
  return deidentify_file(input, [&](const FileResult&) { return output; }, WriteMode{});
}

std::optional<Error> write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  return io::write_atomically(path, {reinterpret_cast<const char*>(bytes.data()), bytes.size()}, nullptr, 0, 0,
                              /*durable=*/true, /*replace=*/true);
}

}  // namespace veil
