// SPDX-License-Identifier: GPL-2.0-or-later
// ICMPv6 echo and bubble packets.
#include "proto/echo.hpp"

#include "proto/checksum.hpp"
#include "proto/encapsulation.hpp"

namespace teredo::proto {

Result<Echo> parse_echo(const Ipv6Packet& p) {
  if (p.header.next_header != kNextHeaderIcmpv6) return Drop::NotIcmpv6;
  if (p.payload.size() < 8) return Drop::TruncatedIcmpv6;
  const std::uint8_t* b = p.payload.data();
  if (b[0] != kIcmpv6EchoRequest && b[0] != kIcmpv6EchoReply) return Drop::NotEcho;
  if (b[1] != 0) return Drop::BadIcmpv6Code;
  if (ipv6_upper_checksum(p.header.src, p.header.dst, kNextHeaderIcmpv6, p.payload) != 0)
    return Drop::BadIcmpv6Checksum;
  Echo e;
  e.type = b[0];
  e.identifier = load_be16(b + 4);
  e.sequence = load_be16(b + 6);
  e.data = p.payload.subspan(8);
  return e;
}

void build_echo(Writer& w, const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t hop_limit, const Echo& e) {
  const std::size_t start = w.size();
  Ipv6Header h;
  h.payload_length = static_cast<std::uint16_t>(8 + e.data.size());
  h.next_header = kNextHeaderIcmpv6;
  h.hop_limit = hop_limit;
  h.src = src;
  h.dst = dst;
  build_ipv6_header(w, h);
  w.put8(e.type);
  w.put8(0);
  w.put16(0);
  w.put16(e.identifier);
  w.put16(e.sequence);
  w.put(e.data);
  if (!w.ok()) return;
  MutableBytes icmp = w.written_mutable().subspan(start + kIpv6HeaderSize);
  store_be16(icmp.data() + 2, ipv6_upper_checksum(src, dst, kNextHeaderIcmpv6, icmp));
}

void build_bubble(Writer& w, const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t hop_limit) {
  Ipv6Header h;
  h.payload_length = 0;
  h.next_header = kNextHeaderNone;
  h.hop_limit = hop_limit;
  h.src = src;
  h.dst = dst;
  build_ipv6_header(w, h);
}

}  // namespace teredo::proto
