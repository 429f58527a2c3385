#!/usr/bin/env bash
# Benchmarks the relief engine on generated data sets (S, M, L, R; XL on
# request: BENCH_SETS=XL) against
# the floors measured in the same run: decompressing/reading the input and
# writing as many bytes as the engine wrote. Prints a table, writes JSON.
# See bench/README.md for what each set is and the knobs below.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${BENCH_CACHE:-$ROOT/.bench-cache}
SETS=${BENCH_SETS:-S M L R}
ALL_THREADS=${BENCH_THREADS:-$(nproc)}
COMPUTE_AT=${BENCH_COMPUTE_AT:-2019-11-11}
OPTIONS=${BENCH_OPTIONS:-$ROOT/datasets/samples/options.json}
MEMORY_LIMIT=${BENCH_MEMORY_LIMIT:-600M}      # the bounded statewide run of set L
XL_MEMORY_LIMIT=${BENCH_XL_MEMORY_LIMIT:-4G}  # ... and of set XL
BOUNDED_SETS=${BENCH_BOUNDED_SETS:-L XL}      # (XL only when BENCH_SETS names it)
RUN_COUNTY="LOS ANGELES"
RUN_FILE_STEM=LOS_ANGELES

# Generator arguments of each set; the cache folder is keyed by them.
declare -A SET_ARGS=(
  [S]="--people 10000 --seed 101"
  [M]="--people 200000 --seed 102"
  [L]="--people 1000000 --seed 103 --zstd"
  [R]="--people 11300 --seed 104 --shape reference --counties LOS_ANGELES"
  # the whole state: 8M people, ~116M rows, ~38 GB of text, 2.5 GB zstd;
  # generated when asked for (BENCH_SETS=XL), never in the default run
  [XL]="--people 8000000 --seed 8 --zstd"
)
# Sets run statewide only, summary only, at all threads (a county file of
# them in `run`, or one thread over all of them, would take most of an hour).
LARGE_SETS=" XL "
# What a run without --memory-limit keeps to (the engine's default, 60 % of
# physical memory), given explicitly so that the run prints its estimate.
DEFAULT_LIMIT=$(awk '/^MemTotal:/ {printf "%.0f", $2 * 1024 / 10 * 6}' /proc/meminfo 2>/dev/null)  # %d wraps at 2 GiB in mawk

note() { printf 'bench: %s\n' "$*" >&2; }

# ---- 1. build (Release) -------------------------------------------------------
pick_build_dir() {
  local dir=${BUILD_DIR:-$ROOT/build}
  if [[ -f $dir/CMakeCache.txt ]] && ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$dir/CMakeCache.txt"; then
    note "$dir is not a Release build; using $ROOT/build-release"
    dir=$ROOT/build-release
  fi
  echo "$dir"
}
BUILD=$(pick_build_dir)
if [[ -z ${RELIEF_GEN:-} || -z ${RELIEF:-} ]]; then
  if [[ ! -f $BUILD/CMakeCache.txt ]]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DRELIEF_TESTS=OFF >/dev/null \
      || note "cmake configure failed"
  fi
  cmake --build "$BUILD" -j "$(nproc)" --target relief-gen >/dev/null || note "could not build relief-gen"
  cmake --build "$BUILD" -j "$(nproc)" --target relief >/dev/null 2>&1 || note "could not build relief (engine runs will be skipped)"
fi
GEN=${RELIEF_GEN:-$BUILD/relief-gen}
ENGINE=${RELIEF:-$BUILD/relief}
[[ -x $GEN ]] || { note "no generator at $GEN"; exit 1; }

TIME_BIN=/usr/bin/time
if [[ ! -x $TIME_BIN ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get install -y -qq time >/dev/null 2>&1 || true
  fi
  [[ -x $TIME_BIN ]] || { note "GNU time missing (apt-get install time); peak RSS not measured"; TIME_BIN=; }
fi

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

# ---- 2. data sets, cached -----------------------------------------------------
GEN_SOURCES_HASH=$(cat "$ROOT"/datasets/gen/*.[ch] 2>/dev/null | sha256sum | cut -c1-12)
mkdir -p "$CACHE"
dataset_dir() {
  local set=$1 key
  key=$(printf '%s|%s' "${SET_ARGS[$set]}" "$GEN_SOURCES_HASH" | sha256sum | cut -c1-12)
  echo "$CACHE/data/$set-$key"
}
build_dataset() {
  local set=$1 dir
  dir=$(dataset_dir "$set")
  if [[ -f $dir/.complete ]]; then note "set $set: cached in $dir"; return 0; fi
  note "set $set: relief-gen ${SET_ARGS[$set]}"
  rm -rf "$dir" "$dir.partial"
  # shellcheck disable=SC2086
  "$GEN" ${SET_ARGS[$set]} --out "$dir.partial" || { note "set $set: generator failed"; return 1; }
  mv "$dir.partial" "$dir" && echo "${SET_ARGS[$set]}" > "$dir/.complete"
}

# ---- 3. runs ------------------------------------------------------------------
RESULTS=$CACHE/results.tsv
printf 'set\tmode\tthreads\twall_s\tpeople\trows\tinput_bytes\tpeak_rss_kb\tread_floor_s\twrite_floor_s\toutput_bytes\tnote\n' > "$RESULTS"
record() { local IFS=$'\t'; echo "$*" >> "$RESULTS"; }

manifest_counts() {  # manifest, file name or "" for all -> "people rows bytes"
  python3 - "$1" "$2" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
if sys.argv[2]:
    entry = next(f for f in manifest["files"] if f["file"] == sys.argv[2])
    print(entry["people"], entry["rows"], entry["bytes"])
else:
    print(manifest["people"], manifest["rows"], manifest["bytes"])
PY
}

time_command() {  # log, command... -> sets WALL, RSS_KB, RC
  local log=$1; shift
  local timing=$log.time start end
  start=$(now)
  if [[ -n $TIME_BIN ]]; then
    "$TIME_BIN" -v -o "$timing" "$@" >"$log" 2>&1; RC=$?
  else
    "$@" >"$log" 2>&1; RC=$?
  fi
  end=$(now)
  WALL=$(elapsed "$start" "$end")
  RSS_KB=$( [[ -f $timing ]] && sed -n 's/.*Maximum resident set size (kbytes): //p' "$timing" || true)
  RSS_KB=${RSS_KB:-}
}

read_floor() {  # files... -> seconds to read (and decompress) them
  local start end
  start=$(now)
  for f in "$@"; do
    if [[ $f == *.zst ]]; then zstd -dcq "$f" >/dev/null; else cat "$f" >/dev/null; fi
  done
  end=$(now)
  elapsed "$start" "$end"
}

write_floor() {  # bytes -> seconds to write and fsync that many bytes on the cache's disk
  local bytes=$1 target=$CACHE/write-floor.tmp start end
  start=$(now)
  head -c "$bytes" /dev/zero > "$target"
  sync "$target"
  end=$(now)
  rm -f "$target"
  elapsed "$start" "$end"
}

# Whether two statewide outputs have the same summaries (timing fields aside).
same_summaries() {
  python3 - "$1" "$2" <<'PY'
import json, os, sys
def summaries(root):
    out = {}
    for d, _, files in os.walk(root):
        for n in files:
            if n.endswith("summary.json"):
                o = json.load(open(os.path.join(d, n)))
                def scrub(x):
                    if isinstance(x, dict):
                        x.pop("processingTimeInSeconds", None)
                        [scrub(v) for v in x.values()]
                scrub(o)
                out[os.path.relpath(os.path.join(d, n), root)] = o
    return out
a, b = summaries(sys.argv[1]), summaries(sys.argv[2])
print("summaries identical" if a == b and a else "summaries DIFFER")
PY
}

run_engine() {  # set mode threads dir people rows bytes read_floor input...
  local set=$1 mode=$2 threads=$3 dir=$4 people=$5 rows=$6 bytes=$7 rfloor=$8
  local out=$CACHE/out/$set-$mode-t$threads log=$CACHE/out/$set-$mode-t$threads.log
  rm -rf "$out"; mkdir -p "$out"
  local -a command
  local note=""
  local limit=$MEMORY_LIMIT
  [[ $set == XL ]] && limit=$XL_MEMORY_LIMIT
  if [[ $mode == bounded ]]; then  # statewide under --memory-limit, same flags otherwise
    command=("$ENGINE" statewide "--inputs=$dir" "--compute-at=$COMPUTE_AT" "--outputs=$out"
             "--eligibility-options=$OPTIONS" "--threads=$threads" "--memory-limit=$limit")
    if [[ ($set == L || $set == XL) && -z ${BENCH_FULL_STATEWIDE:-} ]]; then
      command+=(--summary-only)
    fi
  elif [[ $mode == run ]]; then
    command=("$ENGINE" run "--input-doj=$9" "--county=$RUN_COUNTY" "--compute-at=$COMPUTE_AT"
             "--eligibility-options=$OPTIONS" "--outputs=$out" "--threads=$threads")
  else
    command=("$ENGINE" statewide "--inputs=$dir" "--compute-at=$COMPUTE_AT" "--outputs=$out"
             "--eligibility-options=$OPTIONS" "--threads=$threads")
    [[ -n $DEFAULT_LIMIT ]] && command+=("--memory-limit=$DEFAULT_LIMIT")
    if [[ ($set == L || $set == XL) && -z ${BENCH_FULL_STATEWIDE:-} ]]; then
      command+=(--summary-only)
    fi
  fi
  if [[ ! -x $ENGINE ]]; then
    record "$set" "$mode" "$threads" "" "$people" "$rows" "$bytes" "" "$rfloor" "" "" "engine not built"
    return
  fi
  note "set $set: relief $mode --threads=$threads"
  time_command "$log" "${command[@]}"
  if [[ $RC != 0 ]]; then
    local why="failed (exit $RC, see $log)"
    grep -qi 'unknown command\|unknown subcommand' "$log" && why="skipped: '$mode' not implemented yet"
    record "$set" "$mode" "$threads" "" "$people" "$rows" "$bytes" "" "$rfloor" "" "" "$why"
    return
  fi
  local out_bytes wfloor
  out_bytes=$(du -sb "$out" | cut -f1)
  wfloor=$(write_floor "$out_bytes")
  if [[ $mode == bounded ]]; then
    note="limit $limit; $(grep -o 'spilled [0-9]* partitions' "$log" || echo 'no spill')"
    [[ -n $RSS_KB ]] && note="$note; peak $(python3 -c "import sys
size = sys.argv[2]; unit = 1024 ** ' KMGT'.index(size[-1]) if size[-1] in 'KMGT' else 1
print(f'{int(sys.argv[1]) * 1024 / (int(size.rstrip(\"KMGT\")) * unit):.0%}')" "$RSS_KB" "$limit") of it"
    local free=$CACHE/out/$set-statewide-t$threads
    [[ -d $free ]] && note="$note; $(same_summaries "$free" "$out")"
  fi
  if [[ $mode == statewide ]]; then  # the estimate that decided whether to spill, against the peak
    local estimate
    estimate=$(sed -n 's/.*memory estimate \([0-9]*\) MB.*/\1/p' "$log")
    [[ -n $estimate && -n $RSS_KB ]] &&
      note="estimate $estimate MB, $(python3 -c "import sys; print(f'{int(sys.argv[1]) * 1e6 / (int(sys.argv[2]) * 1024) - 1:+.0%}')" "$estimate" "$RSS_KB") of peak"
    grep -q 'spilled [0-9]* partitions' "$log" || note="$note; no spill"
  fi
  record "$set" "$mode" "$threads" "$WALL" "$people" "$rows" "$bytes" "$RSS_KB" "$rfloor" "$wfloor" "$out_bytes" "$note"
  # the unbounded statewide output is kept until the bounded run compares with it
  if [[ -z ${BENCH_KEEP_OUTPUTS:-} && ( $mode != statewide || " $BOUNDED_SETS " != *" $set "* ) ]]; then
    rm -rf "$out"
  fi
  [[ $mode == bounded && -z ${BENCH_KEEP_OUTPUTS:-} ]] && rm -rf "$CACHE/out/$set-statewide-t$threads"
  return 0
}

thread_counts="1"
[[ $ALL_THREADS != 1 ]] && thread_counts="1 $ALL_THREADS"

for set in $SETS; do
  [[ -n ${SET_ARGS[$set]:-} ]] || { note "unknown set $set"; continue; }
  build_dataset "$set" || continue
  dir=$(dataset_dir "$set")
  suffix=.dat; [[ ${SET_ARGS[$set]} == *--zstd* ]] && suffix=.dat.zst
  run_file=$dir/$RUN_FILE_STEM$suffix
  all_files=("$dir"/*"$suffix")

  set_threads=$thread_counts
  if [[ $LARGE_SETS == *" $set "* ]]; then
    set_threads=$ALL_THREADS
  else
    read -r people rows bytes < <(manifest_counts "$dir/manifest.json" "$RUN_FILE_STEM$suffix")
    rfloor=$(read_floor "$run_file")   # also warms the page cache
    for threads in $thread_counts; do
      run_engine "$set" run "$threads" "$dir" "$people" "$rows" "$bytes" "$rfloor" "$run_file"
    done
  fi

  read -r people rows bytes < <(manifest_counts "$dir/manifest.json" "")
  rfloor=$(read_floor "${all_files[@]}")
  for threads in $set_threads; do
    run_engine "$set" statewide "$threads" "$dir" "$people" "$rows" "$bytes" "$rfloor"
    if [[ " $BOUNDED_SETS " == *" $set "* && $threads == "$ALL_THREADS" ]]; then
      run_engine "$set" bounded "$threads" "$dir" "$people" "$rows" "$bytes" "$rfloor"
    fi
  done
done

# ---- 4. table and JSON --------------------------------------------------------
python3 "$ROOT/bench/report.py" "$RESULTS" "$CACHE/results.json" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
