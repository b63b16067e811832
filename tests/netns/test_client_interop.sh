#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_client_interop.sh: OUR Teredo client (teredod, RelayType client) behind the NAT, against every
# server/relay combination of ours and Debian's, plus client-to-client traffic. One lab (see the diagram in lib.sh):
#
#   combo      server                    relay (2001::/32 for v6host)
#   ours       teredod-server (ours)     teredod RelayType relay (ours, BindPort 3545)
#   srv-ours   teredod-server (ours)     miredo cone relay (Debian)
#   miredo     miredo-server (Debian)    miredo cone relay (Debian)
#   rly-ours   miredo-server (Debian)    teredod RelayType relay (ours)
#
# For each combo a fresh client (10.77.0.2 behind the masquerading NAT, -u nobody, ControlSocket) must: qualify
# (address naming server .10 and the NAT's public .30), ping6 client -> v6host and v6host -> client 5/5, iperf3 TCP -t 3
# both directions with non-zero throughput (printed), and report state qualified in teredoctl status.
# Client to client (with the first combo): our client behind the NAT <-> OUR client on the public segment (.40), and
# our client behind the NAT <-> Debian `miredo` client on the public segment: ping6 5/5 both ways.
#
# Environment: BUILD_DIR (default <repo>/build), CLIENT_INTEROP_IPERF_SECONDS (default 3).
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, a tool or a binary missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"
IPERF_SECONDS="${CLIENT_INTEROP_IPERF_SECONDS:-3}"

need_root_and_tools ip nft ping miredo miredo-server iperf3 python3 ss
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || skip "teredod/teredod-server not built ($BUILD_DIR); build with cmake --build build"
SUMMARY_NS_CHECK=1

# ping_both LABEL NS_A ADDR_A NS_B ADDR_B: warm up A -> B, then 5 pings A -> B and B -> A.
ping_both() {
	local label="$1" nsa="$2" addra="$3" nsb="$4" addrb="$5" out
	if ! lab_ping_until "$nsa" "$addrb" 20; then
		fail "$label: no echo reply $addra -> $addrb within 20 s"
		return 1
	fi
	if out="$(lab_ping "$nsa" "$addrb" 5 "$label-ab")"; then pass "$label: ping6 $addra -> $addrb: $out"
	else fail "$label: ping6 $addra -> $addrb: $out"; fi
	lab_ping_until "$nsb" "$addra" 10 || true
	if out="$(lab_ping "$nsb" "$addra" 5 "$label-ba")"; then pass "$label: ping6 $addrb -> $addra: $out"
	else fail "$label: ping6 $addrb -> $addra: $out"; fi
}

# start_nat_client NAME: start our client behind the NAT; set NAT_ADDR to its Teredo address (checked) or return 1.
start_nat_client() {
	local name="$1" addr
	NAT_ADDR=""
	lab_start_teredod_client "$name" "$LAB_NS_CLIENT" "$TEREDOD"
	if ! addr="$(LAB_WAIT_FOR_PROC="$name" wait_teredo_address "$LAB_NS_CLIENT" teredo 20)"; then
		fail "$name: our client behind the NAT qualified"
		return 1
	fi
	eval "$(teredo_decode "$addr")"
	if [[ $TEREDO_PREFIX_OK == 1 && $TEREDO_SERVER == "$LAB_SERVER_IP1" && $TEREDO_MAPPED_IP == "$LAB_NAT_PUBLIC_IP" ]]
	then pass "$name: qualified as $addr (server $TEREDO_SERVER, mapped $TEREDO_MAPPED_IP:$TEREDO_MAPPED_PORT, flags $TEREDO_FLAGS)"
	else fail "$name: address $addr decodes to server $TEREDO_SERVER mapped $TEREDO_MAPPED_IP"; return 1; fi
	NAT_ADDR="$addr"
}

# stop_and_wait NAME NS: stop a client/relay and wait until its teredo interface is gone.
stop_and_wait() {
	lab_stop "$1"
	lab_wait_until 5 "teredo interface removed in $2" bash -c "! ip -n $2 link show dev teredo" ||
		fail "$1: interface teredo still present in $2 after exit"
}

start_server() {
	case "$1" in
	ours) lab_start_server "$TEREDOD_SERVER" ;;
	miredo) lab_start_server miredo-server ;;
	esac
}

start_relay() {
	case "$1" in
	ours) lab_start_teredod_relay "$TEREDOD" ;;
	miredo) lab_write_relay_conf >/dev/null && lab_start_relay miredo ;;
	esac
}

# run_combo NAME SERVER RELAY [c2c]: one server/relay combination with a fresh client behind the NAT.
run_combo() {
	local name="$1" srv="$2" rly="$3" c2c="${4:-}" addr out
	echo
	echo "---- combo $name: server $srv, relay $rly ----"
	if ! lab_alive server; then
		start_server "$srv" && pass "$name: server ($srv) listening" || { fail "$name: start server ($srv)"; return; }
	fi
	start_relay "$rly" && pass "$name: relay ($rly) up" || { fail "$name: start relay ($rly)"; return; }
	if start_nat_client "$name"; then
		addr="$NAT_ADDR"
		ping_both "$name v6host" "$LAB_NS_CLIENT" "$addr" "$LAB_NS_V6HOST" "$LAB_V6HOST_IP6"
		if out="$(lab_iperf3 "$LAB_NS_V6HOST" "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" "$IPERF_SECONDS" "$name-up")"; then
			pass "$name: iperf3 TCP client -> v6host: $out"
		else fail "$name: iperf3 TCP client -> v6host: $out"; fi
		if out="$(lab_iperf3 "$LAB_NS_CLIENT" "$LAB_NS_V6HOST" "$addr" "$IPERF_SECONDS" "$name-down")"; then
			pass "$name: iperf3 TCP v6host -> client: $out"
		else fail "$name: iperf3 TCP v6host -> client: $out"; fi
		if lab_state_is "$name" qualified; then
			pass "$name: teredoctl: state qualified, rs_sent $(lab_stat "$name" rs_sent), ra_accepted $(lab_stat "$name" ra_accepted), relays_verified $(lab_stat "$name" relays_verified), delivered $(lab_stat "$name" delivered_packets), sent $(lab_stat "$name" sent_packets), drops_total $(lab_stat "$name" drops_total)"
		else fail "$name: teredoctl status: state '$(lab_state "$name")', not qualified"; fi
		[[ $c2c == c2c ]] && client_to_client "$addr"
	fi
	lab_alive "$name" && stop_and_wait "$name" "$LAB_NS_CLIENT"
	lab_alive relay && stop_and_wait relay "$LAB_NS_RELAY"
}

# client_to_client NAT_ADDR: our client behind the NAT with our / Debian's client on the public segment.
client_to_client() {
	local nataddr="$1" pubaddr
	lab_start_teredod_client pub "$LAB_NS_PUBCLIENT" "$TEREDOD"
	if pubaddr="$(LAB_WAIT_FOR_PROC=pub wait_teredo_address "$LAB_NS_PUBCLIENT" teredo 20)"; then
		eval "$(teredo_decode "$pubaddr")"
		[[ $TEREDO_MAPPED_IP == "$LAB_PUBCLIENT_IP" ]] && pass "c2c ours: public teredod client qualified as $pubaddr (mapped $TEREDO_MAPPED_IP:$TEREDO_MAPPED_PORT)" ||
			fail "c2c ours: public client address $pubaddr maps to $TEREDO_MAPPED_IP"
		ping_both "c2c ours" "$LAB_NS_CLIENT" "$nataddr" "$LAB_NS_PUBCLIENT" "$pubaddr"
		pass "c2c ours: NAT client bubbles_direct_sent $(lab_stat ours bubbles_direct_sent), bubbles_received $(lab_stat ours bubbles_received); public client bubbles_received $(lab_stat pub bubbles_received)"
	else
		fail "c2c ours: public teredod client qualified"
	fi
	stop_and_wait pub "$LAB_NS_PUBCLIENT"

	lab_start_client pubmiredo "$LAB_NS_PUBCLIENT" miredo
	if pubaddr="$(LAB_WAIT_FOR_PROC=pubmiredo wait_teredo_address "$LAB_NS_PUBCLIENT" teredo 20)"; then
		pass "c2c miredo: public Debian miredo client qualified as $pubaddr"
		ping_both "c2c miredo" "$LAB_NS_CLIENT" "$nataddr" "$LAB_NS_PUBCLIENT" "$pubaddr"
	else
		fail "c2c miredo: public Debian miredo client qualified"
	fi
	stop_and_wait pubmiredo "$LAB_NS_PUBCLIENT"
}

T0="$(lab_now_ms)"
lab_setup_checked

run_combo ours ours ours c2c
run_combo srv-ours ours miredo
lab_stop server
run_combo miredo miredo miredo
run_combo rly-ours miredo ours
lab_stop server
pass "runtime $(( ($(lab_now_ms) - T0) / 1000 )) s"
