#!/usr/bin/env bash
# Sets up (packages + build with warnings as errors) and runs every test:
# Criterion unit tests, generator tests and end-to-end CLI tests, via ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
RELIEF_CMAKE_FLAGS="-DRELIEF_WERROR=ON" scripts/setup.sh
cd build
ctest --output-on-failure -j"$(nproc)"
