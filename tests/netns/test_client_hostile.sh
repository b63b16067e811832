#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015  # summary() runs from a trap; pass() always succeeds
# tests/netns/test_client_hostile.sh: a qualified Teredo client (OUR teredod, RelayType client) under hostile traffic.
#
# Lab (see lib.sh) plus an attacker namespace <tag>-attacker (198.51.100.66 on the IPv4 segment). Our client runs in
# the PUBLIC client namespace (198.51.100.40, BindPort 3545, -u nobody, counters read with teredoctl) so the attacker
# can reach its UDP port; server teredod-server (ours), relay teredod (ours). From the attacker,
# tests/netns/hostile_client.py sends (each category COUNT datagrams, default 100):
#   ra-wrong-source    forged RAs from the attacker (port 3544 and random ports)    -> drop_ra_from_wrong_source
#   ra-bad-nonce       forged RAs spoofed from the server 198.51.100.10:3544 (raw IPv4) with a wrong nonce or no
#                      authentication header                                      -> drop_ra_nonce_mismatch
#   mapping-mismatch   Teredo-sourced packets whose embedded mapping is not the outer source
#                                                                                 -> drop_source_mapping_mismatch
#   link-local         echo requests / bubbles / UDP from fe80:: sources            -> drop_link_local_source
#   not-ipv6, too-short, truncated-ipv6   garbage   -> drop_not_ipv6, drop_datagram_too_short, drop_truncated_ipv6_header
#   server-unexpected  echo requests spoofed from the server (not an RA, not a bubble) -> drop_unexpected_from_server
#   fake-relay         echo requests from a native source as if through a relay: held for the relay check, never
#                      delivered (delivered_packets unchanged), a connectivity test goes out
# Each drop counter must grow by exactly the number sent; the RA categories must grow ra_rejected likewise and leave
# ra_accepted, qualifications and address_changes alone. Afterwards the address is unchanged, state qualified, the
# client alive, and ping6 client <-> v6host works 5/5 both ways.
#
# Environment: BUILD_DIR (default <repo>/build), CLIENT_HOSTILE_COUNT (default 100).
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, a tool or a binary missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"
PY=/usr/bin/python3
HOSTILE="$HERE/hostile_client.py"
COUNT="${CLIENT_HOSTILE_COUNT:-100}"
CLIENT_PORT=3545
ATTACKER_IP=198.51.100.66

need_root_and_tools ip nft ping ss "$PY"
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || skip "teredod/teredod-server not built ($BUILD_DIR); build with cmake --build build"
LAB_NS_ATTACKER="$LAB_TAG-attacker"
SUMMARY_NS_CHECK=1
summary_dump() { lab_alive client && { echo "===== client stats (non-zero) ====="; lab_stats client | grep -v ' 0$'; }; }

# snapshot: every figure of the client's teredoctl stats (one reading) into the associative array SNAP.
declare -A SNAP=()
snapshot() {
	local k v
	SNAP=()
	while read -r k v; do SNAP[$k]="$v"; done < <(lab_stats client)
}

# wait_settled: wait until two readings of udp_datagrams 0.3 s apart agree (the client has read everything).
wait_settled() { lab_wait_stat_settled client udp_datagrams 10; }

# attack CATEGORY COUNTER [EXTRA COUNTER...]: send COUNT datagrams of CATEGORY; each named counter must grow by exactly
# the number sent; ra_accepted, qualifications, address_changes and delivered_packets must not move.
attack() {
	local cat="$1"; shift
	local out sent k ok=1 detail=""
	snapshot
	declare -A before=(); for k in "${!SNAP[@]}"; do before[$k]="${SNAP[$k]}"; done
	out="$(lab_exec "$LAB_NS_ATTACKER" "$PY" "$HOSTILE" "$cat" --target "$LAB_PUBCLIENT_IP" --port "$CLIENT_PORT" \
		--victim "$ADDR" --server "$LAB_SERVER_IP1" --count "$COUNT" 2>&1)"
	sent="$(sed -n 's/^sent \([0-9]*\)$/\1/p' <<<"$out")"
	if [[ -z $sent || $sent -eq 0 ]]; then fail "$cat: sender failed: $out"; return; fi
	wait_settled
	snapshot
	for k in "$@"; do
		local d=$(( ${SNAP[$k]:-0} - ${before[$k]:-0} ))
		detail+=" $k +$d"
		(( d == sent )) || ok=0
	done
	for k in ra_accepted qualifications address_changes delivered_packets; do
		local d=$(( ${SNAP[$k]:-0} - ${before[$k]:-0} ))
		(( d == 0 )) || { ok=0; detail+=" UNEXPECTED $k +$d"; }
	done
	detail+=" (udp_datagrams +$(( ${SNAP[udp_datagrams]:-0} - ${before[udp_datagrams]:-0} )), drops_total +$(( ${SNAP[drops_total]:-0} - ${before[drops_total]:-0} )))"
	if (( ok )); then pass "$cat: $sent sent, rejected and counted:$detail"
	else fail "$cat: $sent sent:$detail"; fi
}

lab_setup_checked
lab_ns_add "$LAB_NS_ATTACKER" && lab_link "$LAB_NS_ATTACKER" eth0 br4 atk4 &&
	ip -n "$LAB_NS_ATTACKER" addr add "$ATTACKER_IP/24" dev eth0 || { fail "attacker namespace"; exit 1; }
LAB_SERVER_USER=nobody
lab_start_server "$TEREDOD_SERVER" || { fail "start teredod-server"; exit 1; }
lab_start_teredod_relay "$TEREDOD" || { fail "start teredod relay"; exit 1; }
lab_start_teredod_client client "$LAB_NS_PUBCLIENT" "$TEREDOD" "BindPort $CLIENT_PORT"
ADDR="$(LAB_WAIT_FOR_PROC=client wait_teredo_address "$LAB_NS_PUBCLIENT" teredo 20)" || { fail "client qualified"; exit 1; }
lab_udp_bound "$LAB_NS_PUBCLIENT" "$LAB_PUBCLIENT_IP" "$CLIENT_PORT" && pass "client qualified as $ADDR, UDP port $CLIENT_PORT" ||
	fail "client not bound to UDP $CLIENT_PORT: $(ip netns exec "$LAB_NS_PUBCLIENT" ss -Hlun)"
lab_wait_ctl client 3
lab_ping_until "$LAB_NS_PUBCLIENT" "$LAB_V6HOST_IP6" 20 && pass "path client -> v6host warm" || fail "no echo reply client -> v6host"
lab_exec "$LAB_NS_ATTACKER" ping -c1 -W1 "$LAB_PUBCLIENT_IP" >/dev/null && pass "attacker $ATTACKER_IP reaches $LAB_PUBCLIENT_IP" ||
	fail "attacker cannot reach the client"
# the second qualification RS (symmetric-NAT probe) and its answer must be over before counting
wait_settled

attack ra-wrong-source drop_ra_from_wrong_source ra_rejected
attack ra-bad-nonce drop_ra_nonce_mismatch ra_rejected
attack mapping-mismatch drop_source_mapping_mismatch
attack link-local drop_link_local_source
attack not-ipv6 drop_not_ipv6
attack too-short drop_datagram_too_short
attack truncated-ipv6 drop_truncated_ipv6_header
attack server-unexpected drop_unexpected_from_server

# fake relay: held, never delivered; the client asks for a connectivity test towards the claimed source
snapshot; d0="${SNAP[delivered_packets]:-0}"; ct0="${SNAP[connectivity_tests_sent]:-0}"; q0="${SNAP[packets_queued]:-0}"
out="$(lab_exec "$LAB_NS_ATTACKER" "$PY" "$HOSTILE" fake-relay --target "$LAB_PUBCLIENT_IP" --port "$CLIENT_PORT" \
	--victim "$ADDR" --server "$LAB_SERVER_IP1" --count 10 2>&1)"
wait_settled; snapshot
if [[ ${SNAP[delivered_packets]} == "$d0" ]] && (( SNAP[connectivity_tests_sent] > ct0 )); then
	pass "fake-relay: ${out#sent } echo requests from a native source held, none delivered (connectivity_tests_sent $ct0 -> ${SNAP[connectivity_tests_sent]}, packets_queued $q0 -> ${SNAP[packets_queued]}, drop_queue_full ${SNAP[drop_queue_full]:-0})"
else
	fail "fake-relay: delivered_packets $d0 -> ${SNAP[delivered_packets]}, connectivity_tests_sent $ct0 -> ${SNAP[connectivity_tests_sent]}"
fi

# afterwards: same address, still qualified, traffic works
lab_alive client && pass "client still running" || fail "client exited"
now="$(lab_teredo_address "$LAB_NS_PUBCLIENT" teredo)"
[[ $now == "$ADDR" ]] && lab_state_is client qualified &&
	pass "address unchanged ($ADDR), state qualified, ra_rejected $(lab_stat client ra_rejected), drops_total $(lab_stat client drops_total)" ||
	fail "address '$now' (was $ADDR), state $(lab_state client)"
lab_ping_until "$LAB_NS_PUBCLIENT" "$LAB_V6HOST_IP6" 10 || true
if out="$(lab_ping "$LAB_NS_PUBCLIENT" "$LAB_V6HOST_IP6" 5 after-out)"; then pass "after the attacks: ping6 client -> v6host: $out"
else fail "after the attacks: ping6 client -> v6host: $out"; fi
if out="$(lab_ping "$LAB_NS_V6HOST" "$ADDR" 5 after-in)"; then pass "after the attacks: ping6 v6host -> client: $out"
else fail "after the attacks: ping6 v6host -> client: $out"; fi
