#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015  # summary() runs from a trap; pass() always succeeds
# tests/netns/test_daemon_relay.sh: teredod (relay) and teredod-server as daemons: process privileges, signals and
# configuration reload.
#
#  - privileges: supervisor uid 0 with only the capabilities it needs to start workers; worker uid nobody, CapEff 0,
#    NoNewPrivs 1, Seccomp 2 (every thread), root directory = the empty chroot (/run/teredod/empty, or -t DIR);
#  - SIGUSR1/SIGUSR2 to every process: ignored;
#  - SIGHUP with an unchanged file (comments added): same worker, same ifindex, peers kept (teredoctl stats `peers`);
#  - SIGHUP with InterfaceMTU changed: applied (new worker, link MTU 1400), the change named in the log;
#  - SIGHUP with an invalid file: FILE:LINE logged, old settings kept, daemon alive;
#  - SIGHUP with a change that cannot start (BindPort taken): the previous settings are restored;
#  - SIGTERM (relay), SIGINT (server): clean exit, interface and route removed, pidfile removed.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a required tool is missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping python3 ss
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || { echo "FAIL: build teredod and teredod-server first ($BUILD_DIR)"; exit 1; }

NOBODY_UID="$(id -u nobody)"

# reload_and_wait NAME PID COUNT: SIGHUP, then wait until the log has COUNT "Reloading configuration" lines and the
# supervisor has finished (a line after the reload's own: unchanged / applied / error / previous).
reload_and_wait() {
	local name="$1" pid="$2" n="$3"
	kill -HUP "$pid"
	lab_wait_until 10 "reload $n of $name done" bash -c \
		"[[ \$(grep -cE 'Configuration unchanged|New configuration applied|keeping the running configuration|restarting with the previous one' '$LAB_DIR/$name.log') -ge $n ]]"
	sleep 0.3  # the supervisor's last steps after that line
}

lab_setup_checked

# --- the server, chrooted with -t into a directory of ours -----------------------------------------------------------
JAIL="$LAB_DIR/jail"
mkdir -m 755 "$JAIL"
lab_start_server "$TEREDOD_SERVER" -t "$JAIL" || { fail "start teredod-server"; exit 1; }
SSUP="${LAB_PID[server]}"
lab_wait_until 5 "server worker" test -n "$(lab_child "$SSUP")"
SW="$(lab_child "$SSUP")"
check_proc "server supervisor" "$SSUP" 0 "$LAB_SERVER_SUPERVISOR_CAPEFF" 0 /
check_proc "server worker" "$SW" "$(id -u "$LAB_SERVER_USER")" 0000000000000000 2 "$JAIL"
bad=""
for t in /proc/"$SW"/task/*; do
	[[ $(awk '$1 == "Seccomp:" {print $2}' "$t/status") == 2 ]] || bad+=" ${t##*/}"
done
[[ -z $bad ]] && pass "every server worker thread ($(find /proc/"$SW"/task -mindepth 1 -maxdepth 1 | wc -l)) has Seccomp 2" ||
	fail "server threads without seccomp:$bad"

# --- our relay ----------------------------------------------------------------------------------------------------
lab_start_teredod_relay "$TEREDOD" || { fail "start teredod relay"; exit 1; }
RSUP="${LAB_PID[relay]}"
RW="$(lab_child "$RSUP")"
check_proc "relay supervisor" "$RSUP" 0 "$LAB_SUPERVISOR_CAPEFF" 0 /
check_proc "relay worker" "$RW" "$NOBODY_UID" 0000000000000000 2 /run/teredod/empty
[[ -d /run/teredod/empty && -z $(ls -A /run/teredod/empty) && $(stat -c '%u %a' /run/teredod/empty) == "0 755" ]] &&
	pass "default chroot /run/teredod/empty: empty, root-owned, mode 755" ||
	fail "default chroot: $(stat -c '%u %a' /run/teredod/empty 2>&1) $(ls -A /run/teredod/empty 2>&1)"

# A peer in the relay: v6host pings a Teredo address (server .10, mapped 198.51.100.40:40000); the relay keeps a peer
# entry while it tries to reach it.
ip netns exec "$LAB_NS_V6HOST" ping -6 -c2 -i0.2 -W1 2001:0:c633:640a:8000:63bf:39cc:9bd7 >/dev/null 2>&1
lab_wait_stat_above relay peers 0 5
PEERS="$(lab_stat relay peers)"
IFINDEX="$(lab_ifindex "$LAB_NS_RELAY" teredo)"
[[ $PEERS -ge 1 ]] && pass "relay has $PEERS peer(s), interface teredo ifindex $IFINDEX" ||
	fail "relay peers $PEERS"

# --- SIGUSR1 / SIGUSR2: ignored by every process ----------------------------------------------------------------------
for p in "$RSUP" "$RW" "$SSUP" "$SW"; do kill -USR1 "$p"; kill -USR2 "$p"; done
sleep 0.5  # time for a process that does not ignore them to die
alive=1
for p in "$RSUP" "$RW" "$SSUP" "$SW"; do kill -0 "$p" 2>/dev/null || alive=0; done
[[ $alive == 1 && $(lab_child "$RSUP") == "$RW" && $(lab_child "$SSUP") == "$SW" ]] &&
	pass "SIGUSR1 and SIGUSR2 ignored by supervisors and workers (same pids)" || fail "a process died on SIGUSR1/SIGUSR2"

# --- SIGHUP, unchanged (comments and blank lines only) ----------------------------------------------------------------
printf '\n# a comment added before the reload\n' >>"$LAB_DIR/relay.conf"
reload_and_wait relay "$RSUP" 1
log_has relay 'Configuration unchanged' && pass "relay: reload with an unchanged file logged 'Configuration unchanged'" ||
	fail "relay: no 'Configuration unchanged'"
[[ $(lab_child "$RSUP") == "$RW" && $(lab_ifindex "$LAB_NS_RELAY" teredo) == "$IFINDEX" &&
	$(lab_stat relay peers) == "$PEERS" ]] &&
	pass "relay: same worker $RW, same ifindex $IFINDEX, peers kept ($PEERS)" ||
	fail "relay after unchanged reload: worker $(lab_child "$RSUP") ifindex $(lab_ifindex "$LAB_NS_RELAY" teredo) peers $(lab_stat relay peers)"
kill -HUP "$SSUP"
log_has server 'Configuration unchanged' && [[ $(lab_child "$SSUP") == "$SW" ]] &&
	pass "server: unchanged reload keeps worker $SW" || fail "server: unchanged reload"

# --- SIGHUP, changed ------------------------------------------------------------------------------------------------
echo "InterfaceMTU 1400" >>"$LAB_DIR/relay.conf"
reload_and_wait relay "$RSUP" 2
log_has relay 'InterfaceMTU 1280 -> 1400' && log_has relay 'New configuration applied' &&
	pass "relay: the change is named in the log (InterfaceMTU 1280 -> 1400) and applied" ||
	fail "relay: changed reload not logged as applied"
RW2="$(lab_child "$RSUP")"
mtu="$(ip -n "$LAB_NS_RELAY" -o link show dev teredo | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')"
[[ $mtu == 1400 && -n $RW2 && $RW2 != "$RW" ]] && pass "relay: link MTU now 1400, new worker $RW2" ||
	fail "relay: MTU '$mtu', worker '$RW2' (was $RW)"
check_proc "relay worker after reload" "$RW2" "$NOBODY_UID" 0000000000000000 2 /run/teredod/empty
lab_wait_until 5 "route 2001::/32 back" bash -c "ip -n $LAB_NS_RELAY -6 route show 2001::/32 | grep -q teredo" &&
	pass "relay: route 2001::/32 present after the restart" || fail "relay: route missing after restart"
echo "InterfaceMTU 1400" >>"$LAB_DIR/server.conf"
kill -HUP "$SSUP"
log_has server 'New configuration applied' 10 && SW2="$(lab_child "$SSUP")" && [[ -n $SW2 && $SW2 != "$SW" ]] &&
	pass "server: InterfaceMTU change applied by a new worker ($SW -> $SW2)" || fail "server: changed reload"
SW="$(lab_child "$SSUP")"

# --- SIGHUP, broken file ---------------------------------------------------------------------------------------------
cp "$LAB_DIR/relay.conf" "$LAB_DIR/relay.conf.good"
echo "MaxPeers 1" >>"$LAB_DIR/relay.conf"
line="$(wc -l <"$LAB_DIR/relay.conf")"
reload_and_wait relay "$RSUP" 3
log_has relay "relay\\.conf:$line: .*MaxPeers" && log_has relay 'keeping the running configuration' &&
	pass "relay: invalid file: relay.conf:$line logged, 'keeping the running configuration'" ||
	fail "relay: invalid file not reported with FILE:LINE"
mtu="$(ip -n "$LAB_NS_RELAY" -o link show dev teredo | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')"
[[ $(lab_child "$RSUP") == "$RW2" && $mtu == 1400 ]] && kill -0 "$RSUP" &&
	pass "relay: still running on the old settings (worker $RW2, MTU 1400)" || fail "relay: broken reload changed things"

# --- SIGHUP, a change that cannot start: the previous settings come back ---------------------------------------------
cp "$LAB_DIR/relay.conf.good" "$LAB_DIR/relay.conf"
sed -i 's/^BindPort .*/BindPort 3600/' "$LAB_DIR/relay.conf"
ip netns exec "$LAB_NS_RELAY" python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 3600)); time.sleep(30)' &
BLOCKER=$!
lab_wait_until 5 "port 3600 taken" lab_udp_bound "$LAB_NS_RELAY" 0.0.0.0 3600
reload_and_wait relay "$RSUP" 4
log_has relay 'restarting with the previous one' && lab_wait_until 5 "relay back on 3545" lab_udp_bound \
	"$LAB_NS_RELAY" 0.0.0.0 3545 && lab_iface_up "$LAB_NS_RELAY" teredo &&
	pass "relay: BindPort 3600 taken -> previous settings restored (UDP 3545, interface up)" ||
	fail "relay: no fallback to the previous settings"
kill "$BLOCKER" 2>/dev/null; wait "$BLOCKER" 2>/dev/null
RW3="$(lab_child "$RSUP")"

# --- stop ----------------------------------------------------------------------------------------------------------
kill -TERM "$RSUP"
lab_wait_until 5 "relay exit" bash -c "! kill -0 $RSUP" && pass "relay: SIGTERM: supervisor exited" ||
	fail "relay: still running after SIGTERM"
! kill -0 "$RW3" 2>/dev/null && ! ip -n "$LAB_NS_RELAY" link show dev teredo >/dev/null 2>&1 &&
	[[ -z $(ip -n "$LAB_NS_RELAY" -6 route show 2001::/32) && ! -e $LAB_DIR/relay.pid ]] &&
	pass "relay: worker gone, interface and route removed, pidfile removed" || fail "relay: unclean stop"
log_has relay 'Terminated with no error' && pass "relay: 'Terminated with no error.'" || fail "relay: exit message"
unset "LAB_PID[relay]"
kill -INT "$SSUP"
lab_wait_until 5 "server exit" bash -c "! kill -0 $SSUP" && ! kill -0 "$SW" 2>/dev/null &&
	[[ ! -e $LAB_DIR/server.pid ]] && ! lab_udp_bound "$LAB_NS_SERVER" "$LAB_SERVER_IP1" 3544 &&
	pass "server: SIGINT: supervisor and worker gone, sockets closed, pidfile removed" || fail "server: unclean stop"
unset "LAB_PID[server]"
