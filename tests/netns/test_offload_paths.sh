#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015  # summary() runs from a trap; pass() always succeeds
# tests/netns/test_offload_paths.sh: the relay and client data paths with and without offloads (issue 7).
#
#   client (teredod client) --NAT-- server (teredod-server) / relay (teredod relay) --::20-- v6host ::100
#
# Two runs: (1) default configuration (offloads probed and on), (2) `Offload no` on both relay and client.
# Each run checks: the log names the offloads in use; TCP both ways (iperf3, and a 32 MiB transfer whose SHA-256 must
# match on both ends, both directions); UDP both ways (iperf3 -u, 1200-byte datagrams, no errors, the receiver gets
# data); ping6 with 1232 data bytes (exactly the 1280 MTU) both ways; 1300 bytes with DF must be refused with an MTU of
# 1280 (Packet Too Big / local MTU error); outer IPv4 TOS 00 while the inner traffic class (ECN bits) is preserved.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a required tool is missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping iperf3 python3 ss tcpdump
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || { echo "FAIL: build teredod and teredod-server first ($BUILD_DIR)"; exit 1; }

# sha_transfer SEND_NS RECV_NS DEST_ADDR NAME: 32 MiB of random bytes over TCP port 5301; prints "SENT_SHA RECV_SHA".
sha_transfer() {
	local sns="$1" rns="$2" dst="$3" name="$4"
	ip netns exec "$rns" python3 - "$LAB_DIR/$name.recv" <<-'PY' &
		import hashlib, socket, sys
		s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		s.bind(("::", 5301)); s.listen(1); s.settimeout(20)
		c, _ = s.accept(); c.settimeout(20); h = hashlib.sha256()
		while True:
		    b = c.recv(1 << 20)
		    if not b: break
		    h.update(b)
		open(sys.argv[1], "w").write(h.hexdigest())
	PY
	local rpid=$!
	lab_wait_until 5 "sha receiver listening" \
		bash -c "ip netns exec '$rns' ss -Hltn | awk '{print \$4}' | grep -q ':5301\$'" || true
	local sent
	sent="$(timeout 30 ip netns exec "$sns" python3 - "$dst" <<-'PY'
		import hashlib, os, socket, sys
		c = socket.create_connection((sys.argv[1], 5301), timeout=20); h = hashlib.sha256()
		for _ in range(32):
		    b = os.urandom(1 << 20); h.update(b); c.sendall(b)
		c.shutdown(socket.SHUT_WR); c.recv(1); print(h.hexdigest())
	PY
	)"
	wait "$rpid" 2>/dev/null
	printf '%s %s\n' "${sent:-none}" "$(cat "$LAB_DIR/$name.recv" 2>/dev/null || echo none)"
}

# udp_iperf SERVER_NS CLIENT_NS DEST NAME: iperf3 -u, 1200-byte datagrams at 300 Mbit/s for 2 s. Prints
# "RECEIVED_PACKETS LOST_PERCENT ERROR".
udp_iperf() {
	local sns="$1" cns="$2" dst="$3" name="$4"
	ip netns exec "$sns" iperf3 -s -1 -6 -p 5202 >"$LAB_DIR/iperf3u-$name.server.log" 2>&1 &
	local spid=$!
	lab_wait_until 5 "iperf3 udp server" \
		bash -c "ip netns exec '$sns' ss -Hltn | awk '{print \$4}' | grep -q ':5202\$'" || true
	timeout 25 ip netns exec "$cns" iperf3 -6 -u -c "$dst" -p 5202 -t 2 -l 1200 -b 300M -J \
		>"$LAB_DIR/iperf3u-$name.json" 2>&1
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	python3 - "$LAB_DIR/iperf3u-$name.json" <<-'PY'
		import json, sys
		try:
		    d = json.load(open(sys.argv[1])); s = d["end"]["sum"]
		    print(int(s["packets"]) - int(s["lost_packets"]), f'{s["lost_percent"]:.1f}', d.get("error", "none").replace(" ", "_"))
		except Exception as e:
		    print(0, 100, type(e).__name__)
	PY
}

run_paths() {
	local tag="$1"; shift  # remaining: extra config lines for relay and client
	local addr
	lab_start_teredod_relay "$TEREDOD" "$@" || { fail "$tag: relay started"; return; }
	lab_start_teredod_client "client-$tag" "$LAB_NS_CLIENT" "$TEREDOD" "$@"
	if ! addr="$(LAB_WAIT_FOR_PROC="client-$tag" wait_teredo_address "$LAB_NS_CLIENT" teredo 30)"; then
		fail "$tag: client qualified"
		lab_stop relay; lab_stop "client-$tag"
		return
	fi
	pass "$tag: client qualified as $addr"
	lab_ping_until "$LAB_NS_V6HOST" "$addr" 10 || fail "$tag: path v6host -> client warmed up"

	# The log line naming the offloads.
	local rlog clog
	rlog="$(grep -o 'offloads: .*' "$LAB_DIR/relay.log" | head -n1)"
	clog="$(grep -o 'offloads: .*' "$LAB_DIR/client-$tag.log" | head -n1)"
	if [[ $tag == on ]]; then
		[[ $rlog == *"tun csum+tso6"* && $rlog == *"udp gso"* && $rlog == *"udp gro"* && $clog == *"tun csum+tso6"* ]] &&
			pass "$tag: offloads logged (relay '$rlog', client '$clog')" ||
			fail "$tag: offloads logged (relay '$rlog', client '$clog')"
	else
		[[ $rlog == "offloads: none" && $clog == "offloads: none" ]] &&
			pass "$tag: offloads off logged (relay '$rlog', client '$clog')" ||
			fail "$tag: offloads off logged (relay '$rlog', client '$clog')"
	fi

	local out
	out="$(lab_iperf3 "$LAB_NS_CLIENT" "$LAB_NS_V6HOST" "$addr" 3 "tcp-down-$tag")" &&
		pass "$tag: TCP v6host -> client: $out" || fail "$tag: TCP v6host -> client: $out"
	out="$(lab_iperf3 "$LAB_NS_V6HOST" "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 3 "tcp-up-$tag")" &&
		pass "$tag: TCP client -> v6host: $out" || fail "$tag: TCP client -> v6host: $out"

	local a b
	read -r a b <<<"$(sha_transfer "$LAB_NS_V6HOST" "$LAB_NS_CLIENT" "$addr" "sha-down-$tag")"
	[[ $a != none && $a == "$b" ]] && pass "$tag: 32 MiB v6host -> client intact (sha256 ${a:0:16}...)" ||
		fail "$tag: 32 MiB v6host -> client: sent $a received $b"
	read -r a b <<<"$(sha_transfer "$LAB_NS_CLIENT" "$LAB_NS_V6HOST" "$LAB_V6HOST_IP6" "sha-up-$tag")"
	[[ $a != none && $a == "$b" ]] && pass "$tag: 32 MiB client -> v6host intact (sha256 ${a:0:16}...)" ||
		fail "$tag: 32 MiB client -> v6host: sent $a received $b"

	local got lost err
	read -r got lost err <<<"$(udp_iperf "$LAB_NS_CLIENT" "$LAB_NS_V6HOST" "$addr" "down-$tag")"
	[[ $err == none && $got -gt 1000 ]] && pass "$tag: UDP v6host -> client: $got datagrams delivered ($lost% lost)" ||
		fail "$tag: UDP v6host -> client: $got delivered, $lost% lost, error $err"
	read -r got lost err <<<"$(udp_iperf "$LAB_NS_V6HOST" "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" "up-$tag")"
	[[ $err == none && $got -gt 1000 ]] && pass "$tag: UDP client -> v6host: $got datagrams delivered ($lost% lost)" ||
		fail "$tag: UDP client -> v6host: $got delivered, $lost% lost, error $err"

	# MTU: 1232 data bytes = a 1280-byte packet passes; 1300 with DF is refused with MTU 1280.
	lab_exec "$LAB_NS_V6HOST" ping -6 -n -c 2 -W 2 -s 1232 -M "do" "$addr" >/dev/null 2>&1 &&
		pass "$tag: ping6 1232 bytes v6host -> client" || fail "$tag: ping6 1232 bytes v6host -> client"
	lab_exec "$LAB_NS_CLIENT" ping -6 -n -c 2 -W 2 -s 1232 -M "do" "$LAB_V6HOST_IP6" >/dev/null 2>&1 &&
		pass "$tag: ping6 1232 bytes client -> v6host" || fail "$tag: ping6 1232 bytes client -> v6host"
	out="$(lab_exec "$LAB_NS_V6HOST" ping -6 -n -c 3 -i 0.3 -W 2 -s 1300 -M "do" "$addr" 2>&1)"
	local pmtu
	pmtu="$(ip -n "$LAB_NS_V6HOST" -6 route get "$addr" 2>/dev/null | grep -o 'mtu [0-9]*')"
	[[ $out == *"mtu=1280"* || $out == *"Packet too big"* || $pmtu == "mtu 1280" ]] &&
		pass "$tag: 1300 bytes v6host -> client refused with MTU 1280 (${pmtu:-ping: PTB})" ||
		fail "$tag: 1300 bytes v6host -> client: no MTU 1280 signal ($pmtu; $(tail -n2 <<<"$out" | tr '\n' ' '))"
	out="$(lab_exec "$LAB_NS_CLIENT" ping -6 -n -c 1 -W 2 -s 1300 -M "do" "$LAB_V6HOST_IP6" 2>&1)"
	[[ $out == *"mtu=1280"* || $out == *"too long"* || $out == *"Packet too big"* ]] &&
		pass "$tag: 1300 bytes client -> v6host refused with MTU 1280" ||
		fail "$tag: 1300 bytes client -> v6host: $(tail -n2 <<<"$out" | tr '\n' ' ')"

	# ECN: inner traffic class 0x03 (ECN CE) kept end to end; outer IPv4 TOS 0x0 on the NAT's public side.
	local cap="$LAB_DIR/ecn-$tag.txt"
	lab_exec "$LAB_NS_NAT" timeout 4 tcpdump -n -v -c 2 -i eth0 "udp and src host $LAB_RELAY_IP" >"$cap" 2>/dev/null &
	local tpid=$!
	local cap6="$LAB_DIR/ecn6-$tag.txt"
	lab_exec "$LAB_NS_CLIENT" timeout 4 tcpdump -n -v -c 2 -i teredo "icmp6 and ip6[40] == 128" >"$cap6" 2>/dev/null &
	local tpid6=$!
	sleep 1  # both captures listening before the echo requests go out
	lab_exec "$LAB_NS_V6HOST" ping -6 -n -c 3 -i 0.2 -W 2 -Q 0x03 "$addr" >/dev/null 2>&1
	wait "$tpid" "$tpid6" 2>/dev/null
	if grep -q 'tos 0x0,' "$cap" && ! grep -q 'tos 0x[1-9a-f]' "$cap" && grep -q 'class 0x03' "$cap6"; then
		pass "$tag: outer IPv4 TOS 0x0, inner traffic class 0x03 kept"
	else
		fail "$tag: ECN: outer '$(grep -o 'tos 0x[0-9a-f]*' "$cap" | sort -u | tr '\n' ' ')', inner '$(grep -o 'class 0x[0-9a-f]*' "$cap6" | sort -u | tr '\n' ' ')'"
	fi

	local drops
	drops="$(lab_stat relay drops_total)/$(lab_stat "client-$tag" drops_total)"
	lab_log "$tag: drops relay/client $drops"
	lab_stop "client-$tag"
	lab_stop relay
	lab_wait_until 5 "the teredo interfaces of run $tag gone" bash -c \
		"! ip -n $LAB_NS_RELAY link show dev teredo && ! ip -n $LAB_NS_CLIENT link show dev teredo" || true
}

lab_setup_checked
lab_start_server "$TEREDOD_SERVER" || { fail "teredod-server started"; exit 1; }
run_paths on
run_paths off "Offload no"
