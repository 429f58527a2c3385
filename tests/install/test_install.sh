#!/usr/bin/env bash
# test_install.sh — installs a built tree into a scratch prefix and uses it
# as a user would: the program and its gogen link, the man page, bash and zsh
# completion, the header, and librelief through pkg-config (a small program
# built against the installed files must print the version `relief version`
# prints). When cpack, dpkg-deb and dpkg-shlibdeps exist it also builds the
# .deb and checks its Depends line and contents. Every check fails loudly.
# Arguments: see tests/install/CMakeLists.txt.
set -euo pipefail

declare -A arg
while (($#)); do
  [[ $1 == --* && $# -ge 2 ]] || { echo "test_install.sh: bad argument '$1'" >&2; exit 2; }
  arg[${1#--}]=$2
  shift 2
done
for key in build version cmake cpack cc pkg-config bindir libdir includedir mandir datadir; do
  [[ -n ${arg[$key]:-} ]] || { echo "test_install.sh: --$key is required" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/relief-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "install: FAIL: $*" >&2
  exit 1
}
step() { echo "install: $*"; }

prefix=$tmp/prefix
bin=$prefix/${arg[bindir]} lib=$prefix/${arg[libdir]}
share=$prefix/${arg[datadir]}

step "cmake --install into $prefix"
"${arg[cmake]}" --install "${arg[build]}" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }

# the program, and gogen: a relative link to it that runs as the drop-in
[[ -f $bin/relief && -x $bin/relief ]] || fail "no executable $bin/relief"
[[ -L $bin/gogen ]] || fail "$bin/gogen is not a symlink"
[[ $(readlink "$bin/gogen") == relief ]] || fail "gogen links to '$(readlink "$bin/gogen")', not relief"
version=$("$bin/relief" version) || fail "installed relief version failed"
[[ $version == "${arg[version]}" ]] || fail "relief version says '$version', the project is ${arg[version]}"
# (each command's output is taken whole before grep: with pipefail, a grep -q
# that stops reading early can fail the pipeline through the writer's SIGPIPE)
usage=$("$bin/gogen" --help) && grep -q '^usage: gogen ' <<<"$usage" ||
  fail "bin/gogen does not run as the gogen drop-in"

# documentation and completion
man1=$prefix/${arg[mandir]}/man1
for f in "$man1/relief.1" "$share/bash-completion/completions/relief" \
  "$share/bash-completion/completions/gogen" "$share/zsh/vendor-completions/_relief" \
  "$share/relief/flows/los-angeles.json" "$share/doc/relief/README.md"; do
  [[ -s $f ]] || fail "missing or empty: ${f#"$prefix"/}"
done
grep -q '^\.TH RELIEF 1' "$man1/relief.1" || fail "relief.1 is not the relief man page"
if command -v groff >/dev/null; then
  groff -man -Tutf8 -z "$man1/relief.1" 2>"$tmp/groff.err" && [[ ! -s $tmp/groff.err ]] ||
    fail "installed relief.1 does not render cleanly: $(cat "$tmp/groff.err")"
fi
# the installed bash completion completes a county name (with its space escaped)
completed=$(bash -c 'source "$1"; COMP_WORDS=(relief run --county = "LOS"); COMP_CWORD=4
  _relief; printf "%s\n" "${COMPREPLY[@]}"' _ "$share/bash-completion/completions/relief") ||
  fail "the installed bash completion fails to run"
[[ $completed == 'LOS\ ANGELES' ]] || fail "bash completion of --county=LOS gave '$completed'"

# header, library and pkg-config file
[[ -f $prefix/${arg[includedir]}/relief/relief.h ]] || fail "no include/relief/relief.h"
pc_dir=$lib/pkgconfig
[[ -f $pc_dir/relief.pc ]] || fail "no ${arg[libdir]}/pkgconfig/relief.pc"
[[ -f $lib/librelief.so.0 && -L $lib/librelief.so ]] || fail "no librelief.so.0 with its librelief.so link"
pkgconf() { PKG_CONFIG_PATH=$pc_dir "${arg[pkg-config]}" "$@"; }
pc_version=$(pkgconf --modversion relief) || fail "pkg-config does not find the installed relief.pc"
[[ $pc_version == "${arg[version]}" ]] || fail "relief.pc says version '$pc_version'"
flags=$(pkgconf --cflags --libs relief) || fail "pkg-config --cflags --libs relief failed"
[[ $flags == *"-I$prefix/"* || $flags == *"-I$tmp/"* ]] ||
  fail "relief.pc's Cflags point outside the install prefix: $flags"

step "building a program against the installed librelief: $flags"
cat >"$tmp/print_version.c" <<'C'
#include <stdio.h>
#include <relief/relief.h>
int main(void) {
  printf("%s\n", relief_version());
  return 0;
}
C
# shellcheck disable=SC2086  # the flags are words
"${arg[cc]}" -o "$tmp/print_version" "$tmp/print_version.c" $flags 2>"$tmp/cc.err" ||
  fail "compiling against the installed header and library failed: $(cat "$tmp/cc.err")"
loads=$(LD_LIBRARY_PATH=$lib ldd "$tmp/print_version" 2>&1) &&
  grep -qF "librelief.so.0 => $lib/librelief.so.0" <<<"$loads" ||
  fail "the program does not load the installed librelief.so.0: $loads"
lib_version=$(LD_LIBRARY_PATH=$lib "$tmp/print_version") || fail "the program linked to librelief failed"
[[ $lib_version == "$version" ]] ||
  fail "librelief's relief_version() says '$lib_version', bin/relief version says '$version'"

# the soname carries the ABI version, and the header holds the API that can
# grow: one opaque settings object, no configuration struct of the engine's
if command -v readelf >/dev/null; then
  soname=$(readelf -d "$lib/librelief.so.0" 2>&1) && grep -qF '[librelief.so.0]' <<<"$soname" ||
    fail "librelief.so.0 has no SONAME librelief.so.0: $soname"
fi
header=$prefix/${arg[includedir]}/relief/relief.h
! grep -qE 'relief_(run|statewide)_config' "$header" ||
  fail "the installed relief.h still exposes relief_run_config or relief_statewide_config"
step "a program using relief_settings through the installed librelief"
cat >"$tmp/use_settings.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <relief/relief.h>
int main(void) {
  relief_settings *s = relief_settings_new();
  relief_error err = {0};
  int64_t threads = -1;
  if (relief_settings_set_int(s, RELIEF_S_THREADS, 3, &err) ||
      relief_settings_get_int(s, RELIEF_S_THREADS, &threads, &err) || threads != 3)
    return 1;
  if (relief_settings_set_text(s, RELIEF_S_OUTPUTS, "out", &err) ||
      strcmp(relief_settings_get_text(s, RELIEF_S_OUTPUTS), "out"))
    return 2;
  if (relief_settings_set_int(s, RELIEF_S_TRACE, 2, &err) != RELIEF_E_USAGE) return 3;
  relief_statewide_result res;
  /* no options: refused before anything is read or written */
  if (relief_statewide(s, &res, &err) == RELIEF_OK) return 4;
  relief_settings_free(s);
  printf("ok\n");
  return 0;
}
C
# shellcheck disable=SC2086  # the flags are words
"${arg[cc]}" -o "$tmp/use_settings" "$tmp/use_settings.c" $flags 2>"$tmp/cc.err" ||
  fail "a program using relief_settings does not build: $(cat "$tmp/cc.err")"
used=$(LD_LIBRARY_PATH=$lib "$tmp/use_settings") && [[ $used == ok ]] ||
  fail "a program using relief_settings failed (status $?): $used"

# the Debian package
missing=()
for tool in dpkg-deb dpkg-shlibdeps; do command -v $tool >/dev/null || missing+=("$tool"); done
[[ -x ${arg[cpack]} ]] || missing+=(cpack)
if ((${#missing[@]})); then
  echo "install: .deb not checked: ${missing[*]} not installed (Debian: dpkg-dev)"
  step "ok"
  exit 0
fi
step "cpack -G DEB"
"${arg[cpack]}" -G DEB --config "${arg[build]}/CPackConfig.cmake" -B "$tmp/deb" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB failed"; }
debs=("$tmp"/deb/*.deb)
((${#debs[@]} == 1)) && [[ -f ${debs[0]} ]] || fail "cpack made no single .deb: ${debs[*]}"
deb=${debs[0]}
[[ $(dpkg-deb -f "$deb" Package) == relief ]] || fail "the package is not named relief"
depends=$(dpkg-deb -f "$deb" Depends)
step "Depends: $depends"
[[ $depends == *libzstd* ]] || fail "Depends does not name libzstd (dpkg-shlibdeps not run?): '$depends'"
dpkg-deb -c "$deb" | awk '{print $6, $7, $8}' >"$tmp/contents"
for path in ./usr/bin/relief ./usr/lib/librelief.so.0 ./usr/share/man/man1/relief.1 \
  ./usr/include/relief/relief.h; do
  grep -q "^${path//./\\.}\( \|$\)" "$tmp/contents" || fail "the .deb lacks $path"
done
grep -q '^\./usr/bin/gogen -> relief$' "$tmp/contents" || fail "the .deb lacks the gogen -> relief link"
# exactly the programs installed on purpose: no test or bench programs
extra=$(grep -E '^\./usr/bin/[^ ]' "$tmp/contents" | grep -vE '^\./usr/bin/(relief|relief-gen|gogen)( |$)' || true)
[[ -z $extra ]] || fail "the .deb holds unexpected programs: $extra"
! grep -qiE '(^|/)(test_|tests/|forms-bench|xxh$)' "$tmp/contents" ||
  fail "the .deb holds test files: $(grep -iE '(^|/)(test_|tests/|forms-bench|xxh$)' "$tmp/contents")"
# librelief is declared for dpkg-shlibdeps of packages that link it
shlibs=$(dpkg-deb -I "$deb" shlibs 2>/dev/null) && grep -q '^librelief 0 relief' <<<"$shlibs" ||
  fail "the .deb has no shlibs entry for librelief 0"
step "ok"
