// SPDX-License-Identifier: GPL-2.0-or-later
// RFC 6081 trailers: type-length-value fields after the IPv6 packet of a Teredo datagram (6081
// section 4; sheet 2.8). Nonce (0x01), Alternate Address (0x03), Neighbor Discovery (0x04) and
// Random Port (0x05; 0x02 as printed in 6081 section 9 is accepted too). Parsing never copies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "proto/bytes.hpp"
#include "proto/ipv4.hpp"
#include "proto/result.hpp"

namespace teredo::proto {

inline constexpr std::uint8_t kTrailerNonce = 0x01;
inline constexpr std::uint8_t kTrailerRandomPortIana = 0x02;  // 6081 section 9 (erratum)
inline constexpr std::uint8_t kTrailerAlternateAddress = 0x03;
inline constexpr std::uint8_t kTrailerNeighborDiscovery = 0x04;
inline constexpr std::uint8_t kTrailerRandomPort = 0x05;  // 6081 section 4.5: what we send

inline constexpr std::size_t kNonceTrailerSize = 2 + 4;
inline constexpr std::size_t kRandomPortTrailerSize = 2 + 2;
inline constexpr std::size_t kDiscoveryTrailerSize = 2 + 4;
/// 6081 section 4.3 and 7: at most four alternate addresses (an amplification bound).
inline constexpr std::size_t kMaxAlternateAddresses = 4;
constexpr std::size_t alternate_address_trailer_size(std::size_t n) {
  return 2 + 2 + 6 * n;
}

/// Neighbor Discovery trailer DiscoveryType (6081 section 4.4).
enum class DiscoveryType : std::uint8_t { Solicitation = 0x00, Advertisement = 0x01 };

/// What a datagram's trailers said. Absent trailers are nullopt / empty.
struct Trailers {
  std::optional<std::uint32_t> nonce;
  std::array<Endpoint, kMaxAlternateAddresses> alternates{};
  std::uint8_t alternate_count = 0;
  std::optional<DiscoveryType> discovery;
  std::optional<std::uint16_t> random_port;
  /// Parsing stopped at a trailer that ran past the end of the datagram (6081 5.1.2): what
  /// came before it counts, the rest is ignored.
  bool truncated = false;
  /// Trailers of unknown types that were skipped (top bits 00, 10 or 11).
  std::uint8_t skipped = 0;

  std::span<const Endpoint> alternate_addresses() const { return {alternates.data(), alternate_count}; }
  bool empty() const { return !nonce && alternate_count == 0 && !discovery && !random_port; }
};

/// Parses the bytes after the IPv6 packet. Drops (the whole datagram is discarded):
/// UnknownMandatoryTrailer (an unknown type whose top two bits are 01), BadTrailerLength (a
/// known type with a length other than its own), BadTrailerValue (an unknown DiscoveryType or
/// a random port of 0), BadAlternateAddress (reserved field not zero, an address that is not
/// unicast, or a port of 0), DuplicateTrailer (the same known type twice).
Result<Trailers> parse_trailers(ByteView trailers);

/// True when an IPv4 address may be an alternate address: not 0/8, 127/8, multicast, class E or
/// broadcast. Private ranges are what hairpinning is for, so they pass (sheet 8.5, DECISION).
constexpr bool is_valid_unicast(Ipv4Addr a) {
  const std::uint32_t top = a.value >> 24;
  return top != 0 && top != 127 && top < 224;
}

void build_nonce_trailer(Writer& w, std::uint32_t nonce);
void build_random_port_trailer(Writer& w, std::uint16_t port);
void build_discovery_trailer(Writer& w, DiscoveryType type);
/// 1 to 4 endpoints (more are cut to 4; none writes nothing).
void build_alternate_address_trailer(Writer& w, std::span<const Endpoint> addresses);

}  // namespace teredo::proto
