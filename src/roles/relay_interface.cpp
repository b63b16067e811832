// SPDX-License-Identifier: GPL-2.0-or-later
// Relay tunnel interface set-up and tear-down.
#include "roles/relay_interface.hpp"
#include "roles/busy_messages.hpp"

#include <utility>

#include "daemon/log.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::roles {

namespace log = daemon::log;

namespace log = daemon::log;

std::optional<RelayInterface> RelayInterface::create(const std::string& name, std::uint32_t mtu,
                                                     std::uint32_t prefix, bool multi_queue) {
  auto tun = os::TunDevice::open(name, multi_queue);
  if (!tun) {
    log::alert("{} tunneling interface creation failure: {}", name, tun_failure(name, tun.error()));
    return std::nullopt;
  }
  auto netlink = os::Netlink::open();
  if (!netlink) {
    log::alert("Cannot open rtnetlink: {}", netlink.error().message());
    return std::nullopt;
  }
  auto index = netlink->ifindex(tun->name());
  if (!index) {
    log::alert("Cannot find interface {}: {}", tun->name(), index.error().message());
    return std::nullopt;
  }
  std::optional<RelayInterface> iface(RelayInterface(std::move(*tun), std::move(*netlink), *index, prefix));
  if (!iface->configure(mtu)) return std::nullopt;  // the destructor undoes what was done
  return iface;
}

RelayInterface::RelayInterface(RelayInterface&& o) noexcept
    : tun_(std::move(o.tun_)),
      netlink_(std::move(o.netlink_)),
      ifindex_(o.ifindex_),
      prefix_(o.prefix_),
      address_added_(std::exchange(o.address_added_, false)),
      route_added_(std::exchange(o.route_added_, false)) {}

proto::Ipv6Addr RelayInterface::route_destination() const {
  proto::Ipv6Addr a;
  proto::store_be32(a.bytes.data(), prefix_);
  return a;
}

bool RelayInterface::configure(std::uint32_t mtu) {
  const std::string& name = tun_.name();
  if (auto st = netlink_.set_mtu(ifindex_, mtu); !st) {
    log::alert("Cannot set MTU {} on {}: {}", mtu, name, st.error().message());
    return false;
  }
  // Only fe80::ffff:ffff:ffff, as Miredo's relay: no kernel-generated link-local (best effort).
  if (auto st = netlink_.disable_ipv6_address_generation(ifindex_); !st)
    log::warning("Cannot disable IPv6 address generation on {}: {}", name, st.error().message());
  if (auto st = netlink_.set_link_state(ifindex_, os::LinkState{}); !st) {
    log::alert("Cannot bring {} up: {}", name, st.error().message());
    return false;
  }
  // A relay is a router on this link: ignore redirects (best effort, as Miredo).
  if (auto st = os::set_ipv6_conf(name, "accept_redirects", "0"); !st)
    log::warning("Cannot disable accept_redirects on {}: {}", name, st.error().message());
  if (auto st = netlink_.add_address(ifindex_, proto::kTeredoLinkLocal, 64, true); !st) {
    log::alert("Cannot add address fe80::ffff:ffff:ffff/64 to {}: {}", name, st.error().message());
    return false;
  }
  address_added_ = true;
  if (auto st = netlink_.add_route(ifindex_, route_destination(), 32, kRelayRouteMetric); !st) {
    log::alert("Cannot add the Teredo prefix route via {}: {}", name, st.error().message());
    return false;
  }
  route_added_ = true;
  return true;
}

RelayInterface::~RelayInterface() {
  if (route_added_) {
    if (auto st = netlink_.remove_route(ifindex_, route_destination(), 32, kRelayRouteMetric); !st)
      log::warning("Cannot remove the Teredo prefix route: {}", st.error().message());
  }
  if (address_added_) {
    if (auto st = netlink_.remove_address(ifindex_, proto::kTeredoLinkLocal, 64); !st)
      log::warning("Cannot remove fe80::ffff:ffff:ffff/64: {}", st.error().message());
  }
  // Members are destroyed next: closing the TUN descriptor deletes the interface.
}

}  // namespace teredo::roles
