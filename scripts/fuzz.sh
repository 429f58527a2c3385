#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/ and runs
# each for SECONDS (default 20), starting from the seeds in fuzz/corpus/<name>
# plus what earlier runs here found (build-fuzz/corpus/<name>). A crash leaves
# its input in build-fuzz/artifacts/ and fails the script.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: row_parser zstd_input options scanner_diff review_sheet)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(row_parser zstd_input options scanner_diff review_sheet)

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELIEF_FUZZ=ON \
  -DRELIEF_TESTS=OFF -DRELIEF_WERROR=ON >/dev/null
# shellcheck disable=SC2046 # one word per target
cmake --build build-fuzz -j"$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

mkdir -p build-fuzz/artifacts
status=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/fuzz_$t.log"
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/${t}-" \
      "build-fuzz/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    echo "fuzz: $t FAILED (log: $log)" >&2
    tail -n 40 "$log" >&2
    status=1
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz: $t ok, ${runs:-?} executions in ${seconds}s"
done
exit $status
