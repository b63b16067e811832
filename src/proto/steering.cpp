// SPDX-License-Identifier: GPL-2.0-or-later
// Steering keys of TUN packets and Teredo datagrams (the same offsets the kernel programs read).
#include "proto/steering.hpp"

#include <cstring>

#include "proto/encapsulation.hpp"

namespace teredo::proto {

namespace {

std::optional<Ipv6Addr> address_at(ByteView data, std::size_t offset) {
  if (data.size() < offset + 16) return std::nullopt;
  Ipv6Addr a;
  std::memcpy(a.bytes.data(), data.data() + offset, 16);
  return a;
}

}  // namespace

std::optional<Ipv6Addr> tun_steering_key(ByteView ipv6_packet) {
  return address_at(ipv6_packet, kIpv6DestinationOffset);
}

std::optional<Ipv6Addr> udp_steering_key(ByteView p) {
  std::size_t off = 0;
  if (has_auth_header(p)) {
    if (p.size() < 4) return std::nullopt;
    off = 13 + std::size_t{p[2]} + std::size_t{p[3]};
  }
  if (p.size() >= off + 2 && p[off] == 0 && p[off + 1] == 0) off += 8;
  return address_at(p, off + kIpv6SourceOffset);
}

}  // namespace teredo::proto
