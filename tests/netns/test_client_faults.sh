#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015  # summary() runs from a trap; pass() always succeeds
# tests/netns/test_client_faults.sh: OUR Teredo client (teredod, RelayType client, behind the NAT) under faults.
#
# Lab (see lib.sh): teredod-server (ours) on .10/.11, teredod relay (ours, BindPort 3545), our client at 10.77.0.2
# behind the masquerading NAT (-u nobody; its counters and state read with teredoctl). After qualification and a
# working ping6 to v6host:
#   (iv) local network change: an IPv4 address is added in the client namespace -> the client sends an RS at once
#        (an nft counter in the NAT's forward chain sees it; the RS must leave within 1 s; rs_sent grows);
#   (i)  server restart: teredod-server is killed and started again 1 s later -> the client is re-confirmed by the
#        new server process (ra_accepted grows, state qualified) within one refresh interval, ping6 works both ways; the times
#        to the first echo reply and to the re-confirmation are printed;
#   (iii) [run before (ii)] primary server address down: see below;
#   (ii) NAT state flushed (conntrack -F in the NAT namespace) -> v6host -> client and client -> v6host ping6 work
#        again within one refresh interval (~30 s, limit 45 s), the time is printed, and whether the address changed;
#   (iii) primary server address down (nft drop of udp to 198.51.100.10:3544 in the server namespace) -> the next
#        refresh round fails over to 198.51.100.11 (failovers >= 1), the client stays qualified with the same address,
#        ping6 works both ways, and traffic keeps flowing during the outage: a background ping (one a second) loses
#        at most 2 of its requests (see the comment at the check).
# The client's network-change debounce is 200 ms, so (iv) typically measures ~210 ms.
# Runtime: ~110-130 s (three waits for the 22.5-30 s randomised refresh): TIMEOUT 240 in CMakeLists.txt.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, a tool or a binary missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping conntrack python3 ss
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || skip "teredod/teredod-server not built ($BUILD_DIR); build with cmake --build build"
SUMMARY_NS_CHECK=1
summary_dump() { lab_alive client && { echo "===== client stats (non-zero) ====="; lab_stats client | grep -v ' 0$'; }; }

# ping_once NS DEST: one echo request, 1 s timeout.
ping_once() { ip netns exec "$1" ping -6 -n -c1 -W1 "$2" >/dev/null 2>&1; }

# wait_ping_ms NS DEST TIMEOUT_S: poll ping_once until it succeeds; print the milliseconds waited; 1 on timeout.
wait_ping_ms() {
	local t0 deadline
	t0="$(lab_now_ms)"; deadline=$((t0 + $3 * 1000))
	while (( $(lab_now_ms) < deadline )); do
		if ping_once "$1" "$2"; then echo $(( $(lab_now_ms) - t0 )); return 0; fi
		sleep 0.1
	done
	echo $(( $(lab_now_ms) - t0 ))
	return 1
}

# pings_both LABEL: 5 pings each way between the client and v6host.
pings_both() {
	local out
	if out="$(lab_ping "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 5 "$1-out")"; then pass "$1: ping6 client -> v6host: $out"
	else fail "$1: ping6 client -> v6host: $out"; fi
	if out="$(lab_ping "$LAB_NS_V6HOST" "$ADDR" 5 "$1-in")"; then pass "$1: ping6 v6host -> client: $out"
	else fail "$1: ping6 v6host -> client: $out"; fi
}

lab_setup_checked
LAB_SERVER_USER=nobody
lab_start_server "$TEREDOD_SERVER" || { fail "start teredod-server"; exit 1; }
lab_start_teredod_relay "$TEREDOD" || { fail "start teredod relay"; exit 1; }
lab_start_teredod_client client "$LAB_NS_CLIENT" "$TEREDOD"
ADDR="$(LAB_WAIT_FOR_PROC=client wait_teredo_address "$LAB_NS_CLIENT" teredo 20)" || { fail "client qualified"; exit 1; }
lab_wait_ctl client 3
pass "client qualified as $ADDR"
lab_ping_until "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 20 || { fail "no echo reply client -> v6host"; exit 1; }
pings_both "baseline"

# ---- (iv) local network change -> RS at once ----------------------------------------------------------------------
echo; echo "---- (iv) local network change ----"
lab_exec "$LAB_NS_NAT" nft -f - <<-NFT
	table ip tdcount {
		counter rs { }
		chain count_rs {
			type filter hook forward priority 0; policy accept;
			ip saddr $LAB_CLIENT_IP udp dport 3544 counter name rs
		}
	}
NFT
rs_pkts() { lab_exec "$LAB_NS_NAT" nft list counter ip tdcount rs | awk '/packets/ {print $2}'; }
# The client is qualified and idle (no RS round running), so the change must start a round at once.
rs0="$(lab_stat client rs_sent)"; c0="$(rs_pkts)"
t0="$(lab_now_ms)"
ip -n "$LAB_NS_CLIENT" addr add 10.77.0.3/24 dev eth0
dt=-1
while (( $(lab_now_ms) - t0 < 3000 )); do
	if (( $(rs_pkts) > c0 )); then dt=$(( $(lab_now_ms) - t0 )); break; fi
	sleep 0.005
done
if (( dt >= 0 && dt <= 1000 )); then pass "(iv) network change: RS left the client ${dt} ms after 'ip addr add' (NAT counter $c0 -> $(rs_pkts))"
else fail "(iv) network change: no RS within 1 s (waited ${dt} ms, NAT counter $c0 -> $(rs_pkts))"; fi
if lab_wait_stat_above client rs_sent "$rs0" 3; then pass "(iv) teredoctl: rs_sent $rs0 -> $(lab_stat client rs_sent)"
else fail "(iv) rs_sent did not grow ($rs0)"; fi
ip -n "$LAB_NS_CLIENT" addr del 10.77.0.3/24 dev eth0
lab_wait_until 3 "client qualified" lab_state_is client qualified
[[ $(lab_teredo_address "$LAB_NS_CLIENT" teredo) == "$ADDR" ]] && pass "(iv) address unchanged ($ADDR), state $(lab_state client)" ||
	fail "(iv) address changed: $(lab_teredo_address "$LAB_NS_CLIENT" teredo)"

# ---- (i) server restart -------------------------------------------------------------------------------------------
echo; echo "---- (i) server restart ----"
# the deletion above is a network change too: let its round (200 ms debounce, RS, RA) start (the second
# "re-qualifying" line) and finish (ra_accepted settled) before counting RAs
lab_wait_until 5 "the round after the deletion" bash -c "(( \$(grep -c re-qualifying '$LAB_DIR/client.log') >= 2 ))" ||
	fail "(i) no network-change round after the address deletion"
lab_wait_stat_settled client ra_accepted 5
ra0="$(lab_stat client ra_accepted)"
lab_stop server
sleep 1  # the scenario: the server is down for 1 s, then starts again
t0="$(lab_now_ms)"
lab_start_server "$TEREDOD_SERVER" || fail "(i) restart teredod-server"
tbound=$(( $(lab_now_ms) - t0 ))
if tp="$(wait_ping_ms "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 45)"; then pass "(i) first echo reply client -> v6host $tp ms after the server restart"
else fail "(i) no echo reply client -> v6host within 45 s of the server restart"; fi
if lab_wait_stat_above client ra_accepted "$ra0" 40; then
	trec=$(( $(lab_now_ms) - t0 ))
	pass "(i) re-confirmed by the restarted server ${trec} ms after its restart (server bound after ${tbound} ms; ra_accepted $ra0 -> $(lab_stat client ra_accepted), state $(lab_state client), server_losses $(lab_stat client server_losses))"
else fail "(i) no RA accepted from the restarted server within 40 s"; fi
lab_state_is client qualified && [[ $(lab_teredo_address "$LAB_NS_CLIENT" teredo) == "$ADDR" ]] &&
	pass "(i) qualified, address unchanged" || fail "(i) state $(lab_state client), address $(lab_teredo_address "$LAB_NS_CLIENT" teredo)"
pings_both "(i)"

# ---- (iii) primary server address down -> failover ----------------------------------------------------------------
echo; echo "---- (iii) primary server address down ----"
fo0="$(lab_stat client failovers)"; ra0="$(lab_stat client ra_accepted)"
lab_exec "$LAB_NS_SERVER" nft -f - <<-NFT
	table ip tdfault {
		chain input {
			type filter hook input priority 0; policy accept;
			ip daddr $LAB_SERVER_IP1 udp dport 3544 counter drop
		}
	}
NFT
# Traffic keeps flowing during the outage (one echo request a second): the relay and the client keep their peer
# entries fresh, so the data path does not need .10. (A relay that has to find the client anew sends its indirect
# bubble to the server named in the client's address, .10, which is down: that is inherent in Teredo addressing.)
lab_start bgping "$LAB_NS_CLIENT" ping -6 -n -i 1 -W 1 "$LAB_V6HOST_IP6"
t0="$(lab_now_ms)"
# Up to one refresh interval (30 s) until the next round, then 3 RS 4 s apart to .10 before the failover to .11.
if lab_wait_stat_above client failovers "$fo0" 50; then
	tf=$(( $(lab_now_ms) - t0 ))
	if lab_wait_stat_above client ra_accepted "$ra0" 10; then
		pass "(iii) failed over to $LAB_SERVER_IP2 ${tf} ms after $LAB_SERVER_IP1:3544 went down (failovers $fo0 -> $(lab_stat client failovers), ra_accepted $ra0 -> $(lab_stat client ra_accepted), rs_sent $(lab_stat client rs_sent))"
	else fail "(iii) failed over but no RA accepted from $LAB_SERVER_IP2"; fi
else fail "(iii) no failover within 50 s (failovers $(lab_stat client failovers))"; fi
dropped="$(lab_exec "$LAB_NS_SERVER" nft list table ip tdfault | awk '{for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}')"
figure "(iii) datagrams dropped at $LAB_SERVER_IP1:3544: ${dropped:-?}"
lab_state_is client qualified && [[ $(lab_teredo_address "$LAB_NS_CLIENT" teredo) == "$ADDR" ]] &&
	pass "(iii) still qualified with the same address (state qualified, server_losses $(lab_stat client server_losses))" ||
	fail "(iii) state $(lab_state client), address '$(lab_teredo_address "$LAB_NS_CLIENT" teredo)'"
pings_both "(iii)"
read -r bg_sent bg_recv <<<"$(lab_stop_ping bgping)"
bg_lost=$(( bg_sent - bg_recv ))
figure "(iii) background ping client -> v6host during the outage: $bg_recv of $bg_sent answered, $bg_lost lost"
# Bound: the outage lasts from the nft rule to the end of the ping checks above (the next refresh round, up to 30 s,
# 3 RS 4 s apart to .10, the failover to .11, the pings: 20 to 60 requests one a second). The data path never needs
# .10, so every request should be answered; at most 2 may be lost (one in flight when the ping is interrupted, one
# for a transient), and at least 15 must have been sent for the figure to mean anything.
(( bg_sent >= 15 && bg_lost <= 2 )) &&
	pass "(iii) traffic kept flowing during the outage: $bg_recv of $bg_sent background echo requests answered (<= 2 lost)" ||
	fail "(iii) traffic during the outage: $bg_recv of $bg_sent background echo requests answered ($bg_lost lost, want <= 2 of >= 15)"
lab_exec "$LAB_NS_SERVER" nft delete table ip tdfault

# ---- (ii) NAT state flushed ---------------------------------------------------------------------------------------
echo; echo "---- (ii) NAT conntrack flush ----"
ra0="$(lab_stat client ra_accepted)"; ac0="$(lab_stat client address_changes)"
entries="$(lab_exec "$LAB_NS_NAT" conntrack -C 2>/dev/null || echo '?')"
t0="$(lab_now_ms)"
lab_exec "$LAB_NS_NAT" conntrack -F >/dev/null 2>&1
# Inbound first (the worst case: nothing from the client re-opens the NAT for the relay before its own traffic).
if tin="$(wait_ping_ms "$LAB_NS_V6HOST" "$ADDR" 45)"; then pass "(ii) after 'conntrack -F' ($entries entries): v6host -> client works again after $tin ms"
else fail "(ii) v6host -> client still broken 45 s after 'conntrack -F'"; fi
if tout="$(wait_ping_ms "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 10)"; then pass "(ii) client -> v6host works ($((tout)) ms more)"
else fail "(ii) client -> v6host broken after the NAT flush"; fi
lab_wait_stat_above client ra_accepted "$ra0" 35 &&
	pass "(ii) refresh after the flush accepted after $(( $(lab_now_ms) - t0 )) ms (ra_accepted $ra0 -> $(lab_stat client ra_accepted))" ||
	fail "(ii) no RA accepted within 35 s of the flush"
now_addr="$(lab_teredo_address "$LAB_NS_CLIENT" teredo)"
if [[ $now_addr == "$ADDR" ]]; then info "(ii) address unchanged after the NAT flush (masquerade kept the port): $ADDR"
else info "(ii) address changed after the NAT flush: $ADDR -> $now_addr (address_changes $ac0 -> $(lab_stat client address_changes))"; ADDR="$now_addr"; fi
lab_state_is client qualified && [[ -n $now_addr ]] && pass "(ii) qualified (state qualified)" ||
	fail "(ii) state $(lab_state client)"
pings_both "(ii)"

lab_alive client && lab_alive server && lab_alive relay && pass "client, server and relay still running" ||
	fail "a daemon exited"
