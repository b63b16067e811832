#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_secure_qualification.sh: secure qualification (RFC 4380 5.2.2, 5.3.2; issue 12) between our client
# and our server, HMAC-SHA1 from libcrypto on both sides.
#
#   client (10.77.0.2, teredod client) --NAT .30--+-- 198.51.100.0/24 --+-- server .10/.11 (teredod-server, keys)
#                                                 |                     +-- relay .20 (teredod relay) -- v6host ::100
#
# The server has a keys file (alice; carol with a new key and a retiring one) and RequireAuthentication yes:
#   - alice with her secret qualifies (authenticated RS and RA), reaches v6host both ways; teredoctl says so;
#   - alice with a wrong secret, and Debian's miredo (no authentication at all), never get an address: the server
#     counts rs_authentication_failed and rs_authentication_required;
#   - carol with her retiring key qualifies and is asked for a new key (status, log, counters on both sides);
#   - a key added to the file is taken by a SIGHUP (the log names the change without the secret);
#   - teredod-checkconf refuses a keys file with a bad line, naming the keys file and the line.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a required tool is missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping miredo python3 ss
CHECKCONF="$LAB_BUILD_DIR/bin/teredod-checkconf"
[[ -x $TEREDOD && -x $TEREDOD_SERVER && -x $TEREDOCTL && -x $CHECKCONF ]] ||
	{ echo "FAIL: build teredod, teredod-server, teredoctl and teredod-checkconf first ($BUILD_DIR)"; exit 1; }

lab_setup_checked
pass "lab topology up"
KEYS="$LAB_DIR/client-keys"
printf '# identifier secret [retiring]\nalice %s\ncarol %s\ncarol %s retiring\n' \
	"correct-horse-battery" "carol-new-key" "carol-old-key" >"$KEYS"
chmod 600 "$KEYS"
lab_write_server_conf "ControlSocket $LAB_DIR/server.sock" "ClientKeysFile $KEYS" "RequireAuthentication yes" >/dev/null
lab_start_server "$TEREDOD_SERVER" && pass "server (ours) with a keys file and RequireAuthentication yes" ||
	fatal "start teredod-server"
lab_start_teredod_relay "$TEREDOD" && pass "relay (ours) up" || fatal "start teredod relay"

# stop_client NAME: stop it and wait until its interface is gone.
stop_client() {
	lab_stop "$1"
	lab_wait_until 5 "teredo interface removed" bash -c "! ip -n $LAB_NS_CLIENT link show dev teredo" ||
		fail "$1: interface teredo still present after exit"
}

# no_address NAME: the client NAME gets no Teredo address within 12 s (3 RS rounds).
no_address() { ! LAB_WAIT_FOR_PROC="$1" wait_teredo_address "$LAB_NS_CLIENT" teredo 12 >/dev/null; }

PHASE="alice"
lab_start_teredod_client alice "$LAB_NS_CLIENT" "$TEREDOD" "ClientIdentifier alice" "ClientSecret correct-horse-battery"
if addr="$(LAB_WAIT_FOR_PROC=alice wait_teredo_address "$LAB_NS_CLIENT" teredo 20)"; then
	pass "alice qualified with her key: $addr"
	row="$(lab_ctl alice status | grep '^Authentication')"
	[[ $row == *"client id alice (HMAC-SHA1)"* && $row != *"new key"* ]] && pass "teredoctl status: $row" ||
		fail "teredoctl status Authentication row: '$row'"
	[[ $(lab_stat server authenticated_solicitations) -ge 1 ]] &&
		pass "server: authenticated_solicitations $(lab_stat server authenticated_solicitations)" ||
		fail "server: authenticated_solicitations $(lab_stat server authenticated_solicitations)"
	if lab_ping_until "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 15; then
		out="$(lab_ping "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 5 alice-out)" && pass "ping6 alice -> v6host: $out" ||
			fail "ping6 alice -> v6host: $out"
		out="$(lab_ping "$LAB_NS_V6HOST" "$addr" 5 alice-in)" && pass "ping6 v6host -> alice: $out" ||
			fail "ping6 v6host -> alice: $out"
	else
		fail "no echo reply alice -> v6host"
	fi
else
	fail "alice with her key: no Teredo address in 20 s"
fi
stop_client alice

PHASE="wrong secret"
failed_before="$(lab_stat server drop_rs_authentication_failed)"
lab_start_teredod_client mallory "$LAB_NS_CLIENT" "$TEREDOD" "ClientIdentifier alice" "ClientSecret guessed"
no_address mallory && pass "alice's identifier with a wrong secret: no address in 12 s" ||
	fail "a wrong secret qualified"
[[ $(lab_stat server drop_rs_authentication_failed) -gt $failed_before ]] &&
	pass "server: rs_authentication_failed $(lab_stat server drop_rs_authentication_failed)" ||
	fail "server: rs_authentication_failed $(lab_stat server drop_rs_authentication_failed)"
[[ $(lab_state mallory) != qualified ]] && pass "the client reports $(lab_state mallory)" ||
	fail "the client reports qualified"
stop_client mallory

PHASE="miredo"
lab_start_client plain "$LAB_NS_CLIENT" miredo
no_address plain && pass "miredo (no authentication): no address in 12 s" || fail "miredo qualified"
[[ $(lab_stat server drop_rs_authentication_required) -ge 1 ]] &&
	pass "server: rs_authentication_required $(lab_stat server drop_rs_authentication_required)" ||
	fail "server: rs_authentication_required $(lab_stat server drop_rs_authentication_required)"
stop_client plain

PHASE="retiring key"
lab_start_teredod_client carol "$LAB_NS_CLIENT" "$TEREDOD" "ClientIdentifier carol" "ClientSecret carol-old-key"
if addr="$(LAB_WAIT_FOR_PROC=carol wait_teredo_address "$LAB_NS_CLIENT" teredo 20)"; then
	pass "carol qualified with her retiring key: $addr"
	row="$(lab_ctl carol status | grep '^Authentication')"
	[[ $row == *"client id carol"*"the server asks for a new key"* ]] && pass "teredoctl status: $row" ||
		fail "teredoctl status Authentication row: '$row'"
	log_has carol "the server asks for a new key for client identifier carol" && pass "log: key renewal asked" ||
		fail "no key renewal warning in carol.log"
	[[ $(lab_stat carol key_renewals_requested) -ge 1 && $(lab_stat server key_renewals_requested) -ge 1 ]] &&
		pass "key_renewals_requested: client $(lab_stat carol key_renewals_requested), server $(lab_stat server key_renewals_requested)" ||
		fail "key_renewals_requested: client $(lab_stat carol key_renewals_requested), server $(lab_stat server key_renewals_requested)"
else
	fail "carol with her retiring key: no Teredo address in 20 s"
fi
stop_client carol

PHASE="reload"
# A key added to the file and a SIGHUP: the server's worker restarts with it (the log names the change, not the secret).
printf 'dave dave-secret\n' >>"$KEYS"
kill -HUP "${LAB_PID[server]}"
log_has server "Configuration changed \(ClientKeys 3 .* -> 4 " 10 && pass "server log: $(grep -m1 -o 'Configuration changed (ClientKeys [^)]*)' "$LAB_DIR/server.log")" ||
	fail "server log: no ClientKeys change after SIGHUP: $(grep -m1 'Configuration changed' "$LAB_DIR/server.log")"
grep -q 'dave-secret' "$LAB_DIR/server.log" && fail "the secret is in the server log" || pass "no secret in the server log"
lab_wait_until 10 "server rebound" lab_udp_bound "$LAB_NS_SERVER" "$LAB_SERVER_IP1" 3544
lab_start_teredod_client dave "$LAB_NS_CLIENT" "$TEREDOD" "ClientIdentifier dave" "ClientSecret dave-secret"
addr="$(LAB_WAIT_FOR_PROC=dave wait_teredo_address "$LAB_NS_CLIENT" teredo 20)" &&
	pass "dave, added by the reload, qualified: $addr" || fail "dave, added by the reload: no address in 20 s"
stop_client dave

PHASE="checkconf"
printf 'alice correct-horse-battery\nbob\n' >"$LAB_DIR/bad-keys"
lab_write_conf bad-server "ServerBindAddress $LAB_SERVER_IP1" "ClientKeysFile $LAB_DIR/bad-keys" >/dev/null
msg="$("$CHECKCONF" -c "$LAB_DIR/bad-server.conf" 2>&1)"; rc=$?
[[ $rc -ne 0 && $msg == *"$LAB_DIR/bad-keys:2:"* ]] && pass "teredod-checkconf names the bad line: $(head -1 <<<"$msg")" ||
	fail "teredod-checkconf (rc $rc): $msg"
