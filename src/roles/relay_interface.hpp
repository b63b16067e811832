// SPDX-License-Identifier: GPL-2.0-or-later
// The relay's tunnel interface (miredo-behaviour.md 2.4): a TUN device configured through
// rtnetlink with MTU, link up + NOARP, fe80::ffff:ffff:ffff/64 and the route Prefix/32.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "os/netlink.hpp"
#include "os/tun_device.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::roles {

/// Owns the TUN device. On destruction it removes the route and the address explicitly while
/// cleanup is still possible (before privileges are dropped); afterwards closing the TUN
/// descriptor deletes the link and, with it, its address and route.
class RelayInterface {
 public:
  /// Creates and configures the interface; logs and returns nullopt on failure (anything
  /// already configured is undone). Needs CAP_NET_ADMIN. `multi_queue`: a multi-queue TUN
  /// device (several workers attach their own queues with tun().open_queue()).
  static std::optional<RelayInterface> create(const std::string& name, std::uint32_t mtu,
                                              std::uint32_t prefix, bool multi_queue = false);

  RelayInterface(RelayInterface&&) noexcept;
  RelayInterface& operator=(RelayInterface&&) = delete;
  RelayInterface(const RelayInterface&) = delete;
  ~RelayInterface();

  os::TunDevice& tun() { return tun_; }
  int ifindex() const { return ifindex_; }

  /// Call once privileges are dropped: netlink requests would fail from now on, so leave the
  /// removal to the kernel (closing the TUN descriptor).
  void skip_explicit_cleanup() { address_added_ = route_added_ = false; }

 private:
  RelayInterface(os::TunDevice tun, os::Netlink netlink, int ifindex, std::uint32_t prefix)
      : tun_(std::move(tun)), netlink_(std::move(netlink)), ifindex_(ifindex), prefix_(prefix) {}
  bool configure(std::uint32_t mtu);
  proto::Ipv6Addr route_destination() const;

  os::TunDevice tun_;
  os::Netlink netlink_;
  int ifindex_;
  std::uint32_t prefix_;
  bool address_added_ = false;
  bool route_added_ = false;
};

/// Metric of the Prefix/32 route (as Miredo).
inline constexpr std::uint32_t kRelayRouteMetric = 1024;

}  // namespace teredo::roles
