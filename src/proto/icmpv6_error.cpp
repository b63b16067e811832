// SPDX-License-Identifier: GPL-2.0-or-later
// ICMPv6 error construction (RFC 4443).
#include "proto/icmpv6_error.hpp"

#include <algorithm>

namespace teredo::proto {

bool may_send_icmpv6_error(const Ipv6Packet& p) {
  const Ipv6Addr& src = p.header.src;
  if (is_unspecified(src) || is_multicast(src)) return false;
  if (p.header.next_header == kNextHeaderIcmpv6) {
    if (p.payload.empty()) return false;
    if (p.payload[0] < 128) return false;  // an error message (types 0..127)
  }
  return true;
}

void build_icmpv6_error(Writer& w, std::uint8_t type, std::uint8_t code, std::uint32_t parameter,
                        ByteView offending) {
  const std::size_t room = kMinMtu - kIpv6HeaderSize - 8;
  w.put8(type);
  w.put8(code);
  w.put16(0);
  w.put32(parameter);
  w.put(offending.first(std::min(room, offending.size())));
}

}  // namespace teredo::proto
