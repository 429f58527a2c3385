#!/usr/bin/env bash
# Paired, alternating runs of two relief binaries (before / after a change)
# on the same relief-gen set: `statewide --summary-only` over every county
# and `run` on one county. On a machine others load, CPU time (user + sys)
# moves less than wall time, so each pair's ratio after/before of both is
# printed, and their medians. Not part of CI.
#   bench/paired.sh BEFORE AFTER
#   BENCH_PEOPLE (200000)  BENCH_PAIRS (5)  BENCH_THREADS (2)  BENCH_JOBS ("statewide run")
#   BENCH_DATA (.bench-cache/data/paired-<people>, a zstd set made once)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -eq 2 ]] || { echo "usage: bench/paired.sh BEFORE AFTER (two relief binaries)" >&2; exit 1; }
BEFORE=$1
AFTER=$2
PEOPLE=${BENCH_PEOPLE:-200000}
PAIRS=${BENCH_PAIRS:-5}
THREADS=${BENCH_THREADS:-2}
DATA=${BENCH_DATA:-$ROOT/.bench-cache/data/paired-$PEOPLE}
OPTIONS=${BENCH_OPTIONS:-$ROOT/datasets/samples/options.json}
GEN=${BENCH_GEN:-$(dirname "$AFTER")/relief-gen}

if [[ ! -d $DATA ]]; then
  "$GEN" --people "$PEOPLE" --seed 102 --zstd --out "$DATA.tmp" >&2
  mv "$DATA.tmp" "$DATA"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
COMMON=(--compute-at=2019-11-11 "--eligibility-options=$OPTIONS" "--threads=$THREADS")

# one run of binary $1 for job $2: prints "user+sys wall"
one() {
  local out=$WORK/out args
  rm -rf "$out"
  case $2 in
    statewide) args=(statewide "--inputs=$DATA" --summary-only) ;;
    run) args=(run "--input-doj=$DATA/LOS_ANGELES.dat.zst" "--county=LOS ANGELES") ;;
  esac
  /usr/bin/time -f "%U %S %e" -o "$WORK/time" "$1" "${args[@]}" "${COMMON[@]}" \
    "--outputs=$out" >/dev/null 2>&1
  awk '{printf "%.2f %.2f\n", $1 + $2, $3}' "$WORK/time"
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

for job in ${BENCH_JOBS:-statewide run}; do
  : >"$WORK/cpu" && : >"$WORK/wall"
  echo "$job: pair  before cpu/wall  after cpu/wall  ratio cpu/wall"
  for i in $(seq 1 "$PAIRS"); do
    # alternate which goes first, so that neither always runs on a warmer cache
    if ((i % 2)); then b=$(one "$BEFORE" $job); a=$(one "$AFTER" $job)
    else a=$(one "$AFTER" $job); b=$(one "$BEFORE" $job); fi
    read -r bc bw <<<"$b"
    read -r ac aw <<<"$a"
    rc=$(awk -v a="$ac" -v b="$bc" 'BEGIN {printf "%.3f", a / b}')
    rw=$(awk -v a="$aw" -v b="$bw" 'BEGIN {printf "%.3f", a / b}')
    echo "$rc" >>"$WORK/cpu"
    echo "$rw" >>"$WORK/wall"
    printf '%s: %4d  %7s / %-7s  %7s / %-7s  %s / %s\n' "$job" "$i" "$bc" "$bw" "$ac" "$aw" "$rc" "$rw"
  done
  echo "$job: median ratio after/before: cpu $(median <"$WORK/cpu"), wall $(median <"$WORK/wall")"
done
