# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# tests/netns/lib.sh: the network-namespace lab of teredod's tests and benchmarks (source it; bash 5, root), in three
# parts:
#   lib/topology.sh  the namespaces, links and addresses (the drawing is there), lab_setup, lab_cleanup, waiting
#   lib/daemons.sh   starting our daemons and Debian's Miredo in the lab, their configuration files
#   lib/observe.sh   addresses, ping and iperf3, teredoctl on our daemons, processes, logs
#   lib/upnp.sh      a UPnP IGD (miniupnpd) on a lab NAT, its STUN responder, a teredod with the lab's /var/lib
# Binaries: $BUILD_DIR/bin (default: the repository's build/bin) as TEREDOD, TEREDOD_SERVER and TEREDOCTL.
LAB_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib"
LAB_BUILD_DIR="${BUILD_DIR:-$(cd "$LAB_LIB_DIR/../../.." && pwd)/build}"
TEREDOD="${TEREDOD:-$LAB_BUILD_DIR/bin/teredod}"
TEREDOD_SERVER="${TEREDOD_SERVER:-$LAB_BUILD_DIR/bin/teredod-server}"
TEREDOCTL="${TEREDOCTL:-$LAB_BUILD_DIR/bin/teredoctl}"

# shellcheck source=tests/netns/lib/topology.sh
source "$LAB_LIB_DIR/topology.sh"
# shellcheck source=tests/netns/lib/daemons.sh
source "$LAB_LIB_DIR/daemons.sh"
# shellcheck source=tests/netns/lib/observe.sh
source "$LAB_LIB_DIR/observe.sh"
# shellcheck source=tests/netns/lib/upnp.sh
source "$LAB_LIB_DIR/upnp.sh"
