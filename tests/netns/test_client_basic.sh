#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_client_basic.sh: teredod in client mode behind a NAT, with our server and Debian's relay.
#
#   client (10.77.0.2, teredod client) --NAT .30--+-- 198.51.100.0/24 --+-- server .10/.11 (teredod-server)
#                                                 |                     +-- relay .20 (miredo cone) --::20-- v6host ::100
#
# Three runs of the client: (1) interface configured by teredod itself (rtnetlink), (2) with
# `HookScript /etc/miredo/client-hook` (Debian's hook, unchanged). Each run checks: qualification (a Teredo address
# naming server .10 and the NAT's public address), the routes (2001::/32 on-link, default metric 1029), ping6 both
# ways with v6host through the relay, the privilege split (worker: uid nobody, no capabilities; helper: CAP_NET_ADMIN
# only, uid nobody without a hook, uid 0 with one), teredoctl status (state qualified), and clean removal of the
# interface at exit.
# A third run gives the host native IPv6 first: the client must then serve 2001::/32 only (RFC 4380 5.5).
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a required tool is missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"
HOOK=/etc/miredo/client-hook

need_root_and_tools ip nft ping miredo python3 ss
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || { echo "FAIL: build teredod and teredod-server first ($BUILD_DIR)"; exit 1; }

# run_client NAME [EXTRA CONFIG LINES...]: one full client run with its checks.
run_client() {
	local name="$1"; shift
	local addr pid helper nobody_uid
	lab_start_teredod_client "$name" "$LAB_NS_CLIENT" "$TEREDOD" "$@"
	if ! addr="$(LAB_WAIT_FOR_PROC="$name" wait_teredo_address "$LAB_NS_CLIENT" teredo 30)"; then
		fail "$name: client qualified (Teredo address on teredo)"
		return
	fi
	eval "$(teredo_decode "$addr")"
	if [[ $TEREDO_PREFIX_OK == 1 && $TEREDO_SERVER == "$LAB_SERVER_IP1" && $TEREDO_MAPPED_IP == "$LAB_NAT_PUBLIC_IP" ]]
	then pass "$name: qualified as $addr (server $TEREDO_SERVER, mapped $TEREDO_MAPPED_IP:$TEREDO_MAPPED_PORT, flags $TEREDO_FLAGS)"
	else fail "$name: address $addr decodes to server $TEREDO_SERVER mapped $TEREDO_MAPPED_IP"; fi

	local routes
	routes="$(ip -n "$LAB_NS_CLIENT" -6 route show dev teredo)"
	if grep -q '^2001::/32' <<<"$routes" && grep -q '^default .*metric 1029' <<<"$routes" &&
		ip -n "$LAB_NS_CLIENT" -6 addr show dev teredo | grep -q 'fe80::ffff:ffff:ffff/64'
	then pass "$name: routes 2001::/32 and default metric 1029, link-local fe80::ffff:ffff:ffff/64"
	else fail "$name: interface configuration: $(tr '\n' ';' <<<"$routes")"; fi

	if lab_ping_until "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 20; then
		local out
		if out="$(lab_ping "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 20 "$name-out")"; then pass "$name: ping6 client -> v6host: $out"
		else fail "$name: ping6 client -> v6host: $out"; fi
		if out="$(lab_ping "$LAB_NS_V6HOST" "$addr" 20 "$name-in")"; then pass "$name: ping6 v6host -> client: $out"
		else fail "$name: ping6 v6host -> client: $out"; fi
	else
		fail "$name: no echo reply client -> v6host"
	fi

	# teredod's pid is the supervisor's; its child is the worker, whose child is the helper (docs/decisions.md, Daemon).
	pid="$(lab_child "${LAB_PID[$name]}")"
	helper="$(lab_child "$pid")"
	nobody_uid="$(id -u nobody)"
	if [[ $(lab_proc_field "$pid" Uid) == "$nobody_uid" && $(lab_proc_field "$pid" CapEff) == 0000000000000000 &&
		$(lab_proc_field "$pid" CapPrm) == 0000000000000000 ]]
	then pass "$name: worker $pid runs as nobody with CapEff 0"
	else fail "$name: worker $pid: Uid $(lab_proc_field "$pid" Uid) CapEff $(lab_proc_field "$pid" CapEff)"; fi
	# Without a hook the helper leaves uid 0 (the -u user's uid, CAP_NET_ADMIN kept); with one it stays root.
	local helper_uid=0 uids
	[[ $* == *HookScript* ]] || helper_uid="$nobody_uid"
	uids="$(awk '$1 == "Uid:" {print $2, $3, $4, $5}' "/proc/$helper/status" 2>/dev/null)"
	if [[ -n $helper && $uids == "$helper_uid $helper_uid $helper_uid $helper_uid" &&
		$(lab_proc_field "$helper" CapEff) == 0000000000001000 && $(lab_proc_field "$helper" CapPrm) == 0000000000001000 &&
		$(lab_proc_field "$helper" CapBnd) == 0000000000001000 ]]
	then pass "$name: helper $helper runs as uid $helper_uid (real, effective, saved, fs) with CapEff, CapPrm and CapBnd 0000000000001000 (CAP_NET_ADMIN only)"
	else fail "$name: helper '$helper': Uid $uids CapEff $(lab_proc_field "$helper" CapEff) CapPrm $(lab_proc_field "$helper" CapPrm)"; fi

	if lab_wait_until 3 "teredoctl status shows qualified" lab_state_is "$name" qualified; then
		pass "$name: teredoctl: state qualified, qualifications $(lab_stat "$name" qualifications), rs_sent $(lab_stat "$name" rs_sent), delivered_packets $(lab_stat "$name" delivered_packets), drops_total $(lab_stat "$name" drops_total)"
	else fail "$name: teredoctl status: state '$(lab_state "$name")', not qualified"; fi
	grep -q "qualified: address $addr" "$LAB_DIR/$name.log" && pass "$name: log has 'qualified: address $addr'" ||
		fail "$name: log lacks the qualification line"

	# A network change (new IPv4 address on eth0) makes the client re-qualify at once (netlink monitor).
	local rs_before
	rs_before="$(lab_stat "$name" rs_sent)"
	ip -n "$LAB_NS_CLIENT" addr add 10.77.0.3/24 dev eth0
	if lab_wait_until 5 "re-qualification after a network change" \
		eval "grep -q 're-qualifying' '$LAB_DIR/$name.log' && (( \$(lab_stat '$name' rs_sent) > rs_before ))"
	then pass "$name: network change noticed, RS sent at once (rs_sent $rs_before -> $(lab_stat "$name" rs_sent))"
	else fail "$name: no re-qualification after a network change"; fi
	ip -n "$LAB_NS_CLIENT" addr del 10.77.0.3/24 dev eth0
	[[ $(lab_teredo_address "$LAB_NS_CLIENT" teredo) == "$addr" ]] && pass "$name: still $addr after the change" ||
		fail "$name: address changed after a network change: $(lab_teredo_address "$LAB_NS_CLIENT" teredo)"

	lab_stop "$name"
	if lab_wait_until 5 "teredo interface removed" bash -c "! ip -n $LAB_NS_CLIENT link show dev teredo"; then
		pass "$name: interface removed at exit"
	else fail "$name: interface teredo still present after exit"; fi
	if [[ -n $helper ]] && kill -0 "$helper" 2>/dev/null; then fail "$name: helper $helper still running"
	else pass "$name: helper exited"; fi
}

lab_setup_checked
lab_start_server "$TEREDOD_SERVER" || { fail "start teredod-server"; exit 1; }
lab_start_relay || { fail "start miredo relay"; exit 1; }

run_client netlink
if [[ -x $HOOK ]]; then
	run_client hook "HookScript $HOOK"
else
	echo "### $HOOK not installed: hook run skipped"
fi

# RFC 4380 5.5: on a host that already has native IPv6 (here a link with 2001:db8:77::2/64 and a default route
# through it; a veth pair, as some kernels lack the dummy driver), DefaultRoute auto leaves the default route alone: only 2001::/32 goes into the tunnel; the log says so.
run_native_ipv6() {
	local name=native addr routes
	ip -n "$LAB_NS_CLIENT" link add native0 type veth peer name native1 || { fail "$name: veth native0"; return; }
	ip -n "$LAB_NS_CLIENT" link set native0 up
	ip -n "$LAB_NS_CLIENT" link set native1 up
	ip -n "$LAB_NS_CLIENT" -6 addr add 2001:db8:77::2/64 dev native0 nodad
	ip -n "$LAB_NS_CLIENT" -6 route add default via 2001:db8:77::1 dev native0
	lab_start_teredod_client "$name" "$LAB_NS_CLIENT" "$TEREDOD"
	if addr="$(LAB_WAIT_FOR_PROC="$name" wait_teredo_address "$LAB_NS_CLIENT" teredo 30)"; then
		pass "$name: qualified as $addr on a host with native IPv6"
		routes="$(ip -n "$LAB_NS_CLIENT" -6 route show dev teredo)"
		if grep -q '^2001::/32' <<<"$routes" && ! grep -q '^default' <<<"$routes"; then
			pass "$name: 2001::/32 through teredo, no default route through it ($(tr '\n' ';' <<<"$routes"))"
		else fail "$name: routes on teredo: $(tr '\n' ';' <<<"$routes")"; fi
		grep -q 'This host has native IPv6 (source 2001:db8:77::2' "$LAB_DIR/$name.log" &&
			pass "$name: the log says why the default route was not taken" ||
			fail "$name: no native-IPv6 notice in the log"
	else
		fail "$name: client qualified on a host with native IPv6"
	fi
	lab_stop "$name"
	lab_wait_until 5 "teredo interface removed" bash -c "! ip -n $LAB_NS_CLIENT link show dev teredo" ||
		fail "$name: interface teredo still present after exit"
	ip -n "$LAB_NS_CLIENT" link del native0
}
run_native_ipv6
