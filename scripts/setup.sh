#!/usr/bin/env bash
# Installs the Debian packages relief needs (only those missing), then
# configures and builds it into build/. Used by both README commands and CI.
# With --packages-only it stops after the packages (scripts/test.sh builds
# its two configurations itself, side by side).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gcc cmake make pkg-config libzstd-dev libxxhash-dev libjansson-dev
          libcriterion-dev python3 zstd
          libhpdf-dev fonts-dejavu-core poppler-utils chromium  # PDFs; reading them back, rendering the report
          libmicrohttpd-dev libcrypt-dev chromium-driver python3-selenium  # relief serve, its browser tests
          clang libclang-rt-14-dev libomp-14-dev  # scripts/fuzz.sh: libFuzzer, clang's OpenMP
          dpkg-dev groff-base  # tests/install: cpack's dpkg-shlibdeps, man page rendering
          libsqlite3-dev libxlsxwriter-dev libminizip-dev libexpat1-dev sqlite3  # relief review
          libreoffice-calc-nogui  # tests/e2e/test_review.py: sheets round-tripped through Calc
          libopenmpi-dev openmpi-bin)  # relief-mpi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# axe-core (the npm package, not Debian's) for tests/e2e/test_serve_browser.py,
# which injects it into each screen; fetched once, skipped when present
axe_dir="${RELIEF_AXE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/relief/axe-core}"
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
  echo "setup: installing axe-core into $axe_dir" >&2
  if ! command -v npm >/dev/null; then # a Node.js of another source brings its own npm
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null || true
  fi
  mkdir -p "$axe_dir"
  npm install --prefix "$axe_dir" --no-save --no-audit --no-fund --loglevel=error axe-core@4.14.1 >/dev/null ||
    echo "setup: axe-core could not be installed: the browser tests skip their accessibility checks" >&2
fi

[ "${1:-}" = "--packages-only" ] && exit 0
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${RELIEF_CMAKE_FLAGS:-} >/dev/null
cmake --build build -j"$(nproc)"
