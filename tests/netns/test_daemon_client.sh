#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317,SC2015  # summary() runs from a trap; pass() always succeeds
# tests/netns/test_daemon_client.sh: teredod in client mode as a daemon: the privileges of its three processes, a
# HookScript that records what it was given, and reloads.
#
#   client (10.77.0.2, teredod client + recording hook) --NAT--+-- server .10/.11 (teredod-server)
#   pubclient (198.51.100.40, teredod client, rtnetlink mode) --+
#
#  - supervisor uid 0 (limited capabilities); worker uid nobody, CapEff 0, NoNewPrivs 1, Seccomp 2, root = the empty
#    chroot; helper CapEff = CAP_NET_ADMIN only, NoNewPrivs 1, Seccomp 2, in rtnetlink mode uid nobody (uid 0 with a
#    hook, which must run any program as root, under a deny-list filter instead of the allow-list); the hook itself: uid 0, CAP_NET_ADMIN only, NoNewPrivs 1, a clean environment;
#  - the hook's records: up (STATE IFACE IFINDEX ADDRESS LLADDRESS MTU OLD_STATE) at qualification; down (with
#    OLD_ADDRESS...) then destroy at exit;
#  - SIGHUP unchanged: same worker, same address, same ifindex, no hook call; SIGHUP with BindPort changed: applied
#    (socket on the new port, qualified again); SIGHUP with an invalid file: FILE:LINE logged, old settings kept;
#  - SIGUSR1/2 ignored by all three processes; SIGTERM: interface gone, pidfile removed;
#  - started with -f on a terminal (script(1)'s pty): the supervisor keeps it, the worker leads a session of its own
#    with no controlling tty, and neither it nor the helper holds a descriptor of the terminal (stdin /dev/null,
#    stdout/stderr a pipe the supervisor copies to the terminal: the worker's messages still arrive there).
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or a required tool is missing).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/netns/checks.sh
source "$HERE/checks.sh"

need_root_and_tools ip nft ping python3 ss
[[ -x $TEREDOD && -x $TEREDOD_SERVER ]] || { echo "FAIL: build teredod and teredod-server first ($BUILD_DIR)"; exit 1; }
summary_dump() { [[ -f $LAB_DIR/hook.rec ]] && { echo "===== hook.rec ====="; cat "$LAB_DIR/hook.rec"; }; }

NOBODY_UID="$(id -u nobody)"

# rec_count: number of hook calls so far. rec_get N VAR: VAR in record N (1-based; "last" for the last one).
rec_count() { grep -c '^--- ' "$REC" 2>/dev/null || echo 0; }
rec_get() {
	awk -v n="$1" -v v="$2" -v total="$(rec_count)" '
		BEGIN { if (n == "last") n = total }
		/^--- / { i++; next }
		i == n && index($0, v "=") == 1 { print substr($0, length(v) + 2); exit }' "$REC"
}

lab_setup_checked

# The recording hook: one record per call ("--- N" then the sorted environment and its own credentials), and the
# interface configuration Debian's hook would do, reduced to the address and the link.
REC="$LAB_DIR/hook.rec"
HOOK="$LAB_ROOT_DIR/hook.sh"
cat >"$HOOK" <<HOOK_EOF
#!/bin/sh
{
	echo "--- \$STATE"
	env | grep -v '^_=' | sort
	awk '/^(Uid|CapEff|NoNewPrivs|Seccomp):/ { print "SELF_" substr(\$1, 1, length(\$1) - 1) "=" \$2 }' /proc/self/status
} >>"$REC"
case "\$STATE" in
up)
	[ "\$OLD_STATE" = up ] && ip -6 addr del "\$OLD_ADDRESS/32" dev "\$IFACE" 2>/dev/null
	ip link set dev "\$IFACE" up mtu "\$MTU"
	ip -6 addr add "\$ADDRESS/32" dev "\$IFACE" ;;
down)
	[ "\$OLD_STATE" = up ] && ip -6 addr del "\$OLD_ADDRESS/32" dev "\$IFACE" 2>/dev/null
	ip link set dev "\$IFACE" down ;;
esac
exit 0
HOOK_EOF
chmod 755 "$HOOK"

lab_start_server "$TEREDOD_SERVER" || { fail "start teredod-server"; exit 1; }

# --- the client with the recording hook (behind the NAT) and one in rtnetlink mode (public) -------------------------
lab_start_teredod_client hooked "$LAB_NS_CLIENT" "$TEREDOD" "HookScript $HOOK"
lab_start_teredod_client plain "$LAB_NS_PUBCLIENT" "$TEREDOD"
ADDR="$(LAB_WAIT_FOR_PROC=hooked wait_teredo_address "$LAB_NS_CLIENT" teredo 30)" ||
	{ fail "hooked client qualified"; exit 1; }
PADDR="$(LAB_WAIT_FOR_PROC=plain wait_teredo_address "$LAB_NS_PUBCLIENT" teredo 30)" ||
	{ fail "plain client qualified"; exit 1; }
pass "both clients qualified: $ADDR (hook), $PADDR (rtnetlink)"
IFINDEX="$(lab_ifindex "$LAB_NS_CLIENT" teredo)"

# --- the hook's first record: up -------------------------------------------------------------------------------------
if [[ $(rec_count) == 1 && $(rec_get 1 STATE) == up && $(rec_get 1 IFACE) == teredo && $(rec_get 1 IFINDEX) == "$IFINDEX" &&
	$(rec_get 1 ADDRESS) == "$ADDR" && $(rec_get 1 LLADDRESS) == fe80::ffff:ffff:ffff && $(rec_get 1 MTU) == 1280 &&
	$(rec_get 1 OLD_STATE) == down ]]; then
	pass "hook up: STATE=up IFACE=teredo IFINDEX=$IFINDEX ADDRESS=$ADDR LLADDRESS=fe80::ffff:ffff:ffff MTU=1280 OLD_STATE=down"
else
	fail "hook up record: $(awk '/^--- /{i++} i==1' "$REC" | tr '\n' ' ')"
fi
# (PWD, and SHLVL with some shells, are set by sh itself.)
envnames="$(awk '/^--- /{i++; next} i==1' "$REC" | cut -d= -f1 | grep -vE '^(SELF_|PWD$|SHLVL$)' | sort | tr '\n' ' ')"
[[ $envnames == "ADDRESS IFACE IFINDEX LLADDRESS MTU OLD_STATE PATH STATE " ]] &&
	pass "hook environment is clean: $envnames(no NOTIFY_SOCKET, nothing of the daemon's own...)" ||
	fail "hook environment: $envnames"
[[ $(rec_get 1 SELF_Uid | awk '{print $1}') == 0 && $(rec_get 1 SELF_CapEff) == 0000000000001000 &&
	$(rec_get 1 SELF_NoNewPrivs) == 1 && $(rec_get 1 SELF_Seccomp) == 2 ]] &&
	pass "hook runs as uid 0 with CAP_NET_ADMIN only, NoNewPrivs 1 and the helper's filter (Seccomp 2)" ||
	fail "hook credentials: Uid $(rec_get 1 SELF_Uid) CapEff $(rec_get 1 SELF_CapEff) NNP $(rec_get 1 SELF_NoNewPrivs) Seccomp $(rec_get 1 SELF_Seccomp)"

# --- privileges of the three processes --------------------------------------------------------------------------------
for name in hooked plain; do
	sup="${LAB_PID[$name]}"; w="$(lab_child "$sup")"; h="$(lab_child "$w")"
	check_proc "$name supervisor" "$sup" 0 "$LAB_SUPERVISOR_CAPEFF" 0 /
	check_proc "$name worker" "$w" "$NOBODY_UID" 0000000000000000 2 /run/teredod/empty
	# rtnetlink mode: the helper leaves uid 0 (CAP_NET_ADMIN kept), under the workers' allow-list; with a hook it
	# stays root, under the hook deny-list (os::install_hook_filter), which the hook inherits.
	if [[ $name == hooked ]]; then check_proc "$name helper" "$h" 0 0000000000001000 2 /
	else check_proc "$name helper" "$h" "$NOBODY_UID" 0000000000001000 2 /; fi
done

# --- SIGUSR1/SIGUSR2 ------------------------------------------------------------------------------------------------
SUP="${LAB_PID[hooked]}"; W="$(lab_child "$SUP")"; H="$(lab_child "$W")"
for p in "$SUP" "$W" "$H"; do kill -USR1 "$p"; kill -USR2 "$p"; done
sleep 0.5  # time for a process that does not ignore them to die
kill -0 "$SUP" && kill -0 "$W" && kill -0 "$H" && [[ $(lab_teredo_address "$LAB_NS_CLIENT" teredo) == "$ADDR" ]] &&
	pass "SIGUSR1/SIGUSR2 ignored by supervisor, worker and helper; address kept" || fail "a process died on SIGUSR1/2"

# --- SIGHUP, unchanged -------------------------------------------------------------------------------------------------
echo "# comment only" >>"$LAB_DIR/hooked.conf"
kill -HUP "$SUP"
log_has hooked 'Configuration unchanged' && sleep 1 &&  # time for a wrong restart or hook call to show
	[[ $(lab_child "$SUP") == "$W" && $(lab_teredo_address "$LAB_NS_CLIENT" teredo) == "$ADDR" &&
		$(lab_ifindex "$LAB_NS_CLIENT" teredo) == "$IFINDEX" && $(rec_count) == 1 ]] &&
	pass "unchanged reload: same worker $W, address $ADDR, ifindex $IFINDEX, no hook call" ||
	fail "unchanged reload: worker $(lab_child "$SUP") address $(lab_teredo_address "$LAB_NS_CLIENT" teredo) hook calls $(rec_count)"

# --- SIGHUP, broken ----------------------------------------------------------------------------------------------------
cp "$LAB_DIR/hooked.conf" "$LAB_DIR/hooked.conf.good"
echo "BindPort 70000" >>"$LAB_DIR/hooked.conf"
line="$(wc -l <"$LAB_DIR/hooked.conf")"
kill -HUP "$SUP"
log_has hooked "hooked\\.conf:$line: .*BindPort" && log_has hooked 'keeping the running configuration' &&
	[[ $(lab_child "$SUP") == "$W" && $(lab_teredo_address "$LAB_NS_CLIENT" teredo) == "$ADDR" ]] &&
	pass "invalid file: hooked.conf:$line logged, old settings kept (worker $W, address $ADDR)" ||
	fail "invalid file on reload"

# --- SIGHUP, changed BindPort --------------------------------------------------------------------------------------
cp "$LAB_DIR/hooked.conf.good" "$LAB_DIR/hooked.conf"
echo "BindPort 3600" >>"$LAB_DIR/hooked.conf"
kill -HUP "$SUP"
if log_has hooked 'BindPort 0 -> 3600' && log_has hooked 'New configuration applied' 10 &&
	lab_wait_until 5 "UDP 3600 bound in the client namespace" lab_udp_bound "$LAB_NS_CLIENT" 0.0.0.0 3600; then
	pass "changed reload: 'BindPort 0 -> 3600' logged, new socket bound to 3600"
else fail "changed reload: BindPort not applied"; fi
W2="$(lab_child "$SUP")"
[[ -n $W2 && $W2 != "$W" ]] && pass "new worker $W2 (was $W)" || fail "worker not restarted"
# the old worker's helper ran down + destroy, the new one comes up again
lab_wait_until 30 "hook up again" bash -c "[[ \$(grep -c '^--- up' '$REC') -ge 2 ]]" &&
	ADDR2="$(lab_teredo_address "$LAB_NS_CLIENT" teredo)" && [[ -n $ADDR2 ]] &&
	[[ $(grep '^--- ' "$REC" | tr '\n' ' ') == "--- up --- down --- destroy --- up " ]] &&
	pass "hook calls across the restart: up, down, destroy, up; qualified again as $ADDR2" ||
	fail "hook calls across the restart: $(grep '^--- ' "$REC" | tr '\n' ' ')"
H2="$(lab_child "$W2")"
check_proc "new worker" "$W2" "$NOBODY_UID" 0000000000000000 2 /run/teredod/empty
check_proc "new helper" "$H2" 0 0000000000001000 2 /

# --- SIGTERM: down then destroy, interface gone, pidfile removed ------------------------------------------------------
n_before="$(rec_count)"
lab_stop hooked
lab_wait_until 5 "interface removed" bash -c "! ip -n $LAB_NS_CLIENT link show dev teredo" &&
	[[ ! -e $LAB_DIR/hooked.pid ]] && ! kill -0 "$SUP" 2>/dev/null && ! kill -0 "$W2" 2>/dev/null &&
	! kill -0 "$H2" 2>/dev/null &&
	pass "SIGTERM: supervisor, worker, helper gone; interface removed; pidfile removed" || fail "SIGTERM: unclean stop"
if [[ $(rec_count) == $((n_before + 2)) && $(rec_get $((n_before + 1)) STATE) == down &&
	$(rec_get $((n_before + 1)) OLD_STATE) == up && $(rec_get $((n_before + 1)) OLD_ADDRESS) == "$ADDR2" &&
	$(rec_get $((n_before + 1)) OLD_MTU) == 1280 && $(rec_get last STATE) == destroy ]]; then
	pass "hook at exit: down (OLD_STATE=up OLD_ADDRESS=$ADDR2 OLD_MTU=1280), then destroy"
else
	fail "hook at exit: $(awk -v n="$n_before" '/^--- /{i++} i>n' "$REC" | grep -E '^(---|STATE|OLD_)' | tr '\n' ' ')"
fi
log_has hooked 'Terminated with no error' && pass "log: 'Terminated with no error.'" || fail "exit message"
lab_stop plain
lab_wait_until 5 "plain client interface removed" bash -c "! ip -n $LAB_NS_PUBCLIENT link show dev teredo" &&
	pass "rtnetlink client: interface removed at SIGTERM" || fail "rtnetlink client: interface left"

# --- -f on a terminal ------------------------------------------------------------------------------------------------
# stat_field PID N: field N of /proc/PID/stat (5 pgrp, 6 session, 7 tty_nr; the name has no blank here).
stat_field() { awk -v n="$2" '{print $n}' "/proc/$1/stat" 2>/dev/null; }
# tty_fds PID: the descriptors 0-2 of PID that are terminals ("0->/dev/pts/3 ..."), empty when none.
tty_fds() {
	local fd t
	for fd in 0 1 2; do
		t="$(readlink "/proc/$1/fd/$fd" 2>/dev/null)"
		[[ $t == /dev/pts/* || $t == /dev/tty* || $t == /dev/console ]] && printf '%s->%s ' "$fd" "$t"
	done
}
ON_TTY="$LAB_DIR/teredod-on-a-terminal"
cat >"$ON_TTY" <<EOF
#!/bin/bash
# teredod with a pseudo-terminal as its controlling tty and stdio, as when started by hand from a shell
exec script -qfec "\$(printf '%q ' "$TEREDOD" "\$@")" /dev/null
EOF
chmod 755 "$ON_TTY"
lab_start_teredod_client onterm "$LAB_NS_PUBCLIENT" "$ON_TTY"
TADDR="$(LAB_WAIT_FOR_PROC=onterm wait_teredo_address "$LAB_NS_PUBCLIENT" teredo 10)"
if [[ -n $TADDR ]] && lab_wait_until 5 "onterm.pid" test -s "$LAB_DIR/onterm.pid"; then
	TSUP="$(cat "$LAB_DIR/onterm.pid")"; TW="$(lab_child "$TSUP")"; TH="$(lab_child "$TW")"
	[[ $(stat_field "$TSUP" 7) != 0 && -n $(tty_fds "$TSUP") ]] &&
		pass "supervisor $TSUP on the terminal: tty_nr $(stat_field "$TSUP" 7), $(tty_fds "$TSUP")" ||
		fail "supervisor $TSUP is not on a terminal (tty_nr $(stat_field "$TSUP" 7)): the check below proves nothing"
	[[ $(stat_field "$TW" 6) == "$TW" && $(stat_field "$TW" 7) == 0 && -z $(tty_fds "$TW") ]] &&
		pass "worker $TW: a session of its own, no controlling tty, no terminal descriptor ($(readlink /proc/"$TW"/fd/0), $(readlink /proc/"$TW"/fd/2))" ||
		fail "worker $TW: session $(stat_field "$TW" 6), tty_nr $(stat_field "$TW" 7), terminal fds: $(tty_fds "$TW")"
	[[ -n $TH && $(stat_field "$TH" 6) == "$TW" && $(stat_field "$TH" 7) == 0 && -z $(tty_fds "$TH") ]] &&
		pass "helper $TH: in the worker's session, no controlling tty, no terminal descriptor" ||
		fail "helper '$TH': session $(stat_field "$TH" 6), tty_nr $(stat_field "$TH" 7), terminal fds: $(tty_fds "$TH")"
	log_has onterm "qualified: address $TADDR" &&
		pass "the worker's messages reach the terminal through the supervisor: $(grep -m1 -o 'qualified: address [^ ]*' "$LAB_DIR/onterm.log")" ||
		fail "no 'qualified' line from the worker on the terminal"
	kill -TERM "$TSUP"
	lab_wait_until 10 "the client on a terminal to stop" bash -c "! kill -0 $TSUP 2>/dev/null" &&
		log_has onterm 'Terminated with no error' && pass "stopped cleanly" || fail "the client on a terminal did not stop cleanly"
else
	fail "the client started on a terminal did not qualify (see onterm.log)"
fi
lab_stop onterm
