// The actions of PS3.15 Table E.1-1a as veil performs them, declared once in a registry
// that the profile loader, `veil actions` and the bindings all read.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace veil {

// What was done to one element.
enum class Action : std::uint8_t {
  kRemove,     // X
  kEmpty,      // Z
  kDummy,      // D
  kKeep,       // K (sequences: items still processed)
  kClean,      // C on text: identifying tokens removed
  kUid,        // U: UID replaced by its keyed 2.25 mapping
  kShift,      // C on DA/DT under Modified Dates: shifted by the patient's offset
  kPseudonym,  // Patient ID, Patient's Name, Accession Number replaced by keyed pseudonyms
};
inline constexpr int kActionCount = 8;

// A code as written in a cell of Table E.1-1, including the composite ones.
enum class Code : std::uint8_t { kX, kZ, kD, kK, kC, kU, kZD, kXZ, kXD, kXZD, kXZU };
inline constexpr int kCodeCount = 11;

struct ActionInfo {
  Action action;
  std::string_view name;     // e.g. "remove"
  std::string_view letter;   // the E.1-1a letter it implements, e.g. "X"
  std::string_view description;
};

std::span<const ActionInfo> actions();
const ActionInfo& info(Action action);

std::string_view to_string(Code code);  // "X/Z/D"
std::optional<Code> parse_code(std::string_view text);

}  // namespace veil
