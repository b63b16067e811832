#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_upnp.sh: the RFC 6081 3.2 / 5.3 UPnP port mapping of our client against a real IGD, Debian's
# miniupnpd (nftables backend), run only inside the lab's NAT namespace with a configuration file of its own.
#
#   client 10.77.0.2 (teredod) --eth1-- nat .30 (masquerade + miniupnpd) --+-- 198.51.100.0/24 --+-- server .10/.11
#                                                                          |                     +-- relay .20 -- v6host
#                                                                          +-- pubclient .40 (STUN responder :3478)
#
# miniupnpd refuses to forward ports on a reserved WAN address such as 198.51.100.30; with STUN (tests/netns/stun_server.py
# on pubclient) it forwards them: tests/netns/lib/upnp.sh says how.
#
# Phases:
#   no IGD        the lab NAT without miniupnpd: UPnP costs one discovery wait at start (figures: start with UPnP no and
#                 yes; at most 3 s more), status nat.upnp none, the client qualifies and reaches v6host; no state left
#   no STUN       miniupnpd with its reserved WAN address (its messages recorded): it refuses AddPortMapping (501
#                 Action Failed) and the client goes on without
#   IGD           miniupnpd with STUN: the client maps its port (the nftables DNAT rule miniupnpd adds, the lease's
#                 description TEREDO, the state file, teredoctl status, the counters), a datagram from the internet
#                 reaches its socket through the mapping, it reaches v6host; SIGHUP with a changed file restarts the
#                 worker: deleted, then mapped again; SIGTERM deletes the mapping and the state file
#   crash         the whole client SIGKILLed: the mapping and the state file stay; the next start deletes the stale
#                 mapping first, then maps its new port; a clean stop deletes that one
#   UPnP no       behind the same IGD: nothing mapped, status off, the datagram from the internet does not get in
# Our daemons see a /var/lib of their own ($LAB_DIR/varlib, bind-mounted in a private mount namespace): the host's
# /var/lib/teredod is never touched.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a required tool is missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping python3 ss unshare miniupnpd
# Not `ldconfig -p | grep -q`: with pipefail, grep's early exit can kill ldconfig (SIGPIPE) and fake a skip.
[[ $(ldconfig -p 2>/dev/null) == *libminiupnpc.so.* ]] || skip "libminiupnpc not installed (Debian: libminiupnpc17)"
[[ -x $TEREDOD && -x $TEREDOD_SERVER && -x $TEREDOCTL ]] ||
	{ echo "FAIL: build teredod, teredod-server and teredoctl first ($BUILD_DIR)"; exit 1; }
SUMMARY_NS_CHECK=1
PY=/usr/bin/python3

lab_setup_checked
pass "lab topology up"
lab_start_server "$TEREDOD_SERVER" && pass "server (ours) up" || fatal "start teredod-server"
lab_start_teredod_relay "$TEREDOD" && pass "relay (ours) up" || fatal "start teredod relay"

# Our client with a /var/lib of its own: the state file is $STATE_FILE.
CLIENT_BIN="$(lab_private_varlib_teredod "")" || fatal "the teredod wrapper with the lab's /var/lib"
STATE_ROOT="$LAB_DIR/varlib"
STATE_FILE="$STATE_ROOT/teredod/upnp-teredo"  # InterfaceName teredo

# start_client NAME [CONFIG LINES...]: start our client NAME in the client namespace, UPnP yes (the daemon's default,
# which the lab's clients turn off) unless a line says otherwise; wait for "Teredo client started" (10 s). START_MS:
# milliseconds from the start to that line.
start_client() {
	local name="$1" t0 l upnp=("UPnP yes")
	shift
	for l in "$@"; do [[ $l == UPnP* ]] && upnp=(); done
	t0="$(lab_now_ms)"
	lab_start_teredod_client "$name" "$LAB_NS_CLIENT" "$CLIENT_BIN" "${upnp[@]}" "$@" >/dev/null
	LAB_WAIT_FOR_PROC="$name" lab_wait_until 10 "$name started" grep -q "Teredo client started" "$LAB_DIR/$name.log" ||
		return 1
	START_MS=$(($(lab_now_ms) - t0))
}

# stop_client NAME: SIGTERM, wait for the whole daemon (the supervisor deletes the mappings first) and its interface.
stop_client() {
	local name="$1" pid="${LAB_PID[$1]:-}"
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null
	lab_wait_until 10 "$name to exit" bash -c "! kill -0 $pid" || { fail "$name did not stop within 10 s"; kill -KILL "$pid"; }
	unset "LAB_PID[$name]"
	lab_wait_until 5 "teredo interface removed" bash -c "! ip -n $LAB_NS_CLIENT link show dev teredo" ||
		fail "$name: interface teredo still present after exit"
}

# descendants PID: PID and every process below it.
descendants() {
	local c
	echo "$1"
	for c in $(lab_child "$1"); do descendants "$c"; done
}

upnp_status() { lab_json "$1" 'd["nat"]["upnp"]' status; }
upnp_detail() { lab_json "$1" 'd["nat"]["upnp_detail"]' status; }
# local_port NAME: the client's service port (nat.local is 10.77.0.2:PORT).
local_port() { lab_json "$1" 'd["nat"]["local"].split(":")[1]' status; }
drops_total() { lab_json "$1" 'd["drops_total"]' stats; }
# dnat_rules: miniupnpd's DNAT rules on the NAT, one "PORT ADDRESS:PORT" line each.
dnat_rules() { lab_igd_dnat_rules "$LAB_NS_NAT"; }
state_ports() { grep -vE '^(#|$)' "$STATE_FILE" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
# from_internet PORT: three datagrams from pubclient to the NAT's public address and PORT.
from_internet() {
	ip netns exec "$LAB_NS_PUBCLIENT" "$PY" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3): s.sendto(b'from the internet', ('$LAB_NAT_PUBLIC_IP', $1))"
}
# reaches_socket NAME PORT: datagrams sent to the NAT's public PORT arrive at the client's socket (its drops grow).
reaches_socket() {
	REACH_NAME="$1"
	REACH_MIN=$(($(drops_total "$1") + 3))
	from_internet "$2"
	lab_wait_until 3 "datagrams at $1" drops_reached
}
drops_reached() { (($(drops_total "$REACH_NAME") >= REACH_MIN)); }
has_dnat() { [[ -n $(dnat_rules) ]]; }

# ---- no IGD: the cost of UPnP at start ---------------------------------------------------------------------------
PHASE="no IGD"
start_client off "UPnP no" || fatal "client with UPnP no started"
off_ms=$START_MS
[[ $(upnp_status off) == off && $(upnp_detail off) == "UPnP no" ]] && pass "UPnP no: nat.upnp off (UPnP no)" ||
	fail "UPnP no: nat.upnp '$(upnp_status off)' ($(upnp_detail off))"
stop_client off
start_client plain || fatal "client with UPnP (default) started"
on_ms=$START_MS
figure "start to 'Teredo client started': UPnP no ${off_ms} ms, UPnP yes without an IGD ${on_ms} ms ($((on_ms - off_ms)) ms more)"
((on_ms - off_ms <= 3000)) && pass "UPnP without an IGD costs $((on_ms - off_ms)) ms at start (at most 3000)" ||
	fail "UPnP without an IGD costs $((on_ms - off_ms)) ms at start (more than 3000)"
status="$(upnp_status plain)"
detail="$(upnp_detail plain)"
[[ $status == none && $detail == "no IGD answered discovery within 1000 ms" ]] &&
	pass "teredoctl: nat.upnp none ($detail)" || fail "teredoctl: nat.upnp '$status' ($detail)"
log_has plain "UPnP: no IGD answered discovery within 1000 ms; going on without" &&
	pass "log: no IGD, going on without" || fail "no 'no IGD' line in the log"
[[ $(lab_stat plain upnp_no_gateway) == 1 && $(lab_stat plain upnp_mapped) == 0 ]] &&
	pass "counters: upnp_no_gateway 1, upnp_mapped 0" || fail "counters: upnp_no_gateway $(lab_stat plain upnp_no_gateway)"
[[ ! -e $STATE_FILE ]] && pass "no state file left (written ahead, removed once nothing was mapped)" ||
	fail "state file left: $(state_ports)"
if addr="$(LAB_WAIT_FOR_PROC=plain wait_teredo_address "$LAB_NS_CLIENT" teredo 20)"; then
	pass "qualified without UPnP: $addr"
	check_ping_v6host client "$LAB_NS_CLIENT" "$addr"
else
	fail "no Teredo address within 20 s"
fi
t0="$(lab_now_ms)"
stop_client plain
figure "stop without a mapping: $(($(lab_now_ms) - t0)) ms"

# ---- the IGD: miniupnpd on the lab NAT -----------------------------------------------------------------------------
lab_igd_chains "$LAB_NS_NAT" || fatal "nft: miniupnpd's chains on the NAT"
igd_conf() { lab_igd_conf "$1" eth1 10.77.0.0/24 "${@:2}"; }
start_igd() { lab_start_igd "$1" "$LAB_NS_NAT"; }

PHASE="no STUN"
igd_conf igd-plain >/dev/null
out="$(lab_exec "$LAB_NS_NAT" miniupnpd -f "$LAB_DIR/igd-plain.conf" -o "$LAB_NAT_PUBLIC_IP" -d -P "$LAB_DIR/x.pid" 2>&1 |
	grep -m1 -o 'Error: option ext_ip.*')"
info "miniupnpd 2.3.1 with -o $LAB_NAT_PUBLIC_IP (ext_ip): ${out:-no message}"
start_igd igd-plain || fatal "miniupnpd (no STUN) started"
msg="$(grep -m1 -o 'Reserved / private IP address.*' "$LAB_DIR/igd-plain.log")"
info "miniupnpd 2.3.1 with its WAN address $LAB_NAT_PUBLIC_IP: ${msg:-no message}"
start_client refused || fatal "client behind miniupnpd without STUN started"
detail="$(upnp_detail refused)"
[[ $(upnp_status refused) == none && $detail == "the IGD refused AddPortMapping: "* ]] &&
	pass "refused: nat.upnp none ($detail)" || fail "nat.upnp '$(upnp_status refused)' ($detail)"
[[ $(lab_stat refused upnp_refused) == 1 ]] && pass "counter upnp_refused 1" ||
	fail "upnp_refused $(lab_stat refused upnp_refused)"
info "miniupnpd's log of the request: $(grep -A4 'AddPortMapping: ext port' "$LAB_DIR/igd-plain.log" | sed 's/miniupnpd\[[0-9]*\]: //' | tr '\n' '|')"
[[ -z $(dnat_rules) ]] && pass "no DNAT rule on the NAT" || fail "DNAT rules: $(dnat_rules | tr '\n' ';')"
[[ ! -e $STATE_FILE ]] && pass "no state file left" || fail "state file left: $(state_ports)"
stop_client refused
lab_stop igd-plain

PHASE="IGD"
lab_start_stun stun "$LAB_NS_PUBCLIENT" "$LAB_PUBCLIENT_IP" || fatal "STUN responder on pubclient"
igd_conf igd ext_perform_stun=yes "ext_stun_host=$LAB_PUBCLIENT_IP" ext_stun_port=3478 >/dev/null
start_igd igd || fatal "miniupnpd (STUN) started"
msg="$(grep -m1 -o 'STUN: ext interface.*' "$LAB_DIR/igd.log")"
grep -q "Port forwarding is now enabled" "$LAB_DIR/igd.log" && pass "miniupnpd forwards: $msg" ||
	fatal "miniupnpd does not forward ports (see igd.log)"
start_client mapped || fatal "client behind miniupnpd started"
figure "start with UPnP, mapped by the IGD: ${START_MS} ms"
port="$(local_port mapped)"
status="$(upnp_status mapped)"
[[ $status == "$LAB_NAT_PUBLIC_IP:$port" ]] && pass "teredoctl: nat.upnp $status ($(upnp_detail mapped))" ||
	fail "teredoctl: nat.upnp '$status' ($(upnp_detail mapped)), service port $port"
row="$(lab_ctl mapped status | grep '^UPnP')"
[[ $row == *"$LAB_NAT_PUBLIC_IP:$port (mapped in "* ]] && pass "teredoctl status: $row" || fail "teredoctl status: '$row'"
rules="$(dnat_rules)"
[[ $rules == "$port $LAB_CLIENT_IP:$port" ]] && pass "nftables on the NAT: udp dport $port dnat to $LAB_CLIENT_IP:$port" ||
	fail "DNAT rules: '${rules//$'\n'/; }'"
grep -q "^UDP:$port:$LAB_CLIENT_IP:$port:.*:TEREDO\$" "$LAB_DIR/igd.leases" && pass "lease: $(grep TEREDO "$LAB_DIR/igd.leases")" ||
	fail "no TEREDO lease in igd.leases: $(cat "$LAB_DIR/igd.leases" 2>/dev/null)"
[[ $(state_ports) == "$port" ]] && pass "state file lists port $port" || fail "state file: '$(state_ports)'"
[[ $(stat -c '%a %U' "$STATE_ROOT/teredod") == "755 root" ]] && pass "state directory: mode 755, root's" ||
	fail "state directory: $(stat -c '%a %U' "$STATE_ROOT/teredod")"
[[ $(lab_stat mapped upnp_mapped) == 1 ]] && pass "counter upnp_mapped 1" || fail "upnp_mapped $(lab_stat mapped upnp_mapped)"
lab_ctl mapped metrics | grep '^teredod_client_upnp_mapped 1' >/dev/null && pass "metric teredod_client_upnp_mapped 1" ||
	fail "metric teredod_client_upnp_mapped"
reaches_socket mapped "$port" && pass "datagrams from the internet to $LAB_NAT_PUBLIC_IP:$port reach the client's socket" ||
	fail "datagrams to $LAB_NAT_PUBLIC_IP:$port did not reach the client"
if addr="$(LAB_WAIT_FOR_PROC=mapped wait_teredo_address "$LAB_NS_CLIENT" teredo 20)"; then
	pass "qualified with the mapping: $addr"
	check_ping_v6host client "$LAB_NS_CLIENT" "$addr"
else
	fail "no Teredo address within 20 s"
fi

# A reload with a changed file restarts the worker: the supervisor deletes the mapping, the new worker maps its port.
lab_write_client_conf mapped "$(lab_teredod_lines mapped)" "UPnP yes" "RefreshInterval 25" >/dev/null
kill -HUP "${LAB_PID[mapped]}"
if log_has mapped "New configuration applied" 10 && log_has mapped "UPnP: the IGD's mappings of UDP $port deleted" 1; then
	lab_wait_until 5 "the new worker's mapping" has_dnat
	port2="$(local_port mapped)"
	rules="$(dnat_rules)"
	[[ $rules == "$port2 $LAB_CLIENT_IP:$port2" && $(state_ports) == "$port2" ]] &&
		pass "reload: port $port deleted, the new worker's port $port2 mapped (state file: $port2)" ||
		fail "reload: DNAT rules '${rules//$'\n'/; }', state file '$(state_ports)', service port $port2"
	port="$port2"
else
	fail "reload: no restart with the mapping deleted (see mapped.log)"
fi
t0="$(lab_now_ms)"
stop_client mapped
figure "stop with a mapping (the supervisor deletes it): $(($(lab_now_ms) - t0)) ms"
[[ -z $(dnat_rules) ]] && pass "stop: the DNAT rule of port $port is gone" || fail "stop: DNAT rules left: $(dnat_rules)"
grep -q "TEREDO" "$LAB_DIR/igd.leases" 2>/dev/null && fail "stop: lease left: $(cat "$LAB_DIR/igd.leases")" ||
	pass "stop: no TEREDO lease left"
[[ ! -e $STATE_FILE ]] && pass "stop: state file removed" || fail "stop: state file left: $(state_ports)"
grep -q "UPnP: the IGD's mappings of UDP $port deleted" "$LAB_DIR/mapped.log" &&
	pass "log: $(grep -m1 -o "UPnP: the IGD's mappings of UDP $port deleted.*" "$LAB_DIR/mapped.log")" ||
	fail "no deletion line in mapped.log"

# ---- crash: nothing runs the exit path -----------------------------------------------------------------------------
PHASE="crash"
start_client crashed || fatal "client started"
old="$(local_port crashed)"
[[ $(dnat_rules) == "$old $LAB_CLIENT_IP:$old" ]] && pass "mapped port $old" || fail "DNAT rules: $(dnat_rules)"
mapfile -t tree < <(descendants "${LAB_PID[crashed]}")
kill -KILL "${tree[@]}" 2>/dev/null
unset "LAB_PID[crashed]"
lab_wait_until 5 "crashed client gone" bash -c "! ip -n $LAB_NS_CLIENT link show dev teredo" || fail "interface left"
[[ $(dnat_rules) == "$old $LAB_CLIENT_IP:$old" && $(state_ports) == "$old" ]] &&
	pass "SIGKILL of ${#tree[@]} processes: the mapping and the state file (port $old) stay" ||
	fail "after SIGKILL: DNAT '$(dnat_rules)', state '$(state_ports)'"
start_client restarted || fatal "client restarted"
new="$(local_port restarted)"
log_has restarted "UPnP: mappings an earlier run left \(UDP $old\): 1 deleted" 1 &&
	pass "restart: the stale mapping of port $old deleted first" || fail "restart: no stale deletion in the log"
[[ $(dnat_rules) == "$new $LAB_CLIENT_IP:$new" && $(state_ports) == "$new" ]] &&
	pass "restart: only the new port $new is mapped and listed" ||
	fail "restart: DNAT '$(dnat_rules | tr '\n' ';')', state '$(state_ports)'"
[[ $(lab_stat restarted upnp_stale_deleted) == 1 && $(lab_stat restarted upnp_mapped) == 1 ]] &&
	pass "counters: upnp_stale_deleted 1, upnp_mapped 1" ||
	fail "counters: upnp_stale_deleted $(lab_stat restarted upnp_stale_deleted), upnp_mapped $(lab_stat restarted upnp_mapped)"
stop_client restarted
[[ -z $(dnat_rules) && ! -e $STATE_FILE ]] && pass "stop: no mapping, no state file" ||
	fail "stop: DNAT '$(dnat_rules)', state '$(state_ports)'"

# ---- UPnP no behind the IGD ----------------------------------------------------------------------------------------
PHASE="UPnP no"
start_client quiet "UPnP no" || fatal "client with UPnP no started"
port="$(local_port quiet)"
[[ -z $(dnat_rules) && $(upnp_status quiet) == off ]] && pass "nothing mapped, nat.upnp off" ||
	fail "DNAT '$(dnat_rules)', nat.upnp '$(upnp_status quiet)'"
reaches_socket quiet "$port" && fail "datagrams to $LAB_NAT_PUBLIC_IP:$port reached the client without a mapping" ||
	pass "without a mapping, datagrams from the internet to $LAB_NAT_PUBLIC_IP:$port do not get in"
stop_client quiet
grep -q "UPnP" "$LAB_DIR/quiet.log" && fail "UPnP lines in quiet.log: $(grep UPnP "$LAB_DIR/quiet.log")" ||
	pass "no UPnP activity with UPnP no"
