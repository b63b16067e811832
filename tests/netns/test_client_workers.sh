#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015  # summary() runs from a trap; pass() always succeeds
# tests/netns/test_client_workers.sh: OUR client with two data-path workers (issue 7), behind the NAT, with our server
# and our relay. Worker 0 qualifies (router advertisements carry an authentication header and are steered to it) and
# hands its state to worker 1. Which worker owns v6host (2001:db8:100::100) depends on the steering key drawn at each
# start (proto::shard_of); the 64 new peers of `spread` land on both, so the follower carries traffic in every run.
# Two phases, each with a fresh client:
#   steered   qualification, the address on the interface, teredoctl status (workers 2, per-worker peers), ping both
#             ways, iperf3 TCP both ways, 64 new native peers (spread over both workers), then handed_off = 0 (the kernel delivered everything to its owner), a
#             refresh (the next RA, ~30 s later, is accepted by worker 0) and still ping.
#   handover  Steering no: qualification and ping/iperf3 both ways still work, handed_off > 0.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, a tool or a teredod binary missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"
PY=/usr/bin/python3

need_root_and_tools ip nft ping iperf3 ss "$PY"
[[ -x $TEREDOD && -x $TEREDOD_SERVER && -x $TEREDOCTL ]] || skip "build teredod, teredod-server and teredoctl first"

PHASE=""
SUMMARY_NS_CHECK=1
summary_header() { echo "client: $TEREDOD with Workers 2 behind the NAT; server and relay: ours"; }
summary_dump() { lab_alive client && { echo "===== client stats ====="; lab_stats client; }; }

# start_client [CONFIG LINES...]: a fresh client with Workers 2 (and the extra lines), its own log; sets ADDR.
start_client() {
	lab_stop client
	lab_wait_until 5 "old interface gone" bash -c "! ip -n '$LAB_NS_CLIENT' link show dev teredo >/dev/null 2>&1"
	rm -f "$LAB_DIR/client.log"
	lab_start_teredod_client client "$LAB_NS_CLIENT" "$TEREDOD" "Workers 2" "$@"
	ADDR="$(LAB_WAIT_FOR_PROC=client wait_teredo_address "$LAB_NS_CLIENT" teredo 15)" ||
		fatal "client (Workers 2${1:+, $*}) not qualified within 15 s"
	pass "client (Workers 2${1:+, $*}) qualified: $ADDR"
}

# spread: one UDP datagram from the client to each of 64 native addresses next to v6host (no host answers; each is a
# new peer of the client, opened through a connectivity test): new flows the TUN queues must spread over the workers.
spread() {
	ip netns exec "$LAB_NS_CLIENT" "$PY" - "$ADDR" <<-'PY'
		import socket, sys
		s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
		s.bind((sys.argv[1], 0))
		for i in range(64):
		    s.sendto(b"spread", (f"2001:db8:100::{0x1000 + i:x}", 9))
		PY
}

# traffic: ping and iperf3 both ways between the client and v6host, then 64 new native peers.
traffic() {
	check_ping_v6host client "$LAB_NS_CLIENT" "$ADDR"
	local line
	line="$(lab_iperf3 "$LAB_NS_V6HOST" "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 2 "$PHASE-up")" &&
		pass "iperf3 TCP client -> v6host: $line" || fail "iperf3 TCP client -> v6host: $line"
	line="$(lab_iperf3 "$LAB_NS_CLIENT" "$LAB_NS_V6HOST" "$ADDR" 2 "$PHASE-down")" &&
		pass "iperf3 TCP v6host -> client: $line" || fail "iperf3 TCP v6host -> client: $line"
	spread
	lab_wait_until 5 "65 peers" lab_json_true client 'd["peers"] >= 65' status &&
		pass "64 new native peers: peers per worker $(lab_json client '" ".join(str(x) for x in d["worker_peers"])' status)" ||
		fail "64 new native peers: peers $(lab_json client 'd["peers"]' status)"
}

lab_setup_checked
pass "lab topology up (7 namespaces)"
LAB_SERVER_USER=nobody
lab_start_server "$TEREDOD_SERVER" && pass "server (teredod-server) up" || fatal "server start"
lab_start_teredod_relay "$TEREDOD" && pass "relay (teredod) up" || fatal "relay start"

# ---- steered --------------------------------------------------------------------------------------------------------
PHASE=steered
start_client
log_has client "2 workers; steering: TUN queues by destination \(eBPF\), UDP sockets by inner source \(cBPF\)" &&
	pass "log: 2 workers with both steering programs" || fail "log: $(grep -m1 steering "$LAB_DIR/client.log")"
log_has client "Teredo client started: .* 2 workers, " && pass "log: client started with 2 workers" ||
	fail "log: no '2 workers' in the start line"
[[ $(lab_json client 'd["workers"]' status) == 2 && $(lab_json client 'd["state"]' status) == qualified ]] &&
	pass "teredoctl status: qualified, workers 2" || fail "teredoctl status: workers '$(lab_json client 'd.get("workers")' status)'"
traffic
per="$(lab_json client '" ".join(str(x) for x in d["worker_peers"])' status)"
read -r w0 w1 <<<"$per"
owner="$(lab_json client '" ".join(str(p["worker"]) for p in d["peers"])' peers --filter "$LAB_V6HOST_IP6")"
[[ ${w0:-0} -ge 1 && ${w1:-0} -ge 1 && $owner =~ ^[01]$ ]] &&
	pass "both workers own peers (v6host is worker $owner's; peers per worker: $per)" ||
	fail "peers per worker: '$per', v6host's worker '$owner'"
lab_json_true client '"handed_off" in d["counters"]' stats && pass "teredoctl stats reports handed_off" ||
	fail "no handed_off counter in teredoctl stats"
[[ $(lab_stat client handed_off) -eq 0 ]] && pass "handed_off 0: the kernel delivered every packet to its worker" ||
	fail "handed_off $(lab_stat client handed_off) with steering on"
[[ $(lab_stat client delivered_packets) -gt 1000 && $(lab_stat client sent_packets) -gt 1000 ]] &&
	pass "summed counters: sent_packets $(lab_stat client sent_packets), delivered_packets $(lab_stat client delivered_packets)" ||
	fail "summed counters: sent_packets $(lab_stat client sent_packets), delivered_packets $(lab_stat client delivered_packets)"
ra0="$(lab_stat client ra_accepted)"
lab_wait_stat_above client ra_accepted "$ra0" 40 &&
	pass "refresh: ra_accepted $ra0 -> $(lab_stat client ra_accepted) (router advertisements reach worker 0)" ||
	fail "no refresh RA accepted within 40 s (ra_accepted $(lab_stat client ra_accepted), ra_rejected $(lab_stat client ra_rejected))"
[[ $(lab_teredo_address "$LAB_NS_CLIENT" teredo) == "$ADDR" ]] && pass "address unchanged after the refresh" ||
	fail "address changed after the refresh"
line=""
line="$(lab_ping "$LAB_NS_V6HOST" "$ADDR" 3 "after-refresh")" && pass "ping6 v6host -> client after the refresh: $line" ||
	fail "ping6 v6host -> client after the refresh: $line"

# ---- handover -------------------------------------------------------------------------------------------------------
PHASE=handover
start_client "Steering no"
log_has client "2 workers; steering: off" && pass "log: steering off" || fail "log: no 'steering: off' line"
traffic
[[ $(lab_stat client handed_off) -gt 0 ]] && pass "handed_off $(lab_stat client handed_off) > 0: misdirected packets reached their owner" ||
	fail "handed_off $(lab_stat client handed_off) with steering off"
lab_stop client
