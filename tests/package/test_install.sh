#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/package/test_install.sh DEB_DIR: the Debian packages built by scripts/package, installed into clean Debian 12
# roots and run under a real systemd (issue 16). Two roots made with debootstrap (minbase), each booted with
# systemd-nspawn as PID 1 inside a network namespace of its own, joined by a veth pair (documentation addresses):
#
#   A (192.0.2.1-3, 2001:db8:1::1)  teredod-server.service and teredod@relay.service (a relay instance)
#   B (192.0.2.10)                  teredod.service (a client of A's server)
#
# Checked: the install (system users, conffiles, units enabled, teredod-checkconf on the installed files); each unit
# active and `teredoctl status` answering for every role in its shipped sandbox (server, relay instance, client);
# `teredoctl list` and `-i`; the client qualifies and pings A's native IPv6 host through the relay; STATUS= lines in
# systemctl status; `systemctl reload` with a good file (same address kept) and a broken one (the reload fails,
# naming the line; the daemon keeps running); stop (interface and runtime directory gone); an upgrade to a newer
# version (the admin's conffile kept, the service running again); a purge (every file the packages installed gone,
# /etc/teredod and /var/lib/teredod gone, no process or interface left; the system users stay, as Debian does).
# shellcheck disable=SC2016  # dpkg-query formats are literal
# Needs root, debootstrap and systemd-container, and Debian's mirror for debootstrap: without them it says SKIPPED
# loudly and exits 77.
set -uo pipefail
deb_dir=$(cd "${1:?usage: $0 DEB_DIR}" && pwd)
[[ $EUID -eq 0 ]] || { echo "SKIPPED: $0 needs root" >&2; exit 77; }
for tool in debootstrap systemd-nspawn nsenter ip; do
	command -v "$tool" >/dev/null || { echo "SKIPPED: $0 needs $tool" >&2; exit 77; }
done
shopt -s nullglob
debs=()
for d in "$deb_dir"/*.deb; do [[ $d == *-dbgsym_* ]] || debs+=("$d"); done
((${#debs[@]} >= 3)) || { echo "FAIL: no .deb files in $deb_dir (run scripts/package)"; exit 1; }

id=$$
work=$(mktemp -d "/var/tmp/teredod-pkgtest.$id.XXXX")
nsA="tpkgA-$id" nsB="tpkgB-$id"
pids=()
passed=0 failed=0
log() { printf '[package-test] %s\n' "$*"; }
check() {
	local what=$1
	shift
	if "$@" >>"$work/checks.log" 2>&1; then
		passed=$((passed + 1)); printf 'PASS: %s\n' "$what"
	else
		failed=$((failed + 1)); printf 'FAIL: %s\n' "$what"
	fi
}
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$nsA" 2>/dev/null
	ip netns del "$nsB" 2>/dev/null
	if [[ -n ${KEEP_WORK:-} ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- the roots -------------------------------------------------------------------------------------------------
# The packages' run-time dependencies go into debootstrap's --include, so that dpkg -i needs no network.
deps=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Depends; done | tr ',' '\n' | sed 's/(.*//; s/|.*//; s/[[:space:]]//g' |
	grep -v '^teredod' | grep -v '^$' | sort -u | paste -sd, -)
log "debootstrap bookworm (minbase + systemd, iproute2, iputils-ping; package dependencies: $deps)"
if ! debootstrap --variant=minbase --include="systemd,systemd-sysv,dbus,iproute2,iputils-ping,$deps" bookworm \
	"$work/base" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1; then
	tail -n 5 "$work/debootstrap.log"
	echo "SKIPPED: debootstrap failed (no Debian mirror reachable?): package install test NOT RUN" >&2
	exit 77
fi
mkdir -p "$work/base/tmp/debs"
cp "${debs[@]}" "$work/base/tmp/debs/"
printf '#!/bin/sh\nexit 101\n' >"$work/base/usr/sbin/policy-rc.d"  # no service starts in the chroot
chmod 755 "$work/base/usr/sbin/policy-rc.d"
cp -a "$work/base" "$work/B"
mv "$work/base" "$work/A"
in_chroot() { local r=$1; shift; chroot "$work/$r" "$@"; }
check "A: dpkg -i teredod-common teredod teredod-server" in_chroot A sh -c 'dpkg -i /tmp/debs/*.deb'
check "B: dpkg -i teredod-common teredod" in_chroot B sh -c 'dpkg -i /tmp/debs/teredod-common_*.deb /tmp/debs/teredod_*.deb'
check "system users teredod and teredod-server created" in_chroot A sh -c 'getent passwd teredod && getent passwd teredod-server'
conffiles() { in_chroot A dpkg-query -W -f='${Conffiles}\n' teredod teredod-server >"$work/conffiles.txt" &&
	grep -q /etc/teredod/teredod.conf "$work/conffiles.txt" && grep -q /etc/teredod/teredod-server.conf "$work/conffiles.txt"; }
check "conffiles registered" conffiles
check "teredod-checkconf accepts the shipped teredod.conf" in_chroot A teredod-checkconf /etc/teredod/teredod.conf
check "teredod-checkconf accepts the shipped teredod-server.conf" in_chroot A teredod-checkconf /etc/teredod/teredod-server.conf
check "teredod.service and teredod-server.service enabled" in_chroot A sh -c 'systemctl is-enabled teredod.service && systemctl is-enabled teredod-server.service'
check "teredoctl --version runs from the installed path" in_chroot A /usr/bin/teredoctl --version

# ---- the configuration of each side ----------------------------------------------------------------------------
cat >"$work/A/etc/teredod/teredod-server.conf" <<CONF
ServerBindAddress 192.0.2.1
ServerBindAddress2 192.0.2.2
CONF
cat >"$work/A/etc/teredod/relay.conf" <<CONF
RelayType cone
InterfaceName teredo
BindAddress 192.0.2.3
BindPort 3544
CONF
cat >"$work/B/etc/teredod/teredod.conf" <<CONF
# the lab's server (an admin's change: kept across the upgrade below)
RelayType client
ServerAddress 192.0.2.1
CONF
in_chroot A systemctl disable teredod.service >/dev/null 2>&1
in_chroot A systemctl enable teredod@relay.service >/dev/null 2>&1
rm -f "$work/A/usr/sbin/policy-rc.d" "$work/B/usr/sbin/policy-rc.d"
for r in A B; do
	echo "teredod-$r" >"$work/$r/etc/hostname"
	: >"$work/$r/etc/machine-id"
done

# ---- the network: A and B in namespaces of their own, one veth between them -----------------------------------------
if ! ip netns add "$nsA" || ! ip netns add "$nsB"; then echo "FAIL: cannot create namespaces"; exit 1; fi
ip link add "pkA$id" netns "$nsA" type veth peer name "pkB$id" netns "$nsB"
ip -n "$nsA" link set lo up && ip -n "$nsB" link set lo up
ip -n "$nsA" link set "pkA$id" name eth0 && ip -n "$nsB" link set "pkB$id" name eth0
for a in 192.0.2.1/24 192.0.2.2/24 192.0.2.3/24; do ip -n "$nsA" addr add "$a" dev eth0; done
ip -n "$nsB" addr add 192.0.2.10/24 dev eth0
ip -n "$nsA" link set eth0 up && ip -n "$nsB" link set eth0 up
# A's native IPv6 host: an address on a veth pair inside A (no dummy driver needed).
ip -n "$nsA" link add v6host type veth peer name v6peer && ip -n "$nsA" addr add 2001:db8:1::1/64 dev v6host nodad &&
	ip -n "$nsA" link set v6host up && ip -n "$nsA" link set v6peer up
ip netns exec "$nsA" sysctl -qw net.ipv6.conf.all.forwarding=1

# ---- boot ------------------------------------------------------------------------------------------------------
boot() {
	local r=$1 ns=$2
	systemd-nspawn -q -D "$work/$r" -M "tpkg$r$id" --register=no --keep-unit --network-namespace-path="/run/netns/$ns" \
		--capability=CAP_NET_ADMIN,CAP_NET_RAW,CAP_BPF -b --console=pipe >"$work/$r.console" 2>&1 &
	pids+=($!)
	eval "nspawn_$r=$!"
}
leader() {  # the container's PID 1, as the host sees it
	local v="nspawn_$1"
	pgrep -P "${!v}" | head -n 1
}
in_box() {  # in_box A|B COMMAND...: run in the booted container (all its namespaces)
	local r=$1 p
	shift
	p=$(leader "$r")
	[[ -n $p ]] || return 1
	nsenter -t "$p" -a -- "$@"
}
boot A "$nsA"
boot B "$nsB"
booted() { local s; s=$(in_box "$1" systemctl is-system-running 2>/dev/null); [[ $s == running || $s == degraded ]]; }
for r in A B; do
	for _ in $(seq 120); do booted "$r" && break; sleep 0.5; done
	check "$r: systemd booted as PID 1 ($(in_box "$r" systemctl is-system-running 2>&1))" booted "$r"
done
wait_active() {  # wait_active ROOT UNIT
	for _ in $(seq 60); do in_box "$1" systemctl is-active -q "$2" && return 0; sleep 0.5; done
	in_box "$1" systemctl status --no-pager "$2"
	in_box "$1" journalctl -b --no-pager -n 30 -u "$2"
	return 1
}
check "A: teredod-server.service active" wait_active A teredod-server.service
check "A: teredod@relay.service active" wait_active A teredod@relay.service
check "B: teredod.service active" wait_active B teredod.service

# ---- the units as systemd reads them ------------------------------------------------------------------------------
verify_units() { in_box A systemd-analyze verify --man=no teredod.service teredod@relay.service teredod-server.service; }
check "A: systemd-analyze verify --man=no (minbase has no man): no complaint about the three units" verify_units
for u in teredod-server.service teredod@relay.service; do
	log "systemd-analyze security $u: $(in_box A systemd-analyze security --no-pager "$u" 2>/dev/null | tail -n 1)"
done
log "systemd-analyze security teredod.service: $(in_box B systemd-analyze security --no-pager teredod.service 2>/dev/null | tail -n 1)"

# ---- teredoctl for every role, under its shipped unit's sandbox ------------------------------------------------------------
role_is() {  # role_is ROOT ROLE TEREDOCTL-ARGS...
	local r=$1 want=$2
	shift 2
	in_box "$r" teredoctl "$@" status --json | grep -q "\"role\": \"$want\""
}
check "A: teredoctl -i server status answers (role server; socket /run/teredod-server/teredod-server.sock)" role_is A server -i server
check "A: teredoctl -i relay status answers (role cone)" role_is A cone -i relay
check "A: teredoctl -s /run/teredod@relay/teredod.sock status" role_is A cone -s /run/teredod@relay/teredod.sock
ambiguous() { local rc=0; in_box A teredoctl status || rc=$?; [[ $rc -eq 2 ]]; }
check "A: teredoctl with two daemons and no choice says so (exit 2)" ambiguous
check "A: teredoctl -r relay status picks the relay instance" role_is A cone -r relay
check "A: teredoctl -r server status picks the server" role_is A server -r server
in_box A teredoctl list >"$work/list.txt" 2>&1
listed() { grep -q '^server  *server' "$work/list.txt" && grep -q '^relay  *cone' "$work/list.txt"; }
check "A: teredoctl list names both (server, relay)" listed
qualified() { in_box B teredoctl status --json | grep -q '"teredo_address": "2001:'; }
for _ in $(seq 40); do qualified && break; sleep 0.5; done
check "B: teredoctl status: the client qualified with A's server (role client)" qualified
check "B: teredoctl -r client status" role_is B client -r client
address=$(in_box B teredoctl status --json | sed -n 's/.*"teredo_address": "\(2001:[^"]*\)".*/\1/p')
log "client's Teredo address: ${address:-none}"
check "B: ping A's native IPv6 host through the relay" in_box B ping -6 -c 3 -W 5 -i 0.3 2001:db8:1::1
status_text() { in_box "$1" systemctl show -p StatusText --value "$2" | tee -a "$work/status.txt" | grep -q "$3"; }
for _ in $(seq 20); do status_text B teredod.service "qualified as $address" && break; sleep 0.5; done
check "B: systemctl status shows the STATUS= line (qualified as $address)" status_text B teredod.service "qualified as $address"
check "A: the server's STATUS= line" status_text A teredod-server.service "serving"
check "A: the relay's STATUS= line" status_text A teredod@relay.service "relay for 2001:"

# ---- the watchdog: a stuck worker is restarted by systemd -----------------------------------------------------------
# WatchdogSec=4 for the client (a drop-in); gdb (from the host) holds the worker stopped at a breakpoint inside a turn
# of its data path (the recvmmsg/recvmsg of its UDP socket, reached when A sends it one datagram): the supervisor stops
# confirming, systemd's watchdog fires and the service is restarted, qualifies again and answers.
if command -v gdb >/dev/null; then
	mkdir -p "$work/B/etc/systemd/system/teredod.service.d"
	printf '[Service]\nWatchdogSec=4\nRestartSec=1\n' >"$work/B/etc/systemd/system/teredod.service.d/watchdog.conf"
	in_box B systemctl daemon-reload
	in_box B systemctl restart teredod.service
	for _ in $(seq 40); do qualified && break; sleep 0.5; done
	main_pid=$(in_box B systemctl show -p MainPID --value teredod.service)
	# The supervisor's pid as the host sees it (NSpid: host pid first, the container's last), then its child.
	# B's pid namespace is its PID 1's.
	pidns_B=$(readlink "/proc/$(leader B)/ns/pid")
	host_main=$(for st in /proc/[0-9]*/status; do
		read -ra ns < <(sed -n 's/^NSpid:[[:space:]]*//p' "$st" 2>/dev/null)
		((${#ns[@]} > 1)) && [[ ${ns[-1]} == "$main_pid" && $(readlink "${st%/status}/ns/pid") == "$pidns_B" ]] && echo "${ns[0]}"
	done | head -n1)
	worker=""
	[[ -n $host_main ]] && worker=$(pgrep -P "$host_main" | head -n1)
	port=$(in_box B teredoctl status --json | sed -n 's/.*"mapped_port": \([0-9]*\).*/\1/p')
	log "watchdog: $(in_box B systemctl show -p WatchdogUSec teredod.service); client supervisor $main_pid in B (host pid ${host_main:-none}), worker (host pid) ${worker:-none}, UDP port ${port:-none}"
	[[ -n $worker && $worker != 1 ]] || worker=no-such-process  # never attach to anything else
	gdb -q -batch -p "$worker" -ex "set sysroot /proc/$worker/root" -ex 'break recvmmsg' -ex 'break recvmsg' -ex continue \
		-ex 'shell sleep 8' -ex detach >"$work/gdb.log" 2>&1 &
	gpid=$!
	for _ in $(seq 40); do grep -q '^Breakpoint 2 at' "$work/gdb.log" && break; sleep 0.5; done
	ip netns exec "$nsA" /usr/bin/python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x' * 40, ('192.0.2.10', ${port:-9}))"
	watchdog_fired() { in_box B journalctl -b --no-pager -u teredod.service | grep -q 'Watchdog timeout'; }
	for _ in $(seq 40); do watchdog_fired && break; sleep 0.5; done
	check "B: a worker held inside a turn: systemd's watchdog fired ($(grep -c 'hit Breakpoint' "$work/gdb.log") breakpoint hit)" watchdog_fired
	wait "$gpid" 2>/dev/null
	restarted_after_watchdog() { wait_active B teredod.service && [[ $(in_box B systemctl show -p MainPID --value teredod.service) != "$main_pid" ]]; }
	check "B: ... and restarted the service (new main process)" restarted_after_watchdog
	for _ in $(seq 40); do qualified && break; sleep 0.5; done
	check "B: ... which qualified again and answers teredoctl" qualified
	in_box B journalctl -b --no-pager -u teredod.service | grep -E 'busy with one turn|Watchdog timeout' | head -n 3 | sed 's/^/  /'
	rm -rf "$work/B/etc/systemd/system/teredod.service.d"
	in_box B systemctl daemon-reload
	in_box B systemctl restart teredod.service
	for _ in $(seq 40); do qualified && break; sleep 0.5; done
	address=$(in_box B teredoctl status --json | sed -n 's/.*"teredo_address": "\(2001:[^"]*\)".*/\1/p')
else
	check "gdb installed (the watchdog check needs it)" false
fi

# ---- reloads ---------------------------------------------------------------------------------------------------
echo "# reloaded" >>"$work/B/etc/teredod/teredod.conf"
check "B: systemctl reload with a good file succeeds" in_box B systemctl reload teredod.service
same_address() { in_box B systemctl is-active -q teredod.service && in_box B teredoctl status --json | grep -q "\"teredo_address\": \"$address\""; }
check "B: after the good reload: active, same address" same_address
cp "$work/B/etc/teredod/teredod.conf" "$work/good.conf"
echo "BindPort 99999" >>"$work/B/etc/teredod/teredod.conf"
neg() { ! "$@"; }
check "B: systemctl reload with a broken file fails" neg in_box B systemctl reload teredod.service
journal_names() { in_box B journalctl -b --no-pager -u teredod.service | grep -q 'teredod.conf:5'; }
check "B: the journal names the broken line" journal_names
answering() { in_box "$1" systemctl is-active -q "$2" && in_box "$1" teredoctl "${@:3}" status >/dev/null; }
check "B: after the broken reload: still active and answering" answering B teredod.service
cp "$work/good.conf" "$work/B/etc/teredod/teredod.conf"
check "A: systemctl reload teredod-server (checkconf, then SIGHUP)" in_box A systemctl reload teredod-server.service

# ---- stop ------------------------------------------------------------------------------------------------------
check "B: systemctl stop teredod" in_box B systemctl stop teredod.service
all_gone() { ! in_box B ip link show teredo && ! in_box B test -e /run/teredod && ! in_box B pgrep teredod; }
check "B: after stop: no teredo interface, no /run/teredod, no teredod process" all_gone
check "B: systemctl start teredod again" in_box B systemctl start teredod.service

# ---- upgrade to a newer version (the same files, repacked as 0.1.0+upgrade1) -------------------------------------------
# Written under /root: the container's /tmp is a tmpfs of its own.
mkdir -p "$work/upgrade" "$work/B/root/upgrade"
for d in "$work"/B/tmp/debs/teredod-common_*.deb "$work"/B/tmp/debs/teredod_*.deb; do
	x="$work/upgrade/x"
	rm -rf "$x" && dpkg-deb -R "$d" "$x"
	old=$(sed -n 's/^Version: //p' "$x/DEBIAN/control")
	sed -i "s/^Version: .*/Version: $old+upgrade1/; s/(= $old)/(= $old+upgrade1)/g; s/(<< $old)/(<< $old+upgrade1)/g" "$x/DEBIAN/control"
	dpkg-deb -b "$x" "$work/B/root/upgrade/$(basename "${d%%_*}")_upgrade.deb" >/dev/null
done
old_pid=$(in_box B systemctl show -p MainPID --value teredod.service)
check "B: dpkg -i the newer packages (keeping the admin's conffile)" in_box B sh -c 'dpkg -i --force-confold /root/upgrade/*_upgrade.deb'
upgraded() { in_box B dpkg-query -W -f='${Version}' teredod | grep -q upgrade1; }
check "B: upgraded version installed" upgraded
check "B: the admin's teredod.conf kept" grep -q "ServerAddress 192.0.2.1" "$work/B/etc/teredod/teredod.conf"
restarted() { wait_active B teredod.service && [[ $(in_box B systemctl show -p MainPID --value teredod.service) != "$old_pid" ]] && answering B teredod.service; }
check "B: teredod restarted by the upgrade and answering" restarted

# ---- purge -----------------------------------------------------------------------------------------------------
in_box B sh -c 'dpkg -L teredod teredod-common' | sort -u >"$work/B.files"
check "B: dpkg --purge teredod teredod-common" in_box B dpkg --purge teredod teredod-common
# Files and symbolic links, not directories (nor the base system's /lib -> usr/lib).
left=$(while read -r f; do [[ (-f $work/B$f || -L $work/B$f) && ! -d $work/B$f ]] && echo "$f"; done <"$work/B.files")
check "B: no file of the packages left${left:+ (left: $left)}" test -z "$left"
dirs_gone() { ! test -e "$work/B/etc/teredod" && ! test -e "$work/B/var/lib/teredod" && ! in_box B test -e /run/teredod; }
check "B: /etc/teredod, /var/lib/teredod and /run/teredod gone" dirs_gone
no_links() { ! find "$work/B/etc/systemd/system" -name 'teredod*' | grep -q .; }
check "B: no unit symlink left in /etc/systemd/system" no_links
check "B: no teredod process and no teredo interface left" all_gone
check "B: the system user teredod stays (as Debian leaves system users)" in_chroot B getent passwd teredod

printf '\n%d passed, %d failed\n' "$passed" "$failed"
if ((failed)); then
	for r in A B; do
		echo "---- $r: journal (teredod units)"
		in_box "$r" journalctl -b --no-pager -n 60 -u 'teredod*' 2>&1 | tail -n 60
	done
	echo "---- check output"; tail -n 80 "$work/checks.log"
	exit 1
fi
