// SPDX-License-Identifier: GPL-2.0-or-later
// ICMPv6 error messages (RFC 4443 3.1 Destination Unreachable, 3.2 Packet Too Big) and the
// rule of when not to send one (RFC 4443 2.4 (e)).
#pragma once

#include <cstdint>

#include "proto/bytes.hpp"
#include "proto/ipv6.hpp"

namespace teredo::proto {

inline constexpr std::uint8_t kIcmpv6DestinationUnreachable = 1;
inline constexpr std::uint8_t kIcmpv6PacketTooBig = 2;
inline constexpr std::uint8_t kIcmpv6TimeExceeded = 3;
inline constexpr std::uint8_t kIcmpv6ParameterProblem = 4;
inline constexpr std::uint8_t kUnreachableNoRoute = 0;
inline constexpr std::uint8_t kUnreachableAdminProhibited = 1;
inline constexpr std::uint8_t kUnreachableAddress = 3;
/// An ICMPv6 error, IPv6 header included, must fit in the minimum MTU.
inline constexpr std::size_t kMinMtu = 1280;

/// True when RFC 4443 2.4 (e) allows an error about `offending`: it is not itself an ICMPv6
/// error (or a truncated ICMPv6 header we cannot read), and its source is a unicast address.
bool may_send_icmpv6_error(const Ipv6Packet& offending);

/// Writes the ICMPv6 message (type, code, checksum 0, 32-bit parameter, then as much of
/// `offending` as keeps the whole IPv6 packet within 1280 bytes). The checksum is left zero for
/// a raw ICMPv6 socket to fill.
void build_icmpv6_error(Writer& w, std::uint8_t type, std::uint8_t code, std::uint32_t parameter,
                        ByteView offending);

}  // namespace teredo::proto
