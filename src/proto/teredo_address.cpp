// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo address encoding (RFC 4380 section 4).
#include "proto/teredo_address.hpp"

#include "proto/bytes.hpp"

namespace teredo::proto {

namespace {
void put_node_id(std::uint8_t* p, std::uint16_t flags, Endpoint e) {
  store_be16(p, flags);
  store_be16(p + 2, static_cast<std::uint16_t>(e.port ^ 0xFFFF));
  store_be32(p + 4, e.addr.value ^ 0xFFFFFFFFu);
}
}  // namespace

Ipv6Addr build_teredo_address(const TeredoAddress& t) {
  Ipv6Addr a;
  store_be32(a.bytes.data(), t.prefix);
  store_be32(a.bytes.data() + 4, t.server.value);
  put_node_id(a.bytes.data() + 8, t.flags, t.mapped);
  return a;
}

TeredoAddress parse_teredo_address(const Ipv6Addr& a) {
  TeredoAddress t;
  const std::uint8_t* p = a.bytes.data();
  t.prefix = load_be32(p);
  t.server = Ipv4Addr{load_be32(p + 4)};
  t.flags = load_be16(p + 8);
  t.mapped.port = static_cast<std::uint16_t>(load_be16(p + 10) ^ 0xFFFF);
  t.mapped.addr = Ipv4Addr{load_be32(p + 12) ^ 0xFFFFFFFFu};
  return t;
}

Ipv6Addr build_teredo_link_local(std::uint16_t flags, Endpoint endpoint) {
  Ipv6Addr a;
  a.bytes[0] = 0xfe;
  a.bytes[1] = 0x80;
  put_node_id(a.bytes.data() + 8, flags, endpoint);
  return a;
}

}  // namespace teredo::proto
