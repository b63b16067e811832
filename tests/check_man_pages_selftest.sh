#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Self-test of check_man_pages.py: it passes on a copy of the pages, and fails, naming the culprit,
# on copies with one fault each: a directive's entry removed, a default changed, a range removed,
# an undocumented directive added, an option removed, an option the program refuses added, and a
# program whose --help lists an option its page lacks.
# Usage: check_man_pages_selftest.sh BIN_DIR SOURCE_DIR
set -u
bin=$1 src=$2 failures=0
check="$src/tests/check_man_pages.py" tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fresh: a copy of the pages in $tmp/root.
fresh() {
	rm -rf "$tmp/root"
	mkdir -p "$tmp/root/docs"
	cp -r "$src/man" "$tmp/root/man"
	cp -r "$src/docs/man" "$tmp/root/docs/man"
}

# expect_fail NAME PATTERN [BIN_DIR]: the check on $tmp/root must fail and print PATTERN.
expect_fail() {
	local name=$1 pattern=$2 dir=${3:-$bin}
	if python3 "$check" "$dir" "$tmp/root" >"$tmp/out" 2>&1; then
		echo "FAIL: $name: the check passed"
		failures=$((failures + 1))
	elif ! grep -q -e "$pattern" "$tmp/out"; then
		echo "FAIL: $name: the check failed without '$pattern':"
		cat "$tmp/out"
		failures=$((failures + 1))
	else
		echo "ok: $name: $(grep -m1 -e "$pattern" "$tmp/out")"
	fi
}

fresh
if python3 "$check" "$bin" "$tmp/root" >"$tmp/out" 2>&1; then
	echo "ok: the unchanged pages pass"
else
	echo "FAIL: the unchanged pages fail:"
	cat "$tmp/out"
	failures=$((failures + 1))
fi

# The MaxPeers entry removed (from its tag to the next .TP, which leaves the previous .TP to the next entry).
fresh
sed -i '/^\.BI MaxPeers /,/^\.TP$/d' "$tmp/root/man/teredod.conf.5"
expect_fail "a directive's entry removed" 'no .TP entry for MaxPeers'

fresh
sed -i 's/^Default: 200\.$/Default: 300./' "$tmp/root/man/teredod-server.conf.5"
expect_fail "a default changed" "DestinationRateLimit does not give its default '200'"

fresh
sed -i '/^Range: 5 to 3600\.$/d' "$tmp/root/man/teredod.conf.5"
expect_fail "a range removed" 'RefreshInterval does not say "Range: 5 to 3600"'

fresh
sed -i 's/^\.SS "Control channel"$/.TP\n.BI NoSuchDirective " n"\nNothing.\nDefault: 1.\n&/' "$tmp/root/man/teredod-server.conf.5"
expect_fail "a directive the reader refuses documented" 'documents NoSuchDirective'

fresh
sed -i '/^\.BR \\-j ", " \\-\\-json$/,/^Print the JSON document\.$/d' "$tmp/root/man/teredoctl.1"
expect_fail "an option removed" "does not mention -j, which teredoctl --help lists"

fresh
sed -i 's/^\.SH OPTIONS$/&\n.TP\n.BR \\-\\-frobnicate " \\fIlevel\\fR"\nFrobnicate./' "$tmp/root/docs/man/teredo-mire.1"
expect_fail "an option the program refuses" 'OPTIONS lists --frobnicate VALUE, which teredo-mire refuses'

# A teredoctl whose --help lists one more option than its page.
fresh
mkdir -p "$tmp/bin"
for p in "$bin"/*; do ln -sf "$p" "$tmp/bin/"; done
rm -f "$tmp/bin/teredoctl"
cat >"$tmp/bin/teredoctl" <<EOF
#!/bin/sh
"$bin/teredoctl" "\$@" || exit
case "\$1" in --help) echo "  --extra-option   not in the page" ;; esac
EOF
chmod +x "$tmp/bin/teredoctl"
expect_fail "an option of --help missing from the page" 'does not mention --extra-option' "$tmp/bin"

if ((failures > 0)); then
	echo "check_man_pages self-test: $failures failures"
	exit 1
fi
echo "check_man_pages self-test: every fault detected"
