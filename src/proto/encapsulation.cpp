// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo encapsulation parsing and building (RFC 4380 5.1.1, 5.2.3; RFC 6081 4).
#include "proto/encapsulation.hpp"

#include <algorithm>

namespace teredo::proto {

Result<TeredoPacket> parse_teredo_packet(ByteView p) {
  TeredoPacket pkt;
  if (p.size() < 2) return Drop::DatagramTooShort;

  // Demultiplex on the first two octets: 00 01 auth, 00 00 origin, else IPv6 (5.2.3).
  if (has_auth_header(p)) {
    if (p.size() < 4) return Drop::TruncatedAuthHeader;
    const std::size_t id_len = p[2];
    const std::size_t au_len = p[3];
    const std::size_t total = kAuthHeaderMinSize + id_len + au_len;
    if (p.size() < total) return Drop::TruncatedAuthHeader;
    AuthHeader a;
    a.client_id = p.subspan(4, id_len);
    a.auth_value = p.subspan(4 + id_len, au_len);
    std::copy_n(p.begin() + static_cast<std::ptrdiff_t>(4 + id_len + au_len), 8, a.nonce.begin());
    a.confirmation = p[total - 1];
    pkt.auth = a;
    p = p.subspan(total);
    if (p.size() < 2) return Drop::DatagramTooShort;
  }
  if (p[0] == 0x00 && p[1] == 0x00) {
    if (p.size() < kOriginIndicationSize) return Drop::TruncatedOriginIndication;
    Endpoint o;
    o.port = static_cast<std::uint16_t>(load_be16(p.data() + 2) ^ 0xFFFF);
    o.addr = Ipv4Addr{load_be32(p.data() + 4) ^ 0xFFFFFFFFu};
    pkt.origin = o;
    p = p.subspan(kOriginIndicationSize);
    if (p.empty()) return Drop::DatagramTooShort;
  }
  if ((p[0] >> 4) != 6) return Drop::NotIpv6;
  if (p.size() < kIpv6HeaderSize) return Drop::TruncatedIpv6Header;
  const std::size_t total = kIpv6HeaderSize + load_be16(p.data() + 4);
  if (total > p.size()) return Drop::Ipv6PayloadTruncated;
  pkt.ipv6 = p.first(total);
  pkt.trailers = p.subspan(total);
  return pkt;
}

void build_auth_header(Writer& w, const Nonce& nonce, std::uint8_t confirmation) {
  w.put8(0x00);
  w.put8(0x01);
  w.put8(0);
  w.put8(0);
  w.put(nonce);
  w.put8(confirmation);
}

std::size_t build_auth_header(Writer& w, ByteView client_id, ByteView auth_value, const Nonce& nonce,
                              std::uint8_t confirmation) {
  const std::size_t id_len = std::min<std::size_t>(client_id.size(), 255);
  const std::size_t au_len = std::min<std::size_t>(auth_value.size(), 255);
  w.put8(0x00);
  w.put8(0x01);
  w.put8(static_cast<std::uint8_t>(id_len));
  w.put8(static_cast<std::uint8_t>(au_len));
  w.put(client_id.first(id_len));
  w.put(auth_value.first(au_len));
  w.put(nonce);
  w.put8(confirmation);
  return 4 + id_len;
}

void build_origin_indication(Writer& w, Endpoint origin) {
  w.put16(0x0000);
  w.put16(static_cast<std::uint16_t>(origin.port ^ 0xFFFF));
  w.put32(origin.addr.value ^ 0xFFFFFFFFu);
}

}  // namespace teredo::proto
