// SPDX-License-Identifier: GPL-2.0-or-later
// Text forms of addresses: parsing and printing IPv4/IPv6, and host name resolution to IPv4.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::os {

/// The words of a line, separated by spaces and tabs (a control request, a keys file line).
std::vector<std::string_view> split_words(std::string_view line);

/// Dotted-quad only (inet_pton), no host names.
std::optional<proto::Ipv4Addr> parse_ipv4(std::string_view text);
/// Every numeric form getaddrinfo accepts without DNS (inet_aton: 127.1, 0x7f.1, 2130706433).
std::optional<proto::Ipv4Addr> parse_ipv4_numeric(std::string_view text);
/// Numeric IPv6 (inet_pton).
std::optional<proto::Ipv6Addr> parse_ipv6(std::string_view text);

std::string to_string(proto::Ipv4Addr a);
std::string to_string(proto::Ipv6Addr a);
/// "192.0.2.1:3544"
std::string to_string(proto::Endpoint e);
/// A Teredo prefix (its first 32 bits, host order) as "2001::/32".
std::string prefix32_to_string(std::uint32_t prefix);

/// The outcome of resolve_ipv4: an address, or getaddrinfo's error text.
struct Ipv4Resolution {
  std::optional<proto::Ipv4Addr> address;
  std::string error;
};

/// Resolves a dotted quad or a host name to its first IPv4 address (getaddrinfo, AF_INET).
/// May block on DNS; call it only at start-up or reload, never on the packet path.
Ipv4Resolution resolve_ipv4(std::string_view name);

}  // namespace teredo::os
