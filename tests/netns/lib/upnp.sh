# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# tests/netns/lib/upnp.sh: a UPnP IGD on a lab NAT (sourced by tests/netns/lib.sh): Debian's miniupnpd (nftables
# backend) with its own configuration file, the STUN responder that lets it forward ports on a documentation address,
# and a teredod that keeps its UPnP state file in the lab.
#
# miniupnpd refuses to forward ports while its WAN address is private or reserved, and every documentation range is in
# its list ("Reserved / private IP address 198.51.100.30 on ext interface eth0: Port forwarding is impossible"; ext_ip=
# is refused the same way). With ext_perform_stun=yes it asks a STUN server instead, and forwards when that server sees
# its WAN address unchanged: tests/netns/stun_server.py on pubclient answers every Binding Request with the address it
# came from, so the lab's IGD maps ports on its public address like a home router with a public address.

# lab_igd_chains NS: miniupnpd's nftables chains on the NAT in NS (its defaults: table inet filter, chains miniupnpd,
# prerouting_miniupnpd, postrouting_miniupnpd); the lab's own NAT rules stay in table ip nat.
lab_igd_chains() {
	lab_exec "$1" nft -f - <<-'NFT'
		table inet filter {
			chain forward { type filter hook forward priority filter; policy accept; jump miniupnpd; }
			chain miniupnpd { }
			chain prerouting_miniupnpd { type nat hook prerouting priority dstnat; policy accept; }
			chain postrouting_miniupnpd { type nat hook postrouting priority srcnat; policy accept; }
		}
	NFT
}

# lab_igd_dnat_rules NS: miniupnpd's DNAT rules on the NAT in NS, one "PORT ADDRESS:PORT" line each.
lab_igd_dnat_rules() {
	ip netns exec "$1" nft list chain inet filter prerouting_miniupnpd 2>/dev/null |
		sed -nE 's/.*dport ([0-9]+) dnat ip to ([0-9.]+:[0-9]+).*/\1 \2/p'
}

# lab_igd_conf NAME LAN_IF LAN_SUBNET [LINES...]: $LAB_DIR/NAME.conf for miniupnpd (LAN LAN_IF, WAN eth0, UPnP only;
# mappings allowed for LAN_SUBNET, e.g. 10.77.0.0/24); prints its path.
lab_igd_conf() {
	local name="$1" lan="$2" subnet="$3"
	shift 3
	lab_write_conf "$name" ext_ifname=eth0 "listening_ip=$lan" http_port=0 enable_natpmp=no enable_upnp=yes \
		secure_mode=yes system_uptime=yes notify_interval=60 uuid=6d1ce0e2-3c1a-4d5e-9f0a-7465726564ff \
		"lease_file=$LAB_DIR/$name.leases" "$@" "allow 1024-65535 $subnet 1024-65535" \
		"deny 0-65535 0.0.0.0/0 0-65535"
}

# lab_start_igd NAME NS: miniupnpd with $LAB_DIR/NAME.conf in NS; waits until it listens (10 s).
lab_start_igd() {
	lab_start "$1" "$2" miniupnpd -f "$LAB_DIR/$1.conf" -d -P "$LAB_DIR/$1.pid"
	LAB_WAIT_FOR_PROC="$1" lab_wait_until 10 "miniupnpd listening" grep -q "HTTP listening on port" "$LAB_DIR/$1.log"
}

# lab_start_stun NAME NS ADDRESS: tests/netns/stun_server.py on ADDRESS:3478 in NS; waits until it listens (5 s).
lab_start_stun() {
	lab_start "$1" "$2" /usr/bin/python3 "$LAB_LIB_DIR/../stun_server.py" "$3" 3478
	LAB_WAIT_FOR_PROC="$1" lab_wait_until 5 "STUN responder" grep -q listening "$LAB_DIR/$1.log"
}

# lab_start_igd_stun NAME NS LAN_IF LAN_SUBNET STUN_ADDRESS: the chains, a configuration with STUN, miniupnpd; true
# once it says port forwarding is enabled.
lab_start_igd_stun() {
	lab_igd_chains "$2" || return 1
	lab_igd_conf "$1" "$3" "$4" ext_perform_stun=yes "ext_stun_host=$5" ext_stun_port=3478 >/dev/null
	lab_start_igd "$1" "$2" && grep -q "Port forwarding is now enabled" "$LAB_DIR/$1.log"
}

# lab_private_varlib_teredod [NAME]: print the path of a wrapper ($LAB_DIR/teredod-private-varlib[-NAME]) that runs
# $TEREDOD with $LAB_DIR/varlib[-NAME] as /var/lib, in a private mount namespace (nothing propagates to the host): a
# client with UPnP on keeps its state file there, never in the host's /var/lib/teredod; two clients of one lab, each
# with a NAME, each have their own (as two hosts would).
lab_private_varlib_teredod() {
	local root="$LAB_DIR/varlib${1:+-$1}" bin="$LAB_DIR/teredod-private-varlib${1:+-$1}"
	if [[ ! -x $bin ]]; then
		mkdir -p "$root" && chmod 755 "$root" || return 1
		cat >"$bin" <<-WRAPPER || return 1
			#!/bin/sh
			# teredod with the lab's /var/lib, in a private mount namespace (nothing propagates to the host)
			exec unshare --mount --propagation private sh -c 'mount --bind "\$0" /var/lib && exec "\$@"' "$root" "$TEREDOD" "\$@"
		WRAPPER
		chmod 755 "$bin"
	fi
	printf '%s\n' "$bin"
}
