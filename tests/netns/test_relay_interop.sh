#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_relay_interop.sh: OUR Teredo relay (teredod, RelayType relay) with Debian miredo clients.
#
# Two labs in sequence (topology: see the diagram at the top of lib.sh), each with:
#   relay     teredod (ours), RelayType relay, BindPort 3545, -u nobody, ControlSocket in the lab directory
#   clients   Debian `miredo` behind the masquerading NAT (10.77.0.2 -> 198.51.100.30) and on the public segment (.40)
#   v6host    native IPv6 host 2001:db8:100::100, 2001::/32 routed via the relay
# and as Teredo server:
#   (a) teredod-server (ours)          (b) miredo-server (Debian)
# For each client: it qualifies (address decoded and checked), ping6 client -> v6host and v6host -> client 5/5,
# iperf3 TCP (-6, -t 3) client -> v6host and v6host -> client with non-zero throughput (printed). Then the relay's
# counters (teredoctl stats): to_teredo_packets > 0, to_native_packets > 0, peers >= 1; relay and server still running.
#
# Environment: BUILD_DIR (default <repo>/build), RELAY_INTEROP_CONFIGS (default "ours miredo": which servers to run),
#              RELAY_IPERF_SECONDS (default 3).
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, a tool or teredod/teredod-server not built).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"
RELAY_BIN="$BUILD_DIR/bin/teredod"
OUR_SERVER_BIN="$BUILD_DIR/bin/teredod-server"
CONFIGS="${RELAY_INTEROP_CONFIGS:-ours miredo}"
IPERF_SECONDS="${RELAY_IPERF_SECONDS:-3}"

need_root_and_tools ip nft ping miredo miredo-server iperf3 python3 ss
[[ -x $RELAY_BIN ]] || skip "teredod not built ($RELAY_BIN); build with cmake --build build"
[[ $CONFIGS != *ours* || -x $OUR_SERVER_BIN ]] || skip "teredod-server not built ($OUR_SERVER_BIN)"

PHASE=""  # checks and figures are tagged with the lab they belong to
SUMMARY_NS_CHECK=1
summary_header() { echo "relay: $RELAY_BIN (RelayType relay); clients: Debian miredo; servers: $CONFIGS"; }
summary_dump() { lab_alive relay && { echo "===== relay stats ====="; lab_stats relay; }; }

# check_client NAME NS EXPECTED_MAPPED_IP: qualify, decode, ping both ways, iperf3 both ways.
check_client() {
	local name="$1" ns="$2" want_ip="$3" addr line
	lab_start_client "$name" "$ns" miredo
	if ! addr="$(LAB_WAIT_FOR_PROC="$name" wait_teredo_address "$ns" teredo 15)"; then
		fail "$name: no Teredo address within 15 s"
		return 1
	fi
	eval "$(teredo_decode "$addr")"
	figure "$name address $addr: server=$TEREDO_SERVER flags=$TEREDO_FLAGS cone=$TEREDO_CONE mapped=$TEREDO_MAPPED_IP:$TEREDO_MAPPED_PORT"
	[[ $TEREDO_PREFIX_OK == 1 && $TEREDO_SERVER == "$LAB_SERVER_IP1" && $TEREDO_MAPPED_IP == "$want_ip" ]] &&
		pass "$name qualified: $addr (server $TEREDO_SERVER, mapped $TEREDO_MAPPED_IP:$TEREDO_MAPPED_PORT)" ||
		fail "$name address $addr: prefix_ok=$TEREDO_PREFIX_OK server=$TEREDO_SERVER mapped=$TEREDO_MAPPED_IP (want $LAB_SERVER_IP1 / $want_ip)"

	check_ping_v6host "$name" "$ns" "$addr"

	if line="$(lab_iperf3 "$LAB_NS_V6HOST" "$ns" "$LAB_V6HOST_IP6" "$IPERF_SECONDS" "$name-to-v6host")"; then
		pass "iperf3 TCP $name -> v6host: $line"
		figure "iperf3 TCP $name -> v6host: $line"
	else
		fail "iperf3 TCP $name -> v6host: $line"
	fi
	if line="$(lab_iperf3 "$ns" "$LAB_NS_V6HOST" "$addr" "$IPERF_SECONDS" "v6host-to-$name")"; then
		pass "iperf3 TCP v6host -> $name: $line"
		figure "iperf3 TCP v6host -> $name: $line"
	else
		fail "iperf3 TCP v6host -> $name: $line"
	fi
}

# run_lab SERVER_LABEL SERVER_CMD...: one lab with the given server and our relay.
run_lab() {
	local label="$1"; shift
	PHASE="server=$label"
	echo
	echo "== lab $PHASE: server $*, relay $RELAY_BIN, Debian miredo clients"
	lab_setup_checked
	pass "lab topology up (7 namespaces)"

	local server_user="$LAB_SERVER_USER"
	[[ $label == ours ]] && LAB_SERVER_USER=nobody
	lab_start_server "$@" && pass "server ($label, user $LAB_SERVER_USER) bound to $LAB_SERVER_IP1:3544 and $LAB_SERVER_IP2:3544" ||
		fatal "server start ($*)"
	LAB_SERVER_USER="$server_user"
	lab_start_teredod_relay "$RELAY_BIN" "MaxPeers 1024" &&
		pass "relay (teredod, RelayType relay, user nobody) routes 2001::/32, answers teredoctl" ||
		fatal "relay start ($RELAY_BIN)"

	check_client client "$LAB_NS_CLIENT" "$LAB_NAT_PUBLIC_IP"
	check_client pubclient "$LAB_NS_PUBCLIENT" "$LAB_PUBCLIENT_IP"

	local tt tn peers created drops
	tt="$(lab_stat relay to_teredo_packets)"; tn="$(lab_stat relay to_native_packets)"
	peers="$(lab_stat relay peers)"; created="$(lab_stat relay peers_created)"; drops="$(lab_stat relay drops_total)"
	figure "relay stats: to_teredo_packets=$tt to_native_packets=$tn peers=$peers peers_created=$created" \
		"bubbles_indirect_sent=$(lab_stat relay bubbles_indirect_sent) bubbles_received=$(lab_stat relay bubbles_received)" \
		"packets_queued=$(lab_stat relay packets_queued) packets_flushed=$(lab_stat relay packets_flushed) drops_total=$drops"
	figure "relay non-zero drops: $(lab_stats relay | awk '$1 ~ /^drop_/ && $2 != 0 { printf "%s=%s ", $1, $2 }')"
	[[ $tt -gt 0 ]] && pass "relay to_teredo_packets=$tt > 0" || fail "relay to_teredo_packets=$tt"
	[[ $tn -gt 0 ]] && pass "relay to_native_packets=$tn > 0" || fail "relay to_native_packets=$tn"
	[[ $peers -ge 1 ]] && pass "relay peers=$peers >= 1" || fail "relay peers=$peers"

	lab_alive server && pass "server still running" || fail "server died"
	lab_alive relay && pass "relay still running" || fail "relay died"
	lab_stop relay
	log_has relay 'Totals: ' && pass "relay logged its totals at exit" || fail "no 'Totals: ' line in the relay's log after its exit"

	trap - EXIT
	local tag="$LAB_TAG"
	lab_cleanup
	LAB_PID=()
	local left
	left="$(lab_ns_left "$tag")"
	[[ -z $left ]] && pass "lab removed" || fail "namespaces left after the lab: $left"
	trap summary EXIT
}

trap summary EXIT
echo "== teredod netns relay interop: relay = $RELAY_BIN"
for cfg in $CONFIGS; do
	case "$cfg" in
		ours) run_lab ours "$OUR_SERVER_BIN" ;;
		miredo) run_lab miredo miredo-server ;;
		*) PHASE="$cfg"; fail "unknown configuration '$cfg' (want ours or miredo)" ;;
	esac
done
exit "$FAILED"
