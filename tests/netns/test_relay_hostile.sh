#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015  # summary() runs from a trap; pass() always succeeds
# tests/netns/test_relay_hostile.sh: OUR Teredo relay (teredod, RelayType relay) under hostile traffic.
#
# Lab (see lib.sh): teredod-server (ours), teredod relay (ours, BindPort 3545, MaxPeers $MAX_PEERS, -u nobody,
# ControlSocket $LAB_DIR/relay.sock: its counters are read with teredoctl), a Debian miredo client behind the NAT, qualified and pinging both ways. A background
# `ping -6 -i 0.2` from v6host to the client runs during every attack; its losses are counted (overall and during
# the native flood). Attacks (tests/netns/hostile_relay.py, /usr/bin/python3):
#   (i)   Teredo packets to 198.51.100.20:3545 (from the pubclient) whose outer source does not match their Teredo
#         source: random mappings, the sender's IPv4 with another port, the qualified client's own address (a hijack
#         attempt); UDP and echo requests to v6host. drop_source_mapping_mismatch grows by exactly the number sent,
#         no peer is created, nothing reaches v6host (UDP sink count 0, v6host Icmp6InEchos unchanged).
#   (ii)  a bubble flood with random Teredo sources/destinations: all counted as source_mapping_mismatch, no peer,
#         no bubble sent in answer.
#   (iii) a native flood: UDP from v6host to $FLOOD_COUNT distinct Teredo addresses (Teredo server 198.51.100.99, an
#         unused address of the lab segment, so the relay's indirect bubbles go nowhere) at $FLOOD_RATE/s. The relay's
#         stats are sampled every 0.2 s: peers <= MaxPeers throughout, peers_evicted grows, peers_created grows by
#         >= 200000; the background ping loses <= $MAX_FLOOD_LOSS_PCT% during the flood; afterwards ping6 5/5 both ways.
#   (iv)  malformed encapsulations (truncations, bad IP versions, garbage, wrong source/destination kinds), each
#         category counted under its drop reason.
# Then: the relay is alive; its VmRSS stays within a bound (see rss_check below) and a second native flood does not
# grow it by more than $MAX_LEAK_KB kB; no namespace is left.
#
# Environment: BUILD_DIR, RELAY_HOSTILE_FLOOD_COUNT (default 250000), RELAY_HOSTILE_FLOOD_RATE (default 40000/s),
#              RELAY_HOSTILE_MAX_PEERS (10000), RELAY_HOSTILE_MAX_FLOOD_LOSS_PCT (5), RELAY_HOSTILE_MAX_LEAK_KB (1024).
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, a tool or a teredod binary missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"
PY=/usr/bin/python3
HOSTILE="$HERE/hostile_relay.py"
RELAY_BIN="$BUILD_DIR/bin/teredod"
SERVER_BIN="$BUILD_DIR/bin/teredod-server"
FLOOD_COUNT="${RELAY_HOSTILE_FLOOD_COUNT:-250000}"
FLOOD_RATE="${RELAY_HOSTILE_FLOOD_RATE:-40000}"
MAX_PEERS="${RELAY_HOSTILE_MAX_PEERS:-10000}"
MAX_FLOOD_LOSS_PCT="${RELAY_HOSTILE_MAX_FLOOD_LOSS_PCT:-5}"
MAX_LEAK_KB="${RELAY_HOSTILE_MAX_LEAK_KB:-1024}"
FLOOD_SERVER=198.51.100.99   # no host has it: bubbles to it die in the relay's ARP queue
SINK_PORT=7777

need_root_and_tools ip nft ping miredo ss "$PY"
[[ -x $RELAY_BIN ]] || skip "teredod not built ($RELAY_BIN); build with cmake --build build"
[[ -x $SERVER_BIN ]] || skip "teredod-server not built ($SERVER_BIN)"

LAB_SERVER_USER=nobody
SUMMARY_NS_CHECK=1
RUN_CHECKS_OTHER=figure
summary_header() { echo "relay: $RELAY_BIN (RelayType relay, MaxPeers $MAX_PEERS); server: $SERVER_BIN; client: Debian miredo"; }
summary_dump() { lab_alive relay && { echo "===== relay stats ====="; lab_stats relay; }; }

# relay_rss_kb: VmRSS sum over the relay's teredod processes.
relay_rss_kb() {
	local p total=0
	for p in $( { echo "${LAB_PID[relay]:-}"; ip netns pids "$LAB_NS_RELAY" 2>/dev/null; } | sort -u); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == teredod ]] || continue
		total=$((total + $(lab_rss_kb "$p")))
	done
	echo "$total"
}

# v6host_in_echos: ICMPv6 echo requests received by v6host (it only sends echo requests itself).
# shellcheck disable=SC2016  # awk program
v6host_in_echos() { ip netns exec "$LAB_NS_V6HOST" awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6; }

# bgping_loss FROM_EPOCH TO_EPOCH: "lost sent" for the background ping's requests sent in [FROM, TO] (epoch seconds),
# from its -D log (a request's send time is estimated from the nearest answered one, 0.2 s apart).
bgping_loss() {
	"$PY" - "$LAB_DIR/bgping.log" "$1" "$2" <<-'PY'
		import re, sys
		t_from, t_to = float(sys.argv[2]), float(sys.argv[3])
		replies, last_seq = {}, 0
		for line in open(sys.argv[1], errors="replace"):
		    m = re.match(r"\[(\d+\.\d+)\] .*icmp_seq=(\d+)", line)
		    if m:
		        seq = int(m.group(2)); last_seq = max(last_seq, seq)
		        if "bytes from" in line:
		            replies.setdefault(seq, float(m.group(1)))
		if not replies:
		    print(0, 0); sys.exit()
		ref = sorted(replies.items())
		def send_time(seq):
		    lo = max((s for s, _ in ref if s <= seq), default=ref[0][0])
		    return replies[lo] + (seq - lo) * 0.2
		sent = lost = 0
		for seq in range(1, last_seq + 1):
		    if t_from <= send_time(seq) <= t_to:
		        sent += 1
		        lost += seq not in replies
		print(lost, sent)
	PY
}

echo "== teredod netns relay hostile-traffic test: relay = $RELAY_BIN"
lab_setup_checked
pass "lab topology up (7 namespaces)"

lab_start_server "$SERVER_BIN" && pass "server (teredod-server, user nobody) bound to $LAB_SERVER_IP1:3544 and $LAB_SERVER_IP2:3544" ||
	fatal "server start ($SERVER_BIN)"
lab_start_teredod_relay "$RELAY_BIN" "MaxPeers $MAX_PEERS" &&
	pass "relay (teredod, RelayType relay, MaxPeers $MAX_PEERS, user nobody) up, answers teredoctl" ||
	fatal "relay start ($RELAY_BIN)"
stats="$(lab_stats relay)"
missing=""
for k in peers peers_evicted peers_created peer_table_bytes drop_source_mapping_mismatch drop_datagram_too_short \
	drop_truncated_auth_header drop_truncated_origin_indication drop_not_ipv6 drop_truncated_ipv6_header \
	drop_ipv6_payload_truncated drop_source_not_teredo drop_teredo_to_teredo drop_non_global_destination; do
	grep -q "^$k " <<<"$stats" || missing+=" $k"
done
[[ -z $missing ]] && pass "relay stats list every counter the test needs" || fatal "relay stats lack:$missing"

lab_start_client client "$LAB_NS_CLIENT" miredo
ADDR="$(LAB_WAIT_FOR_PROC=client wait_teredo_address "$LAB_NS_CLIENT" teredo 15)" || fatal "client: no Teredo address within 15 s"
pass "miredo client behind the NAT qualified: $ADDR"
lab_ping_until "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 15 && lab_ping_until "$LAB_NS_V6HOST" "$ADDR" 15 &&
	pass "client <-> v6host path open both ways" || fatal "client <-> v6host does not answer before the attacks"

lab_start bgping "$LAB_NS_V6HOST" ping -6 -n -D -O -i 0.2 -W 2 "$ADDR"
sleep 1  # the background ping under way before the start-up figures
rss_start="$(relay_rss_kb)"
table_bytes="$(lab_stat relay peer_table_bytes)"
figure "relay after start-up: VmRSS $rss_start kB, peer_slots $(lab_stat relay peer_slots), peer_table_bytes $table_bytes"

# ---------------------------------------------------------------------------------------------------------- (i)
echo "== (i) spoofed Teredo source mappings"
in_echos0="$(v6host_in_echos)"
ready="$LAB_DIR/sink.ready"
ip netns exec "$LAB_NS_V6HOST" "$PY" "$HOSTILE" listen --port "$SINK_PORT" --seconds 12 --ready "$ready" \
	>"$LAB_DIR/sink.out" 2>&1 &
sink_pid=$!
lab_wait_until 5 "UDP sink in v6host" test -e "$ready" || fail "UDP sink did not start"
native0="$(lab_stat relay to_native_packets)"
t0="$(lab_now_ms)"
run_checks "$LAB_NS_PUBCLIENT" spoof --relay "$LAB_RELAY_IP" --bind "$LAB_PUBCLIENT_IP" --control "$LAB_DIR/relay.sock" --relay-pid "${LAB_PID[relay]}" \
	--dst "$LAB_V6HOST_IP6" --dport "$SINK_PORT" --count 4000 --victim "$ADDR"
elapsed_ms=$(( $(lab_now_ms) - t0 ))
native_d=$(( $(lab_stat relay to_native_packets) - native0 ))
wait "$sink_pid"
sink="$(awk '/^received/ { print $2 }' "$LAB_DIR/sink.out")"
echos_d=$(( $(v6host_in_echos) - in_echos0 ))
[[ ${sink:-x} == 0 && $echos_d == 0 ]] &&
	pass "spoofed packets never left the tunnel: v6host UDP sink received 0, Icmp6InEchos +0" ||
	fail "spoofed packets reached v6host: UDP sink received ${sink:-?}, Icmp6InEchos +$echos_d"
# the only legitimate native traffic meanwhile: the background ping's replies (5/s)
max_native=$(( elapsed_ms / 200 + 10 ))
[[ $native_d -le $max_native ]] && pass "to_native_packets +$native_d during the spoof attack (<= $max_native background ping replies)" ||
	fail "to_native_packets +$native_d during the spoof attack (> $max_native background ping replies)"

# ---------------------------------------------------------------------------------------------------------- (ii)
echo "== (ii) bubble flood with random Teredo sources"
run_checks "$LAB_NS_PUBCLIENT" bubbles --relay "$LAB_RELAY_IP" --bind "$LAB_PUBCLIENT_IP" --control "$LAB_DIR/relay.sock" --relay-pid "${LAB_PID[relay]}" \
	--count 20000
lab_alive relay && pass "relay alive after the bubble flood" || fatal "relay died during the bubble flood"

# ---------------------------------------------------------------------------------------------------------- (iii)
echo "== (iii) native flood: $FLOOD_COUNT distinct Teredo destinations at $FLOOD_RATE/s"
# native_flood SEED: run one flood, sampling the relay's stats every 0.2 s; sets FLOOD_* figures.
native_flood() {
	local seed="$1" name="flood$1"
	local created0 evicted0 tun0 unreach0
	created0="$(lab_stat relay peers_created)"; evicted0="$(lab_stat relay peers_evicted)"; tun0="$(lab_stat relay tun_packets)"; unreach0="$(lab_stat relay drop_peer_unreachable)"
	FLOOD_T0="$EPOCHREALTIME"
	lab_start "$name" "$LAB_NS_V6HOST" "$PY" "$HOSTILE" native-flood --server "$FLOOD_SERVER" --count "$FLOOD_COUNT" \
		--rate "$FLOOD_RATE" --seed "$seed"
	FLOOD_MAX_PEERS=0; FLOOD_SAMPLES=0
	local p
	while lab_alive "$name"; do
		p="$(lab_stat relay peers)"; FLOOD_SAMPLES=$((FLOOD_SAMPLES + 1))
		(( p > FLOOD_MAX_PEERS )) && FLOOD_MAX_PEERS=$p
		sleep 0.2
	done
	# the relay may still be draining its TUN queue: sample on until tun_packets stops moving (at most 5 s)
	local tun prev_tun=-1 i
	for ((i = 0; i < 20; i++)); do
		read -r p tun <<<"$(lab_stats relay | awk '{ v[$1] = $2 } END { print v["peers"] + 0, v["tun_packets"] + 0 }')"
		FLOOD_SAMPLES=$((FLOOD_SAMPLES + 1))
		(( p > FLOOD_MAX_PEERS )) && FLOOD_MAX_PEERS=$p
		[[ $tun == "$prev_tun" ]] && break
		prev_tun=$tun
		sleep 0.25
	done
	FLOOD_T1="$EPOCHREALTIME"
	FLOOD_SENT_LINE="$(cat "$LAB_DIR/$name.log")"
	FLOOD_CREATED=$(( $(lab_stat relay peers_created) - created0 ))
	FLOOD_EVICTED=$(( $(lab_stat relay peers_evicted) - evicted0 ))
	FLOOD_TUN=$(( $(lab_stat relay tun_packets) - tun0 ))
	FLOOD_UNREACH=$(( $(lab_stat relay drop_peer_unreachable) - unreach0 ))
	unset "LAB_PID[$name]"
}
native_flood 1
figure "native flood 1: generator '$FLOOD_SENT_LINE'; relay tun_packets +$FLOOD_TUN, peers_created +$FLOOD_CREATED," \
	"peers_evicted +$FLOOD_EVICTED, drop_peer_unreachable +$FLOOD_UNREACH; peers max $FLOOD_MAX_PEERS over $FLOOD_SAMPLES samples" \
	"(now $(lab_stat relay peers), queued_packets $(lab_stat relay queued_packets))"
[[ $FLOOD_MAX_PEERS -le $MAX_PEERS && $FLOOD_MAX_PEERS -gt 0 ]] &&
	pass "peers stayed <= MaxPeers during the flood (max $FLOOD_MAX_PEERS over $FLOOD_SAMPLES samples)" ||
	fail "peers max $FLOOD_MAX_PEERS during the flood (MaxPeers $MAX_PEERS)"
[[ $FLOOD_CREATED -ge 200000 ]] && pass "flood reached the relay: peers_created +$FLOOD_CREATED (>= 200000 distinct destinations)" ||
	fail "flood: only peers_created +$FLOOD_CREATED (want >= 200000; tun_packets +$FLOOD_TUN)"
[[ $FLOOD_EVICTED -ge $(( FLOOD_CREATED - MAX_PEERS )) && $FLOOD_EVICTED -gt 0 ]] &&
	pass "peers_evicted +$FLOOD_EVICTED (>= created - MaxPeers = $(( FLOOD_CREATED - MAX_PEERS )))" ||
	fail "peers_evicted +$FLOOD_EVICTED (want >= $(( FLOOD_CREATED - MAX_PEERS )))"
lab_alive relay && pass "relay alive after the native flood" || fatal "relay died during the native flood"
read -r flood_lost flood_pings <<<"$(bgping_loss "$FLOOD_T0" "$FLOOD_T1")"
flood_loss_pct="$(awk -v l="$flood_lost" -v s="$flood_pings" 'BEGIN { printf "%.1f", s ? 100 * l / s : 100 }')"
figure "background ping during native flood 1: $flood_lost lost of $flood_pings ($flood_loss_pct%)"
[[ $flood_pings -gt 0 ]] && awk -v p="$flood_loss_pct" -v m="$MAX_FLOOD_LOSS_PCT" 'BEGIN { exit !(p <= m) }' &&
	pass "background ping v6host -> client during the flood: $flood_lost/$flood_pings lost ($flood_loss_pct% <= $MAX_FLOOD_LOSS_PCT%)" ||
	fail "background ping v6host -> client during the flood: $flood_lost/$flood_pings lost ($flood_loss_pct% > $MAX_FLOOD_LOSS_PCT%)"
line="$(lab_ping "$LAB_NS_V6HOST" "$ADDR" 5 after-flood-in)" && pass "fresh ping6 v6host -> client after the flood: $line" ||
	fail "fresh ping6 v6host -> client after the flood: $line"
line="$(lab_ping "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 5 after-flood-out)" && pass "fresh ping6 client -> v6host after the flood: $line" ||
	fail "fresh ping6 client -> v6host after the flood: $line"
rss_flood1="$(relay_rss_kb)"

# ---------------------------------------------------------------------------------------------------------- (iv)
echo "== (iv) malformed encapsulations"
run_checks "$LAB_NS_PUBCLIENT" malformed --relay "$LAB_RELAY_IP" --bind "$LAB_PUBCLIENT_IP" --control "$LAB_DIR/relay.sock"
lab_alive relay && pass "relay alive after the malformed encapsulations" || fatal "relay died after the malformed encapsulations"

# ---------------------------------------------------------------------------------------------------------- memory
# Leak check: a second flood of fresh destinations over a table already full must not grow the RSS. Bound: all
# relay memory is allocated at start-up (peer table of MaxPeers slots, queue pool of 4096 packets of MTU 1280) and
# touched during the floods, so the RSS may grow from the start-up value by at most peer_table_bytes + 4096 * 1280
# (queue pool) + 4 MiB (allocator arenas, stacks, stats buffers).
native_flood 2
figure "native flood 2: generator '$FLOOD_SENT_LINE'; relay tun_packets +$FLOOD_TUN, peers_created +$FLOOD_CREATED, peers_evicted +$FLOOD_EVICTED, peers max $FLOOD_MAX_PEERS"
[[ $FLOOD_MAX_PEERS -le $MAX_PEERS ]] && pass "second flood: peers max $FLOOD_MAX_PEERS <= $MAX_PEERS" ||
	fail "second flood: peers max $FLOOD_MAX_PEERS > $MAX_PEERS"
sleep 1  # the relay idle again (its queued packets sent or dropped) before the RSS reading
rss_end="$(relay_rss_kb)"
bound_kb=$(( rss_start + table_bytes / 1024 + 4096 * 1280 / 1024 + 4096 ))
figure "relay VmRSS: start $rss_start kB, after flood 1 $rss_flood1 kB, after malformed + flood 2 $rss_end kB (bound $bound_kb kB)"
if sanitized; then
	echo "### memory bounds not checked: the daemons are built with sanitizers (VmRSS above)"
else
	[[ $rss_end -gt 0 && $rss_end -le $bound_kb ]] &&
		pass "relay VmRSS $rss_end kB <= start $rss_start + peer table $((table_bytes / 1024)) + queue pool 5120 + 4096 kB = $bound_kb kB" ||
		fail "relay VmRSS $rss_end kB > bound $bound_kb kB (start $rss_start kB)"
	[[ $(( rss_end - rss_flood1 )) -le $MAX_LEAK_KB ]] &&
		pass "no growth from a second flood: VmRSS $rss_flood1 -> $rss_end kB (+$(( rss_end - rss_flood1 )) <= $MAX_LEAK_KB kB)" ||
		fail "VmRSS grew by $(( rss_end - rss_flood1 )) kB over the second flood ($rss_flood1 -> $rss_end kB, max $MAX_LEAK_KB)"
fi

line="$(lab_ping "$LAB_NS_V6HOST" "$ADDR" 5 final-in)" && pass "final ping6 v6host -> client: $line" || fail "final ping6 v6host -> client: $line"
line="$(lab_ping "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 5 final-out)" && pass "final ping6 client -> v6host: $line" ||
	fail "final ping6 client -> v6host: $line"

# background ping totals
read -r bg_sent bg_recv <<<"$(lab_stop_ping bgping)"
figure "background ping v6host -> client over all attacks: $(grep 'packets transmitted' "$LAB_DIR/bgping.log" || echo 'no summary')"
[[ $bg_sent -gt 0 && $(( (bg_sent - bg_recv) * 100 )) -le $(( bg_sent * MAX_FLOOD_LOSS_PCT )) ]] &&
	pass "background ping over all attacks: $bg_recv/$bg_sent answered" ||
	fail "background ping over all attacks: $bg_recv/$bg_sent answered"

lab_alive server && pass "server still running" || fail "server died"
lab_alive relay && pass "relay still running at the end" || fail "relay died"
figure "final relay counters: $(lab_stats relay | grep -vE '^drop_[a-z0-9_]+ 0$' | tr '\n' ' ')"
lab_stop relay
log_has relay 'Totals: ' && pass "relay logged its totals at exit" || fail "no 'Totals: ' line in the relay's log after its exit"
exit "$FAILED"
