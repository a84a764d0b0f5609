// Where files meet GDCM: reading from files or bytes, and writing with a rebuilt file meta.
#pragma once

#include <gdcmFile.h>
#include <gdcmImage.h>
#include <gdcmSequenceOfItems.h>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>

#include "veil/error.h"

namespace veil::io {

// The string value of a top-level element, padding and surrounding spaces removed; empty when
// the element is absent or not a string.
std::string string_value(const gdcm::DataSet& ds, std::uint32_t tag);

// The items of a sequence element: parsed already, or raw bytes (UN, or SQ read without its VR)
// that pass valid_implicit_items first, since GDCM asserts on malformed items. Null otherwise,
// and for elements that are not sequences.
gdcm::SmartPointer<gdcm::SequenceOfItems> sequence_items(const gdcm::DataElement& de);

// A text element (padded to even length with a space), for the attributes veil writes itself.
gdcm::DataElement text_element(std::uint16_t group, std::uint16_t element, gdcm::VR vr, std::string value);

// Silences GDCM's own warnings and errors, which print element values (PHI). Idempotent.
void silence_gdcm();

// Where the Pixel Data element's bytes go when GDCM reads only the header: they are copied to
// the output unchanged (the same transfer syntax), never through GDCM's buffers.
struct PixelPassThrough {
  std::size_t offset = 0;  // in the input: the element's first byte
  std::size_t length = 0;  // through the end of its value; nothing follows it in the file
};

// Reads a DICOM file (Part 10, or a bare data set GDCM recognises) after the prescan. When
// `header_only` is allowed and the top-level Pixel Data is the file's last element, GDCM parses
// only the bytes before it and `pass_through` says which bytes to append to the output.
// GDCM's readers and writers hold their File through an intrusive SmartPointer: files live on the heap.
// With `image`, GDCM's image reader reads everything and `image` describes the pixel data
// (for the pixel stage; it fails when GDCM cannot make an image of the file).
std::optional<Error> read(std::span<const std::byte> bytes, gdcm::SmartPointer<gdcm::File>& file,
                          std::optional<PixelPassThrough>* pass_through = nullptr, gdcm::Image* image = nullptr);

struct MetaIdentity {
  std::string implementation_class_uid;
  std::string implementation_version_name;
};
const MetaIdentity& veil_identity();

// Replaces the file meta with a new one built only from the data set (SOP Class and Instance
// UIDs), the transfer syntax and veil's identity, zeroes the preamble, and writes the file.
// `sop_class`/`sop_instance` stand in when the data set has no SOP Class/Instance UID.
std::optional<Error> write(gdcm::File& file, std::ostream& out, const std::string& sop_class = {},
                           const std::string& sop_instance = {});  // `file` must be heap-owned

}  // namespace veil::io
