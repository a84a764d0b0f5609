// Applies a compiled profile to a GDCM data set, recursing into every sequence item.
#pragma once

#include <gdcmDataSet.h>

#include <optional>
#include <string>

#include "rules/compiled_profile.h"
#include "rules/pseudonymizer.h"
#include "rules/text_cleaner.h"
#include "veil/result.h"

namespace veil::rules {

// Values a lookup table gives for one patient.
struct Subject {
  std::string id;
  std::string name;  // empty: use the keyed pseudonym
};

class RuleEngine {
 public:
  RuleEngine(const CompiledProfile& profile, const Pseudonymizer& pseudonymizer, const TextCleaner& cleaner)
      : profile_(profile), pseudo_(pseudonymizer), cleaner_(cleaner) {}

  // Returns the de-identified data set; `subject` overrides the keyed patient pseudonyms.
  gdcm::DataSet apply(const gdcm::DataSet& in, const std::optional<Subject>& subject, FileResult& result) const;

 private:
  const CompiledProfile& profile_;
  const Pseudonymizer& pseudo_;
  const TextCleaner& cleaner_;
};

bool is_composite(Code code);  // Z/D, X/Z, X/D, X/Z/D, X/Z/U*

// The Type-based resolution of a composite code (Table E.1-1a); simple codes pass through.
// `ciod` is the IOD of the file's SOP class, nullopt when the class is not in the tables.
Code resolve_code(Code code, std::optional<int> ciod, const std::string& path_key, std::uint32_t tag, bool nested);

}  // namespace veil::rules
