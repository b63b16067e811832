# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2317  # summary() runs from a trap
# tests/netns/checks.sh: what every tests/netns/test_*.sh shares on top of lib.sh (which it sources, with the paths of
# the built binaries): the skip banner (exit 77), check recording, the EXIT-trap summary ending in "RESULT: PASS|FAIL",
# and lab setup with that trap.
#
# Usage (HERE = the test's directory):  source "$HERE/checks.sh"; need_root_and_tools ip nft ...; lab_setup_checked
#
# Hooks a test may set:
#   SUMMARY_NS_CHECK=1   after the cleanup, one more check: no namespace of the lab is left
#   summary_header()     lines printed under the summary banner (e.g. what was tested)
#   summary_dump()       extra output on failure, after the lab logs (e.g. a daemon's lab_stats)
#   PHASE                when set, checks and figures are prefixed "[PHASE] "

REPO="$(cd "$HERE/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$REPO/build}"
TEST_NAME="$(basename "$0" .sh)"

# shellcheck source=tests/netns/lib.sh
source "$HERE/lib.sh"

# sanitized: true when the daemons under test are built with sanitizers (scripts/test sets TEREDO_SANITIZED=1 for its
# AddressSanitizer run of the suites). Memory bounds measured for the normal build do not apply then: ASan's shadow
# memory and quarantine grow with traffic. A suite reports the figure and says the bound was not checked.
sanitized() { [[ ${TEREDO_SANITIZED:-0} == 1 ]]; }

# skip REASON: print a loud SKIPPED banner and exit 77 (ctest: skipped).
skip() {
	echo "############################################################"
	echo "### SKIPPED: $* ($(basename "$0"))"
	echo "############################################################"
	exit 77
}

# need_root_and_tools TOOL...: skip unless running as root with every TOOL installed.
need_root_and_tools() {
	[[ $EUID -eq 0 ]] || skip "needs root"
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not installed (run scripts/test, which installs the dependencies)"
	done
}

declare -a RESULTS=() FIGURES=()
FAILED=0

# _phase_tag: "[PHASE] " when the test sets PHASE, else nothing.
_phase_tag() { if [[ -v PHASE ]]; then printf '[%s] ' "$PHASE"; fi; }

pass() { local t; t="$(_phase_tag)"; RESULTS+=("PASS  $t$*"); echo "PASS: $t$*"; }
fail() { local t; t="$(_phase_tag)"; RESULTS+=("FAIL  $t$*"); echo "FAIL: $t$*"; FAILED=1; }
info() { RESULTS+=("INFO  $*"); echo "INFO: $*"; }
# figure TEXT: a measurement, listed under "figures:" in the summary.
figure() { local t; t="$(_phase_tag)"; FIGURES+=("$t$*"); echo "   $*"; }
# check DESCRIPTION CMD...: pass if CMD succeeds, else fail.
check() { local desc="$1"; shift; if "$@"; then pass "$desc"; else fail "$desc"; fi; }
# fatal CHECK: record the failure and stop (later checks depend on it).
fatal() { fail "$*"; exit 1; }

# lab_ns_left TAG: the namespaces named TAG-* that still exist (space-separated; empty when none).
lab_ns_left() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$1-" | tr '\n' ' '; }

# summary: the EXIT trap. On failure dump the logs; clean the lab up; print every check and "RESULT: PASS (N checks)"
# (exit 0) or "RESULT: FAIL" (exit with the script's status, 1 if that was 0 or 77).
summary() {
	local rc=$? tag="$LAB_TAG" r reports
	# Daemons built with sanitizers (scripts/test runs suites so) abort on a report, and a supervisor may restart
	# the worker: the report in a daemon's log is what fails the suite.
	if [[ -n ${LAB_DIR:-} && -d $LAB_DIR ]]; then
		reports="$(grep -lE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error: ' "$LAB_DIR"/*.log 2>/dev/null | xargs -r -n1 basename | tr '\n' ' ')"
		[[ -z $reports ]] || fail "sanitizer report in the log of: $reports"
	fi
	if [[ $FAILED -ne 0 || $rc -ne 0 ]]; then
		echo "---- logs ----"
		lab_dump_logs
		if declare -F summary_dump >/dev/null; then summary_dump; fi
	fi
	lab_cleanup
	if [[ ${SUMMARY_NS_CHECK:-0} == 1 ]]; then
		if [[ -v PHASE ]]; then PHASE="end"; fi
		local left
		left="$(lab_ns_left "$tag")"
		if [[ -z $left ]]; then pass "no lab namespace left ($tag-*)"; else fail "namespaces left: $left"; fi
	fi
	echo
	echo "==================== $TEST_NAME summary ===================="
	if declare -F summary_header >/dev/null; then summary_header; fi
	if [[ ${#FIGURES[@]} -gt 0 ]]; then
		echo "figures:"
		for r in "${FIGURES[@]}"; do echo "  $r"; done
		echo "checks:"
	fi
	for r in "${RESULTS[@]}"; do echo "  $r"; done
	if [[ $FAILED -ne 0 || $rc -ne 0 ]]; then
		echo "RESULT: FAIL"
		[[ $rc -ne 0 && $rc -ne 77 ]] || rc=1
		exit "$rc"
	fi
	echo "RESULT: PASS (${#RESULTS[@]} checks)"
	exit 0
}

# lab_setup_checked: lab_setup with summary() as the EXIT trap (summary() calls lab_cleanup). A failed setup is a fatal
# check.
lab_setup_checked() {
	LAB_EXIT_TRAP=summary
	lab_setup || fatal "lab setup"
}

# run_checks NS ARGS...: run "$PY $HOSTILE ARGS..." in NS; each "RESULT PASS|FAIL <text>" line it prints becomes a
# check, any other line goes to ${RUN_CHECKS_OTHER:-echo} (e.g. figure). No RESULT line at all is a failure.
run_checks() {
	local ns="$1"; shift
	local line n=0
	while IFS= read -r line; do
		case "$line" in
			"RESULT PASS "*) pass "${line#RESULT PASS }"; n=$((n + 1)) ;;
			"RESULT FAIL "*) fail "${line#RESULT FAIL }"; n=$((n + 1)) ;;
			*) "${RUN_CHECKS_OTHER:-echo}" "$line" ;;
		esac
	done < <(ip netns exec "$ns" "$PY" "$HOSTILE" "$@" 2>&1)
	[[ $n -gt 0 ]] || fail "$(basename "$HOSTILE") $1 produced no result (see output above)"
}

# check_ping_v6host NAME NS ADDR: ping6 NS -> v6host and v6host -> ADDR (NS's Teredo address), each after a warm-up of up
# to 15 s, 5 echo requests; one check each way.
check_ping_v6host() {
	local name="$1" ns="$2" addr="$3" line=""
	if lab_ping_until "$ns" "$LAB_V6HOST_IP6" 15 && line="$(lab_ping "$ns" "$LAB_V6HOST_IP6" 5 "$name-to-v6host")"; then
		pass "ping6 $name -> v6host: $line"
	else
		fail "ping6 $name -> v6host: ${line:-no reply within 15 s}"
	fi
	line=""
	if lab_ping_until "$LAB_NS_V6HOST" "$addr" 15 && line="$(lab_ping "$LAB_NS_V6HOST" "$addr" 5 "v6host-to-$name")"; then
		pass "ping6 v6host -> $name: $line"
	else
		fail "ping6 v6host -> $name: ${line:-no reply within 15 s}"
	fi
}

# check_proc DESC PID UID CAPEFF SECCOMP ROOT: compare /proc/PID/status and /proc/PID/root (NoNewPrivs must be 1).
check_proc() {
	local desc="$1" pid="$2" uid="$3" cap="$4" sc="$5" root="$6" got
	got="$(lab_proc_summary "$pid")"
	if [[ $got == "uid=$uid capeff=$cap nnp=1 seccomp=$sc root=$root" ]]; then pass "$desc (pid $pid): $got"
	else fail "$desc (pid $pid): $got; expected uid=$uid capeff=$cap nnp=1 seccomp=$sc root=$root"; fi
}

# log_has NAME PATTERN [TIMEOUT]: wait until $LAB_DIR/NAME.log matches PATTERN (grep -E).
log_has() { lab_wait_until "${3:-5}" "/$2/ in $1.log" grep -qE -- "$2" "$LAB_DIR/$1.log"; }
