#!/usr/bin/env bash
# shellcheck disable=SC2015  # pass() always succeeds
# sd_notify (issue 5, Type=notify units): each daemon tells the service manager READY=1 once its
# worker is set up, RELOADING=1 then READY=1 around a SIGHUP reload, and STOPPING=1 at SIGTERM.
# Logging under systemd (issue 15): with stderr on the journal ($JOURNAL_STREAM), every process writes each line
# once there, "<N>message" (N its priority), and not to syslog as well.
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
	local name="$1"; shift
	: >"$WORK/messages"
	ip netns exec "$NS" env NOTIFY_SOCKET="$WORK/notify.sock" "$@" >"$WORK/$name.log" 2>&1 &
	local pid=$!
	if wait_message 1 READY=1; then pass "$name: READY=1 once set up"; else fail "$name: no READY=1 (log: $(tail -3 "$WORK/$name.log"))"; fi
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
run_daemon relay "$TEREDOD" -f -c "$WORK/relay.conf" -p "$WORK/relay.pid" -u nobody

cat >"$WORK/server.conf" <<CONF
ServerBindAddress 198.51.100.10
ServerBindAddress2 198.51.100.11
ControlSocket none
CONF
run_daemon server "$TEREDOD_SERVER" -f -c "$WORK/server.conf" -p "$WORK/server.pid" -u nobody

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
