#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_server_hostile.sh [SERVER_CMD]: teredod-server under hostile traffic in a namespace lab.
#
# Starts OUR Teredo server (ControlSocket $LAB_DIR/server.sock, -u nobody), then from the public client namespace
# (198.51.100.40) sends to 198.51.100.10:3544, with tests/netns/hostile_server.py (/usr/bin/python3):
#   (1) garbage: empty, 1-byte, bare auth/origin headers, IPv4-looking, random bytes, oversized datagrams;
#   (2) every truncation of a valid RS-with-auth datagram (with and without client id / auth value) and RS whose
#       ICMPv6 message is cut;
#   (3) RS with a bad ICMPv6 checksum, with hop limit != 255, with a non-zero code;
#   (4) policy violations: spoofed Teredo source mapping, native source to another server's client / wrong
#       prefix, link-local and other non-global destinations, the server's own link-local, non-global mapped
#       destinations, ICMPv6 > 88 bytes, non-ICMPv6 payloads, and (raw socket) non-global IPv4 sources;
#   (5) an RS flood: teredo-rsflood (200k RS in 10 s from 256 source ports), else a python socket flood.
#       The server's token buckets hold its RAs to one address to DestinationRateLimit (200/s, burst 400, per
#       worker); the rest are counted rate_limited_destination / rate_limited_source.
#   (6) spoofed floods with forged IPv4 sources (raw socket), aimed at a victim 203.0.113.66 that the server routes
#       to the public client: RSs from the victim's address (reflected RAs), then bubbles from random forged /24s to
#       a Teredo address naming the victim (bounced). An nftables counter measures what reaches the victim: at most
#       workers x (400 + 200/s). Meanwhile a probe from the public client gets its RA within 1 s, a Debian miredo
#       client behind the NAT qualifies (RS flood), and a probe from behind the NAT is answered (bounce flood).
# For each category of (1)-(4) the deltas of the server's counters (teredoctl stats, read by hostile_server.py on the
# control socket) must show every packet received, counted under the drop reason it must produce (count >= packets
# sent), no RA and nothing forwarded. Afterwards: the server is alive, a
# fresh RS with a known nonce gets a valid RA within 1 s (nonce echoed, origin indication = sender address:port,
# prefix 2001:0:c633:640a::/64) from the public client, from behind the NAT and for a cone RS (answered from .11);
# VmRSS growth over the flood <= HOSTILE_MAX_RSS_GROWTH_KB (default 2048) compared with the value after start-up
# and a warm-up flood; the counters add up; a Debian miredo client behind the NAT qualifies; no namespace is left.
#
# SERVER_CMD (argument or environment): default $BUILD_DIR/bin/teredod-server.
# Environment: HOSTILE_FLOOD_RATE (RS/s, default 20000), HOSTILE_FLOOD_SECONDS (default 10), HOSTILE_SPOOF_RATE
#              (forged datagrams/s, default 20000), HOSTILE_SPOOF_SECONDS (default 8), HOSTILE_RSFLOOD
#              (load generator; a missing file selects the python socket flood),
#              HOSTILE_MAX_RSS_GROWTH_KB (default 2048).
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, a required tool or the server binary missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"
PY=/usr/bin/python3
HOSTILE="$HERE/hostile_server.py"
RSFLOOD="${HOSTILE_RSFLOOD:-$BUILD_DIR/bin/teredo-rsflood}"
FLOOD_RATE="${HOSTILE_FLOOD_RATE:-20000}"
FLOOD_SECONDS="${HOSTILE_FLOOD_SECONDS:-10}"
MAX_RSS_GROWTH_KB="${HOSTILE_MAX_RSS_GROWTH_KB:-2048}"

need_root_and_tools ip nft ping miredo ss "$PY"

if [[ $# -gt 0 ]]; then
	SERVER_CMD="$*"
elif [[ -z ${SERVER_CMD:-} ]]; then
	SERVER_CMD="$BUILD_DIR/bin/teredod-server"
	[[ -x $SERVER_CMD ]] || skip "teredod-server not built ($SERVER_CMD); build with cmake --build build"
fi
read -r -a SERVER_ARGV <<<"$SERVER_CMD"
command -v "${SERVER_ARGV[0]}" >/dev/null 2>&1 || { echo "FAIL: server command not found: ${SERVER_ARGV[0]}"; exit 1; }

LAB_SERVER_USER=nobody
SUMMARY_NS_CHECK=1
summary_header() { echo "server: $SERVER_CMD"; }
summary_dump() { lab_alive server && { echo "===== server stats ====="; lab_stats server; }; }

# server_pids: every teredod-server process of the lab (the started one and any other in the server namespace).
server_pids() {
	local p
	{
		[[ -n ${LAB_PID[server]:-} ]] && echo "${LAB_PID[server]}"
		for p in $(ip netns pids "$LAB_NS_SERVER" 2>/dev/null); do
			[[ $(cat "/proc/$p/comm" 2>/dev/null) == teredod-server ]] && echo "$p"
		done
	} | sort -u
}

# server_rss_kb: sum of VmRSS (kB) over server_pids.
server_rss_kb() {
	local p total=0 v
	for p in $(server_pids); do
		v="$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)"
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# wait_stats_quiet: wait until the "received" counter stops moving (2 consecutive equal readings 0.3 s apart).
wait_stats_quiet() { lab_wait_stat_settled server received 15; }

# probe LABEL NS ARGS...: one fresh RS, valid RA within 1 s.
probe() {
	local label="$1" ns="$2"; shift 2
	run_checks "$ns" probe --server "$LAB_SERVER_IP1" --secondary "$LAB_SERVER_IP2" --label "$label" --timeout 1 "$@"
}

# rs_flood SECONDS RATE: RS flood from the public client; prints the number of RS sent.
rs_flood() {
	local secs="$1" rate="$2" out count=$(( $1 * $2 ))
	if [[ -x $RSFLOOD ]]; then
		out="$(ip netns exec "$LAB_NS_PUBCLIENT" "$RSFLOOD" --server "$LAB_SERVER_IP1" --bind "$LAB_PUBCLIENT_IP" \
			--ports 256 --rate "$rate" --duration "$secs" --warmup 0 --json 2>"$LAB_DIR/rsflood.err")" || {
			echo "teredo-rsflood failed: $(cat "$LAB_DIR/rsflood.err")" >&2; echo 0; return 1; }
		echo "$out" >>"$LAB_DIR/rsflood.log"
		"$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["total_sent"], d["total_received_valid"])' "$out"
	else
		out="$(ip netns exec "$LAB_NS_PUBCLIENT" "$PY" "$HOSTILE" flood --server "$LAB_SERVER_IP1" \
			--bind "$LAB_PUBCLIENT_IP" --count "$count" --seconds "$secs" --ports 256)" || { echo 0; return 1; }
		echo "$(awk '/^sent/ { print $2 }' <<<"$out") n/a"
	fi
}

echo "== teredod netns hostile-traffic test: server = $SERVER_CMD"
lab_setup_checked
pass "lab topology up (7 namespaces)"

lab_write_server_conf "ControlSocket $LAB_DIR/server.sock" >/dev/null
lab_start_server "${SERVER_ARGV[@]}" && pass "server (user $LAB_SERVER_USER) bound to $LAB_SERVER_IP1:3544 and $LAB_SERVER_IP2:3544" ||
	fatal "server start ($SERVER_CMD)"
lab_wait_ctl server 5 && pass "server answers teredoctl on $LAB_DIR/server.sock" ||
	fatal "the server does not answer on its control socket ($LAB_DIR/server.sock)"
WORKERS="$(lab_json server 'd["workers"]' status)"
[[ $WORKERS =~ ^[0-9]+$ && $WORKERS -ge 1 ]] && pass "server runs $WORKERS workers (each keeps its own token buckets)" ||
	fatal "teredoctl status: workers '$WORKERS'"
stats="$(lab_stats server)"
missing=""
for reason in datagram_too_short truncated_auth_header truncated_origin_indication not_ipv6 truncated_ipv6_header \
	ipv6_payload_truncated truncated_icmpv6 bad_icmpv6_checksum bad_icmpv6_code bad_hop_limit not_bubble_or_icmpv6 \
	non_global_source source_mapping_mismatch foreign_client_destination unexpected_local_destination \
	non_global_destination non_global_mapped_destination oversized_icmpv6 rate_limited_source rate_limited_destination; do
	grep -q "^drop_$reason " <<<"$stats" || missing+=" $reason"
done
[[ -z $missing ]] && pass "teredoctl stats lists every drop reason the test needs" ||
	fail "teredoctl stats lacks drop reasons:$missing"

probe "before attack" "$LAB_NS_PUBCLIENT" --bind "$LAB_PUBCLIENT_IP"

# warm-up: touch every worker's buffers before taking the memory baseline
read -r warm_sent warm_valid <<<"$(rs_flood 2 "$FLOOD_RATE")"
wait_stats_quiet
rss0="$(server_rss_kb)"
echo "   warm-up flood: $warm_sent RS sent, $warm_valid valid RA; server VmRSS after warm-up: ${rss0} kB (pids $(server_pids | tr '\n' ' '))"
[[ $rss0 -gt 0 ]] && pass "server VmRSS measured after start-up and warm-up: $rss0 kB" || fail "cannot read the server's VmRSS"

# (1)-(4)
run_checks "$LAB_NS_PUBCLIENT" attack --server "$LAB_SERVER_IP1" --bind "$LAB_PUBCLIENT_IP" --control "$LAB_DIR/server.sock"
lab_alive server && pass "server alive after garbage, truncations, bad RS and policy violations" ||
	fatal "server died during the hostile categories"

# (5) RS flood
wait_stats_quiet
rs_before="$(lab_stat server router_solicitations)"; ra_before="$(lab_stat server router_advertisements)"; rcv_before="$(lab_stat server received)"
limited_before=$(( $(lab_stat server drop_rate_limited_destination) + $(lab_stat server drop_rate_limited_source) ))
t0="$(lab_now_ms)"
read -r flood_sent flood_valid <<<"$(rs_flood "$FLOOD_SECONDS" "$FLOOD_RATE")"
t1="$(lab_now_ms)"
echo "   flood: $flood_sent RS sent in $(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 )) s, $flood_valid valid RA seen by the generator"
[[ ${flood_sent:-0} -ge $(( FLOOD_SECONDS * FLOOD_RATE * 9 / 10 )) ]] && pass "RS flood sent $flood_sent RS (target $(( FLOOD_SECONDS * FLOOD_RATE )))" ||
	fail "RS flood sent only ${flood_sent:-0} RS (target $(( FLOOD_SECONDS * FLOOD_RATE )))"
lab_alive server && pass "server alive after the RS flood" || fatal "server died during the RS flood"

# a legitimate client is answered at once, right after the flood
probe "after flood" "$LAB_NS_PUBCLIENT" --bind "$LAB_PUBCLIENT_IP"
probe "after flood" "$LAB_NS_PUBCLIENT" --bind "$LAB_PUBCLIENT_IP" --cone
probe "after flood, behind NAT" "$LAB_NS_CLIENT" --bind "$LAB_CLIENT_IP" --expect-origin "$LAB_NAT_PUBLIC_IP" --any-port

wait_stats_quiet
rs_d=$(( $(lab_stat server router_solicitations) - rs_before )); ra_d=$(( $(lab_stat server router_advertisements) - ra_before ))
rcv_d=$(( $(lab_stat server received) - rcv_before ))
echo "   server during flood: received +$rcv_d, router_solicitations +$rs_d, router_advertisements +$ra_d"
limited_d=$(( $(lab_stat server drop_rate_limited_destination) + $(lab_stat server drop_rate_limited_source) - limited_before ))
# One source address: its RAs are held to DestinationRateLimit (200/s, burst 400) in each worker.
ra_max=$(( WORKERS * (400 + 200 * (FLOOD_SECONDS + 2)) ))
[[ $rs_d -ge $(( ${flood_sent:-0} / 2 )) && $ra_d -ge 1 && $ra_d -le $ra_max && $(( ra_d + limited_d )) -eq $rs_d ]] &&
	pass "flood from one address rate-limited: $ra_d RA (at most $ra_max) for $rs_d RS accepted of $flood_sent sent, $limited_d counted rate_limited_* ($rcv_d datagrams received)" ||
	fail "flood: $ra_d RA (at most $ra_max) for $rs_d RS accepted of $flood_sent sent, $limited_d rate_limited_* ($rcv_d received)"

rss1="$(server_rss_kb)"
growth=$(( rss1 - rss0 ))
if sanitized; then
	echo "### server VmRSS $rss0 kB -> $rss1 kB after the flood: bound not checked (daemons built with sanitizers)"
else
	[[ $growth -le $MAX_RSS_GROWTH_KB ]] && pass "server VmRSS $rss0 kB -> $rss1 kB after the flood (+$growth kB <= $MAX_RSS_GROWTH_KB kB)" ||
		fail "server VmRSS $rss0 kB -> $rss1 kB after the flood (+$growth kB > $MAX_RSS_GROWTH_KB kB)"
fi

# counters add up: every received datagram was answered, forwarded or dropped (send failures may be counted twice)
read -r rcv ra ft fn dt sf <<<"$(lab_stats server | awk '{ v[$1] = $2 } END { print v["received"] + 0,
	v["router_advertisements"] + 0, v["forwarded_teredo"] + 0, v["forwarded_native"] + 0, v["drops_total"] + 0,
	v["drop_send_failed"] + 0 }')"  # one reading
accounted=$(( ra + ft + fn + dt - sf ))
diff=$(( rcv - accounted )); (( diff < 0 )) && diff=$(( -diff ))
[[ $diff -le $sf ]] && pass "counters add up: received $rcv = RA $ra + forwarded $ft+$fn + drops $dt (send_failed $sf)" ||
	fail "counters do not add up: received $rcv vs RA $ra + forwarded $ft+$fn + drops $dt - send_failed $sf"

# (6) spoofed floods at a victim (203.0.113.66, "behind" the public client: the server routes 203.0.113.0/24 and
# 192.0.2.0/24 there, and an nftables counter in the public client's namespace counts what reaches the victim).
# While each runs, legitimate clients must be served: a probe from the public client, and (during the RS flood) a
# Debian miredo client behind the NAT qualifying.
VICTIM=203.0.113.66
SPOOF_RATE="${HOSTILE_SPOOF_RATE:-20000}"
SPOOF_SECONDS="${HOSTILE_SPOOF_SECONDS:-8}"
for net in 203.0.113.0/24 192.0.2.0/24; do
	ip -n "$LAB_NS_SERVER" route add "$net" via "$LAB_PUBCLIENT_IP" || fatal "route $net in the server namespace"
done
ip netns exec "$LAB_NS_PUBCLIENT" nft -f - <<-EOF || fatal "victim counter"
	table ip victim {
		counter reached { }
		chain pre { type filter hook prerouting priority -300; ip daddr $VICTIM udp sport 3544 counter name reached; }
	}
EOF
victim_packets() {
	ip netns exec "$LAB_NS_PUBCLIENT" nft list counter ip victim reached | awk '/packets/ { print $2 }'
}

# rate_limited: the server's drops by either token bucket.
rate_limited() { echo $(( $(lab_stat server drop_rate_limited_destination) + $(lab_stat server drop_rate_limited_source) )); }

# spoof_flood KIND: runs the flood in the background; sets SPOOF_PID and SPOOF_OUT.
spoof_flood() {
	SPOOF_OUT="$LAB_DIR/spoof-$1.out"
	ip netns exec "$LAB_NS_PUBCLIENT" "$PY" "$HOSTILE" spoof --kind "$1" --server "$LAB_SERVER_IP1" --victim "$VICTIM" \
		--rate "$SPOOF_RATE" --seconds "$SPOOF_SECONDS" >"$SPOOF_OUT" 2>&1 &
	SPOOF_PID=$!
}

# spoof_report KIND WHAT T0_MS VICTIM0 LIMITED0: waits for the flood, checks what reached the victim.
spoof_report() {
	local kind="$1" what="$2" t0="$3" v0="$4" l0="$5" sent secs got limited max
	wait "$SPOOF_PID"
	sent="$(awk '/^sent/ { print $2 }' "$SPOOF_OUT")"
	secs=$(( ($(lab_now_ms) - t0 + 999) / 1000 ))
	wait_stats_quiet
	got=$(( $(victim_packets) - v0 ))
	limited=$(( $(rate_limited) - l0 ))
	max=$(( WORKERS * (400 + 200 * (secs + 1)) ))
	[[ ${sent:-0} -ge $(( SPOOF_RATE * SPOOF_SECONDS * 8 / 10 )) ]] && pass "spoofed $kind flood: $sent datagrams in ~${secs} s" ||
		fail "spoofed $kind flood sent only '${sent:-0}' ($(tail -1 "$SPOOF_OUT"))"
	[[ $got -ge 1 && $got -le $max && $limited -ge $(( ${sent:-0} / 2 )) ]] &&
		pass "spoofed $kind flood: the victim received $got $what for $sent forged requests (at most $max: $WORKERS workers x (burst 400 + 200/s)); rate_limited_* +$limited" ||
		fail "spoofed $kind flood: the victim received $got $what for ${sent:-0} (at most $max); rate_limited_* +$limited"
}

wait_stats_quiet
v0="$(victim_packets)"; l0="$(rate_limited)"; t0="$(lab_now_ms)"
spoof_flood rs
sleep 1
probe "during a spoofed RS flood" "$LAB_NS_PUBCLIENT" --bind "$LAB_PUBCLIENT_IP"
# a Debian miredo client behind the NAT qualifies meanwhile
lab_start_client client "$LAB_NS_CLIENT" miredo
if addr="$(LAB_WAIT_FOR_PROC=client wait_teredo_address "$LAB_NS_CLIENT" teredo 15)"; then
	q_ms=$(( $(lab_now_ms) - t0 ))
	eval "$(teredo_decode "$addr")"
	[[ $TEREDO_SERVER == "$LAB_SERVER_IP1" && $TEREDO_MAPPED_IP == "$LAB_NAT_PUBLIC_IP" ]] &&
		pass "miredo client behind the NAT qualified during the spoofed RS flood: $addr, $q_ms ms after the flood began (server $TEREDO_SERVER, mapped $TEREDO_MAPPED_IP:$TEREDO_MAPPED_PORT)" ||
		fail "miredo client address $addr: server $TEREDO_SERVER mapped $TEREDO_MAPPED_IP, expected $LAB_SERVER_IP1 / $LAB_NAT_PUBLIC_IP"
else
	fail "miredo client behind the NAT: no Teredo address within 15 s during the spoofed RS flood"
fi
if kill -0 "$SPOOF_PID" 2>/dev/null; then
	pass "the spoofed RS flood was still running when the client had qualified"
else
	fail "the spoofed RS flood ended before the client qualified (raise HOSTILE_SPOOF_SECONDS)"
fi
spoof_report rs "RAs" "$t0" "$v0" "$l0"

wait_stats_quiet
v0="$(victim_packets)"; l0="$(rate_limited)"; t0="$(lab_now_ms)"
spoof_flood bounce
sleep 1
probe "during a spoofed bounce flood" "$LAB_NS_PUBCLIENT" --bind "$LAB_PUBCLIENT_IP"
probe "during a spoofed bounce flood, behind NAT" "$LAB_NS_CLIENT" --bind "$LAB_CLIENT_IP" --expect-origin "$LAB_NAT_PUBLIC_IP" --any-port
spoof_report bounce "bounced bubbles" "$t0" "$v0" "$l0"

lab_alive server && pass "server still running at the end" || fail "server died"
echo "   final server counters: $(lab_stats server | grep -vE '^drop_[a-z0-9_]+ 0$' | tr '\n' ' ')"
lab_stop server
log_has server 'Totals: ' && pass "server logged its totals at exit ($(grep -o 'Totals: received=[0-9]*' "$LAB_DIR/server.log"))" ||
	fail "no 'Totals: ' line in the server's log after its exit"
exit "$FAILED"
