// SPDX-License-Identifier: GPL-2.0-or-later
// IPv4 addresses, UDP endpoints and the "global unicast" test of RFC 4380 section 5.2.4.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace teredo::proto {

/// An IPv4 address in host byte order (192.0.2.1 is 0xC0000201).
struct Ipv4Addr {
  std::uint32_t value = 0;
  friend constexpr auto operator<=>(const Ipv4Addr&, const Ipv4Addr&) = default;
};

/// A UDP/IPv4 endpoint, host byte order.
struct Endpoint {
  Ipv4Addr addr;
  std::uint16_t port = 0;
  friend constexpr auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

constexpr Ipv4Addr make_ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return Ipv4Addr{(std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d};
}

/// RFC 4380 5.2.4 global unicast test, widened by a DECISION (docs/decisions.md): besides the RFC's
/// list (0/8, 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, 192.88.99/24, 224/4, 255.255.255.255)
/// it also rejects 100.64/10 (shared CGN space, Miredo bug 12), 192.0.0/24 and 240/4.
/// The documentation ranges (TEST-NET-1/2/3) count as global, as in Miredo, so labs can use them.
constexpr bool is_global_unicast(Ipv4Addr a) {
  const std::uint32_t v = a.value;
  auto in = [v](std::uint32_t net, unsigned bits) {
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (v & mask) == net;
  };
  return !(in(0x00000000, 8) || in(0x0A000000, 8) || in(0x7F000000, 8) || in(0xA9FE0000, 16) ||
           in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0xC0586300, 24) || in(0xE0000000, 4) ||
           in(0xF0000000, 4) || in(0x64400000, 10) || in(0xC0000000, 24));
}

}  // namespace teredo::proto

template <>
struct std::hash<teredo::proto::Endpoint> {
  std::size_t operator()(const teredo::proto::Endpoint& e) const noexcept {
    return std::hash<std::uint64_t>{}((std::uint64_t{e.addr.value} << 16) | e.port);
  }
};
