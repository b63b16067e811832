// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes core::Mire (teredo-mire's responder). Input: byte 0 bit 0 = port (0: 3544 bubbles,
// 1: 3545 echo), bits 1..7 pick the source (0: a global address, else a table entry, some of
// them not global); the rest is the UDP payload. Checks: a reply goes back to the source, only to
// a global unicast address with a port; it views `out`, parses as one IPv6 packet; a bubble
// answer is a bubble, an echo answer an Echo Reply, an error fits 1280 bytes; every drop is named.
#include <array>
#include <cstddef>
#include <cstdint>

#include "core/mire.hpp"
#include "fuzz_common.hpp"
#include "proto/echo.hpp"
#include "proto/icmpv6_error.hpp"
#include "proto/ipv6.hpp"

using namespace teredo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const proto::Endpoint kSources[] = {
      {proto::make_ipv4(203, 0, 113, 5), 40000},
      {proto::make_ipv4(10, 0, 0, 1), 40000},
      {proto::make_ipv4(198, 51, 100, 30), 0},
      {proto::make_ipv4(255, 255, 255, 255), 3544},
  };
  const proto::Endpoint from = kSources[(data[0] >> 1) % std::size(kSources)];
  const auto on = (data[0] & 1) != 0 ? core::MirePort::Echo : core::MirePort::Bubbles;
  core::Mire mire;
  static std::array<std::uint8_t, core::kMireOutputSize> out;
  auto r = mire.on_datagram(on, from, proto::ByteView(data + 1, size - 1), out);
  if (!r) {
    FUZZ_CHECK(proto::to_string(r.drop()) != "unknown");
    FUZZ_CHECK(mire.drops().total() == 1);
    return 0;
  }
  FUZZ_CHECK(r->to == from && proto::is_global_unicast(from.addr) && from.port != 0);
  FUZZ_CHECK(fuzz::within(r->payload, proto::ByteView(out)));
  auto ip = proto::parse_ipv6(r->payload);
  FUZZ_CHECK(ip.ok() && ip->payload.size() + proto::kIpv6HeaderSize == r->payload.size());
  if (on == core::MirePort::Bubbles) {
    FUZZ_CHECK(proto::is_bubble(*ip));
  } else if (mire.counters().echo_replies == 1) {
    auto e = proto::parse_echo(*ip);
    FUZZ_CHECK(e.ok() && e->type == proto::kIcmpv6EchoReply);
  } else {
    FUZZ_CHECK(mire.counters().parameter_problems == 1 && r->payload.size() <= proto::kMinMtu);
  }
  return 0;
}
