# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# tests/netns/lib/observe.sh: looking at the lab (sourced by tests/netns/lib.sh): sockets, interfaces and addresses,
# ping and iperf3, our daemons through teredoctl (their control sockets, $LAB_DIR/NAME.sock), processes and their
# privileges, the logs.

# lab_udp_bound NS ADDR PORT: true when a UDP socket is bound to ADDR:PORT (or 0.0.0.0:PORT) in NS.
lab_udp_bound() {
	ip netns exec "$1" ss -Hlun 2>/dev/null | awk '{print $4}' | grep -qE "^($2|0\.0\.0\.0|\*):$3\$"
}

# lab_iface_up NS IFACE: true when IFACE exists and is up in NS.
lab_iface_up() { ip -n "$1" link show dev "$2" 2>/dev/null | grep -q '[<,]UP[,>]'; }

# lab_teredo_address NS IFACE: print the first global 2001:0::/32 address on IFACE (no wait).
lab_teredo_address() {
	ip -n "$1" -6 -o addr show dev "$2" scope global 2>/dev/null |
		awk '{split($4, a, "/"); print a[1]}' | grep -iE '^2001:0{0,4}:' | head -n1
}

# wait_teredo_address NS IFACE TIMEOUT_S: poll until a global 2001:0: address appears on IFACE; print it.
# Honours LAB_WAIT_FOR_PROC (see lab_wait_until).
wait_teredo_address() {
	local ns="$1" ifn="$2" timeout="$3" addr=""
	lab_log "waiting up to ${timeout}s for a Teredo address on $ns/$ifn"
	local deadline=$(( $(lab_now_ms) + timeout * 1000 ))
	while :; do
		addr="$(lab_teredo_address "$ns" "$ifn")"
		if [[ -n $addr ]]; then
			lab_log "$ns/$ifn has Teredo address $addr"
			printf '%s\n' "$addr"
			return 0
		fi
		(( $(lab_now_ms) >= deadline )) && break
		if [[ -n ${LAB_WAIT_FOR_PROC:-} ]] && ! lab_alive "$LAB_WAIT_FOR_PROC"; then
			lab_log "$LAB_WAIT_FOR_PROC exited"
			break
		fi
		sleep 0.1
	done
	lab_log "no Teredo address on $ns/$ifn after ${timeout}s"
	return 1
}

# teredo_decode ADDR: print shell assignments TEREDO_SERVER, TEREDO_FLAGS (hex), TEREDO_CONE (0/1),
# TEREDO_MAPPED_IP, TEREDO_MAPPED_PORT, TEREDO_PREFIX_OK (1 if inside 2001::/32). Use: eval "$(teredo_decode "$a")".
teredo_decode() {
	python3 - "$1" <<-'PY'
		import ipaddress, sys
		b = ipaddress.IPv6Address(sys.argv[1]).packed
		flags = int.from_bytes(b[8:10], "big")
		port = int.from_bytes(b[10:12], "big") ^ 0xFFFF
		mapped = bytes(x ^ 0xFF for x in b[12:16])
		print(f"TEREDO_PREFIX_OK={1 if b[0:4] == bytes([0x20, 0x01, 0, 0]) else 0}")
		print(f"TEREDO_SERVER={ipaddress.IPv4Address(b[4:8])}")
		print(f"TEREDO_FLAGS=0x{flags:04x}")
		print(f"TEREDO_CONE={1 if flags & 0x8000 else 0}")
		print(f"TEREDO_MAPPED_IP={ipaddress.IPv4Address(mapped)}")
		print(f"TEREDO_MAPPED_PORT={port}")
	PY
}

# lab_ping NS DEST COUNT [NAME]: ping -6 COUNT times (0.2 s apart, 2 s reply timeout); output in $LAB_DIR/ping-NAME.log.
# Prints one line "sent=N received=M loss=L% rtt=min/avg/max ms"; returns 0 only if all COUNT replies came back.
lab_ping() {
	local ns="$1" dst="$2" count="$3" name="${4:-$1-$2}" out rc=0
	out="$LAB_DIR/ping-$name.log"
	ip netns exec "$ns" ping -6 -n -c "$count" -i 0.2 -W 2 "$dst" >"$out" 2>&1 || rc=$?
	local sent recv loss rtt
	sent="$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out")"
	recv="$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out")"
	loss="$(sed -n 's/.* \([0-9.]*%\) packet loss.*/\1/p' "$out")"
	rtt="$(sed -n 's/^rtt [^=]*= \([^ ]*\) ms.*/\1/p' "$out")"
	printf 'sent=%s received=%s loss=%s rtt(min/avg/max/mdev)=%s ms\n' "${sent:-?}" "${recv:-0}" "${loss:-100%}" "${rtt:-n/a}"
	[[ $rc -eq 0 && ${recv:-0} == "$count" ]]
}

# lab_ping_until NS DEST TIMEOUT_S: ping once a second until one reply arrives (path warm-up: bubbles, connectivity test).
lab_ping_until() {
	local ns="$1" dst="$2" timeout="$3"
	lab_log "warming up path $ns -> $dst (up to ${timeout}s)"
	lab_wait_until "$timeout" "first echo reply $ns -> $dst" ip netns exec "$ns" ping -6 -n -c1 -W1 "$dst"
}

# lab_stop_ping NAME: stop a background ping started with lab_start NAME by SIGINT, so that it prints its summary, and
# print "SENT RECEIVED" from it ("0 0" when there is none).
lab_stop_ping() {
	local name="$1" pid="${LAB_PID[$1]:-}"
	if [[ -n $pid ]]; then
		kill -INT "$pid" 2>/dev/null
		lab_wait_until 3 "$name to exit" bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
		unset "LAB_PID[$name]"
	fi
	awk '/packets transmitted/ { s = $1; for (i = 2; i < NF; i++) if ($(i + 1) ~ /^received/) r = $i }
		END { print s + 0, r + 0 }' "$LAB_DIR/$name.log" 2>/dev/null || echo "0 0"
}

# lab_iperf3 SERVER_NS CLIENT_NS DEST [SECONDS] [NAME]: TCP iperf3 over IPv6 from CLIENT_NS to `iperf3 -s` in SERVER_NS
# (one-shot server on port 5201). Output in $LAB_DIR/iperf3-NAME.{json,server.log}. Prints "<Mbit/s> Mbit/s
# (<bytes> bytes received in <s> s, <retransmits> retransmits)"; returns 0 only if the run succeeded with bytes > 0.
lab_iperf3() {
	local sns="$1" cns="$2" dst="$3" secs="${4:-3}" name="${5:-$1-$3}" port=5201 rc=0
	ip netns exec "$sns" iperf3 -s -1 -6 -p "$port" >"$LAB_DIR/iperf3-$name.server.log" 2>&1 &
	local spid=$!
	if ! lab_wait_until 5 "iperf3 server listening in $sns" \
		bash -c "ip netns exec '$sns' ss -Hltn | awk '{print \$4}' | grep -q ':$port\$'"; then
		kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
		echo "iperf3 server did not start"; return 1
	fi
	timeout $((secs + 20)) ip netns exec "$cns" iperf3 -6 -c "$dst" -p "$port" -t "$secs" -J --connect-timeout 5000 \
		>"$LAB_DIR/iperf3-$name.json" 2>&1 || rc=$?
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	local line
	line="$(python3 - "$LAB_DIR/iperf3-$name.json" <<-'PY'
		import json, sys
		try:
		    d = json.load(open(sys.argv[1]))
		    r = d["end"]["sum_received"]; s = d["end"].get("sum_sent", {})
		    print(f'{r["bits_per_second"] / 1e6:.1f} {int(r["bytes"])} {r["seconds"]:.1f} {s.get("retransmits", "?")}')
		except Exception as e:
		    print(f"0 0 0 ? {type(e).__name__}")
		PY
	)"
	local mbps bytes s retr
	read -r mbps bytes s retr _ <<<"$line"
	printf '%s Mbit/s (%s bytes received in %s s, %s retransmits)\n' "$mbps" "$bytes" "$s" "$retr"
	[[ $rc -eq 0 && ${bytes:-0} -gt 0 ]]
}

# lab_dump_logs: print every log of the lab (for failure reports).
lab_dump_logs() {
	local f
	[[ -n $LAB_DIR && -d $LAB_DIR ]] || return 0
	for f in "$LAB_DIR"/*.log; do
		[[ -e $f ]] || continue
		printf '===== %s =====\n' "$(basename "$f")"
		tail -n 60 "$f"
	done
}

# lab_ctl NAME ARGS...: teredoctl on the control socket of our daemon NAME ($LAB_DIR/NAME.sock).
lab_ctl() { local name="$1"; shift; "$TEREDOCTL" -s "$LAB_DIR/$name.sock" "$@"; }

# lab_json NAME 'PYTHON EXPR on d' CMD ARGS...: EXPR evaluated on the JSON of `teredoctl CMD ARGS --json` from NAME.
lab_json() {
	local name="$1" expr="$2"; shift 2
	lab_ctl "$name" "$@" --json 2>/dev/null |
		/usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($expr)" 2>/dev/null
}

# lab_json_true NAME 'PYTHON CONDITION on d' CMD ARGS...: true when the condition holds on the JSON of
# `teredoctl CMD ARGS --json` from NAME (for lab_wait_until).
lab_json_true() { [[ $(lab_json "$@") == True ]]; }

# lab_stats NAME: every figure of NAME's `teredoctl stats`, one "KEY VALUE" line each: the counters, drop_<reason> for
# every drop reason, then drops_total, peers, queued_packets, peer_slots, peer_table_bytes (those the role has);
# nothing when NAME does not answer.
lab_stats() {
	lab_ctl "$1" stats --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit()
for k, v in d.get("counters", {}).items():
    print(k, v)
for k, v in d.get("drops", {}).items():
    print("drop_" + k, v)
for k, v in d.items():
    if type(v) is int and k != "schema":
        print(k, v)'
}

# lab_stat NAME KEY: one figure of lab_stats NAME (a counter, drop_<reason>, drops_total, peers, queued_packets,
# peer_slots or peer_table_bytes); 0 when it is absent or NAME does not answer.
lab_stat() { lab_stats "$1" | awk -v k="$2" '$1 == k { print $2; f = 1; exit } END { if (!f) print 0 }'; }

# lab_state NAME: the state of our client NAME (probing, qualified or down; empty when it does not answer).
lab_state() { lab_json "$1" 'd["state"]' status; }

# lab_state_is NAME STATE: true when our client NAME is in STATE (probing, qualified or down).
lab_state_is() { [[ $(lab_state "$1") == "$2" ]]; }

# lab_wait_ctl NAME TIMEOUT_S: wait until our daemon NAME answers `teredoctl status`.
lab_wait_ctl() { lab_wait_until "$2" "$1 answers teredoctl" lab_ctl "$1" status; }

# lab_wait_stat_above NAME KEY VALUE TIMEOUT_S: wait until lab_stat NAME KEY exceeds VALUE.
lab_wait_stat_above() {
	local name="$1" key="$2" value="$3"
	# shellcheck disable=SC2016  # expanded by eval, at each try
	lab_wait_until "$4" "$key > $value in $name" eval '(( $(lab_stat "$name" "$key") > value ))'
}

# lab_wait_stat_settled NAME KEY TIMEOUT_S: wait until two readings of lab_stat NAME KEY 0.3 s apart are equal (all
# input processed).
lab_wait_stat_settled() {
	local name="$1" key="$2" prev cur
	local deadline=$(( $(lab_now_ms) + $3 * 1000 ))
	prev="$(lab_stat "$name" "$key")"
	while (( $(lab_now_ms) < deadline )); do
		sleep 0.3
		cur="$(lab_stat "$name" "$key")"
		[[ $cur == "$prev" ]] && return 0
		prev="$cur"
	done
	return 1
}

# lab_rss_kb PID: VmRSS of PID in kB (0 if gone).
lab_rss_kb() { awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# lab_proc_field PID FIELD: the value of FIELD ("Uid" gives the real uid, "CapEff", "NoNewPrivs", "Seccomp") in
# /proc/PID/status; empty if the process is gone.
lab_proc_field() { awk -v f="$2:" '$1 == f {print $2; exit}' "/proc/$1/status" 2>/dev/null; }

# lab_child PID: the first child of PID (empty if none). The supervisor's child is the worker; the client worker's child
# is the privileged helper.
lab_child() { awk '{print $1}' "/proc/$1/task/$1/children" 2>/dev/null; }

# lab_proc_summary PID: "uid=U capeff=C nnp=N seccomp=S root=R" for PID.
lab_proc_summary() {
	printf 'uid=%s capeff=%s nnp=%s seccomp=%s root=%s\n' "$(lab_proc_field "$1" Uid)" "$(lab_proc_field "$1" CapEff)" \
		"$(lab_proc_field "$1" NoNewPrivs)" "$(lab_proc_field "$1" Seccomp)" "$(readlink "/proc/$1/root" 2>/dev/null)"
}

# lab_ifindex NS IFACE: the interface index of IFACE in NS (empty if absent).
lab_ifindex() { ip -n "$1" -o link show dev "$2" 2>/dev/null | awk -F: '{print $1; exit}'; }
