// SPDX-License-Identifier: GPL-2.0-or-later
// IPv4 link-scope multicast for local client discovery (RFC 4380 5.2.8): the socket that
// receives the group, the options that make the service socket send to it on the right link,
// and the subnet of the local address (a discovery bubble from outside it is refused).
#pragma once

#include <cstdint>

#include "os/os_result.hpp"
#include "os/udp_socket.hpp"
#include "proto/ipv4.hpp"

namespace teredo::os {

/// The prefix length of the subnet `address` is configured with (getifaddrs); ENOENT when no
/// interface holds it.
OsResult<std::uint8_t> ipv4_prefix_length(proto::Ipv4Addr address);

/// A non-blocking socket bound to `group` (address and port: only datagrams sent to the group
/// arrive), SO_REUSEADDR so that other listeners on this host can share it, joined to the group on
/// the interface holding `interface_address`.
OsResult<UdpSocket> open_group_socket(proto::Endpoint group, proto::Ipv4Addr interface_address);

/// Multicast datagrams sent from `socket` leave through the interface holding
/// `interface_address`, with TTL 1, and are not looped back to this host.
OsStatus send_multicast_on(const UdpSocket& socket, proto::Ipv4Addr interface_address);

}  // namespace teredo::os
