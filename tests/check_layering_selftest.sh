#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Shows that tests/check_layering.sh fails on each kind of violation: a copy of src/ with an OS header
# in config/, a raw system call in control/, an include of roles/ from datapath/ and an unknown folder
# must be refused, each reported with its file and line; the untouched copy must pass.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root=${1:-$here/..}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/src" "$tmp/src"
failures=0
if ! "$here/check_layering.sh" "$tmp" >/dev/null; then
  echo "FAIL: the untouched copy of src/ does not pass"
  failures=1
fi
echo '#include <sys/socket.h>' >>"$tmp/src/config/load.cpp"
printf 'inline void f(int fd) { ::close(fd); }\n' >>"$tmp/src/control/stats_text.hpp"
echo '#include "roles/tunnel_setup.hpp"' >>"$tmp/src/datapath/error_log.cpp"
mkdir "$tmp/src/misc" && echo '// nothing' >"$tmp/src/misc/x.cpp"
out="$("$here/check_layering.sh" "$tmp" 2>&1)"
rc=$?
[[ $rc -ne 0 ]] || { echo "FAIL: violations were not refused"; failures=1; }
for want in "src/config/load.cpp:[0-9]*: OS header outside src/os" \
            "src/control/stats_text.hpp:[0-9]*: raw system call outside src/os" \
            "src/datapath/error_log.cpp:[0-9]*: src/datapath may not include from src/roles" \
            "src/misc is not a known layer"; do
  grep -q "$want" <<<"$out" || { echo "FAIL: not reported: $want"; failures=1; }
done
[[ $failures -eq 0 ]] && echo "layering check refuses each kind of violation"
while IFS= read -r line; do echo "  $line"; done <<<"$out"
exit "$failures"
