# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# tests/netns/lib/daemons.sh: starting and stopping the daemons of the lab (sourced by tests/netns/lib.sh): Teredo
# servers, relays and clients (ours or Debian's Miredo), their configuration files, their users.
#
# Our daemons (lab_start_teredod_relay, lab_start_teredod_client) get a control socket at $LAB_DIR/NAME.sock: the
# tests look inside them with teredoctl (lib/observe.sh: lab_ctl, lab_stat, lab_state).

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

# lab_start NAME NS CMD...: start CMD in NS in the background; output in $LAB_DIR/NAME.log; pid in LAB_PID[NAME].
lab_start() {
	local name="$1" ns="$2"; shift 2
	lab_log "start $name in $ns: $*"
	ip netns exec "$ns" "$@" </dev/null >"$LAB_DIR/$name.log" 2>&1 &
	LAB_PID["$name"]=$!
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

# lab_start_waiting NAME NS DESCRIPTION CHECK CMD...: lab_start NAME NS CMD..., then wait up to 10 s until `eval CHECK`
# succeeds; returns 1 if it does not (or the process exits first).
lab_start_waiting() {
	local name="$1" ns="$2" desc="$3" check="$4"; shift 4
	lab_start "$name" "$ns" "$@"
	LAB_WAIT_FOR_PROC="$name" lab_wait_until 10 "$desc" eval "$check" ||
		{ lab_alive "$name" || lab_log "$name exited early"; return 1; }
	lab_log "$name: $desc"
}

# lab_write_conf NAME LINE...: write $LAB_DIR/NAME.conf (a comment, then one directive per LINE); print its path.
lab_write_conf() {
	local name="$1" f="$LAB_DIR/$1.conf" l; shift
	{
		echo "# teredod lab: $name"
		for l in "$@"; do echo "$l"; done
	} >"$f"
	chmod 644 "$f"
	printf '%s\n' "$f"
}

# lab_write_server_conf [EXTRA LINES...]: $LAB_DIR/server.conf, the Teredo server on .10 and .11.
# shellcheck disable=SC2120  # the extra lines are optional
lab_write_server_conf() { lab_write_conf server "ServerBindAddress $LAB_SERVER_IP1" "ServerBindAddress2 $LAB_SERVER_IP2" "$@"; }

# lab_write_relay_conf [EXTRA LINES...]: $LAB_DIR/relay.conf, a cone relay on interface teredo.
# shellcheck disable=SC2120  # the extra lines are optional
lab_write_relay_conf() { lab_write_conf relay "RelayType cone" "InterfaceName teredo" "$@"; }

# lab_write_client_conf NAME [EXTRA LINES...]: $LAB_DIR/NAME.conf, a client of server .10 on interface teredo.
lab_write_client_conf() {
	local name="$1"; shift
	lab_write_conf "$name" "RelayType client" "ServerAddress $LAB_SERVER_IP1" "InterfaceName teredo" "$@"
}

# lab_teredod_lines NAME [EXTRA LINES...]: EXTRA, plus "ControlSocket $LAB_DIR/NAME.sock" unless EXTRA sets one: the
# directives our daemon NAME gets (one per line on stdout).
lab_teredod_lines() {
	local name="$1" l socket=1; shift
	for l in "$@"; do
		[[ $l == ControlSocket* ]] && socket=0
		printf '%s\n' "$l"
	done
	[[ $socket == 0 ]] || printf 'ControlSocket %s\n' "$LAB_DIR/$name.sock"
}

# lab_start_server CMD...: start a Teredo server in the server namespace as
#   CMD... -f -c $LAB_DIR/server.conf -u $LAB_SERVER_USER -p $LAB_DIR/server.pid
# (CMD is e.g. "miredo-server" or "$BUILD_DIR/bin/teredod-server", optionally behind a wrapper such as valgrind).
# Waits until UDP 3544 is bound on both server addresses (10 s); returns 1 if it is not.
lab_start_server() {
	[[ $# -gt 0 ]] || set -- miredo-server
	[[ -f $LAB_DIR/server.conf ]] || lab_write_server_conf >/dev/null
	lab_start_waiting server "$LAB_NS_SERVER" "server bound to $LAB_SERVER_IP1:3544 and $LAB_SERVER_IP2:3544" \
		"lab_udp_bound $LAB_NS_SERVER $LAB_SERVER_IP1 3544 && lab_udp_bound $LAB_NS_SERVER $LAB_SERVER_IP2 3544" \
		"$@" -f -c "$LAB_DIR/server.conf" -u "$LAB_SERVER_USER" -p "$LAB_DIR/server.pid"
}

# lab_start_relay CMD...: start a relay in the relay namespace as
#   CMD... -f -c $LAB_DIR/relay.conf -u $LAB_MIREDO_USER -p $LAB_DIR/relay.pid   (default CMD: miredo)
# Waits until the relay's "teredo" interface is up and routes 2001::/32 (10 s).
lab_start_relay() {
	[[ $# -gt 0 ]] || set -- miredo
	[[ -f $LAB_DIR/relay.conf ]] || lab_write_relay_conf >/dev/null
	lab_start_waiting relay "$LAB_NS_RELAY" "relay interface teredo up with route 2001::/32" \
		"lab_iface_up $LAB_NS_RELAY teredo && ip -n $LAB_NS_RELAY -6 route show 2001::/32 | grep -q teredo" \
		"$@" -f -c "$LAB_DIR/relay.conf" -u "$LAB_MIREDO_USER" -p "$LAB_DIR/relay.pid"
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

# lab_start_teredod_relay BINARY [EXTRA CONFIG LINES...]: write relay.conf for OUR relay (RelayType relay, InterfaceName
# teredo, BindPort 3545 unless a line sets another, ControlSocket $LAB_DIR/relay.sock unless a line sets another) and
# start BINARY as user nobody. Waits for the interface and the control socket.
lab_start_teredod_relay() {
	local bin="$1" l bindport=("BindPort 3545"); shift
	for l in "$@"; do [[ $l == BindPort* ]] && bindport=(); done
	local lines
	mapfile -t lines < <(lab_teredod_lines relay "${bindport[@]}" "$@")
	lab_write_conf relay "RelayType relay" "InterfaceName teredo" "${lines[@]}" >/dev/null
	LAB_MIREDO_USER=nobody lab_start_relay "$bin" || return 1
	lab_wait_ctl relay 5
}

# lab_start_teredod_client NAME NS BINARY [EXTRA CONFIG LINES...]: write $LAB_DIR/NAME.conf (RelayType client,
# ServerAddress .10, InterfaceName teredo, ControlSocket $LAB_DIR/NAME.sock unless a line sets another, UPnP no unless a
# line sets UPnP, EXTRA lines) and start OUR client BINARY in NS as user nobody (lab_start NAME). Does not wait for an
# address: follow with wait_teredo_address NS teredo TIMEOUT. (UPnP no: the lab's NATs have no IGD, which would cost a
# 1 s discovery at every start, and the host's /var/lib/teredod stays untouched; tests/netns/test_upnp.sh turns it on.)
lab_start_teredod_client() {
	local name="$1" ns="$2" bin="$3"; shift 3
	local lines conf l upnp=("UPnP no")
	for l in "$@"; do [[ ${l,,} == upnp* ]] && upnp=(); done
	mapfile -t lines < <(lab_teredod_lines "$name" "${upnp[@]}" "$@")
	conf="$(lab_write_client_conf "$name" "${lines[@]}")" || return 1
	lab_start "$name" "$ns" "$bin" -f -c "$conf" -u nobody -p "$LAB_DIR/$name.pid"
}

# The supervisor keeps NET_ADMIN, NET_RAW, NET_BIND_SERVICE, SETUID, SETGID, SYS_CHROOT, SETPCAP, KILL
# and BPF (the TUN steering program of several relay workers).
# shellcheck disable=SC2034  # used by the tests
LAB_SUPERVISOR_CAPEFF=00000080000435e0
# teredod-server's supervisor: NET_RAW, SETUID, SETGID, SYS_CHROOT, SETPCAP and KILL.
# shellcheck disable=SC2034  # used by the tests
LAB_SERVER_SUPERVISOR_CAPEFF=00000000000421e0
