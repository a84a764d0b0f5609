// The attributes that say what was done (PS3.15 E.1.1 and PS3.3 C.7.1.1).
#pragma once

#include <gdcmDataSet.h>

#include "veil/profile.h"

namespace veil::rules {

// Sets PatientIdentityRemoved=YES, DeidentificationMethod (veil version, profile, options and
// table edition), DeidentificationMethodCodeSequence (CID 7050 codes of the profile and its
// options) and LongitudinalTemporalInformationModified.
// `clean_pixel_data`: burned-in text was masked (CID 7050 113101, Clean Pixel Data).
void stamp_method(gdcm::DataSet& ds, const Profile& profile, bool clean_pixel_data = false);

}  // namespace veil::rules
