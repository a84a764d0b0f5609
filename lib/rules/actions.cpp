// The one declaration of every action and option; everything else reads these registries.
#include <array>

#include "rules/tables.h"
#include "veil/action.h"
#include "veil/error.h"
#include "veil/profile.h"
#include "veil/version.h"

namespace veil {
namespace {

constexpr std::array<ActionInfo, kActionCount> kActions{{
    {Action::kRemove, "remove", "X", "remove the attribute (a sequence with all its items)"},
    {Action::kEmpty, "empty", "Z", "replace with a zero-length value (a sequence with no items)"},
    {Action::kDummy, "dummy", "D", "replace with a fixed dummy value valid for the VR"},
    {Action::kKeep, "keep", "K", "keep the value; a sequence's items are still processed"},
    {Action::kClean, "clean", "C", "remove tokens that match this file's identifying values or PHI patterns"},
    {Action::kUid, "uid", "U", "replace each UID by 2.25.<first 128 bits of HMAC-SHA256(key, uid)>"},
    {Action::kShift, "shift", "C", "shift dates by the patient's keyed offset (Modified Dates option)"},
    {Action::kPseudonym, "pseudonym", "Z/D",
     "replace Patient ID, Patient's Name or Accession Number by a keyed pseudonym or the lookup table's value"},
}};

constexpr std::array<std::string_view, kCodeCount> kCodeNames{"X", "Z", "D", "K", "C", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"};

constexpr std::array<OptionInfo, kOptionCount> kOptions{{
    {Option::kRetainSafePrivate, "retain_safe_private", "113111", "Retain Safe Private Option"},
    {Option::kRetainUids, "retain_uids", "113110", "Retain UIDs Option"},
    {Option::kRetainDeviceIdentity, "retain_device_identity", "113109", "Retain Device Identity Option"},
    {Option::kRetainInstitutionIdentity, "retain_institution_identity", "113112", "Retain Institution Identity Option"},
    {Option::kRetainPatientCharacteristics, "retain_patient_characteristics", "113108", "Retain Patient Characteristics Option"},
    {Option::kRetainLongitudinalFullDates, "retain_longitudinal_full_dates", "113106",
     "Retain Longitudinal Temporal Information Full Dates Option"},
    {Option::kRetainLongitudinalModifiedDates, "retain_longitudinal_modified_dates", "113107",
     "Retain Longitudinal Temporal Information Modified Dates Option"},
    {Option::kCleanDescriptors, "clean_descriptors", "113105", "Clean Descriptors Option"},
    {Option::kCleanStructuredContent, "clean_structured_content", "113104", "Clean Structured Content Option"},
    {Option::kCleanGraphics, "clean_graphics", "113103", "Clean Graphics Option"},
}};

}  // namespace

std::span<const ActionInfo> actions() { return kActions; }
const ActionInfo& info(Action action) { return kActions[static_cast<int>(action)]; }

std::string_view to_string(Code code) { return kCodeNames[static_cast<int>(code)]; }

std::optional<Code> parse_code(std::string_view text) {
  if (text == "X/Z/U") text = "X/Z/U*";  // later editions drop the asterisk
  for (int i = 0; i < kCodeCount; ++i)
    if (kCodeNames[i] == text) return static_cast<Code>(i);
  return std::nullopt;
}

std::span<const OptionInfo> options() { return kOptions; }
const OptionInfo& info(Option option) { return kOptions[static_cast<int>(option)]; }

std::optional<Option> parse_option(std::string_view name) {
  for (const auto& o : kOptions)
    if (o.name == name) return o.option;
  return std::nullopt;
}

std::string_view version() { return VEIL_VERSION; }

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotDicom: return "not-dicom";
    case ErrorCode::kTruncated: return "truncated";
    case ErrorCode::kMalformed: return "malformed";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kLookupMissing: return "lookup-missing";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kNoSpace: return "no-space";
    case ErrorCode::kDuplicate: return "duplicate";
    case ErrorCode::kResidualPhi: return "residual-phi";
  }
  return "unknown";
}

}  // namespace veil
