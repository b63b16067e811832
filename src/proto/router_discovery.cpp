// SPDX-License-Identifier: GPL-2.0-or-later
// Router Solicitation / Advertisement parsing and building (RFC 4861, as used by RFC 4380).
#include "proto/router_discovery.hpp"

#include <algorithm>

#include "proto/checksum.hpp"

namespace teredo::proto {

namespace {

constexpr std::size_t kRsSize = 8;
constexpr std::size_t kRaSize = 16;

// Common ND checks; on success returns nothing.
std::optional<Drop> check_nd(const Ipv6Packet& p, std::uint8_t type, std::size_t min_size, Drop wrong_type) {
  if (p.header.next_header != kNextHeaderIcmpv6) return Drop::NotIcmpv6;
  if (p.payload.size() < 4) return Drop::TruncatedIcmpv6;
  if (p.payload[0] != type) return wrong_type;
  if (p.payload[1] != 0) return Drop::BadIcmpv6Code;
  if (p.payload.size() < min_size) return Drop::TruncatedIcmpv6;
  if (p.header.hop_limit != 255) return Drop::BadHopLimit;
  if (ipv6_upper_checksum(p.header.src, p.header.dst, kNextHeaderIcmpv6, p.payload) != 0)
    return Drop::BadIcmpv6Checksum;
  return std::nullopt;
}

void fill_checksum(Writer& w, std::size_t ipv6_start, const Ipv6Addr& src, const Ipv6Addr& dst) {
  if (!w.ok()) return;
  MutableBytes all = w.written_mutable();
  MutableBytes icmp = all.subspan(ipv6_start + kIpv6HeaderSize);
  icmp[2] = 0;
  icmp[3] = 0;
  store_be16(icmp.data() + 2, ipv6_upper_checksum(src, dst, kNextHeaderIcmpv6, icmp));
}

}  // namespace

Result<RouterSolicitation> parse_router_solicitation(const Ipv6Packet& p) {
  if (auto d = check_nd(p, kIcmpv6RouterSolicitation, kRsSize, Drop::NotRouterSolicitation)) return *d;
  RouterSolicitation rs;
  ByteView opts = p.payload.subspan(kRsSize);
  while (!opts.empty()) {
    if (opts.size() < 2 || opts[1] == 0 || opts.size() < std::size_t{opts[1]} * 8) return Drop::BadNdOption;
    ++rs.option_count;
    opts = opts.subspan(std::size_t{opts[1]} * 8);
  }
  return rs;
}

Result<RouterAdvertisement> parse_router_advertisement(const Ipv6Packet& p) {
  if (auto d = check_nd(p, kIcmpv6RouterAdvertisement, kRaSize, Drop::NotRouterAdvertisement)) return *d;
  const std::uint8_t* b = p.payload.data();
  RouterAdvertisement ra;
  ra.cur_hop_limit = b[4];
  ra.flags = b[5];
  ra.router_lifetime = load_be16(b + 6);
  ra.reachable_time = load_be32(b + 8);
  ra.retrans_timer = load_be32(b + 12);
  ByteView opts = p.payload.subspan(kRaSize);
  while (!opts.empty()) {
    if (opts.size() < 2 || opts[1] == 0 || opts.size() < std::size_t{opts[1]} * 8) return Drop::BadNdOption;
    const std::size_t len = std::size_t{opts[1]} * 8;
    const std::uint8_t* o = opts.data();
    if (o[0] == kNdOptionPrefixInformation) {
      if (len != 32) return Drop::BadNdOption;
      if (ra.prefix_count++ == 0) {
        PrefixInformation pi;
        pi.prefix_length = o[2];
        pi.flags = o[3];
        pi.valid_lifetime = load_be32(o + 4);
        pi.preferred_lifetime = load_be32(o + 8);
        std::copy_n(o + 16, 16, pi.prefix.bytes.begin());
        ra.prefix = pi;
      }
    } else if (o[0] == kNdOptionMtu) {
      if (len != 8) return Drop::BadNdOption;
      ra.mtu = load_be32(o + 4);
    }
    opts = opts.subspan(len);
  }
  return ra;
}

void build_router_solicitation(Writer& w, const Ipv6Addr& src) {
  const std::size_t start = w.size();
  Ipv6Header h;
  h.payload_length = kRsSize;
  h.next_header = kNextHeaderIcmpv6;
  h.hop_limit = 255;
  h.src = src;
  h.dst = kAllRoutersMulticast;
  build_ipv6_header(w, h);
  w.put8(kIcmpv6RouterSolicitation);
  w.put8(0);
  w.put16(0);
  w.put32(0);
  fill_checksum(w, start, h.src, h.dst);
}

void build_router_advertisement(Writer& w, const Ipv6Addr& src, const Ipv6Addr& dst,
                                const RouterAdvertisement& ra) {
  const std::size_t start = w.size();
  Ipv6Header h;
  h.payload_length = static_cast<std::uint16_t>(kRaSize + (ra.prefix ? 32 : 0) + (ra.mtu ? 8 : 0));
  h.next_header = kNextHeaderIcmpv6;
  h.hop_limit = 255;
  h.src = src;
  h.dst = dst;
  build_ipv6_header(w, h);
  w.put8(kIcmpv6RouterAdvertisement);
  w.put8(0);
  w.put16(0);
  w.put8(ra.cur_hop_limit);
  w.put8(ra.flags);
  w.put16(ra.router_lifetime);
  w.put32(ra.reachable_time);
  w.put32(ra.retrans_timer);
  if (ra.prefix) {
    w.put8(kNdOptionPrefixInformation);
    w.put8(4);
    w.put8(ra.prefix->prefix_length);
    w.put8(ra.prefix->flags);
    w.put32(ra.prefix->valid_lifetime);
    w.put32(ra.prefix->preferred_lifetime);
    w.put32(0);
    w.put(ra.prefix->prefix.bytes);
  }
  if (ra.mtu) {
    w.put8(kNdOptionMtu);
    w.put8(1);
    w.put16(0);
    w.put32(*ra.mtu);
  }
  fill_checksum(w, start, h.src, h.dst);
}

}  // namespace teredo::proto
