#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# teredod-checkconf end to end: exit statuses and "FILE:LINE: error|warning:" output on sample
# and broken files, and on Debian's Miredo files when installed. Needs no network and no root.
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

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
