# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2086  # pid lists are split on purpose
# tests/netns/lib/topology.sh: the network-namespace lab itself (sourced by tests/netns/lib.sh; bash 5, root).
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
# lab_setup installs `trap ${LAB_EXIT_TRAP:-lab_cleanup} EXIT` (the test suites' summary calls lab_cleanup): every
# process started in the namespaces is killed, the namespaces are deleted.

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
LAB_ROOT_DIR=""         # per-lab dir for files root runs (hook scripts): it and its parents root's, mode 755
LAB_CREATED_NS=()
declare -gA LAB_PID=()  # role name -> pid
LAB_KEEP_DIR="${LAB_KEEP_DIR:-0}"

lab_log() { printf '  [lab] %s\n' "$*" >&2; }

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

# lab_setup: create the namespaces and the topology drawn above; installs the EXIT trap (LAB_EXIT_TRAP, default
# lab_cleanup).
lab_setup() {
	[[ $EUID -eq 0 ]] || { echo "lab_setup: needs root" >&2; return 1; }
	# shellcheck disable=SC2064  # the trap's command is chosen now
	trap "${LAB_EXIT_TRAP:-lab_cleanup}" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	LAB_DIR="$(mktemp -d "${TMPDIR:-/tmp}/teredod-lab.XXXXXX")" || return 1
	chmod 755 "$LAB_DIR"
	# Not under /tmp, which everyone may write: teredod refuses a hook in such a place (os/trusted_path.hpp).
	LAB_ROOT_DIR="$(mktemp -d /run/teredod-lab-root.XXXXXX)" || return 1
	chmod 755 "$LAB_ROOT_DIR"
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
	[[ -n $LAB_ROOT_DIR && -d $LAB_ROOT_DIR ]] && rm -rf "$LAB_ROOT_DIR"
	return "$rc"
}
