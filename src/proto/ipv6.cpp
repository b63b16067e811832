// SPDX-License-Identifier: GPL-2.0-or-later
// IPv6 header parsing and building.
#include "proto/ipv6.hpp"

#include <algorithm>

namespace teredo::proto {

Result<Ipv6Packet> parse_ipv6(ByteView b) {
  if (b.size() < kIpv6HeaderSize) return Drop::TruncatedIpv6Header;
  if ((b[0] >> 4) != 6) return Drop::NotIpv6;
  Ipv6Packet p;
  const std::uint32_t first = load_be32(b.data());
  p.header.traffic_class = static_cast<std::uint8_t>((first >> 20) & 0xFF);
  p.header.flow_label = first & 0xFFFFF;
  p.header.payload_length = load_be16(b.data() + 4);
  p.header.next_header = b[6];
  p.header.hop_limit = b[7];
  std::copy_n(b.begin() + 8, 16, p.header.src.bytes.begin());
  std::copy_n(b.begin() + 24, 16, p.header.dst.bytes.begin());
  if (kIpv6HeaderSize + p.header.payload_length > b.size()) return Drop::Ipv6PayloadTruncated;
  p.payload = b.subspan(kIpv6HeaderSize, p.header.payload_length);
  return p;
}

void build_ipv6_header(Writer& w, const Ipv6Header& h) {
  w.put32((6u << 28) | (std::uint32_t{h.traffic_class} << 20) | (h.flow_label & 0xFFFFF));
  w.put16(h.payload_length);
  w.put8(h.next_header);
  w.put8(h.hop_limit);
  w.put(h.src.bytes);
  w.put(h.dst.bytes);
}

}  // namespace teredo::proto
