#!/usr/bin/env bash
# One command on a fresh Debian 12: install dependencies, build, de-identify the example data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVEIL_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build"
"$root/examples/run_example.sh" "$root/example-output"
