// veil: DICOM de-identification (PS3.15 Annex E). Include this or the topic headers.
#pragma once
#include "veil/action.h"
#include "veil/deidentifier.h"
#include "veil/error.h"
#include "veil/key.h"
#include "veil/pixel.h"
#include "veil/profile.h"
#include "veil/result.h"
#include "veil/version.h"
