#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015  # summary() runs from a trap; pass() always succeeds
# tests/netns/test_daemon_cli.sh: teredod and teredod-server command lines, exit codes, detaching and the pidfile lock.
#
#  - every option: -h/--help 0, -V/--version 0, an unknown option 2, a duplicate option 2, an extra argument 2, a
#    missing -c file 1, a file with an error 1 with FILE:LINE on stderr, a bad -u user 1, a bad -t directory 1;
#  - Miredo's own relay file (RelayType cone) works unchanged through -c;
#  - without -f: the launcher exits 0 only once the daemon is set up (interface present, pidfile written), and 1 when
#    set-up fails after the fork (UDP port already bound: "UDP port 3545 on 0.0.0.0 is in use by another process (is
#    Miredo running?)");
#  - a busy interface says so: a second relay on the running one's interface teredo, and on a persistent TUN device
#    left behind ("the interface ... is in use by another process (is Miredo running?)"); a second teredod-server on
#    the running one's port 3544 ("UDP port 3544 on ... is in use by another process (is miredo-server running?)");
#  - "teredod -f SERVER_IP" with no configuration file (the default one absent, in a private mount namespace) runs on
#    the defaults, as Miredo does, and qualifies with that server; with Miredo's /etc/miredo/client-hook present, it
#    logs once that the hook is not run and how to run it;
#  - the pidfile lock: a second instance with the same pidfile refuses to start with a clear message;
#  - SIGTERM on a detached daemon: interface gone, pidfile removed.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a required tool is missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping python3 ss
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || { echo "FAIL: build teredod and teredod-server first ($BUILD_DIR)"; exit 1; }

# expect_exit DESC CODE [GREP_PATTERN] -- CMD...: run CMD (stdout+stderr to $LAB_DIR/cli.out), check its exit code and,
# if a pattern is given, that the output matches it.
expect_exit() {
	local desc="$1" code="$2" pattern=""
	shift 2
	if [[ $1 != -- ]]; then pattern="$1"; shift; fi
	shift
	local rc=0
	"$@" >"$LAB_DIR/cli.out" 2>&1 </dev/null || rc=$?
	if [[ $rc -ne $code ]]; then
		fail "$desc: exit $rc, expected $code ($(head -c 300 "$LAB_DIR/cli.out" | tr '\n' ' '))"
	elif [[ -n $pattern ]] && ! grep -qE -- "$pattern" "$LAB_DIR/cli.out"; then
		fail "$desc: exit $rc but output lacks /$pattern/: $(head -c 300 "$LAB_DIR/cli.out" | tr '\n' ' ')"
	else
		pass "$desc: exit $rc${pattern:+, output matches /$pattern/}"
	fi
}

lab_setup_checked

RELAY_CONF="$(lab_write_relay_conf "BindPort 3545")"  # Miredo's relay file shape: RelayType cone, InterfaceName teredo
SERVER_CONF="$(lab_write_server_conf)"
printf 'RelayType cone\nInterfaceMTU 70000\n' >"$LAB_DIR/bad.conf"

# --- options and exit codes (no daemon starts) --------------------------------------------------------------------
for bin in "$TEREDOD" "$TEREDOD_SERVER"; do
	b="$(basename "$bin")"
	expect_exit "$b -h" 0 'Usage:' -- "$bin" -h
	expect_exit "$b --help" 0 '-c, --config' -- "$bin" --help
	expect_exit "$b -V" 0 "^$b " -- "$bin" -V
	expect_exit "$b --version" 0 "^$b " -- "$bin" --version
	expect_exit "$b -x (unknown option)" 2 'Try' -- "$bin" -x
	expect_exit "$b -f -f (duplicate option)" 2 '[Dd]uplicate' -- "$bin" -f -f
	expect_exit "$b -c A -c B (duplicate option)" 2 '[Dd]uplicate' -- "$bin" -c a -c b
	expect_exit "$b NAME EXTRA (extra argument)" 2 'extra' -- "$bin" -f 198.51.100.10 extra
	expect_exit "$b -c (missing value)" 2 '' -- "$bin" -c
	expect_exit "$b -c /nonexistent (missing file)" 1 '/nonexistent' -- "$bin" -f -c /nonexistent/teredod.conf \
		-p "$LAB_DIR/x.pid"
done
expect_exit "teredod -c bad.conf (InterfaceMTU 70000)" 1 "bad\.conf:2:" -- \
	"$TEREDOD" -f -c "$LAB_DIR/bad.conf" -p "$LAB_DIR/x.pid"
printf 'ServerBindAddress 198.51.100.10\nInterfaceMTU 12\n' >"$LAB_DIR/bad-server.conf"
expect_exit "teredod-server -c bad-server.conf (InterfaceMTU 12)" 1 "bad-server\.conf:2:" -- \
	"$TEREDOD_SERVER" -f -c "$LAB_DIR/bad-server.conf" -p "$LAB_DIR/x.pid"
expect_exit "teredod -u no-such-user" 1 'no-such-user' -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -f -c "$RELAY_CONF" -u no-such-user -p "$LAB_DIR/x.pid"
expect_exit "teredod -u root (uid 0 refused)" 1 'uid 0' -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -f -c "$RELAY_CONF" -u root -p "$LAB_DIR/x.pid"
# Users in group 0, from a passwd and group file of the test's own (bind-mounted in a private mount namespace: the
# host's files are not touched): tdgroup0 has primary group 0, tdsupp0 is a member of group root.
cp /etc/passwd "$LAB_DIR/passwd"
cp /etc/group "$LAB_DIR/group"
printf 'tdgroup0:x:4240:0::/nonexistent:/usr/sbin/nologin\ntdsupp0:x:4241:65534::/nonexistent:/usr/sbin/nologin\n' >>"$LAB_DIR/passwd"
sed -i -E 's/^(root:[^:]*:0:)(.*)$/\1\2,tdsupp0/; s/^(root:[^:]*:0:),/\1/' "$LAB_DIR/group"
with_users() {
	# shellcheck disable=SC2016  # $0 and $@ belong to the inner sh
	lab_exec "$LAB_NS_RELAY" unshare --mount --propagation private sh -c \
		'mount --bind "$0/passwd" /etc/passwd && mount --bind "$0/group" /etc/group && exec "$@"' "$LAB_DIR" "$@"
}
[[ $(grep '^root:' "$LAB_DIR/group") == *tdsupp0 ]] || fail "the test's group file: $(grep '^root:' "$LAB_DIR/group")"
expect_exit "teredod -u tdgroup0 (primary group 0 refused)" 1 'tdgroup0.*group 0' -- \
	with_users "$TEREDOD" -f -c "$RELAY_CONF" -u tdgroup0 -p "$LAB_DIR/x.pid"
expect_exit "teredod -u tdsupp0 (member of group 0 refused)" 1 'tdsupp0.*group 0' -- \
	with_users "$TEREDOD" -f -c "$RELAY_CONF" -u tdsupp0 -p "$LAB_DIR/x.pid"
expect_exit "teredod-server -u tdgroup0 (primary group 0 refused)" 1 'tdgroup0.*group 0' -- \
	with_users "$TEREDOD_SERVER" -f -c "$SERVER_CONF" -u tdgroup0 -p "$LAB_DIR/x.pid"
# A control socket in a directory others may write (someone could put a socket of their own in its place).
UNSAFE_CONF="$(lab_write_conf unsafe-socket "RelayType relay" "InterfaceName teredo" "BindPort 3545" \
	"ControlSocket /tmp/teredod-unsafe-$LAB_TAG.sock")"
expect_exit "teredod with ControlSocket in /tmp (mode 1777) refused" 1 \
	'teredod-unsafe-.*refused: /tmp is writable by group or others' -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -f -c "$UNSAFE_CONF" -p "$LAB_DIR/x.pid"
[[ ! -e /tmp/teredod-unsafe-$LAB_TAG.sock ]] && pass "no socket created in /tmp" || { fail "a socket was created in /tmp"; rm -f "/tmp/teredod-unsafe-$LAB_TAG.sock"; }
expect_exit "teredod -t /nonexistent (bad chroot)" 1 'chroot' -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -c "$RELAY_CONF" -t /nonexistent/dir -p "$LAB_DIR/x.pid"
[[ ! -e $LAB_DIR/x.pid ]] && pass "no pidfile left by the failed starts" || fail "a failed start left $LAB_DIR/x.pid"
lab_exec "$LAB_NS_RELAY" ip link show dev teredo >/dev/null 2>&1 && fail "a failed start left interface teredo" ||
	pass "no interface left by the failed starts"

# --- detaching: the launcher's status is the daemon's set-up status --------------------------------------------------
PIDFILE="$LAB_DIR/relay.pid"
expect_exit "teredod (no -f) with Miredo's relay file via -c: launcher" 0 -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -c "$RELAY_CONF" -p "$PIDFILE"
# The launcher has exited: set-up must already be complete.
if [[ -s $PIDFILE ]] && lab_iface_up "$LAB_NS_RELAY" teredo && lab_udp_bound "$LAB_NS_RELAY" 0.0.0.0 3545; then
	pass "at the launcher's exit: pidfile written, interface teredo up, UDP 3545 bound"
else
	fail "at the launcher's exit: pidfile '$(cat "$PIDFILE" 2>/dev/null)', interface/UDP not ready"
fi
SUP="$(cat "$PIDFILE" 2>/dev/null)"
LAB_PID[detached]="$SUP"
sid="$(ps -o sid= -p "$SUP" | tr -d ' ')"
[[ $sid == "$SUP" ]] && pass "detached supervisor $SUP leads its own session (setsid)" ||
	fail "supervisor $SUP session $sid"
fd0="$(readlink "/proc/$SUP/fd/0")"; fd2="$(readlink "/proc/$SUP/fd/2")"
W="$(lab_child "$SUP")"
wfd2="$(readlink "/proc/$W/fd/2" 2>/dev/null)"
[[ $fd0 == /dev/null && $fd2 == /dev/null && $wfd2 == /dev/null ]] &&
	pass "stdio of the supervisor and the worker moved to /dev/null" ||
	fail "stdio: supervisor fd0=$fd0 fd2=$fd2, worker fd2=$wfd2"

# The pidfile lock: same pidfile, another port: refused before anything else starts.
sed 's/^BindPort .*/BindPort 3546/' "$RELAY_CONF" >"$LAB_DIR/relay2.conf"
sed -i 's/^InterfaceName .*/InterfaceName teredo2/' "$LAB_DIR/relay2.conf"
expect_exit "second instance with the same pidfile (-f)" 1 'already running' -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -f -c "$LAB_DIR/relay2.conf" -p "$PIDFILE"
expect_exit "second instance with the same pidfile (detached)" 1 'already running' -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -c "$LAB_DIR/relay2.conf" -p "$PIDFILE"
[[ $(cat "$PIDFILE") == "$SUP" ]] && pass "pidfile still names the first instance ($SUP)" ||
	fail "pidfile now says $(cat "$PIDFILE")"

# Set-up failing after the fork (the UDP port is taken): the launcher must say so.
sed 's/^InterfaceName .*/InterfaceName teredo3/' "$RELAY_CONF" >"$LAB_DIR/relay3.conf"
echo "Prefix 3ffe:831f::" >>"$LAB_DIR/relay3.conf"  # its own route, so that only the UDP port conflicts
expect_exit "detached start whose UDP port 3545 is already bound: launcher" 1 \
	'Cannot open UDP socket on 0\.0\.0\.0:3545: UDP port 3545 on 0\.0\.0\.0 is in use by another process \(is Miredo running\?\)' -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -c "$LAB_DIR/relay3.conf" -p "$LAB_DIR/relay3.pid"
[[ ! -e $LAB_DIR/relay3.pid ]] && pass "the failed instance removed its pidfile" || fail "relay3.pid left behind"
lab_exec "$LAB_NS_RELAY" ip link show dev teredo3 >/dev/null 2>&1 && fail "interface teredo3 left behind" ||
	pass "the failed instance left no interface"

# A busy interface: the running relay's teredo (a second relay with its own port, pidfile and prefix), then a
# persistent TUN device nobody holds.
sed 's/^BindPort .*/BindPort 3547/' "$LAB_DIR/relay3.conf" | sed 's/^InterfaceName .*/InterfaceName teredo/' \
	>"$LAB_DIR/relay-busy.conf"
expect_exit "second relay on the running relay's interface teredo" 1 \
	'teredo tunneling interface creation failure: the interface teredo is in use by another process \(is Miredo running\?\)' -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -f -c "$LAB_DIR/relay-busy.conf" -p "$LAB_DIR/relay-busy.pid"
ip -n "$LAB_NS_RELAY" tuntap add dev teredo4 mode tun
sed -i 's/^InterfaceName .*/InterfaceName teredo4/' "$LAB_DIR/relay-busy.conf"
expect_exit "relay on a persistent TUN device teredo4 left behind" 1 \
	'the interface teredo4 is in use by another process \(is Miredo running\?\), or an interface of that name exists already \(remove it with: ip link delete teredo4' -- \
	lab_exec "$LAB_NS_RELAY" "$TEREDOD" -f -c "$LAB_DIR/relay-busy.conf" -p "$LAB_DIR/relay-busy.pid"
ip -n "$LAB_NS_RELAY" tuntap del dev teredo4 mode tun

# The server: detached start, launcher 0; same with the port taken: 1.
expect_exit "teredod-server (no -f): launcher" 0 -- \
	lab_exec "$LAB_NS_SERVER" "$TEREDOD_SERVER" -c "$SERVER_CONF" -p "$LAB_DIR/server.pid"
lab_udp_bound "$LAB_NS_SERVER" "$LAB_SERVER_IP1" 3544 && lab_udp_bound "$LAB_NS_SERVER" "$LAB_SERVER_IP2" 3544 &&
	pass "at the launcher's exit the server is bound to 3544 on both addresses" || fail "server not bound"
SSUP="$(cat "$LAB_DIR/server.pid")"
LAB_PID[detached-server]="$SSUP"
expect_exit "second teredod-server, same pidfile" 1 'already running' -- \
	lab_exec "$LAB_NS_SERVER" "$TEREDOD_SERVER" -c "$SERVER_CONF" -p "$LAB_DIR/server.pid"
lab_write_conf server-busy "ServerBindAddress $LAB_SERVER_IP1" "ServerBindAddress2 $LAB_SERVER_IP2" \
	"ControlSocket none" >/dev/null
expect_exit "second teredod-server, its own pidfile: port 3544 taken" 1 \
	"UDP port 3544 on $LAB_SERVER_IP1 is in use by another process \(is miredo-server running\?\)" -- \
	lab_exec "$LAB_NS_SERVER" "$TEREDOD_SERVER" -f -c "$LAB_DIR/server-busy.conf" -p "$LAB_DIR/server-busy.pid"

# --- teredod SERVER_NAME without a configuration file: Miredo's defaults ---------------------------------------------
# In a private mount namespace (nothing reaches the host): /run a fresh tmpfs (the default control socket and
# chroot), the lab's /var/lib (UPnP's state), and /etc/teredod, if the host has one, an empty tmpfs.
mkdir -p "$LAB_DIR/varlib-nocfg"
# shellcheck disable=SC2016  # $0 and $@ belong to the inner sh
lab_start nocfg "$LAB_NS_PUBCLIENT" unshare --mount --propagation private sh -c \
	'mount -t tmpfs tmpfs /run && mount --bind "$0" /var/lib &&
	 { [ ! -d /etc/teredod ] || mount -t tmpfs tmpfs /etc/teredod; } && exec "$@"' \
	"$LAB_DIR/varlib-nocfg" "$TEREDOD" -f -u nobody -p /run/teredod-nocfg.pid "$LAB_SERVER_IP1"
if NADDR="$(LAB_WAIT_FOR_PROC=nocfg wait_teredo_address "$LAB_NS_PUBCLIENT" teredo 30)"; then
	pass "teredod $LAB_SERVER_IP1 without a configuration file qualified: $NADDR"
else
	fail "teredod $LAB_SERVER_IP1 without a configuration file did not qualify: $(tail -n 5 "$LAB_DIR/nocfg.log" | tr '\n' ' ')"
fi
log_has nocfg "Loading configuration from /etc/teredod/teredod.conf failed \(.*\); running on the defaults with SERVER_NAME $LAB_SERVER_IP1" &&
	pass "it said it runs on the defaults" || fail "no 'running on the defaults' warning in nocfg.log"
if [[ -x /etc/miredo/client-hook ]]; then
	log_has nocfg "Miredo's hook /etc/miredo/client-hook is not run: .*add \"HookScript /etc/miredo/client-hook\" to /etc/teredod/teredod.conf" &&
		[[ $(grep -c "Miredo's hook" "$LAB_DIR/nocfg.log") == 1 ]] &&
		pass "one notice: Miredo's client-hook is not run, and how to run it" ||
		fail "the notice about /etc/miredo/client-hook: $(grep -c "Miredo's hook" "$LAB_DIR/nocfg.log") lines"
else
	info "no /etc/miredo/client-hook on this host: its notice is not checked here (unit test: MiredoHookNotice)"
fi
lab_stop nocfg

# --- SIGTERM on the detached daemons ----------------------------------------------------------------------------------
kill -TERM "$SUP"
if lab_wait_until 5 "relay supervisor $SUP to exit" bash -c "! kill -0 $SUP"; then
	pass "relay supervisor exited on SIGTERM"
else fail "relay supervisor $SUP still running"; fi
! lab_exec "$LAB_NS_RELAY" ip link show dev teredo >/dev/null 2>&1 &&
	[[ -z $(ip -n "$LAB_NS_RELAY" -6 route show 2001::/32) ]] && pass "interface teredo and route 2001::/32 removed" ||
	fail "interface or route left after SIGTERM"
[[ ! -e $PIDFILE ]] && pass "pidfile removed" || fail "pidfile $PIDFILE left after SIGTERM"
kill -0 "$W" 2>/dev/null && fail "worker $W still running" || pass "worker $W exited"
unset "LAB_PID[detached]"
kill -TERM "$SSUP"
lab_wait_until 5 "server supervisor to exit" bash -c "! kill -0 $SSUP" && [[ ! -e $LAB_DIR/server.pid ]] &&
	pass "server exited on SIGTERM and removed its pidfile" || fail "server did not stop cleanly"
unset "LAB_PID[detached-server]"
