#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/check_samples.sh BIN_DIR SOURCE_DIR: the sample configuration files (packaging/teredod.conf and
# packaging/teredod-server.conf, the Debian package's conffiles) list every directive their reader accepts
# (teredod-checkconf --list-directives), set or commented out, and teredod-checkconf accepts them as they are.
set -u
bin=${1:?BIN_DIR}
src=${2:?SOURCE_DIR}
failures=0 checked=0
while IFS=$'\t' read -r file name _modes _default _range; do
	checked=$((checked + 1))
	grep -qiE "^#?${name}( |$)" "$src/packaging/$file" || {
		echo "FAIL: packaging/$file does not list $name (set, or as '#$name VALUE')"
		failures=$((failures + 1))
	}
done < <("$bin/teredod-checkconf" --list-directives)
((checked > 40)) || { echo "FAIL: only $checked directives listed"; exit 1; }
for f in teredod.conf teredod-server.conf; do
	if out=$("$bin/teredod-checkconf" "$src/packaging/$f" 2>&1); then echo "ok: teredod-checkconf accepts packaging/$f"
	else echo "FAIL: teredod-checkconf packaging/$f: $out"; failures=$((failures + 1)); fi
done
((failures == 0)) || exit 1
echo "samples: all $checked directives listed"
