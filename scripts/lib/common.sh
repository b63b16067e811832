# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# scripts/lib/common.sh: helpers sourced by every script of scripts/ (test, demo, bench*).
#
#   require_root "$@"   re-exec the calling script through sudo when not root (or fail in one line): the one way
#                       every script gets root
#   install_deps        apt-get install the Debian packages teredod needs, only those missing
#   build_project       cmake configure + build into ${BUILD_DIR:-build} (extra args go to cmake configure)
#   cpu_count           how many jobs to run at once: the CPUs this process may use
#   repo_root           print the repository root
#   log / warn / die    short prefixed messages on stderr
#   tree_pids PID       PID and all its descendants (the benchmarks' process trees)
#   tree_kb PID FIELD   FIELD (VmRSS, VmHWM from status; Pss from smaps_rollup) in kB summed over the tree of PID

TEREDO_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log()  { printf '[teredod] %s\n' "$*" >&2; }
warn() { printf '[teredod] WARNING: %s\n' "$*" >&2; }
die()  { printf '[teredod] ERROR: %s\n' "$*" >&2; exit 1; }
repo_root() { printf '%s\n' "$TEREDO_REPO_ROOT"; }

tree_pids() {
	local p="$1" c
	[[ -d /proc/$p ]] || return 0
	echo "$p"
	for c in $(pgrep -P "$p" 2>/dev/null); do tree_pids "$c"; done
}
tree_kb() {
	local sum=0 p v
	for p in $(tree_pids "$1"); do
		if [[ $2 == Pss ]]; then v="$(awk '$1 == "Pss:" { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)"
		else v="$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null)"; fi
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# require_root "$@": call at the top of a script, passing the script's own arguments. The variables the scripts read
# (BUILD_DIR and the *_BUILD_DIR, BENCH_*, DEMO_*, SKIP_BUILD, CC, CXX...) are kept across sudo.
require_root() {
	[[ $EUID -eq 0 ]] && return 0
	local script
	script="$(basename "$0")"
	if command -v sudo >/dev/null 2>&1; then
		log "$script needs root: re-running through sudo"
		local keep
		keep="$(compgen -v | grep -E '^(BUILD_DIR|[A-Z]+_BUILD_DIR|BENCH_[A-Z_]+|DEMO_[A-Z_]+|SKIP_BUILD|SERVER_CMD|CC|CXX|TMPDIR)$' |
			paste -sd, -)"
		exec sudo ${keep:+--preserve-env="$keep"} -- "$0" "$@"
	fi
	echo "teredod: $script must run as root (no sudo found)" >&2
	exit 1
}

# cpu_count: the number of CPUs this process may use (parallel builds and tests).
cpu_count() { nproc 2>/dev/null || echo 2; }

# libminiupnpc-dev: the headers of the UPnP client (the library itself is loaded at run time); miniupnpd-nftables:
# the UPnP IGD of tests/netns/test_upnp.sh, started only inside a lab namespace (this package has no service unit).
TEREDO_DEB_PACKAGES=(
	build-essential cmake pkg-config g++ clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14 shellcheck
	libgtest-dev libgmock-dev libbenchmark-dev
	libmnl-dev libcap-ng-dev libseccomp-dev libssl-dev libfmt-dev nlohmann-json3-dev libminiupnpc-dev
	iproute2 nftables conntrack iputils-ping iperf3 miniupnpd-nftables
	miredo miredo-server
	python3-scapy python3-matplotlib procps psmisc curl tcpdump gdb bash-completion
)

# install_deps [extra packages...]: fast no-op when everything is already installed.
install_deps() {
	local pkgs=("${TEREDO_DEB_PACKAGES[@]}" "$@") missing=() p status
	for p in "${pkgs[@]}"; do
		status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
		[[ $status == installed ]] || missing+=("$p")
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		log "dependencies: all ${#pkgs[@]} Debian packages present"
		return 0
	fi
	[[ $EUID -eq 0 ]] || die "missing packages (${missing[*]}) and not root"
	log "dependencies: installing ${missing[*]}"
	# miredo's maintainer scripts would start a client that contacts a server on the internet:
	# forbid service starts while installing (in a subshell whose EXIT trap removes the file again,
	# even when the install is interrupted).
	local rc=0
	(
		if [[ ! -e /usr/sbin/policy-rc.d ]]; then
			trap 'rm -f /usr/sbin/policy-rc.d' EXIT
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod 755 /usr/sbin/policy-rc.d
		fi
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"
	) || rc=$?
	[[ $rc -eq 0 ]] || die "apt-get install failed (exit $rc)"
	log "dependencies: installed"
}

# build_project [extra cmake args...]: configure and build into ${BUILD_DIR:-build}.
build_project() {
	local dir="${BUILD_DIR:-build}"
	log "build: cmake -S . -B $dir -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTEREDO_WERROR=ON $*"
	(
		cd "$TEREDO_REPO_ROOT" &&
			cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTEREDO_WERROR=ON "$@" &&
			cmake --build "$dir" -j"$(cpu_count)"
	)
}
