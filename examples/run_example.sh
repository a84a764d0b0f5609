#!/usr/bin/env bash
# De-identifies the bundled example data with the research profile and shows what changed.
# usage: examples/run_example.sh [OUTPUT_DIR]      (VEIL_BIN overrides the veil binary)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
veil=${VEIL_BIN:-$here/../build/bin/veil}
out=${1:-$here/../example-output}
rm -rf "$out"
mkdir -p "$out"
# A key for the example only; real runs keep their own (veil keygen) for stable pseudonyms.
key="$out/example.key"
printf 'example-key-not-for-real-data-0123456789\n' > "$key"
chmod 600 "$key"

"$veil" deid "$here/data" -o "$out/deid" --profile research --key-file "$key" --report "$out/report.json"
echo "output written under $out/deid (patient pseudonym / study UID / series UID / instance UID)"
echo "summary: $out/report.json"

# Before and after, and the example's own check that no name part or ID survives.
/usr/bin/python3 - "$here/data" "$out/deid" <<'PY'
import pathlib, sys
import pydicom
src, dst = map(pathlib.Path, sys.argv[1:])
outputs = {pydicom.dcmread(p).SOPInstanceUID: p for p in sorted(dst.rglob("*.dcm"))}
show = ["PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "InstitutionName",
        "StudyInstanceUID", "SeriesDescription"]
first = pydicom.dcmread(src / "mr_study1.dcm")
after = [pydicom.dcmread(p) for p in outputs.values()]
match = next(d for d in after if d.InstanceNumber == first.InstanceNumber and d.PatientSex == first.PatientSex)
print("\nmr_study1.dcm, before -> after:")
for k in show:
    print(f"  {k:18} {str(first.get(k, '-'))[:40]:42} {str(match.get(k, '(removed)'))[:48]}")
print(f"  {'DeidentificationMethod':18} {'':42} {match.DeidentificationMethod}")
blob = b"".join(p.read_bytes() for p in outputs.values())
for f in sorted(src.glob("*.dcm")):
    d = pydicom.dcmread(f)
    for v in (str(d.PatientID), *str(d.PatientName).replace("^", " ").split()):
        if len(v) >= 3 and v.encode() in blob:
            sys.exit(f"example check failed: a value of {f.name} survived")
print("\nexample check: no input patient name part or ID appears in any output byte")
PY
