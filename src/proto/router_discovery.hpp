// SPDX-License-Identifier: GPL-2.0-or-later
// ICMPv6 Router Solicitation / Router Advertisement as Teredo uses them for qualification
// (RFC 4380 5.2.1, 5.3.2; RFC 4861 4.1, 4.2, 4.6.2, 4.6.4, 6.1).
#pragma once

#include <cstdint>
#include <optional>

#include "proto/bytes.hpp"
#include "proto/ipv6.hpp"
#include "proto/result.hpp"

namespace teredo::proto {

inline constexpr std::uint8_t kIcmpv6RouterSolicitation = 133;
inline constexpr std::uint8_t kIcmpv6RouterAdvertisement = 134;
inline constexpr std::uint8_t kNdOptionPrefixInformation = 3;
inline constexpr std::uint8_t kNdOptionMtu = 5;
inline constexpr std::uint8_t kPrefixFlagOnLink = 0x80;
inline constexpr std::uint8_t kPrefixFlagAutonomous = 0x40;
/// Size of a Teredo RS packet (IPv6 header + 8-byte RS, no options).
inline constexpr std::size_t kRouterSolicitationSize = 48;

struct RouterSolicitation {
  std::uint8_t option_count = 0;  // options are legal but ignored
};

struct PrefixInformation {
  std::uint8_t prefix_length = 64;
  std::uint8_t flags = kPrefixFlagAutonomous;
  std::uint32_t valid_lifetime = 0xFFFFFFFF;
  std::uint32_t preferred_lifetime = 0xFFFFFFFF;
  Ipv6Addr prefix;
};

struct RouterAdvertisement {
  std::uint8_t cur_hop_limit = 0;
  std::uint8_t flags = 0;
  std::uint16_t router_lifetime = 0;
  std::uint32_t reachable_time = 0;
  std::uint32_t retrans_timer = 0;
  /// The first Prefix Information option, and how many there were (Teredo requires exactly one).
  std::optional<PrefixInformation> prefix;
  unsigned prefix_count = 0;
  std::optional<std::uint32_t> mtu;
};

/// Validates an RS per RFC 4861 6.1.1 (ICMPv6, type 133, code 0, hop limit 255, checksum,
/// option lengths non-zero). Drops: NotIcmpv6, TruncatedIcmpv6, NotRouterSolicitation,
/// BadIcmpv6Code, BadHopLimit, BadIcmpv6Checksum, BadNdOption.
Result<RouterSolicitation> parse_router_solicitation(const Ipv6Packet& p);

/// Validates an RA per RFC 4861 6.1.2 and decodes the PIO and MTU options. Same drops as for RS
/// with NotRouterAdvertisement; a PIO or MTU option of the wrong length is BadNdOption.
Result<RouterAdvertisement> parse_router_advertisement(const Ipv6Packet& p);

/// Writes a complete RS packet (IPv6 header + RS, hop limit 255, dst ff02::2) from `src`.
void build_router_solicitation(Writer& w, const Ipv6Addr& src);

/// Writes a complete RA packet (IPv6 header, RA, PIO if set, MTU option if set) with its checksum.
void build_router_advertisement(Writer& w, const Ipv6Addr& src, const Ipv6Addr& dst,
                                const RouterAdvertisement& ra);

}  // namespace teredo::proto
