#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2015  # pass() always succeeds
# sd_notify (issue 5, Type=notify units): each daemon tells the service manager READY=1 once its
# worker is set up, RELOADING=1 then READY=1 around a SIGHUP reload, and STOPPING=1 at SIGTERM.
# Logging under systemd (issue 15): with stderr on the journal ($JOURNAL_STREAM), every process writes each line
# once there, "<N>message" (N its priority), and not to syslog as well. Without it, through a syslog daemon on
# /dev/log (a python one here, in a private mount namespace whose /dev is a directory of the test's): the chrooted
# worker's lines still arrive after that daemon restarts (they go through the supervisor).
# A python listener plays systemd on a private NOTIFY_SOCKET; each daemon runs in a namespace of
# its own (a relay with its tunnel; a server on two documentation addresses). Nothing leaves them.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"
need_root_and_tools ip /usr/bin/python3
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || fatal "teredod and teredod-server must be built ($BUILD_DIR)"

NS="tdn$$"
WORK="$(mktemp -d /tmp/teredod-notify.XXXXXX)"
LISTENER_PID=""
cleanup_notify() {
	[[ -n $LISTENER_PID ]] && kill "$LISTENER_PID" 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
finish() {
	local rc=$?
	cleanup_notify
	echo
	echo "==================== $TEST_NAME summary ===================="
	local r; for r in "${RESULTS[@]}"; do echo "  $r"; done
	if [[ $FAILED -ne 0 || ($rc -ne 0 && $rc -ne 77) ]]; then echo "RESULT: FAIL"; exit 1; fi
	echo "RESULT: PASS (${#RESULTS[@]} checks)"
	exit 0
}
trap finish EXIT

ip netns add "$NS" || fatal "ip netns add"
ip -n "$NS" link set lo up
# A veth pair inside the namespace carries the server's two addresses (no dummy driver needed).
ip -n "$NS" link add d0 type veth peer name d1 || fatal "veth"
ip -n "$NS" addr add 198.51.100.10/24 dev d0
ip -n "$NS" addr add 198.51.100.11/24 dev d0
ip -n "$NS" link set d0 up
ip -n "$NS" link set d1 up

# The listener appends every datagram it receives to $WORK/messages, one per line.
/usr/bin/python3 - "$WORK/notify.sock" "$WORK/messages" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        data = s.recv(4096).decode(errors="replace")
        for line in data.splitlines():
            out.write(line + "\n")
PY
LISTENER_PID=$!
lab_wait_until 5 "notify socket" test -S "$WORK/notify.sock" || fatal "notify listener did not start"
chmod 0777 "$WORK" "$WORK/notify.sock"

# wait_message N TEXT: wait until the message list has at least N lines equal to TEXT.
wait_message() {
	local n="$1" text="$2"
	lab_wait_until 10 "$text x$n" bash -c "[[ \$(grep -cx '$text' '$WORK/messages' 2>/dev/null) -ge $n ]]"
}

run_daemon() {
	local name="$1" status="$2"; shift 2
	: >"$WORK/messages"
	ip netns exec "$NS" env NOTIFY_SOCKET="$WORK/notify.sock" "$@" >"$WORK/$name.log" 2>&1 &
	local pid=$!
	if wait_message 1 READY=1; then pass "$name: READY=1 once set up"; else fail "$name: no READY=1 (log: $(tail -3 "$WORK/$name.log"))"; fi
	if grep -q "^STATUS=$status" "$WORK/messages"; then pass "$name: $(grep -m1 '^STATUS=' "$WORK/messages")"
	else fail "$name: no STATUS=$status line ($(tr '\n' ' ' <"$WORK/messages"))"; fi
	kill -HUP "$pid"
	if wait_message 1 RELOADING=1 && wait_message 2 READY=1; then
		pass "$name: RELOADING=1 then READY=1 around a reload"
	else fail "$name: reload not announced ($(tr '\n' ' ' <"$WORK/messages"))"; fi
	kill -TERM "$pid"
	if wait_message 1 STOPPING=1; then pass "$name: STOPPING=1 at SIGTERM"; else fail "$name: no STOPPING=1"; fi
	lab_wait_until 10 "$name exit" bash -c "! kill -0 $pid 2>/dev/null" || fail "$name: still running after SIGTERM"
	local order; order="$(grep -E '^(READY|RELOADING|STOPPING)=1$' "$WORK/messages" | tr '\n' ' ')"
	if [[ $order == "READY=1 RELOADING=1 READY=1 STOPPING=1 " ]]; then pass "$name: messages in order ($order)"
	else fail "$name: unexpected order ($order)"; fi
}

cat >"$WORK/relay.conf" <<CONF
RelayType relay
InterfaceName tdnotify
BindPort 0
ControlSocket none
CONF
run_daemon relay "relay for 2001::/32 on tdnotify" "$TEREDOD" -f -c "$WORK/relay.conf" -p "$WORK/relay.pid" -u nobody

cat >"$WORK/server.conf" <<CONF
ServerBindAddress 198.51.100.10
ServerBindAddress2 198.51.100.11
ControlSocket none
CONF
run_daemon server "serving on 198.51.100.10:3544 and 198.51.100.11:3544" "$TEREDOD_SERVER" -f -c "$WORK/server.conf" -p "$WORK/server.pid" -u nobody

# --- systemd's watchdog (WatchdogSec=): WATCHDOG=1 every half interval while the data path is not stuck ---------------
# (A stuck data-path thread withholds it: tests/unit/os/heartbeat_test.cpp shows the detection.)
for who in relay server; do
	: >"$WORK/messages"
	if [[ $who == relay ]]; then cmd=("$TEREDOD" -f -c "$WORK/relay.conf" -p "$WORK/relay.pid" -u nobody)
	else cmd=("$TEREDOD_SERVER" -f -c "$WORK/server.conf" -p "$WORK/server.pid" -u nobody); fi
	ip netns exec "$NS" env NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=1000000 "${cmd[@]}" >"$WORK/wd-$who.log" 2>&1 &
	wpid=$!
	wait_message 1 READY=1
	sleep 3
	pings=$(grep -cx WATCHDOG=1 "$WORK/messages")
	kill -TERM "$wpid"
	lab_wait_until 10 "$who exit" bash -c "! kill -0 $wpid 2>/dev/null"
	if ((pings >= 4 && pings <= 9)); then pass "$who: $pings WATCHDOG=1 in 3 s with WATCHDOG_USEC=1000000 (one per 0.5 s)"
	else fail "$who: $pings WATCHDOG=1 in 3 s (want 4 to 9; log: $(tail -3 "$WORK/wd-$who.log" | tr '\n' '|'))"; fi
done
: >"$WORK/messages"
ip netns exec "$NS" env NOTIFY_SOCKET="$WORK/notify.sock" "$TEREDOD" -f -c "$WORK/relay.conf" -p "$WORK/relay.pid" -u nobody \
	>"$WORK/wd-none.log" 2>&1 &
wpid=$!
wait_message 1 READY=1
sleep 2
kill -TERM "$wpid"
lab_wait_until 10 "relay exit" bash -c "! kill -0 $wpid 2>/dev/null"
if ! grep -qx WATCHDOG=1 "$WORK/messages"; then pass "no WATCHDOG_USEC: no WATCHDOG=1 (and no periodic wake-up)"
else fail "WATCHDOG=1 sent without WATCHDOG_USEC"; fi

# A stuck worker: gdb holds the relay's worker process stopped at a breakpoint inside a turn of a data-path thread (the
# recvmmsg/recvmsg of its UDP socket, reached when one datagram arrives) for 3 s. The supervisor must stop confirming
# the watchdog and name the thread; once gdb lets go, the confirmations resume.
if command -v gdb >/dev/null; then
	: >"$WORK/messages"
	sed 's/^BindPort 0$/BindPort 3545/' "$WORK/relay.conf" >"$WORK/relay-stuck.conf"
	ip netns exec "$NS" env NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=1000000 "$TEREDOD" -f -c "$WORK/relay-stuck.conf" \
		-p "$WORK/relay.pid" -u nobody >"$WORK/wd-stuck.log" 2>&1 &
	wpid=$!
	wait_message 1 READY=1
	worker=$(pgrep -P "$wpid" | head -n1)
	gdb -q -batch -p "$worker" -ex 'break recvmmsg' -ex 'break recvmsg' -ex continue -ex 'shell sleep 3' -ex detach \
		>"$WORK/gdb.log" 2>&1 &
	gpid=$!
	lab_wait_until 20 "gdb attached" grep -q '^Breakpoint 2 at' "$WORK/gdb.log"
	sleep 0.5
	before=$(grep -cx WATCHDOG=1 "$WORK/messages")
	ip netns exec "$NS" /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x" * 40, ("127.0.0.1", 3545))'
	lab_wait_until 10 "breakpoint hit" grep -q 'hit Breakpoint' "$WORK/gdb.log"
	sleep 2.5
	during=$(grep -cx WATCHDOG=1 "$WORK/messages")
	wait "$gpid" 2>/dev/null
	sleep 1.5
	after=$(grep -cx WATCHDOG=1 "$WORK/messages")
	kill -TERM "$wpid"
	lab_wait_until 10 "relay exit" bash -c "! kill -0 $wpid 2>/dev/null"
	busy=$(grep -o 'Data-path thread [0-9]* has been busy with one turn for [0-9]* ms' "$WORK/wd-stuck.log" | head -n1)
	if grep -q 'hit Breakpoint' "$WORK/gdb.log" && [[ -n $busy ]] && ((during - before <= 1 && after - during >= 2)); then
		pass "stuck worker (held by gdb in a turn): WATCHDOG=1 withheld ($before before, $during after 2.5 s stuck, $after once released); '$busy'"
	else
		fail "stuck worker: before $before, during $during, after $after; busy line: '${busy:-none}'; gdb: $(grep -m2 -E 'Breakpoint|ptrace' "$WORK/gdb.log" | tr '\n' '|')"
	fi
else
	fail "stuck worker: gdb is not installed"
fi

# --- stderr on the journal ----------------------------------------------------------------------------------------
: >"$WORK/journal.log"
JS="$(stat -c '%d:%i' "$WORK/journal.log")"
ip netns exec "$NS" env JOURNAL_STREAM="$JS" "$TEREDOD" -f -c "$WORK/relay.conf" -p "$WORK/relay.pid" -u nobody \
	2>>"$WORK/journal.log" >/dev/null &
jpid=$!
lab_wait_until 10 "the relay's worker line in the journal" grep -q '^<[0-7]>Teredo relay' "$WORK/journal.log"
kill -TERM "$jpid"
lab_wait_until 10 "relay exit" bash -c "! kill -0 $jpid 2>/dev/null"
total="$(grep -c . "$WORK/journal.log")"
prefixed="$(grep -cE '^<[0-7]>' "$WORK/journal.log")"
if [[ $total -ge 3 && $prefixed == "$total" ]] && grep -q '^<6>Terminated with no error' "$WORK/journal.log"; then
	pass "JOURNAL_STREAM: all $total lines as <N>message, once, supervisor and worker ($(grep -m1 '^<[0-7]>Teredo relay' "$WORK/journal.log"))"
else
	fail "JOURNAL_STREAM: $prefixed of $total lines prefixed: $(head -5 "$WORK/journal.log" | tr '\n' '|')"
fi
: >"$WORK/plain.log"
ip netns exec "$NS" "$TEREDOD" -f -c "$WORK/relay.conf" -p "$WORK/relay.pid" -u nobody 2>>"$WORK/plain.log" >/dev/null &
jpid=$!
lab_wait_until 10 "the relay's lines on stderr" grep -q 'Teredo relay' "$WORK/plain.log"
kill -TERM "$jpid"
lab_wait_until 10 "relay exit" bash -c "! kill -0 $jpid 2>/dev/null"
grep -qE '^teredod\[[0-9]+\]: (notice|info): ' "$WORK/plain.log" && ! grep -qE '^<[0-7]>' "$WORK/plain.log" &&
	pass "without JOURNAL_STREAM: 'teredod[PID]: LEVEL: message' lines" || fail "plain stderr: $(head -3 "$WORK/plain.log" | tr '\n' '|')"

# --- a syslog daemon restart --------------------------------------------------------------------------------------
# fake_syslog N: a syslog daemon on $DEVDIR/log (what /dev/log is for the relay below) appending what it receives to
# $WORK/syslog-N.txt; its pid in SYSLOG_PID.
DEVDIR="$WORK/dev"
mkdir -p "$DEVDIR/net"
fake_syslog() {
	rm -f "$DEVDIR/log"
	/usr/bin/python3 - "$DEVDIR/log" "$WORK/syslog-$1.txt" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(8192).decode(errors="replace") + "\n")
PY
	SYSLOG_PID=$!
	lab_wait_until 5 "syslog $1 listening" test -S "$DEVDIR/log"
}
fake_syslog 1
cat >"$WORK/relay-syslog.conf" <<CONF
RelayType relay
InterfaceName tdsyslog
BindPort 0
ControlSocket $WORK/ctl/relay.sock
CONF
mkdir -m 755 "$WORK/ctl"  # $WORK is open to all (the notify socket): the control socket needs a directory of root's
# shellcheck disable=SC2016  # $0 and $@ belong to the inner sh
ip netns exec "$NS" unshare --mount --propagation private sh -c '
	d="$0"
	for n in null zero random urandom full; do touch "$d/$n"; mount --bind "/dev/$n" "$d/$n"; done
	touch "$d/net/tun"; mount --bind /dev/net/tun "$d/net/tun"
	mount --rbind "$d" /dev && exec "$@"' "$DEVDIR" "$TEREDOD" -f -c "$WORK/relay-syslog.conf" -p "$WORK/relay-syslog.pid" \
	-u nobody >"$WORK/relay-syslog.log" 2>&1 &
spid=$!
ask() { "$TEREDOCTL" -s "$WORK/ctl/relay.sock" "$1" >/dev/null 2>&1; }
worker_line_in() { grep -q "Control request \"$1\"" "$WORK/syslog-$2.txt" 2>/dev/null; }
if lab_wait_until 10 "relay control socket" test -S "$WORK/ctl/relay.sock" && ask status &&
	lab_wait_until 5 "the worker's line in syslog 1" worker_line_in status 1; then
	pass "syslog: the worker's line arrives ($(grep -m1 -o 'Control request "status" from [^>]*' "$WORK/syslog-1.txt"))"
	kill "$SYSLOG_PID"
	wait "$SYSLOG_PID" 2>/dev/null
	fake_syslog 2  # a new socket, a new inode: what a restart of rsyslog or journald gives
	ask stats
	if lab_wait_until 5 "the worker's line in syslog 2" worker_line_in stats 2; then
		pass "syslog restarted: the chrooted worker's next line arrives at the new daemon ($(grep -m1 -o 'Control request "stats"[^>]*' "$WORK/syslog-2.txt"))"
	else
		fail "syslog restarted: the worker's line was lost (syslog 2 got: $(tr '\n' '|' <"$WORK/syslog-2.txt" | head -c 300))"
	fi
else
	fail "syslog: no worker line at the first daemon ($(tail -3 "$WORK/relay-syslog.log" | tr '\n' '|'); syslog 1: $(tr '\n' '|' <"$WORK/syslog-1.txt" 2>/dev/null | tail -c 600))"
fi
kill -TERM "$spid" 2>/dev/null
lab_wait_until 10 "relay exit" bash -c "! kill -0 $spid 2>/dev/null"
kill "$SYSLOG_PID" 2>/dev/null
