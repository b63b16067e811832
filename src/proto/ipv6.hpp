// SPDX-License-Identifier: GPL-2.0-or-later
// IPv6 fixed header view and builder (RFC 8200 section 3).
#pragma once

#include <cstddef>
#include <cstdint>

#include "proto/bytes.hpp"
#include "proto/ipv6_address.hpp"
#include "proto/result.hpp"

namespace teredo::proto {

inline constexpr std::size_t kIpv6HeaderSize = 40;
inline constexpr std::uint8_t kNextHeaderIcmpv6 = 58;
inline constexpr std::uint8_t kNextHeaderNone = 59;
inline constexpr std::uint8_t kNextHeaderTcp = 6;
inline constexpr std::uint8_t kNextHeaderUdp = 17;

struct Ipv6Header {
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  std::uint16_t payload_length = 0;
  std::uint8_t next_header = kNextHeaderNone;
  std::uint8_t hop_limit = 0;
  Ipv6Addr src;
  Ipv6Addr dst;
};

/// A parsed IPv6 packet: `payload` is exactly payload_length bytes; bytes beyond it are not part
/// of the packet (the caller decides whether they are trailers or an error).
struct Ipv6Packet {
  Ipv6Header header;
  ByteView payload;
};

/// Drops: TruncatedIpv6Header, NotIpv6, Ipv6PayloadTruncated.
Result<Ipv6Packet> parse_ipv6(ByteView bytes);

/// Writes the 40-byte header.
void build_ipv6_header(Writer& w, const Ipv6Header& h);

}  // namespace teredo::proto
