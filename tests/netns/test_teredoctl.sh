#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015,SC2153  # summary() runs from a trap; pass() always succeeds; TEREDO_* from eval
# tests/netns/test_teredoctl.sh: the control channel (issue 6) of every role, asserted through `teredoctl --json`.
#
#   client (10.77.0.2, teredod client) --NAT .30--+-- 198.51.100.0/24 --+-- server .10/.11 (teredod-server)
#                                                 |                     +-- relay .20:3545 (teredod relay) --::20-- v6host
#
# Checks: socket ownership/mode; status of each role (client: probing -> qualified -> down once the server stops, with
# the address decoded; relay: role, MTU, prefix; server: addresses, workers); peers appearing on the client (native
# v6host via the relay, which becomes the status' native relay) and on the relay (the client, trusted), filter and sort,
# and the relay's entry expiring after 30 s idle; counters matching known traffic (exact deltas for 10 echo requests
# and replies); known bad datagrams counted under the right drop reason; `teredoctl metrics` and an HTTP scrape of
# MetricsListen parse as Prometheus text exposition; bad use (no such socket, usage errors, permission denied,
# garbage and oversized requests, a silent connection, a stopped daemon) gives clear errors and the right exit status,
# and leaves the daemon answering.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a required tool is missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"
METRICS_PORT=9464
METRICS_PORT2=9465  # the client's: *:PORT (both families) with MetricsAuthFile

need_root_and_tools ip nft ping python3 ss curl setpriv
[[ -x $TEREDOD && -x $TEREDOD_SERVER && -x $TEREDOCTL ]] ||
	{ echo "FAIL: build teredod, teredod-server and teredoctl first ($BUILD_DIR)"; exit 1; }

# prom_check FILE: validate Prometheus text exposition format 0.0.4 (HELP/TYPE lines, sample syntax, one TYPE per
# family before its samples, float values). Prints "N families, M samples" or the first error.
prom_check() {
	python3 - "$1" <<-'PY'
		import re, sys
		name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
		sample = re.compile(r"^(" + name + r")(\{(" + r"[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\n]|\\.)*\"" +
		                    r"(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\n]|\\.)*\")*,?)?\})? (\S+)( -?\d+)?$")
		types, samples, seen = {}, 0, set()
		text = open(sys.argv[1], encoding="utf-8").read()
		if not text.endswith("\n"): sys.exit("no final newline")
		for n, line in enumerate(text.splitlines(), 1):
		    if not line: continue
		    if line.startswith("# TYPE "):
		        parts = line.split(" ")
		        if len(parts) != 4 or parts[3] not in ("counter", "gauge", "summary", "histogram", "untyped"):
		            sys.exit(f"line {n}: bad TYPE: {line}")
		        if parts[2] in types: sys.exit(f"line {n}: second TYPE for {parts[2]}")
		        if parts[2] in seen: sys.exit(f"line {n}: TYPE after samples of {parts[2]}")
		        types[parts[2]] = parts[3]; continue
		    if line.startswith("#"): continue
		    m = sample.match(line)
		    if not m: sys.exit(f"line {n}: bad sample: {line}")
		    float(m.group(4))
		    base = m.group(1)
		    seen.add(base); samples += 1
		if not types or not samples: sys.exit("empty exposition")
		print(f"{len(types)} families, {samples} samples")
	PY
}

# udp_send NS DST PORT HEX COUNT: send COUNT UDP datagrams with payload HEX from NS.
udp_send() {
	lab_exec "$1" python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[4])): s.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[1], int(sys.argv[2])))
" "$2" "$3" "$4" "$5"
}

# raw_request SOCKET PYTHON_BYTES [HOLD_S]: connect, send bytes, optionally stay silent, print the reply.
raw_request() {
	python3 - "$1" "$2" "${3:-0}" <<-'PY'
		import socket, sys, time
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.settimeout(10)
		s.connect(sys.argv[1])
		data = eval(sys.argv[2])
		if data: s.sendall(data)
		time.sleep(float(sys.argv[3]))
		out = b""
		try:
		    while True:
		        b = s.recv(65536)
		        if not b: break
		        out += b
		except OSError:
		    pass
		print(out.decode(errors="replace").strip())
	PY
}

lab_setup_checked
lab_write_server_conf "ControlSocket $LAB_DIR/server.sock" >/dev/null
lab_start_server "$TEREDOD_SERVER" || { fail "start teredod-server"; exit 1; }
lab_start_teredod_relay "$TEREDOD" "MetricsListen 127.0.0.1:$METRICS_PORT" || { fail "start teredod relay"; exit 1; }
AUTH_FILE="$LAB_ROOT_DIR/metrics.auth"
(umask 077 && echo "prometheus:lab-s3cret" >"$AUTH_FILE")
lab_start_teredod_client client "$LAB_NS_CLIENT" "$TEREDOD" "ControlGroup nogroup" "MetricsListen *:$METRICS_PORT2" \
	"MetricsAuthFile $AUTH_FILE"
lab_wait_until 5 "client control socket" test -S "$LAB_DIR/client.sock" || true

# ---- the sockets ------------------------------------------------------------------------------------------------------
check "relay socket is root:root mode 600 ($(stat -c '%U:%G %a' "$LAB_DIR/relay.sock" 2>&1))" \
	test "$(stat -c '%U:%G %a' "$LAB_DIR/relay.sock" 2>&1)" == "root:root 600"
check "client socket (ControlGroup nogroup) is root:nogroup mode 660 ($(stat -c '%U:%G %a' "$LAB_DIR/client.sock" 2>&1))" \
	test "$(stat -c '%U:%G %a' "$LAB_DIR/client.sock" 2>&1)" == "root:nogroup 660"

# ---- client state: probing (or already qualified) -> qualified --------------------------------------------------------
first_state="$(lab_json client 'd["state"]' status)"
[[ $first_state == probing || $first_state == qualified ]] && pass "client status answers at once: state $first_state" ||
	fail "client first state '$first_state'"
if LAB_WAIT_FOR_PROC=client lab_wait_until 30 "client qualified (teredoctl)" lab_json_true client 'd["state"] == "qualified"' status
then pass "client state qualified (teredoctl status)"
else fail "client never reported qualified"; exit 1; fi
addr="$(lab_teredo_address "$LAB_NS_CLIENT" teredo)"
[[ -z $addr ]] && lab_wait_until 5 "address on teredo" bash -c "ip -n $LAB_NS_CLIENT -6 addr show dev teredo | grep -q 2001:0"
addr="$(lab_teredo_address "$LAB_NS_CLIENT" teredo)"
eval "$(teredo_decode "$addr")"
st="$(lab_ctl client status --json)"
check "status: address $addr, server $TEREDO_SERVER, mapped $TEREDO_MAPPED_IP:$TEREDO_MAPPED_PORT, flags $TEREDO_FLAGS" \
	python3 -c "
import ipaddress, json, sys
d = json.loads(sys.argv[1])
assert ipaddress.IPv6Address(d['teredo_address']) == ipaddress.IPv6Address(sys.argv[2]), d
assert d['address_server'] == sys.argv[3] == d['server'] and d['mapped_address'] == sys.argv[4], d
assert d['mapped_port'] == int(sys.argv[5]) and d['flags'] == sys.argv[6] and d['role'] == 'client', d
assert d['server_secondary'] == '$LAB_SERVER_IP2' and d['mtu'] == 1280 and d['state_age_seconds'] < 60, d
assert d['schema'] == 2 and d['ok'] is True and d['uptime_seconds'] > 0, d
" "$st" "$addr" "$LAB_SERVER_IP1" "$LAB_NAT_PUBLIC_IP" "$TEREDO_MAPPED_PORT" "$TEREDO_FLAGS"
check "relay status: role cone, MTU 1280, prefix 2001::/32" lab_json_true relay \
	'd["role"] == "cone" and d["mtu"] == 1280 and d["prefix"] == "2001::/32" and d["peers"] == 0' status
check "server status: role server, $LAB_SERVER_IP1 and $LAB_SERVER_IP2, workers >= 1" lab_json_true server \
	"d['role'] == 'server' and d['server_primary'] == '$LAB_SERVER_IP1' and d['server_secondary'] == '$LAB_SERVER_IP2' and d['workers'] >= 1" status
check "server stats: router_solicitations >= 1 and router_advertisements >= 1" lab_json_true server \
	'd["counters"]["router_solicitations"] >= 1 and d["counters"]["router_advertisements"] >= 1' stats

# ---- traffic: peers appear, counters match ----------------------------------------------------------------------------
lab_ping_until "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 20 || fail "no echo reply client -> v6host"
check "client peers: v6host $LAB_V6HOST_IP6 (native) via the relay $LAB_RELAY_IP:3545, trusted" lab_json_true client \
	"any(p['address'] == '$LAB_V6HOST_IP6' and p['type'] == 'native' and p['mapped_address'] == '$LAB_RELAY_IP' and p['mapped_port'] == 3545 and p['trusted'] for p in d['peers'])" peers
check "client status: native relay $LAB_RELAY_IP:3545" lab_json_true client \
	"d['native_relay'] is not None and d['native_relay']['relay'] == '$LAB_RELAY_IP:3545'" status
check "relay peers: the client $addr (teredo, mapped $LAB_NAT_PUBLIC_IP, trusted)" lab_json_true relay \
	"any(p['address'] == '$addr' and p['type'] == 'teredo' and p['mapped_address'] == '$LAB_NAT_PUBLIC_IP' and p['trusted'] and p['last_receive_age_seconds'] is not None for p in d['peers'])" peers
check "relay peers --filter $addr: exactly that peer" lab_json_true relay "d['count'] == 1 and d['peers'][0]['address'] == '$addr'" \
	peers --filter "$addr"
check "relay peers --filter 2001:db8::/32: none" lab_json_true relay "d['count'] == 0" peers --filter 2001:db8::/32
check "relay peers --filter $LAB_NAT_PUBLIC_IP (mapped): the client" lab_json_true relay "d['count'] == 1" peers --filter "$LAB_NAT_PUBLIC_IP"
check "client peers --sort rx --reverse --limit 1: one peer" lab_json_true client "d['count'] == 1" peers --sort rx --reverse --limit 1

before="$(lab_ctl relay stats --json)"
cbefore="$(lab_ctl client stats --json)"
pbefore="$(lab_ctl relay peers --json)"
lab_ping "$LAB_NS_CLIENT" "$LAB_V6HOST_IP6" 10 counted >/dev/null || fail "10 echo requests through the relay"
b_teredo="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["counters"]["to_teredo_packets"])' "$before")"
b_delivered="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["counters"]["delivered_packets"])' "$cbefore")"
lab_wait_until 5 "relay counters show the 10 replies" lab_json_true relay "d['counters']['to_teredo_packets'] >= $b_teredo + 10" stats
lab_wait_until 5 "client counters show the 10 replies" lab_json_true client "d['counters']['delivered_packets'] >= $b_delivered + 10" stats
after="$(lab_ctl relay stats --json)"
cafter="$(lab_ctl client stats --json)"
pafter="$(lab_ctl relay peers --json)"
deltas="$(python3 -c "
import json, sys
b, a, cb, ca = (json.loads(x) for x in sys.argv[1:5])
d = lambda x, y, k: y['counters'][k] - x['counters'][k]
print(d(b, a, 'to_native_packets'), d(b, a, 'to_teredo_packets'), d(cb, ca, 'sent_packets'), d(cb, ca, 'delivered_packets'),
      d(b, a, 'to_native_bytes'))
" "$before" "$after" "$cbefore" "$cafter")"
read -r d_native d_teredo d_sent d_delivered d_native_bytes <<<"$deltas"
peerd="$(python3 -c "
import json, sys
b, a = (json.loads(x) for x in sys.argv[1:3])
pb = {p['address']: p for p in b['peers']}; pa = {p['address']: p for p in a['peers']}
x, y = pb[sys.argv[3]], pa[sys.argv[3]]
print(y['packets_in'] - x['packets_in'], y['packets_out'] - x['packets_out'], y['bytes_in'] - x['bytes_in'], y['bytes_out'] - x['bytes_out'])
" "$pbefore" "$pafter" "$addr" 2>&1)"
check "relay peer $addr: +10 packets each way, +1040 bytes each way ($peerd)" test "$peerd" == "10 10 1040 1040"
check "relay counters: +10 to_native_packets ($d_native, $d_native_bytes bytes), +10 to_teredo_packets ($d_teredo)" \
	test "$d_native" == 10 -a "$d_teredo" == 10
check "relay to_native_bytes: +10 x 104 (ping -s 56 over IPv6: $d_native_bytes)" test "$d_native_bytes" == 1040
check "client counters: +10 sent_packets ($d_sent), +10 delivered_packets ($d_delivered)" \
	test "$d_sent" == 10 -a "$d_delivered" == 10

# ---- known bad packets: drops by reason -------------------------------------------------------------------------------
before="$(lab_ctl relay stats --json)"
udp_send "$LAB_NS_PUBCLIENT" "$LAB_RELAY_IP" 3545 00 3                                   # 1 byte: datagram_too_short
udp_send "$LAB_NS_PUBCLIENT" "$LAB_RELAY_IP" 3545 "$(printf '45%.0s' {1..40})" 4          # IPv4 header: not_ipv6
b_drops="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["drops_total"])' "$before")"
lab_wait_until 5 "relay counted the 7 bad datagrams" lab_json_true relay "d['drops_total'] >= $b_drops + 7" stats
after="$(lab_ctl relay stats --json)"
drops="$(python3 -c "
import json, sys
b, a = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(a['drops']['datagram_too_short'] - b['drops']['datagram_too_short'], a['drops']['not_ipv6'] - b['drops']['not_ipv6'],
      a['drops_total'] - b['drops_total'], len(a['drops']))
" "$before" "$after")"
read -r d_short d_notv6 d_total n_reasons <<<"$drops"
check "relay drops: +3 datagram_too_short ($d_short), +4 not_ipv6 ($d_notv6), +7 in total ($d_total)" \
	test "$d_short" == 3 -a "$d_notv6" == 4 -a "$d_total" == 7
check "stats --json lists every drop reason ($n_reasons)" test "$n_reasons" -ge 40

# ---- metrics: teredoctl and HTTP --------------------------------------------------------------------------------------
lab_ctl relay metrics >"$LAB_DIR/metrics.txt" 2>&1
out="$(prom_check "$LAB_DIR/metrics.txt" 2>&1)" && pass "teredoctl metrics: valid exposition ($out)" ||
	fail "teredoctl metrics: $out"
grep -q '^teredod_drops_total{reason="datagram_too_short"} [1-9]' "$LAB_DIR/metrics.txt" &&
	pass "teredoctl metrics: teredod_drops_total{reason=\"datagram_too_short\"} counted" ||
	fail "teredoctl metrics: no datagram_too_short drops"
lab_exec "$LAB_NS_RELAY" curl -sS --max-time 5 -o "$LAB_DIR/scrape.txt" -w '%{http_code} %{content_type}\n' \
	"http://127.0.0.1:$METRICS_PORT/metrics" >"$LAB_DIR/scrape.status" 2>&1
out="$(prom_check "$LAB_DIR/scrape.txt" 2>&1)"
if grep -q '^200 text/plain' "$LAB_DIR/scrape.status" && [[ $out == *families* ]] &&
	grep -q '^teredod_forwarded_packets_total{direction="decapsulated"} [1-9]' "$LAB_DIR/scrape.txt" &&
	grep -q '^teredod_up 1' "$LAB_DIR/scrape.txt"
then pass "HTTP scrape of MetricsListen 127.0.0.1:$METRICS_PORT: $(cat "$LAB_DIR/scrape.status"), $out"
else fail "HTTP scrape: $(cat "$LAB_DIR/scrape.status" 2>/dev/null) $out"; fi

# ---- MetricsAuthFile, and *:PORT over both families --------------------------------------------------------------------
# scrape_status URL [CURL ARGS...]: the HTTP status of a scrape from inside the client's namespace.
scrape_status() {
	local url="$1"; shift
	lab_exec "$LAB_NS_CLIENT" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null
}
for url in "http://127.0.0.1:$METRICS_PORT2/metrics" "http://[::1]:$METRICS_PORT2/metrics"; do
	check "$url without credentials: 401 ($(scrape_status "$url"))" test "$(scrape_status "$url")" == 401
	check "$url with a wrong password: 401" test "$(scrape_status "$url" -u prometheus:wrong)" == 401
	check "$url with the MetricsAuthFile credentials: 200" test "$(scrape_status "$url" -u prometheus:lab-s3cret)" == 200
done
lab_exec "$LAB_NS_CLIENT" curl -s --max-time 5 -D - -o /dev/null "http://127.0.0.1:$METRICS_PORT2/metrics" >"$LAB_DIR/challenge.txt" 2>&1
check "401 carries a Basic challenge ($(grep -i '^WWW-Authenticate' "$LAB_DIR/challenge.txt" | tr -d '\r'))" \
	grep -qi '^WWW-Authenticate: Basic realm="teredod"' "$LAB_DIR/challenge.txt"

# ---- slow and many clients: 30 silent connections and 8 that send one byte a second, on the control socket and the
# metrics endpoint at once; meanwhile teredoctl and a scrape are answered at once, and afterwards nothing is held. ----
lab_exec "$LAB_NS_RELAY" python3 - "$LAB_DIR/relay.sock" "$METRICS_PORT" >"$LAB_DIR/slowloris.pids" 2>&1 <<-'PY' &
	import os, socket, sys, time
	path, port = sys.argv[1], int(sys.argv[2])
	held = []
	for i in range(30):
	    if i % 2:
	        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(path)
	    else:
	        s = socket.create_connection(("127.0.0.1", port))
	    held.append(s)
	trickle = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
	for _ in range(4):
	    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); u.connect(path); trickle.append(u)
	print("open", flush=True)
	for n in range(8):
	    for t in trickle:
	        try:
	            t.send(b"G" if n == 0 else b"x")
	        except OSError:
	            pass
	    time.sleep(1)
	PY
SLOW_PID=$!
lab_wait_until 5 "slow clients connected" grep -q open "$LAB_DIR/slowloris.pids" || true
sleep 1
t0="$(lab_now_ms)"
out="$(lab_ctl relay status --json 2>&1 | head -c 200)"; t1="$(lab_now_ms)"
check "teredoctl status answered while 38 slow clients hold connections ($((t1 - t0)) ms)" \
	test -n "$out" -a $((t1 - t0)) -lt 1000
t0="$(lab_now_ms)"
code="$(lab_exec "$LAB_NS_RELAY" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/metrics")"
t1="$(lab_now_ms)"
check "scrape answered while 38 slow clients hold connections: $code in $((t1 - t0)) ms" test "$code" == 200 -a $((t1 - t0)) -lt 1000
wait "$SLOW_PID"
lab_alive relay && pass "relay alive after the slow clients" || fail "relay died under slow clients"
metrics_connections() { lab_exec "$LAB_NS_RELAY" ss -Htn state established "( sport = :$METRICS_PORT )" | wc -l; }
no_metrics_connection() { [[ $(metrics_connections) -eq 0 ]]; }
lab_wait_until 5 "no metrics connection" no_metrics_connection &&
	pass "no connection left to the metrics port after the slow clients left" ||
	fail "$(metrics_connections) connections to the metrics port still held"

# ---- human-readable output (also the samples in docs/teredoctl.md) ------------------------------------------------------
for args in "client status" "client peers" "client stats" "relay status" "relay peers" "relay stats" "server status" \
	"server stats" "client status --json" "relay peers --json" "relay metrics"; do
	# shellcheck disable=SC2086  # split on purpose
	out="$(lab_ctl $args 2>&1)"; rc=$?
	printf '\n$ teredoctl %s\n%s\n\n' "${args#* }  # ${args%% *}" "$out"
	check "teredoctl ${args#* } (${args%% *}): human output, exit 0" test $rc -eq 0 -a -n "$out"
done

# ---- bad use ----------------------------------------------------------------------------------------------------------
msg="$("$TEREDOCTL" -s "$LAB_DIR/nonexistent.sock" status 2>&1)"; rc=$?
check "no such socket: exit 1, '$msg'" test $rc -eq 1 -a -n "$msg"
msg="$("$TEREDOCTL" frobnicate 2>&1)"; rc=$?
check "unknown command: exit 2 ($msg)" test $rc -eq 2
msg="$("$TEREDOCTL" status --bogus 2>&1)"; rc=$?
check "unknown option: exit 2" test $rc -eq 2
msg="$("$TEREDOCTL" --json -s "$LAB_DIR/relay.sock" stats 2>&1)"; rc=$?
check "options before the command: exit 0" test $rc -eq 0
msg="$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$TEREDOCTL" -s "$LAB_DIR/relay.sock" status 2>&1)"; rc=$?
[[ $rc -eq 1 && $msg == *"permission denied"* ]] && pass "nobody on the root-only relay socket: exit 1, '$msg'" ||
	fail "nobody on the root-only relay socket: exit $rc, '$msg'"
nogroup_gid="$(getent group nogroup | cut -d: -f3)"
setpriv --reuid=nobody --regid=nogroup --groups="$nogroup_gid" "$TEREDOCTL" -s "$LAB_DIR/client.sock" status >/dev/null 2>&1
check "a member of ControlGroup nogroup may query the client" test $? -eq 0
nobody_uid="$(id -u nobody)"
check "the client logs each control request with who asked: $(grep -m1 -o "Control request \"status\" from uid $nobody_uid, pid [0-9]*" "$LAB_DIR/client.log")" \
	grep -qE "Control request \"status\" from uid $nobody_uid, pid [0-9]+" "$LAB_DIR/client.log"
reply="$(raw_request "$LAB_DIR/relay.sock" 'b"\x00\xff\xfegarbage\x01\n"')"
check "garbage request: error reply ($reply)" grep -q '"ok":false' <<<"$reply"
reply="$(raw_request "$LAB_DIR/relay.sock" 'b"A" * 5000')"
check "oversized request: error reply ($reply)" grep -q 'too long' <<<"$reply"
reply="$(raw_request "$LAB_DIR/relay.sock" 'b"peers --sort nothing\n"')"
check "bad peers argument: error reply ($reply)" grep -q '"ok":false' <<<"$reply"
reply="$(raw_request "$LAB_DIR/relay.sock" 'b""' 2.5)"
check "silent connection: closed after the 2 s timeout ($reply)" grep -q 'timed out' <<<"$reply"
check "relay still answers after the bad requests" lab_json_true relay 'd["ok"]' status
lab_alive relay && pass "relay still running" || fail "relay died"

# ---- expiry and state transitions -------------------------------------------------------------------------------------
lab_stop server
if lab_wait_until 75 "client reports down" lab_json_true client 'd["state"] == "down"' status; then
	pass "client state down after the server stopped (since $(lab_json client 'round(d["state_age_seconds"], 1)' status) s)"
else fail "client never reported down: $(lab_json client 'd["state"]' status)"; fi
if lab_wait_until 45 "relay peer expires" lab_json_true relay 'd["count"] == 0' peers; then
	pass "relay peer entry expired ($(lab_json relay 'd["counters"]["peers_expired"]' stats) expired)"
else fail "relay peer entry did not expire"; fi
msg="$("$TEREDOCTL" -s "$LAB_DIR/server.sock" status 2>&1)"; rc=$?
check "stopped daemon: exit 1, '$msg'" test $rc -eq 1 -a -n "$msg"
