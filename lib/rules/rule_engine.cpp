#include "rules/rule_engine.h"

#include <gdcmByteValue.h>
#include <gdcmItem.h>
#include <gdcmSequenceOfItems.h>

#include <map>
#include <set>

#include "io/dicom_io.h"
#include "io/prescan.h"
#include "rules/date_shift.h"
#include "rules/text_util.h"

namespace veil::rules {
namespace {

constexpr std::uint32_t kPatientName = 0x00100010, kPatientId = 0x00100020, kAccessionNumber = 0x00080050;
constexpr std::uint32_t kSopClassUid = 0x00080016, kSpecificCharacterSet = 0x00080005;

std::uint32_t tag_of(const gdcm::DataElement& de) {
  return (std::uint32_t{de.GetTag().GetGroup()} << 16) | de.GetTag().GetElement();
}

std::string value_of(const gdcm::DataElement& de) {
  const gdcm::ByteValue* bv = de.GetByteValue();
  if (!bv || !bv->GetPointer()) return {};
  return std::string(bv->GetPointer(), bv->GetLength());
}

// The parsed items of a sequence element, or null when its value is not (yet) a sequence.
const gdcm::SequenceOfItems* items_of(const gdcm::DataElement& de) {
  if (de.IsEmpty()) return nullptr;
  return dynamic_cast<const gdcm::SequenceOfItems*>(&de.GetValue());
}

// The VR to act on: the file's explicit VR, else (implicit VR or UN) the dictionary's.
gdcm::VR effective_vr(const gdcm::DataElement& de, const DictEntry* dict) {
  gdcm::VR vr = de.GetVR();
  if (items_of(de)) return gdcm::VR::SQ;
  if (vr != gdcm::VR::INVALID && vr != gdcm::VR::UN) return vr;
  if (!dict) return gdcm::VR::UN;
  std::string first = dict->vr.substr(0, 2);  // "OB or OW" -> OB
  gdcm::VR parsed = gdcm::VR::GetVRType(first.c_str());
  if (parsed == gdcm::VR::VR_END || parsed == gdcm::VR::INVALID) return gdcm::VR::UN;
  return parsed;
}

bool is_text_vr(gdcm::VR vr) {
  return vr & (gdcm::VR::AE | gdcm::VR::CS | gdcm::VR::LO | gdcm::VR::LT | gdcm::VR::PN | gdcm::VR::SH |
               gdcm::VR::ST | gdcm::VR::UC | gdcm::VR::UT | gdcm::VR::UR);
}

// Sets a string value padded to even length as PS3.5 requires (NUL for UI, space otherwise).
void set_string(gdcm::DataElement& de, std::string value, gdcm::VR vr) {
  if (value.size() % 2) value += (vr == gdcm::VR::UI) ? '\0' : ' ';
  de.SetByteValue(value.data(), gdcm::VL(static_cast<std::uint32_t>(value.size())));
  if (de.GetVR() == gdcm::VR::UN && vr != gdcm::VR::UN) de.SetVR(vr);
}

std::string dummy_for(gdcm::VR vr) {
  switch (vr) {
    case gdcm::VR::AE: return "VEIL";
    case gdcm::VR::AS: return "000D";
    case gdcm::VR::CS: return "ANONYMIZED";
    case gdcm::VR::DA: return "19000101";
    case gdcm::VR::DT: return "19000101000000";
    case gdcm::VR::TM: return "000000";
    case gdcm::VR::DS:
    case gdcm::VR::IS: return "0";
    case gdcm::VR::UR: return "urn:veil:anonymized";
    default: return "ANONYMIZED";
  }
}

// UIDs not named by Table E.1-1 are mapped too, unless they name a class, syntax or scheme
// or are one of the standard's own (1.2.840.10008.*): instance UIDs must never survive.
bool keeps_unlisted_uid(const DictEntry* dict, std::string_view uid) {
  if (uid.starts_with("1.2.840.10008.")) return true;
  if (!dict) return false;
  const std::string& k = dict->keyword;
  for (std::string_view part : {"ClassUID", "TransferSyntaxUID", "CodingSchemeUID", "ContextGroupExtensionCreatorUID",
                                "MappingResourceUID", "ContextUID", "PrivateInformationCreatorUID",
                                "ApplicationVersionUID", "ImplementationClassUID"})
    if (k.find(part) != std::string::npos) return true;
  return false;
}

AttrType strictest_for_fallback(Code c) { return c == Code::kZ ? AttrType::k2 : AttrType::k1; }

struct Context {
  std::optional<int> ciod;
  int date_offset = 0;
  FilePhi phi;
  bool iso2022 = false;
  std::string new_patient_id, new_patient_name;
  FileResult* result = nullptr;
  std::vector<std::uint32_t> path;
  int cleaning = 0;  // > 0 inside a sequence whose code is C
};

}  // namespace

bool is_composite(Code code) {
  return code == Code::kZD || code == Code::kXZ || code == Code::kXD || code == Code::kXZD || code == Code::kXZU;
}

Code resolve_code(Code code, std::optional<int> ciod, const std::string& path_key, std::uint32_t tag, bool nested) {
  if (!is_composite(code)) return code;
  std::optional<AttrType> type;
  const Tables& t = Tables::get();
  if (ciod) {
    type = t.type_in_ciod(*ciod, path_key);
    if (!type && nested) {  // the longest listed suffix of the path that ends in this tag
      for (std::size_t pos = path_key.find('>'); !type && pos != std::string::npos; pos = path_key.find('>', pos + 1)) {
        std::string suffix = path_key.substr(pos + 1);
        if (suffix.find('>') == std::string::npos) break;  // a bare tag is the top level, not a match
        type = t.type_in_ciod(*ciod, suffix);
      }
    }
    if (!type && !nested) type = AttrType::k3;  // not in this IOD: a Standard Extended attribute
  }
  if (!type) {  // unknown SOP class or unlisted nesting: the conservative fallback
    Code fb = t.fallback(tag).value_or(Code::kD);
    if (fb == Code::kU) return Code::kK;  // keep the reference sequence; its UIDs are mapped inside
    type = strictest_for_fallback(fb);
    if (fb == Code::kZ) return Code::kZ;
  }
  bool required = *type == AttrType::k1 || *type == AttrType::k1C;
  bool type2 = *type == AttrType::k2 || *type == AttrType::k2C;
  switch (code) {
    case Code::kZD: return required ? Code::kD : Code::kZ;
    case Code::kXZU: return required ? Code::kK : type2 ? Code::kZ : Code::kX;
    default: return required ? Code::kD : type2 ? Code::kZ : Code::kX;  // X/Z, X/D, X/Z/D
  }
}

namespace {

class Walker {
 public:
  Walker(const CompiledProfile& profile, const Pseudonymizer& pseudo, const TextCleaner& cleaner, Context& ctx)
      : profile_(profile), pseudo_(pseudo), cleaner_(cleaner), ctx_(ctx), tables_(Tables::get()) {}

  gdcm::DataSet walk(const gdcm::DataSet& in) {
    gdcm::DataSet out;
    PrivateScope scope = private_scope(in);
    for (auto it = in.Begin(); it != in.End(); ++it) {
      const gdcm::DataElement& de = *it;
      std::uint32_t tag = tag_of(de);
      ctx_.path.push_back(tag);
      element(de, tag, scope, out);
      ctx_.path.pop_back();
    }
    return out;
  }

 private:
  // Private creators of one data set (group << 8 | block -> creator) and the blocks to keep.
  struct PrivateScope {
    std::map<std::uint32_t, std::string> creators;
    std::set<std::uint32_t> kept_blocks;
  };

  void record(Action a, bool change = true) {
    ctx_.result->counts[static_cast<int>(a)]++;
    if (change) ctx_.result->changes.push_back({ctx_.path, a});
  }

  PrivateScope private_scope(const gdcm::DataSet& in) const {
    PrivateScope scope;
    if (profile_.private_code() != Code::kC) return scope;  // everything private goes
    for (auto it = in.Begin(); it != in.End(); ++it) {
      std::uint32_t tag = tag_of(*it);
      auto g = static_cast<std::uint16_t>(tag >> 16), e = static_cast<std::uint16_t>(tag & 0xFFFF);
      if ((g & 1) && e >= 0x10 && e <= 0xFF) scope.creators[(std::uint32_t{g} << 8) | e] = std::string(trim(value_of(*it)));
    }
    for (auto it = in.Begin(); it != in.End(); ++it)
      if (safe_private_element(tag_of(*it), scope)) scope.kept_blocks.insert(tag_of(*it) >> 16 << 8 | ((tag_of(*it) & 0xFFFF) >> 8));
    return scope;
  }

  // Retain Safe Private: an element is kept when (group, creator value, element) is in E.3.10-1.
  bool safe_private_element(std::uint32_t tag, const PrivateScope& scope) const {
    auto g = static_cast<std::uint16_t>(tag >> 16), e = static_cast<std::uint16_t>(tag & 0xFFFF);
    if (!(g & 1) || e < 0x1000) return false;
    auto it = scope.creators.find((std::uint32_t{g} << 8) | (e >> 8));
    return it != scope.creators.end() && tables_.safe_private(g, it->second, static_cast<std::uint8_t>(e & 0xFF));
  }

  bool keep_private(std::uint32_t tag, const PrivateScope& scope) const {
    auto g = static_cast<std::uint16_t>(tag >> 16), e = static_cast<std::uint16_t>(tag & 0xFFFF);
    if (e >= 0x10 && e <= 0xFF) return scope.kept_blocks.contains((std::uint32_t{g} << 8) | e);
    return safe_private_element(tag, scope);
  }

  // A safe private attribute is kept, but a sequence's items still go through every rule (they
  // can hold names) and UIDs are mapped like public ones, so that no instance UID survives.
  void keep_safe_private(const gdcm::DataElement& de, std::uint32_t tag, const PrivateScope& scope, gdcm::DataSet& out) {
    auto e = static_cast<std::uint16_t>(tag & 0xFFFF);
    const std::string* vr = nullptr;
    if (e >= 0x1000) {
      auto c = scope.creators.find((tag >> 16 << 8) | (e >> 8));
      vr = tables_.safe_private_vr(static_cast<std::uint16_t>(tag >> 16), c->second, static_cast<std::uint8_t>(e & 0xFF));
    }
    bool is_sq = items_of(de) || de.GetVR() == gdcm::VR::SQ || (vr && *vr == "SQ");
    bool is_ui = de.GetVR() == gdcm::VR::UI || (vr && *vr == "UI");
    if (is_sq) {
      if (keep_sequence(de, out)) record(Action::kKeep, false);
      else record(Action::kRemove);
      return;
    }
    if (is_ui && !de.IsEmpty()) {
      gdcm::DataElement copy = de;
      set_string(copy, map_uids(std::string(trim(value_of(de)))), gdcm::VR::UI);
      out.Insert(copy);
      record(Action::kUid);
      return;
    }
    record(Action::kKeep, false);
    out.Insert(de);
  }

  void element(const gdcm::DataElement& de, std::uint32_t tag, const PrivateScope& scope, gdcm::DataSet& out) {
    auto group = static_cast<std::uint16_t>(tag >> 16);
    if (group == 0x0002 || (tag & 0xFFFF) == 0) {  // file meta is rebuilt; group lengths go stale
      record(Action::kRemove);
      return;
    }
    if (group & 1) {
      if (keep_private(tag, scope)) {
        ctx_.result->private_kept++;
        keep_safe_private(de, tag, scope, out);
      } else {
        ctx_.result->private_removed++;
        record(Action::kRemove);
      }
      return;
    }
    const DictEntry* dict = tables_.dictionary(tag);
    std::optional<Code> listed = profile_.code_for(tag);
    Code code = listed.value_or(Code::kK);
    if (!listed && !dict && profile_.profile().remove_unknown_public()) {
      ctx_.result->unknown_public_removed++;
      record(Action::kRemove);
      return;
    }
    Code resolved = code;
    if (is_composite(code)) {  // only these need the attribute's path and Type
      std::string path_key;
      for (std::size_t i = 0; i < ctx_.path.size(); ++i) path_key += (i ? ">" : "") + tag_hex(ctx_.path[i]);
      resolved = resolve_code(code, ctx_.ciod, path_key, tag, ctx_.path.size() > 1);
    }
    apply(de, tag, dict, resolved, listed.has_value(), out);
  }

  void walk_items(const gdcm::SequenceOfItems& sq, gdcm::SequenceOfItems& out_sq) {
    for (gdcm::SequenceOfItems::SizeType i = 1; i <= sq.GetNumberOfItems(); ++i) {
      gdcm::Item item;
      item.SetVLToUndefined();
      item.SetNestedDataSet(walk(sq.GetItem(i).GetNestedDataSet()));
      out_sq.AddItem(item);
    }
  }

  // Keeps a sequence and de-identifies its items. False when the value does not parse as items.
  bool keep_sequence(const gdcm::DataElement& de, gdcm::DataSet& out) {
    gdcm::SmartPointer<gdcm::SequenceOfItems> sq = const_cast<gdcm::SequenceOfItems*>(items_of(de));
    const gdcm::ByteValue* bv = de.GetByteValue();
    // Raw bytes (UN, or a sequence GDCM read without its VR) are checked before GDCM parses
    // them: it asserts on malformed items (found by fuzzing).
    if (!sq && bv && bv->GetLength() > 0 &&
        io::valid_implicit_items({reinterpret_cast<const std::byte*>(bv->GetPointer()), bv->GetLength()})) {
      try {
        sq = de.GetValueAsSQ();
      } catch (...) {
        sq = nullptr;
      }
    }
    if (!sq) {
      if (de.IsEmpty()) {
        out.Insert(de);
        return true;
      }
      return false;
    }
    gdcm::SmartPointer<gdcm::SequenceOfItems> new_sq = new gdcm::SequenceOfItems;
    new_sq->SetLengthToUndefined();
    walk_items(*sq, *new_sq);
    gdcm::DataElement copy(de.GetTag());
    copy.SetVR(gdcm::VR::SQ);
    copy.SetValue(*new_sq);
    copy.SetVLToUndefined();
    out.Insert(copy);
    return true;
  }

  void empty_sequence(const gdcm::DataElement& de, gdcm::DataSet& out) {
    gdcm::SmartPointer<gdcm::SequenceOfItems> sq = new gdcm::SequenceOfItems;
    sq->SetLengthToUndefined();
    gdcm::DataElement copy(de.GetTag());
    copy.SetVR(gdcm::VR::SQ);
    copy.SetValue(*sq);
    copy.SetVLToUndefined();
    out.Insert(copy);
  }

  std::optional<std::string> pseudonym(std::uint32_t tag, const std::string& original) const {
    if (original.empty()) return std::nullopt;
    if (tag == kPatientId) return ctx_.new_patient_id;
    if (tag == kPatientName) return ctx_.new_patient_name;
    if (tag == kAccessionNumber) return pseudo_.accession(original);
    return std::nullopt;
  }

  std::string map_uids(const std::string& value) const {
    return *transform_values(value, [&](std::string_view v) { return std::optional(pseudo_.uid(v)); });
  }

  void apply(const gdcm::DataElement& de, std::uint32_t tag, const DictEntry* dict, Code code, bool listed,
             gdcm::DataSet& out) {
    gdcm::VR vr = effective_vr(de, dict);
    bool is_sq = vr == gdcm::VR::SQ;
    gdcm::DataElement copy = de;
    if (code == Code::kX) {
      record(Action::kRemove);
      return;
    }
    if (is_sq) {
      // Z, and D: a dummy sequence is one with no items, so nothing of the original survives
      // (the Content Sequence of a report is D under the Basic Profile; its text is only kept,
      // cleaned, under Clean Structured Content).
      if (code == Code::kZ || code == Code::kD) {
        empty_sequence(de, out);
        record(Action::kEmpty);
        return;
      }
      // C: the items are kept and every text they hold is cleaned, listed in the table or not.
      if (code == Code::kC) ++ctx_.cleaning;
      bool kept = keep_sequence(de, out);
      if (code == Code::kC) --ctx_.cleaning;
      if (kept) record(code == Code::kC ? Action::kClean : Action::kKeep, false);
      else record(Action::kRemove);  // a sequence whose items do not parse cannot be checked
      return;
    }
    // Bulk binary values (pixel data above all) are never read as text: no copy of them.
    const bool bulk = vr & (gdcm::VR::OB | gdcm::VR::OW | gdcm::VR::OF | gdcm::VR::OD | gdcm::VR::OL | gdcm::VR::OV);
    const std::string original = bulk ? std::string() : std::string(trim(value_of(de)));
    switch (code) {
      case Code::kZ:
      case Code::kD: {
        if (auto p = pseudonym(tag, original)) {
          set_string(copy, *p, vr);
          record(Action::kPseudonym);
        } else if (code == Code::kZ || (original.empty() && de.IsEmpty())) {
          copy.Empty();
          record(Action::kEmpty);
        } else if (vr == gdcm::VR::UI) {
          set_string(copy, map_uids(original), vr);
          record(Action::kUid);
        } else if (is_text_vr(vr) || vr & (gdcm::VR::AS | gdcm::VR::DA | gdcm::VR::DT | gdcm::VR::TM | gdcm::VR::DS |
                                           gdcm::VR::IS)) {
          set_string(copy, dummy_for(vr), vr);
          record(Action::kDummy);
        } else {  // binary: zeros of the same length keep the VM
          std::string zeros(de.GetVL().IsUndefined() ? 0u : static_cast<std::uint32_t>(de.GetVL()), '\0');
          if (zeros.empty()) zeros.assign(2, '\0');
          copy.SetByteValue(zeros.data(), gdcm::VL(static_cast<std::uint32_t>(zeros.size())));
          record(Action::kDummy);
        }
        break;
      }
      case Code::kU:
        if (vr != gdcm::VR::UI) {
          record(Action::kRemove);
          return;
        }
        set_string(copy, map_uids(original), vr);
        record(Action::kUid);
        break;
      case Code::kC:
        if (!clean(copy, vr, original)) return;
        break;
      default:  // K, and attributes the table does not name
        if (!listed && ctx_.cleaning > 0 && is_text_vr(vr) && vr != gdcm::VR::CS) {
          if (!clean(copy, vr, original)) return;  // free text inside cleaned structured content
        } else if (listed && is_text_vr(vr) && !original.empty() && !profile_.overridden(tag) &&
                   !(ctx_.iso2022 && original.find('\x1b') != std::string::npos)) {
          // Kept by an option (device identity, say): still never this patient's own values.
          // A user's explicit K override is taken at its word.
          std::string cleaned = TextCleaner::remove_file_phi(original, ctx_.phi);
          if (cleaned != original) {
            set_string(copy, cleaned, vr);
            record(Action::kClean);
          } else {
            record(Action::kKeep, false);
          }
        } else if (vr == gdcm::VR::UI && !listed && !original.empty() && !keeps_unlisted_uid(dict, original)) {
          set_string(copy, map_uids(original), vr);
          record(Action::kUid);
        } else {
          record(Action::kKeep, false);
        }
        break;
    }
    out.Insert(copy);
  }

  // C on a non-sequence value. Returns false when the element was removed instead.
  bool clean(gdcm::DataElement& copy, gdcm::VR vr, const std::string& original) {
    if (vr == gdcm::VR::DA || vr == gdcm::VR::DT) {
      auto shifted = vr == gdcm::VR::DA ? shift_da(original, ctx_.date_offset) : shift_dt(original, ctx_.date_offset);
      if (!shifted) {
        copy.Empty();  // not a date we can shift: never keep it as it was
        record(Action::kEmpty);
      } else {
        set_string(copy, *shifted, vr);
        record(Action::kShift);
      }
      return true;
    }
    if (vr == gdcm::VR::TM || vr & (gdcm::VR::AS | gdcm::VR::DS | gdcm::VR::IS | gdcm::VR::FL | gdcm::VR::FD |
                                    gdcm::VR::SL | gdcm::VR::SS | gdcm::VR::UL | gdcm::VR::US | gdcm::VR::SV |
                                    gdcm::VR::UV | gdcm::VR::AT)) {
      record(Action::kKeep, false);  // whole-day shifts leave times; numbers name no one
      return true;
    }
    if (vr == gdcm::VR::UI) {
      set_string(copy, map_uids(original), vr);
      record(Action::kUid);
      return true;
    }
    if (is_text_vr(vr)) {
      if (ctx_.iso2022 && original.find('\x1b') != std::string::npos) {
        copy.Empty();  // escape sequences make token edits unsafe in ISO 2022 text
        record(Action::kEmpty);
        return true;
      }
      std::string cleaned = cleaner_.clean(original, ctx_.phi);
      if (cleaned == original) {
        record(Action::kKeep, false);
      } else {
        set_string(copy, cleaned, vr);
        record(Action::kClean);
      }
      return true;
    }
    record(Action::kRemove);  // binary or unknown content cannot be cleaned
    return false;
  }

  const CompiledProfile& profile_;
  const Pseudonymizer& pseudo_;
  const TextCleaner& cleaner_;
  Context& ctx_;
  const Tables& tables_;
};

// The file's identifying values, read before any change. Institution and device values count
// only when the profile does not retain them.
void gather_phi(const gdcm::DataSet& ds, const Profile& profile, FilePhi& phi) {
  for (std::uint32_t tag : {kPatientName, 0x00101060u /* mother's birth name */, 0x00081050u, 0x00080090u, 0x00081060u,
                            0x00081070u, 0x00321032u, 0x00081048u, 0x00101001u /* other names */})
    phi.add_words(io::string_value(ds, tag), 2);
  for (std::uint32_t tag : {kPatientId, 0x00101000u /* other IDs */, kAccessionNumber, 0x00102154u /* phone */})
    phi.add_substring(io::string_value(ds, tag), 3);
  phi.add_words(io::string_value(ds, 0x00101040u), 3);  // patient's address
  phi.add_date(io::string_value(ds, 0x00100030u));
  if (!profile.has(Option::kRetainInstitutionIdentity))
    for (std::uint32_t tag : {0x00080080u, 0x00080081u}) phi.add_words(io::string_value(ds, tag), 3);  // institution
  if (!profile.has(Option::kRetainDeviceIdentity)) {
    phi.add_words(io::string_value(ds, 0x00081010u), 3);       // station name
    phi.add_substring(io::string_value(ds, 0x00181000u), 3);  // device serial number
  }
}

}  // namespace

gdcm::DataSet RuleEngine::apply(const gdcm::DataSet& in, const std::optional<Subject>& subject,
                                FileResult& result) const {
  Context ctx;
  ctx.result = &result;
  ctx.ciod = Tables::get().ciod_for_sop_class(io::string_value(in, kSopClassUid));
  std::string id = io::string_value(in, kPatientId), name = io::string_value(in, kPatientName);
  ctx.date_offset = pseudo_.date_offset_days(!id.empty() ? "id:" + id : "name:" + name);
  ctx.new_patient_id = subject ? subject->id : pseudo_.patient_id(id);
  ctx.new_patient_name = subject && !subject->name.empty() ? subject->name : pseudo_.patient_name(name);
  ctx.iso2022 = io::string_value(in, kSpecificCharacterSet).find("2022") != std::string::npos;
  gather_phi(in, profile_.profile(), ctx.phi);
  Walker walker(profile_, pseudo_, cleaner_, ctx);
  gdcm::DataSet out = walker.walk(in);
  result.patient_pseudonym = id.empty() && !subject ? std::string() : ctx.new_patient_id;
  return out;
}

}  // namespace veil::rules
