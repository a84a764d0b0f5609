#include "io/dicom_io.h"

#include <gdcmAttribute.h>
#include <gdcmFileMetaInformation.h>
#include <gdcmImage.h>
#include <gdcmPixmapReader.h>
#include <gdcmReader.h>
#include <gdcmTrace.h>
#include <gdcmTransferSyntax.h>
#include <gdcmWriter.h>

#include <cstring>
#include <mutex>
#include <new>
#include <streambuf>

#include "io/prescan.h"
#include "rules/text_util.h"
#include "veil/version.h"

namespace veil::io {
namespace {

// A read-only, seekable view of caller-owned bytes (std::ispanstream arrives with C++23).
class SpanBuf : public std::streambuf {
 public:
  explicit SpanBuf(std::span<const std::byte> bytes) {
    char* p = const_cast<char*>(reinterpret_cast<const char*>(bytes.data()));
    setg(p, p, p + bytes.size());
  }

 protected:
  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode) override {
    off_type base = dir == std::ios_base::beg ? 0 : dir == std::ios_base::cur ? gptr() - eback() : egptr() - eback();
    return seekpos(pos_type(base + off), std::ios_base::in);
  }
  pos_type seekpos(pos_type pos, std::ios_base::openmode) override {
    if (pos < 0 || pos > egptr() - eback()) return pos_type(off_type(-1));
    setg(eback(), eback() + pos, egptr());
    return pos;
  }
};

gdcm::DataElement meta_element(std::uint16_t element, gdcm::VR vr, std::string value) {
  if (value.size() % 2) value += (vr == gdcm::VR::UI || vr == gdcm::VR::OB) ? '\0' : ' ';
  gdcm::DataElement de(gdcm::Tag(0x0002, element));
  de.SetVR(vr);
  de.SetByteValue(value.data(), gdcm::VL(static_cast<std::uint32_t>(value.size())));
  return de;
}

}  // namespace

std::string string_value(const gdcm::DataSet& ds, std::uint32_t tag) {
  gdcm::Tag t(static_cast<std::uint16_t>(tag >> 16), static_cast<std::uint16_t>(tag & 0xFFFF));
  if (!ds.FindDataElement(t)) return {};
  const gdcm::ByteValue* bv = ds.GetDataElement(t).GetByteValue();
  if (!bv || !bv->GetPointer()) return {};
  return std::string(rules::trim(std::string_view(bv->GetPointer(), bv->GetLength())));
}

void silence_gdcm() {
  static std::once_flag once;
  std::call_once(once, [] {
    gdcm::Trace::SetDebug(false);
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
  });
}

gdcm::SmartPointer<gdcm::SequenceOfItems> sequence_items(const gdcm::DataElement& de) {
  if (de.IsEmpty()) return nullptr;
  if (const auto* sq = dynamic_cast<const gdcm::SequenceOfItems*>(&de.GetValue()))
    return const_cast<gdcm::SequenceOfItems*>(sq);
  gdcm::VR vr = de.GetVR();
  if (vr != gdcm::VR::SQ && vr != gdcm::VR::UN && vr != gdcm::VR::INVALID) return nullptr;
  const gdcm::ByteValue* bv = de.GetByteValue();
  if (!bv || bv->GetLength() == 0 ||
      !valid_implicit_items({reinterpret_cast<const std::byte*>(bv->GetPointer()), bv->GetLength()}))
    return nullptr;
  try {
    return de.GetValueAsSQ();
  } catch (...) {
    return nullptr;
  }
}

gdcm::DataElement text_element(std::uint16_t group, std::uint16_t element, gdcm::VR vr, std::string value) {
  if (value.size() % 2) value += ' ';
  gdcm::DataElement de(gdcm::Tag(group, element));
  de.SetVR(vr);
  de.SetByteValue(value.data(), gdcm::VL(static_cast<std::uint32_t>(value.size())));
  return de;
}

const MetaIdentity& veil_identity() {
  // 2.25 + decimal of the first 128 bits of SHA-256("veil implementation class").
  // The version name must fit SH (16 characters).
  static const MetaIdentity id{"2.25.26942572516908143624028499952545006784",
                               "VEIL_" + std::string(version())};
  return id;
}

std::optional<Error> read(std::span<const std::byte> bytes, gdcm::SmartPointer<gdcm::File>& file,
                          std::optional<PixelPassThrough>* pass_through, gdcm::Image* image) {
  silence_gdcm();
  if (bytes.size() < 8) return Error{ErrorCode::kNotDicom, "file too short to be DICOM"};
  PrescanInfo info;
  if (auto err = prescan(bytes, info)) return err;
  if (!info.transfer_syntax.empty() &&
      gdcm::TransferSyntax::GetTSType(info.transfer_syntax.c_str()) == gdcm::TransferSyntax::TS_END)
    return Error{ErrorCode::kUnsupported, "a transfer syntax GDCM does not read"};
  if (info.media_storage == "1.2.840.10008.1.3.10")
    return Error{ErrorCode::kUnsupported, "a DICOMDIR: rebuild it from the de-identified files"};
  // The header-only path: only where the pixel bytes can be copied as they are.
  const std::string& ts = info.transfer_syntax;
  // GDCM's image reader tries the codec on encapsulated pixel data (to tell lossy from
  // lossless) and its RLE codec asserts, aborting the process, on pixels of a bit or of a few
  // bits in a byte, as segmentations have.
  const bool encapsulated = !ts.empty() && gdcm::TransferSyntax(gdcm::TransferSyntax::GetTSType(ts.c_str())).IsEncapsulated();
  if (image && encapsulated && info.bits_allocated % 8 != 0)
    return Error{ErrorCode::kUnsupported, "pixel data that is not 8 or 16 bits cannot be masked"};
  bool header_only = pass_through && !image && info.pixel_data && info.pixel_data->end == bytes.size() && !ts.empty() &&
                     ts != "1.2.840.10008.1.2.1.99" && info.explicit_vr == (ts != "1.2.840.10008.1.2");
  std::span<const std::byte> parsed = header_only ? bytes.first(info.pixel_data->start) : bytes;
  SpanBuf buf(parsed);
  std::istream is(&buf);
  // Pixels only: gdcm::ImageReader also works out spacing, origin and orientation, and asserts
  // (aborting the process) on multi-frame objects whose functional groups give positions but no
  // orientation (slide-microscopy segmentations, for one); veil writes back only the pixel data.
  gdcm::PixmapReader image_reader;
  gdcm::Reader plain_reader;
  gdcm::Reader& reader = image ? image_reader : plain_reader;
  reader.SetStream(is);
  bool ok = false;
  try {
    ok = image ? image_reader.Read() : reader.Read();
  } catch (const std::bad_alloc&) {
    return Error{ErrorCode::kMalformed, "an element length asks for more memory than the file can hold"};
  } catch (const std::exception&) {
    ok = false;
  }
  bool has_prefix = bytes.size() >= 132 && std::memcmp(bytes.data() + 128, "DICM", 4) == 0;
  if (!ok && image && !reader.GetFile().GetDataSet().IsEmpty())
    return Error{ErrorCode::kUnsupported, "pixel data GDCM cannot read as an image"};
  if (!ok) {
    if (!has_prefix) return Error{ErrorCode::kNotDicom, "no DICOM prefix and no data set GDCM can parse"};
    return Error{ErrorCode::kMalformed, "the data set does not parse (truncated or wrong lengths)"};
  }
  file = &reader.GetFile();  // shares the reader's heap File beyond the reader's life
  if (file->GetDataSet().IsEmpty()) return Error{ErrorCode::kNotDicom, "no data set"};
  if (image) static_cast<gdcm::Pixmap&>(*image) = image_reader.GetPixmap();
  if (header_only) {
    if (gdcm::TransferSyntax::GetTSString(file->GetHeader().GetDataSetTransferSyntax()) != ts)
      return read(bytes, file, nullptr);  // GDCM saw another encoding: let it read everything
    *pass_through = PixelPassThrough{info.pixel_data->start, info.pixel_data->end - info.pixel_data->start};
  }
  return std::nullopt;
}

std::optional<Error> write(gdcm::File& file, std::ostream& out, const std::string& fallback_class,
                           const std::string& fallback_instance) {
  const gdcm::DataSet& ds = file.GetDataSet();
  std::string sop_class = string_value(ds, 0x00080016);
  std::string sop_instance = string_value(ds, 0x00080018);
  if (sop_class.empty()) sop_class = fallback_class;
  if (sop_instance.empty()) sop_instance = fallback_instance;
  if (sop_class.empty() || sop_instance.empty())
    return Error{ErrorCode::kUnsupported, "no SOP Class UID or SOP Instance UID: cannot build the file meta"};
  gdcm::TransferSyntax ts = file.GetHeader().GetDataSetTransferSyntax();
  if (ts == gdcm::TransferSyntax::TS_END) ts = gdcm::TransferSyntax::ImplicitVRLittleEndian;

  // Edited in place: gdcm::FileMetaInformation's assignment does not copy its elements.
  gdcm::FileMetaInformation& meta = file.GetHeader();
  meta.Clear();
  meta.Insert(meta_element(0x0001, gdcm::VR::OB, std::string("\0\1", 2)));
  meta.Insert(meta_element(0x0002, gdcm::VR::UI, sop_class));
  meta.Insert(meta_element(0x0003, gdcm::VR::UI, sop_instance));
  meta.Insert(meta_element(0x0010, gdcm::VR::UI, gdcm::TransferSyntax::GetTSString(ts)));
  meta.Insert(meta_element(0x0012, gdcm::VR::UI, veil_identity().implementation_class_uid));
  meta.Insert(meta_element(0x0013, gdcm::VR::SH, veil_identity().implementation_version_name));
  meta.SetDataSetTransferSyntax(ts);
  gdcm::Attribute<0x0002, 0x0000> group_length;
  group_length.SetValue(meta.GetLength<gdcm::ExplicitDataElement>());
  meta.Insert(group_length.GetAsDataElement());
  meta.GetPreamble().Create();  // 128 zero bytes

  gdcm::Writer writer;
  writer.SetFile(file);
  writer.SetStream(out);
  writer.SetCheckFileMetaInformation(false);
  try {
    if (!writer.Write() || !out) return Error{ErrorCode::kIo, "writing the output failed"};
  } catch (const std::exception&) {
    return Error{ErrorCode::kMalformed, "the de-identified data set could not be encoded"};
  }
  return std::nullopt;
}

}  // namespace veil::io
