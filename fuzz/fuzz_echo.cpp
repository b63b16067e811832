// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes parse_echo (and is_bubble/build_bubble). Input: control byte (bit 0: fix the ICMPv6
// checksum), then an IPv6 packet. Round trip: build_echo with the parsed fields reproduces the
// ICMPv6 message byte for byte (except a 0x0000/0xFFFF checksum ambiguity) and re-parses.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "proto/echo.hpp"

using namespace teredo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> pkt = fuzz::icmpv6_input(data, size);
  auto ip = proto::parse_ipv6(pkt);
  if (!ip) return 0;
  const proto::Ipv6Header& h = ip->header;

  if (proto::is_bubble(*ip)) {
    std::uint8_t buf[proto::kIpv6HeaderSize];
    proto::Writer w(buf);
    proto::build_bubble(w, h.src, h.dst, h.hop_limit);
    FUZZ_CHECK(w.ok());
    if (h.traffic_class == 0 && h.flow_label == 0)
      FUZZ_CHECK(fuzz::same_bytes(w.written(), proto::ByteView(pkt).first(proto::kIpv6HeaderSize)));
  }

  auto e = proto::parse_echo(*ip);
  if (!e) {
    FUZZ_CHECK(proto::to_string(e.drop()) != "unknown");
    return 0;
  }
  FUZZ_CHECK(e->type == proto::kIcmpv6EchoRequest || e->type == proto::kIcmpv6EchoReply);
  FUZZ_CHECK(e->data.size() + 8 == ip->payload.size());
  FUZZ_CHECK(fuzz::within(e->data, ip->payload));

  std::vector<std::uint8_t> buf(proto::kIpv6HeaderSize + ip->payload.size());
  proto::Writer w(buf);
  proto::build_echo(w, h.src, h.dst, h.hop_limit, *e);
  FUZZ_CHECK(w.ok() && w.size() == buf.size());
  const proto::ByteView icmp = proto::ByteView(buf).subspan(proto::kIpv6HeaderSize);
  for (std::size_t i = 0; i < icmp.size(); ++i) {
    if (i == 2 || i == 3) continue;
    FUZZ_CHECK(icmp[i] == ip->payload[i]);
  }
  auto ip2 = proto::parse_ipv6(buf);
  FUZZ_CHECK(ip2.ok());
  auto e2 = proto::parse_echo(*ip2);
  FUZZ_CHECK(e2.ok() && e2->identifier == e->identifier && e2->sequence == e->sequence &&
             fuzz::same_bytes(e2->data, e->data));
  return 0;
}
