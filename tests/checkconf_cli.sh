#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# teredod-checkconf end to end: exit statuses and "FILE:LINE: error|warning:" output on sample
# and broken files, and on Debian's Miredo files when installed; --miredo's line-by-line review of Debian's files
# (installed, and the copies in tests/data/miredo) and of files teredod refuses or reads differently. Needs no
# network and no root.
# Usage: checkconf_cli.sh TEREDOD_CHECKCONF SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect STATUS STDERR_PATTERN(or -) ARGS...: runs the binary, checks exit status and stderr.
expect() {
  want=$1
  pattern=$2
  shift 2
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $bin $* exited $got, expected $want; stderr:" >&2
    cat "$tmp/err" >&2
    failures=$((failures + 1))
    return
  fi
  if [ "$pattern" != - ] && ! grep -q -e "$pattern" "$tmp/err"; then
    echo "FAIL: $bin $*: stderr does not match '$pattern':" >&2
    cat "$tmp/err" >&2
    failures=$((failures + 1))
    return
  fi
  echo "ok: $* -> $got"
}

cat >"$tmp/client.conf" <<'CONF'
# a client
RelayType client
InterfaceName teredo
ServerAddress teredo-debian.remlab.net
BindPort 3545
CONF
cat >"$tmp/relay.conf" <<'CONF'
RelayType cone
InterfaceName teredo
Prefix 2001:0::
InterfaceMTU 1280
MaxPeers 65536
SyslogFacility local3
CONF
cat >"$tmp/server.conf" <<'CONF'
ServerBindAddress 192.0.2.221
ServerBindAddress2 192.0.2.222
Prefix 2001:0::
InterfaceMTU 1280
CONF
printf 'RelayType cone\nFrobnicate yes\n' >"$tmp/unknown.conf"
printf 'RelayType cone\n# comment\nBindPort 70000\n' >"$tmp/badvalue.conf"
printf 'ServerBindAddress 10.0.0.1\n' >"$tmp/badserver.conf"

expect 0 - "$tmp/client.conf"
[ -s "$tmp/err" ] && { echo "FAIL: valid client file gave output" >&2; failures=$((failures + 1)); }
expect 0 - -c "$tmp/relay.conf"
[ -s "$tmp/err" ] && { echo "FAIL: valid relay file gave output" >&2; failures=$((failures + 1)); }
expect 0 - "$tmp/server.conf"
[ -s "$tmp/err" ] && { echo "FAIL: valid server file gave output" >&2; failures=$((failures + 1)); }
# The daemons' options are accepted and ignored, as a unit passes them (Debian: -f FILE).
expect 0 - -f -u nobody -p /run/x.pid -t / "$tmp/relay.conf"
expect 0 "^$tmp/unknown.conf:2: warning: unknown directive Frobnicate$" "$tmp/unknown.conf"
expect 1 "^$tmp/badvalue.conf:3: error: invalid value \"70000\" for BindPort" "$tmp/badvalue.conf"
expect 1 "^$tmp/badserver.conf:1: error: Server IPv4 addresses must be global unicast" "$tmp/badserver.conf"
expect 1 "^$tmp/missing.conf: error: cannot read configuration" "$tmp/missing.conf"
# A positional FILE wins over -c.
expect 1 "^$tmp/missing.conf: error:" -c "$tmp/relay.conf" "$tmp/missing.conf"
expect 2 "invalid option" -x
expect 2 "unexpected extra parameter" "$tmp/relay.conf" "$tmp/server.conf"
expect 2 "Duplicate parameter" -c a -c b
expect 0 - -h
grep -q '^Usage: teredod-checkconf' "$tmp/out" || { echo "FAIL: -h output" >&2; failures=$((failures + 1)); }
expect 0 - -V
grep -q '^teredod-checkconf ' "$tmp/out" || { echo "FAIL: -V output" >&2; failures=$((failures + 1)); }

# The sample files shipped with teredod.
for f in "$src/packaging/teredod.conf" "$src/packaging/teredod-server.conf"; do
  [ -f "$f" ] && expect 0 - "$f"
done

# Debian's Miredo files, when the miredo package is installed: both must pass (the server file
# has ServerBindAddress, so it is checked as a teredod-server.conf).
for f in /etc/miredo/miredo.conf /etc/miredo/miredo-server.conf; do
  if [ -r "$f" ]; then
    expect 0 - "$f"
  else
    echo "skip: $f not present"
  fi
done

# --miredo: Debian's Miredo files reviewed line by line (the installed ones when miredo is installed, and the
# copies in tests/data/miredo either way), with the verdict of each directive line on stdout.
# expect_out PATTERN: the last run's stdout matches PATTERN.
expect_out() {
  if grep -q -e "$1" "$tmp/out"; then
    echo "ok: stdout has '$1'"
  else
    echo "FAIL: stdout lacks '$1':" >&2
    cat "$tmp/out" >&2
    failures=$((failures + 1))
  fi
}
for dir in /etc/miredo "$src/tests/data/miredo"; do
  if [ ! -r "$dir/miredo.conf" ]; then
    echo "skip: $dir/miredo.conf not present"
    continue
  fi
  f=$dir/miredo.conf
  expect 0 - --miredo "$f"
  expect_out "^$f: a Miredo miredo.conf (client mode)"
  expect_out "^$f:[0-9]*: same: InterfaceName teredo: "
  expect_out "^$f:[0-9]*: differs: ServerAddress teredo-debian.remlab.net: "
  expect_out "^$f: note: .*HookScript /etc/miredo/client-hook"
  expect_out "^$f: 2 directive line(s): 1 same, 1 differ, 0 ignored, 0 refused$"
  f=$dir/miredo-server.conf
  expect 0 - --miredo "$f"
  expect_out "^$f: a Miredo miredo-server.conf (server mode)"
  expect_out "^$f:[0-9]*: same: ServerBindAddress 192.0.2.221: the primary IPv4 address"
  expect 0 - --miredo --server -c "$f"
done
# The default file of --miredo is Miredo's.
if [ -r /etc/miredo/miredo.conf ]; then
  expect 0 - --miredo
  expect_out "^/etc/miredo/miredo.conf: a Miredo miredo.conf"
fi
# A Miredo file that Miredo runs but teredod refuses, one that both accept with differences.
printf 'RelayType relay\nInterfaceMTU 1000\nBindPort\nServerAddress 192.0.2.1\n' >"$tmp/m-relay.conf"
expect 1 - --miredo "$tmp/m-relay.conf"
expect_out "^$tmp/m-relay.conf:2: refused: InterfaceMTU 1000: .*write a value from 1280 to 65535"
expect_out "^$tmp/m-relay.conf:3: ignored: BindPort: no value"
expect_out "^$tmp/m-relay.conf:4: ignored: ServerAddress 192.0.2.1: ServerAddress is superfluous in relay mode"
printf 'ServerAddress 192.0.2.1 the server\nRefreshInterval 20\n' >"$tmp/m-client.conf"
expect 0 - --miredo "$tmp/m-client.conf"
expect_out "^$tmp/m-client.conf:1: differs: ServerAddress 192.0.2.1: .*\"the\" after the value of ServerAddress ignored"
expect_out "^$tmp/m-client.conf:2: differs: RefreshInterval 20: a teredod directive"
expect 1 "cannot read" --miredo "$tmp/missing.conf"
expect 2 "Duplicate parameter" --miredo -c a -c b

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
