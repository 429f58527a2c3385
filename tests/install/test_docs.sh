#!/usr/bin/env bash
# test_docs.sh SOURCE_DIR — the man pages and completions name every option
# the program accepts: each entry of the option tables under engine/ (and
# relief-gen's in datasets/gen/main.c) must appear in packaging/relief.1 (or
# relief-gen.1) and in both completion scripts; the man pages must render
# without warnings when groff is installed.
set -euo pipefail
src=${1:?usage: test_docs.sh SOURCE_DIR}
fails=0
fail() { echo "install_docs: FAIL: $*" >&2; fails=$((fails + 1)); }

# cli_option entries: {"name", 0 or 'x', &value or NULL, &flag or NULL, ...
mapfile -t options < <(grep -rhoE '\{"[a-z][a-z0-9-]*", (0|'\''[a-z]'\''), (&[a-z_]+|NULL), (&[a-z_]+|NULL),' \
  "$src/engine" | sed -E 's/^\{"([^"]+)".*/\1/' | sort -u)
# a failing search must not pass as "nothing to check"
((${#options[@]} >= 15)) || fail "found only ${#options[@]} options in engine/ option tables (moved?)"
for name in "${options[@]}"; do
  grep -qF -- "\\-\\-${name//-/\\-}" "$src/packaging/relief.1" || fail "relief.1 lacks --$name"
  grep -qE -- "--$name([= |)]|\$)" "$src/packaging/completion/relief.bash" || fail "relief.bash lacks --$name"
  grep -qE -- "--$name([=[]|\$)" "$src/packaging/completion/_relief" || fail "_relief (zsh) lacks --$name"
done

mapfile -t gen_options < <(grep -oE '^\s*\{"[a-z-]+", OPTION_' "$src/datasets/gen/main.c" |
  sed -E 's/.*"([^"]+)".*/\1/')
((${#gen_options[@]} >= 5)) || fail "found only ${#gen_options[@]} relief-gen options (moved?)"
for name in "${gen_options[@]}"; do
  grep -qF -- "\\-\\-${name//-/\\-}" "$src/packaging/relief-gen.1" || fail "relief-gen.1 lacks --$name"
done

if command -v groff >/dev/null; then
  for page in relief.1 relief-gen.1; do
    warnings=$(groff -man -Tutf8 -ww -z "$src/packaging/$page" 2>&1)
    [[ -z $warnings ]] || fail "$page renders with warnings: $warnings"
  done
else
  echo "install_docs: groff not installed; man pages not rendered" >&2
fi
bash -n "$src/packaging/completion/relief.bash" || fail "relief.bash has a syntax error"
if command -v zsh >/dev/null; then
  zsh -n "$src/packaging/completion/_relief" || fail "_relief has a syntax error"
fi

((fails == 0)) || exit 1
echo "install_docs: ${#options[@]} relief options and ${#gen_options[@]} relief-gen options documented and completed"
