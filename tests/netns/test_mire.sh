#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_mire.sh: teredo-mire, the Teredo test responder, ours and Debian's side by side.
#
#   client 10.77.0.2 (teredod or miredo client) --NAT .30-- 198.51.100.0/24 --+-- server .10/.11 (teredod-server)
#                                                                              +-- pubclient .40: teredo-mire
#
# The responder's Teredo address names its own IPv4 as server and mapping, port 3545:
# 2001:0:c633:6428:0:f226:39cc:9bd7. A client that pings it goes through the whole Teredo procedure: an indirect
# bubble to ".40:3544" (the "server"), answered by a bubble from .40:3545 (the "mapping"), then the echo on 3545.
# Each of {our client, Debian's miredo client} x {our teredo-mire, Debian's teredo-mire} must get 5/5 replies; our
# mire prints its counters at exit (bubbles answered and echo replies must be > 0), and answers -V and -h.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a tool missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping miredo teredo-mire python3 ss
OUR_MIRE="$BUILD_DIR/bin/teredo-mire"
[[ -x $TEREDOD && -x $TEREDOD_SERVER && -x $OUR_MIRE ]] || skip "teredod, teredod-server or teredo-mire not built ($BUILD_DIR)"
SUMMARY_NS_CHECK=1
MIRE_ADDR=2001:0:c633:6428:0:f226:39cc:9bd7

# start_mire IMPL: teredo-mire (ours or Debian's) in the pubclient namespace, as nobody; waits for both ports.
start_mire() {
	local bin
	case "$1" in
	ours) bin="$OUR_MIRE" ;;
	miredo) bin="$(command -v teredo-mire)" ;;
	esac
	lab_start_waiting "mire-$1" "$LAB_NS_PUBCLIENT" "teredo-mire listening on 3544 and 3545" \
		"lab_udp_bound $LAB_NS_PUBCLIENT 0.0.0.0 3544 && lab_udp_bound $LAB_NS_PUBCLIENT 0.0.0.0 3545" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$bin"
}

# one_pair CLIENT MIRE: a fresh client of kind CLIENT behind the NAT pings the mire of kind MIRE.
one_pair() {
	local client="$1" mire="$2" name="c-$1-$2" addr out
	PHASE="$client client -> $mire mire"
	case "$client" in
	ours) lab_start_teredod_client "$name" "$LAB_NS_CLIENT" "$TEREDOD" >/dev/null ;;
	miredo) lab_start_client "$name" "$LAB_NS_CLIENT" miredo >/dev/null ;;
	esac
	if ! addr="$(LAB_WAIT_FOR_PROC="$name" wait_teredo_address "$LAB_NS_CLIENT" teredo 20)"; then
		fail "client qualified"
	elif lab_ping_until "$LAB_NS_CLIENT" "$MIRE_ADDR" 15 && out="$(lab_ping "$LAB_NS_CLIENT" "$MIRE_ADDR" 5 "$name")"; then
		pass "$addr -> $MIRE_ADDR: $out"
	else
		fail "$addr -> $MIRE_ADDR: ${out:-no echo reply within 15 s}"
	fi
	lab_stop "$name"
	lab_wait_until 5 "teredo interface removed" bash -c "! ip -n $LAB_NS_CLIENT link show dev teredo" ||
		fail "$name: interface teredo still present after exit"
}

lab_setup_checked
lab_start_server "$TEREDOD_SERVER" && pass "server (ours) listening" || fatal "start teredod-server"

PHASE="options"
"$OUR_MIRE" -V | grep -q '^teredo-mire (teredod) ' && pass "teredo-mire -V" || fail "teredo-mire -V"
"$OUR_MIRE" -h | grep -q 'Usage: teredo-mire' && pass "teredo-mire -h" || fail "teredo-mire -h"
"$OUR_MIRE" --bogus >/dev/null 2>&1; [[ $? -eq 2 ]] && pass "an unknown argument exits 2" || fail "unknown argument"

for mire in ours miredo; do
	start_mire "$mire" || { fail "start $mire teredo-mire"; continue; }
	one_pair ours "$mire"
	one_pair miredo "$mire"
	lab_stop "mire-$mire"
	if [[ $mire == ours ]]; then
		PHASE="ours mire"
		line="$(grep -m1 '^teredo-mire: .* datagrams, ' "$LAB_DIR/mire-ours.log")"
		[[ $line =~ ([0-9]+)\ bubbles\ answered,\ ([0-9]+)\ echo\ replies ]] && (( BASH_REMATCH[1] > 0 && BASH_REMATCH[2] >= 10 )) &&
			pass "counters at exit: $line" || fail "counters at exit: '$line'"
	fi
done
