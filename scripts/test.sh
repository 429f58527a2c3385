#!/usr/bin/env bash
# Sets up (packages) and runs every test, in two configurations side by side:
# build/ (Release, warnings as errors) and build-asan/ (AddressSanitizer +
# UBSan: any leak, overflow or undefined behaviour fails the run), each with
# its Criterion unit tests, generator tests and end-to-end CLI tests via
# ctest. In CI (CI=true) or with RELIEF_FUZZ_SECONDS set, each fuzz target
# too, for a fixed time (default 10 s), beside the suites.
#
# What makes it fast on a small machine (no test is dropped):
# - both configurations build and test at once, each in the background, so
#   one's link or slow test overlaps the other's compiles and tests;
# - ctest runs tests in parallel (RELIEF_TEST_JOBS, default nproc + 1 per
#   configuration: the e2e tests spend much of their time waiting on the
#   processes they start), longest first (tests/CMakeLists.txt sets COST);
# - the tests' scratch folders (TMPDIR) are on a tmpfs when /dev/shm has
#   room: every relief run ends with syncfs(), which on a disk flushes the
#   whole file system, and the e2e tests make hundreds of runs;
# - OpenMP threads sleep rather than spin while they wait (the tests share
#   the cores, and a spinning thread takes one from a test that has work).
# Each configuration's output is in BUILD/test.log, printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --packages-only

jobs=$(nproc)
test_jobs=${RELIEF_TEST_JOBS:-$((jobs + 1))}

# a tmpfs scratch folder for the tests, unless TMPDIR is set or it is small
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
  [ "$(df -Pk /dev/shm | awk 'NR == 2 {print $4}')" -ge $((4 * 1024 * 1024)) ]; then
  scratch=$(mktemp -d /dev/shm/relief-test.XXXXXX)
  chmod 1777 "$scratch" # as /tmp: some cases run a program as nobody
  trap 'rm -rf "$scratch"' EXIT
  export TMPDIR="$scratch"
fi
export OMP_WAIT_POLICY=PASSIVE

# suite DIR TARGET ENV [cmake options...]: configures DIR, builds TARGET
# there and runs its tests (ctest with the variables ENV, "NAME=VALUE ..."),
# logging to DIR/test.log
# shellcheck disable=SC2086 # ENV is a list of NAME=VALUE words
suite() {
  local dir=$1 target=$2 test_env=$3
  shift 3
  mkdir -p "$dir"
  {
    cmake -S . -B "$dir" "$@" >/dev/null &&
      cmake --build "$dir" -j"$jobs" --target "$target" &&
      (cd "$dir" && env $test_env ctest --output-on-failure -j"$test_jobs")
  } >"$dir/test.log" 2>&1
}

suite build all "" -DCMAKE_BUILD_TYPE=Release -DRELIEF_WERROR=ON &
normal=$!
# Sanitizers: any leak, overflow or undefined behaviour fails the run. Only
# what its tests run is built (no benchmarks, no librelief.so), with line
# tables only (-g1: a report still names FILE:LINE, and it compiles in a
# seventh less time than -g), and the big e2e inputs are smaller there
# (RELIEF_TEST_SCALE=small; docs/testing.md).
suite build-asan relief_test_programs "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 RELIEF_TEST_SCALE=small" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELIEF_SANITIZE=ON -DRELIEF_WERROR=ON \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" &
asan=$!
echo "test: building and testing build/ and build-asan/ at once (logs: build*/test.log)"
# The fuzz targets (CI, or RELIEF_FUZZ_SECONDS set) build and run beside the
# suites, niced: they take the cores the suites leave idle while their e2e
# tests wait on the processes they start, instead of adding their minutes
# after the suites'. libFuzzer's time is wall time, so a loaded run fuzzes
# fewer inputs in its seconds, never for longer. 10 s a target here (5
# targets: 50 CPU-s of the 8 minutes this script may take on 2 cores);
# scripts/fuzz.sh alone, or RELIEF_FUZZ_SECONDS, fuzzes longer.
fuzz=
if [ "${CI:-}" = "true" ] || [ -n "${RELIEF_FUZZ_SECONDS:-}" ]; then
  mkdir -p build-fuzz
  nice -n 10 scripts/fuzz.sh "${RELIEF_FUZZ_SECONDS:-10}" >build-fuzz/fuzz.out 2>&1 &
  fuzz=$!
fi

status=0
# finished NAME DIR PID: waits for a suite, then prints its verdict and log
finished() {
  local result=passed
  wait "$3" || { result=FAILED; status=1; }
  echo "==== $1 suite ($2/test.log): $result"
  cat "$2/test.log"
}
finished normal build $normal
finished sanitizer build-asan $asan
if [ -n "$fuzz" ]; then
  wait "$fuzz" || status=1
  echo "==== fuzz (build-fuzz/fuzz.out):"
  cat build-fuzz/fuzz.out
fi
exit $status
