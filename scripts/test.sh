#!/usr/bin/env bash
# Sets up (packages + build with warnings as errors) and runs every test:
# Criterion unit tests, generator tests and end-to-end CLI tests, via ctest.
# Then the same suite again in build-asan/ under AddressSanitizer + UBSan,
# and, in CI (CI=true) or with RELIEF_FUZZ_SECONDS set, each fuzz target for
# a fixed time (default 20 s).
set -euo pipefail
cd "$(dirname "$0")/.."
RELIEF_CMAKE_FLAGS="-DRELIEF_WERROR=ON" scripts/setup.sh
(cd build && ctest --output-on-failure -j"$(nproc)")

# Sanitizers: any leak, overflow or undefined behaviour fails the run.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELIEF_SANITIZE=ON \
  -DRELIEF_WERROR=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
(cd build-asan &&
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  RELIEF_TEST_SCALE=small \
  ctest --output-on-failure -j"$(nproc)")

if [ "${CI:-}" = "true" ] || [ -n "${RELIEF_FUZZ_SECONDS:-}" ]; then
  scripts/fuzz.sh "${RELIEF_FUZZ_SECONDS:-20}"
fi
