// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes parse_router_solicitation. Input: control byte (bit 0: fix the ICMPv6 checksum), then an
// IPv6 packet. Round trip: a plain Teredo RS (no options, zero reserved field, ff02::2, traffic
// class and flow label 0) is rebuilt byte for byte by build_router_solicitation.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "proto/router_discovery.hpp"

using namespace teredo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> pkt = fuzz::icmpv6_input(data, size);
  auto ip = proto::parse_ipv6(pkt);
  if (!ip) return 0;
  auto rs = proto::parse_router_solicitation(*ip);
  if (!rs) {
    FUZZ_CHECK(proto::to_string(rs.drop()) != "unknown");
    return 0;
  }
  const proto::Ipv6Header& h = ip->header;
  FUZZ_CHECK(h.hop_limit == 255 && h.next_header == proto::kNextHeaderIcmpv6);
  FUZZ_CHECK(ip->payload.size() >= 8 && ip->payload[0] == proto::kIcmpv6RouterSolicitation);
  FUZZ_CHECK(rs->option_count <= (ip->payload.size() - 8) / 8);

  const bool plain = rs->option_count == 0 && h.traffic_class == 0 && h.flow_label == 0 &&
                     h.dst == proto::kAllRoutersMulticast && proto::load_be32(ip->payload.data() + 4) == 0;
  if (plain) {
    std::uint8_t buf[proto::kRouterSolicitationSize];
    proto::Writer w(buf);
    proto::build_router_solicitation(w, h.src);
    FUZZ_CHECK(w.ok());
    const proto::ByteView original = proto::ByteView(pkt).first(proto::kIpv6HeaderSize + h.payload_length);
    // The checksum field may legitimately differ between 0x0000 and 0xFFFF (both valid when the
    // rest sums to 0xFFFF); compare everything else and re-parse.
    FUZZ_CHECK(original.size() == w.size());
    for (std::size_t i = 0; i < w.size(); ++i)
      if (i != 42 && i != 43) FUZZ_CHECK(buf[i] == original[i]);
    auto ip2 = proto::parse_ipv6(w.written());
    FUZZ_CHECK(ip2.ok() && proto::parse_router_solicitation(*ip2).ok());
  }
  return 0;
}
