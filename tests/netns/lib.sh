# shellcheck shell=bash
# shellcheck disable=SC2086,SC2119,SC2120  # pid lists are split on purpose; config writers take optional lines
# tests/netns/lib.sh: network-namespace lab for teredod interop tests (source it; bash 5, root).
#
#                       IPv4 "internet" 198.51.100.0/24 (bridge br4 in namespace "wan")
#   +-------------+-------------+------------------+---------------------------+
#   |             |             |                  |                           |
#  server        relay        nat                pubclient
#  .10 + .11     .20          .30 (public)       .40
#  udp/3544      |            masquerade         miredo client
#   |            |            10.77.0.1/24
#   |            |              |
#   |            |            client 10.77.0.2/24, default via 10.77.0.1, miredo client
#   |            |
#  ::10         ::20 (routes 2001::/32 into its Teredo tunnel)
#   |            |
#   +------------+----------------- v6host ::100 (route 2001::/32 via ::20)
#              native IPv6 2001:db8:100::/64 (bridge br6 in namespace "wan")
#
# Namespace names are unique per run: td<PID>-wan, td<PID>-server, td<PID>-relay, td<PID>-nat, td<PID>-client,
# td<PID>-pubclient, td<PID>-v6host (LAB_NS_* variables). Inside each node the IPv4 link is eth0 and the IPv6 link eth6
# (the NAT's private side is eth1). No namespace has a default route to anything outside the lab, and only documentation
# prefixes (198.51.100.0/24, 2001:db8::/32) and a private range (10.77.0.0/24, behind the NAT) are used.
#
# Usage:   source tests/netns/lib.sh; lab_setup; lab_start_server miredo-server; ...
# lab_setup installs `trap lab_cleanup EXIT`: every process started in the namespaces is killed, the namespaces are deleted.

LAB_TAG="${LAB_TAG:-td$$}"
LAB_NS_WAN="$LAB_TAG-wan"
LAB_NS_SERVER="$LAB_TAG-server"
LAB_NS_RELAY="$LAB_TAG-relay"
LAB_NS_NAT="$LAB_TAG-nat"
LAB_NS_CLIENT="$LAB_TAG-client"
LAB_NS_PUBCLIENT="$LAB_TAG-pubclient"
LAB_NS_V6HOST="$LAB_TAG-v6host"
LAB_ALL_NS=("$LAB_NS_SERVER" "$LAB_NS_RELAY" "$LAB_NS_NAT" "$LAB_NS_CLIENT" "$LAB_NS_PUBCLIENT" "$LAB_NS_V6HOST" "$LAB_NS_WAN")

LAB_SERVER_IP1=198.51.100.10
LAB_SERVER_IP2=198.51.100.11
LAB_RELAY_IP=198.51.100.20
LAB_NAT_PUBLIC_IP=198.51.100.30
LAB_PUBCLIENT_IP=198.51.100.40
LAB_NAT_PRIVATE_IP=10.77.0.1
LAB_CLIENT_IP=10.77.0.2
LAB_SERVER_IP6=2001:db8:100::10
LAB_RELAY_IP6=2001:db8:100::20
LAB_V6HOST_IP6=2001:db8:100::100

LAB_DIR=""              # per-lab temp dir: configs, pidfiles, logs
LAB_CREATED_NS=()
declare -gA LAB_PID=()  # role name -> pid
LAB_KEEP_DIR="${LAB_KEEP_DIR:-0}"

lab_log() { printf '  [lab] %s\n' "$*" >&2; }

# lab_unpriv_user PREFERRED: print PREFERRED if that user exists, else miredo, else nobody.
lab_unpriv_user() {
	local u
	for u in "$1" miredo nobody; do
		if id -u "$u" >/dev/null 2>&1; then printf '%s\n' "$u"; return 0; fi
	done
	return 1
}
LAB_SERVER_USER="${LAB_SERVER_USER:-$(lab_unpriv_user miredo-server)}"
LAB_MIREDO_USER="${LAB_MIREDO_USER:-$(lab_unpriv_user miredo)}"

# lab_exec NS CMD...: run a command inside a namespace (foreground).
lab_exec() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# lab_now_ms: monotonic-ish milliseconds.
lab_now_ms() { local t="${EPOCHREALTIME/./}"; printf '%s\n' "$((t / 1000))"; }

# lab_wait_until TIMEOUT_S DESCRIPTION CMD...: poll CMD every 100 ms until it succeeds; return 1 on timeout.
# If LAB_WAIT_FOR_PROC names a process started with lab_start, give up as soon as that process has exited.
lab_wait_until() {
	local timeout="$1" desc="$2"; shift 2
	local deadline=$(( $(lab_now_ms) + timeout * 1000 ))
	while :; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		if [[ -n ${LAB_WAIT_FOR_PROC:-} ]] && ! lab_alive "$LAB_WAIT_FOR_PROC"; then
			lab_log "$LAB_WAIT_FOR_PROC exited while waiting for: $desc"
			return 1
		fi
		if (( $(lab_now_ms) >= deadline )); then
			lab_log "timed out after ${timeout}s waiting for: $desc"
			return 1
		fi
		sleep 0.1
	done
}

lab_ns_add() {
	ip netns add "$1" || return 1
	LAB_CREATED_NS+=("$1")
	lab_exec "$1" ip link set lo up
	# addresses must be usable at once: no duplicate address detection anywhere in the lab
	lab_exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# lab_link NODE_NS NODE_IF BRIDGE PORT_NAME: veth pair NODE_NS/NODE_IF <-> wan/PORT_NAME enslaved to BRIDGE.
lab_link() {
	local ns="$1" ifn="$2" br="$3" port="$4"
	ip -n "$LAB_NS_WAN" link add "$port" type veth peer name "$ifn" netns "$ns" || return 1
	ip -n "$LAB_NS_WAN" link set "$port" master "$br" up || return 1
	ip -n "$ns" link set "$ifn" up
}

# lab_reap_stale: delete namespaces left by an earlier lab whose shell is gone (e.g. killed by a ctest timeout).
lab_reap_stale() {
	local ns pid pids
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^td[0-9]+-(wan|server|relay|nat|client|pubclient|v6host)$'); do
		pid="${ns%%-*}"; pid="${pid#td}"
		kill -0 "$pid" 2>/dev/null && continue
		lab_log "removing stale namespace $ns"
		pids="$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
		[[ -n ${pids// /} ]] && kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null || true
	done
}

# lab_setup: create the namespaces and the topology drawn above; installs the EXIT trap.
lab_setup() {
	[[ $EUID -eq 0 ]] || { echo "lab_setup: needs root" >&2; return 1; }
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	LAB_DIR="$(mktemp -d "${TMPDIR:-/tmp}/teredod-lab.XXXXXX")" || return 1
	chmod 755 "$LAB_DIR"
	lab_reap_stale
	lab_log "building lab '$LAB_TAG' (logs and configs in $LAB_DIR)"
	local ns
	for ns in "${LAB_ALL_NS[@]}"; do lab_ns_add "$ns" || return 1; done

	# hub: one bridge per segment
	ip -n "$LAB_NS_WAN" link add br4 type bridge
	ip -n "$LAB_NS_WAN" link add br6 type bridge
	ip -n "$LAB_NS_WAN" link set br4 type bridge mcast_snooping 0
	ip -n "$LAB_NS_WAN" link set br6 type bridge mcast_snooping 0
	ip -n "$LAB_NS_WAN" link set br4 up
	ip -n "$LAB_NS_WAN" link set br6 up

	lab_link "$LAB_NS_SERVER" eth0 br4 srv4 || return 1
	lab_link "$LAB_NS_SERVER" eth6 br6 srv6 || return 1
	lab_link "$LAB_NS_RELAY" eth0 br4 rly4 || return 1
	lab_link "$LAB_NS_RELAY" eth6 br6 rly6 || return 1
	lab_link "$LAB_NS_NAT" eth0 br4 nat4 || return 1
	lab_link "$LAB_NS_PUBCLIENT" eth0 br4 pub4 || return 1
	lab_link "$LAB_NS_V6HOST" eth6 br6 v6h6 || return 1

	# server: two consecutive IPv4s, native IPv6, forwarding
	ip -n "$LAB_NS_SERVER" addr add "$LAB_SERVER_IP1/24" dev eth0
	ip -n "$LAB_NS_SERVER" addr add "$LAB_SERVER_IP2/24" dev eth0
	ip -n "$LAB_NS_SERVER" -6 addr add "$LAB_SERVER_IP6/64" dev eth6 nodad
	lab_exec "$LAB_NS_SERVER" sysctl -qw net.ipv6.conf.all.forwarding=1
	# relay
	ip -n "$LAB_NS_RELAY" addr add "$LAB_RELAY_IP/24" dev eth0
	ip -n "$LAB_NS_RELAY" -6 addr add "$LAB_RELAY_IP6/64" dev eth6 nodad
	lab_exec "$LAB_NS_RELAY" sysctl -qw net.ipv6.conf.all.forwarding=1
	# native IPv6 host: Teredo prefix via the relay
	ip -n "$LAB_NS_V6HOST" -6 addr add "$LAB_V6HOST_IP6/64" dev eth6 nodad
	ip -n "$LAB_NS_V6HOST" -6 route add 2001::/32 via "$LAB_RELAY_IP6" dev eth6
	# public client
	ip -n "$LAB_NS_PUBCLIENT" addr add "$LAB_PUBCLIENT_IP/24" dev eth0
	# NAT: public .30, private 10.77.0.1/24, masquerade
	ip -n "$LAB_NS_NAT" addr add "$LAB_NAT_PUBLIC_IP/24" dev eth0
	ip -n "$LAB_NS_NAT" link add eth1 type veth peer name eth0 netns "$LAB_NS_CLIENT" || return 1
	ip -n "$LAB_NS_NAT" addr add "$LAB_NAT_PRIVATE_IP/24" dev eth1
	ip -n "$LAB_NS_NAT" link set eth1 up
	lab_exec "$LAB_NS_NAT" sysctl -qw net.ipv4.ip_forward=1
	lab_exec "$LAB_NS_NAT" nft -f - <<-NFT || return 1
		table ip nat {
			chain postrouting {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "eth0" masquerade
			}
		}
	NFT
	# client behind the NAT
	ip -n "$LAB_NS_CLIENT" addr add "$LAB_CLIENT_IP/24" dev eth0
	ip -n "$LAB_NS_CLIENT" link set eth0 up
	ip -n "$LAB_NS_CLIENT" route add default via "$LAB_NAT_PRIVATE_IP"

	lab_wait_until 5 "IPv4 reachability client -> nat -> server" \
		lab_exec "$LAB_NS_CLIENT" ping -c1 -W1 "$LAB_SERVER_IP1" || return 1
	lab_wait_until 5 "IPv6 reachability v6host -> relay" \
		lab_exec "$LAB_NS_V6HOST" ping -6 -c1 -W1 "$LAB_RELAY_IP6" || return 1
	lab_log "topology up: server $LAB_SERVER_IP1+$LAB_SERVER_IP2/$LAB_SERVER_IP6, relay $LAB_RELAY_IP/$LAB_RELAY_IP6," \
		"nat $LAB_NAT_PUBLIC_IP<-$LAB_CLIENT_IP, pubclient $LAB_PUBCLIENT_IP, v6host $LAB_V6HOST_IP6"
}

# lab_start NAME NS CMD...: start CMD in NS in the background; output in $LAB_DIR/NAME.log; pid in LAB_PID[NAME].
lab_start() {
	local name="$1" ns="$2"; shift 2
	lab_log "start $name in $ns: $*"
	ip netns exec "$ns" "$@" </dev/null >"$LAB_DIR/$name.log" 2>&1 &
	LAB_PID[$name]=$!
	disown "$!" 2>/dev/null || true
}

# lab_alive NAME: true while the process started as NAME runs.
lab_alive() { [[ -n ${LAB_PID[$1]:-} ]] && kill -0 "${LAB_PID[$1]}" 2>/dev/null; }

# lab_stop NAME: SIGTERM the process started as NAME, SIGKILL after 3 s.
lab_stop() {
	local name="$1" pid="${LAB_PID[$1]:-}"
	[[ -n $pid ]] || return 0
	lab_log "stop $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	lab_wait_until 3 "$name to exit" bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
	unset "LAB_PID[$name]"
}

# lab_udp_bound NS ADDR PORT: true when a UDP socket is bound to ADDR:PORT (or 0.0.0.0:PORT) in NS.
lab_udp_bound() {
	ip netns exec "$1" ss -Hlun 2>/dev/null | awk '{print $4}' | grep -qE "^($2|0\.0\.0\.0|\*):$3\$"
}

# lab_iface_up NS IFACE: true when IFACE exists and is up in NS.
lab_iface_up() { ip -n "$1" link show dev "$2" 2>/dev/null | grep -q '[<,]UP[,>]'; }

# lab_write_server_conf [EXTRA LINES...]: write $LAB_DIR/server.conf; print its path.
lab_write_server_conf() {
	local f="$LAB_DIR/server.conf"
	{
		echo "# teredod lab: Teredo server"
		echo "ServerBindAddress $LAB_SERVER_IP1"
		echo "ServerBindAddress2 $LAB_SERVER_IP2"
		local l; for l in "$@"; do echo "$l"; done
	} >"$f"
	chmod 644 "$f"
	printf '%s\n' "$f"
}

# lab_write_relay_conf [EXTRA LINES...]: write $LAB_DIR/relay.conf (cone relay, interface teredo); print its path.
lab_write_relay_conf() {
	local f="$LAB_DIR/relay.conf"
	{
		echo "# teredod lab: Teredo relay"
		echo "RelayType cone"
		echo "InterfaceName teredo"
		local l; for l in "$@"; do echo "$l"; done
	} >"$f"
	chmod 644 "$f"
	printf '%s\n' "$f"
}

# lab_write_client_conf NAME [EXTRA LINES...]: write $LAB_DIR/NAME.conf (client of server .10); print its path.
lab_write_client_conf() {
	local name="$1"; shift
	local f="$LAB_DIR/$name.conf"
	{
		echo "# teredod lab: Teredo client $name"
		echo "RelayType client"
		echo "ServerAddress $LAB_SERVER_IP1"
		echo "InterfaceName teredo"
		local l; for l in "$@"; do echo "$l"; done
	} >"$f"
	chmod 644 "$f"
	printf '%s\n' "$f"
}

# lab_start_server CMD...: start a Teredo server in the server namespace as
#   CMD... -f -c $LAB_DIR/server.conf -u $LAB_SERVER_USER -p $LAB_DIR/server.pid
# (CMD is e.g. "miredo-server" or "$BUILD_DIR/bin/teredod-server", optionally behind a wrapper such as valgrind).
# Waits until UDP 3544 is bound on both server addresses (10 s); returns 1 if it is not.
lab_start_server() {
	[[ $# -gt 0 ]] || set -- miredo-server
	[[ -f $LAB_DIR/server.conf ]] || lab_write_server_conf >/dev/null
	lab_start server "$LAB_NS_SERVER" "$@" -f -c "$LAB_DIR/server.conf" -u "$LAB_SERVER_USER" -p "$LAB_DIR/server.pid"
	LAB_WAIT_FOR_PROC=server lab_wait_until 10 "server bound to $LAB_SERVER_IP1:3544 and $LAB_SERVER_IP2:3544" \
		eval "lab_udp_bound $LAB_NS_SERVER $LAB_SERVER_IP1 3544 && lab_udp_bound $LAB_NS_SERVER $LAB_SERVER_IP2 3544" ||
		{ lab_alive server || lab_log "server exited early"; return 1; }
	lab_log "server listening on $LAB_SERVER_IP1:3544 and $LAB_SERVER_IP2:3544"
}

# lab_start_relay CMD...: start a cone relay in the relay namespace as
#   CMD... -f -c $LAB_DIR/relay.conf -u $LAB_MIREDO_USER -p $LAB_DIR/relay.pid   (default CMD: miredo)
# Waits until the relay's "teredo" interface is up and routes 2001::/32 (10 s).
lab_start_relay() {
	[[ $# -gt 0 ]] || set -- miredo
	[[ -f $LAB_DIR/relay.conf ]] || lab_write_relay_conf >/dev/null
	lab_start relay "$LAB_NS_RELAY" "$@" -f -c "$LAB_DIR/relay.conf" -u "$LAB_MIREDO_USER" -p "$LAB_DIR/relay.pid"
	LAB_WAIT_FOR_PROC=relay lab_wait_until 10 "relay interface teredo up with route 2001::/32" \
		eval "lab_iface_up $LAB_NS_RELAY teredo && ip -n $LAB_NS_RELAY -6 route show 2001::/32 | grep -q teredo" ||
		{ lab_alive relay || lab_log "relay exited early"; return 1; }
	lab_log "relay up: interface teredo routes 2001::/32"
}

# lab_start_client NAME NS [CMD...]: start a Teredo client as
#   CMD... -f -c $LAB_DIR/NAME.conf -u $LAB_MIREDO_USER -p $LAB_DIR/NAME.pid   (default CMD: miredo)
# Does not wait: follow with wait_teredo_address NS teredo TIMEOUT.
lab_start_client() {
	local name="$1" ns="$2"; shift 2
	[[ $# -gt 0 ]] || set -- miredo
	[[ -f $LAB_DIR/$name.conf ]] || lab_write_client_conf "$name" >/dev/null
	lab_start "$name" "$ns" "$@" -f -c "$LAB_DIR/$name.conf" -u "$LAB_MIREDO_USER" -p "$LAB_DIR/$name.pid"
}

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

# lab_cleanup: kill every process in the lab's namespaces, delete them, remove LAB_DIR (kept if LAB_KEEP_DIR=1).
lab_cleanup() {
	local rc=$? ns pids name
	trap - EXIT INT TERM
	for name in "${!LAB_PID[@]}"; do kill -TERM "${LAB_PID[$name]}" 2>/dev/null || true; done
	for ns in "${LAB_CREATED_NS[@]}"; do
		pids="$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
		[[ -n ${pids// /} ]] && kill -TERM $pids 2>/dev/null
	done
	for ns in "${LAB_CREATED_NS[@]}"; do
		lab_wait_until 3 "processes in $ns to exit" bash -c "[ -z \"\$(ip netns pids $ns 2>/dev/null)\" ]" 2>/dev/null || {
			pids="$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
			[[ -n ${pids// /} ]] && kill -KILL $pids 2>/dev/null
		}
	done
	for ns in "${LAB_CREATED_NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	if [[ ${#LAB_CREATED_NS[@]} -gt 0 ]]; then lab_log "cleanup: deleted ${#LAB_CREATED_NS[@]} namespaces"; fi
	LAB_CREATED_NS=()
	if [[ -n $LAB_DIR && -d $LAB_DIR ]]; then
		if [[ $LAB_KEEP_DIR == 1 ]]; then lab_log "logs kept in $LAB_DIR"; else rm -rf "$LAB_DIR"; fi
	fi
	return "$rc"
}

# ---------------------------------------------------------------------------------------------------------------------
# Helpers for the relay tests (test_relay_interop.sh, test_relay_hostile.sh) and scripts/demo.

# lab_stat FILE NAME: value of counter NAME in a teredod stats file ("name value" lines); 0 if absent.
lab_stat() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$1" 2>/dev/null || echo 0; }

# lab_wait_stats FILE TIMEOUT_S: wait until a teredod stats file has been written (it ends with drops_total).
lab_wait_stats() { lab_wait_until "$2" "stats file $1" grep -q '^drops_total ' "$1"; }

# lab_wait_stat_settled FILE NAME TRIES INTERVAL_S: read counter NAME of a teredod stats file, then up to TRIES times
# sleep INTERVAL_S and read it again; true as soon as two consecutive readings are equal (all input processed).
lab_wait_stat_settled() {
	local f="$1" k="$2" tries="$3" interval="$4" prev cur _
	prev="$(lab_stat "$f" "$k")"
	for _ in $(seq 1 "$tries"); do
		sleep "$interval"
		cur="$(lab_stat "$f" "$k")"
		[[ $cur == "$prev" ]] && return 0
		prev="$cur"
	done
	return 1
}

# lab_rss_kb PID: VmRSS of PID in kB (0 if gone).
lab_rss_kb() { awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# lab_start_teredod_relay BINARY STATS_FILE [EXTRA CONFIG LINES...]: write relay.conf for OUR relay (RelayType relay,
# InterfaceName teredo, BindPort 3545 unless an extra line sets another) and start BINARY through lab_start_relay with
# TEREDOD_STATS_FILE=STATS_FILE, as user nobody. Waits for the interface (lab_start_relay) and the first stats write.
lab_start_teredod_relay() {
	local bin="$1" stats="$2"; shift 2
	local f="$LAB_DIR/relay.conf" l have_port=0
	for l in "$@"; do [[ $l == BindPort* ]] && have_port=1; done
	{
		echo "# teredod lab: Teredo relay (teredod)"
		echo "RelayType relay"
		echo "InterfaceName teredo"
		[[ $have_port == 1 ]] || echo "BindPort 3545"
		for l in "$@"; do echo "$l"; done
	} >"$f"
	chmod 644 "$f"
	LAB_MIREDO_USER=nobody lab_start_relay env "TEREDOD_STATS_FILE=$stats" "$bin" || return 1
	lab_wait_stats "$stats" 5
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

# ---------------------------------------------------------------------------------------------------------------------
# Helpers for the client tests (test_client_interop.sh, test_client_faults.sh, test_client_hostile.sh, bench-qualify).

# lab_start_teredod_client NAME NS BINARY STATS_FILE [EXTRA CONFIG LINES...]: write $LAB_DIR/NAME.conf (RelayType
# client, ServerAddress .10, InterfaceName teredo, EXTRA lines) and start OUR client BINARY in NS as user nobody with
# TEREDOD_STATS_FILE=STATS_FILE (lab_start NAME). Does not wait: follow with wait_teredo_address NS teredo TIMEOUT.
lab_start_teredod_client() {
	local name="$1" ns="$2" bin="$3" stats="$4"; shift 4
	local conf
	conf="$(lab_write_client_conf "$name" "$@")" || return 1
	lab_start "$name" "$ns" env "TEREDOD_STATS_FILE=$stats" "$bin" -f -c "$conf" -u nobody -p "$LAB_DIR/$name.pid"
}

# lab_wait_stat_above FILE NAME VALUE TIMEOUT_S: wait until counter NAME in a teredod stats file exceeds VALUE.
lab_wait_stat_above() {
	local f="$1" k="$2" v="$3" t="$4"
	lab_wait_until "$t" "$k > $v in $f" bash -c "(( \$(awk -v k='$k' '\$1 == k {print \$2}' '$f') > $v ))"
}

# ---------------------------------------------------------------------------------------------------------------------
# Helpers for the daemon tests (test_daemon_*.sh): the supervisor / worker / helper process tree and its privileges.

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

# The supervisor keeps NET_ADMIN, NET_RAW, NET_BIND_SERVICE, SETUID, SETGID, SYS_CHROOT, SETPCAP, KILL
# and BPF (the TUN steering program of several relay workers).
LAB_SUPERVISOR_CAPEFF=00000080000435e0
# teredod-server's supervisor: NET_RAW, SETUID, SETGID, SYS_CHROOT, SETPCAP and KILL.
LAB_SERVER_SUPERVISOR_CAPEFF=00000000000421e0
