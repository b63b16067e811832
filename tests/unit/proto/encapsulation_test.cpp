// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo UDP payload framing: auth header, origin indication, IPv6 packet, trailers
// (sheet 2.1-2.3; checklist items 5-8).
#include <gtest/gtest.h>

#include <string>

#include "proto/encapsulation.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::proto {
namespace {

using test::Bytes;
using test::from_hex;
using test::to_hex;

Bytes bubble() {
  return from_hex(test::kBubbleVectorHex);
}

TEST(OriginIndication, BuildsTheRfcAndSheetVectors) {
  struct Case {
    Endpoint origin;
    const char* hex;
  };
  const Case cases[] = {
      {test::endpoint("1.2.3.4", 337), "0000feaefefdfcfb"},
      {test::endpoint("192.0.2.45", 40000), "000063bf3ffffdd2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.hex);
    EXPECT_EQ(to_hex(test::build([&](Writer& w) { build_origin_indication(w, c.origin); })), c.hex);
  }
}

TEST(OriginIndication, ParsesBackToTheDeobfuscatedEndpoint) {
  const std::pair<const char*, Endpoint> cases[] = {
      {"0000FEAEFEFDFCFB", test::endpoint("1.2.3.4", 337)},
      {"000063bf3ffffdd2", test::endpoint("192.0.2.45", 40000)},
  };
  for (const auto& [hex, origin] : cases) {
    SCOPED_TRACE(hex);
    const Bytes d = test::concat({from_hex(hex), bubble()});
    auto p = parse_teredo_packet(d);
    ASSERT_TRUE(p.ok()) << to_string(p.drop());
    ASSERT_TRUE(p->origin.has_value());
    EXPECT_EQ(*p->origin, origin);
    EXPECT_FALSE(p->auth.has_value());
    EXPECT_EQ(p->ipv6.size(), 40u);
    EXPECT_TRUE(p->trailers.empty());
  }
}

TEST(AuthHeader, BuildsThirteenBytesWithNonceAndConfirmation) {
  const Bytes b = test::build([](Writer& w) { build_auth_header(w, test::kRsVectorNonce, 7); });
  EXPECT_EQ(to_hex(b), "000100000123456789abcdef07");
  EXPECT_EQ(b.size(), kAuthHeaderMinSize);
}

TEST(TeredoPacket, ParsesTheRsVectorWithItsAuthHeader) {
  const Bytes d = from_hex(test::kRsVectorHex);
  ASSERT_EQ(d.size(), 61u);
  auto p = parse_teredo_packet(d);
  ASSERT_TRUE(p.ok()) << to_string(p.drop());
  ASSERT_TRUE(p->auth.has_value());
  EXPECT_TRUE(p->auth->client_id.empty());
  EXPECT_TRUE(p->auth->auth_value.empty());
  EXPECT_EQ(p->auth->nonce, test::kRsVectorNonce);
  EXPECT_EQ(p->auth->confirmation, 0);
  EXPECT_FALSE(p->origin.has_value());
  EXPECT_EQ(p->ipv6.data(), d.data() + 13);
  EXPECT_EQ(p->ipv6.size(), 48u);
  EXPECT_TRUE(p->trailers.empty());
}

TEST(TeredoPacket, HonoursNonZeroIdAndAuthenticationValueLengths) {
  const Bytes id = from_hex("c0ffee01");
  Bytes au(20);
  for (std::size_t i = 0; i < au.size(); ++i) au[i] = static_cast<std::uint8_t>(0xA0 + i);
  const Bytes header = test::concat(
      {from_hex("0001"), from_hex("0414"), id, au, from_hex("1122334455667788"), from_hex("01")});
  ASSERT_EQ(header.size(), 13u + 4 + 20);
  const Bytes origin = from_hex("000063bf3ffffdd2");
  const Bytes d = test::concat({header, origin, bubble()});
  auto p = parse_teredo_packet(d);
  ASSERT_TRUE(p.ok()) << to_string(p.drop());
  ASSERT_TRUE(p->auth.has_value());
  EXPECT_EQ(to_hex(p->auth->client_id), "c0ffee01");
  EXPECT_EQ(to_hex(p->auth->auth_value), to_hex(au));
  EXPECT_EQ(p->auth->nonce, (Nonce{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}));
  EXPECT_EQ(p->auth->confirmation, 1);
  ASSERT_TRUE(p->origin.has_value());
  EXPECT_EQ(*p->origin, test::endpoint("192.0.2.45", 40000));
  EXPECT_EQ(to_hex(p->ipv6), test::to_hex(bubble()));
}

TEST(TeredoPacket, ExposesBytesAfterTheIpv6PacketAsTrailers) {
  const Bytes trailer = from_hex("01 04 deadbeef 05 02 9c40");
  const Bytes d = test::concat({from_hex("000063bf3ffffdd2"), bubble(), trailer});
  auto p = parse_teredo_packet(d);
  ASSERT_TRUE(p.ok()) << to_string(p.drop());
  EXPECT_EQ(p->ipv6.size(), 40u);
  EXPECT_EQ(to_hex(p->trailers), to_hex(trailer));
  EXPECT_EQ(p->trailers.data(), p->ipv6.data() + p->ipv6.size());
}

TEST(TeredoPacket, AcceptsAPlainIpv6PacketWithoutHeaders) {
  auto p = parse_teredo_packet(bubble());
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->auth.has_value());
  EXPECT_FALSE(p->origin.has_value());
  EXPECT_EQ(p->ipv6.size(), 40u);
}

struct MalformedCase {
  const char* name;
  Bytes datagram;
  Drop expected;
};

TEST(TeredoPacket, ReturnsTheNamedDropForEveryMalformedDatagram) {
  const Bytes b = bubble();
  Bytes long_payload = b;
  long_payload[5] = 1;  // payload length 1, no payload bytes
  Bytes v4 = b;
  v4[0] = 0x45;
  const MalformedCase cases[] = {
      {"empty", {}, Drop::DatagramTooShort},
      {"one byte", from_hex("60"), Drop::DatagramTooShort},
      {"auth marker only", from_hex("0001"), Drop::TruncatedAuthHeader},
      {"auth without lengths", from_hex("000100"), Drop::TruncatedAuthHeader},
      {"auth 12 bytes", from_hex("000100000123456789abcd"), Drop::TruncatedAuthHeader},
      {"auth id-len beyond datagram", from_hex("00010400 0123456789abcdef 00 aabbcc"),
       Drop::TruncatedAuthHeader},
      {"auth au-len 255", test::concat({from_hex("000100ff 0123456789abcdef00"), b}),
       Drop::TruncatedAuthHeader},
      {"auth then nothing", from_hex("000100000123456789abcdef00"), Drop::DatagramTooShort},
      {"auth then one byte", from_hex("000100000123456789abcdef0060"), Drop::DatagramTooShort},
      {"origin marker only", from_hex("0000"), Drop::TruncatedOriginIndication},
      {"origin 7 bytes", from_hex("000063bf3ffffd"), Drop::TruncatedOriginIndication},
      {"origin then nothing", from_hex("000063bf3ffffdd2"), Drop::DatagramTooShort},
      {"version 4", v4, Drop::NotIpv6},
      {"version 0 with other marker", test::concat({from_hex("0002"), b}), Drop::NotIpv6},
      {"auth after auth",
       test::concat({from_hex("000100000123456789abcdef00"), from_hex("000100000123456789abcdef00"), b}),
       Drop::NotIpv6},
      {"auth after origin",
       test::concat({from_hex("000063bf3ffffdd2"), from_hex("000100000123456789abcdef00"), b}),
       Drop::NotIpv6},
      {"origin after origin", test::concat({from_hex("000063bf3ffffdd2"), from_hex("000063bf3ffffdd2"), b}),
       Drop::NotIpv6},
      {"ipv6 header 39 bytes", Bytes(b.begin(), b.end() - 1), Drop::TruncatedIpv6Header},
      {"ipv6 two bytes", from_hex("6000"), Drop::TruncatedIpv6Header},
      {"payload length larger than data", long_payload, Drop::Ipv6PayloadTruncated},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto p = parse_teredo_packet(c.datagram);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.drop(), c.expected) << to_string(p.drop());
  }
}

// Expected drop for a prefix of the 61-byte RS vector (13 auth + 40 IPv6 + 8 RS).
Drop expected_rs_truncation_drop(std::size_t n) {
  if (n < 2) return Drop::DatagramTooShort;
  if (n < 13) return Drop::TruncatedAuthHeader;
  if (n < 15) return Drop::DatagramTooShort;
  if (n < 53) return Drop::TruncatedIpv6Header;
  return Drop::Ipv6PayloadTruncated;
}

TEST(TeredoPacket, DropsEveryTruncationOfAnRsWithAuth) {
  const Bytes d = from_hex(test::kRsVectorHex);
  for (std::size_t n = 0; n < d.size(); ++n) {
    SCOPED_TRACE("length " + std::to_string(n));
    const Bytes cut(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));  // exact-size heap copy for ASan
    auto p = parse_teredo_packet(cut);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.drop(), expected_rs_truncation_drop(n)) << to_string(p.drop());
  }
  EXPECT_TRUE(parse_teredo_packet(d).ok());
}

TEST(TeredoPacket, DropsEveryTruncationOfAnRaWithLongAuthAndOrigin) {
  Bytes d = test::concat({from_hex("0001 0214 abcd"), Bytes(20, 0x55), from_hex("0123456789abcdef00")});
  const Bytes ra = test::build_ra_datagram(test::kRsVectorNonce, test::endpoint("192.0.2.45", 40000),
                                           test::ipv4("198.51.100.10"), test::rs_vector_source());
  d.insert(d.end(), ra.begin() + 13, ra.end());  // origin + IPv6 of the RA
  ASSERT_TRUE(parse_teredo_packet(d).ok());
  for (std::size_t n = 0; n < d.size(); ++n) {
    SCOPED_TRACE("length " + std::to_string(n));
    const Bytes cut(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(parse_teredo_packet(cut).ok());
  }
}

}  // namespace
}  // namespace teredo::proto
