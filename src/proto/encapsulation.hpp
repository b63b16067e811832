// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo UDP payload framing (RFC 4380 5.1.1, RFC 6081 4): [authentication] [origin indication]
// IPv6 packet [trailers]. Parsing never copies: every view points into the datagram.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "proto/bytes.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6.hpp"
#include "proto/result.hpp"

namespace teredo::proto {

using Nonce = std::array<std::uint8_t, 8>;

inline constexpr std::size_t kAuthHeaderMinSize = 13;  // 00 01 idlen aulen nonce(8) conf(1)
inline constexpr std::size_t kOriginIndicationSize = 8;
/// Largest UDP payload over IPv4 (65535 - 20 - 8).
inline constexpr std::size_t kMaxUdpPayload = 65507;

/// Authentication encapsulation; client_id and auth_value view the datagram.
struct AuthHeader {
  ByteView client_id;
  ByteView auth_value;
  Nonce nonce{};
  std::uint8_t confirmation = 0;
};

/// A parsed Teredo UDP payload. `ipv6` is exactly the IPv6 packet (header + payload length);
/// `trailers` is what follows it (RFC 6081 TLVs), possibly empty.
struct TeredoPacket {
  std::optional<AuthHeader> auth;
  std::optional<Endpoint> origin;  // de-obfuscated
  ByteView ipv6;
  ByteView trailers;
};

/// True when a UDP payload starts with an authentication header (00 01): what the server's router
/// advertisements carry (RFC 4380 5.1.1). Looks at the first two bytes only.
constexpr bool has_auth_header(ByteView udp_payload) {
  return udp_payload.size() >= 2 && udp_payload[0] == 0x00 && udp_payload[1] == 0x01;
}

/// Parses a UDP payload. Drops: DatagramTooShort, TruncatedAuthHeader, TruncatedOriginIndication,
/// NotIpv6, TruncatedIpv6Header, Ipv6PayloadTruncated.
Result<TeredoPacket> parse_teredo_packet(ByteView udp_payload);

/// Writes a nonce-only authentication header (ID-len = AU-len = 0), 13 bytes.
void build_auth_header(Writer& w, const Nonce& nonce, std::uint8_t confirmation);
/// Writes an authentication header with a client identifier and an authentication value (each at
/// most 255 bytes; RFC 4380 5.1.1, 5.2.2). Returns the offset of the value within the header, so
/// that it can be filled in once the rest of the packet is written.
std::size_t build_auth_header(Writer& w, ByteView client_id, ByteView auth_value, const Nonce& nonce,
                              std::uint8_t confirmation);

/// Writes an origin indication (8 bytes) for `origin`, obfuscating port and address.
void build_origin_indication(Writer& w, Endpoint origin);

}  // namespace teredo::proto
