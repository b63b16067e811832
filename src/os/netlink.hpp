// SPDX-License-Identifier: GPL-2.0-or-later
// rtnetlink (libmnl) configuration of network interfaces: link state and MTU, IPv6 addresses and
// IPv6 routes. Every request asks for an ACK and fails with the kernel's errno, named after the
// operation ("netlink add address: File exists").
#pragma once

#include <cstdint>
#include <string>

#include "os/os_result.hpp"
#include "proto/ipv6_address.hpp"

struct mnl_socket;

namespace teredo::os {

/// Link flags for set_link_state.
struct LinkState {
  bool up = true;
  /// IFF_NOARP, and IFF_MULTICAST and IFF_BROADCAST cleared: a point-to-point tunnel link
  /// (Miredo's relay link, miredo-behaviour.md 2.4).
  bool point_to_point = true;
};

/// One NETLINK_ROUTE socket. Changing anything needs CAP_NET_ADMIN at the time of the request
/// (the kernel checks the caller as well as the opener). Blocking; used by one thread at a time.
class Netlink {
 public:
  static OsResult<Netlink> open();

  Netlink(Netlink&& o) noexcept;
  Netlink& operator=(Netlink&& o) noexcept;
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;
  ~Netlink();

  /// The interface index of `name` (RTM_GETLINK).
  OsResult<int> ifindex(const std::string& name);
  OsStatus set_mtu(int ifindex, std::uint32_t mtu);
  OsStatus set_link_state(int ifindex, LinkState state);
  /// Stops the kernel from generating IPv6 link-local addresses on the link
  /// (IFLA_INET6_ADDR_GEN_MODE = none): the daemon assigns its own.
  OsStatus disable_ipv6_address_generation(int ifindex);

  /// Adds `address`/`prefix_len` to the interface; nodad skips duplicate address detection.
  OsStatus add_address(int ifindex, const proto::Ipv6Addr& address, std::uint8_t prefix_len, bool nodad);
  OsStatus remove_address(int ifindex, const proto::Ipv6Addr& address, std::uint8_t prefix_len);

  /// Adds or removes the route `destination`/`prefix_len` via the interface, main table.
  OsStatus add_route(int ifindex, const proto::Ipv6Addr& destination, std::uint8_t prefix_len,
                     std::uint32_t metric);
  OsStatus remove_route(int ifindex, const proto::Ipv6Addr& destination, std::uint8_t prefix_len,
                        std::uint32_t metric);

 private:
  explicit Netlink(mnl_socket* socket);
  // Sends the request in buf_ (already built) and waits for the ACK; `reply` (may be null)
  // receives the first non-ACK answer's ifindex for RTM_GETLINK.
  OsStatus transact(const char* operation, int* ifindex_reply);
  OsStatus route_request(const char* operation, std::uint16_t type, std::uint16_t flags, int ifindex,
                         const proto::Ipv6Addr& destination, std::uint8_t prefix_len, std::uint32_t metric);
  OsStatus address_request(const char* operation, std::uint16_t type, std::uint16_t flags, int ifindex,
                           const proto::Ipv6Addr& address, std::uint8_t prefix_len, std::uint8_t ifa_flags);

  mnl_socket* socket_ = nullptr;
  std::uint32_t port_id_ = 0;
  std::uint32_t seq_ = 0;
  alignas(4) unsigned char buf_[8192];
};

/// Writes `value` to /proc/sys/net/ipv6/conf/IFACE/KEY (e.g. accept_redirects = 0).
OsStatus set_ipv6_conf(const std::string& interface, const std::string& key, const std::string& value);

}  // namespace teredo::os
