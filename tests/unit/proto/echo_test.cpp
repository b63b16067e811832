// SPDX-License-Identifier: GPL-2.0-or-later
// ICMPv6 echo and bubbles (sheet 2.4, 2.7).
#include <gtest/gtest.h>

#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::proto {
namespace {

using test::Bytes;
using test::from_hex;
using test::to_hex;

Result<Echo> parse_echo_bytes(const Bytes& b) {
  auto ip = parse_ipv6(b);
  if (!ip) return ip.drop();
  return parse_echo(*ip);
}

TEST(Echo, BuildsTheSheetVectorByteForByte) {
  const Bytes b = test::build_echo_vector_packet();
  ASSERT_EQ(b.size(), 40u + 16);
  EXPECT_EQ(to_hex(ByteView(b).subspan(40)), test::kEchoVectorIcmpHex);
  EXPECT_EQ(b[6], kNextHeaderIcmpv6);
  EXPECT_EQ(b[7], 64);
}

TEST(Echo, ParsesTheSheetVector) {
  const Bytes b = test::build_echo_vector_packet();
  auto e = parse_echo_bytes(b);  // e->data views b
  ASSERT_TRUE(e.ok()) << to_string(e.drop());
  EXPECT_EQ(e->type, kIcmpv6EchoRequest);
  EXPECT_EQ(e->identifier, 0x1234);
  EXPECT_EQ(e->sequence, 1);
  EXPECT_EQ(to_hex(e->data), "0123456789abcdef");
}

TEST(Echo, RoundTripsRequestsAndRepliesOfEveryDataLengthUpTo33) {
  Bytes data(33);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 1);
  for (std::uint8_t type : {kIcmpv6EchoRequest, kIcmpv6EchoReply}) {
    for (std::size_t n = 0; n <= data.size(); ++n) {
      SCOPED_TRACE(n);
      Echo in;
      in.type = type;
      in.identifier = static_cast<std::uint16_t>(0xBEEF + n);
      in.sequence = static_cast<std::uint16_t>(n);
      in.data = ByteView(data).first(n);
      const Bytes b = test::build([&](Writer& w) {
        build_echo(w, test::ipv6("2001:0:4136:e378:8000:63bf:3fff:fdd2"), test::ipv6("2001:db8::1"), 255, in);
      });
      auto e = parse_echo_bytes(b);
      ASSERT_TRUE(e.ok()) << to_string(e.drop());
      EXPECT_EQ(e->type, type);
      EXPECT_EQ(e->identifier, in.identifier);
      EXPECT_EQ(e->sequence, in.sequence);
      EXPECT_EQ(to_hex(e->data), to_hex(in.data));
    }
  }
}

TEST(Echo, ReturnsTheNamedDropForEveryMalformedMessage) {
  struct Case {
    const char* name;
    void (*apply)(Bytes&);
    Drop expected;
  };
  const Case cases[] = {
      {"bad checksum", [](Bytes& b) { b[43] ^= 0xFF; }, Drop::BadIcmpv6Checksum},
      {"changed data", [](Bytes& b) { b[50] ^= 0x01; }, Drop::BadIcmpv6Checksum},
      {"wrong code",
       [](Bytes& b) {
         b[41] = 3;
         test::refresh_icmpv6_checksum(b);
       },
       Drop::BadIcmpv6Code},
      {"not an echo type",
       [](Bytes& b) {
         b[40] = 1;
         test::refresh_icmpv6_checksum(b);
       },
       Drop::NotEcho},
      {"router solicitation type",
       [](Bytes& b) {
         b[40] = 133;
         test::refresh_icmpv6_checksum(b);
       },
       Drop::NotEcho},
      {"not ICMPv6", [](Bytes& b) { b[6] = kNextHeaderTcp; }, Drop::NotIcmpv6},
      {"seven-byte message",
       [](Bytes& b) {
         b.resize(47);
         test::fix_payload_length(b);
       },
       Drop::TruncatedIcmpv6},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Bytes b = test::build_echo_vector_packet();
    c.apply(b);
    auto e = parse_echo_bytes(b);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.drop(), c.expected) << to_string(e.drop());
  }
}

TEST(Bubble, BuildsTheSheetVectorByteForByte) {
  const Bytes b = test::build([](Writer& w) {
    build_bubble(w, test::ipv6("2001:0:4136:e378:8000:63bf:3fff:fdd2"),
                 test::ipv6("2001:0:cb00:7178:0:efff:3fff:fdfe"), 255);
  });
  EXPECT_EQ(to_hex(b), to_hex(from_hex(test::kBubbleVectorHex)));
}

TEST(Bubble, IsRecognisedAndIsNotAnEcho) {
  const Bytes bubble = from_hex(test::kBubbleVectorHex);
  auto ip = parse_ipv6(bubble);
  ASSERT_TRUE(ip.ok());
  EXPECT_TRUE(is_bubble(*ip));
  EXPECT_TRUE(ip->payload.empty());
  EXPECT_EQ(parse_echo(*ip).drop(), Drop::NotIcmpv6);
  const Bytes echo = test::build_echo_vector_packet();
  auto echo_ip = parse_ipv6(echo);
  ASSERT_TRUE(echo_ip.ok());
  EXPECT_FALSE(is_bubble(*echo_ip));
}

TEST(Bubble, WithPayloadOrOtherNextHeaderIsNotABubble) {
  Bytes b = from_hex(test::kBubbleVectorHex);
  b[6] = kNextHeaderIcmpv6;
  EXPECT_FALSE(is_bubble(*parse_ipv6(b)));
  Bytes c = from_hex(test::kBubbleVectorHex);
  c.push_back(0);
  test::fix_payload_length(c);
  EXPECT_FALSE(is_bubble(*parse_ipv6(c)));
}

TEST(Bubble, CarriesTrailersAfterItInsideATeredoDatagram) {
  const Bytes d = test::concat({from_hex(test::kBubbleVectorHex), from_hex("0104 01020304")});
  auto pkt = parse_teredo_packet(d);
  ASSERT_TRUE(pkt.ok());
  EXPECT_EQ(to_hex(pkt->trailers), "010401020304");
  EXPECT_TRUE(is_bubble(*parse_ipv6(pkt->ipv6)));
}

}  // namespace
}  // namespace teredo::proto
