#!/usr/bin/env bash
# Compares relief-mpi at 1 rank x 2 threads with 2 ranks x 1 thread (and
# one `relief statewide` process at 2 threads) on a relief-gen set, and
# reports each phase, the bytes exchanged and the exchange's share of the
# job's time (RELIEF_MPI_STATS). Not part of CI; see docs/scale.md.
#   BENCH_PEOPLE (20000)  BENCH_REPEAT (3)  BUILD_DIR (build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
PEOPLE=${BENCH_PEOPLE:-20000}
REPEAT=${BENCH_REPEAT:-3}
CACHE=${BENCH_CACHE:-$ROOT/.bench-cache}
DATA=$CACHE/data/mpi-$PEOPLE
OPTIONS=${BENCH_OPTIONS:-$ROOT/datasets/samples/options.json}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

for t in relief relief-mpi relief-gen; do
  [[ -x $BUILD/$t ]] || { echo "bench/mpi.sh: $BUILD/$t missing (build with OpenMPI installed)" >&2; exit 1; }
done
[[ -d $DATA ]] || "$BUILD/relief-gen" --people "$PEOPLE" --seed 115 --out "$DATA" >&2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ARGS=(statewide "--inputs=$DATA" --compute-at=2019-11-11 "--eligibility-options=$OPTIONS")

# one run: prints "phase seconds" lines (slowest rank), bytes and RSS
mpi_run() { # ranks threads
  local out=$WORK/out-$1x$2
  rm -rf "$out"
  RELIEF_MPI_STATS=1 mpirun --oversubscribe --bind-to none -np "$1" "$BUILD/relief-mpi" "${ARGS[@]}" \
    "--outputs=$out" "--threads=$2" 2>&1 >/dev/null | grep '^relief-mpi stats:' | sed 's/^relief-mpi stats: //'
}

best() { # ranks threads: the run with the smallest total of REPEAT
  local best_total=1e9 best_out="" i out total
  for ((i = 0; i < REPEAT; i++)); do
    out=$(mpi_run "$1" "$2")
    total=$(awk '$1 == "total" {print $2}' <<<"$out")
    if awk -v a="$total" -v b="$best_total" 'BEGIN {exit !(a < b)}'; then best_total=$total best_out=$out; fi
  done
  printf '%s\n' "$best_out"
}

single() { # threads: wall seconds of one relief statewide process (best of REPEAT)
  local b=1e9 i s e
  for ((i = 0; i < REPEAT; i++)); do
    rm -rf "$WORK/single"
    s=$(date +%s.%N)
    "$BUILD/relief" "${ARGS[@]}" "--outputs=$WORK/single" "--threads=$1" 2>/dev/null
    e=$(date +%s.%N)
    b=$(awk -v a="$(awk -v s="$s" -v e="$e" 'BEGIN {print e - s}')" -v b="$b" 'BEGIN {print (a < b ? a : b)}')
  done
  echo "$b"
}

rows=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rows'])" "$DATA/manifest.json")
bytes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['bytes'])" "$DATA/manifest.json")
echo "set: $PEOPLE people, $rows rows, $((bytes / 1000000)) MB ($(nproc) cores)"
echo "relief statewide, 1 process x 2 threads: $(single 2) s wall (report included)"
for shape in "1 2" "2 1"; do
  set -- $shape
  stats=$(best "$1" "$2")
  echo
  echo "relief-mpi, $1 rank(s) x $2 thread(s):"
  printf '%s\n' "$stats" | sed 's/^/  /'
  awk -v people="$PEOPLE" -v rows="$rows" '
    $1 == "total" {total = $2} $1 == "summaries" {summ = $2}
    $1 == "exchange_rows" {ex += $2} $1 == "exchange_results" {ex += $2} $1 == "gather" {ex += $2}
    $1 == "exchanged" {rb = $3; xb = $6}
    END {
      job = total - summ
      printf "  job (without summaries/report): %.3f s, %.0f rows/s\n", job, rows / job
      printf "  exchange (rows + results + gather): %.3f s = %.1f%% of the job\n", ex, 100 * ex / job
      printf "  bytes exchanged per person: %.0f (rows) + %.0f (results)\n", rb / people, xb / people
    }' <<<"$stats"
done
