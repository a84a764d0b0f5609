#!/usr/bin/env bash
# Installs everything veil needs to build and test on Debian 12, from Debian's packages.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git clang libclang-rt-dev
  libgdcm-dev libgdcm-tools libssl-dev zlib1g-dev libyaml-cpp-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libtbb-dev libgtest-dev libgmock-dev libbenchmark-dev
  libopencv-dev libpng-dev tesseract-ocr tesseract-ocr-eng libtesseract-dev
  python3 python3-dev python3-pip python3-setuptools python3-wheel python3-venv pybind11-dev
  python3-pydicom python3-numpy python3-pytest python3-pil python3-dask python3-distributed
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
