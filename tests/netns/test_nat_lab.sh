#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_nat_lab.sh: Teredo behind the NATs people have (issue 12), with real nftables NATs. The lab of lib.sh
# plus a second NAT with two clients on one LAN:
#
#   client 10.77.0.2 --natA .30 (kind varies) --+-- 198.51.100.0/24 --+-- server .10/.11 (teredod-server)
#   lan1 10.78.0.2 --+                          |                     +-- relay .20 (teredod relay) -- v6host ::100
#   lan2 10.78.0.3 --+-- natB .31 (port-restricted or address-restricted, no hairpinning)
#
# NAT kinds (nat_kind below): port-restricted cone, address-restricted cone, symmetric (random ports), sequential
# symmetric (one port after the other), port-preserving symmetric. Like a home router, each NAT translates only what it forwards (its own
# datagrams, such as its IGD's STUN requests, keep their ports) and drops unsolicited packets to itself (input, ct
# state new): without the drop, Linux tracks the peer's first direct bubble as a connection to the NAT itself, and the
# answer to it leaves from another port (conntrack clash), which no port-restricted peer accepts.
# Phases, each with our clients (teredod) and, side by side, Debian's miredo in the same place:
#   same-nat    lan1 <-> lan2 behind natB of every kind (a UPnP IGD on a symmetric one too), which does not hairpin: ours
#               connect (RFC 6081 hairpinning: alternate addresses, nonce-verified direct bubbles on the LAN; local
#               discovery off); miredo cannot (expected, recorded).
#   local discovery   ours with Hairpinning no: lan1 <-> lan2 by local discovery alone (RFC 4380 5.2.8: 224.0.0.253);
#               hostile discovery bubbles on the LAN are counted drops; with LocalDiscovery no too, they cannot connect.
#   KIND IMPL   first (ours only) tests/netns/nat_probe.py shows both NATs map and filter as their kind says; then
#               a client behind natA of KIND: qualifies (ours: teredoctl reports the NAT type), reaches v6host both
#               ways, and reaches our client lan1 behind natB both ways: natB port-restricted for the cone kinds,
#               address-restricted for the symmetric ones (what RFC 6081 3.1 can connect).
#   upnp IMPL   natA symmetric with a UPnP IGD (Debian's miniupnpd, lib/upnp.sh): ours maps its port (RFC 6081 3.2) and
#               reaches v6host and lan1 behind natB port-restricted both ways; miredo (no UPnP) reaches v6host only.
# Every outcome is also printed as a "MATRIX kind | peer | implementation | result" figure, which scripts/nat-matrix
# collects. Expected failures of miredo are INFO lines, not failures of this suite.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a tool missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping miredo python3 ss unshare miniupnpd
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || skip "teredod/teredod-server not built ($BUILD_DIR)"
SUMMARY_NS_CHECK=1

NATB_NS="$LAB_TAG-natb"
LAN1_NS="$LAB_TAG-lan1"
LAN2_NS="$LAB_TAG-lan2"
NATB_PUBLIC_IP=198.51.100.31

matrix() { figure "MATRIX $1 | $2 | $3 | $4"; }

# setup_natb: natB (.31) with a LAN bridge, lan1 and lan2 behind it, plain masquerade.
setup_natb() {
	local ns
	for ns in "$NATB_NS" "$LAN1_NS" "$LAN2_NS"; do lab_ns_add "$ns" || return 1; done
	lab_link "$NATB_NS" eth0 br4 natb4 || return 1
	ip -n "$NATB_NS" addr add "$NATB_PUBLIC_IP/24" dev eth0
	ip -n "$NATB_NS" link add lan type bridge
	ip -n "$NATB_NS" addr add 10.78.0.1/24 dev lan
	ip -n "$NATB_NS" link set lan up
	local i=2
	for ns in "$LAN1_NS" "$LAN2_NS"; do
		ip -n "$NATB_NS" link add "port$i" type veth peer name eth0 netns "$ns" || return 1
		ip -n "$NATB_NS" link set "port$i" master lan up
		ip -n "$ns" addr add "10.78.0.$i/24" dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via 10.78.0.1
		i=$((i + 1))
	done
	lab_exec "$NATB_NS" sysctl -qw net.ipv4.ip_forward=1
	nat_kind "$NATB_NS" port-restricted "$NATB_PUBLIC_IP" || return 1
	lab_wait_until 5 "IPv4 reachability lan1 -> natB -> server" \
		lab_exec "$LAN1_NS" ping -c1 -W1 "$LAB_SERVER_IP1"
}

# nat_kind NS KIND PUBLIC_IP: replace the NAT's rules and forget its mappings. KIND:
#   port-restricted     masquerade (Linux keeps the inside port; replies only from the exact peer address and port)
#   address-restricted  masquerade, plus a dynamic map (outside port -> inside host) and a set of (peer address,
#                       port) contacted: a datagram from any port of a contacted address is let in (dnat)
#   symmetric           masquerade fully-random (a new random external port for every destination)
#   sequential          snat to PUBLIC_IP with the port of `numgen inc` (20000, 20001, ... one per new flow)
#   port-preserving     the first flow out of an inside (address, port) keeps the port (masquerade); every later flow
#                       out of it gets a random one (a set of the inside endpoints seen: RFC 6081 3.3's NAT)
nat_kind() {
	local ns="$1" kind="$2" pub="$3" rules
	case "$kind" in
	port-restricted) rules='oifname "eth0" masquerade' ;;
	address-restricted) rules='oifname "eth0" masquerade' ;;
	symmetric) rules='oifname "eth0" masquerade fully-random' ;;
	port-preserving) rules='oifname "eth0" meta l4proto udp ip saddr . udp sport @kept masquerade fully-random
				oifname "eth0" meta l4proto udp update @kept { ip saddr . udp sport } masquerade
				oifname "eth0" masquerade' ;;
	sequential) rules="oifname \"eth0\" meta l4proto udp snat to $pub : numgen inc mod 1000 offset 20000
				oifname \"eth0\" masquerade" ;;
	*) return 1 ;;
	esac
	lab_exec "$ns" nft -f - <<-NFT || return 1
		flush ruleset
		table ip nat {
			map inside { type inet_service : ipv4_addr; flags dynamic,timeout; timeout 300s; }
			set contacted { type ipv4_addr . inet_service; flags dynamic,timeout; timeout 300s; }
			set kept { type ipv4_addr . inet_service; flags dynamic,timeout; timeout 300s; }
			chain track {
				type filter hook forward priority filter; policy accept;
				oifname "eth0" meta l4proto udp update @inside { udp sport : ip saddr } update @contacted { ip daddr . udp sport }
			}
			chain prerouting {
				type nat hook prerouting priority dstnat; policy accept;
				$([[ $kind == address-restricted ]] && echo 'iifname "eth0" meta l4proto udp ip saddr . udp dport @contacted dnat to udp dport map @inside')
			}
			chain postrouting {
				type nat hook postrouting priority srcnat; policy accept;
				ip saddr $pub accept
				$rules
			}
		}
		table ip filter {
			chain input {
				type filter hook input priority filter; policy accept;
				iifname "eth0" ct state new drop
			}
		}
	NFT
	lab_exec "$ns" conntrack -F >/dev/null 2>&1 || true
}

# check_nat_behaviour NS KIND: tests/netns/nat_probe.py from NS (behind the NAT) against the listener on pubclient:
# the NAT must map and filter as KIND says (mapping independent/random/sequential, filtering address/port).
check_nat_behaviour() {
	local ns="$1" kind="$2" want got
	case "$kind" in
	port-restricted) want="mapping=independent filtering=port" ;;
	address-restricted) want="mapping=independent filtering=address" ;;
	symmetric) want="mapping=random filtering=port" ;;
	sequential) want="mapping=sequential filtering=port" ;;
	port-preserving) want="mapping=preserving filtering=port" ;;
	esac
	got="$(lab_exec "$ns" /usr/bin/python3 "$HERE/nat_probe.py" probe "$LAB_PUBCLIENT_IP" 2>&1)"
	[[ $got == "$want "* ]] && pass "the $kind NAT behaves as one: $got" || fail "the $kind NAT: want '$want', got '$got'"
}

# start_client NAME NS IMPL [CONFIG LINES...]: start our client (ours, with the extra configuration lines) or Debian's
# (miredo) in NS (not in a subshell: LAB_PID must keep its pid); set ADDR to its Teredo address, or return 1.
start_client() {
	local name="$1" ns="$2" impl="$3"
	shift 3
	ADDR=""
	case "$impl" in
	ours) lab_start_teredod_client "$name" "$ns" "$TEREDOD" "$@" >/dev/null ;;
	ours-upnp) lab_start_teredod_client "$name" "$ns" "$(lab_private_varlib_teredod "$name")" "UPnP yes" "$@" >/dev/null ;;
	miredo) lab_start_client "$name" "$ns" miredo >/dev/null ;;
	esac
	ADDR="$(LAB_WAIT_FOR_PROC="$name" wait_teredo_address "$ns" teredo 20)"
}

stop_client() {
	lab_stop "$1"
	lab_wait_until 5 "teredo interface removed in $2" bash -c "! ip -n $2 link show dev teredo" ||
		fail "$1: interface teredo still present in $2 after exit"
}

# reach LABEL NS_A ADDR_A NS_B ADDR_B: warm-up then 5 pings each way; true only if both directions got 5/5.
reach() {
	local label="$1" nsa="$2" addra="$3" nsb="$4" addrb="$5" out ok=0
	REACH_DETAIL=""
	lab_ping_until "$nsa" "$addrb" 15 || { REACH_DETAIL="no echo reply $addra -> $addrb within 15 s"; return 1; }
	out="$(lab_ping "$nsa" "$addrb" 5 "$label-ab")" || ok=1
	REACH_DETAIL="a->b $out"
	lab_ping_until "$nsb" "$addra" 10 || true
	out="$(lab_ping "$nsb" "$addra" 5 "$label-ba")" || ok=1
	REACH_DETAIL="$REACH_DETAIL; b->a $out"
	return "$ok"
}

# reach_and_record KIND PEER IMPL NS_A ADDR_A NS_B ADDR_B: reach, then one MATRIX figure; for ours a check, for miredo
# an INFO line (its outcome is recorded, not required).
reach_and_record() {
	local kind="$1" peer="$2" impl="$3" result
	shift 3
	if reach "$kind-${peer// /-}-$impl" "$@"; then result="ok"; else result="failed: $REACH_DETAIL"; fi
	matrix "$kind" "$peer" "$impl" "$result"
	if [[ $impl != ours ]]; then info "$impl client ($kind NAT) <-> $peer: $result ($REACH_DETAIL)"
	elif [[ $result == ok ]]; then pass "client ($kind NAT) <-> $peer: $REACH_DETAIL"
	else fail "client ($kind NAT) <-> $peer: $REACH_DETAIL"; fi
}

# same_nat IMPL [KIND]: two clients of IMPL behind natB of KIND (default port-restricted; "upnp": symmetric with a UPnP
# IGD, where ours map their ports).
same_nat() {
	local impl="$1" kind="${2:-port-restricted}" a1 a2 row="same NAT, no hairpinning" start="$1" nft_kind="${2:-port-restricted}"
	[[ $kind == port-restricted ]] || row="same NAT ($kind), no hairpinning"
	PHASE="same-nat $impl $kind"
	if [[ $kind == upnp ]]; then
		nft_kind=symmetric
		row="same NAT (symmetric with a UPnP IGD), no hairpinning"
		[[ $impl == ours ]] && start=ours-upnp
	fi
	nat_kind "$NATB_NS" "$nft_kind" "$NATB_PUBLIC_IP" || { fail "nft: natB $kind"; return; }
	if [[ $kind == upnp ]] && ! lab_start_igd_stun "igd-natb-$impl" "$NATB_NS" lan 10.78.0.0/24 "$LAB_PUBCLIENT_IP"; then
		fail "miniupnpd with STUN on natB forwards ports (see igd-natb-$impl.log)"
		lab_stop "igd-natb-$impl"
		return
	fi
	# Hairpinning alone (RFC 6081 3.5): local discovery, which would connect them too, is tested by itself below.
	if ! { start_client "lan1-$impl" "$LAN1_NS" "$start" "LocalDiscovery no" && a1="$ADDR" &&
		start_client "lan2-$impl" "$LAN2_NS" "$start" "LocalDiscovery no" && a2="$ADDR"; }; then
		fail "$impl clients behind natB qualified"
		stop_client "lan1-$impl" "$LAN1_NS"
		stop_client "lan2-$impl" "$LAN2_NS"
		[[ $kind != upnp ]] || lab_stop "igd-natb-$impl"
		return
	fi
	if [[ $start == ours-upnp ]]; then
		[[ $(lab_igd_dnat_rules "$NATB_NS" | wc -l) == 2 ]] &&
			pass "both clients hold a UPnP mapping on natB: $(lab_igd_dnat_rules "$NATB_NS" | tr '\n' ';')" ||
			fail "UPnP mappings on natB: '$(lab_igd_dnat_rules "$NATB_NS" | tr '\n' ';')'"
	fi
	pass "$impl clients behind natB qualified as $a1 and $a2"
	if reach "same-$impl" "$LAN1_NS" "$a1" "$LAN2_NS" "$a2"; then
		matrix "$row" "client behind the same NAT" "$impl" "ok"
		if [[ $impl == ours ]]; then
			pass "lan1 <-> lan2 through natB without hairpinning: $REACH_DETAIL"
			pass "lan1: bubbles_alternate_sent $(lab_stat lan1-ours bubbles_alternate_sent), bubbles_nonce_verified $(lab_stat lan1-ours bubbles_nonce_verified); lan2: bubbles_nonce_verified $(lab_stat lan2-ours bubbles_nonce_verified)"
			[[ $(lab_stat lan1-ours bubbles_nonce_verified) -ge 1 && $(lab_stat lan2-ours bubbles_nonce_verified) -ge 1 ]] &&
				pass "both sides verified the other's LAN address by its nonce" ||
				fail "nonce verification counters are 0"
			lab_json_true lan1-ours "any(p['address'] == '$a2' and p['mapped_address'] == '10.78.0.3' and p['observed_mapping'] and p['rfc6081'] for p in d['peers'])" peers &&
				pass "teredoctl peers on lan1: lan2 reached at its LAN address 10.78.0.3 (observed_mapping, rfc6081)" ||
				fail "teredoctl peers on lan1: $(lab_json lan1-ours "[p for p in d['peers'] if p['address'] == '$a2']" peers)"
		else
			info "miredo: lan1 <-> lan2 worked (natB hairpins?): $REACH_DETAIL"
		fi
	else
		matrix "$row" "client behind the same NAT" "$impl" "failed: $REACH_DETAIL"
		if [[ $impl == ours ]]; then fail "lan1 <-> lan2 (ours): $REACH_DETAIL"
		else info "miredo: lan1 <-> lan2 fails as expected (RFC 4380 has no hairpinning): $REACH_DETAIL"; fi
	fi
	if [[ $impl == ours && $kind == port-restricted ]]; then
		reach "lan1-v6-$impl" "$LAN1_NS" "$a1" "$LAB_NS_V6HOST" "$LAB_V6HOST_IP6" &&
			pass "lan1 <-> v6host: $REACH_DETAIL" || fail "lan1 <-> v6host: $REACH_DETAIL"
	fi
	stop_client "lan1-$impl" "$LAN1_NS"
	stop_client "lan2-$impl" "$LAN2_NS"
	[[ $kind != upnp ]] || lab_stop "igd-natb-$impl"
}

# send_discovery_bubble NS SRC_IP TERED0_SRC IPV6_DST: a discovery datagram to 224.0.0.253:3544 from SRC_IP (an address
# of NS), whose IPv6 bubble goes from TEREDO_SRC to IPV6_DST (hostile ones: off-link source, unicast destination).
send_discovery_bubble() {
	lab_exec "$1" /usr/bin/python3 - "$2" "$3" "$4" <<-'PY'
		import ipaddress, socket, struct, sys
		src_ip, teredo, dst = sys.argv[1:4]
		bubble = struct.pack("!IHBB", 6 << 28, 0, 59, 1) + ipaddress.IPv6Address(teredo).packed + ipaddress.IPv6Address(dst).packed
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.bind((src_ip, 3544))
		s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src_ip))
		s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
		s.sendto(bubble, ("224.0.0.253", 3544))
	PY
}

one_local_peer_each() {
	lab_json_true lan1-ld "d['nat']['local_peers'] == 1" status && lab_json_true lan2-ld "d['nat']['local_peers'] == 1" status
}
hostile_bubbles_dropped() {
	[[ $(lab_stat lan1-ld drop_discovery_not_on_link) -ge 1 && $(lab_stat lan1-ld drop_bad_discovery_bubble) -ge 1 ]]
}

# local_discovery: two of our clients behind natB with Hairpinning off: local discovery alone connects them (RFC 4380
# 5.2.8), hostile discovery bubbles are counted drops; with local discovery off too, they cannot connect (the proof
# that the first part could fail).
local_discovery() {
	local a1 a2 status
	PHASE="local discovery"
	matrix "same NAT, no hairpinning" "client behind the same NAT, local discovery alone" miredo "n/a (no local discovery in 1.2.6)"
	nat_kind "$NATB_NS" port-restricted "$NATB_PUBLIC_IP" || { fail "nft: natB port-restricted"; return; }
	if start_client lan1-ld "$LAN1_NS" ours "Hairpinning no" && a1="$ADDR" &&
		start_client lan2-ld "$LAN2_NS" ours "Hairpinning no" && a2="$ADDR"; then
		pass "clients with Hairpinning no (LocalDiscovery yes) qualified as $a1 and $a2"
		lab_wait_until 5 "each client hears the other's discovery bubble" one_local_peer_each &&
			pass "teredoctl status: each client has 1 local peer" ||
			fail "local peers: lan1 $(lab_json lan1-ld "d['nat']" status), lan2 $(lab_json lan2-ld "d['nat']" status)"
		status="$(lab_ctl lan1-ld status | grep '^NAT')"
		[[ $status == *"hairpinning off"*"local discovery on (1 local peers)"* ]] && pass "teredoctl status: $status" ||
			fail "teredoctl status NAT line: '$status'"
		if reach "ld" "$LAN1_NS" "$a1" "$LAN2_NS" "$a2"; then
			pass "lan1 <-> lan2 by local discovery alone: $REACH_DETAIL"
			matrix "same NAT, no hairpinning" "client behind the same NAT, local discovery alone" ours ok
		else
			fail "lan1 <-> lan2 by local discovery: $REACH_DETAIL"
			matrix "same NAT, no hairpinning" "client behind the same NAT, local discovery alone" ours "failed: $REACH_DETAIL"
		fi
		local c
		for c in lan1-ld lan2-ld; do
			[[ $(lab_stat "$c" local_peers_verified) -ge 1 && $(lab_stat "$c" discovery_bubbles_received) -ge 1 &&
				$(lab_stat "$c" bubbles_indirect_sent) -eq 0 ]] &&
				pass "$c: local_peers_verified $(lab_stat "$c" local_peers_verified), discovery_bubbles_received $(lab_stat "$c" discovery_bubbles_received), no indirect bubble" ||
				fail "$c: local_peers_verified $(lab_stat "$c" local_peers_verified), discovery_bubbles_received $(lab_stat "$c" discovery_bubbles_received), bubbles_indirect_sent $(lab_stat "$c" bubbles_indirect_sent)"
		done
		lab_json_true lan1-ld "any(p['address'] == '$a2' and p['mapped_address'] == '10.78.0.3' and p['local'] for p in d['peers'])" peers &&
			pass "teredoctl peers on lan1: lan2 at its LAN address 10.78.0.3 (local)" ||
			fail "teredoctl peers on lan1: $(lab_json lan1-ld "[p for p in d['peers'] if p['address'] == '$a2']" peers)"
		# Hostile discovery bubbles on the link: from off lan1's subnet, and to a unicast IPv6 destination.
		ip -n "$NATB_NS" addr add 10.79.0.1/24 dev lan
		send_discovery_bubble "$NATB_NS" 10.79.0.1 "$a2" ff02::1
		send_discovery_bubble "$NATB_NS" 10.78.0.1 "$a2" "$a1"
		lab_wait_until 3 "lan1 counts both drops" hostile_bubbles_dropped &&
			pass "hostile discovery bubbles dropped: discovery_not_on_link $(lab_stat lan1-ld drop_discovery_not_on_link), bad_discovery_bubble $(lab_stat lan1-ld drop_bad_discovery_bubble)" ||
			fail "hostile discovery bubbles: discovery_not_on_link $(lab_stat lan1-ld drop_discovery_not_on_link), bad_discovery_bubble $(lab_stat lan1-ld drop_bad_discovery_bubble)"
		ip -n "$NATB_NS" addr del 10.79.0.1/24 dev lan
		lab_json_true lan1-ld "any(p['address'] == '$a2' and p['mapped_address'] == '10.78.0.3' for p in d['peers'])" peers &&
			pass "lan2's entry on lan1 unchanged by them" || fail "lan2's entry on lan1 changed"
	else
		fail "our clients (Hairpinning no) behind natB qualified"
	fi
	stop_client lan1-ld "$LAN1_NS"
	stop_client lan2-ld "$LAN2_NS"

	PHASE="no hairpinning, no local discovery"
	if start_client lan1-none "$LAN1_NS" ours "Hairpinning no" "LocalDiscovery no" && a1="$ADDR" &&
		start_client lan2-none "$LAN2_NS" ours "Hairpinning no" "LocalDiscovery no" && a2="$ADDR"; then
		lab_json_true lan1-none "not d['nat']['local_discovery']" status && pass "teredoctl status: local discovery off" ||
			fail "teredoctl status: $(lab_json lan1-none "d['nat']" status)"
		if reach "none" "$LAN1_NS" "$a1" "$LAN2_NS" "$a2"; then
			fail "lan1 <-> lan2 connected with neither hairpinning nor local discovery (does natB hairpin?): $REACH_DETAIL"
		else
			pass "with neither extension lan1 <-> lan2 fails, as with RFC 4380 alone: $REACH_DETAIL"
		fi
	else
		fail "our clients (Hairpinning no, LocalDiscovery no) behind natB qualified"
	fi
	stop_client lan1-none "$LAN1_NS"
	stop_client lan2-none "$LAN2_NS"
}

# client_behind_natA NAME START KIND IMPL: start_client NAME behind natA as START (IMPL, or ours-upnp); when it does not
# qualify, stop it, record the matrix row and the outcome (a failure for ours, an INFO line for miredo) and return 1.
client_behind_natA() {
	local name="$1" start="$2" kind="$3" impl="$4"
	start_client "$name" "$LAB_NS_CLIENT" "$start" && return 0
	stop_client "$name" "$LAB_NS_CLIENT"
	matrix "$kind" "qualification" "$impl" "failed: no Teredo address in 20 s"
	if [[ $impl == ours ]]; then fail "our client behind a $kind NAT qualified"
	else info "miredo behind a $kind NAT: no address"; fi
	return 1
}

# behind_natA KIND IMPL PEER_KIND: one client of IMPL behind natA of KIND, against v6host and against our client lan1
# behind natB of PEER_KIND.
behind_natA() {
	local kind="$1" impl="$2" peer_kind="$3" addr peer
	PHASE="$kind $impl"
	nat_kind "$LAB_NS_NAT" "$kind" "$LAB_NAT_PUBLIC_IP" || { fail "nft: natA kind $kind"; return; }
	nat_kind "$NATB_NS" "$peer_kind" "$NATB_PUBLIC_IP" || { fail "nft: natB kind $peer_kind"; return; }
	if [[ $impl == ours ]]; then
		check_nat_behaviour "$LAB_NS_CLIENT" "$kind"
		check_nat_behaviour "$LAN2_NS" "$peer_kind"
	fi
	client_behind_natA "c-$kind-$impl" "$impl" "$kind" "$impl" || return
	addr="$ADDR"
	pass "$impl client behind a $kind NAT qualified as $addr"
	if [[ $impl == ours ]]; then
		local want=cone status
		[[ $kind == symmetric || $kind == sequential || $kind == port-preserving ]] && want=symmetric
		# The probe through the second server address runs right after qualification.
		lab_wait_until 5 "teredoctl: nat type $want" lab_json_true "c-$kind-$impl" "d['nat']['type'] == '$want'" status &&
			pass "teredoctl status: nat type $want, local $(lab_json "c-$kind-$impl" "d['nat']['local']" status)" ||
			fail "teredoctl status: nat $(lab_json "c-$kind-$impl" "d['nat']" status) behind a $kind NAT"
		lab_json_true "c-$kind-$impl" "d['nat']['local'].startswith('$LAB_CLIENT_IP:')" status &&
			pass "the alternate address offered is the client's LAN address" || fail "nat.local is not $LAB_CLIENT_IP:port"
		if [[ $want == symmetric ]]; then
			local pp=False
			[[ $kind == port-preserving ]] && pp=True
			lab_json_true "c-$kind-$impl" "d['nat']['port_preserving'] == $pp" status &&
				pass "teredoctl status: port-preserving $pp behind a $kind NAT" ||
				fail "teredoctl status: nat.port_preserving $(lab_json "c-$kind-$impl" "d['nat']['port_preserving']" status), want $pp"
		fi
		status="$(lab_ctl "c-$kind-$impl" status | grep '^NAT')"
		[[ $status == *"$want"*"symmetric-NAT support on, hairpinning on"* ]] && pass "teredoctl status: $status" ||
			fail "teredoctl status NAT line: '$status'"
	fi
	reach_and_record "$kind" "native IPv6 host" "$impl" "$LAB_NS_CLIENT" "$addr" "$LAB_NS_V6HOST" "$LAB_V6HOST_IP6"
	if start_client lan1-peer "$LAN1_NS" ours && peer="$ADDR"; then
		reach_and_record "$kind" "our client behind another NAT ($peer_kind)" "$impl" "$LAB_NS_CLIENT" "$addr" "$LAN1_NS" "$peer"
		if [[ $impl == ours && $peer_kind == port-restricted && ($kind == port-preserving || $kind == sequential) ]]; then
			# RFC 6081 3.3 / 3.4: the path runs through a random port of ours, which the peer learned from a trailer.
			local what="random port"
			[[ $kind == sequential ]] && what="predicted port"
			lab_json_true "c-$kind-$impl" "any(p.get('random_port') and p['trusted'] for p in d['peers'])" peers &&
				pass "teredoctl peers: the peer is reached from a random port ($what $(lab_json "c-$kind-$impl" \
					"[p.get('advertised_port') for p in d['peers'] if p.get('random_port')]" peers))" ||
				fail "teredoctl peers: no trusted peer on a random port: $(lab_ctl "c-$kind-$impl" peers --json 2>&1 | head -c 600)"
			[[ $(lab_stat "c-$kind-$impl" random_ports_opened) -ge 1 ]] && pass "random_ports_opened $(lab_stat "c-$kind-$impl" random_ports_opened)" ||
				fail "random_ports_opened is $(lab_stat "c-$kind-$impl" random_ports_opened)"
			[[ $kind != sequential || $(lab_stat "c-$kind-$impl" ports_predicted) -ge 1 ]] &&
				pass "echo tests $(lab_stat "c-$kind-$impl" echo_tests_sent), ports predicted $(lab_stat "c-$kind-$impl" ports_predicted)" ||
				fail "the echo test predicted no port (echo_tests_sent $(lab_stat "c-$kind-$impl" echo_tests_sent))"
			[[ $(lab_stat lan1-peer random_port_trailers_received) -ge 1 ]] && pass "the peer learned our Random Port trailer" ||
				fail "the peer saw no Random Port trailer"
		fi
	else
		fail "our client lan1 behind a $peer_kind NAT qualified"
	fi
	stop_client lan1-peer "$LAN1_NS"
	stop_client "c-$kind-$impl" "$LAB_NS_CLIENT"
}

# behind_upnp IMPL: a client of IMPL behind natA, a symmetric NAT (random ports) with a UPnP IGD (Debian's miniupnpd,
# lib/upnp.sh), against v6host and against our client lan1 behind natB port-restricted, which no symmetric NAT reaches
# without help: ours maps its port (RFC 6081 3.2) and offers the mapping as an alternate address, which the peer's
# direct bubble reaches; miredo has no UPnP.
behind_upnp() {
	local impl="$1" kind="symmetric with a UPnP IGD" addr peer port name="c-upnp-$1" start="$1"
	PHASE="upnp $impl"
	nat_kind "$LAB_NS_NAT" symmetric "$LAB_NAT_PUBLIC_IP" || { fail "nft: natA symmetric"; return; }
	nat_kind "$NATB_NS" port-restricted "$NATB_PUBLIC_IP" || { fail "nft: natB port-restricted"; return; }
	[[ $impl == ours ]] && check_nat_behaviour "$LAB_NS_CLIENT" symmetric && start=ours-upnp
	lab_start_igd_stun "igd-$impl" "$LAB_NS_NAT" eth1 "$LAB_CLIENT_IP/32" "$LAB_PUBCLIENT_IP" ||
		{ fail "miniupnpd with STUN on natA forwards ports (see igd-$impl.log)"; lab_stop "igd-$impl"; return; }
	client_behind_natA "$name" "$start" "$kind" "$impl" || { lab_stop "igd-$impl"; return; }
	addr="$ADDR"
	pass "$impl client behind a symmetric NAT with a UPnP IGD qualified as $addr"
	if [[ $impl == ours ]]; then
		port="$(lab_json "$name" 'd["nat"]["local"].split(":")[1]' status)"
		lab_wait_until 5 "teredoctl: nat type symmetric" lab_json_true "$name" "d['nat']['type'] == 'symmetric'" status &&
			lab_json_true "$name" "d['nat']['upnp'] == '$LAB_NAT_PUBLIC_IP:$port'" status &&
			pass "teredoctl status: nat symmetric, upnp $LAB_NAT_PUBLIC_IP:$port" ||
			fail "teredoctl status: nat $(lab_json "$name" "d['nat']" status)"
		[[ $(lab_igd_dnat_rules "$LAB_NS_NAT") == "$port $LAB_CLIENT_IP:$port" ]] &&
			pass "miniupnpd's DNAT rule: udp dport $port to $LAB_CLIENT_IP:$port" ||
			fail "DNAT rules on natA: '$(lab_igd_dnat_rules "$LAB_NS_NAT" | tr '\n' ';')'"
	fi
	reach_and_record "$kind" "native IPv6 host" "$impl" "$LAB_NS_CLIENT" "$addr" "$LAB_NS_V6HOST" "$LAB_V6HOST_IP6"
	if start_client lan1-peer "$LAN1_NS" ours && peer="$ADDR"; then
		reach_and_record "$kind" "our client behind another NAT (port-restricted)" "$impl" "$LAB_NS_CLIENT" "$addr" "$LAN1_NS" "$peer"
		if [[ $impl == ours ]]; then
			# The peer's path to us runs through the IGD's mapping, which it learned from an Alternate Address trailer.
			lab_json_true lan1-peer "any(p['address'] == '$addr' and p['mapped_address'] == '$LAB_NAT_PUBLIC_IP' and p['mapped_port'] == $port for p in d['peers'])" peers &&
				pass "teredoctl peers on lan1: our client reached at the IGD's mapping $LAB_NAT_PUBLIC_IP:$port" ||
				fail "teredoctl peers on lan1: $(lab_json lan1-peer "[p for p in d['peers'] if p['address'] == '$addr']" peers)"
			[[ $(lab_stat "$name" bubbles_alternate_sent) -ge 1 ]] &&
				pass "alternate addresses offered: bubbles_alternate_sent $(lab_stat "$name" bubbles_alternate_sent)" ||
				fail "bubbles_alternate_sent is 0"
		fi
	else
		fail "our client lan1 behind a port-restricted NAT qualified"
	fi
	stop_client lan1-peer "$LAN1_NS"
	stop_client "$name" "$LAB_NS_CLIENT"
	[[ $impl != ours || -z $(lab_igd_dnat_rules "$LAB_NS_NAT") ]] && pass "no UPnP mapping left after $impl's client stopped" ||
		fail "UPnP mappings left on natA: $(lab_igd_dnat_rules "$LAB_NS_NAT" | tr '\n' ';')"
	lab_stop "igd-$impl"
}

# NAT_LAB_ONLY=PHASE (same-nat, local-discovery, kinds, upnp) runs that phase alone: for working on it.
phase() { [[ -z ${NAT_LAB_ONLY:-} || $NAT_LAB_ONLY == "$1" ]]; }

T0="$(lab_now_ms)"
lab_setup_checked
setup_natb || fatal "natB and its LAN"
lab_start_server "$TEREDOD_SERVER" && pass "server (ours) listening" || fatal "start teredod-server"
lab_start_teredod_relay "$TEREDOD" && pass "relay (ours) up" || fatal "start teredod relay"
lab_start probe-listener "$LAB_NS_PUBCLIENT" /usr/bin/python3 "$HERE/nat_probe.py" listen "$LAB_PUBCLIENT_IP"
lab_wait_until 5 "NAT probe listener" lab_udp_bound "$LAB_NS_PUBCLIENT" "$LAB_PUBCLIENT_IP" 7003 || fatal "NAT probe listener"
lab_start_stun stun "$LAB_NS_PUBCLIENT" "$LAB_PUBCLIENT_IP" || fatal "STUN responder on pubclient"

if phase same-nat; then
	# Two clients behind one NAT of every kind, ours and miredo (the LAN path does not cross the NAT; qualifying does).
	for kind in port-restricted address-restricted symmetric sequential port-preserving upnp; do
		same_nat ours "$kind"
		same_nat miredo "$kind"
	done
fi
phase local-discovery && local_discovery
# Each kind against the peer NAT that RFC 4380 + 6081 can reach from it: cone kinds reach port-restricted peers;
# symmetric kinds (random or sequential ports) reach address-restricted ones (RFC 6081 3.1); port-preserving and
# sequential symmetric NATs reach port-restricted ones too (RFC 6081 3.3, 3.4; a random one cannot, unless its NAT
# maps a port by UPnP, 3.2).
for impl in ours miredo; do
	phase kinds || continue
	behind_natA port-restricted "$impl" port-restricted
	behind_natA address-restricted "$impl" port-restricted
	behind_natA symmetric "$impl" address-restricted
	behind_natA sequential "$impl" address-restricted
	behind_natA sequential "$impl" port-restricted
	behind_natA port-preserving "$impl" address-restricted
	behind_natA port-preserving "$impl" port-restricted
done
if phase upnp; then
	behind_upnp ours
	behind_upnp miredo
fi
PHASE="end"
figure "suite time $(( ($(lab_now_ms) - T0) / 1000 )) s"
