// SPDX-License-Identifier: GPL-2.0-or-later
// IPv6 addresses as 16 network-order bytes, and the scope tests Teredo needs.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>

namespace teredo::proto {

struct Ipv6Addr {
  std::array<std::uint8_t, 16> bytes{};
  friend constexpr auto operator<=>(const Ipv6Addr&, const Ipv6Addr&) = default;
};

/// ff02::2, the all-routers multicast address (RS destination).
inline constexpr Ipv6Addr kAllRoutersMulticast{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
/// ff02::1, the all-nodes multicast address (local discovery bubble destination).
inline constexpr Ipv6Addr kAllNodesMulticast{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

constexpr bool is_unspecified(const Ipv6Addr& a) {
  for (auto b : a.bytes)
    if (b != 0) return false;
  return true;
}
constexpr bool is_loopback(const Ipv6Addr& a) {
  for (int i = 0; i < 15; ++i)
    if (a.bytes[static_cast<std::size_t>(i)] != 0) return false;
  return a.bytes[15] == 1;
}
constexpr bool is_multicast(const Ipv6Addr& a) {
  return a.bytes[0] == 0xff;
}
/// fe80::/10
constexpr bool is_link_local(const Ipv6Addr& a) {
  return a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}
/// fec0::/10 (deprecated site-local) is treated as non-global as well.
constexpr bool is_site_local(const Ipv6Addr& a) {
  return a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0xc0;
}
/// An IPv6 prefix: the address's first `length` bits (0..128).
struct Ipv6Prefix {
  Ipv6Addr addr;
  std::uint8_t length = 0;
  friend constexpr bool operator==(const Ipv6Prefix&, const Ipv6Prefix&) = default;
};

/// True when the first `p.length` bits of `a` are those of `p.addr`.
constexpr bool in_prefix(const Ipv6Addr& a, const Ipv6Prefix& p) {
  const unsigned full = p.length / 8u;
  for (unsigned i = 0; i < full && i < 16; ++i)
    if (a.bytes[i] != p.addr.bytes[i]) return false;
  const unsigned rest = p.length % 8u;
  if (rest == 0 || full >= 16) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (a.bytes[full] & mask) == (p.addr.bytes[full] & mask);
}

/// Global scope in the sense RFC 4380 5.3.1 uses: not unspecified, loopback, link-local,
/// site-local or multicast.
constexpr bool is_global_scope(const Ipv6Addr& a) {
  return !(is_unspecified(a) || is_loopback(a) || is_link_local(a) || is_site_local(a) || is_multicast(a));
}

/// First 32 bits of the address (the Teredo prefix position), host order.
constexpr std::uint32_t prefix32(const Ipv6Addr& a) {
  return (std::uint32_t{a.bytes[0]} << 24) | (std::uint32_t{a.bytes[1]} << 16) |
         (std::uint32_t{a.bytes[2]} << 8) | a.bytes[3];
}

}  // namespace teredo::proto

template <>
struct std::hash<teredo::proto::Ipv6Addr> {
  std::size_t operator()(const teredo::proto::Ipv6Addr& a) const noexcept {
    std::uint64_t hi = 0, lo = 0;
    std::memcpy(&hi, a.bytes.data(), 8);
    std::memcpy(&lo, a.bytes.data() + 8, 8);
    return std::hash<std::uint64_t>{}(hi ^ (lo * 0x9E3779B97F4A7C15ULL));
  }
};
