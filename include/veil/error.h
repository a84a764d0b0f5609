// Errors: an enum plus a value type for per-file problems, one exception type for setup errors.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace veil {

enum class ErrorCode {
  kNotDicom,          // no DICOM preamble/prefix and no recognisable data set
  kTruncated,         // the file ends inside an element or the file meta
  kMalformed,         // lengths, sequences or values that do not parse
  kUnsupported,       // readable but outside what veil handles (e.g. no SOP Instance UID)
  kLookupMissing,     // a lookup table is in use and the patient is not in it
  kIo,                // the input cannot be read or the output cannot be written
  kNoSpace,           // the output file system is full: a batch stops rather than fail every file
  kDuplicate,         // another input of the batch has the same SOP Instance UID (same output)
  kResidualPhi,       // the output check found a value of the input in the output: not written
};

std::string_view to_string(ErrorCode code);

// A per-file error. `message` never holds a value from the file (no PHI).
struct Error {
  ErrorCode code;
  std::string message;
};

// Thrown only for setup errors: bad profile, bad key, bad options.
class Exception : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Either a value or a per-file Error (std::expected arrives with C++23).
template <typename T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Expected(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace veil
