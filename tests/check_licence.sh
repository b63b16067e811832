#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every source file carries the project's licence (COPYING, GPL-2.0-or-later) as an SPDX line in its first three
# lines: C++ sources and headers, CMake files, shell and Python scripts, systemd units, sample configurations, man
# pages, the bash completions, the Debian packaging's scripts. Prints each file without it; exit 1 when there is one.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
tag='SPDX-License-Identifier: GPL-2.0-or-later'
if ! grep -q 'GNU GENERAL PUBLIC LICENSE' COPYING 2>/dev/null || ! grep -q 'Version 2, June 1991' COPYING; then
  echo "COPYING: missing or not the GPL version 2"
  exit 1
fi
missing=0 checked=0
while IFS= read -r -d '' f; do
  checked=$((checked + 1))
  head -n 3 "$f" | grep -qF "$tag" || { echo "$f: no '$tag' line in its first three lines"; missing=$((missing + 1)); }
done < <(find src tests fuzz benchmarks scripts cmake man packaging debian .ci -type f \
  \( -name '*.cpp' -o -name '*.hpp' -o -name '*.c' -o -name '*.h' -o -name CMakeLists.txt -o -name '*.cmake' \
  -o -name '*.sh' -o -name '*.py' -o -name '*.service' -o -name '*.conf' -o -name '*.[158]' -o -path 'scripts/*' \
  -o -path .ci/run -o -path 'packaging/bash-completion/*' -o -name '*.postinst' -o -name '*.postrm' -o -name '*.preinst' -o -name '*.prerm' \) \
  -not -path 'fuzz/corpus/*' -not -path 'scripts/*.md' -print0 2>/dev/null)
[[ -f CMakeLists.txt ]] && { checked=$((checked + 1)); head -n 3 CMakeLists.txt | grep -qF "$tag" || { echo "CMakeLists.txt: no SPDX line"; missing=$((missing + 1)); }; }
((checked > 300)) || { echo "only $checked files checked: wrong root?"; exit 1; }
((missing == 0)) || { echo "$missing of $checked files lack the licence line"; exit 1; }
echo "licence: all $checked source files carry '$tag'"
