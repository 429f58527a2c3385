#!/usr/bin/env bash
# The main job on the bundled sample: Los Angeles County's determinations
# from its DOJ extract (zstd, synthetic people), with the spec's example
# options, written to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p out
build/relief run \
  --input-doj=datasets/samples/statewide/LOS_ANGELES.dat.zst \
  --county="LOS ANGELES" \
  --compute-at=2019-11-11 \
  --eligibility-options=datasets/samples/options.json \
  --outputs=out/demo
echo "summary (out/demo/summary.json):"
python3 -m json.tool out/demo/summary.json
