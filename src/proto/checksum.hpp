// SPDX-License-Identifier: GPL-2.0-or-later
// Internet checksum (RFC 1071) with the IPv6 pseudo-header (RFC 8200 8.1), for ICMPv6/UDP/TCP.
#pragma once

#include <cstdint>

#include "proto/bytes.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::proto {

/// One's-complement sum of `data` folded into `sum` (not complemented).
std::uint32_t checksum_add(std::uint32_t sum, ByteView data);
/// Folds a 32-bit partial sum to 16 bits and complements it.
std::uint16_t checksum_finish(std::uint32_t sum);

/// Checksum of an upper-layer message over the IPv6 pseudo-header. Computed with the message's
/// checksum field as it stands: a message with a correct checksum yields 0; to fill the field,
/// zero it first and store the result.
std::uint16_t ipv6_upper_checksum(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t next_header,
                                  ByteView message);

}  // namespace teredo::proto
