#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_miredo_interop_server.sh [SERVER_CMD]: Teredo server interop in a namespace lab.
#
# Roles: the SERVER under test (ours or Debian's), Debian `miredo` as cone relay, Debian `miredo` as a client behind
# a masquerading NAT and as a client on the public segment. Topology: see the diagram at the top of lib.sh.
#
#   client (10.77.0.2) --NAT .30--+                      +-- server .10/.11 (under test) --::10--+
#                                 +-- 198.51.100.0/24 ---+-- relay .20 (miredo cone) -----::20--+-- v6host ::100
#   pubclient (.40) --------------+
#
# SERVER_CMD (argument or environment): the server command, run as `SERVER_CMD -f -c server.conf -u USER -p PIDFILE`.
# Default: $BUILD_DIR/bin/teredod-server when it exists, else Debian's miredo-server.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a required tool is missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping miredo python3 ss

if [[ $# -gt 0 ]]; then
	SERVER_CMD="$*"
elif [[ -z ${SERVER_CMD:-} ]]; then
	if [[ -x $BUILD_DIR/bin/teredod-server ]]; then
		SERVER_CMD="$BUILD_DIR/bin/teredod-server"
	else
		SERVER_CMD="miredo-server"
	fi
fi
read -r -a SERVER_ARGV <<<"$SERVER_CMD"
command -v "${SERVER_ARGV[0]}" >/dev/null 2>&1 || { echo "FAIL: server command not found: ${SERVER_ARGV[0]}"; exit 1; }

summary_header() { echo "server: $SERVER_CMD"; }

echo "== teredod netns interop: server = $SERVER_CMD"
lab_setup_checked
pass "lab topology up (7 namespaces)"

lab_start_server "${SERVER_ARGV[@]}" && pass "server bound to $LAB_SERVER_IP1:3544 and $LAB_SERVER_IP2:3544" ||
	fatal "server start ($SERVER_CMD)"
lab_start_relay miredo && pass "relay (Debian miredo, cone) routes 2001::/32" || fatal "relay start"

# check_client NAME NS EXPECTED_MAPPED_IP: qualify, decode, ping both ways.
check_client() {
	local name="$1" ns="$2" want_ip="$3" addr
	lab_start_client "$name" "$ns" miredo
	if ! addr="$(LAB_WAIT_FOR_PROC="$name" wait_teredo_address "$ns" teredo 15)"; then
		fail "$name: no Teredo address within 15 s"
		return 1
	fi
	pass "$name qualified: $addr"
	eval "$(teredo_decode "$addr")"
	echo "   decoded: server=$TEREDO_SERVER flags=$TEREDO_FLAGS cone=$TEREDO_CONE mapped=$TEREDO_MAPPED_IP:$TEREDO_MAPPED_PORT"
	[[ $TEREDO_PREFIX_OK == 1 ]] && pass "$name address in 2001::/32" || fail "$name address not in 2001::/32"
	[[ $TEREDO_SERVER == "$LAB_SERVER_IP1" ]] && pass "$name address embeds server $LAB_SERVER_IP1" ||
		fail "$name address embeds server $TEREDO_SERVER, expected $LAB_SERVER_IP1"
	[[ $TEREDO_MAPPED_IP == "$want_ip" ]] && pass "$name address embeds mapped IPv4 $want_ip (port $TEREDO_MAPPED_PORT)" ||
		fail "$name address embeds mapped IPv4 $TEREDO_MAPPED_IP, expected $want_ip"
	(( (0x${TEREDO_FLAGS#0x} & 0x0300) == 0 )) && pass "$name flags $TEREDO_FLAGS: multicast/global bits clear" ||
		fail "$name flags $TEREDO_FLAGS have multicast/global bits set"

	check_ping_v6host "$name" "$ns" "$addr"
}

check_client client "$LAB_NS_CLIENT" "$LAB_NAT_PUBLIC_IP"
check_client pubclient "$LAB_NS_PUBCLIENT" "$LAB_PUBCLIENT_IP"

lab_alive server && pass "server still running" || fail "server died"
lab_alive relay && pass "relay still running" || fail "relay died"
exit "$FAILED"
