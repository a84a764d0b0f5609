#!/usr/bin/env bash
# One command on a fresh Debian 12: install dependencies, build with warnings as errors, run
# every test; then the ASan+UBSan configuration runs the unit and corpus tests again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
"$root/scripts/setup.sh"

echo "== profile tables match the standard's extracts"
rc=0
/usr/bin/python3 "$root/profiles/generate_tables.py" --check || rc=$?
if [ "$rc" -eq 77 ]; then echo "(../shared/reference not present: check skipped)"; elif [ "$rc" -ne 0 ]; then exit "$rc"; fi

echo "== release build (-Werror) and all tests"
cmake -S "$root" -B "$root/build-ci" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVEIL_WERROR=ON >/dev/null
cmake --build "$root/build-ci" -j "$jobs"
ctest --test-dir "$root/build-ci" --output-on-failure -j "$jobs"

echo "== libFuzzer targets (clang, ASan+UBSan): seed corpora, past findings, a short fixed-seed run"
cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVEIL_FUZZ=ON -DVEIL_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-fuzz" -j "$jobs" --target fuzz_deidentify fuzz_prescan fuzz_profile
fuzz="$root/build-fuzz/tests/fuzz"
corpus="$root/tests/fuzz/corpus"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$corpus/deidentify" "$scratch/deidentify"
cp -r "$corpus/profile" "$scratch/profile"
opts=(-seed=1 -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1)
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp"  # GDCM's and OpenJPEG's own leaks
"$fuzz/fuzz_deidentify" -runs=0 "$corpus/deidentify" "$root/tests/fuzz/regressions" 2>&1 | tail -n 1
"$fuzz/fuzz_deidentify" "${opts[@]}" -runs=3000 "$scratch/deidentify" 2>&1 | grep -E '^(Done|stat::number_of_executed_units)'
"$fuzz/fuzz_prescan" "${opts[@]}" -runs=30000 "$scratch/deidentify" 2>&1 | grep -E '^Done'
"$fuzz/fuzz_profile" "${opts[@]}" -runs=5000 "$scratch/profile" 2>&1 | grep -E '^Done'

echo "== ASan+UBSan build: unit and corpus tests"
cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVEIL_WERROR=ON -DVEIL_SANITIZE=ON >/dev/null
cmake --build "$root/build-asan" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" -E 'install\.'
