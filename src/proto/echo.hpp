// SPDX-License-Identifier: GPL-2.0-or-later
// ICMPv6 Echo Request/Reply (RFC 4443 4.1, 4.2), used by the direct IPv6 connectivity test
// (RFC 4380 5.2.9), and bubbles (RFC 4380 2.8).
#pragma once

#include <cstdint>

#include "proto/bytes.hpp"
#include "proto/ipv6.hpp"
#include "proto/result.hpp"

namespace teredo::proto {

inline constexpr std::uint8_t kIcmpv6EchoRequest = 128;
inline constexpr std::uint8_t kIcmpv6EchoReply = 129;

struct Echo {
  std::uint8_t type = kIcmpv6EchoRequest;
  std::uint16_t identifier = 0;
  std::uint16_t sequence = 0;
  ByteView data;  // views the packet
};

/// Drops: NotIcmpv6, TruncatedIcmpv6, NotEcho, BadIcmpv6Code, BadIcmpv6Checksum.
Result<Echo> parse_echo(const Ipv6Packet& p);

/// Writes a complete Echo packet (IPv6 header with `src`, `dst`, `hop_limit`, then the message).
void build_echo(Writer& w, const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t hop_limit, const Echo& e);

/// A bubble: an IPv6 header with payload length 0 and next header 59 (RFC 4380 2.8).
constexpr bool is_bubble(const Ipv6Packet& p) {
  return p.header.payload_length == 0 && p.header.next_header == kNextHeaderNone;
}

/// Writes a 40-byte bubble.
void build_bubble(Writer& w, const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t hop_limit);

}  // namespace teredo::proto
