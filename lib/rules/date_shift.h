// Date shifting for the Modified Dates option: whole days, so intervals and times of day survive.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace veil::rules {

// DA values, multi-valued (\) and ranges (-); also the old "YYYY.MM.DD" form.
// nullopt when a value is not a date: the caller must not keep it.
std::optional<std::string> shift_da(std::string_view value, int days);
// DT values: YYYY[MM[DD[hhmmss[.f]]]][&ZZXX]; the date part is shifted at its own precision.
std::optional<std::string> shift_dt(std::string_view value, int days);

}  // namespace veil::rules
