// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo IPv6 addresses (RFC 4380 section 4, RFC 5991 section 3.1): prefix, server IPv4, flags,
// obfuscated mapped port and IPv4; and the Teredo-format link-local addresses used by RS/RA.
#pragma once

#include <cstdint>

#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::proto {

inline constexpr std::uint32_t kTeredoPrefix = 0x20010000;  // 2001:0000::/32
inline constexpr std::uint16_t kTeredoPort = 3544;
/// 224.0.0.253: the link-scope group of local client discovery (RFC 4380 2.17, 5.2.8).
inline constexpr Ipv4Addr kTeredoDiscoveryAddress{0xE00000FD};

/// fe80::ffff:ffff:ffff: the link-local address of a Teredo tunnel interface (Miredo's, ours) and
/// the source of a client's Router Solicitations.
inline constexpr Ipv6Addr kTeredoLinkLocal{
    {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

// Flags word (bits 64..79). RFC 5991 3.1 layout: C z Random1(4) U G Random2(8).
inline constexpr std::uint16_t kFlagCone = 0x8000;
inline constexpr std::uint16_t kFlagReserved = 0x4000;
inline constexpr std::uint16_t kFlagUniversal = 0x0200;
inline constexpr std::uint16_t kFlagGroup = 0x0100;
inline constexpr std::uint16_t kFlagRandomMask = 0x3CFF;

/// The decoded contents of a Teredo address; mapped endpoint already de-obfuscated.
struct TeredoAddress {
  std::uint32_t prefix = kTeredoPrefix;
  Ipv4Addr server;
  std::uint16_t flags = 0;
  Endpoint mapped;
  friend constexpr bool operator==(const TeredoAddress&, const TeredoAddress&) = default;
};

/// Builds the address: prefix | server | flags | ~port | ~ipv4.
Ipv6Addr build_teredo_address(const TeredoAddress& t);

/// Decodes any address as if it were a Teredo address (the caller checks the prefix).
TeredoAddress parse_teredo_address(const Ipv6Addr& a);

/// True when the first 32 bits equal `prefix`.
constexpr bool has_prefix(const Ipv6Addr& a, std::uint32_t prefix) {
  return prefix32(a) == prefix;
}

/// Flags for a new RFC 5991 address from 16 random bits: C=0, z=U=G=0, Random1/Random2 from `random`.
constexpr std::uint16_t make_random_flags(std::uint16_t random) {
  return static_cast<std::uint16_t>(random & kFlagRandomMask);
}

/// Teredo-format link-local address: fe80::/64 followed by flags | ~port | ~ipv4 (RFC 4380 5.2.1, 5.3.2).
Ipv6Addr build_teredo_link_local(std::uint16_t flags, Endpoint endpoint);

/// The server's link-local address: cone flag, port 3544 and the server's IPv4 (RFC 4380 5.3.2).
inline Ipv6Addr build_server_link_local(Ipv4Addr server) {
  return build_teredo_link_local(kFlagCone, Endpoint{server, kTeredoPort});
}

/// The cone bit of an address's flags word (bit 64), as a server reads it from an RS source.
constexpr bool has_cone_flag(const Ipv6Addr& a) {
  return (a.bytes[8] & 0x80) != 0;
}

}  // namespace teredo::proto
