// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes parse_router_advertisement. Input: control byte (bit 0: fix the ICMPv6 checksum), then
// an IPv6 packet. Round trip: parse, rebuild with build_router_advertisement (same src/dst),
// re-parse, and require the same decoded fields (the rebuild keeps only the first PIO and MTU).
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "proto/router_discovery.hpp"

using namespace teredo;

namespace {
bool same_pio(const proto::PrefixInformation& a, const proto::PrefixInformation& b) {
  return a.prefix_length == b.prefix_length && a.flags == b.flags && a.valid_lifetime == b.valid_lifetime &&
         a.preferred_lifetime == b.preferred_lifetime && a.prefix == b.prefix;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> pkt = fuzz::icmpv6_input(data, size);
  auto ip = proto::parse_ipv6(pkt);
  if (!ip) return 0;
  auto ra = proto::parse_router_advertisement(*ip);
  if (!ra) {
    FUZZ_CHECK(proto::to_string(ra.drop()) != "unknown");
    return 0;
  }
  FUZZ_CHECK(ip->header.hop_limit == 255);
  FUZZ_CHECK(ra->prefix.has_value() == (ra->prefix_count > 0));

  std::uint8_t buf[proto::kIpv6HeaderSize + 16 + 32 + 8];
  proto::Writer w(buf);
  proto::build_router_advertisement(w, ip->header.src, ip->header.dst, *ra);
  FUZZ_CHECK(w.ok());
  auto ip2 = proto::parse_ipv6(w.written());
  FUZZ_CHECK(ip2.ok());
  FUZZ_CHECK(ip2->header.src == ip->header.src && ip2->header.dst == ip->header.dst);
  auto ra2 = proto::parse_router_advertisement(*ip2);
  FUZZ_CHECK(ra2.ok());
  FUZZ_CHECK(ra2->cur_hop_limit == ra->cur_hop_limit && ra2->flags == ra->flags &&
             ra2->router_lifetime == ra->router_lifetime && ra2->reachable_time == ra->reachable_time &&
             ra2->retrans_timer == ra->retrans_timer);
  FUZZ_CHECK(ra2->mtu == ra->mtu);
  FUZZ_CHECK(ra2->prefix_count == (ra->prefix ? 1u : 0u));
  FUZZ_CHECK(ra2->prefix.has_value() == ra->prefix.has_value());
  if (ra->prefix) FUZZ_CHECK(same_pio(*ra2->prefix, *ra->prefix));
  return 0;
}
