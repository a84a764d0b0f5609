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

echo "== ASan+UBSan build: unit and corpus tests"
cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVEIL_WERROR=ON -DVEIL_SANITIZE=ON >/dev/null
cmake --build "$root/build-asan" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" -E 'install\.'
